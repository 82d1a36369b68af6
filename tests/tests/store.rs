//! The durable store on SQLite and PostgreSQL: commands survive a restart with their hash
//! chain intact, idempotency keys, conflicts between two writers, and the projection
//! matching a replay of the events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::store::StoreError;
use engine::case::{Actor, Command, replay};
use tests::{backends, cst, open, request, submission, transfer_form};

#[tokio::test]
async fn a_case_survives_a_restart_with_its_chain_and_projection_intact() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0);
        let submitted =
            store.execute(&submission("JY-GG-0001", "T1", "guardian-1", transfer_form(), now)).await.unwrap();
        assert!(submitted.seq > 1, "{}: submission, acceptance and the first task", backend.name);
        let (step, clerk) = tests::transfer_offices()[0].clone();
        tests::approve(&store, "T1", step, &clerk, now + chrono::Duration::hours(2)).await;
        drop(store);

        let store = open(&backend).await;
        let events = store.events("T1").await.unwrap();
        engine::chain::verify(&events).unwrap_or_else(|b| panic!("{}: {b:?}", backend.name));
        let replayed = replay(events.iter().map(|r| &r.event));
        let stored = store.case("T1").await.unwrap().unwrap();
        assert_eq!(replayed, stored, "{}: the projection is what the events say", backend.name);
        assert!(stored.tasks.values().any(|t| t.step == "receiving_bureau"), "{}", backend.name);
    }
}

#[tokio::test]
async fn the_same_idempotency_key_twice_gives_the_first_case() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0);
        let mut first = submission("JY-GG-0001", "K1", "guardian-1", transfer_form(), now);
        first.idempotency_key = Some("phone-retry-7".into());
        let a = store.execute(&first).await.unwrap();
        // The phone retries on a bad network with a fresh case id but the same key.
        let mut retry = submission("JY-GG-0001", "K2", "guardian-1", transfer_form(), now);
        retry.idempotency_key = Some("phone-retry-7".into());
        let b = store.execute(&retry).await.unwrap();
        assert!(b.repeated && b.events.is_empty(), "{}", backend.name);
        assert_eq!((b.case_id.as_str(), b.seq), ("K1", a.seq), "{}", backend.name);
        assert!(store.case("K2").await.unwrap().is_none(), "{}: no second case", backend.name);
        // Another applicant's identical key is theirs alone.
        let mut other = submission("JY-GG-0001", "K3", "guardian-2", transfer_form(), now);
        other.idempotency_key = Some("phone-retry-7".into());
        assert!(!store.execute(&other).await.unwrap().repeated, "{}", backend.name);
    }
}

#[tokio::test]
async fn of_two_writers_on_one_version_one_wins_and_the_other_gets_a_conflict() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0);
        let seen = store.execute(&submission("JY-GG-0001", "W1", "guardian-1", transfer_form(), now)).await.unwrap();
        let task = seen.state.tasks.values().next().unwrap().id;
        let clerks =
            [Actor::staff("s1", "school_registrar", "110105001"), Actor::staff("s9", "school_registrar", "110105001")];
        let attempts = clerks.iter().map(|clerk| {
            let mut r = request("W1", clerk, Command::ClaimTask { task }, now);
            r.expected_seq = Some(seen.seq);
            let store = store.clone();
            tokio::spawn(async move { store.execute(&r).await })
        });
        let results: Vec<_> = futures_join(attempts.collect()).await;
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results.iter().filter(|r| matches!(r, Err(StoreError::Conflict))).count();
        assert_eq!((wins, conflicts), (1, 1), "{}: {results:?}", backend.name);
        let events = store.events("W1").await.unwrap();
        engine::chain::verify(&events).unwrap();
        let claimed = store.case("W1").await.unwrap().unwrap().tasks[&task].claimed_by.clone();
        assert!(claimed.is_some(), "{}: the winner's claim stands", backend.name);

        // Without a version, writers queue: both commands are decided on fresh state, and the
        // second claim is refused by the engine, not lost.
        let stale = request("W1", &clerks[1], Command::ClaimTask { task }, now);
        assert!(matches!(store.execute(&stale).await, Err(StoreError::Engine(_))), "{}", backend.name);
    }
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn an_engine_refusal_writes_nothing() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0);
        let before = store.execute(&submission("JY-GG-0001", "R1", "guardian-1", transfer_form(), now)).await.unwrap();
        let outsider = Actor::staff("x", "school_registrar", "990000");
        let task = before.state.tasks.values().next().unwrap().id;
        let refused = store.execute(&request("R1", &outsider, Command::ClaimTask { task }, now)).await;
        assert!(matches!(refused, Err(StoreError::Engine(_))), "{}", backend.name);
        assert_eq!(store.events("R1").await.unwrap().len() as u64, before.seq, "{}", backend.name);
        let missing = store.execute(&request("nope", &outsider, Command::ClaimTask { task }, now)).await;
        assert!(matches!(missing, Err(StoreError::CaseNotFound(_))), "{}", backend.name);
    }
}

#[tokio::test]
async fn refused_commands_among_concurrent_ones_write_nothing_and_take_no_other_with_them() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0);
        let mut cases = Vec::new();
        for i in 0..12 {
            let id = format!("G{i}");
            let seen = store.execute(&submission("JY-GG-0001", &id, "guardian-1", transfer_form(), now)).await.unwrap();
            cases.push((id, seen.seq, seen.state.tasks.values().next().unwrap().id));
        }
        // On SQLite these queue to the one writer and are committed in groups.
        let clerk = Actor::staff("s1", "school_registrar", "110105001");
        let outsider = Actor::staff("x", "school_registrar", "990000");
        let mut handles = Vec::new();
        for (id, _, task) in &cases {
            for who in [&outsider, &clerk] {
                let (store, r) = (store.clone(), request(id, who, Command::ClaimTask { task: *task }, now));
                handles.push(tokio::spawn(async move { store.execute(&r).await }));
            }
        }
        let results = futures_join(handles).await;
        for (i, (id, seq, task)) in cases.iter().enumerate() {
            assert!(matches!(results[2 * i], Err(StoreError::Engine(_))), "{}: {:?}", backend.name, results[2 * i]);
            let claimed = results[2 * i + 1].as_ref().unwrap_or_else(|e| panic!("{}: {id}: {e}", backend.name));
            assert_eq!(claimed.seq, seq + 1, "{}: {id}: the claim alone was appended", backend.name);
            let stored = store.case(id).await.unwrap().unwrap();
            assert_eq!(stored.tasks[task].claimed_by.as_deref(), Some("s1"), "{}: {id}", backend.name);
            engine::chain::verify(&store.events(id).await.unwrap()).unwrap();
        }
    }
}

#[tokio::test]
async fn a_command_whose_write_fails_leaves_nothing_and_fails_no_other_command() {
    for backend in backends().await {
        let store = open(&backend).await;
        // The database refuses any event of case BOOM, as a full disk or a broken index
        // would: the failure comes after the engine decided, in the middle of the writes.
        let triggers: &[&str] = if backend.name == "postgres" {
            &[
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.case_id = 'BOOM' THEN \
                 RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION boom()",
            ]
        } else {
            &["CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.case_id = 'BOOM' \
               BEGIN SELECT RAISE(ABORT, 'boom'); END"]
        };
        for sql in triggers {
            api::store::sql::exec(store.db(), sql, vec![]).await.unwrap();
        }
        let now = cst(2026, 4, 20, 9, 0);
        let ids = ["OK1", "OK2", "BOOM", "OK3", "OK4"];
        let handles = ids.iter().map(|id| {
            let (store, r) = (store.clone(), submission("JY-GG-0001", id, "guardian-1", transfer_form(), now));
            tokio::spawn(async move { store.execute(&r).await })
        });
        let results = futures_join(handles.collect()).await;
        for (id, result) in ids.iter().zip(&results) {
            if *id == "BOOM" {
                assert!(matches!(result, Err(StoreError::Db(_))), "{}: {result:?}", backend.name);
                assert!(store.case(id).await.unwrap().is_none(), "{}: no case row without its events", backend.name);
            } else {
                assert!(result.is_ok(), "{}: {id}: {result:?}", backend.name);
                assert!(store.case(id).await.unwrap().is_some(), "{}: {id}", backend.name);
            }
        }
    }
}

#[tokio::test]
async fn a_concluded_case_is_kept_for_its_retention_term_then_purged_whole() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0);
        store.execute(&submission("JY-GG-0001", "P1", "guardian-1", transfer_form(), now)).await.unwrap();
        store.execute(&submission("JY-GG-0001", "P2", "guardian-2", transfer_form(), now)).await.unwrap();
        let withdraw = Command::WithdrawCase { reason: "已在本地入学".into() };
        store.execute(&request("P1", &Actor::applicant("guardian-1"), withdraw, now)).await.unwrap();
        let term = store.retention;
        let early = store.purge(now + term - chrono::Duration::days(1)).await.unwrap();
        assert_eq!(early.cases, 0, "{}: kept for the whole term", backend.name);
        let purged = store.purge(now + term + chrono::Duration::days(1)).await.unwrap();
        assert_eq!(purged.cases, 1, "{}", backend.name);
        assert!(store.case("P1").await.unwrap().is_none(), "{}", backend.name);
        assert!(store.events("P1").await.unwrap().is_empty(), "{}: its events went with it", backend.name);
        assert!(store.case("P2").await.unwrap().is_some(), "{}: an open case is never purged", backend.name);
    }
}

#[tokio::test]
async fn a_command_at_a_sub_millisecond_instant_still_verifies_after_reading_back() {
    for backend in backends().await {
        let store = open(&backend).await;
        let now = cst(2026, 4, 20, 9, 0) + chrono::Duration::nanoseconds(123_456_789);
        store.execute(&submission("JY-GG-0001", "M1", "guardian-1", transfer_form(), now)).await.unwrap();
        let events = store.events("M1").await.unwrap();
        engine::chain::verify(&events).unwrap_or_else(|b| panic!("{}: {b:?}", backend.name));
    }
}
