//! A case as a clerk works it: who applied (masked where the role requires), the clocks
//! in working days, the form data, the materials with their files, the process with the
//! current step highlighted and the done ones marked, the history; and the actions the API
//! says the caller may take now, each a form whose refusal appears beside it in words.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::http::App;
use crate::web::client::Failure;
use crate::web::diagram::{self, Mark, Node};
use crate::web::session::Visit;
use crate::web::signin::forged;
use crate::web::{Chrome, day, when, words};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Limit {
    pub(super) text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Clock {
    pub(super) limit: Limit,
    pub(super) used_days: f64,
    pub(super) remaining_days: f64,
    pub(super) deadline: Option<String>,
    pub(super) paused_since: Option<String>,
    pub(super) extended_by: u32,
    pub(super) level_label: String,
    pub(super) level: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StepClock {
    step_name: String,
    clock: Clock,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Clocks {
    pub(super) legal: Option<Clock>,
    pub(super) promised: Option<Clock>,
    steps: Vec<StepClock>,
    pub(super) paused_for: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    code: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataField {
    name: String,
    r#type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Task {
    id: u32,
    step: String,
    step_name: String,
    role_name: String,
    claimed_by: Option<String>,
    actions: Vec<Action>,
    data: Vec<DataField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Operation {
    operation: String,
    label: String,
    task_id: Option<u32>,
    procedure: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    file_name: String,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Material {
    code: String,
    name: String,
    status: String,
    files: Vec<File>,
    deferred_until: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Item {
    pub(super) material_name: Option<String>,
    pub(super) note: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Correction {
    pub(super) at: String,
    pub(super) items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Value {
    pub(super) title: String,
    pub(super) value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Entry {
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) role: String,
    pub(super) what: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Extension {
    pub(super) amount: u32,
    pub(super) reason: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Certificate {
    pub(super) number: String,
    pub(super) issued_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Case {
    pub(super) id: String,
    pub(super) service: String,
    pub(super) service_name: String,
    pub(super) version: i64,
    pub(super) public_status: String,
    pub(super) office: String,
    pub(super) applicant: String,
    pub(super) outcome: Option<String>,
    pub(super) received_at: Option<String>,
    pub(super) accepted_at: Option<String>,
    pub(super) concluded_at: Option<String>,
    pub(super) clocks: Clocks,
    tasks: Vec<Task>,
    operations: Vec<Operation>,
    materials: Vec<Material>,
    pub(super) corrections: Vec<Correction>,
    pub(super) form_data: Vec<Value>,
    pub(super) extensions: Vec<Extension>,
    pub(super) timeline: Vec<Entry>,
    completed_steps: Vec<String>,
    pub(super) certificates: Vec<Certificate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Step {
    id: String,
    name: String,
    kind: String,
    next: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GuideMaterial {
    code: String,
    deferrable_within: Option<Limit>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Procedure {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Guide {
    pub(super) steps: Vec<Step>,
    materials: Vec<GuideMaterial>,
    special_procedures: Vec<Procedure>,
    pub(super) extension_limit: Option<Limit>,
}

const CASE: &str = "query($id: String!) { case(id: $id) { id service serviceName version publicStatus office \
    applicant outcome receivedAt acceptedAt concludedAt \
    clocks { legal { ...clock } promised { ...clock } steps { stepName clock { ...clock } } pausedFor } \
    tasks { id step stepName roleName claimedBy actions { code label } data { name type } } \
    operations { operation label taskId procedure } \
    materials { code name status files { fileName url } deferredUntil } \
    corrections { at items { materialName note } } formData { title value } extensions { amount reason } \
    timeline { at actor role what } completedSteps certificates { number issuedAt } } } \
    fragment clock on ClockView { limit { text } usedDays remainingDays deadline pausedSince extendedBy levelLabel level }";

const GUIDE: &str = "query($code: String!) { service(code: $code) { steps { id name kind next } \
    materials { code deferrableWithin { text } } specialProcedures { code name } extensionLimit { text } } }";

/// The case and its service's guide, as the caller may see them.
pub(super) async fn load(app: &App, visit: &Visit, id: &str) -> Result<(Case, Guide), Failure> {
    #[derive(Deserialize)]
    struct C {
        case: Case,
    }
    #[derive(Deserialize)]
    struct G {
        service: Guide,
    }
    let who = visit.claims();
    let case = app.client().run::<C>(who.as_ref(), CASE, json!({ "id": id })).await?.case;
    let guide = app.client().run::<G>(None, GUIDE, json!({ "code": case.service })).await?.service;
    Ok((case, guide))
}

/// A clock as the clerk reads it.
pub struct ClockLine {
    name: String,
    limit: String,
    used: String,
    left: String,
    deadline: String,
    level: String,
    tone: &'static str,
    paused: Option<String>,
    extended: Option<String>,
}

fn clock_line(name: String, c: &Clock, paused_for: Option<&String>) -> ClockLine {
    let left = if c.remaining_days >= 0.0 {
        format!("剩余 {:.2} 个工作日", c.remaining_days)
    } else {
        format!("超期 {:.2} 个工作日", -c.remaining_days)
    };
    ClockLine {
        name,
        limit: c.limit.text.clone(),
        used: format!("已用 {:.2} 个工作日", c.used_days),
        left,
        deadline: c.deadline.as_deref().map(when).unwrap_or_default(),
        level: c.level_label.clone(),
        tone: match c.level.as_str() {
            "OVERDUE" => "bad",
            "WARNING" => "warn",
            _ => "ok",
        },
        paused: c
            .paused_since
            .as_deref()
            .map(|s| format!("因{}暂停计时，自 {}", paused_for.map_or("特别程序", String::as_str), when(s))),
        extended: (c.extended_by > 0).then(|| format!("已延长 {} 个工作日", c.extended_by)),
    }
}

/// A material: its name, where it stands, and its files (name, download link).
pub type MaterialLine = (String, String, Vec<(String, Option<String>)>);

/// A form a step's action needs.
pub struct Act {
    task: u32,
    code: String,
    label: String,
    data: Vec<(String, &'static str)>,
}

/// An open task with what may be done on it.
pub struct TaskLine {
    id: u32,
    step_name: String,
    role_name: String,
    claimed: String,
    may_claim: bool,
    may_release: bool,
    acts: Vec<Act>,
}

#[derive(Template)]
#[template(path = "clerk/case.html")]
struct CasePage {
    c: Chrome,
    id: String,
    version: i64,
    service_name: String,
    status: String,
    office: String,
    applicant: String,
    received: String,
    accepted: String,
    concluded: String,
    clocks: Vec<ClockLine>,
    values: Vec<(String, String)>,
    materials: Vec<MaterialLine>,
    missing: Vec<(String, String, bool)>,
    diagram: String,
    steps: Vec<(String, &'static str)>,
    timeline: Vec<(String, String, String)>,
    tasks: Vec<TaskLine>,
    may_accept: bool,
    may_correct: bool,
    may_refuse: bool,
    pauses: Vec<(String, String)>,
    may_resume: bool,
    may_extend: bool,
    extension_limit: String,
    may_visit: bool,
    notices: Vec<(&'static str, &'static str)>,
    errors: HashMap<String, String>,
    typed: HashMap<String, String>,
}

fn data_kind(t: &str) -> &'static str {
    match t {
        "BOOLEAN" => "yesno",
        "INTEGER" | "NUMBER" => "number",
        _ => "text",
    }
}

/// The notices this case has cause for, as (kind, title).
pub(super) fn notices_of(case: &Case) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if case.accepted_at.is_some() {
        out.push(("acceptance", "受理通知书"));
    }
    if !case.corrections.is_empty() {
        out.push(("correction", "一次性补正告知书"));
    }
    if case.outcome.as_deref() == Some("NOT_ACCEPTED") {
        out.push(("refusal", "不予受理决定书"));
    }
    if case.timeline.iter().any(|e| e.what.starts_with("暂停计时")) {
        out.push(("procedure", "特别程序告知书"));
    }
    if !case.extensions.is_empty() {
        out.push(("extension", "延期告知书"));
    }
    if matches!(case.outcome.as_deref(), Some("APPROVED" | "DENIED")) {
        out.push((
            "decision",
            if case.outcome.as_deref() == Some("APPROVED") { "准予许可决定书" } else { "不予许可决定书" },
        ));
    }
    out
}

fn page(
    visit: &mut Visit,
    case: Case,
    guide: &Guide,
    error: Option<(String, String)>,
    typed: HashMap<String, String>,
) -> CasePage {
    let has = |op: &str| case.operations.iter().any(|o| o.operation == op);
    let open: Vec<&str> = case.tasks.iter().map(|t| t.step.as_str()).collect();
    let mark = |id: &str| {
        if open.contains(&id) {
            Mark::Current
        } else if case.completed_steps.iter().any(|s| s == id) {
            Mark::Done
        } else {
            Mark::Plain
        }
    };
    let nodes: Vec<Node<'_>> = guide.steps.iter().map(|s| Node { id: &s.id, name: &s.name, next: &s.next }).collect();
    let svg = diagram::process_svg(&nodes, mark, &format!("{}办理流程，当前环节已突出显示", case.service_name));
    let steps = guide
        .steps
        .iter()
        .filter(|s| s.kind != "JOIN")
        .map(|s| {
            let state = match mark(&s.id) {
                Mark::Current => "当前环节",
                Mark::Done => "已完成",
                Mark::Plain | Mark::Fill(_) => "",
            };
            (s.name.clone(), state)
        })
        .collect();
    let mut clocks = Vec::new();
    if let Some(c) = &case.clocks.legal {
        clocks.push(clock_line("法定时限".into(), c, case.clocks.paused_for.as_ref()));
    }
    if let Some(c) = &case.clocks.promised {
        clocks.push(clock_line("承诺时限".into(), c, case.clocks.paused_for.as_ref()));
    }
    for s in &case.clocks.steps {
        clocks.push(clock_line(format!("环节时限：{}", s.step_name), &s.clock, None));
    }
    let tasks = case
        .tasks
        .iter()
        .map(|t| {
            let completable = case.operations.iter().any(|o| o.operation == "COMPLETE_TASK" && o.task_id == Some(t.id));
            TaskLine {
                id: t.id,
                step_name: t.step_name.clone(),
                role_name: t.role_name.clone(),
                claimed: t.claimed_by.clone().unwrap_or_default(),
                may_claim: case.operations.iter().any(|o| o.operation == "CLAIM_TASK" && o.task_id == Some(t.id)),
                may_release: case.operations.iter().any(|o| o.operation == "RELEASE_TASK" && o.task_id == Some(t.id)),
                acts: if completable {
                    t.actions
                        .iter()
                        .map(|a| Act {
                            task: t.id,
                            code: a.code.clone(),
                            label: a.label.clone(),
                            data: t.data.iter().map(|d| (d.name.clone(), data_kind(&d.r#type))).collect(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let deferrable = |code: &str| guide.materials.iter().any(|m| m.code == code && m.deferrable_within.is_some());
    let missing = case
        .materials
        .iter()
        .filter(|m| m.status == "MISSING")
        .map(|m| (m.code.clone(), m.name.clone(), deferrable(&m.code)))
        .collect();
    let pauses = case
        .operations
        .iter()
        .filter(|o| o.operation == "PAUSE_CLOCK")
        .filter_map(|o| {
            let code = o.procedure.clone()?;
            let name = guide
                .special_procedures
                .iter()
                .find(|p| p.code == code)
                .map_or_else(|| o.label.clone(), |p| p.name.clone());
            Some((code, name))
        })
        .collect();
    let title = format!("{} · {}", case.service_name, case.public_status);
    CasePage {
        c: visit.chrome(&title),
        notices: notices_of(&case),
        may_accept: has("ACCEPT"),
        may_correct: has("REQUEST_CORRECTION"),
        may_refuse: has("REFUSE"),
        may_resume: has("RESUME_CLOCK"),
        may_extend: has("EXTEND_DEADLINE"),
        may_visit: has("RECORD_VISIT"),
        extension_limit: guide.extension_limit.as_ref().map(|l| l.text.clone()).unwrap_or_default(),
        pauses,
        tasks,
        missing,
        diagram: svg,
        steps,
        clocks,
        values: case.form_data.iter().map(|v| (v.title.clone(), v.value.clone())).collect(),
        materials: case
            .materials
            .iter()
            .filter(|m| m.status != "NOT_REQUIRED" || !m.files.is_empty())
            .map(|m| {
                let status = match m.status.as_str() {
                    "SUPPLIED" => "已提交".to_owned(),
                    "DEFERRED" => format!("容缺，{} 前补交", m.deferred_until.as_deref().map(day).unwrap_or_default()),
                    "MISSING" => "缺少".to_owned(),
                    _ => "无需提交".to_owned(),
                };
                (m.name.clone(), status, m.files.iter().map(|f| (f.file_name.clone(), f.url.clone())).collect())
            })
            .collect(),
        timeline: case
            .timeline
            .iter()
            .map(|e| (when(&e.at), format!("{}（{}）", e.role, e.actor), e.what.clone()))
            .collect(),
        received: case.received_at.as_deref().map(when).unwrap_or_default(),
        accepted: case.accepted_at.as_deref().map(when).unwrap_or_default(),
        concluded: case.concluded_at.as_deref().map(when).unwrap_or_default(),
        id: case.id,
        version: case.version,
        service_name: case.service_name,
        status: case.public_status,
        office: case.office,
        applicant: case.applicant,
        errors: error.into_iter().collect(),
        typed,
    }
}

/// `GET /work/cases/{id}`.
pub async fn case(State(app): State<App>, mut visit: Visit, Path(id): Path<String>) -> Response {
    if visit.session.is_none() {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    }
    // What a post typed before its session ran out comes back into its form.
    let typed: HashMap<String, String> = visit.take_resume().unwrap_or_default().into_iter().collect();
    match load(&app, &visit, &id).await {
        Ok((case, guide)) => {
            let mut p = page(&mut visit, case, &guide, None, typed);
            if !p.typed.is_empty() {
                p.c.flash = Some("已恢复您登录前填写的内容，请确认后再提交。".into());
            }
            visit.render(StatusCode::OK, &p)
        }
        Err(f) => visit.refused(&f),
    }
}

impl CasePage {
    /// What was typed into `field` of the form for `op`, when that form comes back after a
    /// refusal or a sign-in.
    fn kept(&self, op: &str, field: &str) -> String {
        let ours = self.errors.contains_key(op) || self.typed.get("op").is_some_and(|o| o == op);
        if ours { self.typed.get(field).cloned().unwrap_or_default() } else { String::new() }
    }
}

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
    mut visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/work/cases/{id}");
    if visit.forged(fields.iter().find(|(k, _)| k == "csrf").map_or("", |(_, v)| v.as_str())) {
        return forged(visit);
    }
    let Some(who) = visit.claims() else {
        return visit.sign_in_first(&back, fields);
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
        _ => return again(&app, visit, &id, "", "未知的操作".into(), typed).await,
    };
    match app.client().run::<serde_json::Value>(Some(&who), doc, vars).await {
        Ok(_) => {
            visit.flash(done);
            visit.redirect(&back)
        }
        Err(f) if matches!(f.code.as_str(), "NOT_FOUND") => visit.refused(&f),
        Err(f) => again(&app, visit, &id, &op, words(&f), typed).await,
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
