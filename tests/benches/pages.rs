//! The pages' latency on a database of 100,000 cases (SQLite, a fresh file): the 办事指南,
//! the public status lookup (tracking number and query code, with the case's history),
//! and the application form for a signed-in applicant, each over real HTTP from the
//! in-process server, one request at a time. The cases are real: each is submitted through
//! the store as an applicant would (student transfers, accepted on submission), so the
//! tables and indexes are as in use.
//!
//! Run: `cargo bench -p tests --bench pages` (`PAGES_CASES`, default 100,000;
//! `PAGES_REQUESTS`, default 2,000 per page). Under `cargo test` it runs small (300 cases,
//! 20 requests per page).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;
use tests::{env_usize, percentile};

use tests::server::{page_session, serve_pages};
use tests::{submission, transfer_form};

async fn time(http: &reqwest::Client, label: &str, urls: &[String], cookie: &str) {
    let mut took = Vec::with_capacity(urls.len());
    for u in urls {
        let started = Instant::now();
        let response = http.get(u).header("cookie", cookie).send().await.unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        took.push(started.elapsed());
        assert!(status.is_success(), "{label}: {u} answered {status}");
        assert!(body.len() > 1000);
    }
    took.sort_unstable();
    println!(
        "{label:<28} {:>6} requests  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        took.len(),
        percentile(&took, 0.50).as_secs_f64() * 1e3,
        percentile(&took, 0.99).as_secs_f64() * 1e3,
        took.last().unwrap().as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() {
    // Under `cargo test` (no `--bench`), a small run shows the benchmark still works.
    let bench = std::env::args().any(|a| a == "--bench");
    let cases = env_usize("PAGES_CASES", if bench { 100_000 } else { 300 });
    let requests = env_usize("PAGES_REQUESTS", if bench { 2_000 } else { 20 });
    let backend = tests::backends().await.remove(0);
    let store = tests::open(&backend).await;

    let started = Instant::now();
    let workers = 4;
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut codes = Vec::new();
                let now = chrono::Utc::now();
                for i in (w..cases).step_by(workers) {
                    let id = format!("bench-{i:07}");
                    let code = format!("{:06}", (i * 7919) % 1_000_000);
                    let mut request = submission("JY-GG-0001", &id, &format!("guardian-{i}"), transfer_form(), now);
                    request.query_code = Some(code.clone());
                    store.execute(&request).await.unwrap();
                    if i % 97 == 0 {
                        codes.push((id, code));
                    }
                }
                codes
            })
        })
        .collect();
    let mut known = Vec::new();
    for h in handles {
        known.extend(h.await.unwrap());
    }
    println!(
        "{cases} cases submitted in {:.0} s; {} kept for status lookups",
        started.elapsed().as_secs_f64(),
        known.len()
    );

    let url = serve_pages(store, 3600).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = page_session(&url, "school-7").await;
    let warm: Vec<String> = (0..50).map(|_| format!("{url}/services/JY-XK-0001")).collect();
    time(&http, "warm-up", &warm, "").await;
    let guide: Vec<String> = (0..requests).map(|_| format!("{url}/services/JY-XK-0001")).collect();
    time(&http, "办事指南 /services/{code}", &guide, "").await;
    let status: Vec<String> = (0..requests)
        .map(|i| {
            let (id, code) = &known[i % known.len()];
            format!("{url}/status?no={id}&code={code}")
        })
        .collect();
    time(&http, "办件查询 /status", &status, "").await;
    let apply: Vec<String> = (0..requests).map(|_| format!("{url}/services/JY-XK-0001/apply")).collect();
    time(&http, "申请 /services/{code}/apply", &apply, &cookie).await;
}
