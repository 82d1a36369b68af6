//! What auditors (and office heads) read: the SLA report and the lists of late cases, in
//! the caller's office scope (an office covers its sub-offices).

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::error::{bad_input, from_store};
use super::{claims, store};
use crate::auth::Claims;
use crate::store::{ReportFilter, ServiceFigures};

/// What a report covers.
#[derive(InputObject, Default, serde::Deserialize)]
pub struct SlaFilter {
    /// One service (事项编码), or all.
    pub service: Option<String>,
    /// An office within your scope (its sub-offices included); default: your office.
    pub office: Option<String>,
    /// First day of the period (YYYY-MM-DD, China time); default: 1 January this year.
    pub from: Option<String>,
    /// Last day of the period, included; default: today.
    pub to: Option<String>,
}

/// An SLA report.
#[derive(SimpleObject)]
pub struct SlaReport {
    /// The office scope it covers.
    pub office: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Per service.
    pub services: Vec<ServiceFigures>,
}

/// An open case near or past its deadline.
#[derive(SimpleObject)]
pub struct LateCaseView {
    /// The case.
    pub case_id: String,
    /// 事项编码.
    pub service: String,
    /// 事项名称.
    pub service_name: String,
    /// Handling office.
    pub office: String,
    /// 预警 or 超期.
    pub level: super::types::Level,
    /// 承诺时限 deadline.
    pub promised_deadline: Option<chrono::DateTime<chrono::Utc>>,
    /// 法定时限 deadline.
    pub legal_deadline: Option<chrono::DateTime<chrono::Utc>>,
    /// Working days past the promised deadline (0 when not yet past).
    pub working_days_late: i64,
}

/// The office a staff member or auditor may report on: their own, or one inside it.
fn report_scope(who: &Claims, field: &str, office: Option<String>) -> async_graphql::Result<String> {
    Ok(crate::policy::office_scope(who, field, office.as_deref())?.to_string())
}

/// A day written YYYY-MM-DD (exactly: `2026-3-1` is refused), for the argument `field`.
pub(super) fn day(field: &str, text: Option<&str>) -> async_graphql::Result<Option<NaiveDate>> {
    text.map(|t| {
        let parsed = if t.len() == 10 { NaiveDate::parse_from_str(t, "%Y-%m-%d").ok() } else { None };
        parsed.ok_or_else(|| bad_input(format!("{field}: a date as YYYY-MM-DD")))
    })
    .transpose()
}

fn date(field: &str, text: Option<&str>, default: NaiveDate) -> async_graphql::Result<NaiveDate> {
    Ok(day(field, text)?.unwrap_or(default))
}

/// The report's scope and period for `who`: their office or one inside it, the period
/// from 1 January to today unless given.
///
/// # Errors
/// FORBIDDEN outside the caller's scope or for applicants; BAD_USER_INPUT for a bad date.
pub fn report_filter(
    who: &Claims,
    services: &[std::sync::Arc<engine::Service>],
    filter: SlaFilter,
) -> async_graphql::Result<ReportFilter> {
    let office = report_scope(who, "filter.office", filter.office)?;
    let today = engine::calendar::local_date(chrono::Utc::now());
    let jan1 = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let from = date("filter.from", filter.from.as_deref(), jan1)?;
    let to = date("filter.to", filter.to.as_deref(), today)?;
    if to < from {
        return Err(bad_input("filter.to: before filter.from"));
    }
    Ok(ReportFilter {
        office,
        service: filter.service,
        services: crate::policy::service_scope(who, services),
        from: engine::calendar::start_of(from),
        to: engine::calendar::start_of(to + chrono::Duration::days(1)),
    })
}

/// Report queries.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// On-time rates, processing times, compression, pauses, extensions, corrections,
    /// visits and ratings per service, for cases received (intake counts) or concluded
    /// (everything else) in the period.
    async fn sla_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "What the report covers.")] filter: SlaFilter,
    ) -> async_graphql::Result<SlaReport> {
        let report = report_filter(claims(ctx)?, &store(ctx).latest_services(), filter)?;
        let services = store(ctx).sla_report(&report).await.map_err(from_store)?;
        let last = engine::calendar::local_date(report.to) - chrono::Duration::days(1);
        Ok(SlaReport {
            from: engine::calendar::local_date(report.from).to_string(),
            to: last.to_string(),
            office: report.office,
            services,
        })
    }

    /// Open cases past their deadline in your scope, the latest first.
    async fn overdue_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An office inside your scope (its sub-offices included); default: your office.")]
        office: Option<String>,
        #[graphql(default = 50, desc = "How many, 1 to 500.")] first: u32,
    ) -> async_graphql::Result<Vec<LateCaseView>> {
        late(ctx, office, "overdue", first).await
    }

    /// Open cases past the warning threshold (预警) in your scope, nearest deadline first.
    async fn at_risk_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An office inside your scope (its sub-offices included); default: your office.")]
        office: Option<String>,
        #[graphql(default = 50, desc = "How many, 1 to 500.")] first: u32,
    ) -> async_graphql::Result<Vec<LateCaseView>> {
        late(ctx, office, "warning", first).await
    }
}

async fn late(
    ctx: &Context<'_>,
    office: Option<String>,
    level: &str,
    first: u32,
) -> async_graphql::Result<Vec<LateCaseView>> {
    let office = report_scope(claims(ctx)?, "office", office)?;
    let s = store(ctx);
    let calendar = s.calendar();
    let today = engine::calendar::local_date(chrono::Utc::now());
    if !(1..=500).contains(&first) {
        return Err(bad_input("first: 1 to 500 cases"));
    }
    let services = crate::policy::service_scope(claims(ctx)?, &s.latest_services());
    let cases = s.late_cases(&office, services.as_deref(), level, first).await.map_err(from_store)?;
    Ok(cases
        .into_iter()
        .map(|c| {
            let deadline = c.promised_deadline.or(c.legal_deadline);
            // A deadline is the end of its day: the instant is midnight after it.
            let last_day = deadline.map(|d| engine::calendar::local_date(d - chrono::Duration::seconds(1)));
            let late = last_day.and_then(|d| calendar.working_days_between(d, today).ok()).unwrap_or(0).max(0);
            LateCaseView {
                service_name: s.latest(&c.service).map(|x| x.spec.name.clone()).unwrap_or_default(),
                case_id: c.case_id,
                service: c.service,
                office: c.office,
                level: super::types::from_stored::<engine::clock::Level>(&c.level).unwrap_or_default().into(),
                promised_deadline: c.promised_deadline,
                legal_deadline: c.legal_deadline,
                working_days_late: late,
            }
        })
        .collect())
}
