//! Staff lists: the clerk's queue (`tasks`) and case search (`cases`), both Relay
//! connections in the caller's scope as the policy draws it.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::error::{bad_input, from_store};
use super::query::{DEFAULT_PAGE, page_size};
use super::types::{CaseStatus, Level};
use super::view::CaseView;
use super::{claims, store};
use crate::policy;
use crate::store::{CaseOrder, CaseSearch, QueueCursor, QueueFilter};

/// One task in the clerk's queue.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct QueueTask {
    /// The case.
    pub case_id: String,
    /// Task id within the case; the intake entry of a case awaiting 受理 has
    /// 2147483647 and is worked with `acceptCase`, `requestCorrection` or `refuseCase`.
    pub task_id: u32,
    /// Step id (`intake` for 受理).
    pub step: String,
    /// Role that does it.
    pub role: String,
    /// Office that does it.
    pub office: String,
    /// Who claimed it.
    pub claimed_by: Option<String>,
    /// Step deadline.
    pub due: Option<DateTime<Utc>>,
    /// Level, as the step's timers last set it.
    pub level: Level,
    /// 事项编码.
    pub service: String,
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

    /// The level in words: 正常, 预警, 超期.
    async fn level_label(&self) -> &'static str {
        self.level.label()
    }

    /// Working days until `due` on the working-day calendar (negative once past), to 0.01.
    async fn working_days_left(&self, ctx: &Context<'_>) -> Option<f64> {
        let due = self.due?;
        let calendar = store(ctx).calendar();
        let left = calendar.working_seconds(due).ok()? - calendar.working_seconds(Utc::now()).ok()?;
        Some(crate::store::days(left))
    }
}

impl From<crate::store::QueueItem> for QueueTask {
    fn from(i: crate::store::QueueItem) -> Self {
        Self {
            case_id: i.case_id,
            task_id: i.task_id,
            step: i.step,
            role: i.role,
            office: i.office,
            claimed_by: i.claimed_by,
            due: i.due,
            level: super::types::from_stored::<engine::clock::Level>(&i.level).unwrap_or_default().into(),
            service: i.service,
        }
    }
}

/// Which of your queue's tasks to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct TaskFilter {
    /// Only this service (事项编码).
    pub service: Option<String>,
    /// Only this step (step id; `intake` for 受理).
    pub step: Option<String>,
    /// Only tasks at this level.
    pub level: Option<Level>,
    /// Only tasks nobody has claimed.
    pub unclaimed: Option<bool>,
    /// Only tasks you have claimed.
    pub claimed_by_me: Option<bool>,
}

/// How staff search cases; every condition given must hold.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// 办件编号 (tracking number).
    pub tracking_no: Option<String>,
    /// A name the application gives, exactly (申请人姓名, 学校名称 ...).
    pub applicant_name: Option<String>,
    /// A 身份证号 the application gives.
    pub id_number: Option<String>,
    /// Only this service (事项编码).
    pub service: Option<String>,
    /// Only cases in this status.
    pub status: Option<CaseStatus>,
    /// Only cases at this level (the worse of the legal and promised clocks).
    pub level: Option<Level>,
    /// An office inside your scope (its sub-offices included); default: your office.
    pub office: Option<String>,
    /// Received on or after this day (YYYY-MM-DD, China time).
    pub received_from: Option<String>,
    /// Received on or before this day.
    pub received_to: Option<String>,
    /// Concluded on or after this day.
    pub concluded_from: Option<String>,
    /// Concluded on or before this day.
    pub concluded_to: Option<String>,
}

/// How a page of cases is ordered.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum CaseSort {
    /// Earliest next deadline first: the case's open work (受理 included), else its promise.
    #[default]
    Due,
    /// Newest received first.
    Received,
}

/// `[from, to]` in days as `[start of from, start of the day after to)`.
fn period(
    field: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> async_graphql::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let from_day = super::report::day(&format!("filter.{field}From"), from)?;
    let to_day = super::report::day(&format!("filter.{field}To"), to)?;
    if let (Some(f), Some(t)) = (from_day, to_day)
        && t < f
    {
        return Err(bad_input(format!("filter.{field}To: before filter.{field}From")));
    }
    if from_day.is_none() && to_day.is_none() {
        return Ok(None);
    }
    let start = from_day.map_or(DateTime::<Utc>::MIN_UTC, engine::calendar::start_of);
    let end = to_day.map_or(DateTime::<Utc>::MAX_UTC, |d| engine::calendar::start_of(d + chrono::Duration::days(1)));
    Ok(Some((start, end)))
}

fn known_service(ctx: &Context<'_>, field: &str, code: Option<&String>) -> async_graphql::Result<()> {
    match code {
        Some(c) if store(ctx).latest(c).is_err() => Err(bad_input(format!("{field}: no published service `{c}`"))),
        _ => Ok(()),
    }
}

/// The staff lists.
#[derive(Default)]
pub struct ListQuery;

#[Object]
impl ListQuery {
    /// Staff and auditors find cases in their office scope, in cursor pages.
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for; every condition given must hold.")] filter: Option<CaseFilter>,
        #[graphql(desc = "The order: by due date (default) or received date.")] order_by: Option<CaseSort>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<u32>,
        #[graphql(desc = "The `endCursor` of the page before.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, CaseView>> {
        let who = claims(ctx)?;
        let first = page_size(first.unwrap_or(DEFAULT_PAGE))?;
        let filter = filter.unwrap_or_default();
        let order_by = order_by.unwrap_or_default();
        let office = policy::office_scope(who, "filter.office", filter.office.as_deref())?;
        known_service(ctx, "filter.service", filter.service.as_ref())?;
        if let Some(id) = &filter.id_number
            && engine::ids::IdCardNumber::parse(id.trim()).is_err()
        {
            return Err(bad_input("filter.idNumber: not a valid 身份证号 (18 characters, check digit)"));
        }
        let order = match order_by {
            CaseSort::Due => CaseOrder::Due,
            CaseSort::Received => CaseOrder::Received,
        };
        if after.as_deref().is_some_and(|a| !crate::store::search::is_cursor(a, order)) {
            return Err(bad_input("after: not a cursor from a list in this order"));
        }
        let s = store(ctx);
        let mut services = policy::service_scope(who, &s.latest_services());
        if let Some(only) = &filter.service {
            services =
                Some(services.map_or_else(|| vec![only.clone()], |l| l.into_iter().filter(|c| c == only).collect()));
        }
        let search = CaseSearch {
            office: office.to_string(),
            services,
            tracking_no: filter.tracking_no.clone(),
            name: filter.applicant_name.clone().filter(|n| !n.trim().is_empty()),
            id_number: filter.id_number.clone(),
            status: filter.status.map(|s| super::types::stored_name(engine::case::state::Status::from(s))),
            level: filter.level.map(|l| super::types::stored_name(engine::clock::Level::from(l))),
            received: period("received", filter.received_from.as_deref(), filter.received_to.as_deref())?,
            concluded: period("concluded", filter.concluded_from.as_deref(), filter.concluded_to.as_deref())?,
            order,
        };
        let mut found = s.search_cases(&search, first + 1, after.as_deref()).await.map_err(from_store)?;
        let has_next = found.len() > first as usize;
        found.truncate(first as usize);
        let mut page = Connection::new(after.is_some(), has_next);
        let actor = policy::actor(who).ok();
        for f in found {
            let Some(case) = s.stored(&f.case_id).await.map_err(from_store)? else { continue };
            // The search kept to the scope; the policy still has the last word on each case.
            if let Some(access) = policy::case_access(who, &case.state, &case.service) {
                let view = CaseView::new(case.service, case.state, case.version, access, actor.clone());
                page.edges.push(Edge::new(f.cursor, view));
            }
        }
        Ok(page)
    }

    /// Your queue: open tasks of your roles in your office and its sub-offices, most urgent
    /// (earliest step deadline) first, in cursor pages.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which tasks; every condition given must hold.")] filter: Option<TaskFilter>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<u32>,
        #[graphql(desc = "The `endCursor` of the page before.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, QueueTask>> {
        let scope = policy::queue_scope(claims(ctx)?)?;
        let first = page_size(first.unwrap_or(DEFAULT_PAGE))?;
        let filter = filter.unwrap_or_default();
        known_service(ctx, "filter.service", filter.service.as_ref())?;
        if let Some(step) = &filter.step {
            let services = store(ctx).latest_services();
            let in_scope = services.iter().filter(|s| filter.service.as_ref().is_none_or(|c| &s.spec.code == c));
            let builtin = {
                use engine::case::state::{FOLLOW_UP_STEP, PRE_REVIEW_STEP, VERIFICATION_STEP};
                [crate::store::INTAKE_STEP, FOLLOW_UP_STEP, VERIFICATION_STEP, PRE_REVIEW_STEP]
            };
            let known = builtin.contains(&step.as_str());
            if !known && !in_scope.into_iter().any(|s| s.step(step).is_some()) {
                return Err(bad_input(format!("filter.step: no step `{step}` in the services asked for")));
            }
        }
        let after_cursor = match after.as_deref().map(QueueCursor::decode) {
            Some(None) => return Err(bad_input("after: not a cursor from this queue")),
            Some(Some(c)) => Some(c),
            None => None,
        };
        let store_filter = QueueFilter {
            service: filter.service,
            step: filter.step,
            level: filter.level.map(|l| super::types::stored_name(engine::clock::Level::from(l))),
            unclaimed: filter.unclaimed.unwrap_or(false),
            claimed_by: filter.claimed_by_me.unwrap_or(false).then(|| scope.user.clone()),
        };
        let office = scope.office.to_string();
        let mut items = store(ctx)
            .queue(&scope.roles, &office, &store_filter, first + 1, after_cursor.as_ref())
            .await
            .map_err(from_store)?;
        let has_next = items.len() > first as usize;
        items.truncate(first as usize);
        let mut page = Connection::new(after.is_some(), has_next);
        for i in items {
            page.edges.push(Edge::new(i.cursor().encode(), QueueTask::from(i)));
        }
        Ok(page)
    }
}
