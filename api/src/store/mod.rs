//! The durable store: cases, their hash-chained events, tasks, timers and outbox rows in
//! SQLite (the embedded default) or PostgreSQL, through sea-orm.
//!
//! One command is one transaction ([`Store::execute`]): load the case with its version,
//! decide, append the sealed events, update the projection, tasks, timers and outbox, and
//! commit. Two writers on one case: the second fails with [`StoreError::Conflict`], never a
//! lost update (the version check on `cases.seq` and the primary key on `(case_id, seq)`).

mod calendar;
mod certificates;
mod changes;
mod command;
mod credit;
mod facts;
mod figures;
mod files;
mod group;
mod idempotency;
mod lists;
mod notices;
mod open;
mod queue;
mod read;
mod report;
mod retention;
mod rows;
pub mod search;
mod services;
mod slots;
pub mod sql;
pub mod sync;
mod writes;

use std::collections::HashMap;
use std::sync::Arc;

use engine::case::EngineError;
use engine::{Calendar, Service};
use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use tokio::sync::Notify;

pub use calendar::Recomputed;
pub use certificates::{Certificate, CertificateKey};
pub use changes::Change;
pub use command::{Applied, Guard, Request, Visible};
pub use credit::CreditRecord;
pub use facts::CASE_FACT_COLUMNS;
pub use figures::ServiceFigures;
pub use files::{ACCEPTED_TYPES, MAX_FILE, StoredFile, UploadError};
pub use idempotency::query_code_hash;
pub use lists::{LateCase, MAX_EXPORT_ROWS};
pub use notices::PublicNotice;
pub use open::Settings;
pub use queue::{INTAKE_STEP, INTAKE_TASK, QueueCursor, QueueFilter, QueueItem};
pub use read::StoredCase;
pub use report::{ReportFilter, days};
pub use retention::Purged;
pub use search::{CaseOrder, CaseSearch, Found};
pub use slots::{NewSlot, Slot};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine refused the command (its code tells the client why).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Another command changed the case first; re-read and try again.
    #[error("the case was changed by someone else; reload and retry")]
    Conflict,
    /// No such case.
    #[error("no case {0}")]
    CaseNotFound(String),
    /// No published service with this code (and version).
    #[error("no published service {0}")]
    UnknownService(String),
    /// A definition could not be published.
    #[error("{0}")]
    Publish(String),
    /// A stored row the store cannot read back (never shown to clients).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The store cannot take commands now (its writer stopped, the database is gone).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The database failed (never shown to clients).
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Published services by (code, version).
type Published = HashMap<(String, u32), Arc<Service>>;

/// The store and what commands need besides the database: the published services, the
/// calendar, and the bells that wake the timer and outbox loops early.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    backend: DbBackend,
    services: Arc<std::sync::RwLock<Published>>,
    calendar: Arc<std::sync::RwLock<Arc<Calendar>>>,
    /// Digest of the stored notices the calendar was built from.
    calendar_fingerprint: Arc<std::sync::Mutex<String>>,
    /// SQLite only: writers queue here, in order, rather than spinning on SQLite's busy
    /// lock (the database takes one writer at a time anyway).
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    /// SQLite only: the group-commit writer's queue.
    writer: Option<tokio::sync::mpsc::Sender<group::Job>>,
    /// How long a concluded case's record is kept before [`Store::purge`] removes it.
    pub retention: chrono::Duration,
    /// Rung when a timer is written that is due before [`Store::timers_wake_at`], so the
    /// scheduler can sleep less.
    pub timers_bell: Arc<Notify>,
    /// When the scheduler will look at the timers anyway (milliseconds since the epoch;
    /// `i64::MAX` while it is not asleep or has nothing to wait for). A timer due later
    /// does not wake it: under load, every command sets timers, and a scheduler pass per
    /// commit would take the write lock from the commands for nothing.
    pub timers_wake_at: Arc<std::sync::atomic::AtomicI64>,
    /// Rung when an outbox row is written.
    pub outbox_bell: Arc<Notify>,
    /// The key certificates are signed with.
    certificate_key: certificates::CertificateKey,
    /// Where uploaded files are kept.
    files_dir: std::path::PathBuf,
    /// Committed changes, for subscriptions.
    changes: tokio::sync::broadcast::Sender<changes::Change>,
    /// This store's name in `NOTIFY` payloads (its own are already announced).
    origin: String,
    /// PostgreSQL: the task listening to other nodes, stopped with the last clone.
    listener: Option<Arc<AbortOnDrop>>,
    /// Counters for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Store {
    /// The database connection.
    #[must_use]
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Waits for this process's turn to write (SQLite); nothing to wait for on PostgreSQL.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    /// Which backend this store runs on.
    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// The work on hand for `/metrics`, from the database (every node's).
    ///
    /// # Errors
    /// The database's error.
    pub async fn backlog(&self) -> Result<crate::metrics::Backlog, StoreError> {
        let db = &self.db;
        let pairs = |rows: Vec<sea_orm::QueryResult>| -> Result<Vec<(String, i64)>, StoreError> {
            rows.iter().map(|r| Ok((r.try_get_by_index::<String>(0)?, r.try_get_by_index::<i64>(1)?))).collect()
        };
        let count = |rows: Option<sea_orm::QueryResult>| -> Result<i64, StoreError> {
            Ok(match rows {
                Some(r) => r.try_get_by_index::<i64>(0)?,
                None => 0,
            })
        };
        Ok(crate::metrics::Backlog {
            open_cases: pairs(
                sql::all(
                    db,
                    "SELECT level, COUNT(*) FROM cases WHERE concluded_at IS NULL GROUP BY level ORDER BY level",
                    vec![],
                )
                .await?,
            )?,
            open_tasks: count(sql::one(db, "SELECT COUNT(*) FROM tasks", vec![]).await?)?,
            pending_timers: count(sql::one(db, "SELECT COUNT(*) FROM timers", vec![]).await?)?,
            outbox: pairs(
                sql::all(db, "SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state", vec![]).await?,
            )?,
        })
    }

    /// The working-day calendar as it stands (notices loaded later included).
    #[must_use]
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}
