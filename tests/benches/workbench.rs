//! The clerk's queue page with 10,000 open tasks in the clerk's scope (SQLite, a fresh
//! file): 10,000 licence applications submitted through the store at 郑州市金水区 (each an
//! open 受理 task for its window clerks), then `/work` requested over HTTP from the
//! in-process server by the signed-in clerk, one request at a time, unfiltered and filtered.
//!
//! Run: `cargo bench -p tests --bench workbench` (`QUEUE_TASKS`, default 10,000;
//! `QUEUE_REQUESTS`, default 500 per view). Under `cargo test` it runs small.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;
use tests::{env_usize, percentile};

use serde_json::json;
use tests::server::{page_session, serve_pages};
use tests::submission;

#[tokio::main]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let tasks = env_usize("QUEUE_TASKS", if bench { 10_000 } else { 200 });
    let requests = env_usize("QUEUE_REQUESTS", if bench { 500 } else { 10 });
    let backend = tests::backends().await.remove(0);
    let store = tests::open(&backend).await;
    let started = Instant::now();
    let workers = 4;
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in (w..tasks).step_by(workers) {
                    let form = json!({ "office_code": "410105", "school_name": format!("郑州市金水区第{i}学校"), "organiser_name": "某教育集团" });
                    let at = chrono::Utc::now() - chrono::Duration::minutes(i64::try_from(i).unwrap());
                    store.execute(&submission("JY-XK-0001", &format!("queue-{i:06}"), &format!("school-q{i}"), form, at)).await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    println!("{tasks} applications awaiting 受理 submitted in {:.0} s", started.elapsed().as_secs_f64());

    let url = serve_pages(store, 3600).await;
    let cookie = page_session(&url, "chen.ck").await;
    let http = reqwest::Client::new();
    for (label, path) in [
        ("warm-up", "/work"),
        ("我的待办 /work", "/work"),
        ("未认领、超期 /work?unclaimed=1&level=OVERDUE", "/work?unclaimed=1&level=OVERDUE"),
        ("按事项 /work?service=JY-XK-0001", "/work?service=JY-XK-0001"),
    ] {
        let n = if label == "warm-up" { 20 } else { requests };
        let mut took = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let r = http.get(format!("{url}{path}")).header("cookie", &cookie).send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            let body = r.text().await.unwrap();
            took.push(t.elapsed());
            assert!(body.contains("我的待办"));
        }
        took.sort_unstable();
        println!(
            "{label:<44} {n:>5} requests  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
            percentile(&took, 0.5).as_secs_f64() * 1e3,
            percentile(&took, 0.99).as_secs_f64() * 1e3,
            took.last().unwrap().as_secs_f64() * 1e3
        );
    }
}
