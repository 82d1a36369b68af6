//! What clients see of a case. Instants are RFC 3339 strings in UTC.

use async_graphql::{Json, SimpleObject};
use chrono::{DateTime, Utc};
use engine::case::CaseState;
use engine::ids::IdCardNumber;

fn at(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// An open task.
#[derive(SimpleObject, Debug, Clone)]
pub struct TaskView {
    /// Task id within the case.
    pub id: u32,
    /// Step id.
    pub step: String,
    /// Role that does it.
    pub role: String,
    /// Office that does it.
    pub office: String,
    /// Who claimed it.
    pub claimed_by: Option<String>,
    /// Step deadline.
    pub due: Option<String>,
}

/// A case.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct CaseView {
    /// Case id.
    pub id: String,
    /// Service code.
    pub service: String,
    /// Version: pass it back as `expectedVersion` to act only on what you saw.
    pub version: i64,
    /// Internal status.
    pub status: String,
    /// Applicant-facing status (Chinese).
    pub public_status: String,
    /// Handling office.
    pub office: String,
    /// Applicant user id.
    pub applicant: String,
    /// 法定时限 deadline.
    pub legal_deadline: Option<String>,
    /// 承诺时限 deadline.
    pub promised_deadline: Option<String>,
    /// Outcome once concluded.
    pub outcome: Option<String>,
    /// Open tasks.
    pub tasks: Vec<TaskView>,
    /// Deliveries that keep failing, by effect id.
    pub incidents: Vec<String>,
    /// The whole case state (form masked for auditors).
    pub state: Json<serde_json::Value>,
    /// Tracking number for the public status lookup (the case id).
    pub tracking_no: String,
    /// The query code for the public lookup: only in the response to `submitCase`.
    pub query_code: Option<String>,
}

/// What anyone holding tracking number and query code may see: no personal data.
#[derive(SimpleObject, Debug, Clone)]
pub struct PublicStatus {
    /// Tracking number.
    pub tracking_no: String,
    /// 事项编码.
    pub service: String,
    /// 事项名称.
    pub service_name: String,
    /// Applicant-facing status.
    pub public_status: String,
    /// When received.
    pub received_at: Option<String>,
    /// 承诺时限 deadline.
    pub promised_deadline: Option<String>,
    /// 法定时限 deadline.
    pub legal_deadline: Option<String>,
    /// Outcome once concluded.
    pub outcome: Option<String>,
    /// What is still missing (material names), for a correction or deferred materials.
    pub missing: Vec<String>,
}

impl PublicStatus {
    /// The public view of a case.
    #[must_use]
    pub fn new(service: &engine::Service, state: &CaseState) -> Self {
        let asked: Vec<String> = state
            .corrections
            .last()
            .filter(|_| state.status == engine::case::state::Status::CorrectionRequested)
            .map(|n| n.deficiencies.iter().map(|d| d.material.clone().unwrap_or_else(|| d.note.clone())).collect())
            .unwrap_or_default();
        let missing = asked
            .into_iter()
            .chain(state.deferred.keys().cloned())
            .map(|code| service.spec.materials.iter().find(|m| m.code == code).map_or(code, |m| m.name.clone()));
        Self {
            tracking_no: state.id.clone(),
            service: state.service.clone(),
            service_name: service.spec.name.clone(),
            public_status: engine::case::status::public_status(service, state),
            received_at: at(state.received_at),
            promised_deadline: at(state.promised.as_ref().and_then(|c| c.deadline)),
            legal_deadline: at(state.legal.as_ref().and_then(|c| c.deadline)),
            outcome: state.outcome.map(|o| name(&o)),
            missing: missing.collect(),
        }
    }
}

impl CaseView {
    /// The view of `state` at `version`, for a service; `mask` hides personal numbers.
    #[must_use]
    pub fn new(service: &engine::Service, state: &CaseState, version: u64, mask: bool) -> Self {
        let mut json = serde_json::to_value(state).unwrap_or_default();
        if mask && let Some(form) = json.get_mut("form") {
            mask_personal(form);
        }
        Self {
            id: state.id.clone(),
            service: state.service.clone(),
            version: i64::try_from(version).unwrap_or(i64::MAX),
            status: name(&state.status),
            public_status: engine::case::status::public_status(service, state),
            office: state.office.clone(),
            applicant: state.applicant.clone(),
            legal_deadline: at(state.legal.as_ref().and_then(|c| c.deadline)),
            promised_deadline: at(state.promised.as_ref().and_then(|c| c.deadline)),
            outcome: state.outcome.map(|o| name(&o)),
            tasks: state
                .tasks
                .values()
                .map(|t| TaskView {
                    id: t.id,
                    step: t.step.clone(),
                    role: t.role.clone(),
                    office: t.office.clone(),
                    claimed_by: t.claimed_by.clone(),
                    due: at(t.clock.as_ref().and_then(|c| c.deadline)),
                })
                .collect(),
            incidents: state.incidents.iter().map(|(id, why)| format!("{id}: {why}")).collect(),
            state: Json(json),
            tracking_no: state.id.clone(),
            query_code: None,
        }
    }
}

/// Masks 身份证号 and phone numbers anywhere in a JSON value.
pub fn mask_personal(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Ok(id) = IdCardNumber::parse(s) {
                *s = id.masked();
            } else if s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit()) {
                *s = format!("{}****{}", &s[..3], &s[7..]);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_personal),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_personal),
        _ => {}
    }
}
