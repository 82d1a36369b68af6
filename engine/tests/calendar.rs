//! The calendar against day counts checked by hand against the official holiday notices
//! (国办发明电〔2023〕7号 for 2024, 国办发明电〔2024〕12号 for 2025, the notice of 2025-11-04
//! for 2026; `workflows/README.md` lists them with their links).
#![allow(clippy::unwrap_used)]

mod common;

use common::{CALENDAR, date};
use engine::calendar::CalendarBuilder;

#[test]
fn checked_vectors_from_the_notices_hold() {
    let cases = [
        (date(2025, 9, 26), 5, date(2025, 10, 10)),
        (date(2025, 9, 26), 20, date(2025, 10, 30)),
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        (date(2025, 1, 24), 5, date(2025, 2, 7)),
        (date(2024, 12, 31), 20, date(2025, 2, 5)),
    ];
    for (start, n, expected) in cases {
        assert_eq!(CALENDAR.add_working_days(start, n).unwrap(), expected, "{start} + {n} WD");
        assert_eq!(CALENDAR.working_days_between(start, expected).unwrap(), i64::from(n));
    }
}

#[test]
fn working_days_per_year_match_the_notices() {
    assert_eq!(CALENDAR.working_days_in_year(2024).unwrap(), 251);
    assert_eq!(CALENDAR.working_days_in_year(2025).unwrap(), 248);
    assert_eq!(CALENDAR.working_days_in_year(2026).unwrap(), 248);
}

#[test]
fn a_make_up_saturday_works_and_a_holiday_weekday_does_not() {
    assert!(CALENDAR.is_working_day(date(2026, 2, 14)).unwrap(), "Sat 2026-02-14 is 调休");
    assert!(!CALENDAR.is_working_day(date(2026, 2, 16)).unwrap(), "Mon 2026-02-16 is 春节");
    assert_eq!(CALENDAR.named_day(date(2026, 2, 16)).unwrap().name, "春节");
}

#[test]
fn a_year_without_a_notice_is_provisional_and_counts_weekends_only() {
    assert!(CALENDAR.is_provisional(2027));
    assert!(!CALENDAR.is_provisional(2026));
    // 2027-01-01 is a Friday: without a notice it is a working day.
    assert!(CALENDAR.is_working_day(date(2027, 1, 1)).unwrap());
    assert_eq!(CALENDAR.working_days_in_year(2027).unwrap(), 261);
}

#[test]
fn a_regional_holiday_overrides_the_national_calendar() {
    let mut builder = CalendarBuilder::new("CN-65");
    for year in 2024..=2026 {
        let path = format!("{}/../workflows/calendars/cn-statutory/{year}.json", env!("CARGO_MANIFEST_DIR"));
        builder = builder.notice_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    }
    let day = serde_json::from_str(r#"{"name":"古尔邦节","date":"2026-05-27","isOffDay":true}"#).unwrap();
    let regional = builder.override_day(day).build();
    assert!(CALENDAR.is_working_day(date(2026, 5, 27)).unwrap());
    assert!(!regional.is_working_day(date(2026, 5, 27)).unwrap());
    assert_eq!(regional.add_working_days(date(2026, 5, 26), 1).unwrap(), date(2026, 5, 28));
    assert_ne!(regional.year_digest(2026), CALENDAR.year_digest(2026));
    assert_eq!(regional.region(), "CN-65");
}

#[test]
fn a_malformed_notice_is_refused_with_a_reason() {
    let err = CalendarBuilder::new("CN").notice_json("{\"year\": \"soon\"}").unwrap_err();
    assert!(err.to_string().contains("malformed"), "{err}");
}

#[test]
fn dates_outside_the_calendar_are_errors_not_panics() {
    assert!(CALENDAR.add_working_days(date(1999, 1, 1), 1).is_err());
    assert!(CALENDAR.add_working_days(date(2045, 12, 30), 30).is_err());
}
