//! Every shipped service on its approval, pause and extension paths: approval with each step
//! done by its own role, on time; a special procedure stops the
//! legal, promised and step clocks for exactly the time it ran, an extension adds exactly
//! its amount to the legal limit, and services the law gives neither refuse them with a code.
//!
//! The expected deadlines are computed here from the calendar's day arithmetic
//! (`add_working_days`, the month and roll-forward rules), not from the clock ledger under
//! test, so a ledger that loses or gains a second disagrees.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Days, NaiveDate, Utc};
use common::{CALENDAR, Case, materials, service};
use engine::case::state::{Outcome, Status, TimerKind, VERIFICATION_STEP};
use engine::case::{Actor, Command, EngineError, ErrorCode, Event};
use engine::clock::{Clock, add_months};
use engine::definition::StepKind;
use engine::limit::Unit;

fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    engine::calendar::start_of(d.succ_opt().unwrap())
}

/// Where a clock of `clock`'s limit, started when it was, ends once `paused_days` were
/// excluded and `extra` units (of `extra_unit`) were granted: the statutory rules applied
/// to whole days.
fn expected(clock: &Clock, paused: (NaiveDate, NaiveDate), extra: u32, extra_unit: Unit) -> DateTime<Utc> {
    // `start` is the beginning of the first counted day; the anchor is the day before.
    let start = engine::calendar::local_date(clock.start).pred_opt().unwrap();
    let amount = clock.limit.amount;
    match clock.limit.unit {
        Unit::WorkingDays => {
            let paused_wd = u32::try_from(CALENDAR.working_days_between(paused.0, paused.1).unwrap()).unwrap();
            assert_eq!(extra_unit, Unit::WorkingDays);
            end_of_day(CALENDAR.add_working_days(start, amount + paused_wd + extra).unwrap())
        }
        Unit::CalendarDays | Unit::Months => {
            let raw = if clock.limit.unit == Unit::Months {
                add_months(start, amount).unwrap()
            } else {
                start + Days::new(u64::from(amount))
            };
            let paused_days = (paused.1 - paused.0).num_days().unsigned_abs();
            assert_eq!(extra_unit, Unit::CalendarDays);
            let last = raw + Days::new(paused_days + u64::from(extra));
            end_of_day(CALENDAR.working_day_on_or_after(last).unwrap())
        }
        Unit::Hours => unreachable!("no shipped case clock is in hours"),
    }
}

/// A case of `file` submitted with every material (and no commitment) and accepted at
/// 09:00 on Monday 2026-04-20, or, for a batch service closed then, on the first working day
/// of its first window.
fn accepted(file: &str) -> (Case, Actor) {
    let svc = service(file);
    let roles: Vec<String> = svc.spec.roles.iter().map(|r| r.code.clone()).collect();
    let staff = Actor { user: "staff".into(), roles, office: "41".into() };
    let codes: Vec<String> = svc
        .spec
        .materials
        .iter()
        .flat_map(|m| match m.any_of.first() {
            Some(a) => a.all_of.iter().map(|d| d.code.clone()).collect(),
            None => vec![m.code.clone()],
        })
        .collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let form = svc.example_form();
    let day = common::submission_day(&svc);
    let mut case = Case::new(svc, common::nine_on(day));
    let submit = Command::submit("P", form, materials(&codes));
    case.run(&Actor::applicant("applicant"), submit).unwrap_or_else(|e| panic!("{file}: {e}"));
    if case.state.status == Status::Received {
        case.run(&staff, Command::AcceptCase { deferred: vec![] }).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    (case, staff)
}

#[test]
fn every_licensing_service_pauses_for_its_special_procedures_and_extends_exactly() {
    let mut seen = 0;
    for entry in std::fs::read_dir(common::services_dir()).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().to_string();
        let (mut case, staff) = accepted(&file);
        let Some(procedure) = case.service.spec.special_procedures.first().cloned() else { continue };
        seen += 1;
        let legal = case.state.legal.clone().unwrap();
        let promised = case.state.promised.clone().unwrap();
        // Paused from 10:00 on the first counted working day until 10:00 three working days
        // later.
        let first = CALENDAR.working_day_on_or_after(engine::calendar::local_date(legal.start)).unwrap();
        let back = CALENDAR.add_working_days(first, 3).unwrap();
        let at_ten = |d: NaiveDate| engine::calendar::start_of(d) + chrono::Duration::hours(10);
        case.at(at_ten(first))
            .ok(&staff, Command::PauseClock { procedure: procedure.code.clone(), notice: String::new() });
        assert_eq!(case.state.status, Status::Paused, "{file}");
        case.at(at_ten(back)).ok(&staff, Command::ResumeClock);
        assert_eq!(case.state.status, Status::InProgress, "{file}");
        // What was recorded (step clocks included) reads back from JSON and replays.
        let json = serde_json::to_string(&case.events).unwrap();
        let events: Vec<engine::case::Event> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(engine::case::replay(&events), case.state, "{file}: replayed from JSON");

        let none = (Unit::WorkingDays, 0);
        let (ext_unit, _) = case.service.spec.extension.as_ref().map_or(none, |e| (e.max.unit, e.max.amount));
        let paused = (first, back);
        let legal_after = case.state.legal.clone().unwrap();
        let promised_after = case.state.promised.clone().unwrap();
        let unit = if legal.limit.unit == Unit::WorkingDays { Unit::WorkingDays } else { Unit::CalendarDays };
        assert_eq!(legal_after.deadline, Some(expected(&legal, paused, 0, unit)), "{file}: legal after {procedure:?}");
        assert_eq!(promised_after.deadline, Some(expected(&promised, paused, 0, Unit::WorkingDays)), "{file}");
        for task in case.state.tasks.values().filter(|t| t.clock.is_some()) {
            let clock = task.clock.as_ref().unwrap();
            assert_eq!(clock.paused_total, legal_after.paused_total, "{file}: step {} paused as long", task.step);
        }

        let Some(rule) = case.service.spec.extension.clone() else {
            let err = case.run(&staff, Command::ExtendDeadline { amount: 5, reason: "复杂".into() }).unwrap_err();
            assert!(matches!(err, EngineError::NoExtension), "{file}: no extension without a rule: {err}");
            assert_eq!(err.code(), ErrorCode::BadUserInput);
            continue;
        };
        let head = Actor::staff("head", &rule.role, "41");
        let too_much = Command::ExtendDeadline { amount: rule.max.amount + 1, reason: "情况复杂".into() };
        assert!(case.run(&head, too_much).is_err(), "{file}: more than the law allows");
        case.ok(&head, Command::ExtendDeadline { amount: rule.max.amount, reason: "情况复杂".into() });
        let extended = case.state.legal.clone().unwrap();
        assert_eq!(extended.deadline, Some(expected(&legal, paused, rule.max.amount, ext_unit)), "{file}: extended");
        assert_eq!(case.state.promised, Some(promised_after), "{file}: an extension moves the legal clock only");
    }
    assert_eq!(seen, 8, "eight shipped services are administrative licences with art. 45 procedures");
}

#[test]
fn public_services_have_no_special_procedure_and_no_extension() {
    for file in ["student-transfer.yaml", "migrant-children-enrollment.yaml"] {
        let (mut case, staff) = accepted(file);
        let deadline = case.state.legal.as_ref().unwrap().deadline;
        let err =
            case.run(&staff, Command::PauseClock { procedure: "hearing".into(), notice: String::new() }).unwrap_err();
        assert!(matches!(err, EngineError::UnknownProcedure(_)), "{file}: {err}");
        assert_eq!(err.code(), ErrorCode::BadUserInput);
        let err = case.run(&staff, Command::ExtendDeadline { amount: 1, reason: "忙".into() }).unwrap_err();
        assert!(matches!(err, EngineError::NoExtension), "{file}: {err}");
        assert_eq!(case.state.legal.as_ref().unwrap().deadline, deadline, "{file}: nothing moved");
    }
}

#[test]
fn every_service_approves_on_time_with_every_step_done_by_its_role() {
    for entry in std::fs::read_dir(common::services_dir()).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().to_string();
        let (mut case, _) = accepted(&file);
        let mut now = case.now;
        let mut guard = 0;
        // Committee and publicity steps the walk went through, in order.
        let mut votes: Vec<String> = Vec::new();
        let mut lists: Vec<String> = Vec::new();
        while !case.state.is_concluded() {
            guard += 1;
            assert!(guard < 100, "{file}: stuck at {:?}", case.state.status);
            now += chrono::Duration::hours(3);
            case.at(now);
            if let Some(task) = case.state.tasks.values().next().cloned() {
                match case.service.step(&task.step).map(|s| s.kind.clone()) {
                    Some(StepKind::Task(step)) => {
                        let action = step.actions.iter().find(|a| a.action == "approve").unwrap_or(&step.actions[0]);
                        let data = step.outputs.keys().map(|k| (k.clone(), serde_json::json!(true))).collect();
                        // Only the task's own role may complete it.
                        let doer = if task.role == "applicant" {
                            Actor::applicant("applicant")
                        } else {
                            Actor::staff("doer", &task.role, "41")
                        };
                        let command = Command::CompleteTask { task: task.id, action: action.action.clone(), data };
                        case.run(&doer, command)
                            .unwrap_or_else(|e| panic!("{file}: {} by {}: {e}", task.step, task.role));
                    }
                    Some(StepKind::Committee(committee)) => {
                        // One member after another votes in favour, each once, on the one
                        // task of the committee; the last seat counts the vote.
                        let cast = case.state.vote.as_ref().map_or(0, |v| v.ballots.len() + v.recused.len());
                        if cast == 0 {
                            votes.push(task.step.clone());
                        }
                        assert!(cast < committee.members as usize, "{file}: {} has every seat in", task.step);
                        let member = Actor::staff(&format!("member-{}", cast + 1), &task.role, &task.office);
                        let command = Command::CompleteTask {
                            task: task.id,
                            action: "approve".into(),
                            data: serde_json::Map::new(),
                        };
                        case.run(&member, command)
                            .unwrap_or_else(|e| panic!("{file}: {} by {}: {e}", task.step, member.user));
                    }
                    other => panic!("{file}: an open task at {} ({other:?}) nobody objected to", task.step),
                }
            } else if let Some(effect) = case.state.effects.keys().next().copied() {
                let settle = Command::SettleEffect { effect, delivered: true, detail: String::new() };
                case.ok(&Actor::system(), settle);
            } else if let Some(list) = case.state.publicity.clone().filter(|p| !p.ended) {
                // 公示 has no task: with no objection the list stays up for its period and
                // the case goes on by itself when the period's timer fires.
                assert!(now < list.ends, "{file}: {} ran past its end unnoticed", list.step);
                lists.push(list.step.clone());
                now = list.ends + chrono::Duration::hours(9);
                let events = case.at(now).fire_due();
                let ended = events.iter().any(|e| matches!(e, Event::PublicityEnded { step } if *step == list.step));
                assert!(ended, "{file}: {} ended by its timer", list.step);
            } else {
                panic!("{file}: nothing to do at {:?}", case.state.status);
            }
        }
        let outcome = case.state.outcome;
        assert!(matches!(outcome, Some(Outcome::Approved | Outcome::Terminated)), "{file}: {outcome:?}");
        let legal = case.state.legal.as_ref().unwrap();
        assert!(legal.within_limit() && case.state.promised.as_ref().unwrap().within_limit(), "{file}: on time");
        // The shipped definitions put every committee and every 公示 on the approval path.
        let kinds = |committee: bool| -> Vec<String> {
            let steps = case.service.spec.steps.iter();
            steps
                .filter(|s| match s.kind {
                    StepKind::Committee(_) => committee,
                    StepKind::Publicity(_) => !committee,
                    _ => false,
                })
                .map(|s| s.id.clone())
                .collect()
        };
        assert_eq!(votes, kinds(true), "{file}: committees voted");
        assert_eq!(lists, kinds(false), "{file}: lists published");
        // Every committee on the way counted a unanimous vote of all its members.
        let counted: Vec<&str> = case.state.tallies.iter().map(|t| t.step.as_str()).collect();
        assert_eq!(counted, votes, "{file}: one tally per committee step");
        for t in &case.state.tallies {
            assert!(t.passed && t.approve == t.members && t.reject + t.abstain + t.recused == 0, "{file}: {t:?}");
        }
        // Every 公示 on the way ran its whole period with no objection.
        let ended = case.state.publicity.as_ref().map(|p| (p.ended, p.objections.len()));
        assert_eq!(ended.is_some(), !lists.is_empty(), "{file}: {lists:?}");
        assert!(ended.is_none_or(|(done, objections)| done && objections == 0), "{file}: {ended:?}");
        // Approved on commitment, the 核查 would follow; submitted without, none does.
        if case.state.commitments.is_empty() {
            assert_eq!(case.state.verification, None, "{file}: no verification without a commitment");
            assert!(case.state.tasks.is_empty(), "{file}: {:?}", case.state.tasks);
        } else {
            let role = case.service.spec.commitment.as_ref().unwrap().role.clone();
            case.complete(&Actor::staff("verifier", &role, "41"), VERIFICATION_STEP, "confirm");
        }
        // Only the definition's own case timers (the 筹设 3-year expiry) outlive a decision.
        let left: Vec<_> = case.state.timers.values().filter(|t| !matches!(t.kind, TimerKind::Case { .. })).collect();
        assert!(left.is_empty(), "{file}: {left:?}");
        case.ok(&Actor::applicant("applicant"), Command::RateCase { score: 5, comment: "满意".into() });
    }
}
