//! The steps of a process: tasks, decisions, parallel forks and joins, auto steps and ends.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::limit::Limit;

/// A step (环节) of the process.
// No `deny_unknown_fields` here: serde does not support it together with `flatten`; the
// flattened step kinds deny unknown fields themselves, which covers every key.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StepSpec {
    /// Identifier used by other steps, ASCII.
    pub id: String,
    /// 环节名称 as clerks know it.
    pub name: String,
    /// What the applicant sees while the case is at this step (e.g. `待审批`).
    #[serde(default)]
    pub status_label: Option<String>,
    /// Steps of the baseline process this step replaces (merged steps).
    #[serde(default)]
    pub merges: Vec<String>,
    /// What the step does.
    #[serde(flatten)]
    pub kind: StepKind,
}

/// The kinds of step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepKind {
    /// A human task for a role in an office.
    Task(TaskStep),
    /// Routing by CEL conditions, evaluated in order.
    Decision(DecisionStep),
    /// Forks into branches that meet again at a `join` step.
    Parallel(ParallelStep),
    /// Waits for the branches of a parallel step.
    Join(JoinStep),
    /// Done by the system: certificates, registry sync, notifications.
    Auto(AutoStep),
    /// 公示: publishes the case on a public list for a period; objections lodged during it
    /// are answered before the case goes on.
    Publicity(PublicityStep),
    /// Decided by a committee's vote (n of m), by the rule the definition gives.
    Committee(CommitteeStep),
    /// Concludes the case.
    End(EndStep),
}

/// A human task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskStep {
    /// Role that does the task; `applicant` for the applicant's own work (整改).
    pub role: String,
    /// Form field naming the office of the task; the case office when absent.
    #[serde(default)]
    pub office_field: Option<String>,
    /// Actions offered; each leads to a step.
    pub actions: Vec<ActionSpec>,
    /// Data the task records, by name and type, usable by later decisions as `data.<name>`.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputType>,
    /// Step limit; no step clock when absent.
    #[serde(default)]
    pub limit: Option<Limit>,
    /// Step warning threshold in percent; the service's when absent.
    #[serde(default)]
    pub warn_at_percent: Option<u32>,
    /// What happens when the step limit passes.
    #[serde(default)]
    pub on_timeout: Option<TimeoutAction>,
    /// The case's clocks stop while this step runs (特别程序, the school's 整改).
    #[serde(default)]
    pub special_procedure: bool,
}

/// An action a task offers.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// Code, e.g. `approve`.
    pub action: String,
    /// Label on the clerk's button, e.g. `通过`.
    pub label: String,
    /// Step the case goes to.
    pub next: String,
}

/// Type of a task output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputType {
    /// true / false.
    Boolean,
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Any number.
    Number,
}

/// What happens when a step limit passes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeoutAction {
    /// Tell the task's role and the applicant.
    Notify,
    /// Hand the task to another role.
    Escalate {
        /// Role that takes over.
        to_role: String,
    },
    /// Complete the task with its `approve` action (默认通过).
    AutoApprove,
    /// Complete the task with its `refuse` action.
    AutoRefuse,
}

/// Routing by conditions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionStep {
    /// Tried in order; the first whose `when` holds is taken.
    pub branches: Vec<Branch>,
    /// Taken when no branch holds.
    pub otherwise: String,
}

/// A conditional branch.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// CEL over `form`, `data` and `materials`, of type bool.
    pub when: String,
    /// Step taken when it holds.
    pub next: String,
}

/// A fork.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParallelStep {
    /// First step of each branch; every branch ends at `join`.
    pub branches: Vec<String>,
    /// The join step where the branches meet.
    pub join: String,
}

/// Where branches meet.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinStep {
    /// How many branches must arrive.
    pub mode: JoinMode,
    /// Step after the join.
    pub next: String,
}

/// Join condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinMode {
    /// Every branch.
    All,
    /// The first branch; the others are cancelled.
    Any,
    /// `n` branches; the others are cancelled.
    NOf(u32),
}

/// A system step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoStep {
    /// Effects requested when the step is entered.
    pub effects: Vec<EffectSpec>,
    /// When true, the case waits here until every effect is acknowledged.
    #[serde(default)]
    pub wait_for_ack: bool,
    /// Step after.
    pub next: String,
}

/// A side effect carried out by the runtime's outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "effect", rename_all = "snake_case", deny_unknown_fields)]
pub enum EffectSpec {
    /// Issue an e-licence (电子证照).
    IssueCertificate {
        /// Kind of licence, e.g. `民办学校办学许可证`.
        licence: String,
        /// Number pattern, e.g. `教民{office}{year}{seq:6}号`.
        number_pattern: String,
    },
    /// Update a student-status registry.
    SyncRegistry {
        /// Which registry.
        registry: Registry,
    },
    /// Send a notice.
    Notify {
        /// Who receives it.
        to: Recipient,
        /// Notice text.
        template: String,
    },
}

/// The two student-status registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Registry {
    /// 国网: the national student-status system.
    National,
    /// 省网: the provincial system.
    Provincial,
}

/// Receiver of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The applicant.
    Applicant,
    /// Staff of a role, in the case office.
    Role(String),
    /// One person by user id (whoever lodged an objection, told its answer); set by the
    /// engine, not written in definitions.
    User(String),
}

/// 公示: a public notice period.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicityStep {
    /// Title of the list, e.g. `拟推荐人员名单`.
    pub list: String,
    /// How long the list stays up (e.g. 5 working days); counted from the day after it is
    /// published, and ending with the last day.
    pub period: Limit,
    /// Role that answers objections (异议).
    pub role: String,
    /// Form field naming the office that answers objections; the case office when absent
    /// (a school's own 公示 is answered by the school).
    #[serde(default)]
    pub office_field: Option<String>,
    /// What the public list shows of each case: form fields, each masked as the law allows.
    pub shown: Vec<ShownField>,
    /// Who may read the list.
    #[serde(default)]
    pub audience: Audience,
    /// Step after the period, when no objection was upheld.
    pub next: String,
    /// Step taken when an objection is upheld (异议成立).
    pub on_upheld: String,
}

/// Who may read a list on public notice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Everyone, without signing in.
    #[default]
    Public,
    /// Whoever signs in with the province's identity (a school's own list, kept off the open
    /// internet).
    SignedIn,
}

/// A form field shown on a public list.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShownField {
    /// Form field.
    pub field: String,
    /// Column title; the field's title when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// How the value is masked.
    #[serde(default)]
    pub mask: Mask,
}

/// How a value on a public list is masked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mask {
    /// Shown as given (a school, a title applied for).
    #[default]
    None,
    /// A person's name: the first character, `*` for the middle, the last (张*, 张*雨, 欧**娜).
    Name,
    /// Hidden but for the first and last characters (身份证号, 学籍号).
    Partial,
}

impl Mask {
    /// The value as a public list shows it: 张三 → 张*, 欧阳娜娜 → 欧**娜 (a name); the
    /// first and last characters of a number.
    #[must_use]
    pub fn apply(self, value: &str) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let stars = |k: usize| "*".repeat(k);
        match self {
            Self::None => value.to_owned(),
            Self::Name if n <= 1 => value.to_owned(),
            Self::Name if n == 2 => format!("{}*", chars[0]),
            Self::Partial if n <= 2 => stars(n),
            Self::Name | Self::Partial => format!("{}{}{}", chars[0], stars(n - 2), chars[n - 1]),
        }
    }
}

/// A committee's vote (评审委员会, 认定评议小组).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitteeStep {
    /// Role of the members; each member votes once.
    pub role: String,
    /// Role among the members that may close the vote before everyone has voted.
    pub chair_role: String,
    /// Form field naming the committee's office; the case office when absent.
    #[serde(default)]
    pub office_field: Option<String>,
    /// Number of members (m).
    pub members: u32,
    /// Members present (voting or abstaining) needed for the vote to count, as a share of
    /// `members` (at least).
    pub quorum: Share,
    /// Votes in favour needed, as a share of the members present.
    pub pass: Share,
    /// Step limit; no step clock when absent.
    #[serde(default)]
    pub limit: Option<Limit>,
    /// Step when the vote passes.
    pub approved: String,
    /// Step when it fails.
    pub rejected: String,
}

/// A share of a whole: at least (or, with `strictly`, more than) numerator/denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// Numerator.
    pub numerator: u32,
    /// Denominator.
    pub denominator: u32,
    /// More than the share, not merely reaching it (a tie under 1/2 then fails).
    #[serde(default)]
    pub strictly: bool,
}

impl Share {
    /// Whether `part` of `whole` meets the share.
    #[must_use]
    pub fn met(self, part: u32, whole: u32) -> bool {
        let (lhs, rhs) = (u64::from(part) * u64::from(self.denominator), u64::from(self.numerator) * u64::from(whole));
        if self.strictly { lhs > rhs } else { lhs >= rhs }
    }
}

/// Concludes the case.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndStep {
    /// How the case ends.
    pub outcome: EndOutcome,
}

/// Outcomes an end step may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndOutcome {
    /// 准予 / 办结 with the result.
    Approved,
    /// 不予许可 / 不予认定.
    Denied,
    /// 终止.
    Terminated,
}
