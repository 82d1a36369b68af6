//! Shared set-up for the integration tests: a fresh database per test on each backend
//! (a SQLite file in a temporary directory; a new PostgreSQL database when
//! `TEST_DATABASE_URL` is set), the shipped services published, and small builders for
//! requests and forms.
//!
//! When `CI` is set, PostgreSQL is required: a missing or unreachable `TEST_DATABASE_URL`
//! fails the tests instead of skipping that backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod idp;
pub mod registry;
pub mod server;

use api::store::{Request, Settings, Store};
use chrono::{DateTime, TimeZone, Utc};
use engine::case::{Actor, Command};
use sea_orm::ConnectionTrait;

/// The shipped service definitions.
#[must_use]
pub fn services_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services")
}

/// A backend under test.
#[derive(Debug, Clone)]
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// Its fresh database.
    pub url: String,
}

/// A fresh database on every available backend.
pub async fn backends() -> Vec<Backend> {
    let dir = std::env::temp_dir().join(format!("engine-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join("test.sqlite3").display());
    let mut out = vec![Backend { name: "sqlite", url: sqlite }];
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) => out.push(Backend { name: "postgres", url: fresh_postgres(&admin).await }),
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI is set but TEST_DATABASE_URL is not"),
        Err(_) => eprintln!("TEST_DATABASE_URL not set: PostgreSQL skipped"),
    }
    out
}

/// A new, empty database on the server `admin` points at.
async fn fresh_postgres(admin: &str) -> String {
    let conn = sea_orm::Database::connect(admin).await.unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"));
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    conn.close().await.unwrap();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{name}")
}

/// Opens the store on `backend` with the shipped services published.
pub async fn open(backend: &Backend) -> Store {
    let settings = Settings {
        database_url: backend.url.clone(),
        definitions: api::definitions::Definitions::Dir(services_dir()),
        max_connections: 8,
        sqlite_full_sync: true,
        files_dir: std::env::temp_dir().join("edu-engine-test-files"),
        certificate_key: None,
    };
    Store::open(&settings).await.unwrap_or_else(|e| panic!("{}: {e}", backend.name))
}

/// An instant given in China time.
#[must_use]
pub fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    engine::calendar::china().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

/// A request on an existing case.
#[must_use]
pub fn request(case_id: &str, actor: &Actor, command: Command, now: DateTime<Utc>) -> Request {
    Request::new(case_id.to_owned(), actor.clone(), command, now)
}

/// A submission of `service` as case `case_id`.
#[must_use]
pub fn submission(
    service: &str,
    case_id: &str,
    applicant: &str,
    form: serde_json::Value,
    now: DateTime<Utc>,
) -> Request {
    let command = Command::submit(case_id.to_owned(), form, Default::default());
    Request { service: Some(service.to_owned()), ..request(case_id, &Actor::applicant(applicant), command, now) }
}

/// A shipped batch service's definition as a bureau would publish it this year: one window
/// open from 1 January to today, so a case submitted now is inside it whatever day the test
/// runs; published as version 99.
#[must_use]
pub fn with_window_open_today(file: &str) -> String {
    use chrono::Datelike;
    let shipped = std::fs::read_to_string(services_dir().join(file)).unwrap();
    let today = engine::calendar::local_date(chrono::Utc::now());
    let mut out = String::new();
    let mut in_batches = false;
    for line in shipped.lines() {
        if line == "batches:" {
            in_batches = true;
            let (m, d) = (today.month(), today.day());
            out.push_str(&format!("batches:\n  - {{name: 本年度, opens: \"01-01\", closes: \"{m:02}-{d:02}\"}}\n"));
            continue;
        }
        in_batches &= line.starts_with("  ");
        if line.starts_with("version:") {
            out.push_str("version: 99\n");
        } else if !in_batches {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A student-transfer form (one click by the guardian; accepted on submission).
#[must_use]
pub fn transfer_form() -> serde_json::Value {
    serde_json::json!({"student_name": "李四", "student_id_card": "440524188001010014",
        "student_number": "G440524188001010014", "guardian_name": "李父", "receiving_school_code": "110105001",
        "receiving_bureau_code": "110105", "sending_school_code": "440524003", "sending_bureau_code": "440524",
        "reason": "随父母工作调动"})
}

/// The four offices of a transfer, in order, with the staff who act there.
#[must_use]
pub fn transfer_offices() -> [(&'static str, Actor); 4] {
    [
        ("receiving_school", Actor::staff("s1", "school_registrar", "110105001")),
        ("receiving_bureau", Actor::staff("b1", "bureau_registrar", "110105")),
        ("sending_school", Actor::staff("s2", "school_registrar", "440524003")),
        ("sending_bureau", Actor::staff("b2", "bureau_registrar", "440524")),
    ]
}

/// Approves the open task at `step` of a case in the store.
pub async fn approve(store: &Store, case_id: &str, step: &str, actor: &Actor, now: DateTime<Utc>) {
    let state = store.case(case_id).await.unwrap().unwrap();
    let task = state.tasks.values().find(|t| t.step == step).unwrap_or_else(|| panic!("no task at {step}")).id;
    let command = Command::CompleteTask { task, action: "approve".into(), data: serde_json::Map::new() };
    store.execute(&request(case_id, actor, command, now)).await.unwrap_or_else(|e| panic!("{step}: {e}"));
}

/// A benchmark's setting from the environment (`name`), or `default`.
#[must_use]
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The latency at share `p` (0 to 1) of `sorted`, which must not be empty.
#[must_use]
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}
