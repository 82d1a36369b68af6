//! A clerk's actions on a case: each is one mutation the API offers the caller now; a
//! refusal brings the case page back with the API's words beside the action and what was
//! typed kept. An extension shows its new deadline before it is granted.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::case::{load, page};
use crate::http::App;
use crate::web::session::Visit;
use crate::web::{Chrome, when, words};

#[derive(Template)]
#[template(path = "clerk/extend.html")]
struct ExtendPage {
    c: Chrome,
    id: String,
    version: i64,
    amount: u32,
    reason: String,
    now: String,
    then: String,
}

/// `POST /work/cases/{id}/act`: one action (`op`), then back to the case; a refusal shows
/// beside the action's form, with what was typed.
pub async fn act(
    State(app): State<App>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/work/cases/{id}");
    let (mut visit, who) = match visit.gate(&fields, &back, |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let typed: HashMap<String, String> = fields.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let get = |k: &str| typed.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let op = get("op");
    let version: Option<i64> = get("version").parse().ok();
    let task: Option<u32> = get("task").parse().ok();
    let many = |k: &str| fields.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let (doc, vars, done): (&str, serde_json::Value, &str) = match op.as_str() {
        "accept" => (
            "mutation($c: String!, $d: [String!]!, $v: Int) { acceptCase(caseId: $c, deferred: $d, expectedVersion: $v) { id } }",
            json!({ "c": id, "d": many("defer"), "v": version }),
            "已受理。",
        ),
        "correct" => {
            let mut items: Vec<serde_json::Value> = many("material")
                .into_iter()
                .map(|m| {
                    let note = typed.get(&format!("note.{m}")).map(|n| n.trim().to_owned()).unwrap_or_default();
                    json!({ "material": m, "note": if note.is_empty() { "请补充此项材料".to_owned() } else { note } })
                })
                .collect();
            let other = get("note");
            if !other.is_empty() {
                items.push(json!({ "note": other }));
            }
            (
                "mutation($c: String!, $d: [DeficiencyInput!]!, $v: Int) { requestCorrection(caseId: $c, deficiencies: $d, expectedVersion: $v) { id } }",
                json!({ "c": id, "d": items, "v": version }),
                "补正告知已发出。",
            )
        }
        "refuse" => (
            "mutation($c: String!, $r: String!) { refuseCase(caseId: $c, reason: $r) { id } }",
            json!({ "c": id, "r": get("reason") }),
            "已作出不予受理决定。",
        ),
        "claim" => (
            "mutation($c: String!, $t: Int!) { claimTask(caseId: $c, taskId: $t) { id } }",
            json!({ "c": id, "t": task }),
            "已认领。",
        ),
        "release" => (
            "mutation($c: String!, $t: Int!) { releaseTask(caseId: $c, taskId: $t) { id } }",
            json!({ "c": id, "t": task }),
            "已取消认领。",
        ),
        "complete" => {
            let mut data = serde_json::Map::new();
            for (k, v) in &typed {
                if let Some(name) = k.strip_prefix("data.") {
                    let v = v.trim();
                    if v.is_empty() {
                        continue;
                    }
                    let value = match (typed.get(&format!("type.{name}")).map(String::as_str), v) {
                        (Some("yesno"), "true") => json!(true),
                        (Some("yesno"), "false") => json!(false),
                        (Some("number"), n) => n.parse::<f64>().map_or_else(|_| json!(n), |x| json!(x)),
                        (_, t) => json!(t),
                    };
                    data.insert(name.to_owned(), value);
                }
            }
            (
                "mutation($c: String!, $t: Int!, $a: String!, $d: JSON, $v: Int) { completeTask(caseId: $c, taskId: $t, action: $a, data: $d, expectedVersion: $v) { id } }",
                json!({ "c": id, "t": task, "a": get("action"), "d": serde_json::Value::Object(data), "v": version }),
                "已办理。",
            )
        }
        "pause" if !get("days").is_empty() && get("days").parse::<u32>().is_err() => {
            return again(&app, visit, &id, "pause", "预计所需工作日请填写整数".into(), typed).await;
        }
        "pause" => (
            "mutation($c: String!, $p: String!, $n: String!) { pauseClock(caseId: $c, procedure: $p, notice: $n) { id } }",
            json!({ "c": id, "p": get("procedure"), "n": pause_notice(&get("days"), &get("notice")) }),
            "已暂停计时，请打印特别程序告知书送达申请人。",
        ),
        "resume" => ("mutation($c: String!) { resumeClock(caseId: $c) { id } }", json!({ "c": id }), "已恢复计时。"),
        "extend" => {
            let Ok(amount) = get("amount").parse::<u32>() else {
                return again(&app, visit, &id, "extend", "请填写延长的工作日数".into(), typed).await;
            };
            if get("reason").is_empty() {
                return again(&app, visit, &id, "extend", "请填写延期理由，它将写入延期告知书".into(), typed).await;
            }
            if get("confirm") != "1" {
                return preview(&app, visit, &id, amount, get("reason")).await;
            }
            (
                "mutation($c: String!, $a: Int!, $r: String!) { extendDeadline(caseId: $c, amount: $a, reason: $r) { id } }",
                json!({ "c": id, "a": amount, "r": get("reason") }),
                "已延长期限，请打印延期告知书送达申请人。",
            )
        }
        "visit" => (
            "mutation($c: String!, $p: String!) { recordVisit(caseId: $c, purpose: $p) { id } }",
            json!({ "c": id, "p": get("purpose") }),
            "已记录到现场。",
        ),
        "no_show" => (
            "mutation($c: String!) { recordNoShow(caseId: $c) { id } }",
            json!({ "c": id }),
            "已登记预约未到，申请人可重新预约。",
        ),
        _ => return again(&app, visit, &id, "", "未知的操作".into(), typed).await,
    };
    match app.client().run::<serde_json::Value>(Some(&who), doc, vars).await {
        Ok(_) => {
            visit.flash(done);
            visit.redirect(&back)
        }
        Err(f) if f.in_place() => again(&app, visit, &id, &op, words(&f), typed).await,
        Err(f) => visit.refused(&f),
    }
}

/// What the 特别程序告知书 tells the applicant: the expected duration and the text.
fn pause_notice(days: &str, text: &str) -> String {
    match (days.trim(), text.trim()) {
        ("", t) => t.to_owned(),
        (d, "") => format!("预计需要 {d} 个工作日"),
        (d, t) => format!("预计需要 {d} 个工作日；{t}"),
    }
}

async fn again(
    app: &App,
    mut visit: Visit,
    id: &str,
    op: &str,
    message: String,
    typed: HashMap<String, String>,
) -> Response {
    visit.here = format!("/work/cases/{id}");
    match load(app, &visit, id).await {
        Ok((case, guide)) => {
            let p = page(&mut visit, case, &guide, Some((op.to_owned(), message)), typed);
            visit.render(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(f) => visit.refused(&f),
    }
}

/// The new deadline an extension would give, shown before it is granted.
async fn preview(app: &App, mut visit: Visit, id: &str, amount: u32, reason: String) -> Response {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Preview {
        version: i64,
        legal_deadline: Option<String>,
        extended_deadline: Option<String>,
    }
    #[derive(Deserialize)]
    struct Data {
        case: Preview,
    }
    let doc = "query($c: String!, $a: Int!) { case(id: $c) { version legalDeadline extendedDeadline(amount: $a) } }";
    let who = visit.claims();
    match app.client().run::<Data>(who.as_ref(), doc, json!({ "c": id, "a": amount })).await {
        Ok(d) => {
            let Some(then) = d.case.extended_deadline else {
                let typed = HashMap::from([("amount".to_owned(), amount.to_string()), ("reason".to_owned(), reason)]);
                return again(
                    app,
                    visit,
                    id,
                    "extend",
                    "这样延长不被允许（超过法定可延长的期限，或您无权延期）".into(),
                    typed,
                )
                .await;
            };
            let page = ExtendPage {
                c: visit.chrome("确认延长期限"),
                id: id.to_owned(),
                version: d.case.version,
                amount,
                reason,
                now: d.case.legal_deadline.as_deref().map(when).unwrap_or_default(),
                then: when(&then),
            };
            visit.render(StatusCode::OK, &page)
        }
        Err(f) => visit.refused(&f),
    }
}
