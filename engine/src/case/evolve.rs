//! `evolve`: applies one event to a case's state. Total and infallible: every fact an event
//! needs was computed when it was decided.

use super::event::Event;
use super::state::{CaseState, ClockRef, CorrectionNotice, Status};
use crate::clock::Clock;

/// Applies an event.
pub fn evolve(state: &mut CaseState, event: &Event) {
    state.sequence += 1;
    match event {
        Event::CaseSubmitted { case_id, service, version, applicant, office, form, materials, batch, at } => {
            state.id.clone_from(case_id);
            state.service.clone_from(service);
            state.service_version = *version;
            state.applicant.clone_from(applicant);
            state.office.clone_from(office);
            state.form = form.clone();
            state.materials = std::sync::Arc::new(materials.clone());
            state.batch.clone_from(batch);
            state.received_at = Some(*at);
            state.status = Status::Received;
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
        Event::VisitRecorded { visits, .. } => state.visits = *visits,
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
