//! The SLA timer scheduler: claims due timers under a lease (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so nodes never wait on each other's rows) and fires each as a `FireTimer`
//! command, whose transaction also removes the timer row. A timer fires once: a second
//! node holding a stale claim finds the timer gone from the case and drops its row.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use engine::case::{Actor, Command, EngineError, Event};

use super::LEASE;
use crate::store::sql::{all, exec, instant, millis, one};
use crate::store::{Request, Store, StoreError};

/// One node's scheduler.
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    node: String,
    /// Timers claimed at once. Large: each claim's index scan walks past the rows earlier
    /// claims deleted (until vacuum), so fewer, bigger claims cost less.
    pub batch: i64,
    /// Cases fired at once (each case's timers in order).
    pub parallel: usize,
    /// How long a claim holds (default [`LEASE`]).
    pub lease: std::time::Duration,
}

fn add(pass: &mut Pass, done: Result<Pass, tokio::task::JoinError>) {
    match done {
        Ok(p) => {
            pass.fired += p.fired;
            pass.stale += p.stale;
            pass.failed += p.failed;
        }
        Err(e) => {
            pass.failed += 1;
            tracing::error!(error = %e, "timer worker died");
        }
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Timers fired.
    pub fired: usize,
    /// Claimed timers that had already fired or been cancelled elsewhere.
    pub stale: usize,
    /// Timers that failed and will be retried when their lease runs out.
    pub failed: usize,
}

impl Scheduler {
    /// A scheduler for `node` (any name unique among the running nodes).
    #[must_use]
    pub fn new(store: Store, node: &str) -> Self {
        // PostgreSQL: workers on separate connections. SQLite: enough in flight to fill the
        // writer's commit groups.
        let parallel = if store.is_postgres() { 8 } else { 64 };
        Self { store, node: node.to_owned(), batch: 2000, parallel, lease: LEASE }
    }

    /// Claims up to one batch of timers due at `now`.
    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<(String, i64, u32)>, StoreError> {
        let skip = if self.store.is_postgres() { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE timers SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE (case_id, timer_id) IN (SELECT case_id, timer_id FROM timers \
             WHERE due_at <= $3 AND lease_until <= $3 ORDER BY due_at LIMIT $4{skip}) \
             RETURNING case_id, timer_id, due_at"
        );
        let lease_until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let values = vec![self.node.clone().into(), millis(lease_until).into(), millis(now).into(), self.batch.into()];
        let rows = {
            let _turn = self.store.write_turn().await;
            all(self.store.db(), &sql, values).await?
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let timer = u32::try_from(row.try_get::<i32>("", "timer_id")?).unwrap_or_default();
            out.push((row.try_get::<String>("", "case_id")?, row.try_get::<i64>("", "due_at")?, timer));
        }
        Ok(out)
    }

    /// Fires every timer due at `now`, batch after batch.
    ///
    /// # Errors
    /// The database failed while claiming.
    pub async fn fire_due(&self, now: DateTime<Utc>) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        loop {
            let claimed = self.claim(now).await?;
            let full = claimed.len() as i64 == self.batch;
            // One worker per case (a case's timers fire in due order), cases in parallel.
            let mut claimed = claimed;
            claimed.sort_unstable();
            let mut by_case: std::collections::BTreeMap<String, Vec<u32>> = std::collections::BTreeMap::new();
            for (case_id, _due, timer) in claimed {
                by_case.entry(case_id).or_default().push(timer);
            }
            let mut workers = tokio::task::JoinSet::new();
            for (case_id, timers) in by_case {
                if workers.len() >= self.parallel
                    && let Some(done) = workers.join_next().await
                {
                    add(&mut pass, done);
                }
                let me = self.clone();
                workers.spawn(async move {
                    let mut part = Pass::default();
                    match me.fire(&case_id, &timers, now).await {
                        Ok(fired) => {
                            part.fired += fired;
                            part.stale += timers.len() - fired;
                        }
                        Err(e) => {
                            part.failed += timers.len();
                            tracing::error!(case = %case_id, ?timers, error = %e, "timers failed; retried after their lease");
                        }
                    }
                    part
                });
            }
            while let Some(done) = workers.join_next().await {
                add(&mut pass, done);
            }
            if !full {
                self.store.metrics.timers_fired.fetch_add(pass.fired as u64, std::sync::atomic::Ordering::Relaxed);
                return Ok(pass);
            }
        }
    }

    /// Fires a case's claimed timers (in due order) in one transaction; returns how many
    /// fired. Rows of timers no longer pending (fired elsewhere, or cancelled by an earlier
    /// one) are dropped.
    async fn fire(&self, case_id: &str, timers: &[u32], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut commands = timers.iter().map(|t| Command::FireTimer { timer: *t });
        let Some(first) = commands.next() else { return Ok(0) };
        let request =
            Request { then: commands.collect(), ..Request::new(case_id.to_owned(), Actor::system(), first, now) };
        // Firing is safe to re-decide: on a conflict, decide again on the new state.
        let mut outcome = Err(StoreError::Conflict);
        for _ in 0..3 {
            outcome = self.store.execute(&request).await;
            if !matches!(outcome, Err(StoreError::Conflict)) {
                break;
            }
        }
        let fired: Vec<u32> = match outcome {
            Ok(applied) => applied
                .events
                .iter()
                .filter_map(|r| match r.event {
                    Event::TimerFired { timer } => Some(timer),
                    _ => None,
                })
                .collect(),
            Err(StoreError::Engine(EngineError::TimerNotPending(_)) | StoreError::CaseNotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        let stale: Vec<u32> = timers.iter().copied().filter(|t| !fired.contains(t)).collect();
        for timer in &stale {
            let _turn = self.store.write_turn().await;
            exec(
                self.store.db(),
                "DELETE FROM timers WHERE case_id = $1 AND timer_id = $2 AND lease_owner = $3",
                vec![case_id.to_owned().into(), i64::from(*timer).into(), self.node.clone().into()],
            )
            .await?;
        }
        Ok(fired.len())
    }

    /// When the next timer can be fired: its due time, or when the lease on it runs out.
    ///
    /// # Errors
    /// The database failed.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = one(
            self.store.db(),
            "SELECT MIN(CASE WHEN lease_until > due_at THEN lease_until ELSE due_at END) AS next FROM timers",
            vec![],
        )
        .await?;
        Ok(row.and_then(|r| r.try_get::<Option<i64>>("", "next").ok().flatten()).map(instant))
    }

    /// Runs until `stop` is set: fire what is due, sleep until the next due timer or the
    /// bell.
    pub async fn run(self, stop: tokio::sync::watch::Receiver<bool>) {
        let bell = self.store.timers_bell.clone();
        loop {
            if *stop.borrow() {
                return;
            }
            // Awake: every new timer rings until the next wake-up is known.
            self.store.timers_wake_at.store(i64::MAX, Ordering::Release);
            let notified = bell.notified();
            // Another node may have loaded a calendar notice.
            if let Err(e) = self.store.refresh_calendar().await {
                tracing::error!(error = %e, "calendar refresh failed");
            }
            if let Err(e) = self.fire_due(Utc::now()).await {
                tracing::error!(error = %e, "timer pass failed");
            }
            let next = self.next_due().await.unwrap_or(None);
            // A timer committed after `next_due` read the table rang above (still MAX)
            // or, from here, rings only if it is due before `next`.
            self.store.timers_wake_at.store(next.map_or(i64::MAX, millis), Ordering::Release);
            super::wait(notified, next, stop.clone()).await;
        }
    }
}
