//! Loading next year's holiday notice on SQLite and PostgreSQL: open deadlines that run into
//! the year move, their timers move with them, each touched case records why, and cases
//! the notice does not touch are left alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::store::sql::{all, millis};
use chrono::NaiveDate;
use engine::case::Event;
use tests::{backends, cst, open, submission, transfer_form};

const NOTICE_2027: &str = r#"{"year": 2027, "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true}
]}"#;

#[tokio::test]
async fn a_new_years_notice_moves_the_open_deadlines_it_touches_and_their_timers() {
    for backend in backends().await {
        let store = open(&backend).await;
        assert!(store.calendar().is_provisional(2027), "{}: 2027 counts weekends only", backend.name);
        let late = store.execute(&submission("JY-GG-0001", "N1", "g1", transfer_form(), cst(2026, 12, 1, 9, 0))).await;
        let early = store.execute(&submission("JY-GG-0001", "N2", "g2", transfer_form(), cst(2026, 4, 1, 9, 0))).await;
        let before = late.unwrap().state.legal.unwrap().deadline.unwrap();
        let untouched = early.unwrap().state;

        let done = store.load_calendar(NOTICE_2027, cst(2026, 12, 2, 9, 0)).await.unwrap();
        assert_eq!(done.cases, vec!["N1".to_owned()], "{}", backend.name);
        assert!(!store.calendar().is_provisional(2027), "{}", backend.name);

        // 2027-01-01, a Friday, is now a day off: the deadline (in 2027, after it) is one
        // working day later.
        let old_day = engine::calendar::local_date(before - chrono::Duration::seconds(1));
        assert!(old_day > NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), "{}: {old_day}", backend.name);
        let new_day = store.calendar().add_working_days(old_day, 1).unwrap();
        let case = store.case("N1").await.unwrap().unwrap();
        let after = case.legal.as_ref().unwrap().deadline.unwrap();
        assert_eq!(after, engine::calendar::start_of(new_day.succ_opt().unwrap()), "{}", backend.name);
        let events = store.events("N1").await.unwrap();
        assert!(events.iter().any(|r| matches!(r.event, Event::DeadlinesRecomputed { .. })), "{}", backend.name);
        engine::chain::verify(&events).unwrap();

        // The timer rows are the case's timers, at their new times.
        let rows =
            all(store.db(), "SELECT timer_id, due_at FROM timers WHERE case_id = 'N1' ORDER BY timer_id", vec![])
                .await
                .unwrap();
        let stored: Vec<(i32, i64)> =
            rows.iter().map(|r| (r.try_get("", "timer_id").unwrap(), r.try_get("", "due_at").unwrap())).collect();
        let expected: Vec<(i32, i64)> = case.timers.values().map(|t| (t.id as i32, millis(t.due))).collect();
        assert_eq!(stored, expected, "{}", backend.name);
        assert!(stored.iter().any(|(_, due)| *due == millis(after)), "{}: the overdue timer moved", backend.name);

        assert_eq!(
            store.case("N2").await.unwrap().unwrap(),
            untouched,
            "{}: nothing in 2027, nothing moved",
            backend.name
        );

        // Reopening the store keeps the loaded notice.
        drop(store);
        let store = open(&backend).await;
        assert!(!store.calendar().is_provisional(2027), "{}", backend.name);
        assert!(store.load_calendar("{\"year\": 2027}", cst(2026, 12, 2, 9, 0)).await.is_err(), "{}", backend.name);
    }
}

#[tokio::test]
async fn another_node_picks_up_a_loaded_notice_on_its_next_pass() {
    for backend in backends().await {
        let (a, b) = (open(&backend).await, open(&backend).await);
        a.load_calendar(NOTICE_2027, cst(2026, 12, 2, 9, 0)).await.unwrap();
        assert!(b.calendar().is_provisional(2027), "{}: b has not looked yet", backend.name);
        b.refresh_calendar().await.unwrap();
        assert!(!b.calendar().is_provisional(2027), "{}", backend.name);
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(b.calendar().is_working_day(new_year).ok(), Some(false), "{}", backend.name);
    }
}
