//! Application windows of batch services (教师资格认定: spring and autumn).

use chrono::{Datelike, NaiveDate};

use super::state::BatchRef;
use crate::definition::BatchWindow;

/// Parses `MM-DD` into (month, day).
#[must_use]
pub fn parse_month_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    // 2024 is a leap year, so 02-29 is accepted.
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

fn in_year(year: i32, md: &str) -> Option<NaiveDate> {
    let (m, d) = parse_month_day(md)?;
    NaiveDate::from_ymd_opt(year, m, d).or_else(|| NaiveDate::from_ymd_opt(year, m, d - 1))
}

/// The window open on `today`, or the first day of the next window.
///
/// # Errors
/// The next opening date when no window is open (`None` inside when there are no windows).
pub fn window_for(windows: &[BatchWindow], today: NaiveDate) -> Result<BatchRef, Option<NaiveDate>> {
    let mut next: Option<NaiveDate> = None;
    for w in windows {
        for year in [today.year(), today.year() + 1] {
            let (Some(opens), Some(closes)) = (in_year(year, &w.opens), in_year(year, &w.closes)) else { continue };
            if opens <= today && today <= closes {
                return Ok(BatchRef { name: w.name.clone(), closes });
            }
            if opens > today {
                next = Some(next.map_or(opens, |n| n.min(opens)));
            }
        }
    }
    Err(next)
}
