//! The state of one case (办件), rebuilt from its events by [`crate::case::evolve`].

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clock::{Clock, Level};
use crate::definition::{EffectSpec, EndOutcome};

/// Where a case stands. Maps onto the states of vendor systems: received, correction,
/// accepted / in progress, special procedure, concluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No event yet.
    #[default]
    New,
    /// 网上预审: a draft the office looks at before the formal application; no clock runs.
    PreReview,
    /// 已接收, awaiting acceptance.
    Received,
    /// 补正: a correction notice is out.
    CorrectionRequested,
    /// 办理中.
    InProgress,
    /// 暂停计时: a special procedure runs.
    Paused,
    /// Decided; the result waits for deferred (容缺) materials.
    AwaitingMaterials,
    /// 办结.
    Concluded,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 准予 (also deemed granted).
    Approved,
    /// 不予许可 after review.
    Denied,
    /// 不予受理 at the window.
    NotAccepted,
    /// 撤回 by the applicant.
    Withdrawn,
    /// 终止.
    Terminated,
}

impl From<EndOutcome> for Outcome {
    fn from(o: EndOutcome) -> Self {
        match o {
            EndOutcome::Approved => Self::Approved,
            EndOutcome::Denied => Self::Denied,
            EndOutcome::Terminated => Self::Terminated,
        }
    }
}

/// A supplied material: its code and the digest of the file the runtime stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MaterialRef {
    /// SHA-256 of the content, hex; empty when taken from an e-licence.
    pub sha256: String,
    /// File name as uploaded.
    pub file_name: String,
}

/// One deficiency of a correction notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Deficiency {
    /// The material concerned, when it is about a material.
    pub material: Option<String>,
    /// What must be done, in words the applicant understands.
    pub note: String,
}

/// A correction notice (一次性告知).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CorrectionNotice {
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// Every deficiency, in one notice.
    pub deficiencies: Vec<Deficiency>,
    /// Whether the applicant has supplied since.
    pub answered: bool,
}

/// The application window a batch case was submitted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BatchRef {
    /// Window name, e.g. `春季`.
    pub name: String,
    /// Its last day: the legal clock counts from the next day.
    pub closes: NaiveDate,
}

/// An open human task (待办).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Task {
    /// Case-local id.
    pub id: u32,
    /// Step id.
    pub step: String,
    /// Role that does it.
    pub role: String,
    /// Office code of the task.
    pub office: String,
    /// Who claimed it.
    pub claimed_by: Option<String>,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// Step clock, when the step has a limit.
    pub clock: Option<Clock>,
}

/// Which clock a timer or level change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockRef {
    /// 法定时限.
    Legal,
    /// 承诺时限.
    Promised,
    /// A task's step clock.
    Task(u32),
}

/// What a timer does when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// A clock reaches a level.
    Clock {
        /// Which clock.
        clock: ClockRef,
        /// Level it reaches.
        level: Level,
    },
    /// 行政许可法 art. 32: no notice within 5 days means accepted on the day received.
    DeemedAcceptance,
    /// A deferred material is due.
    DeferredMaterial {
        /// Material code.
        material: String,
    },
    /// The end of a 公示 period.
    PublicityEnds {
        /// The publicity step.
        step: String,
    },
    /// A case timer of the definition, by index.
    Case {
        /// Index in the definition's `timers`.
        index: usize,
    },
}

/// A pending timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Timer {
    /// Case-local id.
    pub id: u32,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// What it does.
    pub kind: TimerKind,
}

/// A side effect handed to the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Effect {
    /// Case-local id (the outbox idempotency key is case id + this).
    pub id: u32,
    /// Step that requested it, if any.
    pub step: Option<String>,
    /// What to do.
    pub spec: EffectSpec,
}

/// Why the clocks are paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// A special procedure started by a clerk (听证, 专家评审...).
    Procedure(String),
    /// A step marked as a special procedure (the school's 整改).
    Step(String),
}

/// An extension granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Extension {
    /// Units added to the legal limit.
    pub amount: u32,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub by: String,
}

/// The applicant's rating (好差评, GB/T 39734-2020: 1 非常不满意 … 5 非常满意).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    /// Free text.
    pub comment: String,
}

/// The step id of the task a bad rating opens (not a step of the definition).
pub const FOLLOW_UP_STEP: &str = "rating_follow_up";

/// Its name (环节名称).
pub const FOLLOW_UP_NAME: &str = "差评回访整改";

/// The follow-up's one action, which closes it.
pub const FOLLOW_UP_CLOSE: &str = "close";

/// That action's label.
pub const FOLLOW_UP_CLOSE_LABEL: &str = "办结回访";

/// The step id of the verification (核查) of an approval on commitment.
pub const VERIFICATION_STEP: &str = "commitment_verification";

/// Its name.
pub const VERIFICATION_NAME: &str = "告知承诺核查";

/// The step id of the office's answer to a draft (网上预审).
pub const PRE_REVIEW_STEP: &str = "pre_review";

/// Its name.
pub const PRE_REVIEW_NAME: &str = "网上预审";

/// Where the follow-up of a bad rating stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// Open, within its limit.
    Open,
    /// Open past its limit.
    Overdue,
    /// Closed within its limit.
    Closed,
    /// Closed after its limit had passed.
    ClosedLate,
}

/// A case, as its events made it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseState {
    /// Case id (from the command that created it).
    pub id: String,
    /// Service code.
    pub service: String,
    /// Definition version the case runs under.
    pub service_version: u32,
    /// Where it stands.
    pub status: Status,
    /// User id of the applicant.
    pub applicant: String,
    /// Handling office code.
    pub office: String,
    /// Application form.
    pub form: Arc<serde_json::Value>,
    /// Outputs of completed tasks, by name (shared: cloning a state for a decision is cheap).
    pub data: Arc<BTreeMap<String, serde_json::Value>>,
    /// Supplied materials by code (shared, as `data`).
    pub materials: Arc<BTreeMap<String, MaterialRef>>,
    /// When received.
    pub received_at: Option<DateTime<Utc>>,
    /// When accepted (deemed acceptance: the day received).
    pub accepted_at: Option<DateTime<Utc>>,
    /// The batch window, for batch services.
    pub batch: Option<BatchRef>,
    /// Deferred (容缺) materials still missing, with their due instants.
    pub deferred: BTreeMap<String, DateTime<Utc>>,
    /// Correction notices in order.
    pub corrections: Vec<CorrectionNotice>,
    /// 法定时限 clock, from acceptance.
    pub legal: Option<Clock>,
    /// 承诺时限 clock, from acceptance.
    pub promised: Option<Clock>,
    /// Open tasks by id.
    pub tasks: BTreeMap<u32, Task>,
    /// Pending timers by id.
    pub timers: BTreeMap<u32, Timer>,
    /// Effects not yet acknowledged, by id.
    pub effects: BTreeMap<u32, Effect>,
    /// Branches arrived at each open join.
    pub joins: BTreeMap<String, u32>,
    /// Effects that keep failing (incidents clerks must see), with the last error.
    pub incidents: BTreeMap<u32, String>,
    /// The auto step waiting for acknowledgements.
    pub waiting_at: Option<String>,
    /// Why the clocks are paused.
    pub pause: Option<PauseReason>,
    /// Extensions granted.
    pub extensions: Vec<Extension>,
    /// In-person visits recorded.
    pub visits: u32,
    /// The rating, once given.
    pub rating: Option<Rating>,
    /// The office's follow-up of a bad rating (差评回访整改), once one was opened.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// The end step reached, for its label.
    pub end_step: Option<String>,
    /// Whether the outcome was deemed (视为准予, deemed acceptance).
    pub deemed: bool,
    /// When concluded.
    pub concluded_at: Option<DateTime<Utc>>,
    /// Next case-local id for tasks, timers and effects.
    pub next_id: u32,
    /// Materials the applicant replaced by a signed commitment (告知承诺).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commitments: Vec<String>,
    /// The verification of an approval on commitment, once one was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<super::commitment::Verification>,
    /// The public notice (公示) in progress, or the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicity: Option<super::publicity::Publicity>,
    /// The committee vote in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<super::committee::Vote>,
    /// Tallies of the committee votes held, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tallies: Vec<super::committee::Tally>,
    /// The visit slot booked (预约).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<super::booking::Booking>,
    /// Booked visits the applicant did not come to.
    #[serde(default)]
    pub no_shows: u32,
    /// 网上预审, when the case began as a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_review: Option<super::pre_review::PreReview>,
    /// Number of events applied.
    pub sequence: u64,
}

impl CaseState {
    /// Whether the case has concluded.
    #[must_use]
    pub fn is_concluded(&self) -> bool {
        self.status == Status::Concluded
    }
}
