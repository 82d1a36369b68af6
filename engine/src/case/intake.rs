//! The window (受理环节): submission, correction notices, supplying, acceptance (by a clerk,
//! deemed by art. 32, or automatic), refusal at the door and withdrawal.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::batch::window_for;
use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::materials::{is_known, is_satisfied, missing};
use super::state::{Deficiency, MaterialRef, Outcome, Status, Timer, TimerKind};
use crate::calendar::{local_date, start_of};
use crate::clock::{Clock, ClockStart};
use crate::definition::ClockAnchor;
use crate::limit::Limit;

/// 行政许可法 art. 32: deficiencies are told within 5 days, or the application counts as
/// accepted on the day it was received.
const NOTICE_DAYS: Limit = Limit::working_days(5);

impl Tx<'_> {
    pub(super) fn submit(
        &mut self,
        case_id: &str,
        form: &serde_json::Value,
        materials: &BTreeMap<String, MaterialRef>,
        commitments: &[String],
        draft: bool,
    ) -> Result<(), EngineError> {
        self.require_status("submitCase", &[super::state::Status::New])?;
        if self.actor().is_system() {
            return Err(EngineError::NotApplicant);
        }
        if draft && self.service.spec.pre_review.is_none() {
            return Err(EngineError::NoPreReview);
        }
        let (office, batch, commitments) = self.check_submission(form, materials, commitments)?;
        let spec = &self.service.spec;
        self.emit(Event::CaseSubmitted {
            case_id: case_id.to_owned(),
            service: spec.code.clone(),
            version: spec.version,
            applicant: self.actor().user.clone(),
            office,
            form: Arc::new(form.clone()),
            materials: materials.clone(),
            // A draft is in no window yet: the window is the one it is finally sent in.
            batch: if draft { None } else { batch },
            at: self.now(),
            commitments,
            draft,
        });
        if draft {
            return self.open_pre_review();
        }
        self.after_receipt()
    }

    /// The checks of an application as sent: the office, materials and commitments it
    /// names, its form dates, and the window it falls in. Returns the office, the window and
    /// the commitments that stand.
    pub(super) fn check_submission(
        &self,
        form: &serde_json::Value,
        materials: &BTreeMap<String, MaterialRef>,
        commitments: &[String],
    ) -> Result<(String, Option<super::state::BatchRef>, Vec<String>), EngineError> {
        let spec = &self.service.spec;
        let office = form.get(&spec.office_field).and_then(|o| o.as_str()).filter(|o| !o.is_empty());
        let Some(office) = office else {
            return Err(EngineError::BadData {
                field: format!("form.{}", spec.office_field),
                message: "the handling office is required".into(),
            });
        };
        if let Some(unknown) = materials.keys().find(|c| !is_known(self.service, c)) {
            return Err(EngineError::UnknownMaterial(unknown.clone()));
        }
        let commitments = self.standing_commitments(commitments, form, materials)?;
        for timer in &spec.timers {
            if let crate::definition::TimerDue::AtFormDate(field) = &timer.due {
                super::flow::form_date(form, field)?;
            }
        }
        let batch = match spec.clock_anchor {
            ClockAnchor::Accept => None,
            ClockAnchor::BatchClose => Some(
                window_for(&spec.batches, local_date(self.now()))
                    .map_err(|next| EngineError::OutsideBatchWindow(next.unwrap_or(chrono::NaiveDate::MAX)))?,
            ),
        };
        Ok((office.to_owned(), batch, commitments))
    }

    /// An application has been received: accepted at once (即办), or the 5-day rule runs.
    pub(super) fn after_receipt(&mut self) -> Result<(), EngineError> {
        if self.service.spec.auto_accept {
            let absent = self.missing_names(&[])?;
            if !absent.is_empty() {
                return Err(EngineError::MissingMaterials(absent));
            }
            return self.accept(self.now(), false, &[]);
        }
        self.set_notice_timer()
    }

    fn set_notice_timer(&mut self) -> Result<(), EngineError> {
        let due = self.due_after(NOTICE_DAYS, self.now())?;
        let id = self.state.next_id;
        self.emit(Event::TimerSet { timer: Timer { id, due, kind: TimerKind::DeemedAcceptance } });
        Ok(())
    }

    fn cancel_notice_timer(&mut self) {
        let ids: Vec<u32> =
            self.state.timers.values().filter(|t| t.kind == TimerKind::DeemedAcceptance).map(|t| t.id).collect();
        for timer in ids {
            self.emit(Event::TimerCancelled { timer });
        }
    }

    /// The instant a limit counted from `from` runs out.
    pub(super) fn due_after(&self, limit: Limit, from: DateTime<Utc>) -> Result<DateTime<Utc>, EngineError> {
        let clock = Clock::start(
            ClockStart { limit, anchor: from, warn_percent: 100, counting: self.service.spec.pause_counting },
            self.calendar(),
        )?;
        Ok(clock.deadline.unwrap_or(from))
    }

    fn missing_names(&self, deferred: &[String]) -> Result<Vec<String>, EngineError> {
        // A material replaced by a signed commitment (告知承诺) is not missing.
        let excused: Vec<String> = deferred.iter().chain(&self.state.commitments).cloned().collect();
        let absent =
            missing(self.service, &self.state, &self.state.materials, &excused).map_err(EngineError::Condition)?;
        Ok(absent.iter().map(|m| format!("{}({})", m.name, m.code)).collect())
    }

    pub(super) fn accept_by_clerk(&mut self, deferred: &[String]) -> Result<(), EngineError> {
        self.require_status("acceptCase", &[Status::Received])?;
        self.require_staff(&self.service.spec.intake_role.clone(), &self.state.office.clone())?;
        for code in deferred {
            let m = self.service.spec.materials.iter().find(|m| &m.code == code);
            match m {
                None => return Err(EngineError::UnknownMaterial(code.clone())),
                Some(m) if m.deferrable.is_none() => return Err(EngineError::NotDeferrable(code.clone())),
                Some(_) => {}
            }
        }
        let absent = self.missing_names(deferred)?;
        if !absent.is_empty() {
            return Err(EngineError::MissingMaterials(absent));
        }
        self.accept(self.now(), false, deferred)
    }

    /// Accepts the case as of `at`: starts both clocks, schedules deferred materials, and
    /// enters the first step.
    pub(super) fn accept(&mut self, at: DateTime<Utc>, deemed: bool, deferred: &[String]) -> Result<(), EngineError> {
        let spec = &self.service.spec;
        let warn_percent = spec.sla.warn_at_percent;
        let legal_anchor = match &self.state.batch {
            Some(b) => start_of(b.closes),
            None => at,
        };
        let counting = spec.pause_counting;
        let start = |limit, anchor| ClockStart { limit, anchor, warn_percent, counting };
        let legal = Clock::start(start(spec.limits.legal, legal_anchor), self.calendar())?;
        let promised = Clock::start(start(spec.limits.promised, at), self.calendar())?;
        let mut due = BTreeMap::new();
        for code in deferred {
            let within = spec.materials.iter().find(|m| &m.code == code).and_then(|m| m.deferrable.as_ref());
            if let Some(d) = within {
                due.insert(code.clone(), self.due_after(d.within, at)?);
            }
        }
        self.cancel_notice_timer();
        self.emit(Event::CaseAccepted { at, deemed, deferred: due.clone(), legal, promised });
        for (material, due) in due {
            let id = self.state.next_id;
            self.emit(Event::TimerSet { timer: Timer { id, due, kind: TimerKind::DeferredMaterial { material } } });
        }
        self.set_form_date_timers()?;
        let first = self.service.first_step().id.clone();
        self.enter(&first, 0)
    }

    pub(super) fn request_correction(&mut self, deficiencies: &[Deficiency]) -> Result<(), EngineError> {
        if self.state.status == Status::CorrectionRequested {
            return Err(EngineError::UnchangedSinceNotice);
        }
        self.require_status("requestCorrection", &[Status::Received])?;
        self.require_staff(&self.service.spec.intake_role.clone(), &self.state.office.clone())?;
        if deficiencies.is_empty() || deficiencies.iter().any(|d| d.note.trim().is_empty()) {
            return Err(EngineError::EmptyNotice);
        }
        let known = |c: &str| self.service.spec.materials.iter().any(|m| m.code == c) || is_known(self.service, c);
        if let Some(code) = deficiencies.iter().filter_map(|d| d.material.as_deref()).find(|c| !known(c)) {
            return Err(EngineError::UnknownMaterial(code.to_owned()));
        }
        self.cancel_notice_timer();
        let round = u32::try_from(self.state.corrections.len()).unwrap_or(u32::MAX) + 1;
        self.emit(Event::CorrectionRequested { deficiencies: deficiencies.to_vec(), round, at: self.now() });
        Ok(())
    }

    pub(super) fn supply(&mut self, materials: &BTreeMap<String, MaterialRef>) -> Result<(), EngineError> {
        self.require_applicant()?;
        let intake = [Status::Received, Status::CorrectionRequested];
        let later = [Status::InProgress, Status::Paused, Status::AwaitingMaterials];
        let deferred_open = later.contains(&self.state.status) && !self.state.deferred.is_empty();
        if !intake.contains(&self.state.status) && !deferred_open {
            return Err(EngineError::WrongStatus { command: "supplyMaterials", status: self.state.status });
        }
        if materials.is_empty() {
            return Err(EngineError::BadData {
                field: "materials".into(),
                message: "supply at least one material".into(),
            });
        }
        if let Some(unknown) = materials.keys().find(|c| !is_known(self.service, c)) {
            return Err(EngineError::UnknownMaterial(unknown.clone()));
        }
        let was_notice = self.state.status == Status::CorrectionRequested;
        self.emit(Event::MaterialsSupplied { materials: materials.clone() });
        if was_notice {
            // The notice is answered; the 5-day rule runs again from the new submission.
            self.set_notice_timer()?;
        }
        self.settle_deferred()
    }

    /// Clears deferred materials now supplied; releases a withheld result when none remain.
    fn settle_deferred(&mut self) -> Result<(), EngineError> {
        let done: Vec<String> = self
            .state
            .deferred
            .keys()
            .filter(|c| is_satisfied(self.service, c, &self.state.materials))
            .cloned()
            .collect();
        if !done.is_empty() {
            self.emit(Event::DeferredSupplied { materials: done.clone() });
        }
        for code in &done {
            let timers: Vec<u32> = self
                .state
                .timers
                .values()
                .filter(|t| matches!(&t.kind, TimerKind::DeferredMaterial { material } if material == code))
                .map(|t| t.id)
                .collect();
            for timer in timers {
                self.emit(Event::TimerCancelled { timer });
            }
        }
        if self.state.status == Status::AwaitingMaterials && self.state.deferred.is_empty() {
            let step = self.state.end_step.clone();
            self.conclude(Outcome::Approved, step, false, "")?;
        }
        Ok(())
    }

    pub(super) fn refuse(&mut self, reason: &str) -> Result<(), EngineError> {
        self.require_status("refuseCase", &[Status::Received, Status::CorrectionRequested])?;
        self.require_staff(&self.service.spec.intake_role.clone(), &self.state.office.clone())?;
        if reason.trim().is_empty() {
            return Err(EngineError::ReasonRequired);
        }
        self.conclude(Outcome::NotAccepted, None, false, reason)
    }

    pub(super) fn withdraw(&mut self, reason: &str) -> Result<(), EngineError> {
        self.require_applicant()?;
        if self.state.is_concluded() || self.state.status == Status::AwaitingMaterials {
            return Err(EngineError::WrongStatus { command: "withdrawCase", status: self.state.status });
        }
        self.conclude(Outcome::Withdrawn, None, false, reason)
    }

    /// Art. 32: the notice timer fired with no notice and no acceptance.
    pub(super) fn deem_accepted(&mut self) -> Result<(), EngineError> {
        if self.state.status != Status::Received {
            return Ok(());
        }
        // Accepted on the day received: the clocks count from the day after it.
        let received = self.state.received_at.unwrap_or(self.now());
        self.accept(received, true, &[])
    }
}
