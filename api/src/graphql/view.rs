//! What clients see of a case: typed fields (status, clocks, materials, tasks with their
//! actions, the operations open to the caller, the timeline in words). The engine's own
//! layout of a case never leaves the server.

use std::sync::Arc;

use async_graphql::{Context, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engine::case::state::{CaseState, PauseReason};
use engine::case::{Actor, OperationKind};
use engine::clock::Clock;

use super::case_parts::{
    CaseClocks, CaseMaterial, ClockView, CorrectionView, DeficiencyView, ExtensionView, FormValue, OperationView,
    RatingView, StepClock, SuppliedFile, TaskView, material_name, rating_label, role_name,
};
use super::guide::actions_of;
use super::mask::{mask_personal, mask_text};
use super::store;
use super::types::{CaseStatus, Level, MaterialStatus, Outcome};
use crate::policy::Access;

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
                let (actions, data) = actions_of(&self.service, &t.step);
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

    /// 告知承诺: the materials the applicant replaced by a signed commitment, with its text.
    async fn commitments(&self) -> Vec<super::reform_parts::CommitmentView> {
        super::reform_parts::commitments(&self.service, &self.state)
    }

    /// The verification (核查) of an approval on commitment, once one was opened.
    async fn verification(&self) -> Option<super::reform_parts::VerificationView> {
        self.state.verification.as_ref().map(|v| super::reform_parts::VerificationView::new(v, |s| self.text(s)))
    }

    /// 公示: the list the case is (or was last) on, with the objections and their answers.
    async fn publicity(&self) -> Option<super::reform_parts::PublicityView> {
        self.state.publicity.as_ref().map(|p| super::reform_parts::PublicityView::new(p, |s| self.text(s)))
    }

    /// A committee's vote in progress: how many have voted or stood aside (never how).
    async fn vote(&self) -> Option<super::reform_parts::VoteView> {
        super::reform_parts::vote(&self.service, &self.state, self.actor.as_ref())
    }

    /// The committee votes counted, in order.
    async fn tallies(&self) -> Vec<super::reform_parts::TallyView> {
        self.state.tallies.iter().map(|t| super::reform_parts::TallyView::new(&self.service, t)).collect()
    }

    /// 预约: the visit slot booked.
    async fn booking(&self) -> Option<super::reform_parts::BookingView> {
        self.state.booking.as_ref().map(Into::into)
    }

    /// Booked visits the applicant did not come to.
    async fn no_shows(&self) -> u32 {
        self.state.no_shows
    }

    /// 网上预审: the draft's pre-review, when the case began as one.
    async fn pre_review(&self) -> Option<super::reform_parts::PreReviewView> {
        self.state.pre_review.as_ref().map(|p| super::reform_parts::PreReviewView {
            asked_at: p.asked_at,
            notice: p.notice.as_deref().map(|n| self.text(n)),
            answered_at: p.answered_at,
        })
    }

    /// Every material of the service, as this case stands.
    async fn materials(&self) -> Vec<CaseMaterial> {
        let state = &self.state;
        let missing: Vec<String> =
            engine::case::materials::missing(&self.service, state, &state.materials, &state.commitments)
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
                let status = if state.commitments.contains(&m.code) {
                    MaterialStatus::Committed
                } else if deferred_until.is_some() {
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
        let fields = super::form_fields::form_fields(&self.service.spec.form, self.service.form_order());
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

    /// The steps whose tasks have been done, in order (a step done twice appears once).
    async fn completed_steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let events = store(ctx).events(&self.state.id).await.map_err(super::error::from_store)?;
        let mut out: Vec<String> = Vec::new();
        for r in &events {
            if let engine::case::Event::TaskCompleted { step, .. } = &r.event
                && !out.contains(step)
            {
                out.push(step.clone());
            }
        }
        Ok(out)
    }

    /// The legal deadline if the caller extended it by `amount` now: the engine decides the
    /// extension as if it were asked, and nothing is written. None when the caller may not
    /// extend it so (no right, beyond the service's maximum, no running clock).
    async fn extended_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Units to add to the legal limit, in its unit.")] amount: u32,
    ) -> Option<DateTime<Utc>> {
        let actor = self.actor.as_ref()?;
        let calendar = store(ctx).calendar();
        let decision = engine::case::Context { now: Utc::now(), calendar: &calendar, actor };
        let command = engine::case::Command::ExtendDeadline { amount, reason: "preview".to_owned() };
        let (_, after) = engine::case::decide_and_apply(&self.service, &self.state, &command, &decision).ok()?;
        after.legal.as_ref().and_then(|c| c.deadline)
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
    /// The statuses the case has been through, oldest first: when each began.
    pub history: Vec<PublicStep>,
}

/// A status the applicant saw, and since when.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct PublicStep {
    /// Since when.
    pub at: DateTime<Utc>,
    /// What the applicant read (e.g. 待补正).
    pub status: String,
}

/// The public statuses a case went through, replaying its events: each change once.
#[must_use]
pub fn public_history(service: &engine::Service, events: &[engine::chain::Recorded]) -> Vec<PublicStep> {
    let mut state = CaseState::default();
    let mut out: Vec<PublicStep> = Vec::new();
    for r in events {
        engine::case::evolve(&mut state, &r.event);
        let status = engine::case::status::public_status(service, &state);
        if out.last().is_none_or(|p| p.status != status) {
            out.push(PublicStep { at: r.at, status });
        }
    }
    out
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
            history: Vec::new(),
        }
    }
}
