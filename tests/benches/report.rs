//! The SLA report over 1,000,000 concluded cases, on SQLite (a fresh file) and on
//! PostgreSQL (when `BENCH_DATABASE_URL` names a server; a fresh database is made on it).
//!
//! The cases are written as the store leaves concluded cases: a `cases` row and a
//! `case_facts` row each, spread over 3,100 offices (31 provinces × 10 cities × 10
//! counties), the nine shipped services and 22 months (January 2025 to October 2026).
//! Then `Store::sla_report` — the query behind `slaReport` — is timed for a province's
//! year (`41`, 2025) and one county office's month (`410105`, March 2026), five runs each;
//! the best and the median are printed.
//!
//! The auditor's dashboard page (`/audit`) for the province's year is timed too, over HTTP.
//!
//! Run: `cargo bench -p tests --bench report` (`REPORT_CASES` scales it).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};
use tests::env_usize;

use api::store::sql::{exec, insert_rows};
use api::store::{CASE_FACT_COLUMNS, ReportFilter, Store};
use sea_orm::ConnectionTrait;
use tests::cst;

const SERVICES: [&str; 9] = [
    "JY-XK-0001",
    "JY-XK-0002",
    "JY-XK-0003",
    "JY-XK-0004",
    "JY-XK-0005",
    "JY-XK-0006",
    "JY-GG-0001",
    "JY-GG-0002",
    "JY-XK-0007",
];

const CASES: [&str; 14] = [
    "id",
    "service_code",
    "service_version",
    "seq",
    "last_hash",
    "status",
    "office",
    "applicant",
    "level",
    "received_at",
    "accepted_at",
    "concluded_at",
    "state",
    "updated_at",
];

/// A cheap deterministic spread (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

async fn fill(store: &Store, n: usize) {
    let start = cst(2025, 1, 1, 9, 0).timestamp_millis();
    let span = cst(2026, 10, 31, 17, 0).timestamp_millis() - start;
    let batch = 400;
    let txn_every = 20_000;
    let db = store.db();
    let mut i = 0;
    while i < n {
        let txn = sea_orm::TransactionTrait::begin(db).await.unwrap();
        let end = (i + txn_every).min(n);
        while i < end {
            let rows = batch.min(end - i);
            let mut facts: Vec<sea_orm::Value> = Vec::with_capacity(rows * CASE_FACT_COLUMNS.len());
            let mut cases: Vec<sea_orm::Value> = Vec::with_capacity(rows * CASES.len());
            for k in i..i + rows {
                let r = mix(k as u64);
                let office = format!("{:02}{:02}{:02}", 11 + r % 31, 1 + (r >> 8) % 10, 1 + (r >> 16) % 10);
                let service = SERVICES[((r >> 24) % 9) as usize];
                let concluded = start + ((r >> 28) % span as u64) as i64;
                let used = ((r >> 40) % 30 * 86_400 + (r >> 20) % 86_400) as i64;
                let received = concluded - used * 2 - 3_600_000;
                let id = format!("{k:016x}");
                let rating = if r.is_multiple_of(3) { Some(1 + ((r >> 12) % 5) as i32) } else { None };
                facts.extend::<[sea_orm::Value; 26]>([
                    id.clone().into(),
                    service.into(),
                    office.clone().into(),
                    received.into(),
                    (received + 3_600_000).into(),
                    concluded.into(),
                    "approved".into(),
                    used.into(),
                    (20 * 86_400_i64).into(),
                    i32::from(used <= 20 * 86_400).into(),
                    used.into(),
                    (9 * 86_400_i64).into(),
                    i32::from(used <= 9 * 86_400).into(),
                    (((r >> 50) % 2) as i32).into(),
                    (((r >> 50) % 2) as i64 * 86_400).into(),
                    (((r >> 52) % 2) as i32).into(),
                    ((((r >> 52) % 2) * 10) as i32).into(),
                    (((r >> 54) % 3) as i32).into(),
                    (((r >> 56) % 2) as i32).into(),
                    1_i32.into(),
                    rating.into(),
                    None::<String>.into(),
                    0_i32.into(),
                    None::<String>.into(),
                    0_i64.into(),
                    (concluded + 86_400_000 * 365 * 30).into(),
                ]);
                cases.extend::<[sea_orm::Value; 14]>([
                    id.into(),
                    service.into(),
                    1_i32.into(),
                    8_i64.into(),
                    "0".into(),
                    "concluded".into(),
                    office.into(),
                    format!("a{}", r % 100_000).into(),
                    "normal".into(),
                    received.into(),
                    (received + 3_600_000).into(),
                    concluded.into(),
                    "{}".into(),
                    concluded.into(),
                ]);
            }
            exec(&txn, &insert_rows("case_facts", &CASE_FACT_COLUMNS, rows), facts).await.unwrap();
            exec(&txn, &insert_rows("cases", &CASES, rows), cases).await.unwrap();
            i += rows;
        }
        txn.commit().await.unwrap();
    }
    db.execute_unprepared("ANALYZE").await.unwrap();
}

async fn time(store: &Store, filter: &ReportFilter) -> (Duration, Duration, usize) {
    let mut runs = Vec::new();
    let mut services = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let report = store.sla_report(filter).await.unwrap();
        runs.push(started.elapsed());
        services = report.iter().map(|s| usize::try_from(s.concluded).unwrap_or(0)).sum();
    }
    runs.sort();
    (runs[0], runs[2], services)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // the report's figures are tested in tests/report.rs
    }
    let n = env_usize("REPORT_CASES", 1_000_000);
    let dir = std::env::temp_dir().join(format!("engine-report-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut targets = vec![("SQLite", format!("sqlite://{}?mode=rwc", dir.join("report.sqlite3").display()))];
    if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
        let conn = sea_orm::Database::connect(&admin).await.unwrap();
        let db = format!("bench_{}", uuid::Uuid::now_v7().simple());
        conn.execute_unprepared(&format!("CREATE DATABASE {db}")).await.unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
        targets.push(("PostgreSQL", format!("{base}/{db}")));
    }
    for (name, url) in targets {
        let store = tests::open(&tests::Backend { name: "bench", url }).await;
        let started = Instant::now();
        fill(&store, n).await;
        println!("{name}: {n} concluded cases written in {:.1} s", started.elapsed().as_secs_f64());
        let province = ReportFilter {
            office: "41".into(),
            service: None,
            services: None,
            from: cst(2025, 1, 1, 0, 0),
            to: cst(2026, 1, 1, 0, 0),
        };
        let (best, median, cases) = time(&store, &province).await;
        println!(
            "{name}: province-wide year (41, 2025, {cases} cases concluded): best {best:.1?}, median {median:.1?}"
        );
        // The auditor's dashboard for the same year, over HTTP as a signed-in auditor sees it.
        let url = tests::server::serve_pages(store.clone(), 3600).await;
        let cookie = tests::server::page_session(&url, "audit-1").await;
        let http = reqwest::Client::new();
        let mut took = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let page = http
                .get(format!("{url}/audit?office=41&from=2025-01-01&to=2025-12-31"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert!(page.status().is_success(), "dashboard: {}", page.status());
            let _ = page.text().await.unwrap();
            took.push(t.elapsed());
        }
        took.sort_unstable();
        println!("{name}: the auditor's dashboard page for that year: best {:.1?}, median {:.1?}", took[0], took[2]);
        let county = ReportFilter {
            office: "410105".into(),
            service: None,
            services: None,
            from: cst(2026, 3, 1, 0, 0),
            to: cst(2026, 4, 1, 0, 0),
        };
        let (best, median, cases) = time(&store, &county).await;
        println!("{name}: one office's month (410105, 2026-03, {cases} cases): best {best:.1?}, median {median:.1?}");
        let national = ReportFilter {
            office: String::new(),
            service: None,
            services: None,
            from: cst(2025, 1, 1, 0, 0),
            to: cst(2026, 11, 1, 0, 0),
        };
        let (best, median, cases) = time(&store, &national).await;
        println!("{name}: whole country, whole period ({cases} cases): best {best:.1?}, median {median:.1?}");
    }
}
