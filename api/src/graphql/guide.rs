//! 办事指南: a published service as a client renders it, typed, so no client reads YAML.

use std::sync::Arc;

use async_graphql::{Json, Object, SimpleObject};
use engine::Service;
use engine::definition::StepKind;

use super::case_parts::role_name;
use super::types::{ClockAnchor, DataType, OnlineLevel, Unit};

/// A time limit in its legal unit.
#[derive(SimpleObject, Debug, Clone)]
pub struct LimitView {
    /// How many units.
    pub amount: u32,
    /// The unit.
    pub unit: Unit,
    /// As a clerk writes it, e.g. `20个工作日`.
    pub text: String,
}

impl From<engine::Limit> for LimitView {
    fn from(l: engine::Limit) -> Self {
        Self { amount: l.amount, unit: l.unit.into(), text: l.to_string() }
    }
}

/// An application window of a batch service, every year.
#[derive(SimpleObject, Debug, Clone)]
pub struct BatchWindowView {
    /// Its name, e.g. 春季.
    pub name: String,
    /// First day applications are taken, `MM-DD` (China time).
    pub opens: String,
    /// Last day, `MM-DD`.
    pub closes: String,
}

/// A fee.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeeView {
    /// 收费项目.
    pub name: String,
    /// 收费标准.
    pub amount: String,
    /// 收费依据.
    pub basis: String,
}

/// One document of an alternative.
#[derive(SimpleObject, Debug, Clone)]
pub struct DocumentView {
    /// The code to upload it under.
    pub code: String,
    /// 材料名称.
    pub name: String,
}

/// A material (申请材料) as the guide lists it.
#[derive(SimpleObject, Debug, Clone)]
pub struct MaterialGuide {
    /// Code; for a material without alternatives, the code to upload under.
    pub code: String,
    /// 材料名称.
    pub name: String,
    /// Required for every application.
    pub required: bool,
    /// When it is required only in some cases: the condition in words (e.g. 变更办学地址的).
    pub required_when: Option<String>,
    /// Alternatives: supply every document of any one of them (任选其一). Empty when the
    /// material is one document.
    pub any_of: Vec<Vec<DocumentView>>,
    /// 容缺: may be missing at acceptance and supplied within this limit.
    pub deferrable_within: Option<LimitView>,
    /// The e-licence it can be taken from instead of an upload (免提交).
    pub reusable_from: Option<String>,
    /// 告知承诺: the commitment an applicant may sign instead of supplying it.
    pub commitment: Option<String>,
    /// File types accepted (MIME types, read from the content).
    pub accepted_types: Vec<String>,
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
}

/// Who does something of a service, within what time.
#[derive(SimpleObject, Debug, Clone)]
pub struct DutyView {
    /// The role's Chinese name.
    pub role_name: String,
    /// Its limit.
    pub limit: LimitView,
}

/// 预约: the one visit, booked in a slot the office publishes.
#[derive(SimpleObject, Debug, Clone)]
pub struct BookingGuide {
    /// What the visit is for, e.g. 现场确认.
    pub purpose: String,
    /// Who receives the visit.
    pub role_name: String,
}

/// A 公示 step: what is published, for how long.
#[derive(SimpleObject, Debug, Clone)]
pub struct PublicityGuide {
    /// Title of the list.
    pub list: String,
    /// How long it stays up.
    pub period: LimitView,
    /// What the list shows of a case, and how masked.
    pub shown: Vec<String>,
}

/// A committee step: its size and rule.
#[derive(SimpleObject, Debug, Clone)]
pub struct CommitteeGuide {
    /// Members.
    pub members: u32,
    /// The quorum in words, e.g. 出席委员不少于委员总数的2/3.
    pub quorum: String,
    /// The rule in words, e.g. 同意票不少于出席委员的2/3.
    pub pass: String,
}

fn share_words(share: engine::definition::Share, of: &str, what: &str) -> String {
    let (n, d) = (share.numerator, share.denominator);
    let rel = if share.strictly { "超过" } else { "不少于" };
    format!("{what}{rel}{of}的{n}/{d}")
}

/// An action a step offers, with the data it records.
#[derive(SimpleObject, Debug, Clone)]
pub struct ActionView {
    /// Code to pass to `completeTask(action:)`.
    pub code: String,
    /// The label on the button, from the definition.
    pub label: String,
    /// The step it leads to.
    pub next: String,
}

/// A piece of data a step records (pass it in `completeTask(data:)`).
#[derive(SimpleObject, Debug, Clone)]
pub struct DataField {
    /// Its name.
    pub name: String,
    /// Its type.
    pub r#type: DataType,
    /// What a form shows beside it.
    pub label: String,
}

/// A step of the baseline (pre-reform) process.
#[derive(SimpleObject, Debug, Clone)]
pub struct BaselineStepView {
    /// Identifier.
    pub id: String,
    /// 环节名称 before the reform.
    pub name: String,
    /// Its old limit.
    pub limit: Option<LimitView>,
}

/// The process before the reform, for before/after comparisons.
#[derive(SimpleObject, Debug, Clone)]
pub struct BaselineView {
    /// Where the old process is documented.
    pub source: String,
    /// The old promised limit.
    pub promised: Option<LimitView>,
    /// The old steps in order.
    pub steps: Vec<BaselineStepView>,
}

/// A special procedure (特别程序, 行政许可法 art. 45) whose time is not counted.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProcedureView {
    /// Code to pass to `pauseClock(procedure:)`.
    pub code: String,
    /// Its name, e.g. 听证.
    pub name: String,
    /// Chinese names of the roles that start and end it.
    pub roles: Vec<String>,
}

/// One step of the process, in the definition's order.
pub struct StepGuide {
    service: Arc<Service>,
    index: usize,
}

/// The actions of a task step, for the guide and for a task.
pub(super) fn actions_of(service: &engine::Service, step: &str) -> (Vec<ActionView>, Vec<DataField>) {
    let (actions, outputs) = service.task_actions(step);
    (
        actions.into_iter().map(|a| ActionView { code: a.action, label: a.label, next: a.next }).collect(),
        outputs
            .into_iter()
            .map(|(name, ty)| DataField {
                label: service.output_label(step, &name).to_owned(),
                name,
                r#type: ty.into(),
            })
            .collect(),
    )
}

#[Object]
impl StepGuide {
    /// Step id.
    async fn id(&self) -> &str {
        &self.step().id
    }

    /// 环节名称.
    async fn name(&self) -> &str {
        &self.step().name
    }

    /// What kind of step.
    async fn kind(&self) -> super::types::StepKind {
        use super::types::StepKind as K;
        match self.step().kind {
            StepKind::Task(_) => K::Task,
            StepKind::Decision(_) => K::Decision,
            StepKind::Parallel(_) => K::Parallel,
            StepKind::Join(_) => K::Join,
            StepKind::Auto(_) => K::Auto,
            StepKind::End(_) => K::End,
            StepKind::Publicity(_) => K::Publicity,
            StepKind::Committee(_) => K::Committee,
        }
    }

    /// Role code of a task step.
    async fn role(&self) -> Option<&str> {
        step_role(self.step())
    }

    /// The role's Chinese name (申请人 for the applicant's own work).
    async fn role_name(&self) -> Option<String> {
        step_role(self.step()).map(|r| role_name(&self.service, r))
    }

    /// The step's limit.
    async fn limit(&self) -> Option<LimitView> {
        match &self.step().kind {
            StepKind::Task(t) => t.limit.map(Into::into),
            StepKind::Committee(c) => c.limit.map(Into::into),
            StepKind::Publicity(p) => Some(p.period.into()),
            _ => None,
        }
    }

    /// A special procedure: its time is not counted in the legal or promised limit.
    async fn special_procedure(&self) -> bool {
        matches!(&self.step().kind, StepKind::Task(t) if t.special_procedure)
    }

    /// The steps of the old process this step merges (before the reform).
    async fn merges(&self) -> Vec<BaselineStepView> {
        let baseline = self.service.spec.baseline.as_ref();
        self.step()
            .merges
            .iter()
            .map(|id| {
                let old = baseline.and_then(|b| b.steps.iter().find(|s| &s.id == id));
                BaselineStepView {
                    id: id.clone(),
                    name: old.map_or_else(|| id.clone(), |s| s.name.clone()),
                    limit: old.and_then(|s| s.limit).map(Into::into),
                }
            })
            .collect()
    }

    /// The actions a task step offers.
    async fn actions(&self) -> Vec<ActionView> {
        actions_of(&self.service, &self.step().id).0
    }

    /// The data a task step records.
    async fn data(&self) -> Vec<DataField> {
        actions_of(&self.service, &self.step().id).1
    }

    /// 公示: what the step publishes, for how long.
    async fn publicity(&self) -> Option<PublicityGuide> {
        let StepKind::Publicity(p) = &self.step().kind else { return None };
        let title = |f: &engine::definition::ShownField| {
            let schema = self.service.spec.form.pointer(&format!("/properties/{}/title", f.field));
            let name =
                f.title.clone().unwrap_or_else(|| schema.and_then(|t| t.as_str()).unwrap_or(&f.field).to_owned());
            match f.mask {
                engine::definition::Mask::None => name,
                _ => format!("{name}（部分隐去）"),
            }
        };
        Some(PublicityGuide {
            list: p.list.clone(),
            period: p.period.into(),
            shown: p.shown.iter().map(title).collect(),
        })
    }

    /// A committee's size and rule.
    async fn committee(&self) -> Option<CommitteeGuide> {
        let StepKind::Committee(c) = &self.step().kind else { return None };
        Some(CommitteeGuide {
            members: c.members,
            quorum: share_words(c.quorum, "委员总数", "出席委员"),
            pass: share_words(c.pass, "出席委员", "同意票"),
        })
    }

    /// The steps this one leads to (actions, branches, the next step).
    async fn next(&self) -> Vec<String> {
        next_steps(self.step())
    }
}

/// The role that works a step: a task's, a committee's members', or the role that answers
/// objections to a 公示.
fn step_role(step: &engine::definition::StepSpec) -> Option<&str> {
    match &step.kind {
        StepKind::Task(t) => Some(&t.role),
        StepKind::Committee(c) => Some(&c.role),
        StepKind::Publicity(p) => Some(&p.role),
        _ => None,
    }
}

/// Where a step leads, in order, without repeats.
#[must_use]
pub fn next_steps(step: &engine::definition::StepSpec) -> Vec<String> {
    let mut out: Vec<String> = match &step.kind {
        StepKind::Task(t) => t.actions.iter().map(|a| a.next.clone()).collect(),
        StepKind::Decision(d) => d.branches.iter().map(|b| b.next.clone()).chain([d.otherwise.clone()]).collect(),
        StepKind::Parallel(p) => p.branches.clone(),
        StepKind::Join(j) => vec![j.next.clone()],
        StepKind::Auto(a) => vec![a.next.clone()],
        StepKind::End(_) => Vec::new(),
        StepKind::Publicity(p) => vec![p.next.clone(), p.on_upheld.clone()],
        StepKind::Committee(c) => vec![c.approved.clone(), c.rejected.clone()],
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

impl StepGuide {
    fn step(&self) -> &engine::definition::StepSpec {
        &self.service.spec.steps[self.index]
    }
}

/// A service (事项) and its 办事指南.
pub struct ServiceGuide(pub Arc<Service>);

#[Object]
impl ServiceGuide {
    /// 事项编码.
    async fn code(&self) -> &str {
        &self.0.spec.code
    }

    /// 事项名称.
    async fn name(&self) -> &str {
        &self.0.spec.name
    }

    /// The version new cases run under.
    async fn version(&self) -> u32 {
        self.0.spec.version
    }

    /// 事项类型 (行政许可, 公共服务, ...).
    async fn category(&self) -> &str {
        &self.0.spec.category
    }

    /// 设定依据, one entry per article.
    async fn legal_basis(&self) -> &[String] {
        &self.0.spec.legal_basis
    }

    /// 网办深度.
    async fn online_level(&self) -> OnlineLevel {
        self.0.spec.online_level.into()
    }

    /// 到现场次数: the most visits in person a case may need (0: 零跑腿).
    async fn max_visits(&self) -> u32 {
        self.0.spec.max_visits
    }

    /// 收费; empty: free of charge (不收费).
    async fn fees(&self) -> Vec<FeeView> {
        let fees = &self.0.spec.fees;
        fees.iter()
            .map(|f| FeeView { name: f.name.clone(), amount: f.amount.clone(), basis: f.basis.clone() })
            .collect()
    }

    /// 法定时限.
    async fn legal_limit(&self) -> LimitView {
        self.0.spec.limits.legal.into()
    }

    /// 承诺时限.
    async fn promised_limit(&self) -> LimitView {
        self.0.spec.limits.promised.into()
    }

    /// The most the legal limit may be extended by (行政许可法 art. 42), if at all.
    async fn extension_limit(&self) -> Option<LimitView> {
        self.0.spec.extension.as_ref().map(|e| e.max.into())
    }

    /// What starts the legal clock.
    async fn clock_anchor(&self) -> ClockAnchor {
        self.0.spec.clock_anchor.into()
    }

    /// Application windows (batch services).
    async fn batches(&self) -> Vec<BatchWindowView> {
        let windows = &self.0.spec.batches;
        windows
            .iter()
            .map(|b| BatchWindowView { name: b.name.clone(), opens: b.opens.clone(), closes: b.closes.clone() })
            .collect()
    }

    /// 申请材料.
    async fn materials(&self) -> Vec<MaterialGuide> {
        self.0
            .spec
            .materials
            .iter()
            .map(|m| MaterialGuide {
                code: m.code.clone(),
                name: m.name.clone(),
                required: m.required && m.required_when.is_none(),
                // A version published before `condition` existed says only that it depends.
                required_when: m
                    .required_when
                    .as_ref()
                    .map(|_| m.condition.clone().unwrap_or_else(|| "视申请情况而定".to_owned())),
                any_of: m
                    .any_of
                    .iter()
                    .map(|a| {
                        a.all_of.iter().map(|d| DocumentView { code: d.code.clone(), name: d.name.clone() }).collect()
                    })
                    .collect(),
                deferrable_within: m.deferrable.as_ref().map(|d| d.within.into()),
                reusable_from: m.reusable_from.clone(),
                commitment: m.commitment.clone().filter(|_| self.0.spec.commitment.is_some()),
                accepted_types: crate::store::ACCEPTED_TYPES.iter().map(|t| (*t).to_owned()).collect(),
                max_bytes: crate::store::MAX_FILE,
            })
            .collect()
    }

    /// The steps in the definition's order.
    async fn steps(&self) -> Vec<StepGuide> {
        (0..self.0.spec.steps.len()).map(|index| StepGuide { service: self.0.clone(), index }).collect()
    }

    /// 告知承诺: who verifies an approval on commitment, within what time.
    async fn commitment_verification(&self) -> Option<DutyView> {
        let c = self.0.spec.commitment.as_ref()?;
        Some(DutyView { role_name: role_name(&self.0, &c.role), limit: c.limit.into() })
    }

    /// 网上预审: who answers a draft, within what time.
    async fn pre_review(&self) -> Option<DutyView> {
        let p = self.0.spec.pre_review.as_ref()?;
        let role = p.role.clone().unwrap_or_else(|| self.0.spec.intake_role.clone());
        Some(DutyView { role_name: role_name(&self.0, &role), limit: p.limit.into() })
    }

    /// 预约: the one visit, booked in a published slot.
    async fn booking(&self) -> Option<BookingGuide> {
        let b = self.0.spec.booking.as_ref()?;
        Some(BookingGuide { purpose: b.purpose.clone(), role_name: role_name(&self.0, &b.role) })
    }

    /// Whether a special procedure's time is left out in whole days (the law's way) or to
    /// the second.
    async fn pause_counting(&self) -> super::types::PauseCounting {
        self.0.spec.pause_counting.into()
    }

    /// Special procedures a clerk may pause the clocks for; their time is not counted.
    async fn special_procedures(&self) -> Vec<ProcedureView> {
        let spec = &self.0.spec;
        spec.special_procedures
            .iter()
            .map(|p| ProcedureView {
                code: p.code.clone(),
                name: p.name.clone(),
                roles: p.roles.iter().map(|r| role_name(&self.0, r)).collect(),
            })
            .collect()
    }

    /// The process before the reform, where the definition records it.
    async fn baseline(&self) -> Option<BaselineView> {
        self.0.spec.baseline.as_ref().map(|b| BaselineView {
            source: b.source.clone(),
            promised: b.promised.map(Into::into),
            steps: b
                .steps
                .iter()
                .map(|s| BaselineStepView { id: s.id.clone(), name: s.name.clone(), limit: s.limit.map(Into::into) })
                .collect(),
        })
    }

    /// The application form's JSON Schema, as published.
    async fn form_schema(&self) -> Json<serde_json::Value> {
        Json(self.0.spec.form.clone())
    }

    /// The form's fields in order, with the titles a form renders.
    async fn form_fields(&self) -> Vec<super::form_fields::FormField> {
        super::form_fields::form_fields(&self.0.spec.form, self.0.form_order())
    }
}
