//! Reading cases and their record back.

use engine::case::CaseState;
use engine::chain::Recorded;

use super::sql::{all, instant};
use super::{Store, StoreError};

impl Store {
    /// A case as its projection stands.
    ///
    /// # Errors
    /// A database error, or an unreadable row.
    pub async fn case(&self, case_id: &str) -> Result<Option<CaseState>, StoreError> {
        Ok(self.load(&self.db, case_id, false).await?.map(|l| l.state))
    }

    /// A case's events in order, as stored (for replay and chain verification).
    ///
    /// # Errors
    /// A database error, or an event that no longer parses (reported, not skipped).
    pub async fn events(&self, case_id: &str) -> Result<Vec<Recorded>, StoreError> {
        let rows = all(
            &self.db,
            "SELECT seq, body, at, actor, prev_hash, hash FROM events WHERE case_id = $1 ORDER BY seq",
            vec![case_id.to_owned().into()],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let seq: i64 = row.try_get("", "seq")?;
            let body: String = row.try_get("", "body")?;
            let event = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("case {case_id} event {seq}: {e}")))?;
            out.push(Recorded {
                case_id: case_id.to_owned(),
                sequence: u64::try_from(seq).unwrap_or_default(),
                at: instant(row.try_get("", "at")?),
                actor: row.try_get("", "actor")?,
                event,
                previous: row.try_get("", "prev_hash")?,
                hash: row.try_get("", "hash")?,
            });
        }
        Ok(out)
    }
}
