//! Opening the store: connect, tune SQLite for durability, run migrations, publish the
//! service definitions.

use std::sync::Arc;
use std::time::Duration;

use engine::Calendar;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DbBackend};

use super::sql::all;
use super::{Store, StoreError};
use crate::definitions::{Definitions, Source};

/// Where the store lives and what it publishes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://path?mode=rwc` or `postgres://...`.
    pub database_url: String,
    /// The service definitions published at start-up.
    pub definitions: Definitions,
    /// Pool size (SQLite writes are serialized by the database anyway).
    pub max_connections: u32,
    /// SQLite only: fsync every commit (`FULL`, the default) or only at checkpoints
    /// (`NORMAL`: a power cut may lose the last commits; a killed process loses nothing).
    pub sqlite_full_sync: bool,
    /// Where uploaded files are kept, content-addressed.
    pub files_dir: std::path::PathBuf,
    /// The key certificates are signed with; a fresh one for this process when absent.
    pub certificate_key: Option<super::CertificateKey>,
}

impl Settings {
    /// The embedded default: a SQLite file under `data_dir`, created on first start.
    #[must_use]
    pub fn sqlite(data_dir: &std::path::Path, definitions: Definitions) -> Self {
        let path = data_dir.join("engine.sqlite3");
        Self {
            database_url: format!("sqlite://{}?mode=rwc", path.display()),
            definitions,
            max_connections: 4,
            sqlite_full_sync: true,
            files_dir: data_dir.join("files"),
            certificate_key: None,
        }
    }
}

impl Settings {
    /// From the environment: `DATABASE_URL` (default: the SQLite file under `./data`) and
    /// `SERVICES_DIR` (default: the shipped definitions).
    #[must_use]
    pub fn from_env() -> Self {
        let definitions = std::env::var_os("SERVICES_DIR").map_or(Definitions::Shipped, |d| Definitions::Dir(d.into()));
        let mut settings = Self::sqlite(std::path::Path::new("data"), definitions);
        if let Ok(url) = std::env::var("DATABASE_URL") {
            settings.database_url = url;
        }
        settings
    }
}

impl Store {
    /// Reads the definitions (a folder that cannot be read fails before any database is
    /// touched), connects, migrates and publishes them.
    ///
    /// SQLite runs in WAL mode with `synchronous=FULL`: every acknowledged commit is on disk
    /// before the client hears of it, even across a power cut, at the price of one fsync
    /// per command (see README, "Durability").
    ///
    /// # Errors
    /// The database cannot be reached or migrated, or a definition cannot be published.
    pub async fn open(settings: &Settings) -> Result<Self, StoreError> {
        let definitions = settings.definitions.sources().map_err(StoreError::Publish)?;
        if let Some(path) = settings.database_url.strip_prefix("sqlite://") {
            let file = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Publish(format!("{}: {e}", dir.display())))?;
            }
        }
        let sync = if settings.sqlite_full_sync { SqliteSynchronous::Full } else { SqliteSynchronous::Normal };
        let mut options = ConnectOptions::new(settings.database_url.clone());
        options
            .max_connections(settings.max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(sync)
                    .busy_timeout(Duration::from_secs(10))
                    // Pages from memory, not a read() per page: a 256 MiB map, 64 MiB cache.
                    .pragma("mmap_size", "268435456")
                    .pragma("cache_size", "-65536")
                    .foreign_keys(true)
            });
        let db = Database::connect(options).await?;
        Migrator::up(&db, None).await?;
        let sqlite = db.get_database_backend() == DbBackend::Sqlite;
        let certificate_key = match &settings.certificate_key {
            Some(key) => key.clone(),
            None => {
                tracing::warn!(
                    "no certificate signing key given: certificates are signed with a key of this process only"
                );
                super::CertificateKey::generate().map_err(StoreError::Publish)?
            }
        };
        let mut store = Self {
            certificate_key,
            files_dir: settings.files_dir.clone(),
            changes: tokio::sync::broadcast::channel(4096).0,
            origin: uuid::Uuid::now_v7().simple().to_string(),
            listener: None,
            backend: db.get_database_backend(),
            db,
            services: Arc::default(),
            calendar: Arc::new(std::sync::RwLock::new(Arc::new(Calendar::china_official()))),
            calendar_fingerprint: Arc::default(),
            write_gate: sqlite.then(Arc::default),
            writer: None,
            // 30 years: the archive term for licensing files (local practice, configurable).
            retention: chrono::Duration::days(30 * 365),
            timers_bell: Arc::default(),
            timers_wake_at: Arc::new(std::sync::atomic::AtomicI64::new(i64::MAX)),
            outbox_bell: Arc::default(),
            metrics: Arc::default(),
        };
        if sqlite {
            store.writer = Some(super::group::start(store.clone()));
        }
        store.listener = store.listen_to_nodes().map(|task| Arc::new(super::AbortOnDrop(task)));
        store.publish_all(&definitions).await?;
        store.reload_calendar().await?;
        let keyed = store.key_pending_cases().await?;
        if keyed > 0 {
            tracing::info!(cases = keyed, "wrote the search keys of cases stored before case search");
        }
        Ok(store)
    }

    /// Publishes each definition (the same text again is a no-op), then loads every version
    /// published before: the older ones running cases keep, and those published through the
    /// API.
    async fn publish_all(&self, definitions: &[Source]) -> Result<(), StoreError> {
        let now = chrono::Utc::now();
        for d in definitions {
            self.publish(&d.name, &d.text, now).await?;
        }
        let rows = all(&self.db, "SELECT code, version, source FROM services", vec![]).await?;
        let mut services = Vec::new();
        for row in rows {
            let code: String = row.try_get("", "code")?;
            let version = u32::try_from(row.try_get::<i32>("", "version")?).unwrap_or_default();
            let source: String = row.try_get("", "source")?;
            services.push((code, version, source));
        }
        let mut published = self.services.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (code, version, source) in services {
            if published.contains_key(&(code.clone(), version)) {
                continue;
            }
            let service = engine::Service::from_yaml(&code, &source).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            published.insert((code, version), Arc::new(service));
        }
        Ok(())
    }

    /// Whether this store runs on PostgreSQL.
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }
}
