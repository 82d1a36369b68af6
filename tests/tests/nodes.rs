//! Several nodes over one PostgreSQL database: three server processes on loopback share
//! hundreds of due timers; one node is killed while holding claimed timers, its leases run
//! out and the others take them over; every timer fires exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use api::store::sql::{all, millis};
use engine::case::Event;
use tests::server::Server;
use tests::{backends, cst, open, submission, transfer_form};

const BIN: &str = env!("CARGO_BIN_EXE_api-server");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_fire_each_due_timer_once_and_take_over_a_dead_nodes_leases() {
    let Some(backend) = backends().await.into_iter().find(|b| b.name == "postgres") else {
        eprintln!("no PostgreSQL: the multi-node test needs one shared server database");
        return;
    };
    let store = open(&backend).await;
    let cases = 120;
    for i in 0..cases {
        let r = submission("JY-GG-0001", &format!("m{i}"), "guardian", transfer_form(), cst(2026, 1, 5, 9, 0));
        store.execute(&r).await.unwrap();
    }
    let now = || millis(chrono::Utc::now());
    let due = |store: api::store::Store| async move {
        all(store.db(), "SELECT case_id FROM timers WHERE due_at <= $1", vec![now().into()]).await.unwrap().len()
    };
    let initial_rows =
        all(store.db(), "SELECT case_id, timer_id FROM timers WHERE due_at <= $1", vec![now().into()]).await.unwrap();
    let initial: BTreeSet<(String, u32)> = initial_rows
        .iter()
        .map(|r| (r.try_get("", "case_id").unwrap(), r.try_get::<i32>("", "timer_id").unwrap() as u32))
        .collect();
    let initially = initial.len();
    assert!(initially >= 2 * cases, "{initially} due timers");

    // The first node claims a batch, then dies holding it.
    let mut doomed = Server::start(BIN, &backend.url, "node-0", 3);
    let mut held = Vec::new();
    for _ in 0..200 {
        let rows =
            all(store.db(), "SELECT case_id, timer_id FROM timers WHERE lease_owner = 'node-0'", vec![]).await.unwrap();
        if !rows.is_empty() {
            held = rows
                .iter()
                .map(|r| (r.try_get::<String>("", "case_id").unwrap(), r.try_get::<i32>("", "timer_id").unwrap()))
                .collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    doomed.kill();
    assert!(!held.is_empty(), "node-0 claimed timers before it died");
    let orphaned = all(store.db(), "SELECT case_id FROM timers WHERE lease_owner = 'node-0'", vec![]).await.unwrap();

    let nodes: Vec<Server> = (1..=3).map(|n| Server::start(BIN, &backend.url, &format!("node-{n}"), 3)).collect();
    for _ in 0..300 {
        if due(store.clone()).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(nodes);
    assert_eq!(due(store.clone()).await, 0, "every due timer fired, the dead node's included");

    // Each timer due at the start fired exactly once, or was cancelled by the engine when
    // another one changed the case (a step's overdue timer once the step moved on).
    let mut fired = 0;
    let mut settled = BTreeSet::new();
    for i in 0..cases {
        let id = format!("m{i}");
        let events = store.events(&id).await.unwrap();
        engine::chain::verify(&events).unwrap();
        let mut seen = BTreeSet::new();
        for r in &events {
            match r.event {
                Event::TimerFired { timer } => {
                    assert!(seen.insert(timer), "{id}: timer {timer} fired twice");
                    settled.insert((id.clone(), timer));
                    fired += 1;
                }
                Event::TimerCancelled { timer } => {
                    settled.insert((id.clone(), timer));
                }
                _ => {}
            }
        }
    }
    let missed: Vec<_> = initial.difference(&settled).collect();
    assert!(missed.is_empty(), "due but neither fired nor cancelled: {missed:?}");
    for (case_id, timer) in &held {
        assert!(settled.contains(&(case_id.clone(), *timer as u32)), "{case_id}/{timer} held by the dead node");
    }
    eprintln!(
        "{initially} due timers; node-0 died holding {} ({} unfired); {fired} fired in all",
        held.len(),
        orphaned.len()
    );
}
