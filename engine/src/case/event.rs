//! Events (past tense): the record of a case. Each carries everything [`super::evolve`]
//! needs, computed by `decide`, so replaying never needs the definition or the calendar.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::state::{BatchRef, ClockRef, Deficiency, Effect, Extension, MaterialRef, Outcome, PauseReason, Task, Timer};
use crate::clock::{Clock, Level};

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The application arrived.
    CaseSubmitted {
        /// Case id.
        case_id: String,
        /// Service code.
        service: String,
        /// Definition version.
        version: u32,
        /// Applicant user id.
        applicant: String,
        /// Handling office.
        office: String,
        /// Form.
        form: Arc<serde_json::Value>,
        /// Materials.
        materials: BTreeMap<String, MaterialRef>,
        /// Batch window.
        batch: Option<BatchRef>,
        /// When.
        at: DateTime<Utc>,
        /// Materials replaced by the applicant's signed commitment (告知承诺).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        commitments: Vec<String>,
        /// A draft for 网上预审, not yet the application.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        draft: bool,
    },
    /// The office answered a draft (网上预审) with one notice.
    PreReviewAnswered {
        /// The notice.
        notice: String,
        /// By whom.
        by: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The draft became the application (网上预审 done), with what the applicant changed.
    DraftSubmitted {
        /// Handling office, from the form as submitted.
        office: String,
        /// The form as submitted.
        form: Arc<serde_json::Value>,
        /// Materials added or replaced.
        materials: BTreeMap<String, MaterialRef>,
        /// Materials replaced by a commitment.
        commitments: Vec<String>,
        /// Batch window.
        batch: Option<BatchRef>,
        /// When: the day the application is received.
        at: DateTime<Utc>,
    },
    /// A commitment was verified and found true.
    CommitmentVerified {
        /// By whom.
        by: String,
        /// What the verification found.
        finding: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A commitment was found false: the approval is revoked and a credit record is kept.
    ApprovalRevoked {
        /// Why, as the verification found.
        reason: String,
        /// By whom.
        by: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// 公示 began.
    PublicityStarted {
        /// The publicity step.
        step: String,
        /// Title of the list.
        list: String,
        /// Published.
        starts: DateTime<Utc>,
        /// The period's end.
        ends: DateTime<Utc>,
    },
    /// An objection (异议) was lodged during 公示.
    ObjectionLodged {
        /// The objection.
        objection: super::publicity::Objection,
    },
    /// An objection was answered.
    ObjectionAnswered {
        /// The objection (its task id).
        objection: u32,
        /// Whether it was upheld (异议成立).
        upheld: bool,
        /// The answer.
        answer: String,
        /// By whom.
        by: String,
    },
    /// The 公示 period ended.
    PublicityEnded {
        /// The publicity step.
        step: String,
    },
    /// A committee vote opened.
    VoteOpened {
        /// The committee step.
        step: String,
    },
    /// A member voted.
    VoteCast {
        /// Who.
        by: String,
        /// How.
        ballot: super::committee::Ballot,
    },
    /// A member stood aside (回避).
    MemberRecused {
        /// Who.
        by: String,
        /// Why.
        reason: String,
    },
    /// The vote was counted.
    VoteClosed {
        /// The tally.
        tally: super::committee::Tally,
    },
    /// A visit slot was booked (预约).
    VisitBooked {
        /// The slot.
        booking: super::booking::Booking,
    },
    /// A booking was given up (moved or cancelled), freeing its place.
    BookingCancelled {
        /// The slot id.
        slot: String,
        /// By whom.
        by: String,
    },
    /// The applicant did not come to a booked visit.
    NoShowRecorded {
        /// The slot id.
        slot: String,
    },
    /// A correction notice went out.
    CorrectionRequested {
        /// Every deficiency.
        deficiencies: Vec<Deficiency>,
        /// Which notice this is on the case (1 = first); above 1 is flagged in reports.
        round: u32,
        /// When.
        at: DateTime<Utc>,
    },
    /// The applicant supplied materials.
    MaterialsSupplied {
        /// Materials.
        materials: BTreeMap<String, MaterialRef>,
    },
    /// Deferred (容缺) materials have all come in for these codes.
    DeferredSupplied {
        /// Material codes now complete.
        materials: Vec<String>,
    },
    /// 受理.
    CaseAccepted {
        /// When it counts as accepted.
        at: DateTime<Utc>,
        /// By art. 32 (no notice in time), not by a clerk.
        deemed: bool,
        /// Deferred materials and their due instants.
        deferred: BTreeMap<String, DateTime<Utc>>,
        /// The legal clock.
        legal: Clock,
        /// The promised clock.
        promised: Clock,
    },
    /// A task was opened.
    TaskOpened {
        /// The task.
        task: Task,
    },
    /// A task was claimed.
    TaskClaimed {
        /// Task id.
        task: u32,
        /// By whom.
        by: String,
    },
    /// A task taken was given back (取消签收).
    TaskReleased {
        /// Task id.
        task: u32,
        /// By whom.
        by: String,
    },
    /// A task was done.
    TaskCompleted {
        /// Task id.
        task: u32,
        /// Step id.
        step: String,
        /// Action taken.
        action: String,
        /// Outputs recorded.
        data: serde_json::Map<String, serde_json::Value>,
        /// Who (`system` for timeouts).
        by: String,
    },
    /// A task was cancelled (a join no longer needs it, or the case ended).
    TaskCancelled {
        /// Task id.
        task: u32,
    },
    /// A late task was handed to another role.
    TaskEscalated {
        /// Task id.
        task: u32,
        /// New role.
        to_role: String,
    },
    /// A routing step was passed.
    StepPassed {
        /// Step id.
        step: String,
        /// Where it led.
        next: String,
    },
    /// A branch reached a join.
    BranchJoined {
        /// Join step id.
        join: String,
        /// Branches arrived so far (0 once the join is complete).
        arrived: u32,
    },
    /// A side effect for the outbox.
    EffectRequested {
        /// The effect.
        effect: Effect,
    },
    /// The case waits at an auto step for acknowledgements.
    WaitingForEffects {
        /// Step id.
        step: String,
    },
    /// The outbox delivered an effect.
    EffectDelivered {
        /// Effect id.
        effect: u32,
        /// Receiver's answer.
        detail: String,
    },
    /// An effect keeps failing: an incident for the clerks.
    EffectFailed {
        /// Effect id.
        effect: u32,
        /// Last error.
        detail: String,
    },
    /// The clocks were paused.
    ClocksPaused {
        /// Why.
        reason: PauseReason,
        /// By whom.
        by: String,
        /// What the applicant was told (expected duration, why); empty for none.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        notice: String,
    },
    /// The clocks run again.
    ClocksResumed {
        /// Whose pause ended.
        reason: PauseReason,
        /// By whom.
        by: String,
    },
    /// The legal limit was extended.
    DeadlineExtended {
        /// The extension.
        extension: Extension,
    },
    /// Deadlines were recomputed for a calendar change.
    DeadlinesRecomputed {
        /// The calendar's region.
        region: String,
    },
    /// New clock values (after pause, resume, extension or recomputation).
    ClocksUpdated {
        /// Legal clock.
        legal: Option<Clock>,
        /// Promised clock.
        promised: Option<Clock>,
        /// Step clocks by task id (stored as a list of pairs: an internally tagged enum
        /// cannot read integer map keys back from JSON).
        #[serde(with = "pairs")]
        #[schemars(with = "Vec<(u32, Clock)>")]
        tasks: BTreeMap<u32, Clock>,
    },
    /// A clock reached a level (by a timer or an extension).
    LevelChanged {
        /// Which clock.
        clock: ClockRef,
        /// New level.
        level: Level,
    },
    /// A timer was scheduled.
    TimerSet {
        /// The timer.
        timer: Timer,
    },
    /// A timer was cancelled.
    TimerCancelled {
        /// Timer id.
        timer: u32,
    },
    /// A timer fired.
    TimerFired {
        /// Timer id.
        timer: u32,
    },
    /// Decided, but the result waits for deferred materials.
    ResultWithheld {
        /// Materials still missing.
        missing: Vec<String>,
        /// End step reached.
        step: Option<String>,
    },
    /// 办结.
    CaseConcluded {
        /// Outcome.
        outcome: Outcome,
        /// End step reached, if any.
        step: Option<String>,
        /// Deemed (视为准予) rather than decided.
        deemed: bool,
        /// Reason, for refusals and withdrawals.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// An in-person visit.
    VisitRecorded {
        /// Visits so far.
        visits: u32,
        /// More than the service allows.
        over_limit: bool,
        /// Why.
        purpose: String,
    },
    /// The applicant rated the service.
    CaseRated {
        /// 1 to 5.
        score: u8,
        /// Free text.
        comment: String,
    },
}

/// A map with integer keys as a list of `[key, value]` pairs.
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<V: Serialize, S: Serializer>(map: &BTreeMap<u32, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, V>, D::Error> {
        Ok(Vec::<(u32, V)>::deserialize(d)?.into_iter().collect())
    }
}
