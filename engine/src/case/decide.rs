//! `decide`: a command against a case's state gives events or a refusal. Pure: time, the
//! calendar and the actor come in through [`Context`]. The work happens on a [`Tx`] that
//! applies each event to a working copy as it is emitted, so later rules see its effect;
//! at the end the clock timers are reconciled with the clocks.

use chrono::{DateTime, Utc};

use super::command::{Actor, Command};
use super::error::EngineError;
use super::event::Event;
use super::evolve::evolve;
use super::state::{CaseState, Status};
use crate::calendar::Calendar;
use crate::definition::Service;

/// What a decision runs against besides the case.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The current instant.
    pub now: DateTime<Utc>,
    /// The calendar of the case's region.
    pub calendar: &'a Calendar,
    /// Who issues the command.
    pub actor: &'a Actor,
}

/// Decides a command.
///
/// # Errors
/// [`EngineError`] saying why the command is refused; nothing is emitted then.
pub fn decide(
    service: &Service,
    state: &CaseState,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, EngineError> {
    decide_and_apply(service, state, command, ctx).map(|(events, _)| events)
}

/// Decides a command and also returns the state after its events, so a caller that needs
/// both does not evolve twice.
///
/// # Errors
/// As [`decide`].
pub fn decide_and_apply(
    service: &Service,
    state: &CaseState,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<(Vec<Event>, CaseState), EngineError> {
    let mut tx = Tx { service, ctx: *ctx, state: state.clone(), events: Vec::new() };
    tx.handle(command)?;
    tx.reconcile_timers()?;
    Ok((tx.events, tx.state))
}

/// A decision in progress.
pub(super) struct Tx<'a> {
    pub service: &'a Service,
    pub ctx: Context<'a>,
    pub state: CaseState,
    pub events: Vec<Event>,
}

impl Tx<'_> {
    pub fn emit(&mut self, event: Event) {
        evolve(&mut self.state, &event);
        self.events.push(event);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now
    }

    pub fn calendar(&self) -> &Calendar {
        self.ctx.calendar
    }

    pub fn actor(&self) -> &Actor {
        self.ctx.actor
    }

    /// How the clocks of this case count a pause: as its legal clock does once accepted (a
    /// case keeps the count it started with, whatever the definition says later), else as
    /// the definition says.
    pub fn counting(&self) -> crate::clock::PauseCounting {
        self.state.legal.as_ref().map_or(self.service.spec.pause_counting, |c| c.counting)
    }

    /// Refuses unless the status is one of `allowed`.
    pub fn require_status(&self, command: &'static str, allowed: &[Status]) -> Result<(), EngineError> {
        if allowed.contains(&self.state.status) {
            Ok(())
        } else {
            Err(EngineError::WrongStatus { command, status: self.state.status })
        }
    }

    /// Refuses unless the actor is staff with `role` covering the case office, and not the
    /// applicant of this case.
    pub fn require_staff(&self, role: &str, office: &str) -> Result<(), EngineError> {
        let actor = self.actor();
        if !actor.has_role(role) {
            return Err(EngineError::MissingRole(role.to_owned()));
        }
        if !actor.covers(office) {
            return Err(EngineError::OutOfScope);
        }
        if actor.user == self.state.applicant {
            return Err(EngineError::OwnApplication);
        }
        Ok(())
    }

    pub fn require_applicant(&self) -> Result<(), EngineError> {
        if self.actor().user == self.state.applicant && !self.actor().is_system() {
            Ok(())
        } else {
            Err(EngineError::NotApplicant)
        }
    }

    pub fn require_system(&self) -> Result<(), EngineError> {
        if self.actor().is_system() { Ok(()) } else { Err(EngineError::NotSystem) }
    }

    fn handle(&mut self, command: &Command) -> Result<(), EngineError> {
        if self.state.status == Status::New && !matches!(command, Command::SubmitCase { .. }) {
            return Err(EngineError::WrongStatus { command: command.name(), status: Status::New });
        }
        match command {
            Command::SubmitCase { case_id, form, materials, commitments, draft } => {
                self.submit(case_id, form, materials, commitments, *draft)
            }
            Command::SubmitDraft { form, materials, commitments } => {
                self.submit_draft(form.as_ref(), materials, commitments)
            }
            Command::LodgeObjection { text, step } => self.lodge_objection(text, step),
            Command::BookVisit { slot } => self.book(slot),
            Command::CancelBooking => self.cancel_booking(),
            Command::RecordNoShow => self.record_no_show(),
            Command::AcceptCase { deferred } => self.accept_by_clerk(deferred),
            Command::RequestCorrection { deficiencies } => self.request_correction(deficiencies),
            Command::SupplyMaterials { materials } => self.supply(materials),
            Command::RefuseCase { reason } => self.refuse(reason),
            Command::WithdrawCase { reason } => self.withdraw(reason),
            Command::ClaimTask { task } => self.claim(*task),
            Command::ReleaseTask { task } => self.release(*task),
            Command::CompleteTask { task, action, data } => self.complete_by_actor(*task, action, data),
            Command::FireTimer { timer } => self.fire(*timer),
            Command::PauseClock { procedure, notice } => self.pause_for_procedure(procedure, notice),
            Command::ResumeClock => self.resume_procedure(),
            Command::ExtendDeadline { amount, reason } => self.extend(*amount, reason),
            Command::RecordVisit { purpose } => self.record_visit(purpose),
            Command::RateCase { score, comment } => self.rate(*score, comment),
            Command::SettleEffect { effect, delivered, detail } => self.settle(*effect, *delivered, detail),
            Command::RecomputeDeadlines => self.recompute(),
        }
    }

    fn record_visit(&mut self, purpose: &str) -> Result<(), EngineError> {
        // Staff of the service in the case's office record visits; nobody else (an
        // auditor's role is not a role of the service).
        let actor = self.actor();
        if !self.service.spec.roles.iter().any(|r| actor.has_role(&r.code)) {
            return Err(EngineError::MissingRole(self.service.spec.intake_role.clone()));
        }
        if !actor.covers(&self.state.office) {
            return Err(EngineError::OutOfScope);
        }
        let visits = self.state.visits + 1;
        let over_limit = visits > self.service.spec.max_visits;
        self.emit(Event::VisitRecorded { visits, over_limit, purpose: purpose.to_owned() });
        Ok(())
    }

    fn rate(&mut self, score: u8, comment: &str) -> Result<(), EngineError> {
        self.require_applicant()?;
        self.require_status("rateCase", &[Status::Concluded])?;
        if self.state.rating.is_some() {
            return Err(EngineError::AlreadyRated);
        }
        if !(1..=5).contains(&score) {
            return Err(EngineError::InvalidScore(score));
        }
        if score <= self.service.spec.sla.bad_rating_at_most && comment.trim().is_empty() {
            return Err(EngineError::RatingReasonRequired(score));
        }
        self.emit(Event::CaseRated { score, comment: comment.to_owned() });
        let sla = &self.service.spec.sla;
        if score <= sla.bad_rating_at_most {
            // 差评: the office follows up within its own limit (local practice: 15 WD).
            let role = sla.follow_up_role.clone().unwrap_or_else(|| self.service.spec.intake_role.clone());
            let (office, limit, warn) = (self.state.office.clone(), sla.follow_up_limit, sla.warn_at_percent);
            self.open(super::state::FOLLOW_UP_STEP, role, office, Some(limit), warn)?;
        }
        Ok(())
    }
}
