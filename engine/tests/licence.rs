//! 民办学校正式设立: the flagship licence, run end to end on the 2026 calendar across
//! Spring Festival, with a correction round, deferred materials, parallel assessment,
//! the school's rectification off both clocks, a hearing, an extension and every refusal.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Case, cst, end_of, materials, service, staff};
use engine::case::state::{Deficiency, Outcome, Status, TimerKind};
use engine::case::{Actor, Command, EngineError, Event};
use engine::clock::Level;
use engine::definition::EffectSpec;

const OFFICE: &str = "410102";

fn clerk() -> Actor {
    staff("clerk-1", "window_clerk", "4101")
}

fn school() -> Actor {
    Actor::applicant("school-1")
}

fn form() -> serde_json::Value {
    serde_json::json!({"office_code": OFFICE, "school_name": "郑州市明德学校", "organiser_name": "明德教育集团"})
}

const ALL_BUT_CHARTER_AND_ACCOUNTANT: [&str; 6] = [
    "preparation_approval",
    "preparation_report",
    "board_member_list",
    "asset_proof",
    "principal_credentials",
    "teacher_credentials",
];

/// Given a licence application submitted on Mon 2026-02-09 without its charter and
/// accountant credentials.
fn submitted() -> Case {
    let mut case = Case::new(service("private-school-licence.yaml"), cst(2026, 2, 9, 9, 0));
    let submit = Command::submit("C1", form(), materials(&ALL_BUT_CHARTER_AND_ACCOUNTANT));
    case.ok(&school(), submit);
    case
}

/// Given the charter supplied after one notice, and the case accepted on Tue 2026-02-10
/// 10:00 with the accountant credentials deferred (容缺).
fn accepted() -> Case {
    let mut case = submitted();
    let notice = vec![Deficiency { material: Some("charter".into()), note: "缺少学校章程".into() }];
    case.at(cst(2026, 2, 9, 10, 0)).ok(&clerk(), Command::RequestCorrection { deficiencies: notice });
    case.at(cst(2026, 2, 10, 9, 0)).ok(&school(), Command::SupplyMaterials { materials: materials(&["charter"]) });
    case.at(cst(2026, 2, 10, 10, 0))
        .ok(&clerk(), Command::AcceptCase { deferred: vec!["accountant_credentials".into()] });
    case
}

#[test]
fn acceptance_sets_the_promised_9_working_days_across_spring_festival() {
    let case = accepted();
    // 2/11, 2/12, 2/13, Sat 2/14 (调休), [2/15-2/23 春节], 2/24, 2/25, 2/26, 2/27, Sat 2/28 (调休).
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2026, 2, 28)));
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2026, 6, 26)));
    assert_eq!(case.state.deferred["accountant_credentials"], end_of(2026, 2, 24));
    let steps: Vec<&str> = case.state.tasks.values().map(|t| t.step.as_str()).collect();
    assert_eq!(steps, ["site_inspection", "expert_evaluation"], "the assessment runs in parallel");
    assert!(case.state.tasks.values().all(|t| t.office == OFFICE));
}

#[test]
fn the_full_approval_path_pauses_for_rectification_and_issues_the_licence() {
    let mut case = accepted();
    case.at(cst(2026, 2, 11, 9, 0)).complete(&staff("insp", "inspector", "41"), "site_inspection", "approve");
    assert!(case.state.tasks.values().all(|t| t.step != "leadership_review"), "the join waits for both branches");
    case.at(cst(2026, 2, 12, 9, 0)).complete(&staff("exp", "expert", "41"), "expert_evaluation", "approve");
    case.at(cst(2026, 2, 13, 10, 0)).complete(&staff("lead", "leader", "4101"), "leadership_review", "rectify");
    assert_eq!(case.state.status, Status::Paused);
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, None, "paused clocks have no deadline");

    case.at(cst(2026, 2, 24, 15, 0))
        .ok(&school(), Command::SupplyMaterials { materials: materials(&["accountant_credentials"]) });
    assert!(case.state.deferred.is_empty());
    case.at(cst(2026, 2, 25, 10, 0)).complete(&school(), "rectification", "submit");
    // Paused from Fri 2/13 10:00 to Wed 2/25 10:00: 14 h + Sat 2/14 + Tue 2/24 + 10 h =
    // exactly 3 working days, so 2/28 moves to Wed 3/4.
    assert_eq!(case.state.status, Status::InProgress);
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2026, 3, 4)));
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2026, 7, 1)));

    case.at(cst(2026, 2, 25, 15, 0)).complete(&staff("insp", "inspector", "41"), "rectification_check", "approve");
    case.at(cst(2026, 2, 26, 9, 0)).complete(&staff("appr", "approver", "4101"), "decision", "approve");
    let events =
        case.at(cst(2026, 2, 27, 9, 0)).complete(&staff("appr", "approver", "4101"), "online_approval", "approve");
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert!(events.iter().any(|e| matches!(e, Event::EffectRequested { effect } if matches!(&effect.spec, EffectSpec::IssueCertificate { licence, .. } if licence == "民办学校办学许可证"))));
    let promised = case.state.promised.as_ref().unwrap();
    assert!(promised.within_limit(), "concluded inside the promised 9 working days");
    assert_eq!(promised.pauses, 1);
    assert_eq!(promised.paused_total, 3 * 86_400);
    assert!(case.state.timers.is_empty(), "no timer outlives the case");
}

#[test]
fn an_approval_with_deferred_materials_missing_is_withheld_until_they_come() {
    let mut case = accepted();
    case.at(cst(2026, 2, 11, 9, 0)).complete(&staff("insp", "inspector", "41"), "site_inspection", "approve");
    case.complete(&staff("exp", "expert", "41"), "expert_evaluation", "approve");
    case.complete(&staff("lead", "leader", "4101"), "leadership_review", "approve");
    case.complete(&staff("appr", "approver", "4101"), "decision", "approve");
    case.complete(&staff("appr", "approver", "4101"), "online_approval", "approve");
    assert_eq!(case.state.status, Status::AwaitingMaterials);
    assert_eq!(engine::case::status::public_status(&case.service, &case.state), "待补交容缺材料");
    case.at(cst(2026, 2, 12, 9, 0))
        .ok(&school(), Command::SupplyMaterials { materials: materials(&["accountant_credentials"]) });
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
}

#[test]
fn a_second_notice_on_an_unchanged_submission_is_refused() {
    let mut case = submitted();
    let notice = || vec![Deficiency { material: Some("charter".into()), note: "缺少学校章程".into() }];
    case.ok(&clerk(), Command::RequestCorrection { deficiencies: notice() });
    let again = case.run(&clerk(), Command::RequestCorrection { deficiencies: notice() });
    assert_eq!(again, Err(EngineError::UnchangedSinceNotice));
    case.ok(&school(), Command::SupplyMaterials { materials: materials(&["charter"]) });
    let events = case.ok(&clerk(), Command::RequestCorrection { deficiencies: notice() });
    assert!(
        events.iter().any(|e| matches!(e, Event::CorrectionRequested { round: 2, .. })),
        "a second round after a change is allowed and numbered"
    );
}

#[test]
fn intake_refusals_give_their_reasons() {
    let mut case = submitted();
    let accept =
        |deferred: &[&str]| Command::AcceptCase { deferred: deferred.iter().map(|s| (*s).to_owned()).collect() };
    match case.run(&clerk(), accept(&["accountant_credentials"])) {
        Err(EngineError::MissingMaterials(m)) => assert_eq!(m, ["学校章程(charter)"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(case.run(&clerk(), accept(&["charter"])), Err(EngineError::NotDeferrable("charter".into())));
    assert_eq!(
        case.run(&staff("x", "inspector", "4101"), accept(&[])),
        Err(EngineError::MissingRole("window_clerk".into()))
    );
    assert_eq!(case.run(&staff("x", "window_clerk", "3201"), accept(&[])), Err(EngineError::OutOfScope));
    assert_eq!(case.run(&staff("school-1", "window_clerk", "4101"), accept(&[])), Err(EngineError::OwnApplication));
    assert_eq!(case.run(&clerk(), Command::RequestCorrection { deficiencies: vec![] }), Err(EngineError::EmptyNotice));
    assert_eq!(case.run(&clerk(), Command::RefuseCase { reason: " ".into() }), Err(EngineError::ReasonRequired));
    assert_eq!(
        case.run(&clerk(), Command::RateCase { score: 5, comment: String::new() }),
        Err(EngineError::NotApplicant)
    );
    assert!(matches!(
        case.run(&school(), Command::RateCase { score: 5, comment: String::new() }),
        Err(EngineError::WrongStatus { .. })
    ));
    assert_eq!(
        case.run(&school(), Command::SupplyMaterials { materials: materials(&["diploma"]) }),
        Err(EngineError::UnknownMaterial("diploma".into()))
    );
    assert!(matches!(case.run(&clerk(), Command::ClaimTask { task: 1 }), Err(EngineError::WrongStatus { .. })));
    assert!(case.events.len() == 2, "refused commands record nothing");
}

#[test]
fn refusal_at_the_window_concludes_and_the_applicant_rates_once() {
    let mut case = submitted();
    case.ok(&clerk(), Command::RefuseCase { reason: "不属于本机关职权范围".into() });
    assert_eq!(case.state.outcome, Some(Outcome::NotAccepted));
    assert_eq!(
        case.run(&school(), Command::RateCase { score: 0, comment: String::new() }),
        Err(EngineError::InvalidScore(0))
    );
    case.ok(&school(), Command::RateCase { score: 2, comment: "不满意".into() });
    assert_eq!(
        case.run(&school(), Command::RateCase { score: 5, comment: String::new() }),
        Err(EngineError::AlreadyRated)
    );
}

#[test]
fn no_notice_within_5_working_days_means_accepted_on_the_day_received() {
    let mut case = submitted();
    let timer = case.state.timers.values().find(|t| t.kind == TimerKind::DeemedAcceptance).unwrap().clone();
    assert_eq!(timer.due, end_of(2026, 2, 14), "5 working days after Mon 2/9: 2/10-2/13 and Sat 2/14 (调休)");
    assert!(matches!(
        case.run(&Actor::system(), Command::FireTimer { timer: timer.id }),
        Err(EngineError::TimerNotDue(_))
    ));
    assert_eq!(
        case.at(end_of(2026, 2, 24)).run(&clerk(), Command::FireTimer { timer: timer.id }),
        Err(EngineError::NotSystem)
    );
    case.fire_due();
    assert_eq!(case.state.status, Status::InProgress);
    assert!(case.state.deemed);
    // Counted from the day received: 2/10 … the 9th working day is 2/27.
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2026, 2, 27)));
    // 80 % of 9 working days = 7.2 days: 2/10-2/14, 2/24, 2/25 and 0.2 of 2/26.
    assert_eq!(case.state.promised.as_ref().unwrap().warn_at, Some(cst(2026, 2, 26, 4, 48)));
}

#[test]
fn a_hearing_pauses_both_clocks_and_an_extension_moves_only_the_legal_one() {
    let mut case = accepted();
    let leader = staff("lead", "leader", "4101");
    let head = staff("head", "agency_head", "4101");
    assert_eq!(
        case.run(&leader, Command::PauseClock { procedure: "auction".into(), notice: String::new() }),
        Err(EngineError::UnknownProcedure("auction".into()))
    );
    assert_eq!(case.run(&leader, Command::ResumeClock), Err(EngineError::NotPaused));
    case.at(cst(2026, 2, 12, 0, 0))
        .ok(&leader, Command::PauseClock { procedure: "hearing".into(), notice: String::new() });
    assert_eq!(
        case.run(&leader, Command::PauseClock { procedure: "hearing".into(), notice: String::new() }),
        Err(EngineError::AlreadyPaused)
    );
    case.at(cst(2026, 2, 13, 0, 0)).ok(&leader, Command::ResumeClock);
    // One working day (Thu 2/12) paused: promised 2/28 -> Mon 3/2.
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2026, 3, 2)));

    let extend = |amount, reason: &str| Command::ExtendDeadline { amount, reason: reason.into() };
    assert_eq!(case.run(&leader, extend(5, "听证")), Err(EngineError::MissingRole("agency_head".into())));
    assert_eq!(case.run(&head, extend(5, "")), Err(EngineError::ReasonRequired));
    assert_eq!(case.run(&head, extend(11, "专家论证")), Err(EngineError::ExtensionExceeded { max: 10, used: 0 }));
    case.ok(&head, extend(5, "需组织专家论证"));
    assert_eq!(
        case.state.legal.as_ref().unwrap().deadline,
        Some(end_of(2026, 7, 6)),
        "legal 6/29 (after the pause) + 5 WD"
    );
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2026, 3, 2)), "the promise does not move");
    assert_eq!(case.run(&head, extend(6, "再延")), Err(EngineError::ExtensionExceeded { max: 10, used: 5 }));
}

#[test]
fn clock_timers_follow_the_clocks_and_fire_warning_then_overdue() {
    let mut case = accepted();
    let promised = case.state.promised.clone().unwrap();
    let due: Vec<_> =
        case.state.timers.values().filter(|t| matches!(t.kind, TimerKind::Clock { .. })).map(|t| t.due).collect();
    assert!(due.contains(&promised.deadline.unwrap()) && due.contains(&promised.warn_at.unwrap()));
    case.at(end_of(2026, 2, 28)).fire_due();
    assert_eq!(case.state.promised.as_ref().unwrap().level, Level::Overdue);
    assert_eq!(case.state.legal.as_ref().unwrap().level, Level::Normal);
    let task_levels: Vec<Level> = case.state.tasks.values().map(|t| t.clock.as_ref().unwrap().level).collect();
    assert_eq!(task_levels, [Level::Overdue, Level::Overdue]);
    assert!(
        case.state
            .effects
            .values()
            .any(|e| matches!(&e.spec, EffectSpec::Notify { template, .. } if template.contains("专家评估"))),
        "on_timeout notify for the expert step"
    );
}

#[test]
fn the_applicant_may_withdraw_before_conclusion_but_nobody_else() {
    let mut case = accepted();
    assert_eq!(case.run(&clerk(), Command::WithdrawCase { reason: "x".into() }), Err(EngineError::NotApplicant));
    case.ok(&school(), Command::WithdrawCase { reason: "暂缓办学".into() });
    assert_eq!(case.state.outcome, Some(Outcome::Withdrawn));
    assert!(case.state.tasks.is_empty() && case.state.timers.is_empty());
    assert!(matches!(
        case.run(&school(), Command::WithdrawCase { reason: "x".into() }),
        Err(EngineError::WrongStatus { .. })
    ));
}

#[test]
fn tasks_are_claimed_once_and_only_by_their_role_in_scope() {
    let mut case = accepted();
    let task = case.task("site_inspection");
    let a = staff("insp-a", "inspector", "4101");
    let b = staff("insp-b", "inspector", "410102");
    assert_eq!(
        case.run(&staff("x", "expert", "4101"), Command::ClaimTask { task }),
        Err(EngineError::MissingRole("inspector".into()))
    );
    assert_eq!(case.run(&staff("x", "inspector", "4102"), Command::ClaimTask { task }), Err(EngineError::OutOfScope));
    case.ok(&a, Command::ClaimTask { task });
    assert_eq!(case.run(&a, Command::ClaimTask { task }), Err(EngineError::AlreadyClaimed));
    assert_eq!(case.run(&b, Command::ClaimTask { task }), Err(EngineError::ClaimedByOther("insp-a".into())));
    let complete = |action: &str| Command::CompleteTask { task, action: action.into(), data: serde_json::Map::new() };
    assert_eq!(case.run(&b, complete("approve")), Err(EngineError::ClaimedByOther("insp-a".into())));
    assert_eq!(case.run(&a, complete("shrug")), Err(EngineError::UnknownAction("shrug".into())));
    assert_eq!(case.run(&a, Command::ClaimTask { task: 99 }), Err(EngineError::TaskNotFound(99)));
    case.ok(&a, complete("approve"));
}

#[test]
fn a_claimed_task_is_given_back_only_by_who_claimed_it_and_a_colleague_takes_it() {
    let mut case = accepted();
    let task = case.task("site_inspection");
    let a = staff("insp-a", "inspector", "4101");
    let b = staff("insp-b", "inspector", "410102");
    assert_eq!(case.run(&a, Command::ReleaseTask { task }), Err(EngineError::NotClaimed), "nothing to give back");
    case.ok(&a, Command::ClaimTask { task });
    assert_eq!(case.run(&b, Command::ReleaseTask { task }), Err(EngineError::ClaimedByOther("insp-a".into())));
    case.ok(&a, Command::ReleaseTask { task });
    assert_eq!(case.state.tasks[&task].claimed_by, None);
    case.ok(&b, Command::ClaimTask { task });
    assert_eq!(case.state.tasks[&task].claimed_by.as_deref(), Some("insp-b"));
}

fn offered(case: &Case, who: &Actor) -> Vec<(engine::case::OperationKind, Option<String>)> {
    engine::case::operations(&case.service, &case.state, who, case.now, &common::CALENDAR)
        .into_iter()
        .map(|o| (o.kind, o.procedure))
        .collect()
}

#[test]
fn each_caller_is_offered_exactly_what_the_engine_would_accept_now() {
    use engine::case::OperationKind as K;
    let case = submitted();
    // At the window: accept, one notice, refuse, record a visit; the school may supply or
    // withdraw.
    assert_eq!(
        offered(&case, &clerk()),
        [(K::Accept, None), (K::RequestCorrection, None), (K::Refuse, None), (K::RecordVisit, None)]
    );
    assert_eq!(offered(&case, &school()), [(K::SupplyMaterials, None), (K::Withdraw, None)]);
    assert!(offered(&case, &staff("x", "window_clerk", "4201")).is_empty(), "another province's clerk");
    let inspector = staff("i", "inspector", "4101");
    assert_eq!(offered(&case, &inspector), [(K::RecordVisit, None)], "a role with no task yet");

    // Once the notice is out, a second one on the unchanged submission is not offered.
    let mut noticed = submitted();
    let notice = vec![Deficiency { material: Some("charter".into()), note: "缺少学校章程".into() }];
    noticed.ok(&clerk(), Command::RequestCorrection { deficiencies: notice });
    assert_eq!(offered(&noticed, &clerk()), [(K::Refuse, None), (K::RecordVisit, None)]);

    // In progress: the inspector claims or completes their task; the leader may pause for
    // either special procedure; the agency head may extend; nobody else may.
    let case = accepted();
    let inspector = staff("i", "inspector", "4101");
    let task = case.task("site_inspection");
    let ops = engine::case::operations(&case.service, &case.state, &inspector, case.now, &common::CALENDAR);
    assert_eq!(
        ops.iter().map(|o| (o.kind, o.task)).collect::<Vec<_>>(),
        [(K::ClaimTask, Some(task)), (K::CompleteTask, Some(task)), (K::RecordVisit, None)]
    );
    let leader = staff("l", "leader", "4101");
    assert_eq!(
        offered(&case, &leader),
        [
            (K::PauseClock, Some("expert_review".into())),
            (K::PauseClock, Some("hearing".into())),
            (K::RecordVisit, None)
        ]
    );
    assert_eq!(offered(&case, &staff("h", "agency_head", "4101")), [(K::ExtendDeadline, None), (K::RecordVisit, None)]);
    assert!(offered(&case, &staff("a", "auditor", "41")).is_empty(), "auditors are offered nothing");
}
