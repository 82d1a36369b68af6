//! The outbox deliverer: after commit, side effects (notifications, registry sync,
//! certificate publication) are POSTed to the endpoint configured for their kind, with the
//! row's idempotency key in an `Idempotency-Key` header, retried with exponential backoff.
//! An acknowledgement settles the effect on the case (a transfer concludes only when both
//! registries acknowledged); a message that keeps failing settles as failed, which the
//! engine records as an incident clerks see on the case.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use engine::case::{Actor, Command};

use super::LEASE;
use crate::store::sql::{all, exec, instant, millis, one};
use crate::store::{Request, Store, StoreError};

/// Where each kind of effect goes.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// URL per effect kind (`notify`, `sync_registry`, `issue_certificate`); `*` for any.
    pub by_kind: HashMap<String, String>,
}

impl Endpoints {
    fn for_kind(&self, kind: &str) -> Option<&str> {
        self.by_kind.get(kind).or_else(|| self.by_kind.get("*")).map(String::as_str)
    }
}

/// One node's deliverer.
#[derive(Clone)]
pub struct Deliverer {
    store: Store,
    node: String,
    endpoints: Endpoints,
    client: reqwest::Client,
    /// Attempts before a message is given up as an incident.
    pub max_attempts: u32,
    /// The first retry's delay; each later one doubles it, up to an hour.
    pub first_backoff: Duration,
    /// How long a claim holds (default [`LEASE`]).
    pub lease: Duration,
}

/// A claimed message.
struct Message {
    key: String,
    case_id: String,
    effect: u32,
    kind: String,
    payload: String,
    attempts: u32,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Delivered and settled.
    pub delivered: usize,
    /// Failed this time; retried later.
    pub retried: usize,
    /// Failed for good: now incidents on their cases.
    pub given_up: usize,
}

impl Deliverer {
    /// A deliverer for `node`.
    #[must_use]
    pub fn new(store: Store, node: &str, endpoints: Endpoints) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self {
            store,
            node: node.to_owned(),
            endpoints,
            client,
            max_attempts: 8,
            first_backoff: Duration::from_secs(2),
            lease: LEASE,
        }
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<Message>, StoreError> {
        let skip = if self.store.is_postgres() { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE idempotency_key IN \
             (SELECT idempotency_key FROM outbox WHERE state = 'pending' AND next_attempt_at <= $3 \
             AND lease_until <= $3 ORDER BY next_attempt_at LIMIT 100{skip}) \
             RETURNING idempotency_key, case_id, effect_id, kind, payload, attempts"
        );
        let lease_until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let values = vec![self.node.clone().into(), millis(lease_until).into(), millis(now).into()];
        // SQLite: in turn with this process's other writers, not against them in the busy
        // handler's sleeps.
        let rows = {
            let _turn = self.store.write_turn().await;
            all(self.store.db(), &sql, values).await?
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Message {
                key: r.try_get("", "idempotency_key")?,
                case_id: r.try_get("", "case_id")?,
                effect: u32::try_from(r.try_get::<i32>("", "effect_id")?).unwrap_or_default(),
                kind: r.try_get("", "kind")?,
                payload: r.try_get("", "payload")?,
                attempts: u32::try_from(r.try_get::<i32>("", "attempts")?).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Delivers every message due at `now`.
    ///
    /// # Errors
    /// The database failed while claiming.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        for m in self.claim(now).await? {
            match self.send(&m).await {
                Ok(detail) => {
                    self.settle(&m, true, &detail, now).await?;
                    pass.delivered += 1;
                }
                Err(error) if m.attempts + 1 >= self.max_attempts => {
                    tracing::warn!(case = %m.case_id, key = %m.key, %error, "delivery given up: incident");
                    self.settle(&m, false, &error, now).await?;
                    pass.given_up += 1;
                }
                Err(error) => {
                    let backoff = self.first_backoff.saturating_mul(2u32.saturating_pow(m.attempts.min(16)));
                    let next =
                        now + chrono::Duration::from_std(backoff.min(Duration::from_secs(3600))).unwrap_or_default();
                    let _turn = self.store.write_turn().await;
                    exec(
                        self.store.db(),
                        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
                         lease_until = 0, lease_owner = NULL WHERE idempotency_key = $1 AND state = 'pending'",
                        vec![m.key.clone().into(), millis(next).into(), error.into()],
                    )
                    .await?;
                    pass.retried += 1;
                }
            }
        }
        let m = &self.store.metrics;
        m.outbox_delivered.fetch_add(pass.delivered as u64, std::sync::atomic::Ordering::Relaxed);
        m.outbox_retried.fetch_add(pass.retried as u64, std::sync::atomic::Ordering::Relaxed);
        m.outbox_given_up.fetch_add(pass.given_up as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(pass)
    }

    /// Sends one message; the receiver's answer on success, the reason on failure.
    async fn send(&self, m: &Message) -> Result<String, String> {
        let Some(url) = self.endpoints.for_kind(&m.kind) else {
            // No endpoint for this kind (a development set-up): the log is the receiver.
            tracing::info!(case = %m.case_id, kind = %m.kind, payload = %m.payload, "effect delivered to the log");
            return Ok("logged".to_owned());
        };
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("idempotency-key", &m.key)
            .body(m.payload.clone())
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let body: String = body.chars().take(500).collect();
        if status.is_success() { Ok(body) } else { Err(format!("{url}: HTTP {status}: {body}")) }
    }

    /// Settles the effect on its case; the same transaction marks the row.
    async fn settle(&self, m: &Message, delivered: bool, detail: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let request = Request::new(
            m.case_id.clone(),
            Actor::system(),
            Command::SettleEffect { effect: m.effect, delivered, detail: detail.to_owned() },
            now,
        );
        for _ in 0..3 {
            match self.store.execute(&request).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict) => {}
                Err(StoreError::Engine(e)) => {
                    // The case no longer waits for it (withdrawn, or settled already).
                    tracing::info!(case = %m.case_id, key = %m.key, reason = %e, "effect no longer awaited");
                    let _turn = self.store.write_turn().await;
                    exec(
                        self.store.db(),
                        "UPDATE outbox SET state = 'dropped', lease_owner = NULL WHERE idempotency_key = $1",
                        vec![m.key.clone().into()],
                    )
                    .await?;
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// When the next message can be sent.
    ///
    /// # Errors
    /// The database failed.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END) \
                   AS next FROM outbox WHERE state = 'pending'";
        let row = one(self.store.db(), sql, vec![]).await?;
        Ok(row.and_then(|r| r.try_get::<Option<i64>>("", "next").ok().flatten()).map(instant))
    }

    /// Runs until `stop` is set.
    pub async fn run(self, stop: tokio::sync::watch::Receiver<bool>) {
        let bell = self.store.outbox_bell.clone();
        loop {
            if *stop.borrow() {
                return;
            }
            let notified = bell.notified();
            if let Err(e) = self.deliver_due(Utc::now()).await {
                tracing::error!(error = %e, "outbox pass failed");
            }
            let next = self.next_due().await.unwrap_or(None);
            super::wait(notified, next, stop.clone()).await;
        }
    }
}
