//! The rows the SLA report reads, written in the command's transaction: one `case_facts`
//! row per concluded case (again when it is rated, visited or followed up afterwards) and
//! one `step_facts` row per completed task.

use chrono::{DateTime, Utc};
use engine::case::CaseState;

use super::sql::millis;
use super::writes::Writes;
use super::{Store, StoreError};

/// The columns of a `case_facts` row, in the order the store writes them.
pub const CASE_FACT_COLUMNS: [&str; 26] = [
    "case_id",
    "service_code",
    "office",
    "received_at",
    "accepted_at",
    "concluded_at",
    "outcome",
    "legal_used",
    "legal_budget",
    "legal_on_time",
    "promised_used",
    "promised_budget",
    "promised_on_time",
    "pauses",
    "paused_secs",
    "extensions",
    "extension_amount",
    "corrections",
    "visits",
    "max_visits",
    "rating",
    "follow_up",
    "on_commitment",
    "verification",
    "no_shows",
    "remove_after",
];

impl Store {
    /// Writes the concluded case's facts row (replacing an earlier one).
    pub(super) async fn sync_facts(
        &self,
        w: &mut Writes<'_>,
        case_id: &str,
        state: &CaseState,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(concluded) = state.concluded_at else { return Ok(()) };
        let max_visits = self.service(&state.service, state.service_version).ok().map(|s| i64::from(s.spec.max_visits));
        let clock = |c: &Option<engine::clock::Clock>| match c {
            Some(c) => (Some(c.consumed), Some(c.budget), Some(i32::from(c.within_limit()))),
            None => (None, None, None),
        };
        let (legal_used, legal_budget, legal_on_time) = clock(&state.legal);
        let (promised_used, promised_budget, promised_on_time) = clock(&state.promised);
        let (pauses, paused) = state.legal.as_ref().map_or((0, 0), |c| (i64::from(c.pauses), c.paused_total));
        let extended: u32 = state.extensions.iter().map(|e| e.amount).sum();
        let outcome = state.outcome.as_ref().map(super::command::name_of);
        w.push("DELETE FROM case_facts WHERE case_id = $1", vec![case_id.to_owned().into()]).await?;
        let follow_up = state.follow_up.as_ref().map(super::command::name_of);
        let values: Vec<sea_orm::Value> = vec![
            case_id.to_owned().into(),
            state.service.clone().into(),
            state.office.clone().into(),
            millis(state.received_at.unwrap_or(concluded)).into(),
            state.accepted_at.map(millis).into(),
            millis(concluded).into(),
            outcome.unwrap_or_default().into(),
            legal_used.into(),
            legal_budget.into(),
            legal_on_time.into(),
            promised_used.into(),
            promised_budget.into(),
            promised_on_time.into(),
            pauses.into(),
            paused.into(),
            i64::try_from(state.extensions.len()).unwrap_or(0).into(),
            i64::from(extended).into(),
            i64::try_from(state.corrections.len()).unwrap_or(0).into(),
            i64::from(state.visits).into(),
            max_visits.into(),
            state.rating.as_ref().map(|r| i32::from(r.score)).into(),
            follow_up.into(),
            i32::from(!state.commitments.is_empty() && state.outcome == Some(engine::case::state::Outcome::Approved))
                .into(),
            state.verification.as_ref().map(|v| super::command::name_of(&v.state)).into(),
            i64::from(state.no_shows).into(),
            millis(now + self.retention).into(),
        ];
        w.push(&super::sql::insert_rows("case_facts", &CASE_FACT_COLUMNS, 1), values).await?;
        Ok(())
    }

    /// Records a completed task for the per-step figures.
    pub(super) async fn record_step(
        &self,
        w: &mut Writes<'_>,
        case_id: &str,
        state: &CaseState,
        task: &engine::case::state::Task,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let calendar = self.calendar();
        let used = match &task.clock {
            Some(c) => Some(c.elapsed(now, &calendar).map_err(|e| StoreError::Corrupt(e.to_string()))?),
            None => None,
        };
        let budget = task.clock.as_ref().map(|c| c.budget);
        let on_time = used.zip(budget).map(|(u, b)| i32::from(u <= b));
        let columns = [
            "case_id",
            "task_id",
            "service_code",
            "step",
            "office",
            "opened_at",
            "closed_at",
            "used",
            "budget",
            "on_time",
        ];
        let values: Vec<sea_orm::Value> = vec![
            case_id.to_owned().into(),
            i64::from(task.id).into(),
            state.service.clone().into(),
            task.step.clone().into(),
            task.office.clone().into(),
            millis(task.opened_at).into(),
            millis(now).into(),
            used.into(),
            budget.into(),
            on_time.into(),
        ];
        w.push(&super::sql::insert_rows("step_facts", &columns, 1), values).await?;
        Ok(())
    }
}
