//! CSV exports for auditors: `/reports/sla.csv` (the SLA report, one line per service) and
//! `/reports/cases.csv` (the case list), with the same bearer token, scope and period
//! parameters as `slaReport` (`office`, `service`, `from`, `to` as YYYY-MM-DD). UTF-8 with
//! a byte-order mark, so spreadsheet programs show the Chinese names.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::graphql::report::{SlaFilter, report_filter};
use crate::http::App;
use crate::store::ServiceFigures;

/// One CSV field, quoted when it must be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn line(out: &mut String, fields: &[String]) {
    let fields: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The SLA report as CSV.
#[must_use]
pub fn sla_csv(services: &[ServiceFigures]) -> String {
    let mut out = String::from('\u{feff}');
    let head = "service,service_name,received,accepted,concluded_of_received,open,concluded,on_time_legal,\
                on_time_promised,days_mean,days_median,days_p90,days_max,legal_days,promised_days,\
                promised_legal_ratio,achieved_legal_ratio,pauses,pause_days,extensions,extension_days,\
                corrections_per_case,cases_with_second_notice,visits_per_case,max_visits,cases_over_max_visits,\
                ratings,rating_mean,rated_1,rated_2,rated_3,rated_4,rated_5,bad_ratings,\
                follow_ups,follow_ups_open,follow_ups_overdue,follow_ups_closed,follow_ups_closed_late";
    out.push_str(head);
    out.push_str("\r\n");
    for s in services {
        let d = &s.processing_days;
        let mut row = vec![
            s.service.clone(),
            s.service_name.clone(),
            s.received.to_string(),
            s.accepted.to_string(),
            s.concluded_of_received.to_string(),
            s.open.to_string(),
            s.concluded.to_string(),
            opt(s.on_time_legal),
            opt(s.on_time_promised),
            opt(d.mean),
            opt(d.median),
            opt(d.p90),
            opt(d.max),
            s.legal_days.to_string(),
            s.promised_days.to_string(),
            opt(s.promised_legal_ratio),
            opt(s.achieved_legal_ratio),
            s.pauses.count.to_string(),
            s.pauses.days.to_string(),
            s.extensions.count.to_string(),
            s.extensions.days.to_string(),
            opt(s.corrections_per_case),
            s.cases_with_second_notice.to_string(),
            opt(s.visits_per_case),
            s.max_visits.to_string(),
            s.cases_over_max_visits.to_string(),
            s.ratings.count.to_string(),
            opt(s.ratings.mean),
        ];
        row.extend(s.ratings.by_score.iter().map(ToString::to_string));
        row.push(s.ratings.bad.to_string());
        let f = &s.follow_ups;
        row.extend([f.opened, f.open, f.overdue, f.closed, f.closed_late].iter().map(ToString::to_string));
        line(&mut out, &row);
    }
    out
}

/// An error as a plain-text response with its code.
fn refused(error: &async_graphql::Error) -> Response {
    let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(c)) => c.clone(),
        _ => "INTERNAL".to_owned(),
    };
    let status = match code.as_str() {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, format!("{code}: {}\n", error.message)).into_response()
}

fn csv(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// `GET /reports/sla.csv`.
pub async fn sla(State(app): State<App>, headers: HeaderMap, Query(filter): Query<SlaFilter>) -> Response {
    let Some(who) = app.signed_in(&headers) else {
        return refused(&crate::graphql::error::unauthenticated());
    };
    let filter = match report_filter(&who, &app.store().latest_services(), filter) {
        Ok(f) => f,
        Err(e) => return refused(&e),
    };
    match app.store().sla_report(&filter).await {
        Ok(services) => csv("sla-report.csv", sla_csv(&services)),
        Err(e) => refused(&crate::graphql::error::from_store(e)),
    }
}

/// `GET /reports/cases.csv`.
pub async fn cases(State(app): State<App>, headers: HeaderMap, Query(filter): Query<SlaFilter>) -> Response {
    let Some(who) = app.signed_in(&headers) else {
        return refused(&crate::graphql::error::unauthenticated());
    };
    let filter = match report_filter(&who, &app.store().latest_services(), filter) {
        Ok(f) => f,
        Err(e) => return refused(&e),
    };
    match app.store().case_rows(&filter).await {
        Ok(rows) => {
            let mut out = String::from('\u{feff}');
            out.push_str(
                "case_id,service,office,status,level,outcome,received_at,accepted_at,concluded_at,\
                 promised_deadline,legal_deadline\r\n",
            );
            for row in &rows {
                line(&mut out, row);
            }
            csv("cases.csv", out)
        }
        Err(e) => refused(&crate::graphql::error::from_store(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(super::field("民办学校正式设立"), "民办学校正式设立");
        assert_eq!(super::field("a,b"), "\"a,b\"");
        assert_eq!(super::field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
