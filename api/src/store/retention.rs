//! Retention: a concluded case is stamped with a removal time (its record is kept for
//! [`Store::retention`]); removal is a plain delete of everything stamped before now.

use chrono::{DateTime, Utc};

use super::sql::{exec, millis};
use super::{Store, StoreError};

/// Rows removed by one purge.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Cases removed with their events, tasks, timers, materials, outbox rows and ratings.
    pub cases: u64,
    /// Idempotency keys past their time.
    pub keys: u64,
}

impl Store {
    /// Deletes every case whose removal time has passed, with all its rows, in one
    /// transaction.
    ///
    /// # Errors
    /// A database error; nothing is deleted then.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<Purged, StoreError> {
        let _turn = self.write_turn().await;
        let txn = self.begin_write().await?;
        let at = millis(now);
        let due = "SELECT id FROM cases WHERE remove_after < $1";
        for table in [
            "events",
            "tasks",
            "timers",
            "materials",
            "outbox",
            "ratings",
            "case_facts",
            "step_facts",
            "case_keys",
            "case_keys_pending",
            // A credit record (信用记录) is not in this list: it is kept under the credit
            // rules, not the case's archive term.
            "public_notices",
        ] {
            exec(&txn, &format!("DELETE FROM {table} WHERE case_id IN ({due})"), vec![at.into()]).await?;
        }
        let cases = exec(&txn, "DELETE FROM cases WHERE remove_after < $1", vec![at.into()]).await?.rows_affected();
        let keys =
            exec(&txn, "DELETE FROM idempotency_keys WHERE remove_after < $1", vec![at.into()]).await?.rows_affected();
        txn.commit().await?;
        Ok(Purged { cases, keys })
    }
}
