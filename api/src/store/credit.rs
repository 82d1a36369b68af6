//! A commitment found false (告知承诺, 国办发〔2020〕42号): in the revoking command's own
//! transaction the case's certificates are revoked (so `verifyCertificate` reads revoked
//! at once) and a credit record (信用记录) is kept of who committed what.

use chrono::{DateTime, Utc};
use engine::case::CaseState;

use super::sql::{all, instant, millis};
use super::writes::Writes;
use super::{Store, StoreError};

/// A credit record of a false commitment.
#[derive(Debug, Clone)]
pub struct CreditRecord {
    /// The case.
    pub case_id: String,
    /// Service code.
    pub service: String,
    /// Handling office.
    pub office: String,
    /// The applicant's user id.
    pub applicant: String,
    /// The holder named on the application (school, institution or person).
    pub holder: String,
    /// What the verification found false.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl Store {
    pub(super) async fn revoke_approval(
        &self,
        w: &mut Writes<'_>,
        state: &CaseState,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        w.push(
            "UPDATE certificates SET revoked_at = $2 WHERE case_id = $1 AND revoked_at IS NULL",
            vec![state.id.clone().into(), millis(at).into()],
        )
        .await?;
        let (holder, _) = super::certificates::holder(state);
        w.push(
            "INSERT INTO credit_records (case_id, service_code, office, applicant, holder, reason, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                state.id.clone().into(),
                state.service.clone().into(),
                state.office.clone().into(),
                state.applicant.clone().into(),
                holder.into(),
                reason.to_owned().into(),
                by.to_owned().into(),
                millis(at).into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Credit records in an office scope (`[from, to)` of office codes, as the report's),
    /// of the services given (all when `None`), newest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn credit_records(
        &self,
        office: &str,
        services: Option<&[String]>,
    ) -> Result<Vec<CreditRecord>, StoreError> {
        let mut values: Vec<sea_orm::Value> = Vec::new();
        let scope = match super::report::office_range(office) {
            Some((from, to)) => {
                values.extend([from.into(), to.into()]);
                " AND office >= $1 AND office < $2".to_owned()
            }
            None => String::new(),
        };
        let only = super::report::services_in(&mut values, services);
        let rows = all(
            &self.db,
            &format!(
                "SELECT case_id, service_code, office, applicant, holder, reason, recorded_by, recorded_at \
                 FROM credit_records WHERE 1 = 1{scope}{only} ORDER BY recorded_at DESC LIMIT 500"
            ),
            values,
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CreditRecord {
                    case_id: r.try_get("", "case_id")?,
                    service: r.try_get("", "service_code")?,
                    office: r.try_get("", "office")?,
                    applicant: r.try_get("", "applicant")?,
                    holder: r.try_get("", "holder")?,
                    reason: r.try_get("", "reason")?,
                    recorded_by: r.try_get("", "recorded_by")?,
                    recorded_at: instant(r.try_get("", "recorded_at")?),
                })
            })
            .collect()
    }
}
