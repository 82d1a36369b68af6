//! Reading cases and their record back.

use engine::case::CaseState;
use engine::chain::Recorded;

use super::sql::{all, instant};
use super::{Store, StoreError};

/// A case with its version and the service version it runs under.
#[derive(Debug, Clone)]
pub struct StoredCase {
    /// The state.
    pub state: CaseState,
    /// Last event sequence.
    pub version: u64,
    /// The definition it runs under.
    pub service: std::sync::Arc<engine::Service>,
}

impl Store {
    /// A case with its version and definition.
    ///
    /// # Errors
    /// A database error, an unreadable row, or a service version no longer loaded.
    pub async fn stored(&self, case_id: &str) -> Result<Option<StoredCase>, StoreError> {
        let Some(l) = self.load(&self.db, case_id, false).await? else { return Ok(None) };
        let service = self.service(&l.service_code, l.service_version)?;
        Ok(Some(StoredCase { state: l.state, version: l.seq, service }))
    }

    /// The public lookup: the case whose id is `tracking_no` if `query_code` is its code.
    ///
    /// # Errors
    /// A database error, or an unreadable row.
    pub async fn lookup(&self, tracking_no: &str, query_code: &str) -> Result<Option<StoredCase>, StoreError> {
        let sql = "SELECT query_code_sha256 FROM cases WHERE id = $1";
        let Some(row) = super::sql::one(&self.db, sql, vec![tracking_no.to_owned().into()]).await? else {
            return Ok(None);
        };
        let stored: Option<String> = row.try_get("", "query_code_sha256")?;
        if stored != Some(super::query_code_hash(tracking_no, query_code)) {
            return Ok(None);
        }
        self.stored(tracking_no).await
    }

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
        match self.readable_events(case_id).await? {
            (events, None) => Ok(events),
            (_, Some(unreadable)) => Err(StoreError::Corrupt(format!("case {case_id}: {}", unreadable.reason))),
        }
    }

    /// A case's events up to the first one whose stored text no longer reads as an event
    /// (edited outside the product), and that one's sequence and why: an audit names it
    /// instead of failing.
    ///
    /// # Errors
    /// The database failed.
    pub async fn readable_events(
        &self,
        case_id: &str,
    ) -> Result<(Vec<Recorded>, Option<engine::chain::Break>), StoreError> {
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
            let event = match serde_json::from_str(&body) {
                Ok(e) => e,
                Err(e) => {
                    let sequence = u64::try_from(seq).unwrap_or_default();
                    let reason = format!("event {seq} is not a readable event: {e}");
                    return Ok((out, Some(engine::chain::Break { sequence, reason })));
                }
            };
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
        Ok((out, None))
    }
}
