//! What clients see of a case: typed fields (status, clocks, materials, tasks with their
//! actions, the operations open to the caller, the timeline in words). The engine's own
//! layout of a case never leaves the server.

use std::sync::Arc;

use async_graphql::{Context, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engine::case::state::{CaseState, PauseReason};
use engine::case::{Actor, OperationKind};
use engine::clock::Clock;
use engine::ids::IdCardNumber;

use super::guide::{ActionView, DataField, LimitView, actions_of};
use super::store;
use super::types::{CaseStatus, Level, MaterialStatus, Operation, Outcome};
use crate::policy::Access;

/// A clock (法定时限, 承诺时限 or a step's limit) as it stands now.
#[derive(SimpleObject, Debug, Clone)]
pub struct ClockView {
    /// The limit, extensions not included.
    pub limit: LimitView,
    /// Units added by extensions (延期).
    pub extended_by: u32,
    /// Days used so far, pauses excluded (working days for a working-day limit), to 0.01.
    pub used_days: f64,
    /// Days left (negative once overdue).
    pub remaining_days: f64,
    /// When the limit runs out (while running).
    pub deadline: Option<DateTime<Utc>>,
    /// Since when the clock is paused (特别程序), if it is.
    pub paused_since: Option<DateTime<Utc>>,
    /// Pauses so far.
    pub pauses: u32,
    /// When it stopped for good (the case or step concluded).
    pub stopped_at: Option<DateTime<Utc>>,
    /// SLA level.
    pub level: Level,
    /// The level in words: 正常, 预警, 超期.
    pub level_label: String,
}

fn days(seconds: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let d = seconds as f64 / engine::calendar::DAY as f64;
    (d * 100.0).round() / 100.0
}

impl ClockView {
    /// A clock's view at `now`.
    #[must_use]
    pub fn new(clock: &Clock, now: DateTime<Utc>, calendar: &engine::Calendar) -> Self {
        let at = clock.stopped_at.unwrap_or(now);
        let used = clock.elapsed(at, calendar).unwrap_or(clock.consumed);
        let level: Level = clock.level.into();
        Self {
            limit: clock.limit.into(),
            extended_by: clock.extended,
            used_days: days(used),
            remaining_days: days(clock.budget - used),
            deadline: clock.deadline,
            paused_since: clock.paused_since,
            pauses: clock.pauses,
            stopped_at: clock.stopped_at,
            level,
            level_label: level.label().to_owned(),
        }
    }
}

/// An open task of a case, with what its step offers.
#[derive(SimpleObject, Debug, Clone)]
pub struct TaskView {
    /// Task id within the case (`completeTask(taskId:)`).
    pub id: u32,
    /// Step id.
    pub step: String,
    /// 环节名称.
    pub step_name: String,
    /// Role code that does it.
    pub role: String,
    /// The role's Chinese name.
    pub role_name: String,
    /// Office that does it.
    pub office: String,
    /// Who claimed it.
    pub claimed_by: Option<String>,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Step deadline.
    pub due: Option<DateTime<Utc>>,
    /// Step level.
    pub level: Level,
    /// The step clock.
    pub clock: Option<ClockView>,
    /// The actions the step offers (code and label from the definition).
    pub actions: Vec<ActionView>,
    /// The data the step records, passed in `completeTask(data:)`.
    pub data: Vec<DataField>,
}

/// The clocks of a case.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseClocks {
    /// 法定时限, from acceptance (or a batch's close).
    pub legal: Option<ClockView>,
    /// 承诺时限, from acceptance.
    pub promised: Option<ClockView>,
    /// The clocks of open steps with a limit.
    pub steps: Vec<StepClock>,
    /// The special procedure the clocks are paused for (its name), if any.
    pub paused_for: Option<String>,
}

/// An open step's clock.
#[derive(SimpleObject, Debug, Clone)]
pub struct StepClock {
    /// The task.
    pub task_id: u32,
    /// 环节名称.
    pub step_name: String,
    /// Its clock.
    pub clock: ClockView,
}

/// A supplied file.
#[derive(SimpleObject, Debug, Clone)]
pub struct SuppliedFile {
    /// The code it was supplied under.
    pub code: String,
    /// File name as uploaded.
    pub file_name: String,
    /// SHA-256 of the content; empty when taken from an e-licence.
    pub sha256: String,
    /// Where to download it (`/files/{sha256}`), for those who may see the case.
    pub url: Option<String>,
}

/// A material of the service, as this case stands.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseMaterial {
    /// Material code.
    pub code: String,
    /// 材料名称.
    pub name: String,
    /// Where it stands.
    pub status: MaterialStatus,
    /// The files supplied for it.
    pub files: Vec<SuppliedFile>,
    /// 容缺: due by then.
    pub deferred_until: Option<DateTime<Utc>>,
}

/// One deficiency of a correction notice.
#[derive(SimpleObject, Debug, Clone)]
pub struct DeficiencyView {
    /// Material code, when it is about a material.
    pub material: Option<String>,
    /// Its name.
    pub material_name: Option<String>,
    /// What to do.
    pub note: String,
}

/// A correction notice (一次性告知).
#[derive(SimpleObject, Debug, Clone)]
pub struct CorrectionView {
    /// When it went out.
    pub at: DateTime<Utc>,
    /// Every deficiency.
    pub items: Vec<DeficiencyView>,
    /// Whether the applicant supplied since.
    pub answered: bool,
}

/// A value of the application form with its title.
#[derive(SimpleObject, Debug, Clone)]
pub struct FormValue {
    /// Field name.
    pub name: String,
    /// Title from the form schema.
    pub title: String,
    /// The value as text (personal numbers masked for auditors).
    pub value: String,
}

/// An operation the caller may do on the case now.
#[derive(SimpleObject, Debug, Clone)]
pub struct OperationView {
    /// Which (the mutation of the same name).
    pub operation: Operation,
    /// Words for its button.
    pub label: String,
    /// The task, for `claimTask` and `completeTask`.
    pub task_id: Option<u32>,
    /// The special procedure, for `pauseClock`.
    pub procedure: Option<String>,
}

/// An extension granted.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExtensionView {
    /// Units added to the legal limit.
    pub amount: u32,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub by: String,
}

/// The applicant's rating.
#[derive(SimpleObject, Debug, Clone)]
pub struct RatingView {
    /// 1 to 5.
    pub score: u8,
    /// GB/T 39734 label: 非常不满意 … 非常满意.
    pub label: String,
    /// Comment.
    pub comment: String,
}

/// The GB/T 39734-2020 label of a score.
#[must_use]
pub fn rating_label(score: u8) -> &'static str {
    match score {
        1 => "非常不满意",
        2 => "不满意",
        3 => "基本满意",
        4 => "满意",
        _ => "非常满意",
    }
}

/// A case as the caller may see it.
pub struct CaseView {
    service: Arc<engine::Service>,
    state: CaseState,
    version: u64,
    access: Access,
    /// Who may act, as the engine sees them; `None` when the caller may not write.
    actor: Option<Actor>,
    /// Only in the answer to `submitCase`.
    pub query_code: Option<String>,
}

impl CaseView {
    /// The view of `state` at `version` for a caller with `access`, acting as `actor`.
    #[must_use]
    pub fn new(
        service: Arc<engine::Service>,
        state: CaseState,
        version: u64,
        access: Access,
        actor: Option<Actor>,
    ) -> Self {
        Self { service, state, version, access, actor, query_code: None }
    }

    fn text(&self, s: &str) -> String {
        if self.access.masked { mask_text(s).unwrap_or_else(|| s.to_owned()) } else { s.to_owned() }
    }

    fn material_name(&self, code: &str) -> String {
        material_name(&self.service, code)
    }
}

/// A material's (or alternative document's) name by code.
#[must_use]
pub fn material_name(service: &engine::Service, code: &str) -> String {
    for m in &service.spec.materials {
        if m.code == code {
            return m.name.clone();
        }
        if let Some(d) = m.any_of.iter().flat_map(|a| &a.all_of).find(|d| d.code == code) {
            return d.name.clone();
        }
    }
    code.to_owned()
}

/// A role's Chinese name.
#[must_use]
pub fn role_name(service: &engine::Service, code: &str) -> String {
    if code == engine::definition::APPLICANT_ROLE {
        return "申请人".to_owned();
    }
    service.spec.roles.iter().find(|r| r.code == code).map_or_else(|| code.to_owned(), |r| r.name.clone())
}

#[Object]
impl CaseView {
    /// Case id.
    async fn id(&self) -> &str {
        &self.state.id
    }

    /// 办件编号 for the public status lookup (the case id).
    async fn tracking_no(&self) -> &str {
        &self.state.id
    }

    /// The query code for the public lookup: only in the answer to `submitCase`.
    async fn query_code(&self) -> Option<&str> {
        self.query_code.as_deref()
    }

    /// 事项编码.
    async fn service(&self) -> &str {
        &self.state.service
    }

    /// 事项名称.
    async fn service_name(&self) -> &str {
        &self.service.spec.name
    }

    /// The definition version the case runs under.
    async fn service_version(&self) -> u32 {
        self.state.service_version
    }

    /// Version: pass it back as `expectedVersion` to act only on what you saw.
    async fn version(&self) -> i64 {
        i64::try_from(self.version).unwrap_or(i64::MAX)
    }

    /// Where it stands.
    async fn status(&self) -> CaseStatus {
        self.state.status.into()
    }

    /// What the applicant reads (e.g. 待补正, 考察评估中, 准予许可).
    async fn public_status(&self) -> String {
        engine::case::status::public_status(&self.service, &self.state)
    }

    /// Handling office.
    async fn office(&self) -> &str {
        &self.state.office
    }

    /// Applicant user id.
    async fn applicant(&self) -> &str {
        &self.state.applicant
    }

    /// How it ended.
    async fn outcome(&self) -> Option<Outcome> {
        self.state.outcome.map(Into::into)
    }

    /// When received.
    async fn received_at(&self) -> Option<DateTime<Utc>> {
        self.state.received_at
    }

    /// When accepted (受理).
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.state.accepted_at
    }

    /// When concluded (办结).
    async fn concluded_at(&self) -> Option<DateTime<Utc>> {
        self.state.concluded_at
    }

    /// 法定时限 deadline.
    async fn legal_deadline(&self) -> Option<DateTime<Utc>> {
        self.state.legal.as_ref().and_then(|c| c.deadline)
    }

    /// 承诺时限 deadline.
    async fn promised_deadline(&self) -> Option<DateTime<Utc>> {
        self.state.promised.as_ref().and_then(|c| c.deadline)
    }

    /// The case's level: the worse of its legal and promised clocks.
    async fn level(&self) -> Level {
        let clocks = [&self.state.legal, &self.state.promised];
        clocks.iter().filter_map(|c| c.as_ref().map(|c| c.level)).max().unwrap_or_default().into()
    }

    /// The clocks now.
    async fn clocks(&self, ctx: &Context<'_>) -> CaseClocks {
        let calendar = store(ctx).calendar();
        let now = Utc::now();
        let view = |c: &Option<Clock>| c.as_ref().map(|c| ClockView::new(c, now, &calendar));
        let paused_for = self.state.pause.as_ref().map(|p| match p {
            PauseReason::Procedure(code) => {
                let p = self.service.spec.special_procedures.iter().find(|p| &p.code == code);
                p.map_or_else(|| code.clone(), |p| p.name.clone())
            }
            PauseReason::Step(step) => self.service.step_name(step).unwrap_or(step).to_owned(),
        });
        CaseClocks {
            legal: view(&self.state.legal),
            promised: view(&self.state.promised),
            steps: self
                .state
                .tasks
                .values()
                .filter_map(|t| {
                    let clock = ClockView::new(t.clock.as_ref()?, now, &calendar);
                    let step_name = self.service.step_name(&t.step).unwrap_or(&t.step).to_owned();
                    Some(StepClock { task_id: t.id, step_name, clock })
                })
                .collect(),
            paused_for,
        }
    }

    /// Open tasks, each with the actions its step offers.
    async fn tasks(&self, ctx: &Context<'_>) -> Vec<TaskView> {
        let calendar = store(ctx).calendar();
        let now = Utc::now();
        self.state
            .tasks
            .values()
            .map(|t| {
                let (actions, data) = match self.service.step(&t.step) {
                    Some(step) => actions_of(step),
                    None if t.step == engine::case::state::FOLLOW_UP_STEP => (
                        vec![ActionView {
                            code: engine::case::state::FOLLOW_UP_CLOSE.into(),
                            label: engine::case::state::FOLLOW_UP_CLOSE_LABEL.into(),
                            next: String::new(),
                        }],
                        vec![DataField { name: "note".into(), r#type: super::types::DataType::String }],
                    ),
                    None => (Vec::new(), Vec::new()),
                };
                TaskView {
                    id: t.id,
                    step: t.step.clone(),
                    step_name: self.service.step_name(&t.step).unwrap_or(&t.step).to_owned(),
                    role: t.role.clone(),
                    role_name: role_name(&self.service, &t.role),
                    office: t.office.clone(),
                    claimed_by: t.claimed_by.clone(),
                    opened_at: t.opened_at,
                    due: t.clock.as_ref().and_then(|c| c.deadline),
                    level: t.clock.as_ref().map(|c| c.level).unwrap_or_default().into(),
                    clock: t.clock.as_ref().map(|c| ClockView::new(c, now, &calendar)),
                    actions,
                    data,
                }
            })
            .collect()
    }

    /// What the caller may do on the case now (empty for auditors and outsiders).
    async fn operations(&self, ctx: &Context<'_>) -> Vec<OperationView> {
        let Some(actor) = &self.actor else { return Vec::new() };
        let calendar = store(ctx).calendar();
        engine::case::operations(&self.service, &self.state, actor, Utc::now(), &calendar)
            .into_iter()
            .map(|o| OperationView {
                label: match (&o.kind, &o.procedure) {
                    (OperationKind::PauseClock, Some(code)) => {
                        let p = self.service.spec.special_procedures.iter().find(|p| &p.code == code);
                        format!("暂停计时：{}", p.map_or(code.as_str(), |p| p.name.as_str()))
                    }
                    (kind, _) => kind.label().to_owned(),
                },
                operation: o.kind.into(),
                task_id: o.task,
                procedure: o.procedure,
            })
            .collect()
    }

    /// Every material of the service, as this case stands.
    async fn materials(&self) -> Vec<CaseMaterial> {
        let state = &self.state;
        let missing: Vec<String> = engine::case::materials::missing(&self.service, state, &state.materials, &[])
            .map(|m| m.into_iter().map(|m| m.code.clone()).collect())
            .unwrap_or_default();
        self.service
            .spec
            .materials
            .iter()
            .map(|m| {
                let leaves: Vec<&str> = if m.any_of.is_empty() {
                    vec![m.code.as_str()]
                } else {
                    m.any_of.iter().flat_map(|a| a.all_of.iter().map(|d| d.code.as_str())).collect()
                };
                let files = leaves
                    .iter()
                    .filter_map(|code| {
                        let r = state.materials.get(*code)?;
                        Some(SuppliedFile {
                            code: (*code).to_owned(),
                            file_name: r.file_name.clone(),
                            sha256: r.sha256.clone(),
                            url: (!r.sha256.is_empty()).then(|| format!("/files/{}", r.sha256)),
                        })
                    })
                    .collect();
                let deferred_until = state.deferred.get(&m.code).copied();
                let status = if deferred_until.is_some() {
                    MaterialStatus::Deferred
                } else if engine::case::materials::is_satisfied(&self.service, &m.code, &state.materials) {
                    MaterialStatus::Supplied
                } else if missing.contains(&m.code) {
                    MaterialStatus::Missing
                } else {
                    MaterialStatus::NotRequired
                };
                CaseMaterial { code: m.code.clone(), name: m.name.clone(), status, files, deferred_until }
            })
            .collect()
    }

    /// Correction notices, in order.
    async fn corrections(&self) -> Vec<CorrectionView> {
        self.state
            .corrections
            .iter()
            .map(|n| CorrectionView {
                at: n.at,
                answered: n.answered,
                items: n
                    .deficiencies
                    .iter()
                    .map(|d| DeficiencyView {
                        material: d.material.clone(),
                        material_name: d.material.as_deref().map(|c| self.material_name(c)),
                        note: self.text(&d.note),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The application form (身份证号 and phone numbers masked for auditors).
    async fn form(&self) -> Json<serde_json::Value> {
        let mut form = (*self.state.form).clone();
        if self.access.masked {
            mask_personal(&mut form);
        }
        Json(form)
    }

    /// The form's values with their titles, in the form's order.
    async fn form_data(&self) -> Vec<FormValue> {
        let fields = super::guide::form_fields(&self.service.spec.form, self.service.form_order());
        fields
            .into_iter()
            .filter_map(|f| {
                let value = self.state.form.get(&f.name)?;
                let value = match value {
                    serde_json::Value::String(s) => self.text(s),
                    serde_json::Value::Bool(true) => "是".to_owned(),
                    serde_json::Value::Bool(false) => "否".to_owned(),
                    other => other.to_string(),
                };
                Some(FormValue { name: f.name, title: f.title, value })
            })
            .collect()
    }

    /// Extensions granted (延期).
    async fn extensions(&self) -> Vec<ExtensionView> {
        let list = &self.state.extensions;
        list.iter()
            .map(|e| ExtensionView { amount: e.amount, reason: self.text(&e.reason), by: e.by.clone() })
            .collect()
    }

    /// Visits in person recorded.
    async fn visits(&self) -> u32 {
        self.state.visits
    }

    /// The applicant's rating, once given.
    async fn rating(&self) -> Option<RatingView> {
        self.state.rating.as_ref().map(|r| RatingView {
            score: r.score,
            label: rating_label(r.score).to_owned(),
            comment: self.text(&r.comment),
        })
    }

    /// Deliveries that keep failing, by effect id (incidents for the clerks).
    async fn incidents(&self) -> Vec<String> {
        self.state.incidents.iter().map(|(id, why)| format!("{id}: {why}")).collect()
    }

    /// The case's history in words, oldest first: who, in which role, when, what.
    async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::timeline::TimelineEntry>> {
        let events = store(ctx).events(&self.state.id).await.map_err(super::error::from_store)?;
        Ok(super::timeline::entries(&self.service, &events, self.access.masked))
    }

    /// The e-licences issued on this case.
    async fn certificates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::documents::CertificateView>> {
        let list = store(ctx).certificates_of(&self.state.id).await.map_err(super::error::from_store)?;
        Ok(list.into_iter().map(super::documents::CertificateView::from).collect())
    }
}

/// What anyone holding tracking number and query code may see: no personal data.
#[derive(SimpleObject, Debug, Clone)]
pub struct PublicStatus {
    /// Tracking number.
    pub tracking_no: String,
    /// 事项编码.
    pub service: String,
    /// 事项名称.
    pub service_name: String,
    /// Applicant-facing status.
    pub public_status: String,
    /// When received.
    pub received_at: Option<DateTime<Utc>>,
    /// 承诺时限 deadline.
    pub promised_deadline: Option<DateTime<Utc>>,
    /// 法定时限 deadline.
    pub legal_deadline: Option<DateTime<Utc>>,
    /// Outcome once concluded.
    pub outcome: Option<Outcome>,
    /// What is still missing (material names), for a correction or deferred materials.
    pub missing: Vec<String>,
}

impl PublicStatus {
    /// The public view of a case.
    #[must_use]
    pub fn new(service: &engine::Service, state: &CaseState) -> Self {
        let asked: Vec<String> = state
            .corrections
            .last()
            .filter(|_| state.status == engine::case::state::Status::CorrectionRequested)
            .map(|n| n.deficiencies.iter().map(|d| d.material.clone().unwrap_or_else(|| d.note.clone())).collect())
            .unwrap_or_default();
        let missing = asked
            .into_iter()
            .chain(state.deferred.keys().cloned())
            .map(|code| service.spec.materials.iter().find(|m| m.code == code).map_or(code, |m| m.name.clone()));
        Self {
            tracking_no: state.id.clone(),
            service: state.service.clone(),
            service_name: service.spec.name.clone(),
            public_status: engine::case::status::public_status(service, state),
            received_at: state.received_at,
            promised_deadline: state.promised.as_ref().and_then(|c| c.deadline),
            legal_deadline: state.legal.as_ref().and_then(|c| c.deadline),
            outcome: state.outcome.map(Into::into),
            missing: missing.collect(),
        }
    }
}

/// Masks 身份证号 and mobile numbers anywhere in a JSON value, inside free text too.
pub fn mask_personal(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(masked) = mask_text(s) {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_personal),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_personal),
        _ => {}
    }
}

/// `text` with every 身份证号 (18 characters, check digit valid) and mainland mobile
/// number (11 digits from 1) in it masked; `None` when there is none. A number is a run of
/// ASCII digits (and a final X) not touching other digits, so longer numbers (account
/// numbers, codes) are left alone.
#[must_use]
pub fn mask_text(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    let mut last = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < bytes.len() && (bytes[i] == b'X' || bytes[i] == b'x') {
            i += 1;
        }
        // ASCII digits and X: byte offsets are character boundaries.
        let run = &text[start..i];
        let masked = if run.len() == 18 {
            IdCardNumber::parse(run).ok().map(|id| id.masked())
        } else if run.len() == 11 && run.starts_with('1') {
            Some(format!("{}****{}", &run[..3], &run[7..]))
        } else {
            None
        };
        if let Some(m) = masked {
            out.push_str(&text[last..start]);
            out.push_str(&m);
            last = i;
            changed = true;
        }
    }
    changed.then(|| {
        out.push_str(&text[last..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::mask_text;

    #[test]
    fn numbers_inside_free_text_are_masked_and_others_left_alone() {
        let masked = mask_text("申请人身份证号440524188001010014，电话13812345678。").unwrap();
        assert!(!masked.contains("188001010014") && !masked.contains("12345678"), "{masked}");
        assert!(masked.contains("138****5678"), "{masked}");
        assert!(mask_text("11010519491231002X").unwrap().contains('*'));
        assert_eq!(mask_text("证书编号 20264101000012345 与 12345"), None, "17 digits, 5 digits: not personal numbers");
        assert_eq!(mask_text("440524188001010015"), None, "a wrong check digit is not a 身份证号");
        assert_eq!(mask_text("没有号码"), None);
    }
}
