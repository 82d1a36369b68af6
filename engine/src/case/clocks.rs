//! Clock commands and timers: pausing for special procedures, extensions, recomputation
//! after a calendar change, firing timers, and keeping the clock timers in step with the
//! clocks.

use std::collections::BTreeMap;

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::{CaseState, ClockRef, Effect, Extension, Outcome, PauseReason, Status, Timer, TimerKind};
use crate::calendar::Calendar;
use crate::clock::{Clock, Level};
use crate::definition::{CaseTimerAction, EffectSpec, Recipient, StepKind, TimeoutAction};

/// Every clock of the case after `f`, as a `ClocksUpdated` event (not yet emitted).
fn mapped_clocks(
    tx: &Tx<'_>,
    mut f: impl FnMut(&mut Clock, &Calendar) -> Result<(), EngineError>,
) -> Result<Event, EngineError> {
    let calendar = tx.ctx.calendar;
    let mut legal = tx.state.legal.clone();
    let mut promised = tx.state.promised.clone();
    for c in legal.iter_mut().chain(promised.iter_mut()) {
        f(c, calendar)?;
    }
    let mut tasks = BTreeMap::new();
    for t in tx.state.tasks.values() {
        if let Some(mut c) = t.clock.clone() {
            f(&mut c, calendar)?;
            tasks.insert(t.id, c);
        }
    }
    Ok(Event::ClocksUpdated { legal, promised, tasks })
}

/// Applies `f` to every clock of the case and emits the new values.
fn update_clocks(
    tx: &mut Tx<'_>,
    f: impl FnMut(&mut Clock, &Calendar) -> Result<(), EngineError>,
) -> Result<(), EngineError> {
    let event = mapped_clocks(tx, f)?;
    tx.emit(event);
    Ok(())
}

impl Tx<'_> {
    pub(super) fn pause_clocks(&mut self, reason: PauseReason) -> Result<(), EngineError> {
        self.pause_clocks_with(reason, "")
    }

    fn pause_clocks_with(&mut self, reason: PauseReason, notice: &str) -> Result<(), EngineError> {
        let now = self.now();
        update_clocks(self, |c, cal| Ok(c.pause(now, cal)?))?;
        self.emit(Event::ClocksPaused { reason, by: self.actor().user.clone(), notice: notice.to_owned() });
        Ok(())
    }

    pub(super) fn resume_clocks(&mut self) -> Result<(), EngineError> {
        let Some(reason) = self.state.pause.clone() else { return Ok(()) };
        let now = self.now();
        update_clocks(self, |c, cal| Ok(c.resume(now, cal)?))?;
        self.emit(Event::ClocksResumed { reason, by: self.actor().user.clone() });
        Ok(())
    }

    pub(super) fn stop_clocks(&mut self) -> Result<(), EngineError> {
        if self.state.legal.is_none() {
            return Ok(());
        }
        let now = self.now();
        update_clocks(self, |c, cal| if c.stopped_at.is_none() { Ok(c.stop(now, cal)?) } else { Ok(()) })
    }

    fn procedure_roles(&self, code: &str) -> Result<Vec<String>, EngineError> {
        let p = self.service.spec.special_procedures.iter().find(|p| p.code == code);
        p.map(|p| p.roles.clone()).ok_or_else(|| EngineError::UnknownProcedure(code.to_owned()))
    }

    fn require_any_role(&self, roles: &[String]) -> Result<(), EngineError> {
        let office = self.state.office.clone();
        let role = roles.iter().find(|r| self.actor().has_role(r)).or(roles.first());
        self.require_staff(role.map_or("", String::as_str), &office)
    }

    pub(super) fn pause_for_procedure(&mut self, procedure: &str, notice: &str) -> Result<(), EngineError> {
        if self.state.status == Status::Paused {
            return Err(EngineError::AlreadyPaused);
        }
        self.require_status("pauseClock", &[Status::InProgress])?;
        let roles = self.procedure_roles(procedure)?;
        self.require_any_role(&roles)?;
        self.pause_clocks_with(PauseReason::Procedure(procedure.to_owned()), notice.trim())
    }

    pub(super) fn resume_procedure(&mut self) -> Result<(), EngineError> {
        let Some(PauseReason::Procedure(code)) = self.state.pause.clone() else {
            return Err(EngineError::NotPaused);
        };
        let roles = self.procedure_roles(&code)?;
        self.require_any_role(&roles)?;
        self.resume_clocks()
    }

    pub(super) fn extend(&mut self, amount: u32, reason: &str) -> Result<(), EngineError> {
        self.require_status("extendDeadline", &[Status::InProgress, Status::Paused])?;
        let rule = self.service.spec.extension.clone().ok_or(EngineError::NoExtension)?;
        self.require_staff(&rule.role, &self.state.office.clone())?;
        if reason.trim().is_empty() {
            return Err(EngineError::ReasonRequired);
        }
        let used: u32 = self.state.extensions.iter().map(|e| e.amount).sum();
        if amount == 0 || used + amount > rule.max.amount {
            return Err(EngineError::ExtensionExceeded { max: rule.max.amount, used });
        }
        let (now, calendar) = (self.now(), self.calendar());
        let mut legal = self.state.legal.clone();
        if let Some(c) = legal.as_mut() {
            c.extend(amount, now, calendar)?;
        }
        let before = self.state.legal.as_ref().map(|c| c.level);
        let extension = Extension { amount, reason: reason.to_owned(), by: self.actor().user.clone() };
        self.emit(Event::DeadlineExtended { extension });
        let promised = self.state.promised.clone();
        let level = legal.as_ref().map(|c| c.level);
        self.emit(Event::ClocksUpdated { legal, promised, tasks: self.task_clocks() });
        if let (Some(level), true) = (level, level != before) {
            self.emit(Event::LevelChanged { clock: ClockRef::Legal, level });
        }
        Ok(())
    }

    fn task_clocks(&self) -> BTreeMap<u32, Clock> {
        self.state.tasks.values().filter_map(|t| t.clock.clone().map(|c| (t.id, c))).collect()
    }

    pub(super) fn recompute(&mut self) -> Result<(), EngineError> {
        self.require_system()?;
        let mut changed = false;
        let event = mapped_clocks(self, |c, cal| {
            changed |= c.recompute(cal)?;
            Ok(())
        })?;
        if changed {
            self.emit(Event::DeadlinesRecomputed { region: self.calendar().region().to_owned() });
            self.emit(event);
        }
        Ok(())
    }

    pub(super) fn fire(&mut self, id: u32) -> Result<(), EngineError> {
        self.require_system()?;
        let timer = self.state.timers.get(&id).cloned().ok_or(EngineError::TimerNotPending(id))?;
        if timer.due > self.now() {
            return Err(EngineError::TimerNotDue(timer.due));
        }
        self.emit(Event::TimerFired { timer: id });
        match timer.kind {
            TimerKind::Clock { clock, level } => self.reach_level(clock, level),
            TimerKind::DeemedAcceptance => self.deem_accepted(),
            TimerKind::PublicityEnds { step } => self.end_publicity(&step),
            TimerKind::DeferredMaterial { material } => {
                self.notify(Recipient::Applicant, format!("容缺材料逾期未补交：{material}"));
                Ok(())
            }
            TimerKind::Case { index } => {
                let spec = self
                    .service
                    .spec
                    .timers
                    .get(index)
                    .cloned()
                    .ok_or_else(|| EngineError::MissingStep(format!("timers[{index}]")))?;
                match spec.action {
                    CaseTimerAction::Notify => {
                        self.notify(Recipient::Applicant, spec.name);
                        Ok(())
                    }
                    CaseTimerAction::DeemApproved if !self.state.is_concluded() => {
                        self.conclude(Outcome::Approved, None, true, &spec.name)
                    }
                    CaseTimerAction::DeemApproved => Ok(()),
                }
            }
        }
    }

    pub(super) fn notify(&mut self, to: Recipient, template: String) {
        let effect = Effect { id: self.state.next_id, step: None, spec: EffectSpec::Notify { to, template } };
        self.emit(Event::EffectRequested { effect });
    }

    fn reach_level(&mut self, clock: ClockRef, level: Level) -> Result<(), EngineError> {
        self.emit(Event::LevelChanged { clock, level });
        let ClockRef::Task(task_id) = clock else { return Ok(()) };
        if level != Level::Overdue {
            return Ok(());
        }
        let Some(task) = self.state.tasks.get(&task_id).cloned() else { return Ok(()) };
        let Some(StepKind::Task(step)) = self.service.step(&task.step).map(|s| &s.kind) else { return Ok(()) };
        let by = crate::case::command::SYSTEM.to_owned();
        let pick = |name: &str| step.actions.iter().find(|a| a.action == name).cloned();
        match &step.on_timeout {
            None => Ok(()),
            Some(TimeoutAction::Notify) => {
                self.notify(Recipient::Role(task.role.clone()), format!("{}已超期", step_name(self, &task.step)));
                Ok(())
            }
            Some(TimeoutAction::Escalate { to_role }) => {
                self.emit(Event::TaskEscalated { task: task_id, to_role: to_role.clone() });
                self.notify(
                    Recipient::Role(to_role.clone()),
                    format!("{}超期，已升级办理", step_name(self, &task.step)),
                );
                Ok(())
            }
            Some(TimeoutAction::AutoApprove) => match pick("approve") {
                Some(a) => self.complete(task_id, &a, &serde_json::Map::new(), by),
                None => Ok(()),
            },
            Some(TimeoutAction::AutoRefuse) => match pick("refuse") {
                Some(a) => self.complete(task_id, &a, &serde_json::Map::new(), by),
                None => Ok(()),
            },
        }
    }

    /// Brings the clock timers in line with the clocks: a warning timer for each running
    /// normal clock, an overdue timer for each running clock not yet overdue.
    pub(super) fn reconcile_timers(&mut self) -> Result<(), EngineError> {
        let wanted = wanted_timers(&self.state);
        let existing: Vec<Timer> =
            self.state.timers.values().filter(|t| matches!(t.kind, TimerKind::Clock { .. })).cloned().collect();
        for t in &existing {
            if !wanted.iter().any(|(kind, due)| *kind == t.kind && *due == t.due) {
                self.emit(Event::TimerCancelled { timer: t.id });
            }
        }
        for (kind, due) in wanted {
            if !existing.iter().any(|t| t.kind == kind && t.due == due) {
                let id = self.state.next_id;
                self.emit(Event::TimerSet { timer: Timer { id, due, kind } });
            }
        }
        Ok(())
    }
}

fn step_name(tx: &Tx<'_>, id: &str) -> String {
    tx.service.step_name(id).unwrap_or(id).to_owned()
}

fn wanted_timers(state: &CaseState) -> Vec<(TimerKind, chrono::DateTime<chrono::Utc>)> {
    let clocks = [(ClockRef::Legal, state.legal.as_ref()), (ClockRef::Promised, state.promised.as_ref())]
        .into_iter()
        .chain(state.tasks.values().map(|t| (ClockRef::Task(t.id), t.clock.as_ref())));
    let mut out = Vec::new();
    for (clock, c) in clocks {
        let Some(c) = c else { continue };
        if let (Some(w), Level::Normal) = (c.warn_at, c.level) {
            out.push((TimerKind::Clock { clock, level: Level::Warning }, w));
        }
        if let (Some(d), true) = (c.deadline, c.level != Level::Overdue) {
            out.push((TimerKind::Clock { clock, level: Level::Overdue }, d));
        }
    }
    out
}
