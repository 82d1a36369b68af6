//! Crash safety on SQLite and PostgreSQL: the server process runs under load from
//! concurrent clients and is SIGKILLed at random moments, 20 times, then restarted once
//! more. Afterwards every acknowledged command is in the events, every chain verifies,
//! every idempotency key still names its first case, every due timer fired exactly once,
//! and every requested effect has its outbox row.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::store::Store;
use api::store::sql::{all, millis};
use engine::case::Event;
use tests::server::{Server, gql, token};
use tests::{backends, cst, open, submission, transfer_form};

const BIN: &str = env!("CARGO_BIN_EXE_api-server");
const SUBMIT: &str = "mutation($f: JSON!, $k: String) { submitCase(service: \"JY-GG-0001\", form: $f, idempotencyKey: $k) { id version } }";
const COMPLETE: &str =
    "mutation($c: String!, $t: Int!) { completeTask(caseId: $c, taskId: $t, action: \"approve\") { id version } }";

/// A small deterministic generator for kill moments.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

#[derive(Default)]
struct Acked {
    /// Idempotency key → (case id, version acknowledged).
    submits: BTreeMap<String, (String, i64)>,
    /// Case id → highest version acknowledged by a completion.
    completions: BTreeMap<String, i64>,
}

async fn client(url: String, round: usize, n: usize, acked: Arc<Mutex<Acked>>) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let guardian = token("guardian", &["applicant"], "");
    let registrar = token("s1", &["school_registrar"], "110105001");
    for i in 0.. {
        let key = format!("r{round}-c{n}-{i}");
        let vars = serde_json::json!({ "f": transfer_form(), "k": key });
        let Ok(data) = gql(&http, &url, &guardian, SUBMIT, vars).await else { return };
        let id = data["submitCase"]["id"].as_str().unwrap().to_owned();
        let version = data["submitCase"]["version"].as_i64().unwrap();
        acked.lock().unwrap().submits.insert(key, (id.clone(), version));
        // Every other case also gets its first task approved.
        if i % 2 == 0 {
            let vars = serde_json::json!({ "c": id, "t": 0 });
            let Ok(data) = gql(&http, &url, &registrar, COMPLETE, vars).await else { return };
            let version = data["completeTask"]["version"].as_i64().unwrap();
            acked.lock().unwrap().completions.insert(id, version);
        }
    }
}

async fn due_timers(store: &Store) -> usize {
    let now = millis(chrono::Utc::now());
    all(store.db(), "SELECT case_id FROM timers WHERE due_at <= $1", vec![now.into()]).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_random_moments_loses_nothing_acknowledged_and_fires_each_timer_once() {
    for backend in backends().await {
        // Cases from January: their SLA timers are long due when the server starts.
        let store = open(&backend).await;
        for i in 0..20 {
            let r = submission("JY-GG-0001", &format!("old-{i}"), "guardian", transfer_form(), cst(2026, 1, 5, 9, 0));
            store.execute(&r).await.unwrap();
        }
        assert!(due_timers(&store).await >= 40, "{}", backend.name);
        drop(store);

        let acked = Arc::new(Mutex::new(Acked::default()));
        let mut rng = Lcg(0x5eed);
        for round in 0..20 {
            let mut server = Server::start(BIN, &backend.url, &format!("crash-{round}"), 2);
            let clients: Vec<_> =
                (0..4).map(|n| tokio::spawn(client(server.url.clone(), round, n, acked.clone()))).collect();
            tokio::time::sleep(Duration::from_millis(100 + rng.next(500))).await;
            server.kill();
            for c in clients {
                c.await.unwrap();
            }
        }

        // One more start lets leases run out and the scheduler finish.
        let server = Server::start(BIN, &backend.url, "final", 2);
        let store = open(&backend).await;
        for _ in 0..100 {
            if due_timers(&store).await == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        drop(server);
        assert_eq!(due_timers(&store).await, 0, "{}: every due timer fired", backend.name);

        let acked = std::mem::take(&mut *acked.lock().unwrap());
        assert!(acked.submits.len() >= 20, "{}: load reached the server: {}", backend.name, acked.submits.len());
        for (key, (case_id, version)) in &acked.submits {
            let events = store.events(case_id).await.unwrap();
            assert!(events.len() as i64 >= *version, "{}: acknowledged submit {key} of {case_id} lost", backend.name);
            let row = all(
                store.db(),
                "SELECT case_id FROM idempotency_keys WHERE actor = 'guardian' AND key = $1",
                vec![key.clone().into()],
            )
            .await
            .unwrap();
            let stored: String = row[0].try_get("", "case_id").unwrap();
            assert_eq!(&stored, case_id, "{}: key {key}", backend.name);
        }
        for (case_id, version) in &acked.completions {
            let events = store.events(case_id).await.unwrap();
            assert!(events.len() as i64 >= *version, "{}: acknowledged approval of {case_id} lost", backend.name);
            assert!(events.iter().any(|r| matches!(r.event, Event::TaskCompleted { .. })), "{}", backend.name);
        }

        let ids = all(store.db(), "SELECT id FROM cases", vec![]).await.unwrap();
        let outbox: BTreeSet<String> = all(store.db(), "SELECT idempotency_key FROM outbox", vec![])
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("", "idempotency_key").unwrap())
            .collect();
        for row in ids {
            let id: String = row.try_get("", "id").unwrap();
            let events = store.events(&id).await.unwrap();
            engine::chain::verify(&events).unwrap_or_else(|b| panic!("{}: {id}: {b:?}", backend.name));
            let mut fired = BTreeSet::new();
            for r in &events {
                match &r.event {
                    Event::TimerFired { timer } => {
                        assert!(fired.insert(*timer), "{}: {id} timer {timer} fired twice", backend.name);
                    }
                    Event::EffectRequested { effect } => {
                        let key = api::store::sync::effect_key(&id, effect.id);
                        assert!(outbox.contains(&key), "{}: effect {key} lost", backend.name);
                    }
                    _ => {}
                }
            }
            let replayed = engine::case::replay(events.iter().map(|r| &r.event));
            assert_eq!(Some(replayed), store.case(&id).await.unwrap(), "{}: {id} projection", backend.name);
        }
    }
}
