//! The auditors' SLA figures: a few grouped scans over the period's rows — intake counts
//! from `cases`, conclusion figures and a 0.1-day histogram of processing times (for
//! median and p90) from `case_facts`, per-step figures from `step_facts` (both written by
//! [`facts`](super::facts)).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::figures::{Commitments, CountDays, FollowUps, Process, Ratings, ServiceFigures, StepFigures};
use super::sql::{all, millis};
use super::{Store, StoreError};

/// Base seconds in a day (a working day for working-day clocks).
const DAY: f64 = 86_400.0;

/// Histogram resolution: a tenth of a day.
const BUCKET: i64 = 8_640;

/// What a report covers.
#[derive(Debug, Clone)]
pub struct ReportFilter {
    /// Office code prefix (an office and its sub-offices); empty for everywhere.
    pub office: String,
    /// One service, or all.
    pub service: Option<String>,
    /// Only these services (the caller's, for staff); `None`: any.
    pub services: Option<Vec<String>>,
    /// Period start (inclusive): cases received, resp. concluded, from then.
    pub from: DateTime<Utc>,
    /// Period end (exclusive).
    pub to: DateTime<Utc>,
}

impl ReportFilter {
    /// The period's and scope's parameters and the conditions after `$1`/`$2` (the period):
    /// an office range (an index range scan) and the service, for a table with `office`
    /// and `service_code` columns.
    pub(super) fn bounds(&self) -> (Vec<sea_orm::Value>, String) {
        let mut values: Vec<sea_orm::Value> = vec![millis(self.from).into(), millis(self.to).into()];
        let mut scope = String::new();
        if let Some((lo, hi)) = office_range(&self.office) {
            values.extend([lo.into(), hi.into()]);
            scope.push_str(" AND office >= $3 AND office < $4");
        }
        if let Some(service) = &self.service {
            values.push(service.clone().into());
            scope.push_str(&format!(" AND service_code = ${}", values.len()));
        }
        scope.push_str(&services_in(&mut values, self.services.as_deref()));
        (values, scope)
    }
}

/// ` AND service_code IN (...)` for a list of services (none: a condition that never
/// holds; `None`: no condition), its values appended to `values`.
pub(super) fn services_in(values: &mut Vec<sea_orm::Value>, services: Option<&[String]>) -> String {
    match services {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_owned(),
        Some(list) => {
            let slots: Vec<String> = list
                .iter()
                .map(|s| {
                    values.push(s.clone().into());
                    format!("${}", values.len())
                })
                .collect();
            format!(" AND service_code IN ({})", slots.join(", "))
        }
    }
}

/// `[from, to)` of office codes under `prefix`, for an index range scan.
pub(super) fn office_range(prefix: &str) -> Option<(String, String)> {
    let mut end: Vec<char> = prefix.chars().collect();
    let last = end.pop()?;
    end.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    Some((prefix.to_owned(), end.into_iter().collect()))
}

/// Base seconds as days (working days on a working-day clock), to 0.01.
#[must_use]
pub fn days(unit_secs: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let d = unit_secs as f64 / DAY;
    (d * 100.0).round() / 100.0
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (b > 0).then(|| ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0)
}

/// The value at `share` of the histogram, in days (its bucket's lower bound).
fn percentile(histogram: &BTreeMap<i64, i64>, total: i64, share: f64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let rank = ((total as f64) * share).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (bucket, n) in histogram {
        seen += n;
        if seen >= rank {
            #[allow(clippy::cast_precision_loss)]
            return Some(*bucket as f64 / 10.0);
        }
    }
    None
}

impl Store {
    /// The SLA report: one entry per service with cases in the filter's scope and period.
    ///
    /// # Errors
    /// A database error.
    pub async fn sla_report(&self, filter: &ReportFilter) -> Result<Vec<ServiceFigures>, StoreError> {
        let (values, scope) = filter.bounds();
        let mut out: BTreeMap<String, ServiceFigures> = BTreeMap::new();
        // `+received_at`: scope the scan by the office index; after ANALYZE, SQLite would
        // otherwise skip-scan `(service_code, received_at)` across every office (1 ms
        // against 100 ms for an office's month over a million cases).
        let intake = format!(
            "SELECT service_code, COUNT(*), COUNT(accepted_at), COUNT(concluded_at) FROM cases \
             WHERE +received_at >= $1 AND +received_at < $2{scope} GROUP BY service_code"
        );
        for r in all(&self.db, &intake, values.clone()).await? {
            let f = out.entry(r.try_get_by_index::<String>(0)?).or_default();
            f.received = r.try_get_by_index(1)?;
            f.accepted = r.try_get_by_index(2)?;
            f.concluded_of_received = r.try_get_by_index(3)?;
            f.open = f.received - f.concluded_of_received;
        }
        // PostgreSQL sums BIGINT into NUMERIC: every sum is cast back.
        let sum = |e: &str| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)");
        let when = |c: &str| sum(&format!("CASE WHEN {c} THEN 1 ELSE 0 END"));
        let columns = [
            "COUNT(*)".to_owned(),
            sum("legal_on_time"),
            "COUNT(legal_on_time)".to_owned(),
            sum("promised_on_time"),
            "COUNT(promised_on_time)".to_owned(),
            sum("legal_used"),
            "COALESCE(MAX(legal_used), 0)".to_owned(),
            "COUNT(legal_used)".to_owned(),
            sum("pauses"),
            sum("paused_secs"),
            sum("extensions"),
            sum("extension_amount"),
            sum("corrections"),
            when("corrections > 1"),
            sum("visits"),
            when("visits > max_visits"),
            "COUNT(rating)".to_owned(),
            sum("rating"),
            when("rating = 1"),
            when("rating = 2"),
            when("rating = 3"),
            when("rating = 4"),
            when("rating = 5"),
            when("follow_up IS NOT NULL"),
            when("follow_up = 'open'"),
            when("follow_up = 'overdue'"),
            when("follow_up = 'closed'"),
            when("follow_up = 'closed_late'"),
            sum("on_commitment"),
            when("verification = 'verified'"),
            when("verification = 'revoked'"),
            when("verification = 'pending'"),
            sum("no_shows"),
        ];
        let sums = format!(
            "SELECT service_code, {} FROM case_facts WHERE concluded_at >= $1 AND concluded_at < $2{scope} \
             GROUP BY service_code",
            columns.join(", ")
        );
        let mut used_counts = BTreeMap::new();
        for r in all(&self.db, &sums, values.clone()).await? {
            let get = |i: usize| r.try_get_by_index::<i64>(i);
            let code: String = r.try_get_by_index(0)?;
            let f = out.entry(code.clone()).or_default();
            f.concluded = get(1)?;
            f.on_time_legal = ratio(get(2)?, get(3)?);
            f.on_time_promised = ratio(get(4)?, get(5)?);
            let (used_sum, used_max, used_n) = (get(6)?, get(7)?, get(8)?);
            used_counts.insert(code, used_n);
            if used_n > 0 {
                f.processing_days.mean = Some(days(used_sum / used_n));
                f.processing_days.max = Some(days(used_max));
            }
            f.pauses = CountDays { count: get(9)?, days: days(get(10)?) };
            #[allow(clippy::cast_precision_loss)]
            let extension_days = get(12)? as f64;
            f.extensions = CountDays { count: get(11)?, days: extension_days };
            #[allow(clippy::cast_precision_loss)]
            let per_case =
                |n: i64| (f.concluded > 0).then(|| ((n as f64 / f.concluded as f64) * 100.0).round() / 100.0);
            f.corrections_per_case = per_case(get(13)?);
            f.cases_with_second_notice = get(14)?;
            f.visits_per_case = per_case(get(15)?);
            f.cases_over_max_visits = get(16)?;
            let (rated, score_sum) = (get(17)?, get(18)?);
            #[allow(clippy::cast_precision_loss)]
            let mean = (rated > 0).then(|| ((score_sum as f64 / rated as f64) * 100.0).round() / 100.0);
            let by_score = (19..24).map(get).collect::<Result<Vec<i64>, _>>()?;
            f.ratings = Ratings { count: rated, mean, bad: by_score[0] + by_score[1], by_score };
            f.follow_ups = FollowUps {
                opened: get(24)?,
                open: get(25)?,
                overdue: get(26)?,
                closed: get(27)?,
                closed_late: get(28)?,
            };
            f.commitments =
                Commitments { approved: get(29)?, verified: get(30)?, revoked: get(31)?, pending: get(32)? };
            f.no_shows = get(33)?;
        }
        let histogram = format!(
            "SELECT service_code, CAST(legal_used / {BUCKET} AS BIGINT), COUNT(*) FROM case_facts \
             WHERE concluded_at >= $1 AND concluded_at < $2 AND legal_used IS NOT NULL{scope} \
             GROUP BY service_code, legal_used / {BUCKET}"
        );
        let mut histograms: BTreeMap<String, BTreeMap<i64, i64>> = BTreeMap::new();
        let values_for_steps = values.clone();
        for r in all(&self.db, &histogram, values).await? {
            let code: String = r.try_get_by_index(0)?;
            histograms.entry(code).or_default().insert(r.try_get_by_index(1)?, r.try_get_by_index(2)?);
        }
        let steps = format!(
            "SELECT service_code, step, COUNT(*), CAST(COALESCE(SUM(on_time), 0) AS BIGINT), COUNT(on_time), \
             CAST(COALESCE(SUM(used), 0) AS BIGINT), COALESCE(MAX(used), 0), COUNT(used) FROM step_facts \
             WHERE closed_at >= $1 AND closed_at < $2{scope} GROUP BY service_code, step"
        );
        for r in all(&self.db, &steps, values_for_steps).await? {
            let get = |i: usize| r.try_get_by_index::<i64>(i);
            let code: String = r.try_get_by_index(0)?;
            let (sum, max, n) = (get(5)?, get(6)?, get(7)?);
            out.entry(code).or_default().steps.push(StepFigures {
                step: r.try_get_by_index(1)?,
                completed: get(2)?,
                on_time: ratio(get(3)?, get(4)?),
                mean_days: (n > 0).then(|| days(sum / n)),
                max_days: (n > 0).then(|| days(max)),
                ..StepFigures::default()
            });
        }
        for (code, f) in &mut out {
            if let (Some(h), Some(n)) = (histograms.get(code), used_counts.get(code)) {
                f.processing_days.median = percentile(h, *n, 0.5);
                f.processing_days.p90 = percentile(h, *n, 0.9);
                let mut by_day: BTreeMap<i64, i64> = BTreeMap::new();
                for (bucket, cases) in h {
                    *by_day.entry(bucket.div_euclid(10)).or_default() += cases;
                }
                f.distribution =
                    by_day.into_iter().map(|(days, cases)| super::figures::DayCount { days, cases }).collect();
            }
            f.service.clone_from(code);
            if let Ok(service) = self.latest(code) {
                self.describe(&service, f);
            }
        }
        Ok(out.into_values().collect())
    }

    /// The definition's side of the figures: limits, ratios, steps before and after.
    fn describe(&self, service: &engine::Service, f: &mut ServiceFigures) {
        let spec = &service.spec;
        f.service_name.clone_from(&spec.name);
        f.legal_days = spec.limits.legal.amount;
        f.promised_days = spec.limits.promised.amount;
        f.max_visits = spec.max_visits;
        if spec.limits.legal.unit == spec.limits.promised.unit {
            f.promised_legal_ratio = ratio(i64::from(f.promised_days), i64::from(f.legal_days));
        }
        #[allow(clippy::cast_precision_loss)]
        if let Some(mean) = f.processing_days.mean
            && f.legal_days > 0
        {
            f.achieved_legal_ratio = Some(((mean / f64::from(f.legal_days)) * 10_000.0).round() / 10_000.0);
        }
        let order = |id: &str| spec.steps.iter().position(|s| s.id == id).unwrap_or(usize::MAX);
        f.steps.sort_by_key(|s| (order(&s.step), s.step.clone()));
        for s in &mut f.steps {
            service.step_name(&s.step).unwrap_or(&s.step).clone_into(&mut s.step_name);
            if let Some(engine::definition::steps::StepKind::Task(t)) = service.step(&s.step).map(|d| &d.kind) {
                s.limit_days = t.limit.map(|l| l.amount);
            }
        }
        let tasks = spec.steps.iter().filter(|s| matches!(s.kind, engine::definition::steps::StepKind::Task(_)));
        f.current = Process { steps: tasks.map(|s| s.name.clone()).collect(), promised_days: Some(f.promised_days) };
        f.baseline = spec.baseline.as_ref().map(|b| Process {
            steps: b.steps.iter().map(|s| s.name.clone()).collect(),
            promised_days: b.promised.map(|l| l.amount),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offices_are_ranges_and_percentiles_read_the_histogram() {
        assert_eq!(office_range("4101"), Some(("4101".into(), "4102".into())));
        assert_eq!(office_range(""), None);
        let h: BTreeMap<i64, i64> = [(10, 5), (20, 4), (90, 1)].into();
        assert_eq!(percentile(&h, 10, 0.5), Some(1.0));
        assert_eq!(percentile(&h, 10, 0.9), Some(2.0));
        assert_eq!(percentile(&h, 10, 1.0), Some(9.0));
    }
}
