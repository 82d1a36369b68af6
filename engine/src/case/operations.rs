//! What an actor may do on a case now, for clients that draw buttons. Nothing here holds a
//! rule of its own: each candidate command is decided as if it were issued, and it is
//! offered when `decide` accepts it or refuses it only for its input (a reason left
//! empty, no deficiency listed yet), which the caller supplies when acting. So the list
//! can never disagree with what the engine will accept.

use super::command::{Actor, Command};
use super::decide::{Context, decide};
use super::error::{EngineError, ErrorCode};
use super::state::CaseState;
use crate::calendar::Calendar;
use crate::definition::Service;

/// A kind of operation on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// 受理 (`acceptCase`).
    Accept,
    /// 一次性告知补正 (`requestCorrection`).
    RequestCorrection,
    /// 不予受理 (`refuseCase`).
    Refuse,
    /// 补正材料 (`supplyMaterials`).
    SupplyMaterials,
    /// 撤回申请 (`withdrawCase`).
    Withdraw,
    /// 签收 a task (`claimTask`).
    ClaimTask,
    /// 取消签收: give a task back (`releaseTask`).
    ReleaseTask,
    /// 办理 a task with one of its step's actions (`completeTask`).
    CompleteTask,
    /// 暂停计时 for a special procedure (`pauseClock`).
    PauseClock,
    /// 恢复计时 (`resumeClock`).
    ResumeClock,
    /// 延期 (`extendDeadline`).
    ExtendDeadline,
    /// 登记到现场 (`recordVisit`).
    RecordVisit,
    /// 好差评 (`rateCase`).
    Rate,
    /// 网上预审 done: make the draft the application (`submitDraft`).
    SubmitDraft,
    /// 预约 a visit slot (`bookVisit`).
    BookVisit,
    /// 取消预约 (`cancelBooking`).
    CancelBooking,
    /// 登记预约未到 (`recordNoShow`).
    RecordNoShow,
}

impl OperationKind {
    /// The words on a clerk's or applicant's button.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Accept => "受理",
            Self::RequestCorrection => "一次性告知补正",
            Self::Refuse => "不予受理",
            Self::SupplyMaterials => "补正材料",
            Self::Withdraw => "撤回申请",
            Self::ClaimTask => "签收",
            Self::ReleaseTask => "取消签收",
            Self::CompleteTask => "办理",
            Self::PauseClock => "暂停计时",
            Self::ResumeClock => "恢复计时",
            Self::ExtendDeadline => "延期",
            Self::RecordVisit => "登记到现场",
            Self::Rate => "评价",
            Self::SubmitDraft => "正式提交申请",
            Self::BookVisit => "预约到现场",
            Self::CancelBooking => "取消预约",
            Self::RecordNoShow => "登记预约未到",
        }
    }
}

/// One thing the actor may do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// What.
    pub kind: OperationKind,
    /// The task it is on, for claiming and completing.
    pub task: Option<u32>,
    /// The special procedure, for pausing.
    pub procedure: Option<String>,
}

/// Whether `decide`'s answer means the command is open to the actor now: accepted, or
/// refused only because of the trial input.
fn offered(result: &Result<Vec<super::Event>, EngineError>, input_counts: bool) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => input_counts && e.code() == ErrorCode::BadUserInput && !matches!(e, EngineError::Condition(_)),
    }
}

/// Every operation `actor` may do on the case now, in a stable order.
#[must_use]
pub fn operations(
    service: &Service,
    state: &CaseState,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    calendar: &Calendar,
) -> Vec<Operation> {
    let ctx = Context { now, calendar, actor };
    let try_ = |command: &Command| decide(service, state, command, &ctx);
    let mut out = Vec::new();
    let mut offer = |kind, task, procedure: Option<String>, command: Command, input_counts: bool| {
        if offered(&try_(&command), input_counts) {
            out.push(Operation { kind, task, procedure });
        }
    };
    // Trial inputs that the engine refuses only after every check of who and when.
    offer(OperationKind::Accept, None, None, Command::AcceptCase { deferred: Vec::new() }, true);
    offer(OperationKind::RequestCorrection, None, None, Command::RequestCorrection { deficiencies: Vec::new() }, true);
    offer(OperationKind::Refuse, None, None, Command::RefuseCase { reason: String::new() }, true);
    offer(
        OperationKind::SupplyMaterials,
        None,
        None,
        Command::SupplyMaterials { materials: std::collections::BTreeMap::new() },
        true,
    );
    offer(OperationKind::Withdraw, None, None, Command::WithdrawCase { reason: "-".to_owned() }, false);
    for &task in state.tasks.keys() {
        offer(OperationKind::ClaimTask, Some(task), None, Command::ClaimTask { task }, false);
        offer(OperationKind::ReleaseTask, Some(task), None, Command::ReleaseTask { task }, false);
        // No step offers an action named NUL: the refusal comes after the checks of who.
        let complete = Command::CompleteTask { task, action: "\0".to_owned(), data: serde_json::Map::new() };
        offer(OperationKind::CompleteTask, Some(task), None, complete, true);
    }
    for p in &service.spec.special_procedures {
        let command = Command::PauseClock { procedure: p.code.clone(), notice: String::new() };
        offer(OperationKind::PauseClock, None, Some(p.code.clone()), command, false);
    }
    offer(OperationKind::ResumeClock, None, None, Command::ResumeClock, false);
    // One unit with a reason: offered only while the definition's maximum leaves room.
    offer(OperationKind::ExtendDeadline, None, None, Command::ExtendDeadline { amount: 1, reason: "-".into() }, false);
    offer(OperationKind::RecordVisit, None, None, Command::RecordVisit { purpose: "-".to_owned() }, false);
    offer(OperationKind::Rate, None, None, Command::RateCase { score: 0, comment: String::new() }, true);
    let draft =
        Command::SubmitDraft { form: None, materials: std::collections::BTreeMap::new(), commitments: Vec::new() };
    offer(OperationKind::SubmitDraft, None, None, draft, false);
    // A slot of this case's service and office a year ahead: offered when a booking (or a
    // move) would be taken at all; which slots have places is the runtime's.
    let slot = super::booking::Booking {
        slot: "\0".to_owned(),
        service: state.service.clone(),
        office: state.office.clone(),
        starts_at: now + chrono::Duration::days(365),
        ends_at: now + chrono::Duration::days(365) + chrono::Duration::hours(1),
    };
    offer(OperationKind::BookVisit, None, None, Command::BookVisit { slot }, false);
    offer(OperationKind::CancelBooking, None, None, Command::CancelBooking, false);
    offer(OperationKind::RecordNoShow, None, None, Command::RecordNoShow, false);
    out
}
