//! Idempotency keys: a creating command's key remembers its case (and the query code told
//! to the applicant), so the same key from the same user gets the first result again.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;

use super::command::{Applied, Request};
use super::sql::{is_unique_violation, millis, one};
use super::writes::Writes;
use super::{Store, StoreError};

/// What a case keeps of its query code: SHA-256 over case id and code, hex.
#[must_use]
pub fn query_code_hash(case_id: &str, code: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("{case_id}:{code}").as_bytes()))
}

impl Store {
    pub(super) async fn repeated(
        &self,
        txn: &DatabaseTransaction,
        actor: &str,
        key: &str,
    ) -> Result<Option<Applied>, StoreError> {
        let sql = "SELECT case_id, response FROM idempotency_keys WHERE actor = $1 AND key = $2";
        let Some(row) = one(txn, sql, vec![actor.to_owned().into(), key.to_owned().into()]).await? else {
            return Ok(None);
        };
        let case_id: String = row.try_get("", "case_id")?;
        let response: String = row.try_get("", "response")?;
        let query_code = serde_json::from_str::<serde_json::Value>(&response)
            .ok()
            .and_then(|r| r.get("query_code").and_then(|c| c.as_str()).map(str::to_owned));
        let loaded = self.load(txn, &case_id, false).await?.ok_or_else(|| StoreError::CaseNotFound(case_id.clone()))?;
        Ok(Some(Applied {
            service: self.service(&loaded.service_code, loaded.service_version)?,
            case_id,
            seq: loaded.seq,
            events: Vec::new(),
            state: loaded.state,
            repeated: true,
            query_code,
        }))
    }

    pub(super) async fn remember(
        &self,
        w: &mut Writes<'_>,
        request: &Request,
        key: &str,
        seq: u64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (actor, case_id) = (request.actor.user.as_str(), request.case_id.as_str());
        let response =
            serde_json::json!({ "case_id": case_id, "seq": seq, "query_code": request.query_code }).to_string();
        let sql = "INSERT INTO idempotency_keys (actor, key, case_id, response, created_at, remove_after) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        // Keys are kept 30 days: long past any client's retry.
        let remove_after = millis(now + chrono::Duration::days(30));
        let values = vec![
            actor.to_owned().into(),
            key.to_owned().into(),
            case_id.to_owned().into(),
            response.into(),
            millis(now).into(),
            remove_after.into(),
        ];
        match w.push(sql, values).await {
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }
}
