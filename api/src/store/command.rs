//! One command, one transaction: load the case with its version, decide, append the sealed
//! events, project, sync tasks, timers and outbox, record the idempotency key, commit.

use chrono::{DateTime, Utc};
use engine::case::{Actor, CaseState, Command, Context, EngineError, decide_and_apply};
use engine::chain::{Recorded, seal};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, IsolationLevel, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde::Serialize;
use std::sync::Arc;

use super::sql::{is_unique_violation, is_version_conflict, one};
use super::writes::Writes;
use super::{Store, StoreError};

/// Whether the caller may act on a case at all, asked of the case as loaded for the command
/// (so a command costs one read of the case, not one to check and one to act). A case the
/// guard turns down reads as [`StoreError::CaseNotFound`].
#[derive(Clone)]
pub struct Guard(pub Arc<Visible>);

/// The question a [`Guard`] asks: may the caller act on this case under this definition?
pub type Visible = dyn Fn(&CaseState, &engine::Service) -> bool + Send + Sync;

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guard")
    }
}

/// A command for the store to carry out.
#[derive(Debug, Clone)]
pub struct Request {
    /// The case (for `SubmitCase`, the new case's id, as in the command).
    pub case_id: String,
    /// Service code, for `SubmitCase` only: the case runs under its newest version.
    pub service: Option<String>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub command: Command,
    /// A client's key for a creating command: the same key twice gives the first result.
    pub idempotency_key: Option<String>,
    /// For `SubmitCase`: the query code given to the applicant for the public status
    /// lookup. The case keeps its SHA-256; the idempotency record keeps the code itself (for
    /// 30 days) so a retried submission can tell it again.
    pub query_code: Option<String>,
    /// Further commands of the same caller on the same case, decided in order after
    /// `command` in the same transaction (a backlog of a case's due timers fires at once).
    /// A `FireTimer` whose timer an earlier command already removed is skipped.
    pub then: Vec<Command>,
    /// The case version the client saw; when it is no longer current the command fails with
    /// a conflict instead of acting on a case the client has not seen.
    pub expected_seq: Option<u64>,
    /// Who may act on an existing case; `None` for the runtime's own commands.
    pub guard: Option<Guard>,
    /// When.
    pub now: DateTime<Utc>,
}

impl Request {
    /// A command on an existing case, with nothing optional set.
    #[must_use]
    pub fn new(case_id: impl Into<String>, actor: Actor, command: Command, now: DateTime<Utc>) -> Self {
        Self {
            case_id: case_id.into(),
            service: None,
            actor,
            command,
            idempotency_key: None,
            query_code: None,
            then: Vec::new(),
            expected_seq: None,
            guard: None,
            now,
        }
    }
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The case.
    pub case_id: String,
    /// Its version (last event sequence) after the command.
    pub seq: u64,
    /// The events appended (empty when an idempotency key repeated an earlier command).
    pub events: Vec<Recorded>,
    /// The case after the command.
    pub state: CaseState,
    /// The definition it runs under.
    pub service: Arc<engine::Service>,
    /// Whether this result repeats an earlier command with the same idempotency key.
    pub repeated: bool,
    /// The query code of a submission (also when repeated).
    pub query_code: Option<String>,
}

/// What [`Store::plan`] decided.
pub(super) enum Planned {
    /// Nothing to write: a repeated idempotency key, or commands that changed nothing.
    Done(Box<Applied>),
    /// Events to append and rows to write.
    Write(Box<Pending>),
}

/// A decided command's writes.
pub(super) struct Pending {
    service: Arc<engine::Service>,
    previous_seq: Option<u64>,
    before: CaseState,
    after: CaseState,
    records: Vec<Recorded>,
    now: DateTime<Utc>,
}

/// A stored case as loaded for a command.
pub(super) struct Loaded {
    pub seq: u64,
    pub last_hash: String,
    pub state: CaseState,
    pub service_code: String,
    pub service_version: u32,
}

/// The snake_case name serde gives an enum value (internally tagged by `event` or `effect`,
/// or externally tagged).
pub(super) fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => {
            let tag = ["event", "effect"].iter().find_map(|t| m.get(*t).and_then(|v| v.as_str()));
            tag.map(str::to_owned).unwrap_or_else(|| m.keys().cloned().collect())
        }
        _ => String::new(),
    }
}

impl Store {
    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`, taking the write lock
    /// at once so two writers queue instead of failing halfway.
    pub(super) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = if self.is_postgres() {
            TransactionOptions {
                isolation_level: Some(IsolationLevel::ReadCommitted),
                access_mode: Some(AccessMode::ReadWrite),
                sqlite_transaction_mode: None,
            }
        } else {
            TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            }
        };
        Ok(self.db.begin_with_options(options).await?)
    }

    /// Carries out one command in one transaction.
    ///
    /// # Errors
    /// The engine's refusal, [`StoreError::Conflict`] when another writer got there first,
    /// [`StoreError::CaseNotFound`], or a database error. Nothing is written on error.
    pub async fn execute(&self, request: &Request) -> Result<Applied, StoreError> {
        use crate::metrics::CommandOutcome as O;
        let started = std::time::Instant::now();
        let result = self.execute_once(request).await;
        let outcome = match &result {
            Ok(_) => O::Applied,
            Err(StoreError::Engine(_) | StoreError::CaseNotFound(_) | StoreError::UnknownService(_)) => O::Refused,
            Err(StoreError::Conflict) => O::Conflict,
            Err(_) => O::Failed,
        };
        self.metrics.command(outcome, started.elapsed());
        result
    }

    async fn execute_once(&self, request: &Request) -> Result<Applied, StoreError> {
        if let Some(writer) = &self.writer {
            // SQLite: group commit through the one writer.
            let (reply, answer) = tokio::sync::oneshot::channel();
            let job = super::group::Job { request: request.clone(), reply };
            writer.send(job).await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
            return answer.await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
        }
        self.execute_alone(request).await
    }

    /// One command in a transaction of its own.
    pub(super) async fn execute_alone(&self, request: &Request) -> Result<Applied, StoreError> {
        let txn = self.begin_write().await?;
        match self.execute_in(&txn, request).await {
            Ok(applied) => {
                txn.commit()
                    .await
                    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict } else { e.into() })?;
                self.ring_bells(&applied);
                Ok(applied)
            }
            Err(e) => {
                // A failed rollback leaves nothing behind either: the transaction dies with
                // its connection.
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }

    /// After commit: wakes the timer and outbox loops when the command wrote their rows,
    /// and tells subscribers.
    pub(super) fn ring_bells(&self, applied: &Applied) {
        self.announce(applied);
        let wake_at = self.timers_wake_at.load(std::sync::atomic::Ordering::Acquire);
        let sooner = |r: &Recorded| match &r.event {
            engine::case::Event::TimerSet { timer } => super::sql::millis(timer.due) < wake_at,
            _ => false,
        };
        if applied.events.iter().any(sooner) {
            self.timers_bell.notify_waiters();
        }
        if applied.events.iter().any(|r| matches!(r.event, engine::case::Event::EffectRequested { .. })) {
            self.outbox_bell.notify_waiters();
        }
    }

    /// The case as stored; `for_update` takes the row lock (PostgreSQL) so writers on one
    /// case queue instead of deciding on the same version.
    pub(super) async fn load(
        &self,
        db: &impl ConnectionTrait,
        case_id: &str,
        for_update: bool,
    ) -> Result<Option<Loaded>, StoreError> {
        let lock = if for_update && self.is_postgres() { " FOR UPDATE" } else { "" };
        let sql = format!("SELECT seq, last_hash, state, service_code, service_version FROM cases WHERE id = $1{lock}");
        let Some(row) = one(db, &sql, vec![case_id.to_owned().into()]).await? else { return Ok(None) };
        let state: String = row.try_get("", "state")?;
        let state = serde_json::from_str(&state).map_err(|e| StoreError::Corrupt(format!("case {case_id}: {e}")))?;
        Ok(Some(Loaded {
            seq: u64::try_from(row.try_get::<i64>("", "seq")?).unwrap_or_default(),
            last_hash: row.try_get("", "last_hash")?,
            state,
            service_code: row.try_get("", "service_code")?,
            service_version: u32::try_from(row.try_get::<i32>("", "service_version")?).unwrap_or_default(),
        }))
    }

    /// Carries out `request` inside `txn`: [`Store::plan`], then [`Store::write`].
    pub(super) async fn execute_in(&self, txn: &DatabaseTransaction, request: &Request) -> Result<Applied, StoreError> {
        match self.plan(txn, request).await? {
            Planned::Done(applied) => Ok(*applied),
            Planned::Write(pending) => self.write(txn, request, *pending).await,
        }
    }

    /// Reads and decides, writing nothing: an error here leaves the transaction as it was,
    /// so a group of commands needs no savepoint to refuse one of them.
    pub(super) async fn plan(&self, txn: &DatabaseTransaction, request: &Request) -> Result<Planned, StoreError> {
        // Instants are stored to the millisecond; deciding on a finer `now` would seal
        // hashes over a time the record cannot give back.
        let now = chrono::SubsecRound::trunc_subsecs(request.now, 3);
        if let Some(key) = &request.idempotency_key
            && let Some(applied) = self.repeated(txn, &request.actor.user, key).await?
        {
            return Ok(Planned::Done(Box::new(applied)));
        }
        let loaded = self.load(txn, &request.case_id, true).await?;
        let creating = matches!(request.command, Command::SubmitCase { .. });
        let (service, before, last) = match (&loaded, creating) {
            (Some(_), true) => return Err(StoreError::Conflict),
            (None, false) => return Err(StoreError::CaseNotFound(request.case_id.clone())),
            (None, true) => {
                let code = request.service.as_deref().ok_or_else(|| StoreError::UnknownService(String::new()))?;
                (self.latest(code)?, CaseState::default(), None)
            }
            (Some(l), false) => {
                let service = self.service(&l.service_code, l.service_version)?;
                if request.guard.as_ref().is_some_and(|g| !(g.0)(&l.state, &service)) {
                    return Err(StoreError::CaseNotFound(request.case_id.clone()));
                }
                (service, l.state.clone(), Some((l.seq, l.last_hash.as_str())))
            }
        };
        if let Some(expected) = request.expected_seq
            && expected != last.map_or(0, |(s, _)| s)
        {
            return Err(StoreError::Conflict);
        }
        let calendar = self.calendar();
        let ctx = Context { now, calendar: &calendar, actor: &request.actor };
        let (mut events, mut after) = (Vec::new(), before.clone());
        let mut skipped = None;
        for command in std::iter::once(&request.command).chain(&request.then) {
            match decide_and_apply(&service, &after, command, &ctx) {
                Ok((more, next)) => {
                    events.extend(more);
                    after = next;
                }
                Err(e @ EngineError::TimerNotPending(_)) if matches!(command, Command::FireTimer { .. }) => {
                    skipped.get_or_insert(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let (true, Some(e)) = (events.is_empty(), skipped) {
            return Err(e.into());
        }
        // A booking with no place left is refused here, before anything is written, so a
        // group of commands on SQLite goes on without it; the conditional update in `sync`
        // still guards the place against a concurrent writer on PostgreSQL.
        for e in &events {
            if let engine::case::Event::VisitBooked { booking } = e {
                self.has_place(txn, &booking.slot).await?;
            }
        }
        let records = seal(&request.case_id, last, now, &request.actor.user, events);
        if records.is_empty() {
            return Ok(Planned::Done(Box::new(Applied {
                case_id: request.case_id.clone(),
                seq: last.map_or(0, |(s, _)| s),
                events: records,
                state: after,
                service,
                repeated: false,
                query_code: None,
            })));
        }
        let previous_seq = loaded.map(|l| l.seq);
        Ok(Planned::Write(Box::new(Pending { service, previous_seq, before, after, records, now })))
    }

    /// Writes what [`Store::plan`] decided: the case row, its events, the query tables.
    pub(super) async fn write(
        &self,
        txn: &DatabaseTransaction,
        request: &Request,
        pending: Pending,
    ) -> Result<Applied, StoreError> {
        let Pending { service, previous_seq, before, after, records, now } = pending;
        let Some(newest) = records.last() else { return Err(StoreError::Corrupt("nothing to write".into())) };
        let (seq, hash) = (newest.sequence, newest.hash.clone());
        let query_code = match (previous_seq, &request.query_code) {
            (None, Some(code)) => Some(super::query_code_hash(&request.case_id, code)),
            _ => None,
        };
        let mut w = Writes::new(txn);
        self.project(&mut w, &service, previous_seq, &after, seq, &hash, query_code, now).await?;
        self.append(&mut w, &records).await?;
        self.sync(&mut w, &service, &request.case_id, &before, &after, &records, &request.command, now).await?;
        if let Some(key) = &request.idempotency_key {
            self.remember(&mut w, request, key, seq, now).await?;
        }
        let applied = Applied {
            case_id: request.case_id.clone(),
            seq,
            events: records,
            state: after,
            service,
            repeated: false,
            query_code: request.query_code.clone(),
        };
        self.notify_nodes(&mut w, &applied).await?;
        w.flush().await.map_err(|e| if is_version_conflict(&e) { StoreError::Conflict } else { e.into() })?;
        Ok(applied)
    }
}
