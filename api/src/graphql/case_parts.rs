//! The parts of a case view: clocks, tasks, materials, corrections, form values, the
//! operations open to the caller, extensions and the rating; and the names a clerk reads
//! for roles, materials and scores.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use engine::clock::Clock;

use super::guide::{ActionView, DataField, LimitView};
use super::types::{Level, MaterialStatus, Operation};

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
            used_days: crate::store::days(used),
            remaining_days: crate::store::days(clock.budget - used),
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
