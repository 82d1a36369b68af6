//! The clerks' queue and the applicant's list: reads over the projection tables.

use super::sql::{all, instant};
use super::{Store, StoreError};

/// One open task in a queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueItem {
    /// The case.
    pub case_id: String,
    /// Task id within the case.
    pub task_id: u32,
    /// Step id.
    pub step: String,
    /// Role that does it.
    pub role: String,
    /// Office that does it.
    pub office: String,
    /// Who claimed it.
    pub claimed_by: Option<String>,
    /// Step deadline.
    pub due: Option<chrono::DateTime<chrono::Utc>>,
    /// The step's SLA level: `normal`, `warning` (预警) or `overdue` (超期).
    pub level: String,
    /// The case's service code.
    pub service: String,
}

/// Which of the queue's tasks to list. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Only this service (事项编码).
    pub service: Option<String>,
    /// Only this step.
    pub step: Option<String>,
    /// Only this level, as stored (`normal`, `warning`, `overdue`).
    pub level: Option<String>,
    /// Only tasks nobody has claimed.
    pub unclaimed: bool,
    /// Only tasks claimed by this user.
    pub claimed_by: Option<String>,
}

/// Where a page of the queue starts: after this (due, case, task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCursor {
    /// Due instant in ms (tasks without a deadline sort last).
    pub due: i64,
    /// Case id.
    pub case_id: String,
    /// Task id.
    pub task_id: u32,
}

/// Tasks without a deadline sort after every dated one.
const NO_DEADLINE: i64 = i64::MAX;

impl QueueCursor {
    /// The opaque text form (`due:task:case`).
    #[must_use]
    pub fn encode(&self) -> String {
        format!("{}:{}:{}", self.due, self.task_id, self.case_id)
    }

    /// Reads the text form back.
    #[must_use]
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, ':');
        let due = parts.next()?.parse().ok()?;
        let task_id = parts.next()?.parse().ok()?;
        let case_id = parts.next()?.to_owned();
        Some(Self { due, case_id, task_id })
    }
}

impl QueueItem {
    /// This item's cursor.
    #[must_use]
    pub fn cursor(&self) -> QueueCursor {
        QueueCursor {
            due: self.due.map_or(NO_DEADLINE, |d| d.timestamp_millis()),
            case_id: self.case_id.clone(),
            task_id: self.task_id,
        }
    }
}

/// The task id a case awaiting acceptance (受理) has in the queue: not a task of the case,
/// so clerks act on it with `acceptCase`, `requestCorrection` or `refuseCase`.
pub const INTAKE_TASK: u32 = 2_147_483_647;

/// The step id of that queue entry.
pub const INTAKE_STEP: &str = "intake";

/// When a case awaiting acceptance is due at the window: when it would be deemed accepted.
fn intake_due(state: &engine::case::CaseState) -> Option<chrono::DateTime<chrono::Utc>> {
    let deemed = |t: &&engine::case::state::Timer| t.kind == engine::case::state::TimerKind::DeemedAcceptance;
    state.timers.values().filter(deemed).map(|t| t.due).min()
}

/// A case's next deadline, as staff lists order cases: the earliest of its open work (its
/// tasks' step deadlines, and 受理 while it awaits acceptance), else its promised
/// deadline; none once concluded, or while paused with no clock running.
#[must_use]
pub fn next_due(state: &engine::case::CaseState) -> Option<chrono::DateTime<chrono::Utc>> {
    if state.is_concluded() {
        return None;
    }
    let tasks = state.tasks.values().filter_map(|t| t.clock.as_ref()?.deadline);
    let intake = (state.status == engine::case::state::Status::Received).then(|| intake_due(state)).flatten();
    tasks.chain(intake).min().or_else(|| state.promised.as_ref().and_then(|c| c.deadline))
}

impl Store {
    /// A case's open work as queue items, each with when it opened: its tasks and, while it
    /// awaits acceptance, an intake item for the service's window role, due when the case
    /// would be deemed accepted (行政许可法 art. 32).
    pub(super) fn open_work(
        &self,
        case_id: &str,
        state: &engine::case::CaseState,
    ) -> Vec<(QueueItem, chrono::DateTime<chrono::Utc>)> {
        let mut out: Vec<_> = state
            .tasks
            .values()
            .map(|t| {
                let item = QueueItem {
                    case_id: case_id.to_owned(),
                    task_id: t.id,
                    step: t.step.clone(),
                    role: t.role.clone(),
                    office: t.office.clone(),
                    claimed_by: t.claimed_by.clone(),
                    due: t.clock.as_ref().and_then(|c| c.deadline),
                    level: super::command::name_of(&t.clock.as_ref().map(|c| c.level).unwrap_or_default()),
                    service: state.service.clone(),
                };
                (item, t.opened_at)
            })
            .collect();
        if state.status == engine::case::state::Status::Received
            && let Ok(service) = self.service(&state.service, state.service_version)
        {
            let due = intake_due(state);
            let item = QueueItem {
                case_id: case_id.to_owned(),
                task_id: INTAKE_TASK,
                step: INTAKE_STEP.to_owned(),
                role: service.spec.intake_role.clone(),
                office: state.office.clone(),
                claimed_by: None,
                due,
                level: super::command::name_of(&engine::clock::Level::Normal),
                service: state.service.clone(),
            };
            out.push((item, state.received_at.unwrap_or_default()));
        }
        out
    }

    /// Open tasks of `roles` in `office` and its sub-offices, most urgent first; at most
    /// `first`, after `after`.
    ///
    /// # Errors
    /// A database error.
    pub async fn queue(
        &self,
        roles: &[String],
        office: &str,
        filter: &QueueFilter,
        first: u32,
        after: Option<&QueueCursor>,
    ) -> Result<Vec<QueueItem>, StoreError> {
        if roles.is_empty() || office.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<sea_orm::Value> =
            vec![office.to_owned().into(), i32::try_from(office.chars().count()).unwrap_or(0).into()];
        let mut slots = Vec::new();
        for role in roles {
            values.push(role.clone().into());
            slots.push(format!("${}", values.len()));
        }
        let key = format!("COALESCE(due_at, {NO_DEADLINE})");
        let mut sql = format!(
            "SELECT case_id, task_id, step, role, office, claimed_by, due_at, level, service_code FROM tasks \
             WHERE role IN ({}) AND substr(office, 1, $2) = $1",
            slots.join(", ")
        );
        for (column, value) in [("service_code", &filter.service), ("step", &filter.step), ("level", &filter.level)] {
            if let Some(v) = value {
                values.push(v.clone().into());
                sql.push_str(&format!(" AND {column} = ${}", values.len()));
            }
        }
        if filter.unclaimed {
            sql.push_str(" AND claimed_by IS NULL");
        }
        if let Some(user) = &filter.claimed_by {
            values.push(user.clone().into());
            sql.push_str(&format!(" AND claimed_by = ${}", values.len()));
        }
        if let Some(c) = after {
            let n = values.len();
            sql.push_str(&format!(
                " AND ({key} > ${a} OR ({key} = ${a} AND (case_id > ${b} OR (case_id = ${b} AND task_id > ${c}))))",
                a = n + 1,
                b = n + 2,
                c = n + 3
            ));
            values.extend([c.due.into(), c.case_id.clone().into(), i64::from(c.task_id).into()]);
        }
        sql.push_str(&format!(" ORDER BY {key}, case_id, task_id LIMIT {}", first.min(200)));
        let rows = all(&self.db, &sql, values).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(QueueItem {
                case_id: r.try_get("", "case_id")?,
                task_id: u32::try_from(r.try_get::<i32>("", "task_id")?).unwrap_or_default(),
                step: r.try_get("", "step")?,
                role: r.try_get("", "role")?,
                office: r.try_get("", "office")?,
                claimed_by: r.try_get("", "claimed_by")?,
                due: r.try_get::<Option<i64>>("", "due_at")?.map(instant),
                level: r.try_get("", "level")?,
                service: r.try_get("", "service_code")?,
            });
        }
        Ok(out)
    }

    /// The ids of an applicant's cases, newest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn cases_of(&self, applicant: &str, first: u32) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT id FROM cases WHERE applicant = $1 ORDER BY received_at DESC, id DESC LIMIT {}",
            first.min(200)
        );
        let rows = all(&self.db, &sql, vec![applicant.to_owned().into()]).await?;
        rows.iter().map(|r| r.try_get::<String>("", "id").map_err(Into::into)).collect()
    }
}
