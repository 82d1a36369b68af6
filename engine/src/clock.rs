//! Clocks: the legal, promised and step clocks of a case.
//!
//! A clock is a ledger: a budget of time in its base (working seconds for working-day
//! limits, plain seconds otherwise), the time consumed by closed running segments, and the
//! instant the current segment started. Working time passes only on working days, so a
//! deadline is exact to the second, a pause keeps the remaining time exactly, and an
//! extension adds to the budget. Counting starts the day after the anchor (民法典 art. 201),
//! except for hours, which run from the anchor instant.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, DAY, local_date, start_of};
pub use crate::definition::PauseCounting;
use crate::limit::{Limit, Unit};

/// How a clock measures time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeBase {
    /// Only seconds of working days count.
    Working,
    /// Every second counts.
    Calendar,
}

/// SLA level of a clock. Changed by timers (and by extensions), never computed on a query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Within the limit.
    #[default]
    Normal,
    /// 预警 (yellow): past the warning threshold.
    Warning,
    /// 超期 (red): past the limit.
    Overdue,
}

/// A running, paused or stopped clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Clock {
    /// The limit as defined.
    pub limit: Limit,
    /// Extensions granted, in the unit of `limit` (or calendar days for months).
    pub extended: u32,
    /// How time is measured.
    pub base: TimeBase,
    /// Whether a deadline on a non-working day rolls to the end of the next working day.
    pub roll_forward: bool,
    /// When counting starts.
    pub start: DateTime<Utc>,
    /// Time allowed, in base seconds, extensions included.
    pub budget: i64,
    /// Time used by closed segments, in base seconds.
    pub consumed: i64,
    /// Start of the running segment; `None` while paused or stopped.
    pub running_since: Option<DateTime<Utc>>,
    /// Start of the current pause.
    pub paused_since: Option<DateTime<Utc>>,
    /// Number of pauses.
    pub pauses: u32,
    /// Base seconds the clock spent paused (for reports).
    pub paused_total: i64,
    /// Warning threshold in percent of the budget.
    pub warn_percent: u32,
    /// When the limit runs out, while running.
    pub deadline: Option<DateTime<Utc>>,
    /// When the clock turns yellow, while running and still normal.
    pub warn_at: Option<DateTime<Utc>>,
    /// Current SLA level.
    pub level: Level,
    /// When the clock was stopped for good.
    pub stopped_at: Option<DateTime<Utc>>,
    /// How a pause is counted. Clocks stored before the setting existed paused exactly, and
    /// an exact clock writes no field, so an event recorded before hashes the same.
    #[serde(default = "exact", skip_serializing_if = "PauseCounting::is_exact")]
    pub counting: PauseCounting,
}

fn exact() -> PauseCounting {
    PauseCounting::Exact
}

/// Where a clock starts.
#[derive(Debug, Clone, Copy)]
pub struct ClockStart {
    /// The limit.
    pub limit: Limit,
    /// The anchor date (acceptance, or a batch's closing day); counting starts the next day.
    pub anchor: DateTime<Utc>,
    /// Warning threshold in percent.
    pub warn_percent: u32,
    /// How pauses are counted.
    pub counting: PauseCounting,
}

impl Clock {
    /// Starts a clock.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] when the deadline is outside the calendar.
    pub fn start(spec: ClockStart, calendar: &Calendar) -> Result<Self, CalendarError> {
        let anchor_day = local_date(spec.anchor);
        let next_day = start_of(anchor_day + Duration::days(1));
        let amount = i64::from(spec.limit.amount);
        let (base, roll_forward, start, budget) = match spec.limit.unit {
            Unit::WorkingDays => (TimeBase::Working, false, next_day, amount * DAY),
            Unit::CalendarDays => (TimeBase::Calendar, true, next_day, amount * DAY),
            Unit::Months => {
                let end = add_months(anchor_day, spec.limit.amount)?;
                (TimeBase::Calendar, true, next_day, (end - anchor_day).num_days() * DAY)
            }
            Unit::Hours => (TimeBase::Calendar, false, spec.anchor, amount * 3600),
        };
        let mut clock = Self {
            limit: spec.limit,
            extended: 0,
            base,
            roll_forward,
            start,
            budget,
            consumed: 0,
            running_since: Some(spec.anchor),
            paused_since: None,
            pauses: 0,
            paused_total: 0,
            warn_percent: spec.warn_percent,
            deadline: None,
            warn_at: None,
            level: Level::Normal,
            stopped_at: None,
            counting: if spec.limit.unit == Unit::Hours { PauseCounting::Exact } else { spec.counting },
        };
        clock.recompute(calendar)?;
        Ok(clock)
    }

    fn position(&self, at: DateTime<Utc>, calendar: &Calendar) -> Result<i64, CalendarError> {
        match self.base {
            TimeBase::Working => calendar.working_seconds(at),
            TimeBase::Calendar => Ok(at.timestamp()),
        }
    }

    fn instant(&self, position: i64, calendar: &Calendar) -> Result<DateTime<Utc>, CalendarError> {
        match self.base {
            TimeBase::Working => calendar.instant_at_working_seconds(position),
            TimeBase::Calendar => {
                DateTime::from_timestamp(position, 0).ok_or(CalendarError::OutOfRange(NaiveDate::MAX))
            }
        }
    }

    /// Base seconds consumed up to `now`, pauses excluded.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the calendar.
    pub fn elapsed(&self, now: DateTime<Utc>, calendar: &Calendar) -> Result<i64, CalendarError> {
        let Some(since) = self.running_since else { return Ok(self.consumed) };
        let from = since.max(self.start);
        if now <= from {
            return Ok(self.consumed);
        }
        Ok(self.consumed + self.position(now, calendar)? - self.position(from, calendar)?)
    }

    /// Base seconds left (negative when overdue).
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the calendar.
    pub fn remaining(&self, now: DateTime<Utc>, calendar: &Calendar) -> Result<i64, CalendarError> {
        Ok(self.budget - self.elapsed(now, calendar)?)
    }

    /// Recomputes the deadline and warning instant of a running clock from its ledger, for
    /// the current calendar. Returns whether either changed.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] when the deadline is outside the calendar.
    pub fn recompute(&mut self, calendar: &Calendar) -> Result<bool, CalendarError> {
        let before = (self.deadline, self.warn_at);
        let Some(since) = self.running_since else {
            self.deadline = None;
            self.warn_at = None;
            return Ok(before != (None, None));
        };
        let from = self.position(since.max(self.start), calendar)?;
        let raw = self.instant(from + self.budget - self.consumed, calendar)?;
        self.deadline = Some(if self.roll_forward { roll_forward(raw, calendar)? } else { raw });
        let warn_budget = self.budget * i64::from(self.warn_percent) / 100;
        self.warn_at = if self.level == Level::Normal && self.warn_percent < 100 {
            Some(self.instant((from + warn_budget - self.consumed).max(from), calendar)?)
        } else {
            None
        };
        Ok(before != (self.deadline, self.warn_at))
    }

    /// Where a pause or a resume at `at` takes effect: the instant itself when counting
    /// exactly; with whole days, the end of that day (the day a procedure starts counts as
    /// used, and counting resumes the day after it ends).
    fn boundary(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.counting {
            PauseCounting::Exact => at,
            PauseCounting::WholeDays => start_of(local_date(at) + Duration::days(1)),
        }
    }

    /// Pauses a running clock; the remaining time is kept exactly.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the calendar.
    pub fn pause(&mut self, now: DateTime<Utc>, calendar: &Calendar) -> Result<(), CalendarError> {
        if self.running_since.is_none() {
            return Ok(());
        }
        self.consumed = self.elapsed(self.boundary(now), calendar)?;
        self.running_since = None;
        self.paused_since = Some(now);
        self.pauses += 1;
        self.recompute(calendar).map(|_| ())
    }

    /// Resumes a paused clock.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the calendar.
    pub fn resume(&mut self, now: DateTime<Utc>, calendar: &Calendar) -> Result<(), CalendarError> {
        let Some(paused) = self.paused_since.take() else { return Ok(()) };
        let from = self.boundary(paused).max(self.start);
        let until = self.boundary(now);
        if until > from {
            self.paused_total += self.position(until, calendar)? - self.position(from, calendar)?;
        }
        self.running_since = Some(until);
        self.recompute(calendar).map(|_| ())
    }

    /// Adds `amount` units to the limit and recomputes; the level follows the new deadline.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the calendar.
    pub fn extend(&mut self, amount: u32, now: DateTime<Utc>, calendar: &Calendar) -> Result<(), CalendarError> {
        let unit = if self.limit.unit == Unit::Hours { 3600 } else { DAY };
        self.budget += i64::from(amount) * unit;
        self.extended += amount;
        self.level = Level::Normal;
        self.recompute(calendar)?;
        self.level = self.level_at(now);
        self.recompute(calendar).map(|_| ())
    }

    /// Stops the clock for good (the case or the task is concluded).
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the calendar.
    pub fn stop(&mut self, now: DateTime<Utc>, calendar: &Calendar) -> Result<(), CalendarError> {
        if self.paused_since.is_some() {
            self.resume(now, calendar)?;
        }
        self.consumed = self.elapsed(now, calendar)?;
        self.running_since = None;
        self.stopped_at = Some(now);
        self.deadline = None;
        self.warn_at = None;
        Ok(())
    }

    /// The level a running clock has at `now` by its instants (used after extensions).
    #[must_use]
    pub fn level_at(&self, now: DateTime<Utc>) -> Level {
        match (self.deadline, self.warn_at) {
            (Some(d), _) if d <= now => Level::Overdue,
            (_, Some(w)) if w <= now => Level::Warning,
            _ if self.level == Level::Warning => Level::Warning,
            _ => Level::Normal,
        }
    }

    /// Whether the clock was (or is) within its budget.
    #[must_use]
    pub fn within_limit(&self) -> bool {
        self.consumed <= self.budget && self.level != Level::Overdue
    }
}

/// 民法典 art. 202: a period of months ends on the matching date of the last month, or on
/// its last day when it has no such date.
///
/// # Errors
/// [`CalendarError::OutOfRange`] when the date overflows.
pub fn add_months(date: NaiveDate, months: u32) -> Result<NaiveDate, CalendarError> {
    date.checked_add_months(chrono::Months::new(months)).ok_or(CalendarError::OutOfRange(date))
}

/// 民法典 art. 203: a period of days or months ends at the end of its last day, and a last
/// day that is a holiday moves to the first working day after it. (Pauses can move the raw
/// end into the middle of a day; the period still ends with that day, which keeps the
/// deadline monotonic in pauses and limits.)
fn roll_forward(deadline: DateTime<Utc>, calendar: &Calendar) -> Result<DateTime<Utc>, CalendarError> {
    let last_day = local_date(deadline - Duration::seconds(1));
    let day = if calendar.is_working_day(last_day)? { last_day } else { calendar.working_day_on_or_after(last_day)? };
    Ok(start_of(day + Duration::days(1)))
}
