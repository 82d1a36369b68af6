//! The service definition format: the Rust types that `workflows/services/*.yaml` files
//! deserialize into. The JSON Schema in `workflows/service-definition.schema.json` is
//! generated from these types (see [`crate::definition::json_schema`]).
//!
//! Every struct rejects unknown fields, so a misspelt key is an error, not a silent default.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::limit::Limit;

pub use super::steps::*;

/// A service (事项) as published: its 实施清单 metadata and its process.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// 事项编码: stable code of the service, e.g. `JY-XK-001`.
    pub code: String,
    /// 事项名称 as the 实施清单 writes it.
    pub name: String,
    /// Version of this definition; a case keeps the version it was submitted under.
    pub version: u32,
    /// 事项类型 as the 实施清单 classifies it (行政许可, 公共服务, ...). Optional so that
    /// versions published before it existed still load.
    #[serde(default)]
    pub category: String,
    /// 收费: each fee with its basis; none means the service is free (不收费).
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// 设定依据: the legal basis, one entry per article.
    pub legal_basis: Vec<String>,
    /// 法定时限 and 承诺时限.
    pub limits: Limits,
    /// What starts the legal clock.
    #[serde(default)]
    pub clock_anchor: ClockAnchor,
    /// Application windows for batch services (required when `clock_anchor` is `batch_close`).
    #[serde(default)]
    pub batches: Vec<BatchWindow>,
    /// 到现场次数 allowed: 0 (零跑腿) or 1 (最多跑一次), more for on-site services.
    pub max_visits: u32,
    /// 网办深度.
    pub online_level: OnlineLevel,
    /// Which form field names the handling office (行政区划 + unit code).
    pub office_field: String,
    /// SLA thresholds.
    #[serde(default)]
    pub sla: Sla,
    /// Who may extend the legal limit, and by how much (行政许可法 art. 42).
    #[serde(default)]
    pub extension: Option<ExtensionRule>,
    /// Staff roles this service uses; every role named elsewhere must be declared here
    /// (the applicant role `applicant` is built in).
    pub roles: Vec<RoleSpec>,
    /// The role that accepts, refuses and asks for corrections at the window (受理).
    pub intake_role: String,
    /// Accept on submission when every required material is there (即办, 零跑腿 services).
    #[serde(default)]
    pub auto_accept: bool,
    /// JSON Schema of the application form. Formats `id-card` (身份证号) and
    /// `credit-code` (统一社会信用代码) are checked by the API.
    pub form: serde_json::Value,
    /// 申请材料.
    #[serde(default)]
    pub materials: Vec<MaterialSpec>,
    /// 特别程序 a clerk may pause the clocks for (行政许可法 art. 45).
    #[serde(default)]
    pub special_procedures: Vec<SpecialProcedureSpec>,
    /// How a special procedure's time is left out of the clocks.
    #[serde(default)]
    pub pause_counting: PauseCounting,
    /// 告知承诺: how a case approved on commitment is verified afterwards. Materials that
    /// may be replaced by a commitment say so with `commitment`.
    #[serde(default)]
    pub commitment: Option<CommitmentRule>,
    /// 网上预审: an applicant may ask the office to look at a draft before applying.
    #[serde(default)]
    pub pre_review: Option<PreReviewRule>,
    /// 预约: the one visit is booked in a slot the office publishes.
    #[serde(default)]
    pub booking: Option<BookingRule>,
    /// The process. The first step is where a case goes when accepted.
    pub steps: Vec<StepSpec>,
    /// Case-level timers (preparation-period expiry, deemed approval).
    #[serde(default)]
    pub timers: Vec<CaseTimerSpec>,
    /// The process before the reform, for before/after reports.
    #[serde(default)]
    pub baseline: Option<Baseline>,
}

/// A fee (收费项目).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// 收费项目名称.
    pub name: String,
    /// 收费标准 as published, e.g. `每证10元`.
    pub amount: String,
    /// 收费依据.
    pub basis: String,
}

/// The two clocks of a case.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// 法定时限.
    pub legal: Limit,
    /// 承诺时限.
    pub promised: Limit,
}

/// What starts the legal clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockAnchor {
    /// The day of acceptance (受理); counting starts the next day.
    #[default]
    Accept,
    /// The close of the application window the case was submitted in (教师资格条例 art. 16).
    BatchClose,
}

/// An application window, repeated every year, given as month-day (`MM-DD`) in China time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchWindow {
    /// Name shown to applicants, e.g. `春季`.
    pub name: String,
    /// First day applications are taken, `MM-DD`.
    pub opens: String,
    /// Last day applications are taken, `MM-DD`.
    pub closes: String,
}

/// 网办深度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// 全程网办: no visit.
    FullyOnline,
    /// 最多跑一次.
    AtMostOneVisit,
    /// 现场办理.
    OnSite,
}

/// SLA thresholds (local practice, so configurable).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// Share of a limit, in percent, after which a clock turns yellow (预警).
    pub warn_at_percent: u32,
    /// A rating at or below this score (差评) opens a follow-up task for the office.
    #[serde(default = "default_bad_rating")]
    pub bad_rating_at_most: u8,
    /// The follow-up's limit (local practice: 15 working days).
    #[serde(default = "default_follow_up_limit")]
    pub follow_up_limit: Limit,
    /// The role that follows up a bad rating; the intake role when not given.
    #[serde(default)]
    pub follow_up_role: Option<String>,
}

fn default_bad_rating() -> u8 {
    2
}

fn default_follow_up_limit() -> Limit {
    Limit { amount: 15, unit: crate::limit::Unit::WorkingDays }
}

impl Default for Sla {
    fn default() -> Self {
        Self {
            warn_at_percent: 80,
            bad_rating_at_most: default_bad_rating(),
            follow_up_limit: default_follow_up_limit(),
            follow_up_role: None,
        }
    }
}

/// 延期: who may extend the legal limit and by how much in all.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRule {
    /// The most the legal limit may grow in total.
    pub max: Limit,
    /// The role that approves an extension (the agency head).
    pub role: String,
}

/// A staff role of the service.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    /// Code used in tokens, e.g. `window_clerk`.
    pub code: String,
    /// Chinese name, e.g. `窗口受理人员`.
    pub name: String,
}

/// A material (申请材料), either one document or alternatives of documents.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    /// Code of the material; for a leaf, the code the applicant uploads under.
    pub code: String,
    /// Name as the 实施清单 writes it.
    pub name: String,
    /// When false, the material is optional unless `required_when` holds.
    #[serde(default = "yes")]
    pub required: bool,
    /// CEL over `form`: the material is required only when this holds.
    #[serde(default)]
    pub required_when: Option<String>,
    /// `required_when` in the words of the 实施清单, for the service guide, e.g.
    /// `变更办学地址的`.
    #[serde(default)]
    pub condition: Option<String>,
    /// Alternatives: the material is satisfied when one alternative is complete.
    #[serde(default)]
    pub any_of: Vec<Alternative>,
    /// 容缺: may be missing at acceptance and supplied by a deadline.
    #[serde(default)]
    pub deferrable: Option<Deferrable>,
    /// Name of an e-licence this material can be taken from instead of an upload.
    #[serde(default)]
    pub reusable_from: Option<String>,
    /// 告知承诺: the text of the commitment an applicant may sign instead of supplying this
    /// material (needs the service's `commitment` rule).
    #[serde(default)]
    pub commitment: Option<String>,
}

/// 告知承诺 (国办发〔2020〕42号): a case approved on commitment is verified within a limit;
/// a false commitment revokes the approval and is kept as a credit record.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentRule {
    /// Role that verifies (核查).
    pub role: String,
    /// Time allowed for the verification, from approval.
    pub limit: Limit,
}

/// 网上预审: who answers a draft, and within what time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreReviewRule {
    /// Role that answers; the intake role when absent.
    #[serde(default)]
    pub role: Option<String>,
    /// Time to answer (local practice).
    pub limit: Limit,
}

/// 预约: the office publishes slots for the one visit, the applicant books one.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRule {
    /// What the visit is for, e.g. `现场确认`.
    pub purpose: String,
    /// Role that publishes slots and records the visit or the no-show.
    pub role: String,
}

/// How a special procedure's time is left out of the clocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseCounting {
    /// The law counts days (民法典 arts. 201-203): the day a procedure starts counts as used,
    /// counting resumes the day after it ends, and a deadline is the end of a working day.
    #[default]
    WholeDays,
    /// To the second: the clock stops and starts at the instants of pause and resume.
    Exact,
}

impl PauseCounting {
    /// Whether this is [`PauseCounting::Exact`], the count of clocks stored before the
    /// setting existed (which a clock then leaves out of its JSON, so the events that
    /// carry it hash as they did).
    #[must_use]
    pub fn is_exact(&self) -> bool {
        *self == Self::Exact
    }
}

fn yes() -> bool {
    true
}

/// One alternative of a material: every document in it must be supplied.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// The documents this alternative needs.
    pub all_of: Vec<Document>,
}

/// A single document of an alternative.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Code the applicant uploads under.
    pub code: String,
    /// Chinese name.
    pub name: String,
}

/// 容缺: how long after acceptance a deferred material may come.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deferrable {
    /// Deadline after acceptance; may not exceed the promised limit.
    pub within: Limit,
}

/// A special procedure (特别程序) whose time is excluded from the limits.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialProcedureSpec {
    /// Code, e.g. `hearing`.
    pub code: String,
    /// Chinese name, e.g. `听证`.
    pub name: String,
    /// Roles that may start and end it.
    pub roles: Vec<String>,
}

/// A case-level timer.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseTimerSpec {
    /// Name, e.g. `筹设期满`.
    pub name: String,
    /// When it is due.
    pub due: TimerDue,
    /// What it does.
    pub action: CaseTimerAction,
}

/// When a case timer is due.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TimerDue {
    /// A period after approval.
    AfterApproval(Limit),
    /// The end of the date held in a form field (`YYYY-MM-DD`), while the case is open.
    AtFormDate(String),
}

/// What a case timer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseTimerAction {
    /// Notify the applicant and the intake role.
    Notify,
    /// Conclude an undecided case as approved (视为准予, 行政许可法 art. 50).
    DeemApproved,
}

/// The process before the reform.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Source of the old process.
    pub source: String,
    /// Old promised limit, when there was one.
    #[serde(default)]
    pub promised: Option<Limit>,
    /// Old steps in order.
    pub steps: Vec<BaselineStep>,
}

/// A step of the old process.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineStep {
    /// Identifier referenced by `merges`.
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// Old step limit.
    #[serde(default)]
    pub limit: Option<Limit>,
}
