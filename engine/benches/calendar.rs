//! Calendar arithmetic: adding and counting working days, working-second conversion.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use chrono::{Duration, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use engine::Calendar;

fn calendar(c: &mut Criterion) {
    let cal = Calendar::china_official();
    let dates: Vec<NaiveDate> =
        (0..1024).map(|i| NaiveDate::from_ymd_opt(2019, 1, 1).unwrap() + Duration::days(i * 2)).collect();
    let mut i = 0usize;
    c.bench_function("add_working_days(date, 20)", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(cal.add_working_days(black_box(dates[i]), 20).unwrap())
        })
    });
    c.bench_function("working_days_between(a, b)", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(cal.working_days_between(black_box(dates[i]), black_box(dates[1023 - i])).unwrap())
        })
    });
    let instants: Vec<_> = dates.iter().map(|d| engine::calendar::start_of(*d) + Duration::hours(10)).collect();
    c.bench_function("working_seconds(instant)", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(cal.working_seconds(black_box(instants[i])).unwrap())
        })
    });
}

criterion_group!(benches, calendar);
criterion_main!(benches);
