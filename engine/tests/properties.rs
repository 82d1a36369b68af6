//! Properties of the calendar and clocks over the real 2019-2026 data and provisional years,
//! the recomputation of deadlines when a year's notice arrives, and the hash chain.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, NaiveDate};
use common::{CALENDAR, Case, cst, end_of, materials, service, staff};
use engine::calendar::{CalendarBuilder, start_of};
use engine::case::{Actor, Command, Event};
use engine::chain::{seal, verify};
use engine::clock::PauseCounting;
use engine::clock::{Clock, ClockStart};
use engine::limit::{Limit, Unit};
use proptest::prelude::*;

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..(365 * 9)).prop_map(|d| NaiveDate::from_ymd_opt(2019, 1, 1).unwrap() + Duration::days(d))
}

fn any_unit() -> impl Strategy<Value = Unit> {
    prop_oneof![Just(Unit::WorkingDays), Just(Unit::CalendarDays), Just(Unit::Months), Just(Unit::Hours)]
}

fn start(limit: Limit, anchor: chrono::DateTime<chrono::Utc>) -> Clock {
    Clock::start(ClockStart { limit, anchor, warn_percent: 80, counting: PauseCounting::Exact }, &CALENDAR).unwrap()
}

fn start_whole_days(limit: Limit, anchor: chrono::DateTime<chrono::Utc>) -> Clock {
    Clock::start(ClockStart { limit, anchor, warn_percent: 80, counting: PauseCounting::WholeDays }, &CALENDAR).unwrap()
}

fn next_midnight(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    start_of(engine::calendar::local_date(at) + Duration::days(1))
}

proptest! {
    #[test]
    fn adding_n_working_days_then_counting_gives_n(date in any_date(), n in 0u32..400) {
        let end = CALENDAR.add_working_days(date, n).unwrap();
        prop_assert_eq!(CALENDAR.working_days_between(date, end).unwrap(), i64::from(n));
        prop_assert!(n == 0 || CALENDAR.is_working_day(end).unwrap());
    }

    #[test]
    fn a_pause_never_shortens_a_deadline(
        anchor_day in any_date(), amount in 1u32..60, unit in any_unit(),
        pause_after in 0i64..(40 * 86_400), pause_for in 0i64..(20 * 86_400),
    ) {
        let anchor = start_of(anchor_day) + Duration::hours(10);
        let mut clock = start(Limit { amount, unit }, anchor);
        let before = clock.deadline.unwrap();
        let paused = anchor + Duration::seconds(pause_after);
        clock.pause(paused, &CALENDAR).unwrap();
        clock.resume(paused + Duration::seconds(pause_for), &CALENDAR).unwrap();
        prop_assert!(clock.deadline.unwrap() >= before);
    }

    #[test]
    fn counting_whole_days_a_pause_never_shortens_a_deadline_and_it_ends_with_a_day(
        anchor_day in any_date(), amount in 1u32..60, unit in prop_oneof![Just(Unit::WorkingDays), Just(Unit::CalendarDays), Just(Unit::Months)],
        pause_after in 0i64..(40 * 86_400), pause_for in 0i64..(20 * 86_400),
    ) {
        let anchor = start_of(anchor_day) + Duration::hours(10);
        let mut clock = start_whole_days(Limit { amount, unit }, anchor);
        let before = clock.deadline.unwrap();
        let paused = anchor + Duration::seconds(pause_after);
        clock.pause(paused, &CALENDAR).unwrap();
        clock.resume(paused + Duration::seconds(pause_for), &CALENDAR).unwrap();
        let after = clock.deadline.unwrap();
        prop_assert!(after >= before);
        // A clerk reads a date: the deadline is always the end of a day, never 05:00.
        prop_assert_eq!(after, start_of(engine::calendar::local_date(after)));
    }

    #[test]
    fn counting_whole_days_the_pause_day_is_used_and_counting_resumes_the_day_after(
        anchor_day in any_date(), amount in 1u32..60, pause_after in 0i64..(30 * 86_400), pause_for in 0i64..(20 * 86_400),
    ) {
        let anchor = start_of(anchor_day) + Duration::hours(10);
        let mut clock = start_whole_days(Limit::working_days(amount), anchor);
        let paused = anchor + Duration::seconds(pause_after);
        let left_after_that_day = clock.remaining(next_midnight(paused), &CALENDAR).unwrap();
        clock.pause(paused, &CALENDAR).unwrap();
        let resumed = paused + Duration::seconds(pause_for);
        clock.resume(resumed, &CALENDAR).unwrap();
        prop_assert_eq!(clock.remaining(next_midnight(resumed), &CALENDAR).unwrap(), left_after_that_day);
        prop_assert_eq!(clock.remaining(resumed, &CALENDAR).unwrap(), left_after_that_day);
    }

    #[test]
    fn a_pause_keeps_the_remaining_time_exactly(anchor_day in any_date(), amount in 1u32..60, pause_after in 0i64..(30 * 86_400), pause_for in 0i64..(20 * 86_400)) {
        let anchor = start_of(anchor_day) + Duration::hours(10);
        let mut clock = start(Limit::working_days(amount), anchor);
        let paused = anchor + Duration::seconds(pause_after);
        let left = clock.remaining(paused, &CALENDAR).unwrap();
        clock.pause(paused, &CALENDAR).unwrap();
        let resumed = paused + Duration::seconds(pause_for);
        clock.resume(resumed, &CALENDAR).unwrap();
        prop_assert_eq!(clock.remaining(resumed, &CALENDAR).unwrap(), left);
    }

    #[test]
    fn deadlines_are_monotonic_in_the_limit(anchor_day in any_date(), amount in 1u32..100, unit in any_unit()) {
        let anchor = start_of(anchor_day) + Duration::hours(15);
        let shorter = start(Limit { amount, unit }, anchor).deadline.unwrap();
        let longer = start(Limit { amount: amount + 1, unit }, anchor).deadline.unwrap();
        prop_assert!(longer >= shorter);
    }

    #[test]
    fn working_seconds_round_trip(date in any_date(), secs in 1i64..86_400) {
        prop_assume!(CALENDAR.is_working_day(date).unwrap());
        let at = start_of(date) + Duration::seconds(secs);
        prop_assert_eq!(CALENDAR.instant_at_working_seconds(CALENDAR.working_seconds(at).unwrap()).unwrap(), at);
    }
}

#[test]
fn loading_the_2027_notice_recomputes_an_open_deadline_that_crosses_it() {
    let mut case = Case::new(service("private-school-licence.yaml"), cst(2026, 12, 28, 9, 0));
    let codes = [
        "preparation_approval",
        "preparation_report",
        "charter",
        "board_member_list",
        "asset_proof",
        "principal_credentials",
        "teacher_credentials",
        "accountant_credentials",
    ];
    let form = serde_json::json!({"office_code": "410102", "school_name": "明德学校", "organiser_name": "明德集团"});
    case.ok(&Actor::applicant("s"), Command::submit("C", form, materials(&codes)));
    case.ok(&staff("c", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    // Provisional 2027 (weekends only): 12/29, 12/30, 12/31, 1/1 (Fri), 1/4 … 9th is 1/8.
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2027, 1, 8)));

    let mut builder = CalendarBuilder::new("CN");
    for year in 2019..=2026 {
        let path = format!("{}/../workflows/calendars/cn-statutory/{year}.json", env!("CARGO_MANIFEST_DIR"));
        builder = builder.notice_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    }
    let notice = r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#;
    let with_2027 = builder.notice_json(notice).unwrap().build();
    assert!(!with_2027.is_provisional(2027));
    let ctx = engine::case::Context { now: cst(2026, 12, 29, 9, 0), calendar: &with_2027, actor: &Actor::system() };
    let events = engine::case::decide(&case.service, &case.state, &Command::RecomputeDeadlines, &ctx).unwrap();
    assert!(events.iter().any(|e| matches!(e, Event::DeadlinesRecomputed { .. })));
    let mut state = case.state.clone();
    for e in &events {
        engine::case::evolve(&mut state, e);
    }
    assert_eq!(
        state.promised.as_ref().unwrap().deadline,
        Some(end_of(2027, 1, 11)),
        "元旦 2027 pushes it one working day"
    );
    assert!(state.timers.values().any(|t| t.due == end_of(2027, 1, 11)), "the overdue timer moved with it");
    let again = engine::case::decide(&case.service, &state, &Command::RecomputeDeadlines, &ctx).unwrap();
    assert!(again.is_empty(), "nothing to do when nothing changed");
}

#[test]
fn the_hash_chain_verifies_and_names_the_first_edited_event() {
    let mut case = Case::new(service("student-transfer.yaml"), cst(2025, 9, 26, 10, 0));
    let form = transfer_form();
    let first = case.ok(&Actor::applicant("g"), Command::submit("C9", form, materials(&[])));
    let mut records = seal("C9", None, cst(2025, 9, 26, 10, 0), "g", first);
    let second = case.complete(&staff("s1", "school_registrar", "110105001"), "receiving_school", "approve");
    let last = records.last().unwrap();
    records.extend(seal("C9", Some((last.sequence, &last.hash.clone())), cst(2025, 9, 27, 10, 0), "s1", second));
    assert!(records.len() > 4);
    verify(&records).unwrap();

    let mut edited = records.clone();
    if let Event::TaskCompleted { action, .. } =
        &mut edited.iter_mut().find(|r| matches!(r.event, Event::TaskCompleted { .. })).unwrap().event
    {
        *action = "refuse".into();
    }
    let at = edited.iter().position(|r| matches!(r.event, Event::TaskCompleted { .. })).unwrap();
    assert_eq!(verify(&edited).unwrap_err().sequence, records[at].sequence);

    let mut removed = records.clone();
    removed.remove(2);
    assert_eq!(verify(&removed).unwrap_err().sequence, 3);
}

#[test]
fn replaying_the_events_rebuilds_the_state() {
    let mut case = Case::new(service("student-transfer.yaml"), cst(2025, 9, 26, 10, 0));
    let form = transfer_form();
    case.ok(&Actor::applicant("g"), Command::submit("C9", form, materials(&[])));
    case.complete(&staff("s1", "school_registrar", "110105001"), "receiving_school", "approve");
    let json = serde_json::to_string(&case.events).unwrap();
    let events: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(engine::case::replay(&events), case.state);
}

fn transfer_form() -> serde_json::Value {
    serde_json::json!({"student_name": "李四", "student_id_card": "440524188001010014", "student_number": "G1",
        "guardian_name": "李父", "receiving_school_code": "110105001", "receiving_bureau_code": "110105",
        "sending_school_code": "440524003", "sending_bureau_code": "440524", "reason": "调动"})
}
