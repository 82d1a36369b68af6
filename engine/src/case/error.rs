//! Why a command is refused. Each reason maps to one code of the API's closed set.

use chrono::{DateTime, NaiveDate, Utc};

use super::state::Status;
use crate::calendar::CalendarError;

/// The closed set of error codes the API reports in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Not allowed for this actor.
    Forbidden,
    /// No such task, timer or effect.
    NotFound,
    /// Someone else got there first.
    Conflict,
    /// The input is wrong.
    BadUserInput,
    /// Not allowed in the case's current state.
    InvalidTransition,
    /// A fault of ours.
    Internal,
}

impl ErrorCode {
    /// The `extensions.code` string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::Internal => "INTERNAL",
        }
    }
}

/// A refused command, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The command does not apply in this status.
    #[error("{command} is not possible while the case is {status:?}")]
    WrongStatus {
        /// Command name.
        command: &'static str,
        /// Current status.
        status: Status,
    },
    /// The actor lacks the role.
    #[error("this needs the role `{0}`")]
    MissingRole(String),
    /// The case or task is outside the actor's office.
    #[error("the case is outside your office")]
    OutOfScope,
    /// Only the applicant may do this.
    #[error("only the applicant may do this")]
    NotApplicant,
    /// Only the runtime may do this.
    #[error("only the system may do this")]
    NotSystem,
    /// Staff may not decide their own application.
    #[error("nobody decides their own application")]
    OwnApplication,
    /// Required materials are missing.
    #[error("materials missing: {}", .0.join("、"))]
    MissingMaterials(Vec<String>),
    /// A material code the service does not know.
    #[error("unknown material `{0}`")]
    UnknownMaterial(String),
    /// A material that may not be deferred.
    #[error("material `{0}` may not be deferred (容缺)")]
    NotDeferrable(String),
    /// A second notice on an unchanged submission (一次性告知).
    #[error("a correction notice is already out and nothing was supplied since: tell every deficiency in one notice")]
    UnchangedSinceNotice,
    /// A notice without deficiencies.
    #[error("a correction notice must list at least one deficiency")]
    EmptyNotice,
    /// A reason is required.
    #[error("a reason is required")]
    ReasonRequired,
    /// No such task.
    #[error("task {0} is not open on this case")]
    TaskNotFound(u32),
    /// Someone else holds the task.
    #[error("task is claimed by {0}")]
    ClaimedByOther(String),
    /// The actor already holds the task.
    #[error("you have already claimed this task")]
    AlreadyClaimed,
    /// Nobody has taken this task, so there is nothing to give back.
    #[error("the task is not claimed")]
    NotClaimed,
    /// The step has no such action.
    #[error("the step offers no action `{0}`")]
    UnknownAction(String),
    /// Bad task data or form data.
    #[error("{field}: {message}")]
    BadData {
        /// Field.
        field: String,
        /// Problem.
        message: String,
    },
    /// No such pending timer (already fired or cancelled).
    #[error("timer {0} is not pending")]
    TimerNotPending(u32),
    /// The timer is not due yet.
    #[error("timer is not due until {0}")]
    TimerNotDue(DateTime<Utc>),
    /// A procedure the service does not define.
    #[error("unknown special procedure `{0}`")]
    UnknownProcedure(String),
    /// The clocks are already paused.
    #[error("the clocks are already paused")]
    AlreadyPaused,
    /// The clocks are not paused by a procedure.
    #[error("the clocks are not paused by a special procedure")]
    NotPaused,
    /// The service allows no extension.
    #[error("this service allows no extension")]
    NoExtension,
    /// More than the definition allows.
    #[error("extensions may total at most {max}; {used} already granted")]
    ExtensionExceeded {
        /// Most allowed.
        max: u32,
        /// Already granted.
        used: u32,
    },
    /// The case was rated already.
    #[error("the case has already been rated")]
    AlreadyRated,
    /// A score outside 1..=5.
    #[error("a rating is 1 to 5, not {0}")]
    InvalidScore(u8),
    /// A 差评 (at or below the service's `bad_rating_at_most`) without a reason: the office
    /// follows it up and must know what went wrong.
    #[error("comment: a rating of {0} (差评) needs a reason")]
    RatingReasonRequired(u8),
    /// Outside every application window.
    #[error("applications are not taken now; the next window opens {0}")]
    OutsideBatchWindow(NaiveDate),
    /// No such pending effect.
    #[error("effect {0} is not pending")]
    EffectNotFound(u32),
    /// A condition could not be evaluated on the case's data.
    #[error("condition failed: {0}")]
    Condition(String),
    /// Calendar arithmetic failed.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// A definition step is missing (a definition that loads never causes this).
    #[error("definition has no step `{0}`")]
    MissingStep(String),
    /// The material cannot be replaced by a commitment (告知承诺).
    #[error("material `{0}` cannot be replaced by a commitment")]
    NoCommitment(String),
    /// The service takes no drafts for 网上预审.
    #[error("this service offers no online pre-review")]
    NoPreReview,
    /// The 公示 period is over, or none runs.
    #[error("no public notice period is running for this case")]
    PublicityClosed,
    /// A member has already voted or stood aside.
    #[error("you have already voted or stood aside on this case")]
    AlreadyVoted,
    /// Every seat of the committee has voted.
    #[error("all {0} seats have voted")]
    CommitteeFull(u32),
    /// Too few members present to count the vote.
    #[error("quorum not met: {present} of {members} members present")]
    NoQuorum {
        /// Members who voted or abstained.
        present: u32,
        /// Members of the committee.
        members: u32,
    },
    /// The service books no visits.
    #[error("this service books no visits")]
    NoBooking,
    /// The slot is for another service or office, or has begun.
    #[error("slot {0} cannot be booked for this case")]
    SlotUnavailable(String),
    /// The slot has no place left (another applicant took the last one).
    #[error("slot {0} is full")]
    SlotFull(String),
    /// Nothing is booked.
    #[error("no visit is booked")]
    NotBooked,
    /// The booked visit has not begun.
    #[error("the booked visit has not begun")]
    VisitNotBegun,
    /// A text the action needs was left empty.
    #[error("{field}: {what}")]
    TextRequired {
        /// Field, e.g. `data.answer`.
        field: &'static str,
        /// What is missing, in English.
        what: &'static str,
        /// The same in Chinese, as a clerk or applicant reads it.
        words: &'static str,
    },
    /// The applicant objected to their own case.
    #[error("the applicant does not object to their own case")]
    OwnObjection,
    /// A booked slot has begun: it is kept (and a no-show recorded) rather than cancelled.
    #[error("the booked slot has begun; it can no longer be cancelled")]
    SlotBegun,
    /// The service's visits are used up.
    #[error("the service allows {0} visit(s), all used")]
    VisitsUsedUp(u32),
}

impl EngineError {
    /// The API code of this error.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        use EngineError as E;
        match self {
            E::WrongStatus { .. }
            | E::AlreadyRated
            | E::UnchangedSinceNotice
            | E::AlreadyPaused
            | E::NotPaused
            | E::PublicityClosed
            | E::AlreadyVoted
            | E::CommitteeFull(_)
            | E::NoQuorum { .. }
            | E::NotBooked
            | E::VisitNotBegun
            | E::SlotBegun
            | E::VisitsUsedUp(_) => ErrorCode::InvalidTransition,
            E::MissingRole(_)
            | E::OutOfScope
            | E::NotApplicant
            | E::NotSystem
            | E::OwnApplication
            | E::OwnObjection => ErrorCode::Forbidden,
            E::TaskNotFound(_) | E::TimerNotPending(_) | E::EffectNotFound(_) => ErrorCode::NotFound,
            E::ClaimedByOther(_) | E::AlreadyClaimed | E::NotClaimed | E::SlotFull(_) => ErrorCode::Conflict,
            E::Calendar(_) | E::MissingStep(_) => ErrorCode::Internal,
            _ => ErrorCode::BadUserInput,
        }
    }
}

impl EngineError {
    /// The refusal in Chinese, as a clerk or an applicant reads it beside the action they
    /// tried (the `Display` text stays English for logs and API clients).
    #[must_use]
    pub fn words(&self) -> String {
        use EngineError as E;
        match self {
            E::WrongStatus { status, .. } => format!("办件当前为“{}”，不能进行这项操作", status_words(*status)),
            E::MissingRole(role) => format!("这项操作需要“{role}”岗位"),
            E::OutOfScope => "办件不在您所在机关的办理范围内".into(),
            E::NotApplicant => "只有申请人本人可以办理".into(),
            E::NotSystem => "这一步由系统自动完成".into(),
            E::OwnApplication => "不能审批自己提交的申请".into(),
            E::MissingMaterials(m) => format!("还缺少必交材料：{}", m.join("、")),
            E::UnknownMaterial(m) => format!("本事项没有材料“{m}”"),
            E::NotDeferrable(m) => format!("材料“{m}”不能容缺受理"),
            E::UnchangedSinceNotice => "已发出补正告知且申请人尚未补正：补正内容须一次性告知，不能再次发出".into(),
            E::EmptyNotice => "补正告知至少要列出一项需补正的内容".into(),
            E::ReasonRequired => "请填写理由".into(),
            E::TaskNotFound(_) => "这项待办已办结或不存在".into(),
            E::ClaimedByOther(who) => format!("已由 {who} 认领"),
            E::AlreadyClaimed => "您已认领这项待办".into(),
            E::NotClaimed => "这项待办没有人认领".into(),
            E::UnknownAction(a) => format!("本环节没有“{a}”这个操作"),
            E::BadData { field, message } => format!("{field}：{message}"),
            E::TimerNotPending(_) | E::TimerNotDue(_) | E::EffectNotFound(_) => "系统任务已处理".into(),
            E::UnknownProcedure(p) => format!("本事项没有特别程序“{p}”"),
            E::AlreadyPaused => "已因特别程序暂停计时".into(),
            E::NotPaused => "当前没有因特别程序暂停计时".into(),
            E::NoExtension => "本事项依法不能延长期限".into(),
            E::ExtensionExceeded { max, used } => format!("延长期限合计不能超过 {max}，已延长 {used}"),
            E::AlreadyRated => "已评价过本办件".into(),
            E::InvalidScore(_) => "评价等级为 1 至 5".into(),
            E::RatingReasonRequired(_) => "选择“不满意”或“非常不满意”时，请写明原因".into(),
            E::OutsideBatchWindow(next) => format!("现在不在申报期内，下次申报从 {next} 开始"),
            E::Condition(_) | E::Calendar(_) | E::MissingStep(_) => "系统出错，请稍后再试".into(),
            E::NoCommitment(m) => format!("材料“{m}”不适用告知承诺，请上传材料"),
            E::NoPreReview => "本事项不提供网上预审".into(),
            E::PublicityClosed => "公示期已结束或当前没有公示，不能再提出异议".into(),
            E::AlreadyVoted => "您已对本件表决或已回避，每人只能表决一次".into(),
            E::CommitteeFull(m) => format!("全部 {m} 个席位已表决"),
            E::NoQuorum { present, members } => {
                format!("出席委员 {present} 人，未达到 {members} 人委员会规定的人数，不能结束表决")
            }
            E::NoBooking => "本事项不需要预约到现场".into(),
            E::SlotUnavailable(_) => "这个时段不能预约（不属于本事项或本机关，或已开始）".into(),
            E::SlotFull(_) => "这个时段已约满，请选择其他时段".into(),
            E::NotBooked => "当前没有预约".into(),
            E::VisitNotBegun => "预约时段还没有开始，不能登记未到".into(),
            E::VisitsUsedUp(n) => format!("本事项最多到现场 {n} 次，已经用完"),
            E::TextRequired { words, .. } => (*words).to_owned(),
            E::OwnObjection => "不能对自己的申请提出异议".into(),
            E::SlotBegun => "预约时段已经开始，不能再取消".into(),
        }
    }
}

fn status_words(status: Status) -> &'static str {
    match status {
        Status::New => "未提交",
        Status::PreReview => "网上预审",
        Status::Received => "待受理",
        Status::CorrectionRequested => "待补正",
        Status::InProgress => "办理中",
        Status::Paused => "暂停计时",
        Status::AwaitingMaterials => "待补交容缺材料",
        Status::Concluded => "已办结",
    }
}
