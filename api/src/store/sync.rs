//! Keeping the query tables in step with a case after a command: open tasks, pending
//! timers, outbox rows for requested effects, materials and the rating.

use chrono::{DateTime, Utc};
use engine::case::{CaseState, Command, Event};
use engine::chain::Recorded;
use engine::definition::steps::EffectSpec;

use super::command::name_of;
use super::sql::{insert_rows, millis};
use super::writes::Writes;
use super::{Store, StoreError};

/// The outbox key of an effect: the receiver's idempotency key too.
#[must_use]
pub fn effect_key(case_id: &str, effect: u32) -> String {
    format!("{case_id}/{effect}")
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn sync(
        &self,
        w: &mut Writes<'_>,
        service: &engine::Service,
        case_id: &str,
        before: &CaseState,
        after: &CaseState,
        records: &[Recorded],
        command: &Command,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let awaits_intake = |s: &CaseState| s.status == engine::case::state::Status::Received;
        if before.tasks != after.tasks || awaits_intake(before) != awaits_intake(after) {
            self.sync_tasks(w, case_id, after).await?;
        }
        if after.is_concluded() && (before != after) {
            self.sync_facts(w, case_id, after, now).await?;
        }
        if before.timers != after.timers {
            self.sync_timers(w, case_id, before, after).await?;
        }
        if before.materials != after.materials {
            w.push("DELETE FROM materials WHERE case_id = $1", vec![case_id.to_owned().into()]).await?;
            for (code, m) in after.materials.iter() {
                w.push(
                    "INSERT INTO materials (case_id, code, sha256, file_name, supplied_at) VALUES ($1, $2, $3, $4, $5)",
                    vec![
                        case_id.to_owned().into(),
                        code.clone().into(),
                        m.sha256.clone().into(),
                        m.file_name.clone().into(),
                        millis(now).into(),
                    ],
                )
                .await?;
            }
        }
        for r in records {
            match &r.event {
                Event::EffectRequested { effect } => {
                    let mut payload = serde_json::json!({
                        "case_id": case_id,
                        "service": after.service,
                        "office": after.office,
                        "effect": effect,
                    });
                    // The certificate is made and signed here, in the step's transaction;
                    // the outbox then publishes it to the e-licence platform.
                    if let EffectSpec::IssueCertificate { licence, number_pattern } = &effect.spec {
                        let (number, body) = self.issue_certificate(w, after, licence, number_pattern, now).await?;
                        payload["certificate"] = serde_json::json!({ "number": number, "body": body });
                    }
                    let kind = name_of(&effect.spec);
                    w.push(
                        "INSERT INTO outbox (idempotency_key, case_id, effect_id, kind, payload, state, attempts, \
                         next_attempt_at, lease_until, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, 0, $6)",
                        vec![
                            effect_key(case_id, effect.id).into(),
                            case_id.to_owned().into(),
                            i64::from(effect.id).into(),
                            kind.into(),
                            payload.to_string().into(),
                            millis(now).into(),
                        ],
                    )
                    .await?;
                }
                Event::TaskCompleted { task, .. } => {
                    if let Some(t) = before.tasks.get(task) {
                        self.record_step(w, case_id, after, t, now).await?;
                    }
                }
                Event::VisitBooked { booking } => self.take_place(w, &booking.slot).await?,
                Event::BookingCancelled { slot, .. } => self.free_place(w, slot).await?,
                Event::PublicityStarted { step, list, starts, ends } => {
                    self.publish_notice(w, service, after, step, list, *starts, *ends).await?;
                }
                Event::ApprovalRevoked { reason, by, at } => self.revoke_approval(w, after, reason, by, *at).await?,
                Event::CaseConcluded { .. } if !before.is_concluded() && after.publicity.is_some() => {
                    self.end_notices(w, case_id).await?;
                }
                Event::CaseRated { score, comment } => {
                    w.push(
                        "INSERT INTO ratings (case_id, service_code, office, score, comment, rated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        vec![
                            case_id.to_owned().into(),
                            after.service.clone().into(),
                            after.office.clone().into(),
                            i32::from(*score).into(),
                            comment.clone().into(),
                            millis(now).into(),
                        ],
                    )
                    .await?;
                }
                _ => {}
            }
        }
        if let Command::SettleEffect { effect, delivered, .. } = command {
            let state = if *delivered { "delivered" } else { "failed" };
            w.push(
                "UPDATE outbox SET state = $2, delivered_at = $3, lease_owner = NULL WHERE idempotency_key = $1",
                vec![effect_key(case_id, *effect).into(), state.into(), millis(now).into()],
            )
            .await?;
        }
        Ok(())
    }

    async fn sync_tasks(&self, w: &mut Writes<'_>, case_id: &str, after: &CaseState) -> Result<(), StoreError> {
        w.push("DELETE FROM tasks WHERE case_id = $1", vec![case_id.to_owned().into()]).await?;
        let work = self.open_work(case_id, after);
        if work.is_empty() {
            return Ok(());
        }
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(work.len() * 10);
        for (t, opened_at) in &work {
            values.extend([
                case_id.to_owned().into(),
                i64::from(t.task_id).into(),
                t.step.clone().into(),
                t.role.clone().into(),
                t.office.clone().into(),
                t.claimed_by.clone().into(),
                millis(*opened_at).into(),
                t.due.map(millis).into(),
                t.level.clone().into(),
                t.service.clone().into(),
            ]);
        }
        let columns = [
            "case_id",
            "task_id",
            "step",
            "role",
            "office",
            "claimed_by",
            "opened_at",
            "due_at",
            "level",
            "service_code",
        ];
        w.push(&insert_rows("tasks", &columns, work.len()), values).await?;
        Ok(())
    }

    /// Pending timers: removed ones deleted (fired or cancelled), new ones inserted, moved
    /// ones re-dated and released.
    async fn sync_timers(
        &self,
        w: &mut Writes<'_>,
        case_id: &str,
        before: &CaseState,
        after: &CaseState,
    ) -> Result<(), StoreError> {
        let gone: Vec<sea_orm::Value> =
            before.timers.keys().filter(|id| !after.timers.contains_key(id)).map(|id| i64::from(*id).into()).collect();
        if !gone.is_empty() {
            let slots: Vec<String> = (2..gone.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!("DELETE FROM timers WHERE case_id = $1 AND timer_id IN ({})", slots.join(", "));
            let mut values = vec![case_id.to_owned().into()];
            values.extend(gone);
            w.push(&sql, values).await?;
        }
        let mut new_rows: Vec<sea_orm::Value> = Vec::new();
        let mut count = 0;
        for (id, t) in &after.timers {
            let values =
                vec![case_id.to_owned().into(), i64::from(*id).into(), name_of(&t.kind).into(), millis(t.due).into()];
            match before.timers.get(id) {
                None => {
                    new_rows.extend(values);
                    new_rows.extend([0i64.into(), 0i32.into()]);
                    count += 1;
                }
                Some(old) if old.due != t.due => {
                    w.push(
                        "UPDATE timers SET kind = $3, due_at = $4, lease_until = 0, lease_owner = NULL \
                         WHERE case_id = $1 AND timer_id = $2",
                        values,
                    )
                    .await?;
                }
                Some(_) => {}
            }
        }
        if count > 0 {
            let columns = ["case_id", "timer_id", "kind", "due_at", "lease_until", "attempts"];
            w.push(&insert_rows("timers", &columns, count), new_rows).await?;
        }
        Ok(())
    }
}
