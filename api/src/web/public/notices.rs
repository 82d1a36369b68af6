//! 公示: what is on public notice now, for everyone without signing in, with personal data
//! masked as each definition says; anyone who signs in may object while a period runs.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::super::Chrome;
use super::super::client::Failure;
use super::super::session::Visit;
use crate::http::App;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Column {
    title: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notice {
    id: String,
    service_name: String,
    list: String,
    columns: Vec<Column>,
    starts_at: String,
    last_day: String,
}

/// One case on a list, as shown.
pub struct Entry {
    id: String,
    columns: Vec<(String, String)>,
    from: String,
    until: String,
    /// What was typed into its objection form, and the problem with it.
    typed: String,
    error: Option<String>,
}

/// A list (one service's one publicity step) with its entries.
pub struct List {
    title: String,
    service: String,
    entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "public/notices.html")]
struct NoticesPage {
    c: Chrome,
    lists: Vec<List>,
    /// A refusal about a notice no longer listed (its period ended meanwhile).
    error: Option<String>,
}

async fn render(app: &App, mut visit: Visit, service: Option<&str>, problem: Option<(&str, &str, String)>) -> Response {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        public_notices: Vec<Notice>,
    }
    const DOC: &str = "query($s: String) { publicNotices(service: $s) { id serviceName list startsAt lastDay \
        columns { title value } } }";
    let who = visit.claims();
    let data = match app.client().run::<Data>(who.as_ref(), DOC, json!({ "s": service })).await {
        Ok(d) => d,
        Err(f) => return visit.refused(&f),
    };
    let mut lists: Vec<List> = Vec::new();
    let listed = |id: &str| data.public_notices.iter().any(|n| n.id == id);
    let error = problem.as_ref().filter(|(id, _, _)| !listed(id)).map(|(_, _, e)| e.clone());
    for n in data.public_notices {
        let (typed, error) = match &problem {
            Some((id, typed, e)) if *id == n.id => ((*typed).to_owned(), Some(e.clone())),
            _ => (String::new(), None),
        };
        let entry = Entry {
            columns: n.columns.into_iter().map(|c| (c.title, c.value)).collect(),
            from: super::super::day(&n.starts_at),
            until: super::super::date_words(&n.last_day),
            id: n.id,
            typed,
            error,
        };
        match lists.iter_mut().find(|l| l.title == n.list && l.service == n.service_name) {
            Some(l) => l.entries.push(entry),
            None => lists.push(List { title: n.list, service: n.service_name, entries: vec![entry] }),
        }
    }
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = NoticesPage { c: visit.chrome("公示"), lists, error };
    visit.render(status, &page)
}

/// `GET /notices?service=…`: every list on public notice now.
pub async fn notices(
    State(app): State<App>,
    visit: Visit,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    render(&app, visit, q.get("service").map(String::as_str).filter(|s| !s.is_empty()), None).await
}

/// `POST /notices/{id}/objection`: 异议, by anyone signed in, while the period runs.
pub async fn object(
    State(app): State<App>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (mut visit, who) = match visit.gate(&fields, "/notices", |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let text = fields.iter().find(|(k, _)| k == "text").map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    if text.is_empty() {
        return render(&app, visit, None, Some((&id, "", "请写明异议的内容和理由".into()))).await;
    }
    let doc = "mutation($n: String!, $t: String!) { lodgeObjection(notice: $n, text: $t) { receivedAt } }";
    match app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "n": id, "t": text })).await {
        Ok(_) => {
            visit.flash(
                "异议已收到。办理机关将核实处理，处理结果记入办件；公示期满前提出的异议处理完毕后才会进入下一环节。",
            );
            visit.redirect("/notices")
        }
        Err(f) if f.in_place() => render(&app, visit, None, Some((&id, &text, crate::web::words(&f)))).await,
        Err(f @ Failure { .. }) => visit.refused(&f),
    }
}
