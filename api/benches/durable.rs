//! Durable throughput through the store, on SQLite (a fresh file) and on PostgreSQL (when
//! `BENCH_DATABASE_URL` names a server; a fresh database is made on it):
//!
//! 1. transitions/s: whole student-transfer lifecycles (submit, four approvals, two
//!    registry acknowledgements), each command one transaction, from concurrent clients;
//! 2. timers: the time to fire 100,000 due timers with one scheduler;
//! 3. timer latency: the scheduler loop running in real time, how late after its due
//!    instant each of 20 timers fires (a bench-only copy of the transfer service whose first
//!    step has a 1-hour limit, so its warning timer falls 48 minutes after submission);
//! 4. acquisition: one scheduler pass with nothing due, over an empty timer table and over
//!    1,000,000 pending future timers.
//!
//! Run: `cargo bench -p api --bench durable` (scale with `BENCH_CASES`, `BENCH_CLIENTS`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use api::runtime::timers::Scheduler;
use api::store::{Request, Settings, Store};
use chrono::{DateTime, TimeZone, Utc};
use engine::case::{Actor, Command};
use sea_orm::ConnectionTrait;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn cst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    engine::calendar::china().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

fn form() -> serde_json::Value {
    serde_json::json!({"student_name": "李四", "student_id_card": "440524188001010014",
        "student_number": "G440524188001010014", "guardian_name": "李父", "receiving_school_code": "110105001",
        "receiving_bureau_code": "110105", "sending_school_code": "440524003", "sending_bureau_code": "440524",
        "reason": "随父母工作调动"})
}

fn req(case_id: &str, actor: &Actor, command: Command, now: DateTime<Utc>) -> Request {
    Request::new(case_id.to_owned(), actor.clone(), command, now)
}

/// One transfer from submission to conclusion; returns the commands it took.
async fn lifecycle(store: &Store, id: &str) -> usize {
    let now = cst(2026, 4, 20, 9);
    let submit = Command::submit(id.to_owned(), form(), Default::default());
    let mut r = req(id, &Actor::applicant("guardian"), submit, now);
    r.service = Some("JY-GG-0001".into());
    let mut state = store.execute(&r).await.unwrap().state;
    let mut n = 1;
    let offices = [
        Actor::staff("s1", "school_registrar", "110105001"),
        Actor::staff("b1", "bureau_registrar", "110105"),
        Actor::staff("s2", "school_registrar", "440524003"),
        Actor::staff("b2", "bureau_registrar", "440524"),
    ];
    for actor in &offices {
        let task = state.tasks.values().next().unwrap().id;
        let complete = Command::CompleteTask { task, action: "approve".into(), data: serde_json::Map::new() };
        state = store.execute(&req(id, actor, complete, now)).await.unwrap().state;
        n += 1;
    }
    while let Some(effect) = state.effects.keys().next().copied() {
        let settle = Command::SettleEffect { effect, delivered: true, detail: String::new() };
        state = store.execute(&req(id, &Actor::system(), settle, now)).await.unwrap().state;
        n += 1;
    }
    assert!(state.is_concluded());
    n
}

async fn open(url: &str) -> Store {
    let services = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services");
    let settings = Settings {
        database_url: url.to_owned(),
        definitions: api::definitions::Definitions::Dir(services),
        max_connections: 8,
        sqlite_full_sync: std::env::var("BENCH_SQLITE_SYNC").map_or(true, |v| v != "normal"),
        files_dir: std::env::temp_dir().join("edu-engine-bench-files"),
        certificate_key: None,
    };
    Store::open(&settings).await.unwrap()
}

async fn transitions(name: &str, store: &Store, cases: usize, clients: usize) {
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut n = 0;
            for i in (c..cases).step_by(clients) {
                n += lifecycle(&store, &format!("L{i}")).await;
            }
            n
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {total} durable transitions ({cases} transfers, {clients} clients) in {secs:.2} s = {:.0}/s",
        total as f64 / secs
    );
}

async fn timers(name: &str, store: &Store, target: usize) {
    // Open transfers each hold a handful of SLA timers; submit until `target` are pending.
    let mut i = 0;
    loop {
        let count = store
            .db()
            .query_one_raw(sea_orm::Statement::from_string(store.backend(), "SELECT COUNT(*) AS n FROM timers"))
            .await
            .unwrap();
        let pending: i64 = count.unwrap().try_get("", "n").unwrap();
        if pending as usize >= target {
            break;
        }
        let now = cst(2026, 4, 20, 9);
        let submit = Command::submit(format!("D{i}"), form(), Default::default());
        let mut r = req(&format!("D{i}"), &Actor::applicant("guardian"), submit, now);
        r.service = Some("JY-GG-0001".into());
        for _ in 0..50 {
            store.execute(&r).await.unwrap();
            i += 1;
            r.case_id = format!("D{i}");
            r.command = Command::submit(r.case_id.clone(), form(), Default::default());
        }
    }
    let mut scheduler = Scheduler::new(store.clone(), "bench");
    if let Ok(p) = std::env::var("BENCH_PARALLEL") {
        scheduler.parallel = p.parse().unwrap();
    }
    // Far in the future: every pending timer (warnings, overdue, deemed expiries) is due.
    let started = Instant::now();
    let pass = scheduler.fire_due(cst(2030, 1, 1, 9)).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: fired {} due timers ({} stale) in {secs:.2} s = {:.0}/s",
        pass.fired,
        pass.stale,
        pass.fired as f64 / secs
    );
}

async fn latency(name: &str, store: &Store) {
    let yaml = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services/student-transfer.yaml"),
    )
    .unwrap();
    let yaml = yaml.replacen("\ncode: JY-GG-0001", "\ncode: BENCH-HOURS", 1).replacen(
        "limit: {amount: 10, unit: working_days}",
        "limit: {amount: 1, unit: hours}",
        1,
    );
    store.publish("bench-hours.yaml", &yaml, Utc::now()).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(Scheduler::new(store.clone(), "latency").run(stopped));
    let mut due = Vec::new();
    for i in 0..20 {
        let at = Utc::now() - chrono::Duration::minutes(48) + chrono::Duration::milliseconds(1000 + 150 * i64::from(i));
        let id = format!("H{i}");
        let submit = Command::submit(id.clone(), form(), Default::default());
        let mut r = req(&id, &Actor::applicant("guardian"), submit, at);
        r.service = Some("BENCH-HOURS".into());
        let state = store.execute(&r).await.unwrap().state;
        let warning = state.timers.values().map(|t| t.due).min().unwrap();
        due.push((id, warning));
    }
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let _ = stop.send(true);
    let _ = runner.await;
    let mut late = Vec::new();
    for (id, due_at) in &due {
        let fired = store
            .events(id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| matches!(r.event, engine::case::Event::TimerFired { .. }));
        let fired = fired.map(|r| r.at).expect("the timer fired");
        late.push((fired - *due_at).num_milliseconds());
    }
    late.sort_unstable();
    println!(
        "{name}: timer latency over {} timers: median {} ms, max {} ms after the due instant",
        late.len(),
        late[late.len() / 2],
        late[late.len() - 1]
    );
}

async fn acquisition(name: &str, store: &Store, future: usize) {
    let scheduler = Scheduler::new(store.clone(), "acq");
    let now = cst(2030, 6, 1, 9);
    let time = |label: &'static str| {
        let scheduler = scheduler.clone();
        async move {
            let started = Instant::now();
            for _ in 0..50 {
                scheduler.fire_due(now).await.unwrap();
            }
            let per = started.elapsed().as_secs_f64() * 1000.0 / 50.0;
            println!("{name}: one scheduler pass with nothing due, {label}: {per:.2} ms");
        }
    };
    time("timer table empty").await;
    let sql = if store.is_postgres() {
        format!(
            "INSERT INTO timers (case_id, timer_id, kind, due_at, lease_until, attempts) \
             SELECT 'future-' || g, 0, 'clock', {} + g, 0, 0 FROM generate_series(1, {future}) g",
            api::store::sql::millis(cst(2031, 1, 1, 9))
        )
    } else {
        format!(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {future}) \
             INSERT INTO timers (case_id, timer_id, kind, due_at, lease_until, attempts) \
             SELECT 'future-' || n, 0, 'clock', {} + n, 0, 0 FROM g",
            api::store::sql::millis(cst(2031, 1, 1, 9))
        )
    };
    store.db().execute_unprepared(&sql).await.unwrap();
    time("1,000,000 pending future timers").await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo bench` passes `--bench`; under `cargo test --all-targets` this is a smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let cases = env_usize("BENCH_CASES", if full { 1000 } else { 5 });
    let clients = env_usize("BENCH_CLIENTS", 8);
    let timer_target = env_usize("BENCH_TIMERS", if full { 100_000 } else { 100 });
    let dir = std::env::temp_dir().join(format!("engine-bench-{}", uuid::Uuid::now_v7()));
    let mut targets = vec![("sqlite".to_owned(), format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite3").display()))];
    if std::env::var("BENCH_ONLY").is_ok_and(|o| o == "postgres") {
        targets.clear();
    }
    if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
        let conn = sea_orm::Database::connect(&admin).await.unwrap();
        let db = format!("bench_{}", uuid::Uuid::now_v7().simple());
        conn.execute_unprepared(&format!("CREATE DATABASE {db}")).await.unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
        targets.push(("postgres".to_owned(), format!("{base}/{db}")));
    }
    for (name, url) in targets {
        let store = open(&url).await;
        transitions(&name, &store, cases, clients).await;
        timers(&name, &store, timer_target).await;
        if full {
            latency(&name, &store).await;
            acquisition(&name, &store, env_usize("BENCH_FUTURE", 1_000_000)).await;
        }
    }
}
