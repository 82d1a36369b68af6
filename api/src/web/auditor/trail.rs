//! A case's audit trail: every event in words, with the verdict on its hash chain; when the
//! chain breaks, the first event that does not match is named and highlighted.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::http::App;
use crate::web::session::Visit;
use crate::web::{Chrome, when};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    seq: u64,
    at: String,
    actor: String,
    role: String,
    what: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trail {
    valid: bool,
    broken_at: Option<u64>,
    reason: Option<String>,
    timeline: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    service_name: String,
    public_status: String,
    office: String,
}

/// A line of the trail.
pub struct Line {
    seq: u64,
    at: String,
    who: String,
    what: String,
    broken: bool,
}

#[derive(Template)]
#[template(path = "auditor/trail.html")]
struct TrailPage {
    c: Chrome,
    id: String,
    service_name: String,
    status: String,
    office: String,
    valid: bool,
    broken_at: Option<u64>,
    reason: String,
    lines: Vec<Line>,
}

/// `GET /audit/cases/{id}`.
pub async fn trail(State(app): State<App>, mut visit: Visit, Path(id): Path<String>) -> Response {
    let Some(who) = visit.claims() else {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        case: Case,
        audit_trail: Trail,
    }
    let doc = "query($id: String!) { case(id: $id) { serviceName publicStatus office } \
               auditTrail(caseId: $id) { valid brokenAt reason timeline { seq at actor role what } } }";
    let data = match app.client().run::<Data>(Some(&who), doc, json!({ "id": id })).await {
        Ok(d) => d,
        Err(f) => return visit.refused(&f),
    };
    let t = data.audit_trail;
    let lines = t
        .timeline
        .into_iter()
        .map(|e| Line {
            broken: t.broken_at == Some(e.seq),
            seq: e.seq,
            at: when(&e.at),
            who: crate::web::who(&e.role, &e.actor),
            what: e.what,
        })
        .collect();
    let page = TrailPage {
        c: visit.chrome("办件审计记录"),
        id,
        service_name: data.case.service_name,
        status: data.case.public_status,
        office: data.case.office,
        valid: t.valid,
        broken_at: t.broken_at,
        reason: t.reason.unwrap_or_default(),
        lines,
    };
    visit.render(StatusCode::OK, &page)
}
