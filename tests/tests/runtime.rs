//! The runtime on SQLite and PostgreSQL: due timers fire exactly once with two schedulers
//! racing, a dead node's leases are taken over, and the outbox delivers registry syncs
//! over HTTP with retries until a transfer concludes, or gives up into an incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::runtime::outbox::{Deliverer, Endpoints};
use api::runtime::timers::Scheduler;
use api::store::Store;
use api::store::sql::{all, exec, millis};
use engine::case::Event;
use engine::case::state::Outcome;
use tests::registry::Registry;
use tests::{approve, backends, cst, open, submission, transfer_form, transfer_offices};

async fn transfers(store: &Store, n: usize) {
    for i in 0..n {
        let r = submission("JY-GG-0001", &format!("T{i}"), "guardian-1", transfer_form(), cst(2026, 4, 20, 9, 0));
        store.execute(&r).await.unwrap();
    }
}

async fn fired_events(store: &Store, n: usize) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = format!("T{i}");
        for r in store.events(&id).await.unwrap() {
            if let Event::TimerFired { timer, .. } = r.event {
                out.push((id.clone(), timer));
            }
        }
    }
    out
}

#[tokio::test]
async fn due_timers_fire_exactly_once_with_two_schedulers_racing() {
    for backend in backends().await {
        let store = open(&backend).await;
        transfers(&store, 20).await;
        let now = cst(2026, 12, 31, 9, 0);
        let (a, b) = (Scheduler::new(store.clone(), "node-a"), Scheduler::new(store.clone(), "node-b"));
        let (pa, pb) = tokio::join!(a.fire_due(now), b.fire_due(now));
        let (pa, pb) = (pa.unwrap(), pb.unwrap());
        let fired = fired_events(&store, 20).await;
        let mut unique = fired.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), fired.len(), "{}: a timer fired twice", backend.name);
        assert_eq!(pa.fired + pb.fired, fired.len(), "{}: {pa:?} {pb:?}", backend.name);
        assert!(fired.len() >= 40, "{}: warning and overdue of each first step: {}", backend.name, fired.len());
        let left = all(store.db(), "SELECT case_id FROM timers WHERE due_at <= $1", vec![millis(now).into()]).await;
        assert!(left.unwrap().is_empty(), "{}: nothing due is left", backend.name);
        let case = store.case("T0").await.unwrap().unwrap();
        assert_eq!(case.legal.unwrap().level, engine::clock::Level::Overdue, "{}", backend.name);
    }
}

#[tokio::test]
async fn a_dead_nodes_leases_are_taken_over_when_they_run_out() {
    for backend in backends().await {
        let store = open(&backend).await;
        transfers(&store, 3).await;
        let now = cst(2026, 12, 31, 9, 0);
        // A node claimed everything and died.
        let until = millis(now + chrono::Duration::seconds(30));
        exec(store.db(), "UPDATE timers SET lease_owner = 'dead', lease_until = $1", vec![until.into()]).await.unwrap();
        let survivor = Scheduler::new(store.clone(), "node-b");
        assert_eq!(survivor.fire_due(now).await.unwrap().fired, 0, "{}: leased rows are left alone", backend.name);
        let later = now + chrono::Duration::seconds(31);
        assert!(survivor.fire_due(later).await.unwrap().fired >= 6, "{}: taken over", backend.name);
        assert!(survivor.next_due().await.unwrap().is_none_or(|d| d > later), "{}", backend.name);
    }
}

#[tokio::test]
async fn a_sleeping_scheduler_is_woken_by_a_timer_due_before_its_next_look_and_fires_it_at_once() {
    use std::sync::atomic::Ordering;
    for backend in backends().await {
        let store = open(&backend).await;
        // A case of today: its timers are days away, so the scheduler goes to sleep.
        let today = chrono::Utc::now();
        store.execute(&submission("JY-GG-0001", "NOW", "guardian-1", transfer_form(), today)).await.unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let running = tokio::spawn(Scheduler::new(store.clone(), "node-a").run(stopped));
        let asleep = std::time::Instant::now();
        while store.timers_wake_at.load(Ordering::Acquire) == i64::MAX {
            assert!(asleep.elapsed().as_secs() < 10, "{}: the scheduler never went to sleep", backend.name);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // A case whose steps are long overdue: its timers are due before the scheduler's next
        // look (at most 5 s away), so their commit rings it.
        let rung = std::time::Instant::now();
        let past = cst(2026, 4, 20, 9, 0);
        store.execute(&submission("JY-GG-0001", "PAST", "guardian-1", transfer_form(), past)).await.unwrap();
        loop {
            let events = store.events("PAST").await.unwrap();
            if events.iter().any(|r| matches!(r.event, Event::TimerFired { .. })) {
                break;
            }
            let waited = rung.elapsed();
            assert!(waited.as_millis() < 2500, "{}: not fired after {waited:?}: nobody rang", backend.name);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let _ = stop.send(true);
        running.await.unwrap();
        let fired = store.events("NOW").await.unwrap();
        assert!(!fired.iter().any(|r| matches!(r.event, Event::TimerFired { .. })), "{}", backend.name);
    }
}

async fn at_registry_sync(store: &Store, case_id: &str) -> chrono::DateTime<chrono::Utc> {
    let mut now = cst(2026, 4, 20, 9, 0);
    store.execute(&submission("JY-GG-0001", case_id, "guardian-1", transfer_form(), now)).await.unwrap();
    for (step, actor) in transfer_offices() {
        now += chrono::Duration::hours(1);
        approve(store, case_id, step, &actor, now).await;
    }
    assert_eq!(store.case(case_id).await.unwrap().unwrap().waiting_at.as_deref(), Some("registry_sync"));
    now
}

#[tokio::test]
async fn a_transfer_concludes_only_when_both_registries_acknowledged() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = at_registry_sync(&store, "S1").await;
        // The first registry call fails once.
        let registry = Registry::start(vec![503]).await;
        let endpoints = Endpoints { by_kind: [("sync_registry".to_owned(), registry.url.clone())].into() };
        let deliverer = Deliverer::new(store.clone(), "node-a", endpoints);
        let first = deliverer.deliver_due(now).await.unwrap();
        assert_eq!(first.retried, 1, "{}: {first:?}", backend.name);
        let case = store.case("S1").await.unwrap().unwrap();
        assert_eq!(case.outcome, None, "{}: waits for the second registry", backend.name);
        assert!(deliverer.deliver_due(now).await.unwrap().delivered == 0, "{}: backoff", backend.name);
        let retry = deliverer.deliver_due(now + chrono::Duration::seconds(3)).await.unwrap();
        assert_eq!(retry.delivered, 1, "{}: {retry:?}", backend.name);
        let case = store.case("S1").await.unwrap().unwrap();
        assert_eq!(case.outcome, Some(Outcome::Approved), "{}", backend.name);
        let keys = registry.keys.lock().unwrap().clone();
        assert_eq!(keys.len(), 3, "{}: {keys:?}", backend.name);
        assert!(keys.iter().all(|k| k.starts_with("s1/")), "{}: keys name the case and effect: {keys:?}", backend.name);
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 2, "{}: the retry carries the same key", backend.name);
    }
}

#[tokio::test]
async fn a_message_that_keeps_failing_becomes_an_incident_on_the_case() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = at_registry_sync(&store, "F1").await;
        let registry = Registry::start(vec![500; 10]).await;
        let endpoints = Endpoints { by_kind: [("*".to_owned(), registry.url.clone())].into() };
        let mut deliverer = Deliverer::new(store.clone(), "node-a", endpoints);
        deliverer.max_attempts = 2;
        deliverer.deliver_due(now).await.unwrap();
        let pass = deliverer.deliver_due(now + chrono::Duration::minutes(1)).await.unwrap();
        assert!(pass.given_up >= 2, "{}: {pass:?}", backend.name);
        let case = store.case("F1").await.unwrap().unwrap();
        assert!(!case.incidents.is_empty(), "{}: incidents visible on the case", backend.name);
        assert_eq!(case.outcome, None, "{}: the case waits", backend.name);
        let failed = all(store.db(), "SELECT last_error FROM outbox WHERE state = 'failed'", vec![]).await.unwrap();
        assert!(failed.len() >= 2, "{}", backend.name);
    }
}
