//! Staff find cases: by tracking number, by a name or 身份证号 the application gives, by
//! service, status, level and period, within an office scope, in cursor pages.
//!
//! A case's search keys are written once, at submission (the form does not change after):
//! `name:<value>` for each form field whose title names a name (…姓名, …名称), and
//! `id:<sha256>` for each 身份证号 field (format `id-card`), hashed so the table holds no
//! ID number in the clear.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::sql::{all, insert_rows, millis};
use super::writes::Writes;
use super::{Store, StoreError};

/// How a page of cases is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseOrder {
    /// Earliest next deadline first (its open work's, 受理 included, else the promised
    /// one); concluded cases last.
    #[default]
    Due,
    /// Newest received first.
    Received,
}

/// What to look for. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct CaseSearch {
    /// Office scope: the case's office, or an open task's, starts with this (already checked
    /// by the policy).
    pub office: String,
    /// Only cases of these services (`None`: any).
    pub services: Option<Vec<String>>,
    /// The tracking number.
    pub tracking_no: Option<String>,
    /// A name the application gives (exact).
    pub name: Option<String>,
    /// A 身份证号 the application gives.
    pub id_number: Option<String>,
    /// Status, as stored (`in_progress` ...).
    pub status: Option<String>,
    /// Level, as stored (`warning` ...).
    pub level: Option<String>,
    /// Received in `[from, to)`.
    pub received: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Concluded in `[from, to)`.
    pub concluded: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Order.
    pub order: CaseOrder,
}

/// A case found, with its place in the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Case id.
    pub case_id: String,
    /// Pass as `after` to continue after it.
    pub cursor: String,
}

/// Open cases without a promised deadline sort after every dated one.
const NO_DEADLINE: i64 = i64::MAX;

/// The hashed search key of a 身份证号 (upper-case X).
#[must_use]
pub fn id_key(id_number: &str) -> String {
    format!("id:{}", hex::encode(Sha256::digest(id_number.trim().to_ascii_uppercase().as_bytes())))
}

/// The search keys of a submitted form.
#[must_use]
pub fn keys_of(service: &engine::Service, form: &serde_json::Value) -> Vec<String> {
    let mut keys = Vec::new();
    let props = service.spec.form.get("properties").and_then(|p| p.as_object());
    for (name, p) in props.into_iter().flatten() {
        let Some(value) = form.get(name).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let title = p.get("title").and_then(|t| t.as_str()).unwrap_or_default();
        if p.get("format").and_then(|f| f.as_str()) == Some("id-card") {
            keys.push(id_key(value));
        } else if title.contains("姓名") || title.contains("名称") {
            keys.push(format!("name:{value}"));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

impl CaseOrder {
    fn tag(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Received => "received",
        }
    }
}

/// A cursor of a page in `order`: the sort value and the case id (`due:<ms>:<id>`).
fn decode(text: &str, order: CaseOrder) -> Option<(i64, String)> {
    let rest = text.strip_prefix(order.tag())?.strip_prefix(':')?;
    let (v, id) = rest.split_once(':')?;
    Some((v.parse().ok()?, id.to_owned()))
}

/// Whether `text` is a cursor of a case page in `order`.
#[must_use]
pub fn is_cursor(text: &str, order: CaseOrder) -> bool {
    decode(text, order).is_some()
}

/// Queues a case's search keys (any already there are kept).
async fn push_keys(w: &mut Writes<'_>, case_id: &str, keys: &[String]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(keys.len() * 2);
    for k in keys {
        values.extend([k.clone().into(), case_id.to_owned().into()]);
    }
    let sql = format!("{} ON CONFLICT DO NOTHING", insert_rows("case_keys", &["key", "case_id"], keys.len()));
    w.push(&sql, values).await?;
    Ok(())
}

impl Store {
    /// Writes a new case's search keys.
    pub(super) async fn write_keys(
        &self,
        w: &mut Writes<'_>,
        service: &engine::Service,
        state: &engine::case::CaseState,
    ) -> Result<(), StoreError> {
        push_keys(w, &state.id, &keys_of(service, &state.form)).await
    }

    /// Writes the search keys of cases stored before keys existed (listed by the migration
    /// that made them), a batch per transaction, and returns how many cases it keyed. Run at
    /// start-up; a store with none pending costs one read.
    ///
    /// # Errors
    /// A database error; the batches done stay done and the rest wait for the next start.
    pub(super) async fn key_pending_cases(&self) -> Result<u64, StoreError> {
        let mut done = 0;
        loop {
            let _turn = self.write_turn().await;
            let txn = self.begin_write().await?;
            let rows = all(
                &txn,
                "SELECT c.id, c.service_code, c.service_version, c.state FROM case_keys_pending p \
                 JOIN cases c ON c.id = p.case_id ORDER BY p.case_id LIMIT 200",
                vec![],
            )
            .await?;
            if rows.is_empty() {
                super::sql::exec(&txn, "DELETE FROM case_keys_pending", vec![]).await?;
                txn.commit().await?;
                return Ok(done);
            }
            let mut w = Writes::new(&txn);
            for r in &rows {
                let id: String = r.try_get("", "id")?;
                let code: String = r.try_get("", "service_code")?;
                let version = u32::try_from(r.try_get::<i32>("", "service_version")?).unwrap_or_default();
                let state: String = r.try_get("", "state")?;
                let form = serde_json::from_str::<serde_json::Value>(&state)
                    .map_err(|e| StoreError::Corrupt(format!("case {id}: {e}")))?
                    .get("form")
                    .cloned()
                    .unwrap_or_default();
                if let Ok(service) = self.service(&code, version) {
                    push_keys(&mut w, &id, &keys_of(&service, &form)).await?;
                }
                w.push("DELETE FROM case_keys_pending WHERE case_id = $1", vec![id.into()]).await?;
            }
            w.flush().await?;
            txn.commit().await?;
            done += rows.len() as u64;
        }
    }

    /// Cases matching `search`, at most `first`, after the cursor `after`.
    ///
    /// # Errors
    /// A database error.
    pub async fn search_cases(
        &self,
        search: &CaseSearch,
        first: u32,
        after: Option<&str>,
    ) -> Result<Vec<Found>, StoreError> {
        let Some((lo, hi)) = super::report::office_range(&search.office) else { return Ok(Vec::new()) };
        let mut values: Vec<sea_orm::Value> = vec![lo.into(), hi.into()];
        // In scope: the case's office, or an office with an open task on it (a transfer
        // passes through four), as the policy lets staff see it.
        let mut sql = "SELECT id, due_at, received_at FROM cases WHERE (office >= $1 AND office < $2 \
                       OR id IN (SELECT case_id FROM tasks WHERE office >= $1 AND office < $2))"
            .to_owned();
        let bind = |values: &mut Vec<sea_orm::Value>, v: sea_orm::Value| {
            values.push(v);
            format!("${}", values.len())
        };
        if let Some(services) = &search.services {
            if services.is_empty() {
                return Ok(Vec::new());
            }
            let slots: Vec<String> = services.iter().map(|s| bind(&mut values, s.clone().into())).collect();
            sql.push_str(&format!(" AND service_code IN ({})", slots.join(", ")));
        }
        if let Some(t) = &search.tracking_no {
            sql.push_str(&format!(" AND id = {}", bind(&mut values, t.trim().to_owned().into())));
        }
        let keys =
            [search.name.as_ref().map(|n| format!("name:{}", n.trim())), search.id_number.as_deref().map(id_key)];
        for key in keys.into_iter().flatten() {
            let slot = bind(&mut values, key.into());
            sql.push_str(&format!(" AND id IN (SELECT case_id FROM case_keys WHERE key = {slot})"));
        }
        if let Some(s) = &search.status {
            sql.push_str(&format!(" AND status = {}", bind(&mut values, s.clone().into())));
        }
        if let Some(l) = &search.level {
            sql.push_str(&format!(" AND level = {}", bind(&mut values, l.clone().into())));
        }
        for (column, period) in [("received_at", search.received), ("concluded_at", search.concluded)] {
            if let Some((from, to)) = period {
                let (a, b) = (bind(&mut values, millis(from).into()), bind(&mut values, millis(to).into()));
                sql.push_str(&format!(" AND {column} >= {a} AND {column} < {b}"));
            }
        }
        // Both orders put the case id second, so a cursor names one place.
        let (key, cmp, dir) = match search.order {
            CaseOrder::Due => (format!("COALESCE(due_at, {NO_DEADLINE})"), ">", "ASC"),
            CaseOrder::Received => ("COALESCE(received_at, 0)".to_owned(), "<", "DESC"),
        };
        if let Some((v, id)) = after.and_then(|a| decode(a, search.order)) {
            let (a, b) = (bind(&mut values, v.into()), bind(&mut values, id.into()));
            sql.push_str(&format!(" AND ({key} {cmp} {a} OR ({key} = {a} AND id {cmp} {b}))"));
        }
        sql.push_str(&format!(" ORDER BY {key} {dir}, id {dir} LIMIT {}", first.min(200)));
        let rows = all(&self.db, &sql, values).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let case_id: String = r.try_get("", "id")?;
            let v = match search.order {
                CaseOrder::Due => r.try_get::<Option<i64>>("", "due_at")?.unwrap_or(NO_DEADLINE),
                CaseOrder::Received => r.try_get::<Option<i64>>("", "received_at")?.unwrap_or(0),
            };
            out.push(Found { cursor: format!("{}:{v}:{case_id}", search.order.tag()), case_id });
        }
        Ok(out)
    }
}
