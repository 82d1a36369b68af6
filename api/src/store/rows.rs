//! The case row and its events, as a command writes them: the projection a command leaves
//! and the sealed records it appends.

use chrono::{DateTime, Utc};
use engine::case::CaseState;
use engine::chain::Recorded;

use super::command::name_of;
use super::sql::{insert_rows, is_unique_violation, millis};
use super::writes::Writes;
use super::{Store, StoreError};

impl Store {
    /// Appends the sealed events in one statement.
    pub(super) async fn append(&self, w: &mut Writes<'_>, records: &[Recorded]) -> Result<(), StoreError> {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(records.len() * 8);
        for r in records {
            let body = serde_json::to_string(&r.event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            values.extend([
                r.case_id.clone().into(),
                i64::try_from(r.sequence).unwrap_or(i64::MAX).into(),
                name_of(&r.event).into(),
                body.into(),
                millis(r.at).into(),
                r.actor.clone().into(),
                r.previous.clone().into(),
                r.hash.clone().into(),
            ]);
        }
        let columns = ["case_id", "seq", "kind", "body", "at", "actor", "prev_hash", "hash"];
        match w.push(&insert_rows("events", &columns, records.len()), values).await {
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    /// Writes the case row; a version that moved under us is a conflict.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn project(
        &self,
        w: &mut Writes<'_>,
        service: &engine::Service,
        previous_seq: Option<u64>,
        state: &CaseState,
        seq: u64,
        hash: &str,
        query_code_sha256: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let deadline = |c: &Option<engine::clock::Clock>| c.as_ref().and_then(|c| c.deadline).map(millis);
        let level = [&state.legal, &state.promised].iter().filter_map(|c| c.as_ref().map(|c| c.level)).max();
        let concluded = state.is_concluded().then(|| millis(now));
        let remove_after = state.is_concluded().then(|| millis(now + self.retention));
        let due = super::queue::next_due(state).map(millis);
        let values: Vec<sea_orm::Value> = vec![
            state.id.clone().into(),
            i64::try_from(seq).unwrap_or(i64::MAX).into(),
            hash.to_owned().into(),
            name_of(&state.status).into(),
            state.office.clone().into(),
            state.applicant.clone().into(),
            name_of(&level.unwrap_or_default()).into(),
            state.received_at.map(millis).into(),
            state.accepted_at.map(millis).into(),
            concluded.into(),
            deadline(&state.legal).into(),
            deadline(&state.promised).into(),
            state.outcome.map(|o| name_of(&o)).into(),
            body.into(),
            millis(now).into(),
            service.spec.code.clone().into(),
            i64::from(service.spec.version).into(),
            i64::try_from(previous_seq.unwrap_or(0)).unwrap_or(i64::MAX).into(),
            remove_after.into(),
            due.into(),
        ];
        if previous_seq.is_none() {
            let sql = "INSERT INTO cases (id, seq, last_hash, status, office, applicant, level, received_at, accepted_at, \
                       concluded_at, legal_deadline, promised_deadline, outcome, state, updated_at, service_code, \
                       service_version, query_code_sha256, due_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
            let mut values = values;
            values.truncate(17);
            values.push(query_code_sha256.into());
            values.push(due.into());
            match w.push(sql, values).await {
                Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict),
                other => other?,
            }
            return self.write_keys(w, service, state).await;
        }
        // Only the primary key in the WHERE clause: a generic plan must never pick another
        // index (with the service code here PostgreSQL once scanned every case of the
        // service per update).
        let sql = "UPDATE cases SET seq = $2, last_hash = $3, status = $4, office = $5, applicant = $6, level = $7, \
                   received_at = $8, accepted_at = $9, concluded_at = COALESCE(concluded_at, $10), \
                   remove_after = COALESCE(remove_after, $17), \
                   legal_deadline = $11, promised_deadline = $12, outcome = $13, state = $14, updated_at = $15, \
                   due_at = $18 WHERE id = $1 AND seq = $16";
        let mut values = values;
        values.drain(15..17);
        if self.is_postgres() {
            if w.now(sql, values).await?.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
        } else {
            // Queued: on SQLite the command read the case under the write lock, so its
            // version cannot have moved; were it ever stale, the events' key (case, seq)
            // would refuse the append and the command roll back as a conflict.
            w.push(sql, values).await?;
        }
        if let Some(at) = remove_after {
            // The whole record goes together when its time comes.
            let values = vec![state.id.clone().into(), at.into()];
            w.push("UPDATE events SET remove_after = $2 WHERE case_id = $1 AND remove_after IS NULL", values).await?;
        }
        Ok(())
    }
}
