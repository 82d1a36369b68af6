//! Case lists for auditors: open cases past or near their deadlines, and the case list
//! for CSV export, in an office's scope.

use chrono::{DateTime, Utc};

use super::report::{ReportFilter, office_range};
use super::sql::all;
use super::{Store, StoreError};

/// An open case past (or near) its deadline.
#[derive(Debug, Clone)]
pub struct LateCase {
    /// The case.
    pub case_id: String,
    /// Its service.
    pub service: String,
    /// Its office.
    pub office: String,
    /// `warning` or `overdue`.
    pub level: String,
    /// The promised deadline, while the clock runs.
    pub promised_deadline: Option<DateTime<Utc>>,
    /// The legal deadline, while the clock runs.
    pub legal_deadline: Option<DateTime<Utc>>,
}

impl Store {
    /// Open cases at `level` in the office's scope and of `services` (`None`: any), the
    /// latest first (earliest deadline).
    ///
    /// # Errors
    /// A database error.
    pub async fn late_cases(
        &self,
        office: &str,
        services: Option<&[String]>,
        level: &str,
        first: u32,
    ) -> Result<Vec<LateCase>, StoreError> {
        let mut values: Vec<sea_orm::Value> = vec![level.to_owned().into()];
        let mut scope = String::new();
        if let Some((lo, hi)) = office_range(office) {
            values.extend([lo.into(), hi.into()]);
            scope.push_str(" AND office >= $2 AND office < $3");
        }
        scope.push_str(&super::report::services_in(&mut values, services));
        let sql = format!(
            "SELECT id, service_code, office, level, promised_deadline, legal_deadline FROM cases \
             WHERE concluded_at IS NULL AND level = $1{scope} \
             ORDER BY COALESCE(promised_deadline, legal_deadline), id LIMIT {}",
            first.min(500)
        );
        let rows = all(&self.db, &sql, values).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(LateCase {
                case_id: r.try_get_by_index(0)?,
                service: r.try_get_by_index(1)?,
                office: r.try_get_by_index(2)?,
                level: r.try_get_by_index(3)?,
                promised_deadline: r.try_get_by_index::<Option<i64>>(4)?.map(super::sql::instant),
                legal_deadline: r.try_get_by_index::<Option<i64>>(5)?.map(super::sql::instant),
            });
        }
        Ok(out)
    }
}

/// Most rows one case-list export holds.
pub const MAX_EXPORT_ROWS: u32 = 200_000;

impl Store {
    /// The cases received in the filter's period and scope, oldest first, for export: ids,
    /// service, office, status, level, outcome and instants (no personal data). At most
    /// [`MAX_EXPORT_ROWS`].
    ///
    /// # Errors
    /// A database error.
    pub async fn case_rows(&self, filter: &ReportFilter) -> Result<Vec<Vec<String>>, StoreError> {
        let (values, scope) = filter.bounds();
        let sql = format!(
            "SELECT id, service_code, office, status, level, outcome, received_at, accepted_at, concluded_at, \
             promised_deadline, legal_deadline FROM cases WHERE +received_at >= $1 AND +received_at < $2{scope} \
             ORDER BY received_at, id LIMIT {MAX_EXPORT_ROWS}"
        );
        let at = |v: Option<i64>| v.map(|ms| super::sql::instant(ms).to_rfc3339()).unwrap_or_default();
        let mut out = Vec::new();
        for r in all(&self.db, &sql, values).await? {
            let mut row: Vec<String> = Vec::with_capacity(11);
            for i in 0..5 {
                row.push(r.try_get_by_index::<String>(i)?);
            }
            row.push(r.try_get_by_index::<Option<String>>(5)?.unwrap_or_default());
            for i in 6..11 {
                row.push(at(r.try_get_by_index::<Option<i64>>(i)?));
            }
            out.push(row);
        }
        Ok(out)
    }
}
