//! Commands (imperative) a case accepts, and who issues them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::state::{Deficiency, MaterialRef};

/// Who issues a command: a user with roles in an office, or the system (timers, outbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User id (token subject); `system` for the runtime.
    pub user: String,
    /// Roles held.
    pub roles: Vec<String>,
    /// Office code (行政区划 + unit); covers sub-offices by prefix.
    pub office: String,
}

/// User id of the runtime.
pub const SYSTEM: &str = "system";

impl Actor {
    /// The runtime itself.
    #[must_use]
    pub fn system() -> Self {
        Self { user: SYSTEM.to_owned(), roles: Vec::new(), office: String::new() }
    }

    /// An applicant (no staff role).
    #[must_use]
    pub fn applicant(user: &str) -> Self {
        Self { user: user.to_owned(), roles: Vec::new(), office: String::new() }
    }

    /// A staff member.
    #[must_use]
    pub fn staff(user: &str, role: &str, office: &str) -> Self {
        Self { user: user.to_owned(), roles: vec![role.to_owned()], office: office.to_owned() }
    }

    /// Whether this is the runtime.
    #[must_use]
    pub fn is_system(&self) -> bool {
        self.user == SYSTEM
    }

    /// Whether the actor holds `role`.
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether `office` is the actor's office or one of its sub-offices.
    #[must_use]
    pub fn covers(&self, office: &str) -> bool {
        crate::office::OfficeCode::parse(&self.office).is_ok_and(|own| own.covers_text(office))
    }
}

/// A command to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 申请: create the case.
    SubmitCase {
        /// Id for the new case.
        case_id: String,
        /// Application form.
        form: serde_json::Value,
        /// Materials supplied with it.
        materials: BTreeMap<String, MaterialRef>,
        /// Materials replaced by a signed commitment (告知承诺).
        #[serde(default)]
        commitments: Vec<String>,
        /// Submit as a draft for 网上预审 rather than as the application.
        #[serde(default)]
        draft: bool,
    },
    /// The draft becomes the application (after 网上预审).
    SubmitDraft {
        /// The form, when changed; the draft's otherwise.
        form: Option<serde_json::Value>,
        /// Materials added or replaced.
        materials: BTreeMap<String, MaterialRef>,
        /// Materials replaced by a signed commitment.
        commitments: Vec<String>,
    },
    /// 异议 during 公示, by anyone who signs in.
    LodgeObjection {
        /// What is objected to.
        text: String,
        /// The publicity step whose list it is lodged from; the objection is refused when
        /// the case has moved on to another list. Empty: the list running now.
        #[serde(default)]
        step: String,
    },
    /// Book the visit in a slot the office published (or move to another).
    BookVisit {
        /// The slot, as the runtime read it.
        slot: super::booking::Booking,
    },
    /// Give up the booked slot.
    CancelBooking,
    /// The applicant did not come to the booked slot.
    RecordNoShow,
    /// 受理, with deferred (容缺) materials.
    AcceptCase {
        /// Materials accepted as missing, to be supplied later.
        deferred: Vec<String>,
    },
    /// 补正: every deficiency in one notice.
    RequestCorrection {
        /// The deficiencies.
        deficiencies: Vec<Deficiency>,
    },
    /// The applicant supplies materials.
    SupplyMaterials {
        /// Materials by code.
        materials: BTreeMap<String, MaterialRef>,
    },
    /// 不予受理.
    RefuseCase {
        /// Reason, told to the applicant.
        reason: String,
    },
    /// Take a task.
    ClaimTask {
        /// Task id.
        task: u32,
    },
    /// Give back a task one has taken, for a colleague to take.
    ReleaseTask {
        /// Task id.
        task: u32,
    },
    /// Complete a task with one of its actions.
    CompleteTask {
        /// Task id.
        task: u32,
        /// Action code.
        action: String,
        /// Outputs (declared by the step).
        data: serde_json::Map<String, serde_json::Value>,
    },
    /// Fire a due timer (the runtime's scheduler).
    FireTimer {
        /// Timer id.
        timer: u32,
    },
    /// 暂停计时 for a special procedure.
    PauseClock {
        /// Procedure code from the definition.
        procedure: String,
        /// What the applicant is told in writing (art. 45): the expected duration and why;
        /// may be empty.
        #[serde(default)]
        notice: String,
    },
    /// 恢复计时.
    ResumeClock,
    /// 延期.
    ExtendDeadline {
        /// Units added to the legal limit.
        amount: u32,
        /// Reason (required).
        reason: String,
    },
    /// 撤回 by the applicant.
    WithdrawCase {
        /// Reason.
        reason: String,
    },
    /// A visit in person.
    RecordVisit {
        /// Why the applicant came.
        purpose: String,
    },
    /// 好差评.
    RateCase {
        /// 1 to 5.
        score: u8,
        /// Free text.
        comment: String,
    },
    /// The outbox reports an effect's delivery.
    SettleEffect {
        /// Effect id.
        effect: u32,
        /// Acknowledged (true) or failed for good (false: an incident).
        delivered: bool,
        /// What the receiver said.
        detail: String,
    },
    /// Recompute open deadlines after a calendar change.
    RecomputeDeadlines,
}

impl Command {
    /// An application as sent, without commitments and not a draft.
    #[must_use]
    pub fn submit(
        case_id: impl Into<String>,
        form: serde_json::Value,
        materials: BTreeMap<String, MaterialRef>,
    ) -> Self {
        Self::SubmitCase { case_id: case_id.into(), form, materials, commitments: Vec::new(), draft: false }
    }

    /// Name of the command, for errors and logs.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::SubmitCase { .. } => "submitCase",
            Self::SubmitDraft { .. } => "submitDraft",
            Self::LodgeObjection { .. } => "lodgeObjection",
            Self::BookVisit { .. } => "bookVisit",
            Self::CancelBooking => "cancelBooking",
            Self::RecordNoShow => "recordNoShow",
            Self::AcceptCase { .. } => "acceptCase",
            Self::RequestCorrection { .. } => "requestCorrection",
            Self::SupplyMaterials { .. } => "supplyMaterials",
            Self::RefuseCase { .. } => "refuseCase",
            Self::ClaimTask { .. } => "claimTask",
            Self::ReleaseTask { .. } => "releaseTask",
            Self::CompleteTask { .. } => "completeTask",
            Self::FireTimer { .. } => "fireTimer",
            Self::PauseClock { .. } => "pauseClock",
            Self::ResumeClock => "resumeClock",
            Self::ExtendDeadline { .. } => "extendDeadline",
            Self::WithdrawCase { .. } => "withdrawCase",
            Self::RecordVisit { .. } => "recordVisit",
            Self::RateCase { .. } => "rateCase",
            Self::SettleEffect { .. } => "settleEffect",
            Self::RecomputeDeadlines => "recomputeDeadlines",
        }
    }
}
