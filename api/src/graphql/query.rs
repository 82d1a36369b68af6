//! Queries. A case is visible to its applicant, to staff and auditors whose office covers
//! the case's office, and to nobody else (others get NOT_FOUND, not a hint it exists).

use async_graphql::{Context, Json, Object, SimpleObject};

use super::error::{bad_input, from_store, not_found};
use super::view::{CaseView, PublicStatus};
use super::{claims, store};
use crate::auth::{AUDITOR, Claims};
use crate::store::QueueCursor;

/// The caller as the server sees them.
#[derive(SimpleObject)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Office code.
    pub office: String,
}

/// A published service.
#[derive(SimpleObject)]
pub struct ServiceView {
    /// 事项编码.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Version new cases run under.
    pub version: u32,
}

/// A case's record with the verdict on its hash chain.
#[derive(SimpleObject)]
pub struct AuditTrail {
    /// Whether every event is where the chain says.
    pub valid: bool,
    /// The first event that breaks the chain.
    pub broken_at: Option<u64>,
    /// Why.
    pub reason: Option<String>,
    /// The events as stored.
    pub events: Json<serde_json::Value>,
}

/// One task in the clerk's queue.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct QueueTask {
    /// The case.
    pub case_id: String,
    /// Task id within the case.
    pub task_id: u32,
    /// Step id.
    pub step: String,
    /// Role that does it.
    pub role: String,
    /// Office that does it.
    pub office: String,
    /// Who claimed it.
    pub claimed_by: Option<String>,
    /// Step deadline (RFC 3339).
    pub due: Option<String>,
    /// `normal`, `warning` (预警) or `overdue` (超期), as the step's timers last set it.
    pub level: String,
    /// 事项编码.
    pub service: String,
    /// Pass as `after` to continue from here.
    pub cursor: String,
}

#[async_graphql::ComplexObject]
impl QueueTask {
    /// 事项名称, as published.
    async fn service_name(&self, ctx: &Context<'_>) -> Option<String> {
        store(ctx).latest(&self.service).ok().map(|s| s.spec.name.clone())
    }

    /// The step's name, as the service's definition gives it (环节名称).
    async fn step_name(&self, ctx: &Context<'_>) -> Option<String> {
        if self.step == crate::store::INTAKE_STEP {
            return Some("受理".to_owned());
        }
        store(ctx).latest(&self.service).ok()?.step_name(&self.step).map(str::to_owned)
    }
}

/// A page of the queue.
#[derive(SimpleObject)]
pub struct TaskPage {
    /// Tasks, most urgent first.
    pub nodes: Vec<QueueTask>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// The last task's cursor.
    pub end_cursor: Option<String>,
}

impl From<crate::store::QueueItem> for QueueTask {
    fn from(i: crate::store::QueueItem) -> Self {
        Self {
            cursor: i.cursor().encode(),
            case_id: i.case_id,
            task_id: i.task_id,
            step: i.step,
            role: i.role,
            office: i.office,
            claimed_by: i.claimed_by,
            due: i.due.map(|d| d.to_rfc3339()),
            level: i.level,
            service: i.service,
        }
    }
}

/// Whether `who` may see `case`, and whether personal numbers are masked for them.
pub fn visibility(who: &Claims, s: &engine::case::CaseState, service: &engine::Service) -> Option<bool> {
    // Staff see the cases of their office and sub-offices, and cases with a task there (a
    // transfer passes through four offices).
    let covers = |office: &str| !who.office.is_empty() && office.starts_with(&who.office);
    let staff_in_scope = covers(&s.office) || s.tasks.values().any(|t| covers(&t.office));
    if s.applicant == who.sub {
        Some(false)
    } else if staff_in_scope && who.has(AUDITOR) {
        Some(true)
    } else if staff_in_scope && service.spec.roles.iter().any(|r| who.has(&r.code)) {
        Some(false)
    } else {
        None
    }
}

/// Read operations.
#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// Who the token says you are.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let c = claims(ctx)?;
        Ok(Me { id: c.sub.clone(), roles: c.roles.clone(), office: c.office.clone() })
    }

    /// Every published service, newest version of each.
    async fn services(&self, ctx: &Context<'_>) -> Vec<ServiceView> {
        store(ctx)
            .latest_services()
            .into_iter()
            .map(|s| ServiceView { code: s.spec.code.clone(), name: s.spec.name.clone(), version: s.spec.version })
            .collect()
    }

    /// One case, if you may see it.
    async fn case(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<CaseView> {
        let who = claims(ctx)?;
        let case = store(ctx).stored(&id).await.map_err(from_store)?.ok_or_else(|| not_found("such case"))?;
        let mask = visibility(who, &case.state, &case.service).ok_or_else(|| not_found("such case"))?;
        Ok(CaseView::new(&case.service, &case.state, case.version, mask))
    }

    /// The caller's queue: open tasks of their roles in their office and its sub-offices,
    /// most urgent (earliest step deadline) first; cursor-paginated.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: u32,
        after: Option<String>,
    ) -> async_graphql::Result<TaskPage> {
        let who = claims(ctx)?;
        let after = match after.as_deref().map(QueueCursor::decode) {
            Some(None) => return Err(bad_input("after: not a cursor from this queue")),
            Some(Some(c)) => Some(c),
            None => None,
        };
        let first = first.clamp(1, 100);
        let roles = who.actor().roles;
        let mut items = store(ctx).queue(&roles, &who.office, first + 1, after.as_ref()).await.map_err(from_store)?;
        let has_next_page = items.len() > first as usize;
        items.truncate(first as usize);
        let nodes: Vec<QueueTask> = items.into_iter().map(QueueTask::from).collect();
        Ok(TaskPage { end_cursor: nodes.last().map(|n| n.cursor.clone()), has_next_page, nodes })
    }

    /// The caller's own applications, newest first.
    async fn my_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: u32,
    ) -> async_graphql::Result<Vec<CaseView>> {
        let who = claims(ctx)?;
        let s = store(ctx);
        let mut out = Vec::new();
        for id in s.cases_of(&who.sub, first.clamp(1, 100)).await.map_err(from_store)? {
            if let Some(case) = s.stored(&id).await.map_err(from_store)? {
                out.push(CaseView::new(&case.service, &case.state, case.version, false));
            }
        }
        Ok(out)
    }

    /// 办件查询: a case's public status by tracking number and query code, without logging in.
    /// No personal data; a wrong code is NOT_FOUND like an unknown number, and repeated
    /// wrong codes lock the number for a while (FORBIDDEN).
    async fn case_status(
        &self,
        ctx: &Context<'_>,
        tracking_no: String,
        query_code: String,
    ) -> async_graphql::Result<PublicStatus> {
        let lookups = ctx.data_unchecked::<super::Lookups>();
        if lookups.locked(&tracking_no) {
            return Err(super::error::forbidden("too many wrong query codes for this number; try again later"));
        }
        match store(ctx).lookup(&tracking_no, &query_code).await.map_err(from_store)? {
            Some(case) => Ok(PublicStatus::new(&case.service, &case.state)),
            None => {
                lookups.failed(&tracking_no);
                Err(not_found("case with this tracking number and query code"))
            }
        }
    }

    /// A case's events and whether its hash chain holds.
    async fn audit_trail(&self, ctx: &Context<'_>, case_id: String) -> async_graphql::Result<AuditTrail> {
        let who = claims(ctx)?;
        let s = store(ctx);
        let case = s.stored(&case_id).await.map_err(from_store)?.ok_or_else(|| not_found("such case"))?;
        let masked = visibility(who, &case.state, &case.service).ok_or_else(|| not_found("such case"))?;
        let events = s.events(&case_id).await.map_err(from_store)?;
        let verdict = engine::chain::verify(&events);
        // The chain is verified on the stored text; auditors then read it masked.
        let mut json = serde_json::to_value(&events).unwrap_or_default();
        if masked {
            super::view::mask_personal(&mut json);
        }
        Ok(AuditTrail {
            valid: verdict.is_ok(),
            broken_at: verdict.as_ref().err().map(|b| b.sequence),
            reason: verdict.err().map(|b| b.reason),
            events: Json(json),
        })
    }
}
