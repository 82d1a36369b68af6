//! A load generator for the server over HTTP: starts the server binary (release build) on
//! the embedded SQLite default in a temporary directory, or over `LOAD_DATABASE_URL`, and
//! drives student transfers through GraphQL from concurrent clients: the guardian submits,
//! four registrars approve in turn. Reports completed mutations per second, p50/p99
//! latency, and the server's idle and peak resident memory (from /proc).
//!
//! Run: `cargo bench -p tests --bench load` (`LOAD_CLIENTS`, default 32; `LOAD_CASES`,
//! default 3000 transfers = 15,000 mutations).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};
use tests::env_usize;

use serde_json::json;
use tests::server::{Server, gql, token};
use tests::transfer_form;

const BIN: &str = env!("CARGO_BIN_EXE_api-server");
const SUBMIT: &str = "mutation($f: JSON!) { submitCase(service: \"JY-GG-0001\", form: $f) { id tasks { id } } }";
const COMPLETE: &str =
    "mutation($c: String!, $t: Int!) { completeTask(caseId: $c, taskId: $t, action: \"approve\") { tasks { id } } }";

fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn client(url: String, cases: usize) -> Vec<Duration> {
    let http = reqwest::Client::new();
    let guardian = token("guardian", &["applicant"], "");
    let registrars = [
        token("s1", &["school_registrar"], "110105001"),
        token("b1", &["bureau_registrar"], "110105"),
        token("s2", &["school_registrar"], "440524003"),
        token("b2", &["bureau_registrar"], "440524"),
    ];
    let mut latencies = Vec::with_capacity(cases * 5);
    for _ in 0..cases {
        let started = Instant::now();
        let case = gql(&http, &url, &guardian, SUBMIT, json!({ "f": transfer_form() })).await.unwrap();
        latencies.push(started.elapsed());
        let id = case["submitCase"]["id"].as_str().unwrap().to_owned();
        let mut task = case["submitCase"]["tasks"][0]["id"].as_i64().unwrap();
        for (i, registrar) in registrars.iter().enumerate() {
            let started = Instant::now();
            let done = gql(&http, &url, registrar, COMPLETE, json!({ "c": id, "t": task })).await.unwrap();
            latencies.push(started.elapsed());
            if i < 3 {
                task = done["completeTask"]["tasks"][0]["id"].as_i64().unwrap();
            }
        }
    }
    latencies
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // nothing to smoke-test under `cargo test`: the API tests cover the paths
    }
    let clients = env_usize("LOAD_CLIENTS", 32);
    let cases = env_usize("LOAD_CASES", 3000);
    let dir = std::env::temp_dir().join(format!("engine-load-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("LOAD_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("load.sqlite3").display()));
    let server = Server::start(BIN, &url, "load", 30);
    let pid = server.pid();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = memory_kib(pid, "VmRSS:");

    let started = Instant::now();
    let per_client = cases.div_ceil(clients);
    let handles: Vec<_> = (0..clients).map(|_| tokio::spawn(client(server.url.clone(), per_client))).collect();
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    let peak = memory_kib(pid, "VmHWM:");
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!(
        "{backend}: {} mutations from {clients} clients in {secs:.1} s = {:.0}/s; p50 {:.1} ms, p99 {:.1} ms; \
         server resident memory idle {} MiB, peak {} MiB",
        latencies.len(),
        latencies.len() as f64 / secs,
        pct(0.50),
        pct(0.99),
        idle / 1024,
        peak / 1024
    );
}
