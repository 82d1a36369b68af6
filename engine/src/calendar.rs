//! The statutory working-day calendar and the arithmetic of periods over it.
//!
//! A date is a working day when the State Council notice lists it as a make-up working day
//! (调休), or when it is Monday to Friday and no notice lists it as a day off. Regions may
//! add days off (放假办法 art. 4) through overrides. Years without a notice are counted on
//! weekends alone and flagged provisional.
//!
//! Everything is precomputed at build time over a fixed span of years: the number of working
//! days up to each date and the list of working days, so adding or counting working days is
//! two array look-ups, not a loop over days.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc, Weekday};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// First year the calendar covers.
pub const FIRST_YEAR: i32 = 2018;
/// Last year the calendar covers.
pub const LAST_YEAR: i32 = 2045;
/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// China Standard Time (UTC+8, no daylight saving): the time all limits are counted in.
#[must_use]
pub fn china() -> FixedOffset {
    // 8 hours is always a valid offset; the fallback is unreachable.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The date of an instant in China.
#[must_use]
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// The instant a date begins in China (00:00 China time).
#[must_use]
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN) - Duration::hours(8);
    Utc.from_utc_datetime(&naive)
}

/// Errors of calendar data and arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A date outside the years the calendar covers.
    #[error("date {0} is outside the calendar ({FIRST_YEAR}-{LAST_YEAR})")]
    OutOfRange(NaiveDate),
    /// A notice file that is not in the holiday-cn format.
    #[error("calendar notice is malformed: {0}")]
    Malformed(String),
}

/// One day named by a notice or an override.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NamedDay {
    /// Holiday name, e.g. `春节`.
    pub name: String,
    /// The date.
    pub date: NaiveDate,
    /// True for a day off, false for a make-up working day.
    #[serde(rename = "isOffDay")]
    pub is_off_day: bool,
}

#[derive(Deserialize)]
struct Notice {
    year: i32,
    days: Vec<NamedDay>,
}

/// Collects notices and overrides, then builds a [`Calendar`].
#[derive(Debug, Clone, Default)]
pub struct CalendarBuilder {
    region: String,
    days: BTreeMap<NaiveDate, NamedDay>,
    overrides: BTreeMap<NaiveDate, NamedDay>,
    official_years: BTreeSet<i32>,
}

impl CalendarBuilder {
    /// A builder for a region code (`CN` for the national calendar).
    #[must_use]
    pub fn new(region: &str) -> Self {
        Self { region: region.to_owned(), ..Self::default() }
    }

    /// A builder holding the shipped national notices, for adding later ones to.
    #[must_use]
    pub fn china_official() -> Self {
        let mut builder = Self::new("CN");
        for json in crate::calendar_data::NOTICES {
            // The shipped files are checked by a test; a broken one would fail it.
            if let Ok(b) = builder.clone().notice_json(json) {
                builder = b;
            }
        }
        builder
    }

    /// Adds one notice in the holiday-cn JSON format; its year becomes official.
    ///
    /// # Errors
    /// [`CalendarError::Malformed`] when the text is not such a notice.
    pub fn notice_json(mut self, json: &str) -> Result<Self, CalendarError> {
        let notice: Notice = serde_json::from_str(json).map_err(|e| CalendarError::Malformed(e.to_string()))?;
        self.official_years.insert(notice.year);
        for day in notice.days {
            self.days.insert(day.date, day);
        }
        Ok(self)
    }

    /// Adds a regional day (an ethnic-minority holiday, say); overrides win over notices.
    #[must_use]
    pub fn override_day(mut self, day: NamedDay) -> Self {
        self.overrides.insert(day.date, day);
        self
    }

    /// Builds the precomputed calendar.
    #[must_use]
    pub fn build(self) -> Calendar {
        let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).unwrap_or(NaiveDate::MIN);
        let span = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
        let mut working = Vec::with_capacity(span);
        let mut date = first;
        for _ in 0..span {
            let listed = self.overrides.get(&date).or_else(|| self.days.get(&date));
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            working.push(listed.map_or(!weekend, |d| !d.is_off_day));
            date = date.succ_opt().unwrap_or(date);
        }
        Calendar::from_flags(self, first, working)
    }
}

/// A built calendar: which days are working days, with precomputed counts.
#[derive(Debug, Clone)]
pub struct Calendar {
    region: String,
    first: NaiveDate,
    /// `before[i]`: working days strictly before day `i` (length = days + 1).
    before: Vec<u32>,
    /// Day indexes of the working days, ascending.
    workdays: Vec<u32>,
    official_years: BTreeSet<i32>,
    named: BTreeMap<NaiveDate, NamedDay>,
}

impl Calendar {
    fn from_flags(builder: CalendarBuilder, first: NaiveDate, working: Vec<bool>) -> Self {
        let mut before = Vec::with_capacity(working.len() + 1);
        let mut workdays = Vec::new();
        let mut count = 0u32;
        for (i, w) in working.iter().enumerate() {
            before.push(count);
            if *w {
                workdays.push(u32::try_from(i).unwrap_or(u32::MAX));
                count += 1;
            }
        }
        before.push(count);
        let mut named = builder.days;
        named.extend(builder.overrides);
        Self { region: builder.region, first, before, workdays, official_years: builder.official_years, named }
    }

    /// The national calendar from the notices shipped in `workflows/calendars/cn-statutory`,
    /// compiled into the binary so the product never reads `../shared` at run time.
    #[must_use]
    pub fn china_official() -> Self {
        CalendarBuilder::china_official().build()
    }

    /// Region code of this calendar.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// True when no official notice was loaded for `year` (weekends only).
    #[must_use]
    pub fn is_provisional(&self, year: i32) -> bool {
        !self.official_years.contains(&year)
    }

    /// The holiday or make-up day listed for a date, if any.
    #[must_use]
    pub fn named_day(&self, date: NaiveDate) -> Option<&NamedDay> {
        self.named.get(&date)
    }

    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        let i = (date - self.first).num_days();
        if i < 0 || i >= i64::try_from(self.workdays_span()).unwrap_or(0) {
            return Err(CalendarError::OutOfRange(date));
        }
        usize::try_from(i).map_err(|_| CalendarError::OutOfRange(date))
    }

    fn workdays_span(&self) -> usize {
        self.before.len() - 1
    }

    fn date_at(&self, index: u32) -> NaiveDate {
        self.first + Duration::days(i64::from(index))
    }

    /// Whether a date is a working day.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the covered years.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let i = self.index(date)?;
        Ok(self.before[i + 1] > self.before[i])
    }

    /// The `n`-th working day after `date` (民法典 art. 201: the start day is not counted).
    /// `n = 0` gives `date` itself.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] when the start or the result is outside the calendar.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(date);
        }
        let i = self.index(date)?;
        let k = self.before[i + 1] as usize + n as usize - 1;
        self.workdays.get(k).map(|&d| self.date_at(d)).ok_or(CalendarError::OutOfRange(date))
    }

    /// Working days in `(from, to]`: after `from`, up to and including `to`; negative when
    /// `to` is before `from`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the covered years.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        let a = self.index(from)?;
        let b = self.index(to)?;
        Ok(i64::from(self.before[b + 1]) - i64::from(self.before[a + 1]))
    }

    /// The first working day on or after `date`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the covered years.
    pub fn working_day_on_or_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.index(date)?;
        self.workdays.get(self.before[i] as usize).map(|&d| self.date_at(d)).ok_or(CalendarError::OutOfRange(date))
    }

    /// Working time elapsed since the calendar's first day, in seconds: only the seconds of
    /// working days count. Monotonic in `at`; constant across a non-working day.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the covered years.
    pub fn working_seconds(&self, at: DateTime<Utc>) -> Result<i64, CalendarError> {
        let date = local_date(at);
        let i = self.index(date)?;
        let done = i64::from(self.before[i]) * DAY;
        if self.before[i + 1] > self.before[i] { Ok(done + (at - start_of(date)).num_seconds()) } else { Ok(done) }
    }

    /// The instant at which `seconds` of working time have elapsed. A whole number of days
    /// ends at midnight after the last working day (the end of that day), not at the start
    /// of the next working day.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] when the instant is past the calendar.
    pub fn instant_at_working_seconds(&self, seconds: i64) -> Result<DateTime<Utc>, CalendarError> {
        let seconds = seconds.max(1);
        let k = usize::try_from((seconds - 1) / DAY).unwrap_or(usize::MAX);
        let into = seconds - (seconds - 1) / DAY * DAY;
        let last = self.date_at(*self.workdays.last().unwrap_or(&0));
        let day = self.workdays.get(k).map(|&d| self.date_at(d)).ok_or(CalendarError::OutOfRange(last))?;
        Ok(start_of(day) + Duration::seconds(into))
    }

    /// A digest of one year's working days, so a runtime can tell whether loading a notice
    /// changed that year and open deadlines must be recomputed.
    #[must_use]
    pub fn year_digest(&self, year: i32) -> String {
        let mut hash = Sha256::new();
        hash.update(self.region.as_bytes());
        if let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) {
            for day in first.iter_days().take_while(|d| d.year() == year) {
                hash.update([u8::from(self.is_working_day(day).unwrap_or(false))]);
            }
        }
        hex::encode(hash.finalize())
    }

    /// Number of working days in a year.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the covered years.
    pub fn working_days_in_year(&self, year: i32) -> Result<i64, CalendarError> {
        let last_of_previous =
            NaiveDate::from_ymd_opt(year - 1, 12, 31).ok_or(CalendarError::Malformed(year.to_string()))?;
        let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(CalendarError::Malformed(year.to_string()))?;
        self.working_days_between(last_of_previous, last)
    }
}
