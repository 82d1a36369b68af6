//! GraphQL enums over the engine's types (the engine's serde names never reach a client).

use async_graphql::Enum;

/// The name the store keeps an engine value under (its serde name, e.g. `in_progress`).
#[must_use]
pub fn stored_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// An engine value from the name the store keeps it under.
#[must_use]
pub fn from_stored<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// Where a case stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::case::state::Status")]
pub enum CaseStatus {
    /// Not yet submitted.
    New,
    /// 网上预审: a draft the office looks at before the application; no clock runs.
    PreReview,
    /// 已接收, awaiting acceptance (受理).
    Received,
    /// 待补正: a correction notice is out.
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
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::case::state::Outcome")]
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

/// A clock's SLA level.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::clock::Level")]
pub enum Level {
    /// 正常: within the limit.
    Normal,
    /// 预警: past the warning threshold.
    Warning,
    /// 超期: past the limit.
    Overdue,
}

impl Level {
    /// The word on a clerk's screen.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "正常",
            Self::Warning => "预警",
            Self::Overdue => "超期",
        }
    }
}

/// The unit of a limit.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::limit::Unit")]
pub enum Unit {
    /// 工作日.
    WorkingDays,
    /// 日 (calendar days).
    CalendarDays,
    /// 月.
    Months,
    /// 小时.
    Hours,
}

/// 网办深度.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::definition::OnlineLevel")]
pub enum OnlineLevel {
    /// 全程网办: no visit.
    FullyOnline,
    /// 最多跑一次.
    AtMostOneVisit,
    /// 现场办理.
    OnSite,
}

/// What starts the legal clock.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::definition::ClockAnchor")]
pub enum ClockAnchor {
    /// The day of acceptance (受理); counting starts the next day.
    Accept,
    /// The close of the application window the case was submitted in.
    BatchClose,
}

/// An operation on a case (the mutation of the same name carries it out).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::case::OperationKind")]
pub enum Operation {
    /// `acceptCase` (受理).
    Accept,
    /// `requestCorrection` (一次性告知补正).
    RequestCorrection,
    /// `refuseCase` (不予受理).
    Refuse,
    /// `supplyMaterials` (补正材料).
    SupplyMaterials,
    /// `withdrawCase` (撤回申请).
    Withdraw,
    /// `claimTask` (签收).
    ClaimTask,
    /// `releaseTask` (取消签收).
    ReleaseTask,
    /// `completeTask` (办理).
    CompleteTask,
    /// `pauseClock` (暂停计时).
    PauseClock,
    /// `resumeClock` (恢复计时).
    ResumeClock,
    /// `extendDeadline` (延期).
    ExtendDeadline,
    /// `recordVisit` (登记到现场).
    RecordVisit,
    /// `rateCase` (好差评).
    Rate,
    /// `submitDraft` (网上预审后正式提交).
    SubmitDraft,
    /// `bookVisit` (预约到现场).
    BookVisit,
    /// `cancelBooking` (取消预约).
    CancelBooking,
    /// `recordNoShow` (登记预约未到).
    RecordNoShow,
}

/// Type of the data a task's action records.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::definition::OutputType")]
pub enum DataType {
    /// true / false.
    Boolean,
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Any number.
    Number,
}

/// Where a material of a case stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MaterialStatus {
    /// Supplied (uploaded, or taken from an e-licence).
    Supplied,
    /// Accepted as missing (容缺), due by `deferredUntil`.
    Deferred,
    /// Required and not supplied.
    Missing,
    /// Not required for this application and not supplied.
    NotRequired,
    /// Replaced by the applicant's signed commitment (告知承诺), verified after approval.
    Committed,
}

/// The kind of a recorded event.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// 申请提交.
    CaseSubmitted,
    /// 一次性告知补正.
    CorrectionRequested,
    /// 补正材料.
    MaterialsSupplied,
    /// 容缺材料补齐.
    DeferredSupplied,
    /// 受理.
    CaseAccepted,
    /// A task opened.
    TaskOpened,
    /// 签收.
    TaskClaimed,
    /// 取消签收.
    TaskReleased,
    /// A task done.
    TaskCompleted,
    /// A task no longer needed.
    TaskCancelled,
    /// A late task handed to another role.
    TaskEscalated,
    /// A routing step passed.
    StepPassed,
    /// A parallel branch arrived.
    BranchJoined,
    /// A delivery asked of the outbox.
    EffectRequested,
    /// Waiting for deliveries.
    WaitingForEffects,
    /// A delivery made.
    EffectDelivered,
    /// A delivery failing for good (an incident).
    EffectFailed,
    /// 暂停计时.
    ClocksPaused,
    /// 恢复计时.
    ClocksResumed,
    /// 延期.
    DeadlineExtended,
    /// Deadlines recomputed for a calendar change.
    DeadlinesRecomputed,
    /// New clock values.
    ClocksUpdated,
    /// A clock reached 预警 or 超期.
    LevelChanged,
    /// A timer set.
    TimerSet,
    /// A timer cancelled.
    TimerCancelled,
    /// A timer fired.
    TimerFired,
    /// Decided; the result waits for deferred materials.
    ResultWithheld,
    /// 办结.
    CaseConcluded,
    /// 到现场.
    VisitRecorded,
    /// 好差评.
    CaseRated,
    /// 网上预审 answered.
    PreReviewAnswered,
    /// The draft became the application.
    DraftSubmitted,
    /// 告知承诺 verified true.
    CommitmentVerified,
    /// 告知承诺 found false: the approval revoked.
    ApprovalRevoked,
    /// 公示 began.
    PublicityStarted,
    /// 异议 lodged.
    ObjectionLodged,
    /// 异议 answered.
    ObjectionAnswered,
    /// 公示 period ended.
    PublicityEnded,
    /// A committee vote opened.
    VoteOpened,
    /// A member voted.
    VoteCast,
    /// A member stood aside (回避).
    MemberRecused,
    /// The vote was counted.
    VoteClosed,
    /// 预约: a visit slot booked.
    VisitBooked,
    /// A booking given up.
    BookingCancelled,
    /// A booked visit missed.
    NoShowRecorded,
}

impl From<&engine::case::Event> for EventKind {
    fn from(e: &engine::case::Event) -> Self {
        use engine::case::Event as E;
        match e {
            E::CaseSubmitted { .. } => Self::CaseSubmitted,
            E::CorrectionRequested { .. } => Self::CorrectionRequested,
            E::MaterialsSupplied { .. } => Self::MaterialsSupplied,
            E::DeferredSupplied { .. } => Self::DeferredSupplied,
            E::CaseAccepted { .. } => Self::CaseAccepted,
            E::TaskOpened { .. } => Self::TaskOpened,
            E::TaskClaimed { .. } => Self::TaskClaimed,
            E::TaskReleased { .. } => Self::TaskReleased,
            E::TaskCompleted { .. } => Self::TaskCompleted,
            E::TaskCancelled { .. } => Self::TaskCancelled,
            E::TaskEscalated { .. } => Self::TaskEscalated,
            E::StepPassed { .. } => Self::StepPassed,
            E::BranchJoined { .. } => Self::BranchJoined,
            E::EffectRequested { .. } => Self::EffectRequested,
            E::WaitingForEffects { .. } => Self::WaitingForEffects,
            E::EffectDelivered { .. } => Self::EffectDelivered,
            E::EffectFailed { .. } => Self::EffectFailed,
            E::ClocksPaused { .. } => Self::ClocksPaused,
            E::ClocksResumed { .. } => Self::ClocksResumed,
            E::DeadlineExtended { .. } => Self::DeadlineExtended,
            E::DeadlinesRecomputed { .. } => Self::DeadlinesRecomputed,
            E::ClocksUpdated { .. } => Self::ClocksUpdated,
            E::LevelChanged { .. } => Self::LevelChanged,
            E::TimerSet { .. } => Self::TimerSet,
            E::TimerCancelled { .. } => Self::TimerCancelled,
            E::TimerFired { .. } => Self::TimerFired,
            E::ResultWithheld { .. } => Self::ResultWithheld,
            E::CaseConcluded { .. } => Self::CaseConcluded,
            E::VisitRecorded { .. } => Self::VisitRecorded,
            E::CaseRated { .. } => Self::CaseRated,
            E::PreReviewAnswered { .. } => Self::PreReviewAnswered,
            E::DraftSubmitted { .. } => Self::DraftSubmitted,
            E::CommitmentVerified { .. } => Self::CommitmentVerified,
            E::ApprovalRevoked { .. } => Self::ApprovalRevoked,
            E::PublicityStarted { .. } => Self::PublicityStarted,
            E::ObjectionLodged { .. } => Self::ObjectionLodged,
            E::ObjectionAnswered { .. } => Self::ObjectionAnswered,
            E::PublicityEnded { .. } => Self::PublicityEnded,
            E::VoteOpened { .. } => Self::VoteOpened,
            E::VoteCast { .. } => Self::VoteCast,
            E::MemberRecused { .. } => Self::MemberRecused,
            E::VoteClosed { .. } => Self::VoteClosed,
            E::VisitBooked { .. } => Self::VisitBooked,
            E::BookingCancelled { .. } => Self::BookingCancelled,
            E::NoShowRecorded { .. } => Self::NoShowRecorded,
        }
    }
}

/// How a special procedure's time is left out of the clocks.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::definition::PauseCounting")]
pub enum PauseCounting {
    /// Whole days (民法典 arts. 201-203): the day it starts counts as used, counting resumes
    /// the day after it ends, a deadline is the end of a working day.
    WholeDays,
    /// To the second.
    Exact,
}

/// The kind of a step.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A human task.
    Task,
    /// Routing by conditions.
    Decision,
    /// A fork into parallel branches.
    Parallel,
    /// Where branches meet.
    Join,
    /// Done by the system (certificates, registries, notices).
    Auto,
    /// The case concludes.
    End,
    /// 公示: a public notice period with objections.
    Publicity,
    /// A committee's vote.
    Committee,
}

/// The type of a form field (JSON Schema's).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Text (with a format or pattern, perhaps).
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// Yes or no.
    Boolean,
}

impl FieldType {
    /// From JSON Schema's `type` (text when absent or unknown).
    #[must_use]
    pub fn from_schema(name: Option<&str>) -> Self {
        match name {
            Some("integer") => Self::Integer,
            Some("number") => Self::Number,
            Some("boolean") => Self::Boolean,
            _ => Self::String,
        }
    }
}
