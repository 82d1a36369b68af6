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
use crate::web::{Chrome, day, when};

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
    label: String,
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
    #[serde(flatten)]
    reforms: crate::web::reforms::CaseReforms,
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

fn case_doc() -> String {
    format!(
        "query($id: String!) {{ case(id: $id) {{ id service serviceName version publicStatus office \
    applicant outcome receivedAt acceptedAt concludedAt \
    clocks {{ legal {{ ...clock }} promised {{ ...clock }} steps {{ stepName clock {{ ...clock }} }} pausedFor }} \
    tasks {{ id step stepName roleName claimedBy actions {{ code label }} data {{ name type label }} }} \
    operations {{ operation label taskId procedure }} \
    materials {{ code name status files {{ fileName url }} deferredUntil }} \
    corrections {{ at items {{ materialName note }} }} formData {{ title value }} extensions {{ amount reason }} \
    timeline {{ at actor role what }} completedSteps certificates {{ number issuedAt }} {} }} }} \
    fragment clock on ClockView {{ limit {{ text }} usedDays remainingDays deadline pausedSince extendedBy levelLabel level }}",
        crate::web::reforms::FIELDS
    )
}

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
    let case = app.client().run::<C>(who.as_ref(), &case_doc(), json!({ "id": id })).await?.case;
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
    /// Name, kind, label.
    data: Vec<(String, &'static str, String)>,
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
    /// What the task is about when its step does not say (the objection it answers).
    about: Option<String>,
}

#[derive(Template)]
#[template(path = "clerk/case.html")]
pub(super) struct CasePage {
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
    may_no_show: bool,
    reforms: Vec<crate::web::reforms::Block>,
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

pub(super) fn page(
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
                about: case.reforms.objection(t.id),
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
                            data: t
                                .data
                                .iter()
                                .map(|d| (d.name.clone(), data_kind(&d.r#type), d.label.clone()))
                                .collect(),
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
        may_no_show: has("RECORD_NO_SHOW"),
        reforms: case.reforms.blocks(),
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
            .map(|e| (when(&e.at), crate::web::who(&e.role, &e.actor), e.what.clone()))
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
