//! What an SLA report answers, per service and per step (GraphQL objects as they are).

/// Processing time in days (working days for working-day limits), net of pauses.
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct Durations {
    /// Mean.
    pub mean: Option<f64>,
    /// Median (to 0.1 day, rounded down).
    pub median: Option<f64>,
    /// 90th percentile (to 0.1 day, rounded down).
    pub p90: Option<f64>,
    /// Longest.
    pub max: Option<f64>,
}

/// Counts and days of pauses or extensions.
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct CountDays {
    /// How many.
    pub count: i64,
    /// Days in all (working days for working-day limits).
    pub days: f64,
}

/// 好差评 on the five-level scale (GB/T 39734-2020).
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct Ratings {
    /// Cases rated.
    pub count: i64,
    /// Mean score.
    pub mean: Option<f64>,
    /// Count per score, 非常不满意 (1) to 非常满意 (5).
    pub by_score: Vec<i64>,
    /// Scores of 1 or 2 (差评).
    pub bad: i64,
}

/// One step's figures: tasks at it completed in the period, in the scope (by the task's
/// own office, so each office of a transfer answers for its own step).
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct StepFigures {
    /// Step id.
    pub step: String,
    /// 环节名称.
    pub step_name: String,
    /// Tasks completed.
    pub completed: i64,
    /// Share completed within the step's limit, 0 to 1 (steps with a limit).
    pub on_time: Option<f64>,
    /// Mean time on the step clock, in days (working days for working-day limits).
    pub mean_days: Option<f64>,
    /// Longest.
    pub max_days: Option<f64>,
    /// The step's limit in days, as defined.
    pub limit_days: Option<u32>,
}

/// Follow-ups of bad ratings (差评回访整改) on the cases concluded in the period.
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct FollowUps {
    /// Opened.
    pub opened: i64,
    /// Open, within their limit.
    pub open: i64,
    /// Open past their limit.
    pub overdue: i64,
    /// Closed within their limit.
    pub closed: i64,
    /// Closed late.
    pub closed_late: i64,
}

/// 告知承诺: approvals on a signed commitment and their verification (国办发〔2020〕42号).
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct Commitments {
    /// Cases approved on commitment.
    pub approved: i64,
    /// Of those, verified and found true.
    pub verified: i64,
    /// Of those, found false and revoked (each with a credit record).
    pub revoked: i64,
    /// Of those, still to verify.
    pub pending: i64,
}

/// Steps and promised limit of a process (before or after the reform).
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct Process {
    /// Step names in order.
    pub steps: Vec<String>,
    /// Promised limit in days, when there is one.
    pub promised_days: Option<u32>,
}

/// One service's figures in a report.
#[derive(Debug, Clone, Default, async_graphql::SimpleObject)]
pub struct ServiceFigures {
    /// 事项编码.
    pub service: String,
    /// 事项名称.
    pub service_name: String,
    /// Received in the period.
    pub received: i64,
    /// Of those, accepted (受理).
    pub accepted: i64,
    /// Of those, concluded by now.
    pub concluded_of_received: i64,
    /// Of those, still open.
    pub open: i64,
    /// Concluded in the period (the base of every figure below).
    pub concluded: i64,
    /// Share concluded within the legal limit (extensions included), 0 to 1.
    pub on_time_legal: Option<f64>,
    /// Share concluded within the promised limit, 0 to 1.
    pub on_time_promised: Option<f64>,
    /// Processing time net of pauses, from the legal clock's start.
    pub processing_days: Durations,
    /// Legal limit in days, as defined.
    pub legal_days: u32,
    /// Promised limit in days, as defined.
    pub promised_days: u32,
    /// Promised / legal: how far the promise compresses the legal limit.
    pub promised_legal_ratio: Option<f64>,
    /// Mean processing time / legal limit: the compression achieved.
    pub achieved_legal_ratio: Option<f64>,
    /// Pauses for special procedures.
    pub pauses: CountDays,
    /// Extensions granted.
    pub extensions: CountDays,
    /// Correction notices per concluded case.
    pub corrections_per_case: Option<f64>,
    /// Cases that needed more than one correction notice (一次性告知 not achieved).
    pub cases_with_second_notice: i64,
    /// Visits per concluded case.
    pub visits_per_case: Option<f64>,
    /// The service's maximum visits (0: 零跑腿, 1: 最多跑一次).
    pub max_visits: u32,
    /// Cases with more visits than the maximum.
    pub cases_over_max_visits: i64,
    /// Ratings.
    pub ratings: Ratings,
    /// Follow-ups of bad ratings.
    pub follow_ups: FollowUps,
    /// Approvals on commitment (告知承诺).
    pub commitments: Commitments,
    /// Booked visits (预约) the applicant did not come to.
    pub no_shows: i64,
    /// Per step, in the definition's order.
    pub steps: Vec<StepFigures>,
    /// The process before the reform, where the definition names one.
    pub baseline: Option<Process>,
    /// The process now.
    pub current: Process,
    /// How many concluded cases took how long against the legal clock: whole days (working
    /// days for working-day limits), in order, only days with cases.
    pub distribution: Vec<DayCount>,
}

/// Cases concluded after a number of days.
#[derive(Debug, Clone, Default, PartialEq, Eq, async_graphql::SimpleObject)]
pub struct DayCount {
    /// Whole days used (from this to the next).
    pub days: i64,
    /// Cases.
    pub cases: i64,
}
