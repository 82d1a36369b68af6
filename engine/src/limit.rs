//! Time limits (时限): an amount and a unit, as the 实施清单 and the law write them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A time limit, e.g. 20 working days (行政许可法 art. 42) or 3 months (民办教育促进法 art. 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// How many units; always positive in a loaded definition.
    pub amount: u32,
    /// The unit.
    pub unit: Unit,
}

/// Units of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 工作日: statutory holidays and rest days excluded (行政许可法 art. 82).
    WorkingDays,
    /// 日: calendar days, a last day on a holiday rolls to the next working day (民法典 art. 203).
    CalendarDays,
    /// 月: ends on the matching date of the last month (民法典 art. 202), rolled like days.
    Months,
    /// 小时: counted from the anchor instant itself.
    Hours,
}

impl Limit {
    /// A limit in working days.
    #[must_use]
    pub const fn working_days(amount: u32) -> Self {
        Self { amount, unit: Unit::WorkingDays }
    }

    /// A limit in calendar days.
    #[must_use]
    pub const fn calendar_days(amount: u32) -> Self {
        Self { amount, unit: Unit::CalendarDays }
    }

    /// A limit in months.
    #[must_use]
    pub const fn months(amount: u32) -> Self {
        Self { amount, unit: Unit::Months }
    }

    /// A limit in hours.
    #[must_use]
    pub const fn hours(amount: u32) -> Self {
        Self { amount, unit: Unit::Hours }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.unit {
            Unit::WorkingDays => "个工作日",
            Unit::CalendarDays => "日",
            Unit::Months => "个月",
            Unit::Hours => "小时",
        };
        write!(f, "{}{unit}", self.amount)
    }
}
