//! The queue: the caller's tasks, most urgent first, with filters kept in the URL (so a
//! view can be bookmarked and shared), search by tracking number, claim and bulk claim. New
//! work appears without a reload through `/work/events` (server-sent events from the
//! `taskQueue` subscription) when JavaScript runs; without it, the page is as current as
//! its last load.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::http::App;
use crate::web::session::{Visit, urlencode};
use crate::web::{Chrome, day};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Task {
    case_id: String,
    task_id: u32,
    step: String,
    step_name: Option<String>,
    service_name: Option<String>,
    level: String,
    level_label: String,
    due: Option<String>,
    working_days_left: Option<f64>,
    claimed_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tasks {
    nodes: Vec<Task>,
    page_info: PageInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Named {
    code: String,
    name: String,
}

/// A row of the queue.
pub struct Row {
    case_id: String,
    task_id: u32,
    step_name: String,
    service_name: String,
    tone: &'static str,
    level: String,
    left: String,
    due: String,
    claimed: String,
    mine: bool,
}

#[derive(Template)]
#[template(path = "clerk/queue.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<Row>,
    services: Vec<(String, String)>,
    steps: Vec<(String, String)>,
    service: String,
    step: String,
    level: String,
    unclaimed: bool,
    mine: bool,
    next: Option<String>,
    filters: String,
    errors: Vec<String>,
}

/// The level as a class and its words (colour is never the only sign: the words are shown).
fn tone(level: &str) -> &'static str {
    match level {
        "OVERDUE" => "bad",
        "WARNING" => "warn",
        _ => "ok",
    }
}

fn left(days: Option<f64>) -> String {
    match days {
        Some(d) if d >= 0.0 => format!("剩余 {d:.1} 个工作日"),
        Some(d) => format!("超期 {:.1} 个工作日", -d),
        None => String::new(),
    }
}

/// `GET /work?service=…&step=…&level=…&unclaimed=1&mine=1&no=…&after=…`.
pub async fn queue(State(app): State<App>, visit: Visit, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(who) = visit.claims() else {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    };
    let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let no = get("no").unwrap_or_default();
    if !no.is_empty() {
        return visit.redirect(&format!("/work/cases/{}", urlencode(&no)));
    }
    let (service, step, level) = (get("service"), get("step"), get("level"));
    let (unclaimed, mine) = (get("unclaimed").is_some(), get("mine").is_some());
    render(&app, visit, &who, Filters { service, step, level, unclaimed, mine, after: get("after") }, Vec::new()).await
}

/// The queue's filters, as the URL carries them.
pub struct Filters {
    service: Option<String>,
    step: Option<String>,
    level: Option<String>,
    unclaimed: bool,
    mine: bool,
    after: Option<String>,
}

impl Filters {
    fn query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [("service", &self.service), ("step", &self.step), ("level", &self.level)] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        if self.unclaimed {
            parts.push("unclaimed=1".into());
        }
        if self.mine {
            parts.push("mine=1".into());
        }
        parts.join("&")
    }
}

async fn render(app: &App, mut visit: Visit, who: &crate::auth::Claims, f: Filters, errors: Vec<String>) -> Response {
    #[derive(Deserialize)]
    struct Data {
        tasks: Tasks,
        services: Vec<Named>,
    }
    const DOC: &str = "query($filter: TaskFilter, $after: String) { tasks(filter: $filter, first: 50, after: $after) { \
        nodes { caseId taskId step stepName serviceName level levelLabel due workingDaysLeft claimedBy } \
        pageInfo { hasNextPage endCursor } } services { code name } }";
    let filter = json!({
        "service": f.service, "step": f.step, "level": f.level,
        "unclaimed": f.unclaimed.then_some(true), "claimedByMe": f.mine.then_some(true),
    });
    let data = match app.client().run::<Data>(Some(who), DOC, json!({ "filter": filter, "after": f.after })).await {
        Ok(d) => d,
        Err(e) if e.code == "BAD_USER_INPUT" => {
            let page = QueuePage {
                c: visit.chrome("我的待办（筛选有误）"),
                rows: Vec::new(),
                services: Vec::new(),
                steps: Vec::new(),
                service: String::new(),
                step: String::new(),
                level: String::new(),
                unclaimed: false,
                mine: false,
                next: None,
                filters: String::new(),
                errors: vec![format!("筛选条件有误：{}", e.message)],
            };
            return visit.render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return visit.refused(&e),
    };
    let steps = match &f.service {
        Some(code) => {
            #[derive(Deserialize)]
            struct Step {
                id: String,
                name: String,
                kind: String,
            }
            #[derive(Deserialize)]
            struct Service {
                steps: Vec<Step>,
            }
            #[derive(Deserialize)]
            struct Guide {
                service: Service,
            }
            let doc = "query($c: String!) { service(code: $c) { steps { id name kind } } }";
            app.client()
                .run::<Guide>(None, doc, json!({ "c": code }))
                .await
                .map(|g| {
                    let mut v: Vec<(String, String)> = vec![("intake".into(), "受理".into())];
                    v.extend(
                        g.service
                            .steps
                            .into_iter()
                            .filter(|s| s.kind == "TASK" || s.kind == "DECISION")
                            .map(|s| (s.id, s.name)),
                    );
                    v
                })
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let rows = data
        .tasks
        .nodes
        .into_iter()
        .map(|t| Row {
            tone: tone(&t.level),
            level: t.level_label,
            left: left(t.working_days_left),
            due: t.due.as_deref().map(day).unwrap_or_default(),
            mine: t.claimed_by.as_deref() == Some(who.sub.as_str()),
            claimed: t.claimed_by.unwrap_or_default(),
            step_name: t.step_name.unwrap_or(t.step),
            service_name: t.service_name.unwrap_or_default(),
            case_id: t.case_id,
            task_id: t.task_id,
        })
        .collect();
    let next = data.tasks.page_info.has_next_page.then_some(data.tasks.page_info.end_cursor).flatten();
    let mut page = QueuePage {
        c: visit.chrome("我的待办"),
        rows,
        services: data.services.into_iter().map(|s| (s.code, s.name)).collect(),
        steps,
        service: f.service.clone().unwrap_or_default(),
        step: f.step.clone().unwrap_or_default(),
        level: f.level.clone().unwrap_or_default(),
        unclaimed: f.unclaimed,
        mine: f.mine,
        next: next.map(|n| urlencode(&n)),
        filters: f.query(),
        errors,
    };
    page.c.script = Some(crate::web::assets::url("work.js"));
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(status, &page)
}

/// `POST /work/claim`: claims one task (`task=<case>:<task>`) or every ticked one
/// (`pick=<case>:<task>`, repeated), or gives one back (`release=<case>:<task>`), then back
/// to the same view.
pub async fn claim(
    State(app): State<App>,
    visit: Visit,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let back = format!("/work?{}", get("filters").unwrap_or_default());
    let (mut visit, who) = match visit.gate(&fields, &back, |_| false) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    if let Some(one) = get("release") {
        let Some((case, task)) = one.rsplit_once(':').and_then(|(c, t)| Some((c.to_owned(), t.parse::<u32>().ok()?)))
        else {
            return visit.redirect(&back);
        };
        let doc = "mutation($c: String!, $t: Int!) { releaseTask(caseId: $c, taskId: $t) { id } }";
        let note = match app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "c": case, "t": task })).await {
            Ok(_) => "已取消认领，同事可以认领。".to_owned(),
            Err(f) => format!("未能取消认领：{}", crate::web::words(&f)),
        };
        visit.flash(&note);
        return visit.redirect(&back);
    }
    let picked: Vec<String> = match get("task") {
        Some(one) => vec![one],
        None => fields.iter().filter(|(k, _)| k == "pick").map(|(_, v)| v.clone()).collect(),
    };
    if picked.is_empty() {
        visit.flash("请先勾选要认领的待办。");
        return visit.redirect(&back);
    }
    let doc = "mutation($c: String!, $t: Int!) { claimTask(caseId: $c, taskId: $t) { id } }";
    let (mut done, mut refused) = (0, Vec::new());
    for p in &picked {
        let Some((case, task)) = p.rsplit_once(':') else { continue };
        let Ok(task) = task.parse::<u32>() else { continue };
        match app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "c": case, "t": task })).await {
            Ok(_) => done += 1,
            Err(f) => refused.push(format!("{}（{}）", short(case), crate::web::words(&f))),
        }
    }
    let mut note = format!("已认领 {done} 件。");
    if !refused.is_empty() {
        note.push_str(&format!("未能认领：{}。", refused.join("；")));
    }
    visit.flash(&note);
    visit.redirect(&back)
}

/// The last characters of a tracking number, as a clerk reads it aloud.
fn short(id: &str) -> &str {
    id.char_indices().rev().nth(7).map_or(id, |(i, _)| &id[i..])
}

/// `GET /work/events`: server-sent events, one `queue` event whenever the caller's queue
/// changes (the `taskQueue` subscription, in the caller's scope as the policy draws it).
pub async fn events(State(app): State<App>, visit: Visit) -> Response {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures_util::StreamExt;
    let Some(who) = visit.claims() else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    let stream = app.client().subscribe(&who, "subscription { taskQueue { caseId } }").map(|r| {
        let event = if r.errors.is_empty() {
            Event::default().event("queue").data("changed")
        } else {
            Event::default().event("end").data("refused")
        };
        Ok::<_, std::convert::Infallible>(event)
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tracking_number_is_shortened_by_characters_not_bytes() {
        assert_eq!(super::short("01a23219-62f2-7389-9b34-0af0b4b14c60"), "b4b14c60");
        assert_eq!(super::short("办件办件办件办件办件"), "办件办件办件办件");
        assert_eq!(super::short("短"), "短");
    }
}
