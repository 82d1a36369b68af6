//! Queries about one case, the caller and the service guide (staff lists are in
//! [`super::lists`]). Who may see what is the policy's ([`crate::policy`]); a case the caller may
//! not see reads as NOT_FOUND, never as a hint that it exists.

use async_graphql::{Context, Json, Object, SimpleObject};

use super::error::{bad_input, from_store, not_found};
use super::guide::ServiceGuide;
use super::view::{CaseView, PublicStatus};
use super::{claims, store};
use crate::policy;

/// The most items one page may hold.
pub const MAX_PAGE: u32 = 100;

/// Items per page when the client does not say.
pub(super) const DEFAULT_PAGE: u32 = 20;

/// Checks a page size: 1 to [`MAX_PAGE`].
pub(super) fn page_size(first: u32) -> async_graphql::Result<u32> {
    if (1..=MAX_PAGE).contains(&first) {
        Ok(first)
    } else {
        Err(bad_input(format!("first: 1 to {MAX_PAGE} items per page")))
    }
}

/// The caller as the server sees them.
#[derive(SimpleObject)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Office code (empty when the token names none, or a malformed one).
    pub office: String,
}

/// A problem of an application form, in Chinese, for the field it names.
#[derive(SimpleObject)]
pub struct FormProblem {
    /// `form.<name>` (or `form` for the form as a whole).
    pub field: String,
    /// What is wrong, as a page shows it beside the field.
    pub message: String,
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
    /// The events as stored (personal numbers masked for auditors).
    pub events: Json<serde_json::Value>,
    /// The same history in words.
    pub timeline: Vec<super::timeline::TimelineEntry>,
}

/// Read operations.
#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// Who the token says you are.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let c = claims(ctx)?;
        let office = policy::office_of(c).map(|o| o.to_string()).unwrap_or_default();
        Ok(Me { id: c.sub.clone(), name: c.name.clone(), roles: c.roles.clone(), office })
    }

    /// Every published service (newest version of each), by category and code; public.
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only services of this category (事项类型, e.g. 行政许可).")] category: Option<String>,
        #[graphql(desc = "Only services whose name or code contains this text.")] search: Option<String>,
    ) -> async_graphql::Result<Vec<ServiceGuide>> {
        let search = search.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let all = store(ctx).latest_services();
        if let Some(c) = &category
            && !all.iter().any(|s| &s.spec.category == c)
        {
            let mut known: Vec<&str> = all.iter().map(|s| s.spec.category.as_str()).filter(|c| !c.is_empty()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(bad_input(format!("category: no service of category `{c}`; there are {}", known.join("、"))));
        }
        let mut list: Vec<_> = all
            .into_iter()
            .filter(|s| category.as_ref().is_none_or(|c| &s.spec.category == c))
            .filter(|s| {
                search.as_ref().is_none_or(|q| s.spec.name.contains(q.as_str()) || s.spec.code.contains(q.as_str()))
            })
            .collect();
        list.sort_by(|a, b| (&a.spec.category, &a.spec.code).cmp(&(&b.spec.category, &b.spec.code)));
        Ok(list.into_iter().map(ServiceGuide).collect())
    }

    /// One service's 办事指南 (newest version); public.
    async fn service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "事项编码, e.g. JY-XK-0001.")] code: String,
    ) -> async_graphql::Result<ServiceGuide> {
        let service = store(ctx)
            .latest(&code)
            .map_err(|_| super::error::coded("NOT_FOUND", format!("code: no published service `{code}`")))?;
        Ok(ServiceGuide(service))
    }

    /// Checks an application form as `submitCase` will, without submitting: every problem,
    /// each naming its field (empty when the form would be accepted). Public.
    async fn check_form(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "事项编码 of a published service.")] service: String,
        #[graphql(desc = "The application form.")] form: Json<serde_json::Value>,
    ) -> async_graphql::Result<Vec<FormProblem>> {
        let published = store(ctx).latest(&service).map_err(from_store)?;
        Ok(match ctx.data_unchecked::<crate::forms::Forms>().check(&published, &form.0) {
            Ok(()) => Vec::new(),
            Err(p) => p.0.into_iter().map(|p| FormProblem { field: p.field, message: p.words }).collect(),
        })
    }

    /// One case, if you may see it.
    async fn case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case id (办件编号).")] id: String,
    ) -> async_graphql::Result<CaseView> {
        let who = claims(ctx)?;
        let case = store(ctx).stored(&id).await.map_err(from_store)?.ok_or_else(|| not_found("such case"))?;
        let access = policy::case_access(who, &case.state, &case.service).ok_or_else(|| not_found("such case"))?;
        Ok(CaseView::new(case.service, case.state, case.version, access, policy::actor(who).ok()))
    }

    /// Your own applications, newest first.
    async fn my_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<u32>,
    ) -> async_graphql::Result<Vec<CaseView>> {
        let who = claims(ctx)?;
        let first = page_size(first.unwrap_or(DEFAULT_PAGE))?;
        let s = store(ctx);
        let actor = policy::actor(who).ok();
        let mut out = Vec::new();
        for id in s.cases_of(&who.sub, first).await.map_err(from_store)? {
            if let Some(case) = s.stored(&id).await.map_err(from_store)?
                && let Some(access) = policy::case_access(who, &case.state, &case.service)
            {
                out.push(CaseView::new(case.service, case.state, case.version, access, actor.clone()));
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
        #[graphql(desc = "办件编号, as on the receipt.")] tracking_no: String,
        #[graphql(desc = "查询码: the six digits given at submission.")] query_code: String,
    ) -> async_graphql::Result<PublicStatus> {
        let lookups = ctx.data_unchecked::<super::Lookups>();
        let tracking_no = tracking_no.trim().to_owned();
        if lookups.locked(&tracking_no) {
            return Err(super::error::forbidden("too many wrong query codes for this number; try again later"));
        }
        match store(ctx).lookup(&tracking_no, query_code.trim()).await.map_err(from_store)? {
            Some(case) => {
                let events = store(ctx).events(&case.state.id).await.map_err(from_store)?;
                let mut status = PublicStatus::new(&case.service, &case.state);
                status.history = super::view::public_history(&case.service, &events);
                Ok(status)
            }
            None => {
                lookups.failed(&tracking_no);
                Err(not_found("case with this tracking number and query code"))
            }
        }
    }

    /// A case's events and whether its hash chain holds.
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case id.")] case_id: String,
    ) -> async_graphql::Result<AuditTrail> {
        let who = claims(ctx)?;
        let s = store(ctx);
        let case = s.stored(&case_id).await.map_err(from_store)?.ok_or_else(|| not_found("such case"))?;
        let access = policy::case_access(who, &case.state, &case.service).ok_or_else(|| not_found("such case"))?;
        let (events, unreadable) = s.readable_events(&case_id).await.map_err(from_store)?;
        // The readable events are checked first: a break among them comes before the
        // unreadable one.
        let verdict = engine::chain::verify(&events).and_then(|()| unreadable.map_or(Ok(()), Err));
        // The chain is verified on the events as recorded; readers then get them without
        // the secret of ballots and objectors, and auditors with personal numbers masked.
        let mut json =
            serde_json::to_value(super::timeline::without_secrets(&case.service, &events)).unwrap_or_default();
        if access.masked {
            super::mask::mask_personal(&mut json);
        }
        Ok(AuditTrail {
            valid: verdict.is_ok(),
            broken_at: verdict.as_ref().err().map(|b| b.sequence),
            reason: verdict.err().map(|b| b.reason),
            events: Json(json),
            timeline: super::timeline::entries(&case.service, &events, access.masked),
        })
    }
}
