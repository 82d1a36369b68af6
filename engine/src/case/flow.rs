//! Moving a case through its steps: entering steps of every kind, claiming and completing
//! tasks, parallel joins, auto steps and their effects, and conclusion.

use chrono::{Duration, NaiveDate};

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::{Effect, Outcome, PauseReason, Status, Task, Timer, TimerKind};
use crate::calendar::start_of;
use crate::clock::{Clock, ClockStart};
use crate::definition::{APPLICANT_ROLE, ActionSpec, JoinMode, OutputType, StepKind, TaskStep, TimerDue};

/// More steps than this in one command means a definition bug; refuse rather than spin.
const MAX_DEPTH: u32 = 200;

impl<'a> Tx<'a> {
    fn step_kind(&self, id: &str) -> Result<&'a StepKind, EngineError> {
        let service: &'a crate::definition::Service = self.service;
        service.step(id).map(|s| &s.kind).ok_or_else(|| EngineError::MissingStep(id.to_owned()))
    }

    /// Enters a step and runs on through every step that needs no one.
    pub(super) fn enter(&mut self, id: &str, depth: u32) -> Result<(), EngineError> {
        if depth > MAX_DEPTH {
            return Err(EngineError::MissingStep(format!("{id} (routing loop)")));
        }
        let service = self.service;
        match self.step_kind(id)? {
            StepKind::Task(task) => self.open_task(id, task),
            StepKind::Decision(d) => {
                let (form, data, materials) =
                    (self.state.form.clone(), self.state.data.clone(), self.state.materials.clone());
                let codes: Vec<&str> = materials.keys().map(String::as_str).collect();
                let facts = crate::definition::expr::Facts { form: &form, data: &data, materials: &codes };
                let prepared = facts.prepare().map_err(EngineError::Condition)?;
                let mut next = d.otherwise.as_str();
                for (i, b) in d.branches.iter().enumerate() {
                    let cond =
                        service.branch_condition(id, i).ok_or_else(|| EngineError::MissingStep(id.to_owned()))?;
                    if cond.eval_in(&prepared).map_err(EngineError::Condition)? {
                        next = &b.next;
                        break;
                    }
                }
                self.pass(id, next, depth)
            }
            StepKind::Parallel(p) => {
                for branch in &p.branches {
                    self.enter(branch, depth + 1)?;
                }
                Ok(())
            }
            StepKind::Join(j) => self.arrive(id, j.mode, &j.next, depth),
            StepKind::Auto(a) => {
                for spec in &a.effects {
                    let effect = Effect { id: self.state.next_id, step: Some(id.to_owned()), spec: spec.clone() };
                    self.emit(Event::EffectRequested { effect });
                }
                if a.wait_for_ack {
                    self.emit(Event::WaitingForEffects { step: id.to_owned() });
                    Ok(())
                } else {
                    self.pass(id, &a.next, depth)
                }
            }
            StepKind::End(e) => self.conclude(e.outcome.into(), Some(id.to_owned()), false, ""),
            StepKind::Publicity(p) => self.start_publicity(id, p),
            StepKind::Committee(c) => self.open_vote(id, c),
        }
    }

    fn pass(&mut self, step: &str, next: &str, depth: u32) -> Result<(), EngineError> {
        self.emit(Event::StepPassed { step: step.to_owned(), next: next.to_owned() });
        self.enter(next, depth + 1)
    }

    fn open_task(&mut self, id: &str, spec: &TaskStep) -> Result<(), EngineError> {
        let office = self.office_from(spec.office_field.as_deref());
        let warn_percent = spec.warn_at_percent.unwrap_or(self.service.spec.sla.warn_at_percent);
        self.open(id, spec.role.clone(), office, spec.limit, warn_percent)?;
        if spec.special_procedure && self.state.pause.is_none() {
            self.pause_clocks(PauseReason::Step(id.to_owned()))?;
        }
        Ok(())
    }

    /// The office a form field names (a school, a county), or the case's.
    pub(super) fn office_from(&self, field: Option<&str>) -> String {
        let named = field.and_then(|f| self.state.form.get(f)).and_then(|v| v.as_str());
        named.unwrap_or(&self.state.office).to_owned()
    }

    /// Opens a task at `step` for `role` in `office`, with a clock of `limit` from now when
    /// it has one (the steps of the definition and the engine's own tasks alike); returns
    /// its id. The clock starts paused when the case's clocks are (a step reached during a
    /// special procedure starts counting when it ends).
    pub(super) fn open(
        &mut self,
        step: &str,
        role: String,
        office: String,
        limit: Option<crate::limit::Limit>,
        warn_percent: u32,
    ) -> Result<u32, EngineError> {
        let clock = match limit {
            Some(limit) => {
                let start = ClockStart { limit, anchor: self.now(), warn_percent, counting: self.counting() };
                let mut clock = Clock::start(start, self.calendar())?;
                if self.state.pause.is_some() {
                    clock.pause(self.now(), self.calendar())?;
                }
                Some(clock)
            }
            None => None,
        };
        let id = self.state.next_id;
        let task = Task { id, step: step.to_owned(), role, office, claimed_by: None, opened_at: self.now(), clock };
        self.emit(Event::TaskOpened { task });
        Ok(id)
    }

    fn arrive(&mut self, join: &str, mode: JoinMode, next: &str, depth: u32) -> Result<(), EngineError> {
        let parallel = self.service.spec.steps.iter().find_map(|s| match &s.kind {
            StepKind::Parallel(p) if p.join == join => Some((s.id.clone(), p.branches.len())),
            _ => None,
        });
        let (parallel, branches) = parallel.ok_or_else(|| EngineError::MissingStep(join.to_owned()))?;
        let needed = match mode {
            JoinMode::All => branches,
            JoinMode::Any => 1,
            JoinMode::NOf(n) => n as usize,
        };
        let arrived = self.state.joins.get(join).copied().unwrap_or(0) + 1;
        if (arrived as usize) < needed {
            self.emit(Event::BranchJoined { join: join.to_owned(), arrived });
            return Ok(());
        }
        self.emit(Event::BranchJoined { join: join.to_owned(), arrived: 0 });
        let stale: Vec<u32> = self
            .state
            .tasks
            .values()
            .filter(|t| self.service.parallel_of(&t.step) == Some(parallel.as_str()))
            .map(|t| t.id)
            .collect();
        for task in stale {
            self.emit(Event::TaskCancelled { task });
        }
        self.pass(join, next, depth)
    }

    fn task_step(&self, task: &Task) -> Result<&'a TaskStep, EngineError> {
        match self.step_kind(&task.step)? {
            StepKind::Task(t) => Ok(t),
            _ => Err(EngineError::MissingStep(task.step.clone())),
        }
    }

    fn authorize_task(&self, task: &Task) -> Result<(), EngineError> {
        if task.role == APPLICANT_ROLE {
            return self.require_applicant();
        }
        self.require_staff(&task.role, &task.office)?;
        match &task.claimed_by {
            Some(holder) if holder != &self.actor().user => Err(EngineError::ClaimedByOther(holder.clone())),
            _ => Ok(()),
        }
    }

    pub(super) fn claim(&mut self, id: u32) -> Result<(), EngineError> {
        self.require_task_status("claimTask", id)?;
        let task = self.state.tasks.get(&id).ok_or(EngineError::TaskNotFound(id))?;
        self.authorize_task(task)?;
        if task.claimed_by.as_deref() == Some(self.actor().user.as_str()) {
            return Err(EngineError::AlreadyClaimed);
        }
        self.emit(Event::TaskClaimed { task: id, by: self.actor().user.clone() });
        Ok(())
    }

    pub(super) fn release(&mut self, id: u32) -> Result<(), EngineError> {
        let task = self.state.tasks.get(&id).ok_or(EngineError::TaskNotFound(id))?;
        match &task.claimed_by {
            Some(holder) if holder == &self.actor().user => {}
            Some(holder) => return Err(EngineError::ClaimedByOther(holder.clone())),
            None => return Err(EngineError::NotClaimed),
        }
        self.emit(Event::TaskReleased { task: id, by: self.actor().user.clone() });
        Ok(())
    }

    /// Refuses unless the case is in a status where task `id` can be worked: tasks opened
    /// after conclusion (a bad rating's follow-up, a commitment's verification) and the
    /// office's answer to a draft have their own.
    fn require_task_status(&self, command: &'static str, id: u32) -> Result<(), EngineError> {
        use super::state::{FOLLOW_UP_STEP, PRE_REVIEW_STEP, VERIFICATION_STEP};
        let allowed: &[Status] = match self.state.tasks.get(&id).map(|t| t.step.as_str()) {
            Some(FOLLOW_UP_STEP | VERIFICATION_STEP) => &[Status::Concluded],
            Some(PRE_REVIEW_STEP) => &[Status::PreReview],
            _ => &[Status::InProgress, Status::Paused],
        };
        self.require_status(command, allowed)
    }

    pub(super) fn complete_by_actor(
        &mut self,
        id: u32,
        action: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EngineError> {
        use super::state::{FOLLOW_UP_STEP, PRE_REVIEW_STEP, VERIFICATION_STEP};
        self.require_task_status("completeTask", id)?;
        let task = self.state.tasks.get(&id).cloned().ok_or(EngineError::TaskNotFound(id))?;
        match task.step.as_str() {
            FOLLOW_UP_STEP => return self.close_follow_up(id, action, data),
            VERIFICATION_STEP => {
                self.authorize_task(&task)?;
                return self.verify(id, action, data);
            }
            PRE_REVIEW_STEP => {
                self.authorize_task(&task)?;
                return self.answer_pre_review(id, action, data);
            }
            _ => {}
        }
        match self.step_kind(&task.step)? {
            StepKind::Committee(c) => return self.vote(&task, c, action, data),
            StepKind::Publicity(_) => {
                self.authorize_task(&task)?;
                return self.answer_objection(id, &task.step, action, data);
            }
            _ => {}
        }
        let task = &task;
        self.authorize_task(task)?;
        let step = self.task_step(task)?;
        let chosen = step
            .actions
            .iter()
            .find(|a| a.action == action)
            .ok_or_else(|| EngineError::UnknownAction(action.to_owned()))?;
        for (name, value) in data {
            let ok = match step.outputs.get(name) {
                None => {
                    return Err(EngineError::BadData {
                        field: format!("data.{name}"),
                        message: "not an output of this step".into(),
                    });
                }
                Some(OutputType::Boolean) => value.is_boolean(),
                Some(OutputType::String) => value.is_string(),
                Some(OutputType::Integer) => value.is_i64() || value.is_u64(),
                Some(OutputType::Number) => value.is_number(),
            };
            if !ok {
                return Err(EngineError::BadData {
                    field: format!("data.{name}"),
                    message: format!("must be {:?}", step.outputs[name]).to_lowercase(),
                });
            }
        }
        let by = self.actor().user.clone();
        self.complete(id, chosen, data, by)
    }

    /// Closes the follow-up of a bad rating: action `close`, with an optional `note` of
    /// what was done. The case stays concluded.
    fn close_follow_up(
        &mut self,
        id: u32,
        action: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EngineError> {
        let task = self.state.tasks.get(&id).ok_or(EngineError::TaskNotFound(id))?;
        self.authorize_task(task)?;
        if action != super::state::FOLLOW_UP_CLOSE {
            return Err(EngineError::UnknownAction(action.to_owned()));
        }
        if let Some((name, _)) = data.iter().find(|(k, v)| k.as_str() != "note" || !v.is_string()) {
            let message = if name == "note" { "must be string" } else { "not an output of this step" };
            return Err(EngineError::BadData { field: format!("data.{name}"), message: message.into() });
        }
        let mut recorded = serde_json::Map::new();
        if let Some(note) = data.get("note") {
            recorded.insert("follow_up_note".to_owned(), note.clone());
        }
        self.emit(Event::TaskCompleted {
            task: id,
            step: super::state::FOLLOW_UP_STEP.to_owned(),
            action: action.to_owned(),
            data: recorded,
            by: self.actor().user.clone(),
        });
        Ok(())
    }

    /// Completes a task (by a person, or by the system on timeout) and moves on.
    pub(super) fn complete(
        &mut self,
        id: u32,
        action: &ActionSpec,
        data: &serde_json::Map<String, serde_json::Value>,
        by: String,
    ) -> Result<(), EngineError> {
        let step = self.state.tasks.get(&id).map(|t| t.step.clone()).ok_or(EngineError::TaskNotFound(id))?;
        self.emit(Event::TaskCompleted {
            task: id,
            step: step.clone(),
            action: action.action.clone(),
            data: data.clone(),
            by,
        });
        if self.state.pause == Some(PauseReason::Step(step)) {
            self.resume_clocks()?;
        }
        self.enter(&action.next, 0)
    }

    pub(super) fn settle(&mut self, id: u32, delivered: bool, detail: &str) -> Result<(), EngineError> {
        self.require_system()?;
        let effect = self.state.effects.get(&id).ok_or(EngineError::EffectNotFound(id))?;
        let step = effect.step.clone();
        if !delivered {
            self.emit(Event::EffectFailed { effect: id, detail: detail.to_owned() });
            return Ok(());
        }
        self.emit(Event::EffectDelivered { effect: id, detail: detail.to_owned() });
        let waiting = self.state.waiting_at.clone();
        let pending = self.state.effects.values().any(|e| e.step == waiting);
        if let (Some(at), false, true) = (waiting, pending, step == self.state.waiting_at)
            && let StepKind::Auto(a) = self.step_kind(&at)?
        {
            let next = a.next.clone();
            return self.pass(&at, &next, 0);
        }
        Ok(())
    }

    /// Concludes the case, or withholds an approval until deferred materials arrive.
    pub(super) fn conclude(
        &mut self,
        outcome: Outcome,
        step: Option<String>,
        deemed: bool,
        reason: &str,
    ) -> Result<(), EngineError> {
        let open: Vec<u32> = self.state.tasks.keys().copied().collect();
        for task in open {
            self.emit(Event::TaskCancelled { task });
        }
        if let Some(b) = self.state.booking.clone() {
            // A concluded case frees its place for someone else.
            self.emit(Event::BookingCancelled { slot: b.slot, by: self.actor().user.clone() });
        }
        self.stop_clocks()?;
        if outcome == Outcome::Approved
            && !self.state.deferred.is_empty()
            && self.state.status != Status::AwaitingMaterials
        {
            let missing = self.state.deferred.keys().cloned().collect();
            self.emit(Event::ResultWithheld { missing, step });
            return Ok(());
        }
        let timers: Vec<u32> = self.state.timers.keys().copied().collect();
        for timer in timers {
            self.emit(Event::TimerCancelled { timer });
        }
        self.emit(Event::CaseConcluded { outcome, step, deemed, reason: reason.to_owned(), at: self.now() });
        if outcome == Outcome::Approved {
            self.open_verification()?;
            for (index, t) in self.service.spec.timers.iter().enumerate() {
                if let TimerDue::AfterApproval(limit) = t.due {
                    let due = self.due_after(limit, self.now())?;
                    let id = self.state.next_id;
                    self.emit(Event::TimerSet { timer: Timer { id, due, kind: TimerKind::Case { index } } });
                }
            }
        }
        Ok(())
    }

    /// Timers on form dates (deemed approval at a licence's expiry), set at acceptance.
    pub(super) fn set_form_date_timers(&mut self) -> Result<(), EngineError> {
        for (index, t) in self.service.spec.timers.iter().enumerate() {
            let TimerDue::AtFormDate(field) = &t.due else { continue };
            let text = self.state.form.get(field).and_then(|v| v.as_str()).unwrap_or_default();
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| EngineError::BadData {
                field: format!("form.{field}"),
                message: "must be a date YYYY-MM-DD".into(),
            })?;
            let id = self.state.next_id;
            let due = start_of(date + Duration::days(1));
            self.emit(Event::TimerSet { timer: Timer { id, due, kind: TimerKind::Case { index } } });
        }
        Ok(())
    }
}

/// A date held in a form field, as `YYYY-MM-DD`.
pub(super) fn form_date(form: &serde_json::Value, field: &str) -> Result<NaiveDate, EngineError> {
    let text = form.get(field).and_then(|v| v.as_str()).unwrap_or_default();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| EngineError::BadData {
        field: format!("form.{field}"),
        message: "must be a date YYYY-MM-DD".into(),
    })
}

/// A text datum of one of the engine's own tasks, empty when not given; any other datum is
/// refused.
pub(super) fn text_output(
    data: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<String, EngineError> {
    if let Some((other, _)) = data.iter().find(|(k, _)| k.as_str() != name) {
        return Err(EngineError::BadData {
            field: format!("data.{other}"),
            message: "not an output of this step".into(),
        });
    }
    match data.get(name) {
        None => Ok(String::new()),
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(EngineError::BadData { field: format!("data.{name}"), message: "must be string".into() }),
    }
}
