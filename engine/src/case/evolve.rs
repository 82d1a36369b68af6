//! `evolve`: applies one event to a case's state. Total and infallible: every fact an event
//! needs was computed when it was decided.

use std::collections::BTreeMap;

use super::commitment::{Verification, VerificationState};
use super::committee::Vote;
use super::event::Event;
use super::pre_review::PreReview;
use super::publicity::Publicity;
use super::state::{CaseState, ClockRef, CorrectionNotice, Status};
use crate::clock::Clock;

/// Applies an event.
pub fn evolve(state: &mut CaseState, event: &Event) {
    state.sequence += 1;
    match event {
        Event::CaseSubmitted {
            case_id,
            service,
            version,
            applicant,
            office,
            form,
            materials,
            batch,
            at,
            commitments,
            draft,
        } => {
            state.id.clone_from(case_id);
            state.service.clone_from(service);
            state.service_version = *version;
            state.applicant.clone_from(applicant);
            state.office.clone_from(office);
            state.form = form.clone();
            state.materials = std::sync::Arc::new(materials.clone());
            state.batch.clone_from(batch);
            state.commitments.clone_from(commitments);
            if *draft {
                state.pre_review = Some(PreReview { asked_at: *at, notice: None, answered_at: None });
                state.status = Status::PreReview;
            } else {
                state.received_at = Some(*at);
                state.status = Status::Received;
            }
        }
        Event::PreReviewAnswered { notice, at, .. } => {
            if let Some(p) = state.pre_review.as_mut() {
                p.notice = Some(notice.clone());
                p.answered_at = Some(*at);
            }
        }
        Event::DraftSubmitted { office, form, materials, commitments, batch, at } => {
            state.office.clone_from(office);
            state.form = form.clone();
            std::sync::Arc::make_mut(&mut state.materials)
                .extend(materials.iter().map(|(k, v)| (k.clone(), v.clone())));
            state.commitments.clone_from(commitments);
            state.batch.clone_from(batch);
            state.received_at = Some(*at);
            state.status = Status::Received;
        }
        Event::CommitmentVerified { finding, at, .. } => {
            state.verification =
                Some(Verification { state: VerificationState::Verified, finding: finding.clone(), at: Some(*at) });
        }
        Event::ApprovalRevoked { reason, at, .. } => {
            state.verification =
                Some(Verification { state: VerificationState::Revoked, finding: reason.clone(), at: Some(*at) });
        }
        Event::PublicityStarted { step, list, starts, ends } => {
            state.publicity = Some(Publicity {
                step: step.clone(),
                list: list.clone(),
                starts: *starts,
                ends: *ends,
                ended: false,
                objections: Vec::new(),
            });
        }
        Event::ObjectionLodged { objection } => {
            if let Some(p) = state.publicity.as_mut() {
                p.objections.push(objection.clone());
            }
        }
        Event::ObjectionAnswered { objection, upheld, answer, .. } => {
            let found = state.publicity.as_mut().and_then(|p| p.objections.iter_mut().find(|o| o.id == *objection));
            if let Some(o) = found {
                o.answer = Some(answer.clone());
                o.upheld = Some(*upheld);
            }
        }
        Event::PublicityEnded { .. } => {
            if let Some(p) = state.publicity.as_mut() {
                p.ended = true;
            }
        }
        Event::VoteOpened { step } => {
            state.vote = Some(Vote { step: step.clone(), ballots: BTreeMap::new(), recused: BTreeMap::new() });
        }
        Event::VoteCast { by, ballot } => {
            if let Some(v) = state.vote.as_mut() {
                v.ballots.insert(by.clone(), *ballot);
            }
        }
        Event::MemberRecused { by, reason } => {
            if let Some(v) = state.vote.as_mut() {
                v.recused.insert(by.clone(), reason.clone());
            }
        }
        Event::VoteClosed { tally } => {
            state.vote = None;
            state.tallies.push(tally.clone());
        }
        Event::VisitBooked { booking } => state.booking = Some(booking.clone()),
        Event::BookingCancelled { .. } => state.booking = None,
        Event::NoShowRecorded { .. } => {
            state.booking = None;
            state.no_shows += 1;
        }
        Event::CorrectionRequested { deficiencies, at, .. } => {
            state.corrections.push(CorrectionNotice { at: *at, deficiencies: deficiencies.clone(), answered: false });
            state.status = Status::CorrectionRequested;
        }
        Event::MaterialsSupplied { materials } => {
            std::sync::Arc::make_mut(&mut state.materials)
                .extend(materials.iter().map(|(k, v)| (k.clone(), v.clone())));
            if let Some(n) = state.corrections.last_mut() {
                n.answered = true;
            }
            if state.status == Status::CorrectionRequested {
                state.status = Status::Received;
            }
        }
        Event::DeferredSupplied { materials } => {
            for m in materials {
                state.deferred.remove(m);
            }
        }
        Event::CaseAccepted { at, deemed, deferred, legal, promised } => {
            state.accepted_at = Some(*at);
            state.deemed = *deemed;
            state.deferred.clone_from(deferred);
            state.legal = Some(legal.clone());
            state.promised = Some(promised.clone());
            state.status = Status::InProgress;
        }
        Event::TaskOpened { task } => {
            if task.step == super::state::FOLLOW_UP_STEP {
                state.follow_up = Some(super::state::FollowUp::Open);
            }
            if task.step == super::state::VERIFICATION_STEP {
                state.verification =
                    Some(Verification { state: VerificationState::Pending, finding: String::new(), at: None });
            }
            state.next_id = state.next_id.max(task.id + 1);
            state.tasks.insert(task.id, task.clone());
        }
        Event::TaskClaimed { task, by } => {
            if let Some(t) = state.tasks.get_mut(task) {
                t.claimed_by = Some(by.clone());
            }
        }
        Event::TaskReleased { task, .. } => {
            if let Some(t) = state.tasks.get_mut(task) {
                t.claimed_by = None;
            }
        }
        Event::TaskCompleted { task, step, data, .. } => {
            if step == super::state::FOLLOW_UP_STEP {
                use super::state::FollowUp;
                let late = state.follow_up == Some(FollowUp::Overdue);
                state.follow_up = Some(if late { FollowUp::ClosedLate } else { FollowUp::Closed });
            }
            state.tasks.remove(task);
            if !data.is_empty() {
                std::sync::Arc::make_mut(&mut state.data).extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        Event::TaskCancelled { task } => {
            state.tasks.remove(task);
        }
        Event::TaskEscalated { task, to_role } => {
            if let Some(t) = state.tasks.get_mut(task) {
                t.role.clone_from(to_role);
                t.claimed_by = None;
            }
        }
        Event::StepPassed { step, .. } => {
            if state.waiting_at.as_ref() == Some(step) {
                state.waiting_at = None;
            }
        }
        Event::BranchJoined { join, arrived } => {
            if *arrived == 0 {
                state.joins.remove(join);
            } else {
                state.joins.insert(join.clone(), *arrived);
            }
        }
        Event::EffectRequested { effect } => {
            state.next_id = state.next_id.max(effect.id + 1);
            state.effects.insert(effect.id, effect.clone());
        }
        Event::WaitingForEffects { step } => state.waiting_at = Some(step.clone()),
        Event::EffectDelivered { effect, .. } => {
            state.effects.remove(effect);
            state.incidents.remove(effect);
        }
        Event::EffectFailed { effect, detail } => {
            state.incidents.insert(*effect, detail.clone());
        }
        Event::ClocksPaused { reason, .. } => {
            state.pause = Some(reason.clone());
            state.status = Status::Paused;
        }
        Event::ClocksResumed { .. } => {
            state.pause = None;
            state.status = Status::InProgress;
        }
        Event::DeadlineExtended { extension } => state.extensions.push(extension.clone()),
        Event::DeadlinesRecomputed { .. } => {}
        Event::ClocksUpdated { legal, promised, tasks } => {
            state.legal.clone_from(legal);
            state.promised.clone_from(promised);
            for (id, clock) in tasks {
                if let Some(t) = state.tasks.get_mut(id) {
                    t.clock = Some(clock.clone());
                }
            }
        }
        Event::LevelChanged { clock, level } => {
            if let super::state::ClockRef::Task(id) = clock
                && *level == crate::clock::Level::Overdue
                && state.tasks.get(id).is_some_and(|t| t.step == super::state::FOLLOW_UP_STEP)
            {
                state.follow_up = Some(super::state::FollowUp::Overdue);
            }
            if let Some(c) = clock_mut(state, *clock) {
                c.level = *level;
                if *level != crate::clock::Level::Normal {
                    c.warn_at = None;
                }
            }
        }
        Event::TimerSet { timer } => {
            state.next_id = state.next_id.max(timer.id + 1);
            state.timers.insert(timer.id, timer.clone());
        }
        Event::TimerCancelled { timer } | Event::TimerFired { timer } => {
            state.timers.remove(timer);
        }
        Event::ResultWithheld { step, .. } => {
            state.end_step.clone_from(step);
            state.status = Status::AwaitingMaterials;
        }
        Event::CaseConcluded { outcome, step, deemed, at, .. } => {
            state.outcome = Some(*outcome);
            if step.is_some() {
                state.end_step.clone_from(step);
            }
            state.deemed |= *deemed;
            state.concluded_at = Some(*at);
            state.status = Status::Concluded;
            state.pause = None;
            state.waiting_at = None;
        }
        Event::VisitRecorded { visits, .. } => {
            state.visits = *visits;
            // The booked visit took place.
            state.booking = None;
        }
        Event::CaseRated { score, comment } => {
            state.rating = Some(super::state::Rating { score: *score, comment: comment.clone() });
        }
    }
}

fn clock_mut(state: &mut CaseState, clock: ClockRef) -> Option<&mut Clock> {
    match clock {
        ClockRef::Legal => state.legal.as_mut(),
        ClockRef::Promised => state.promised.as_mut(),
        ClockRef::Task(id) => state.tasks.get_mut(&id).and_then(|t| t.clock.as_mut()),
    }
}

/// Rebuilds a state from its events.
#[must_use]
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> CaseState {
    let mut state = CaseState::default();
    for e in events {
        evolve(&mut state, e);
    }
    state
}
