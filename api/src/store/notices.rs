//! The lists on public notice (公示): a row per case and publicity step, written in the
//! transaction of the command that published it, with the columns the definition shows,
//! masked as it says. The public page and `publicNotices` read only these rows, never a
//! case; the row's id is opaque, so a list gives no tracking number away.

use chrono::{DateTime, Utc};
use engine::Service;
use engine::case::CaseState;
use engine::definition::StepKind;
use sha2::{Digest, Sha256};

use super::sql::{all, instant, millis, one};
use super::writes::Writes;
use super::{Store, StoreError};

/// One case on a public list.
#[derive(Debug, Clone)]
pub struct PublicNotice {
    /// Opaque id (for objections).
    pub id: String,
    /// Service code.
    pub service: String,
    /// Handling office.
    pub office: String,
    /// Title of the list.
    pub list: String,
    /// The columns shown: title and masked value.
    pub entry: Vec<(String, String)>,
    /// Published.
    pub starts_at: DateTime<Utc>,
    /// The period's end.
    pub ends_at: DateTime<Utc>,
}

/// The opaque id of a case's notice at a step.
fn notice_id(case_id: &str, step: &str) -> String {
    hex::encode(&Sha256::digest(format!("public-notice:{case_id}:{step}").as_bytes())[..12])
}

/// The shown columns of a case, masked.
fn entry(service: &Service, state: &CaseState, step: &str) -> Vec<(String, String)> {
    let Some(StepKind::Publicity(p)) = service.step(step).map(|s| &s.kind) else { return Vec::new() };
    p.shown
        .iter()
        .map(|f| {
            let title = f.title.clone().unwrap_or_else(|| {
                let schema = service.spec.form.pointer(&format!("/properties/{}/title", f.field));
                schema.and_then(|t| t.as_str()).unwrap_or(&f.field).to_owned()
            });
            let value = match state.form.get(&f.field) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (title, f.mask.apply(&value))
        })
        .collect()
}

impl Store {
    /// Puts a case on its step's public list.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn publish_notice(
        &self,
        w: &mut Writes<'_>,
        service: &Service,
        state: &CaseState,
        step: &str,
        list: &str,
        starts: DateTime<Utc>,
        ends: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let entry = serde_json::to_string(&entry(service, state, step)).unwrap_or_default();
        let audience = match service.step(step).map(|s| &s.kind) {
            Some(StepKind::Publicity(p)) => super::command::name_of(&p.audience),
            _ => "public".to_owned(),
        };
        // A process that comes back to the step publishes the case again.
        w.push(
            "INSERT INTO public_notices (id, case_id, step, service_code, office, list, entry, starts_at, ends_at, \
             ended, audience) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) ON CONFLICT (id) DO UPDATE SET \
             list = excluded.list, entry = excluded.entry, starts_at = excluded.starts_at, \
             ends_at = excluded.ends_at, ended = 0, audience = excluded.audience",
            vec![
                notice_id(&state.id, step).into(),
                state.id.clone().into(),
                step.to_owned().into(),
                state.service.clone().into(),
                state.office.clone().into(),
                list.to_owned().into(),
                entry.into(),
                millis(starts).into(),
                millis(ends).into(),
                audience.into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Takes a case off every public list (its period ended, or the case concluded).
    pub(super) async fn end_notices(&self, w: &mut Writes<'_>, case_id: &str) -> Result<(), StoreError> {
        w.push("UPDATE public_notices SET ended = 1 WHERE case_id = $1", vec![case_id.to_owned().into()]).await?;
        Ok(())
    }

    /// What is on public notice now for readers of `audiences` (`public`, `signed_in`), of
    /// one service or all, ending soonest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn public_notices(
        &self,
        service: Option<&str>,
        audiences: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Vec<PublicNotice>, StoreError> {
        let mut values: Vec<sea_orm::Value> = vec![millis(now).into()];
        let slots: Vec<String> = audiences
            .iter()
            .map(|a| {
                values.push((*a).to_owned().into());
                format!("${}", values.len())
            })
            .collect();
        let mut only = format!(" AND audience IN ({})", slots.join(", "));
        if slots.is_empty() {
            only = " AND 1 = 0".to_owned();
        }
        if let Some(code) = service {
            values.push(code.to_owned().into());
            only.push_str(&format!(" AND service_code = ${}", values.len()));
        }
        let rows = all(
            &self.db,
            &format!(
                "SELECT id, service_code, office, list, entry, starts_at, ends_at FROM public_notices \
                 WHERE ended = 0 AND ends_at > $1 AND starts_at <= $1{only} ORDER BY ends_at, id LIMIT 500"
            ),
            values,
        )
        .await?;
        rows.iter()
            .map(|r| {
                let entry: String = r.try_get("", "entry")?;
                Ok(PublicNotice {
                    id: r.try_get("", "id")?,
                    service: r.try_get("", "service_code")?,
                    office: r.try_get("", "office")?,
                    list: r.try_get("", "list")?,
                    entry: serde_json::from_str(&entry).map_err(|e| StoreError::Corrupt(format!("notice: {e}")))?,
                    starts_at: instant(r.try_get("", "starts_at")?),
                    ends_at: instant(r.try_get("", "ends_at")?),
                })
            })
            .collect()
    }

    /// The case and publicity step a notice id is of, with its audience.
    ///
    /// # Errors
    /// The database fails.
    pub async fn notice_case(&self, id: &str) -> Result<Option<(String, String, String)>, StoreError> {
        let row = one(
            &self.db,
            "SELECT case_id, step, audience FROM public_notices WHERE id = $1",
            vec![id.to_owned().into()],
        )
        .await?;
        row.map(|r| Ok((r.try_get("", "case_id")?, r.try_get("", "step")?, r.try_get("", "audience")?))).transpose()
    }
}
