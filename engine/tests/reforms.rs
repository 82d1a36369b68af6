//! The five reforms on the shipped definitions, in given/when/then form: 告知承诺 (民办学校变更),
//! 公示 and committee votes (中小学教师职称评审, 家庭经济困难学生认定), 预约 (教师资格认定),
//! 网上预审 (校外培训机构设立), and special procedures left out in whole days.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{CALENDAR, Case, cst, end_of, materials, service, staff};
use engine::case::booking::Booking;
use engine::case::commitment::VerificationState;
use engine::case::committee::Tally;
use engine::case::state::{ClockRef, Outcome, PRE_REVIEW_STEP, Status, TimerKind, VERIFICATION_STEP};
use engine::case::status::public_status;
use engine::case::{Actor, Command, EngineError, Event};
use engine::definition::{EffectSpec, Mask, StepKind};
use engine::limit::{Limit, Unit};

type Data = serde_json::Map<String, serde_json::Value>;

/// Task data from pairs.
fn data(pairs: &[(&str, &str)]) -> Data {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::json!(v))).collect()
}

fn complete(case: &mut Case, who: &Actor, step: &str, action: &str, with: Data) -> Result<Vec<Event>, EngineError> {
    let task = case.task(step);
    case.run(who, Command::CompleteTask { task, action: action.into(), data: with })
}

fn status(case: &Case) -> String {
    public_status(&case.service, &case.state)
}

/// The events read back from JSON rebuild the same state.
fn assert_replays(case: &Case) {
    let json = serde_json::to_string(&case.events).unwrap();
    let events: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(engine::case::replay(&events), case.state, "replayed from JSON");
}

/// The end of the `n`-th working day after `day`.
fn working_days_after(day: NaiveDate, n: u32) -> DateTime<Utc> {
    engine::calendar::start_of(CALENDAR.add_working_days(day, n).unwrap().succ_opt().unwrap())
}

fn position(e: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    e.iter().position(f).expect("no such event")
}

// ---------- 告知承诺: 民办学校变更 (address change) ----------

const SCHOOL_OFFICE: &str = "410102";

fn school() -> Actor {
    Actor::applicant("school-1")
}

fn inspector() -> Actor {
    staff("insp-1", "inspector", "4101")
}

fn address_form() -> serde_json::Value {
    serde_json::json!({"office_code": SCHOOL_OFFICE, "change_type": "address", "school_name": "郑州市明德学校",
        "new_address": "郑州市金水区文化路88号"})
}

const ADDRESS_UPLOADS: [&str; 3] = ["change_application", "board_resolution", "school_licence"];
const SITE_PROOFS: [&str; 2] = ["new_site_title", "new_site_safety"];

fn submit_with(commitments: &[&str], uploads: &[&str]) -> Command {
    Command::SubmitCase {
        case_id: "B1".into(),
        form: address_form(),
        materials: materials(uploads),
        commitments: commitments.iter().map(|c| (*c).to_owned()).collect(),
        draft: false,
    }
}

/// Given an address change submitted on Mon 2026-03-09 with commitments for the new site's
/// title and safety instead of those proofs, accepted at 10:00 and approved step by step
/// until the decision on Thu 2026-03-12 09:00; returns the decision's events.
fn approved_on_commitment() -> (Case, Vec<Event>) {
    let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    case.ok(&school(), submit_with(&SITE_PROOFS, &ADDRESS_UPLOADS));
    case.at(cst(2026, 3, 9, 10, 0))
        .ok(&staff("clerk-1", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    case.at(cst(2026, 3, 10, 9, 0)).complete(&inspector(), "site_inspection", "approve");
    case.at(cst(2026, 3, 11, 9, 0)).complete(&staff("rev-1", "reviewer", "4101"), "review", "approve");
    let events = case.at(cst(2026, 3, 12, 9, 0)).complete(&staff("appr-1", "approver", "4101"), "decision", "approve");
    (case, events)
}

/// Given an address change without the new site's title and safety proofs, when it is
/// submitted with signed commitments for both, then it is accepted and approved, and a
/// 核查 task opens for the inspector with a clock of 20 working days from the approval
/// (across 清明, to the end of Fri 2026-04-10); without the commitments the same
/// submission cannot be accepted.
#[test]
fn an_address_change_on_commitment_is_accepted_approved_and_given_to_the_inspector_to_verify() {
    let mut bare = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    bare.ok(&school(), submit_with(&[], &ADDRESS_UPLOADS));
    match bare.run(&staff("clerk-1", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] }) {
        Err(EngineError::MissingMaterials(m)) => assert_eq!(m.len(), 2, "{m:?}"),
        other => panic!("without commitments the proofs are missing: {other:?}"),
    }

    let (case, events) = approved_on_commitment();
    assert_eq!(case.state.commitments, SITE_PROOFS);
    assert!(SITE_PROOFS.iter().all(|c| !case.state.materials.contains_key(*c)), "nothing uploaded for them");
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert_eq!(status(&case), "已批准");
    let certificate = position(
        &events,
        |e| matches!(e, Event::EffectRequested { effect } if matches!(effect.spec, EffectSpec::IssueCertificate { .. })),
    );
    let concluded = position(&events, |e| matches!(e, Event::CaseConcluded { .. }));
    let opened = position(&events, |e| matches!(e, Event::TaskOpened { task } if task.step == VERIFICATION_STEP));
    assert!(certificate < concluded && concluded < opened, "licence, then conclusion, then the 核查");

    let task = &case.state.tasks[&case.task(VERIFICATION_STEP)];
    assert_eq!((task.role.as_str(), task.office.as_str()), ("inspector", SCHOOL_OFFICE));
    let clock = task.clock.as_ref().unwrap();
    assert_eq!(clock.limit, Limit { amount: 20, unit: Unit::WorkingDays });
    assert_eq!(clock.deadline, Some(end_of(2026, 4, 10)));
    assert_eq!(clock.deadline, Some(working_days_after(common::date(2026, 3, 12), 20)));
    assert_eq!(case.state.verification.as_ref().map(|v| v.state), Some(VerificationState::Pending));
    assert_replays(&case);
}

/// Given a case approved on commitment, when the inspector confirms the commitment (a
/// finding is optional), then the verification reads verified, the task and its timers are
/// gone and the approval stands; nobody but the inspector may verify.
#[test]
fn the_inspector_confirms_a_true_commitment() {
    let (mut case, _) = approved_on_commitment();
    case.at(cst(2026, 3, 20, 15, 0));
    let reviewer = staff("rev-1", "reviewer", "4101");
    let refused = complete(&mut case, &reviewer, VERIFICATION_STEP, "confirm", Data::new());
    assert_eq!(refused, Err(EngineError::MissingRole("inspector".into())));
    assert_eq!(
        complete(&mut case, &school(), VERIFICATION_STEP, "confirm", Data::new()),
        Err(EngineError::MissingRole("inspector".into())),
        "the school does not verify itself"
    );
    assert_eq!(
        complete(&mut case, &inspector(), VERIFICATION_STEP, "approve", Data::new()),
        Err(EngineError::UnknownAction("approve".into()))
    );
    let events = complete(&mut case, &inspector(), VERIFICATION_STEP, "confirm", Data::new()).unwrap();
    assert!(events.iter().any(|e| matches!(e, Event::CommitmentVerified { by, .. } if by == "insp-1")));
    let v = case.state.verification.clone().unwrap();
    assert_eq!((v.state, v.at), (VerificationState::Verified, Some(cst(2026, 3, 20, 15, 0))));
    assert!(case.state.tasks.is_empty() && case.state.timers.is_empty(), "{:?}", case.state.timers);
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert_eq!(status(&case), "已批准");
    assert_replays(&case);
}

/// Given a case approved on commitment whose licence was issued (the certificate effect
/// requested with the approval and delivered), when the inspector finds the commitment
/// false, then a revocation without a finding is refused, and with one the approval is
/// revoked after the issue, the public status reads 已撤销许可（承诺不实）, nothing is left
/// to time, and the record replays from JSON.
#[test]
fn a_false_commitment_revokes_the_issued_licence_with_the_finding() {
    let (mut case, _) = approved_on_commitment();
    case.deliver_all();
    case.at(cst(2026, 3, 25, 10, 0));
    for empty in [Data::new(), data(&[("finding", "  ")])] {
        match complete(&mut case, &inspector(), VERIFICATION_STEP, "revoke", empty) {
            Err(EngineError::TextRequired { field, .. }) => assert_eq!(field, "data.finding"),
            other => panic!("a revocation says what was false: {other:?}"),
        }
    }
    match complete(&mut case, &inspector(), VERIFICATION_STEP, "revoke", data(&[("note", "x")])) {
        Err(EngineError::BadData { field, .. }) => assert_eq!(field, "data.note"),
        other => panic!("{other:?}"),
    }
    let finding = "新校址租赁合同系伪造，出租方否认签订";
    complete(&mut case, &inspector(), VERIFICATION_STEP, "revoke", data(&[("finding", finding)])).unwrap();

    let e = &case.events;
    let issued = position(
        e,
        |e| matches!(e, Event::EffectRequested { effect } if matches!(effect.spec, EffectSpec::IssueCertificate { .. })),
    );
    let Event::EffectRequested { effect } = &e[issued] else { unreachable!() };
    let delivered = position(e, |x| matches!(x, Event::EffectDelivered { effect: id, .. } if *id == effect.id));
    let revoked = position(e, |e| matches!(e, Event::ApprovalRevoked { .. }));
    assert!(issued < delivered && delivered < revoked, "revoked after the licence was issued");
    let Event::ApprovalRevoked { reason, by, at } = &e[revoked] else { unreachable!() };
    assert_eq!((reason.as_str(), by.as_str(), *at), (finding, "insp-1", cst(2026, 3, 25, 10, 0)));

    let v = case.state.verification.clone().unwrap();
    assert_eq!((v.state, v.finding.as_str()), (VerificationState::Revoked, finding));
    assert_eq!(status(&case), "已撤销许可（承诺不实）");
    assert!(case.state.tasks.is_empty() && case.state.timers.is_empty(), "{:?}", case.state.timers);
    assert_replays(&case);
}

/// Given the definitions' commitment texts, when an applicant names as committed a
/// material that has none (a board resolution), an unknown code, or a material of a
/// service with no 告知承诺 rule, then the submission is refused with NoCommitment.
#[test]
fn a_commitment_only_replaces_a_material_that_has_a_commitment_text() {
    let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    let all: Vec<&str> = ADDRESS_UPLOADS.iter().chain(&SITE_PROOFS).copied().collect();
    for code in ["board_resolution", "no_such_material"] {
        assert_eq!(case.run(&school(), submit_with(&[code], &all)), Err(EngineError::NoCommitment(code.into())));
    }
    assert_eq!(case.state.status, Status::New, "nothing was recorded");

    let mut credential = Case::new(service("teacher-credential.yaml"), cst(2026, 4, 20, 9, 0));
    let submit = Command::SubmitCase {
        case_id: "T1".into(),
        form: credential.service.example_form(),
        materials: materials(&["photo"]),
        commitments: vec!["conduct_commitment".into()],
        draft: false,
    };
    let refused = credential.run(&Actor::applicant("t"), submit);
    assert_eq!(refused, Err(EngineError::NoCommitment("conduct_commitment".into())));
    assert_eq!(refused.unwrap_err().code(), engine::case::ErrorCode::BadUserInput);
}

/// Given an address change with every proof uploaded and no commitment, when it is
/// approved, then no 核查 follows: there is nothing to verify.
#[test]
fn an_approval_without_commitments_opens_no_verification() {
    let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    let all: Vec<&str> = ADDRESS_UPLOADS.iter().chain(&SITE_PROOFS).copied().collect();
    case.ok(&school(), submit_with(&[], &all));
    case.ok(&staff("clerk-1", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    case.complete(&inspector(), "site_inspection", "approve");
    case.complete(&staff("rev-1", "reviewer", "4101"), "review", "approve");
    case.complete(&staff("appr-1", "approver", "4101"), "decision", "approve");
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert_eq!(case.state.verification, None);
    assert!(case.state.tasks.is_empty() && case.state.timers.is_empty());
}

// ---------- 公示: 中小学教师职称评审 ----------

const SCHOOL: &str = "410102001";
const COUNTY: &str = "410102";

fn teacher() -> Actor {
    Actor::applicant("teacher-1")
}

fn school_admin() -> Actor {
    staff("admin-1", "school_admin", SCHOOL)
}

fn county_reviewer() -> Actor {
    staff("county-1", "county_reviewer", COUNTY)
}

fn title_form() -> serde_json::Value {
    serde_json::json!({"school_code": SCHOOL, "county_office": COUNTY, "name": "李明", "id_card": "11010519491231002X",
        "school_name": "郑州市第一中学", "subject": "数学", "current_title": "二级教师", "applied_title": "一级教师"})
}

/// Given a title application submitted in the yearly window the day before
/// `recommended_at` and accepted by the school an hour later; when `recommended_at` the
/// school recommends, the case enters 公示.
fn title_case_on_the_list(recommended_at: DateTime<Utc>) -> Case {
    let submitted = recommended_at - Duration::days(1);
    let mut case = Case::new(service("teacher-title.yaml"), submitted);
    let codes = ["application_form", "teaching_record", "ethics_assessment", "annual_reviews"];
    case.ok(&teacher(), Command::submit("P1", title_form(), materials(&codes)));
    case.at(submitted + Duration::hours(1)).ok(&school_admin(), Command::AcceptCase { deferred: vec![] });
    case.at(recommended_at).complete(&school_admin(), "school_recommendation", "approve");
    case
}

fn lodge(case: &mut Case, who: &Actor, text: &str) -> Result<Vec<Event>, EngineError> {
    case.run(who, Command::LodgeObjection { text: text.into(), step: String::new() })
}

/// Given a school recommendation published on Fri 2026-09-18 for 5 working days (the
/// 调休 Sunday 09-20 counts, so the list ends with Thu 09-24), when a colleague objects in
/// the last minute, then the objection is taken; at the end the timer fires and the case
/// waits at the list (推荐公示中) for the answer; an objection at the end, or one second after
/// it, is refused; once the school dismisses the objection with an answer the case goes to
/// the county's review.
#[test]
fn an_objection_in_the_last_minute_holds_the_case_until_it_is_answered() {
    let mut case = title_case_on_the_list(cst(2026, 9, 18, 10, 0));
    let list = case.state.publicity.clone().unwrap();
    assert_eq!(
        (list.step.as_str(), list.starts, list.ends),
        ("school_publicity", cst(2026, 9, 18, 10, 0), end_of(2026, 9, 24))
    );
    assert_eq!(status(&case), "推荐公示中");
    assert!(case.state.tasks.is_empty(), "a list needs nobody until someone objects");
    let timer = case
        .state
        .timers
        .values()
        .find(|t| matches!(&t.kind, TimerKind::PublicityEnds { step } if step == "school_publicity"));
    let (timer, due) = timer.map(|t| (t.id, t.due)).unwrap();
    assert_eq!(due, list.ends);

    let colleague = Actor::applicant("colleague-7");
    case.at(list.ends - Duration::minutes(1));
    assert_eq!(case.run(&Actor::system(), Command::FireTimer { timer }), Err(EngineError::TimerNotDue(list.ends)));
    let events = lodge(&mut case, &colleague, "其教学业绩材料中的获奖证书存疑").unwrap();
    let Some(Event::ObjectionLodged { objection }) = events.iter().find(|e| matches!(e, Event::ObjectionLodged { .. }))
    else {
        panic!("{events:?}")
    };
    assert_eq!((objection.by.as_str(), objection.at), ("colleague-7", list.ends - Duration::minutes(1)));
    let task = &case.state.tasks[&objection.id];
    assert_eq!(
        (task.step.as_str(), task.role.as_str(), task.office.as_str()),
        ("school_publicity", "school_admin", SCHOOL)
    );

    // At the end: no more objections, even before the timer has fired.
    case.at(list.ends);
    assert_eq!(lodge(&mut case, &colleague, "再提一条"), Err(EngineError::PublicityClosed));
    let fired = case.fire_due();
    assert!(fired.iter().any(|e| matches!(e, Event::PublicityEnded { step } if step == "school_publicity")));
    assert!(!fired.iter().any(|e| matches!(e, Event::StepPassed { .. })), "the objection is not answered yet");
    assert_eq!(case.state.status, Status::InProgress);
    assert_eq!(status(&case), "推荐公示中");
    case.at(list.ends + Duration::seconds(1));
    let late = lodge(&mut case, &colleague, "再提一条");
    assert_eq!(late, Err(EngineError::PublicityClosed));
    assert_eq!(late.unwrap_err().code(), engine::case::ErrorCode::InvalidTransition);

    case.at(cst(2026, 9, 28, 9, 0));
    let events = complete(
        &mut case,
        &school_admin(),
        "school_publicity",
        "dismiss",
        data(&[("answer", "经核实，获奖证书真实有效")]),
    )
    .unwrap();
    assert!(events.iter().any(|e| matches!(e, Event::ObjectionAnswered { upheld: false, .. })));
    assert!(events.iter().any(
        |e| matches!(e, Event::StepPassed { step, next } if step == "school_publicity" && next == "county_review")
    ));
    let review = &case.state.tasks[&case.task("county_review")];
    assert_eq!((review.role.as_str(), review.office.as_str()), ("county_reviewer", COUNTY));
    assert_eq!(status(&case), "县级审核中");
    let answered = &case.state.publicity.as_ref().unwrap().objections[0];
    assert_eq!((answered.upheld, answered.answer.as_deref()), (Some(false), Some("经核实，获奖证书真实有效")));
    assert_replays(&case);
}

/// Given a recommendation on the list, when an objection is upheld during the period, then
/// the case still waits for the period to end, and then goes to 未获推荐 (denied).
#[test]
fn an_upheld_objection_sends_the_case_to_not_recommended_when_the_period_ends() {
    let mut case = title_case_on_the_list(cst(2026, 9, 2, 10, 0));
    let ends = case.state.publicity.as_ref().unwrap().ends;
    assert_eq!(ends, end_of(2026, 9, 9));
    case.at(cst(2026, 9, 3, 9, 0));
    lodge(&mut case, &Actor::applicant("colleague-7"), "任现职年限不足").unwrap();
    case.at(cst(2026, 9, 4, 9, 0));
    complete(
        &mut case,
        &school_admin(),
        "school_publicity",
        "uphold",
        data(&[("answer", "经核实，任职年限不足，取消推荐")]),
    )
    .unwrap();
    assert_eq!((case.state.status, case.state.outcome), (Status::InProgress, None), "the list stays up its period");
    assert_eq!(status(&case), "推荐公示中");

    let events = case.at(ends).fire_due();
    assert!(events.iter().any(|e| matches!(e, Event::StepPassed { next, .. } if next == "not_recommended")));
    assert_eq!(case.state.outcome, Some(Outcome::Denied));
    assert_eq!(case.state.end_step.as_deref(), Some("not_recommended"));
    assert_eq!(status(&case), "未获推荐");
    assert!(case.state.timers.is_empty() && case.state.tasks.is_empty());
}

/// Given a recommendation on the list, when the teacher objects to their own case, the
/// system lodges one, or someone lodges an empty one, then each is refused; before the
/// list is published nobody may object; and an objection is answered only with an answer
/// text, by the school's role, with `dismiss` or `uphold`.
#[test]
fn who_may_object_and_how_an_objection_is_answered() {
    let mut early = Case::new(service("teacher-title.yaml"), cst(2026, 9, 1, 9, 0));
    let codes = ["application_form", "teaching_record", "ethics_assessment", "annual_reviews"];
    early.ok(&teacher(), Command::submit("P1", title_form(), materials(&codes)));
    early.ok(&school_admin(), Command::AcceptCase { deferred: vec![] });
    assert_eq!(
        lodge(&mut early, &Actor::applicant("colleague-7"), "异议"),
        Err(EngineError::PublicityClosed),
        "no list yet"
    );

    let mut case = title_case_on_the_list(cst(2026, 9, 2, 10, 0));
    case.at(cst(2026, 9, 3, 9, 0));
    let own = lodge(&mut case, &teacher(), "我对自己有异议").unwrap_err();
    assert_eq!((own.words(), own.code()), ("不能对自己的申请提出异议".to_owned(), engine::case::ErrorCode::Forbidden));
    assert_eq!(lodge(&mut case, &Actor::system(), "异议"), Err(EngineError::NotSystem));
    match lodge(&mut case, &Actor::applicant("colleague-7"), "  ") {
        Err(EngineError::TextRequired { field, .. }) => assert_eq!(field, "text"),
        other => panic!("{other:?}"),
    }
    match lodge(&mut case, &Actor::applicant("colleague-7"), &"长".repeat(2001)) {
        Err(EngineError::BadData { field, .. }) => assert_eq!(field, "text"),
        other => panic!("an objection has a length: {other:?}"),
    }
    // Staff of another office may object like anyone else.
    lodge(&mut case, &staff("other-1", "school_admin", "420102001"), "材料存疑").unwrap();

    for missing in [Data::new(), data(&[("answer", " ")])] {
        match complete(&mut case, &school_admin(), "school_publicity", "dismiss", missing) {
            Err(EngineError::TextRequired { field, .. }) => assert_eq!(field, "data.answer"),
            other => panic!("answering requires an answer: {other:?}"),
        }
    }
    let answer = || data(&[("answer", "经核实材料无误")]);
    assert_eq!(
        complete(&mut case, &school_admin(), "school_publicity", "approve", answer()),
        Err(EngineError::UnknownAction("approve".into()))
    );
    assert_eq!(
        complete(&mut case, &county_reviewer(), "school_publicity", "dismiss", answer()),
        Err(EngineError::MissingRole("school_admin".into()))
    );
    assert_eq!(
        complete(&mut case, &staff("other-1", "school_admin", "420102001"), "school_publicity", "dismiss", answer()),
        Err(EngineError::OutOfScope)
    );
    let objections = &case.state.publicity.as_ref().unwrap().objections;
    assert_eq!(objections.len(), 1);
    assert_eq!(objections[0].answer, None);
    // Answered, the objector (and only the objector) is told.
    let events = complete(&mut case, &school_admin(), "school_publicity", "dismiss", answer()).unwrap();
    let told: Vec<&EffectSpec> = events
        .iter()
        .filter_map(|e| match e {
            Event::EffectRequested { effect } => Some(&effect.spec),
            _ => None,
        })
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    match told[0] {
        EffectSpec::Notify { to: engine::definition::Recipient::User(who), template } => {
            assert_eq!(who, "other-1");
            assert!(template.contains("异议不成立") && template.contains("经核实材料无误"), "{template}");
        }
        other => panic!("{other:?}"),
    }
}

// ---------- Committee votes ----------

/// Given a title application through the school's 公示 (no objection) and the county's
/// review on Thu 2026-09-10: the committee's vote is open.
fn title_case_at_the_committee() -> Case {
    let mut case = title_case_on_the_list(cst(2026, 9, 2, 10, 0));
    case.at(end_of(2026, 9, 9) + Duration::hours(9)).fire_due();
    case.at(cst(2026, 9, 10, 10, 0)).complete(&county_reviewer(), "county_review", "approve");
    assert!(case.state.vote.is_some(), "{:?}", case.state.tasks);
    case.at(cst(2026, 9, 11, 9, 0));
    case
}

fn member(n: u32, role: &str, office: &str) -> Actor {
    staff(&format!("member-{n}"), role, office)
}

fn expert(n: u32) -> Actor {
    member(n, "title_expert", COUNTY)
}

fn chair(n: u32, role: &str, chair_role: &str, office: &str) -> Actor {
    Actor { user: format!("member-{n}"), roles: vec![role.into(), chair_role.into()], office: office.into() }
}

fn vote(case: &mut Case, who: &Actor, action: &str) -> Result<Vec<Event>, EngineError> {
    let step = case.state.vote.as_ref().expect("no vote open").step.clone();
    complete(case, who, &step, action, Data::new())
}

/// Given the title committee of 7 (two thirds present, two thirds of those present in
/// favour), when all 7 vote, 5 for and 2 against, then the last ballot counts the vote,
/// the tally (5 of 7 ≥ 2/3) passes and is recorded, and the case goes to the results' 公示.
#[test]
fn seven_experts_five_for_two_against_pass_the_title() {
    let mut case = title_case_at_the_committee();
    let task = &case.state.tasks[&case.task("committee_review")];
    assert_eq!((task.role.as_str(), task.office.as_str()), ("title_expert", COUNTY));
    assert_eq!(status(&case), "评审中");
    for n in 1..=7 {
        let ballot = if n <= 5 { "approve" } else { "reject" };
        let events = vote(&mut case, &expert(n), ballot).unwrap();
        assert_eq!(
            events.iter().any(|e| matches!(e, Event::VoteClosed { .. })),
            n == 7,
            "counted only when all are in"
        );
    }
    let tally = Tally {
        step: "committee_review".into(),
        members: 7,
        approve: 5,
        reject: 2,
        abstain: 0,
        recused: 0,
        passed: true,
    };
    assert_eq!(case.state.tallies, [tally]);
    assert_eq!(case.state.vote, None);
    assert_eq!(case.state.publicity.as_ref().map(|p| p.step.as_str()), Some("result_publicity"));
    assert_eq!(status(&case), "结果公示中");
    assert_replays(&case);
}

/// Given the title committee of 7, when all 7 vote, 4 for and 3 against, then the tally
/// fails (4 of 7 < 2/3) and the case ends 评审未通过.
#[test]
fn seven_experts_four_for_three_against_fail_the_title() {
    let mut case = title_case_at_the_committee();
    for n in 1..=7 {
        vote(&mut case, &expert(n), if n <= 4 { "approve" } else { "reject" }).unwrap();
    }
    let t = case.state.tallies.last().unwrap();
    assert_eq!((t.approve, t.reject, t.passed), (4, 3, false));
    assert_eq!(case.state.outcome, Some(Outcome::Denied));
    assert_eq!(status(&case), "评审未通过");
}

/// Given the title committee's vote, when the applicant (a teacher who is also an expert)
/// votes, a member votes twice, a member stands aside and then votes, or someone outside
/// the committee or the county votes, then each is refused; standing aside needs a reason.
#[test]
fn each_member_votes_once_and_nobody_votes_on_their_own_case() {
    let mut case = title_case_at_the_committee();
    let own = Actor { user: "teacher-1".into(), roles: vec!["title_expert".into()], office: COUNTY.into() };
    assert_eq!(vote(&mut case, &own, "approve"), Err(EngineError::OwnApplication));
    vote(&mut case, &expert(1), "approve").unwrap();
    assert_eq!(vote(&mut case, &expert(1), "reject"), Err(EngineError::AlreadyVoted));
    match vote(&mut case, &expert(2), "recuse") {
        Err(EngineError::TextRequired { field, words, .. }) => {
            assert_eq!((field, words), ("data.reason", "回避须写明理由"))
        }
        other => panic!("{other:?}"),
    }
    let step = "committee_review";
    let events = complete(&mut case, &expert(2), step, "recuse", data(&[("reason", "与申报人同校任教")])).unwrap();
    assert!(events.iter().any(|e| matches!(e, Event::MemberRecused { by, .. } if by == "member-2")));
    assert_eq!(vote(&mut case, &expert(2), "approve"), Err(EngineError::AlreadyVoted), "stood aside");
    assert_eq!(vote(&mut case, &expert(3), "maybe"), Err(EngineError::UnknownAction("maybe".into())));
    assert_eq!(vote(&mut case, &county_reviewer(), "approve"), Err(EngineError::MissingRole("title_expert".into())));
    assert_eq!(vote(&mut case, &member(3, "title_expert", "4201"), "approve"), Err(EngineError::OutOfScope));
    let v = case.state.vote.clone().unwrap();
    assert_eq!((v.ballots.len(), v.recused.len()), (1, 1));
    assert!(case.state.tallies.is_empty());
    assert_replays(&case);
}

/// Given the title committee's vote with 4 of 7 present, when the chair closes it, then it
/// is refused (NoQuorum: 4 < 2/3 of 7); a member who is not the chair may not close; with
/// a fifth member present (an abstention counts as present) the chair closes and the vote
/// is counted over those present (4 of 5 ≥ 2/3).
#[test]
fn the_chair_closes_the_vote_only_with_a_quorum() {
    let mut case = title_case_at_the_committee();
    let chair = chair(1, "title_expert", "committee_chair", COUNTY);
    for n in 1..=4 {
        vote(&mut case, &expert(n), "approve").unwrap();
    }
    let refused = vote(&mut case, &chair, "close");
    assert_eq!(refused, Err(EngineError::NoQuorum { present: 4, members: 7 }));
    assert_eq!(refused.unwrap_err().code(), engine::case::ErrorCode::InvalidTransition);
    assert_eq!(vote(&mut case, &expert(5), "close"), Err(EngineError::MissingRole("committee_chair".into())));
    vote(&mut case, &expert(5), "abstain").unwrap();
    vote(&mut case, &chair, "close").unwrap();
    let t = case.state.tallies.last().unwrap();
    assert_eq!((t.approve, t.reject, t.abstain, t.passed), (4, 0, 1, true));
    assert_eq!(case.state.publicity.as_ref().map(|p| p.step.as_str()), Some("result_publicity"));
}

/// Given the title committee of 7, when three members stand aside (近亲属), then their seats
/// go to substitutes: the vote stays open until seven ballots are in, then it is counted
/// with all seven present and the recusals recorded.
#[test]
fn members_who_stand_aside_leave_their_seats_to_substitutes() {
    let mut case = title_case_at_the_committee();
    for n in 1..=3 {
        complete(&mut case, &expert(n), "committee_review", "recuse", data(&[("reason", "近亲属")])).unwrap();
    }
    for n in 4..=9 {
        vote(&mut case, &expert(n), "approve").unwrap();
    }
    assert!(case.state.tallies.is_empty() && case.state.vote.is_some(), "six of seven seats: still open");
    vote(&mut case, &expert(10), "reject").unwrap();
    let tally = case.state.tallies.last().unwrap();
    assert_eq!((tally.approve, tally.reject, tally.recused, tally.passed), (6, 1, 3, true));
    assert!(case.state.vote.is_none(), "counted: the committee's task is done");
    assert_eq!(status(&case), "结果公示中");
}

// 家庭经济困难学生认定: 5 assessors, two thirds present, more than half of those present.

fn aid_form(household: &str) -> serde_json::Value {
    serde_json::json!({"school_code": SCHOOL, "county_office": COUNTY, "student_name": "王小红",
        "id_card": "11010520100101002X", "grade_class": "高一（3）班", "household": household,
        "family_situation": "最低生活保障家庭", "requested_level": "困难", "guardian_name": "王大山"})
}

fn assessor(n: u32) -> Actor {
    member(n, "assessor", SCHOOL)
}

/// Given an aid application submitted on Mon 2026-03-02 (the spring window) and accepted:
/// the assessment group's vote is open.
fn aid_case(household: &str) -> Case {
    let mut case = Case::new(service("student-aid.yaml"), cst(2026, 3, 2, 9, 0));
    case.ok(&Actor::applicant("guardian-1"), Command::submit("A1", aid_form(household), materials(&["application"])));
    case.at(cst(2026, 3, 2, 10, 0))
        .ok(&staff("aid-1", "aid_officer", SCHOOL), Command::AcceptCase { deferred: vec![] });
    assert_eq!(status(&case), "学校评议中");
    case.at(cst(2026, 3, 3, 15, 0));
    case
}

/// Given the assessment group of 5 (quorum 2/3 of 5, i.e. 4 present; more than half of those
/// present), when the leader closes with 3 present it is refused, and when the leader closes
/// with 2 for and 2 against, then the tie fails (not more than half) and the pupil is not
/// recognised.
#[test]
fn a_tie_in_the_assessment_group_fails() {
    let mut case = aid_case("本地户籍");
    let lead = chair(5, "assessor", "assessment_lead", SCHOOL);
    vote(&mut case, &assessor(1), "approve").unwrap();
    vote(&mut case, &assessor(2), "approve").unwrap();
    vote(&mut case, &assessor(3), "reject").unwrap();
    assert_eq!(vote(&mut case, &lead, "close"), Err(EngineError::NoQuorum { present: 3, members: 5 }));
    vote(&mut case, &assessor(4), "reject").unwrap();
    vote(&mut case, &lead, "close").unwrap();
    let tally =
        Tally { step: "assessment".into(), members: 5, approve: 2, reject: 2, abstain: 0, recused: 0, passed: false };
    assert_eq!(case.state.tallies, [tally]);
    assert_eq!(case.state.end_step.as_deref(), Some("not_recognised"));
    assert_eq!(status(&case), "未认定");
}

/// Given the assessment group of 5, when 2 vote for, 1 against and 1 abstains and the leader
/// closes, then 2 of the 4 present is not more than half: it fails; when all 5 vote 3 for
/// and 2 against it passes and goes to the school's 公示.
#[test]
fn an_abstention_counts_in_the_whole_and_a_majority_passes() {
    let mut case = aid_case("本地户籍");
    vote(&mut case, &assessor(1), "approve").unwrap();
    vote(&mut case, &assessor(2), "approve").unwrap();
    vote(&mut case, &assessor(3), "reject").unwrap();
    vote(&mut case, &assessor(4), "abstain").unwrap();
    vote(&mut case, &chair(5, "assessor", "assessment_lead", SCHOOL), "close").unwrap();
    let t = case.state.tallies.last().unwrap();
    assert_eq!((t.approve, t.abstain, t.passed), (2, 1, false));

    let mut case = aid_case("本地户籍");
    for n in 1..=5 {
        vote(&mut case, &assessor(n), if n <= 3 { "approve" } else { "reject" }).unwrap();
    }
    assert!(case.state.tallies.last().unwrap().passed);
    assert_eq!(status(&case), "校内公示中");
}

/// Given two aid applications alike but for 户籍, one local and one of a 随迁子女, when each is
/// assessed and published the same way, then both take the same steps to the same result:
/// nothing depends on 户籍, and the public list shows neither it nor the family's details.
#[test]
fn a_migrant_pupil_is_recognised_on_the_same_terms_and_the_list_hides_the_family() {
    let run = |household: &str| {
        let mut case = aid_case(household);
        for n in 1..=5 {
            vote(&mut case, &assessor(n), "approve").unwrap();
        }
        let ends = case.state.publicity.as_ref().unwrap().ends;
        case.at(ends).fire_due();
        case.at(ends + Duration::hours(10)).complete(
            &staff("c-1", "county_aid", COUNTY),
            "county_confirmation",
            "approve",
        );
        case
    };
    let (local, migrant) = (run("本地户籍"), run("随迁子女（外地户籍）"));
    assert_eq!(migrant.state.form["household"], "随迁子女（外地户籍）");
    assert_eq!(migrant.state.outcome, Some(Outcome::Approved));
    assert_eq!(status(&migrant), "已认定");
    let kinds =
        |c: &Case| c.events.iter().map(|e| serde_json::to_value(e).unwrap()["event"].clone()).collect::<Vec<_>>();
    assert_eq!(kinds(&local), kinds(&migrant));
    assert_eq!(local.state.concluded_at, migrant.state.concluded_at);

    let Some(StepKind::Publicity(list)) = migrant.service.step("school_publicity").map(|s| &s.kind) else { panic!() };
    let shown: Vec<&str> = list.shown.iter().map(|f| f.field.as_str()).collect();
    for private in ["id_card", "household", "family_situation", "guardian_name", "guardian_phone"] {
        assert!(!shown.contains(&private), "{private} is not published");
    }
    assert_eq!(list.shown.iter().find(|f| f.field == "student_name").map(|f| f.mask), Some(Mask::Name));
}

// ---------- 预约: 教师资格认定 ----------

fn credential_form() -> serde_json::Value {
    serde_json::json!({"office_code": COUNTY, "name": "张三", "id_card": "11010519491231002X", "teaching_level": "小学",
        "subject": "语文", "putonghua_level": "二级甲等", "medical_conclusion": "合格"})
}

const CREDENTIAL_MATERIALS: [&str; 7] = [
    "photo",
    "identity_card",
    "education_certificate",
    "putonghua_certificate",
    "medical_report",
    "ntce_certificate",
    "conduct_commitment",
];

fn slot(id: &str, service: &str, office: &str, starts_at: DateTime<Utc>) -> Booking {
    Booking {
        slot: id.into(),
        service: service.into(),
        office: office.into(),
        starts_at,
        ends_at: starts_at + Duration::minutes(30),
    }
}

/// Given a teacher-credential application by `who` submitted on Mon 2026-04-20 09:00 (spring
/// window).
fn credential_case(who: &str) -> Case {
    let mut case = Case::new(service("teacher-credential.yaml"), cst(2026, 4, 20, 9, 0));
    case.ok(&Actor::applicant(who), Command::submit(who, credential_form(), materials(&CREDENTIAL_MATERIALS)));
    case
}

fn credential_slot(case: &Case, id: &str, starts_at: DateTime<Utc>) -> Booking {
    slot(id, &case.service.spec.code, COUNTY, starts_at)
}

fn book(case: &mut Case, who: &str, slot: Booking) -> Result<Vec<Event>, EngineError> {
    case.run(&Actor::applicant(who), Command::BookVisit { slot })
}

fn reviewer() -> Actor {
    staff("rev-1", "reviewer", COUNTY)
}

/// Given a credential application, when the applicant books a future 现场确认 slot, books it
/// again, moves to another and cancels, then the first is one VisitBooked, the repeat
/// nothing, the move exactly one BookingCancelled and one VisitBooked, the cancel frees the
/// slot, and a second cancel is refused.
#[test]
fn the_applicant_books_moves_and_cancels_a_visit() {
    let mut case = credential_case("t-1");
    let thursday = credential_slot(&case, "S1", cst(2026, 4, 23, 9, 0));
    let friday = credential_slot(&case, "S2", cst(2026, 4, 24, 14, 0));
    assert_eq!(book(&mut case, "t-1", thursday.clone()).unwrap(), [Event::VisitBooked { booking: thursday.clone() }]);
    assert_eq!(case.state.booking.as_ref(), Some(&thursday));
    assert!(book(&mut case, "t-1", thursday.clone()).unwrap().is_empty(), "the same slot again changes nothing");
    let moved = book(&mut case, "t-1", friday.clone()).unwrap();
    assert_eq!(
        moved,
        [
            Event::BookingCancelled { slot: "S1".into(), by: "t-1".into() },
            Event::VisitBooked { booking: friday.clone() }
        ]
    );
    assert_eq!(case.state.booking.as_ref(), Some(&friday));
    let cancelled = case.ok(&Actor::applicant("t-1"), Command::CancelBooking);
    assert_eq!(cancelled, [Event::BookingCancelled { slot: "S2".into(), by: "t-1".into() }]);
    assert_eq!(case.state.booking, None);
    assert_eq!(case.run(&Actor::applicant("t-1"), Command::CancelBooking), Err(EngineError::NotBooked));
    assert_replays(&case);
}

/// Given a credential application at Mon 2026-04-20 09:00, when the applicant books a slot
/// that began, one that begins now, one of another office or of another service, or
/// someone else books for them, then each is refused; a service without 预约 books nothing.
#[test]
fn a_slot_in_the_past_or_elsewhere_cannot_be_booked() {
    let mut case = credential_case("t-1");
    let code = case.service.spec.code.clone();
    for bad in [
        slot("past", &code, COUNTY, cst(2026, 4, 20, 8, 30)),
        slot("now", &code, COUNTY, cst(2026, 4, 20, 9, 0)),
        slot("elsewhere", &code, "420102", cst(2026, 4, 23, 9, 0)),
        slot("other", "JY-XK-0004", COUNTY, cst(2026, 4, 23, 9, 0)),
    ] {
        let id = bad.slot.clone();
        assert_eq!(book(&mut case, "t-1", bad), Err(EngineError::SlotUnavailable(id)));
    }
    let good = credential_slot(&case, "S1", cst(2026, 4, 23, 9, 0));
    assert_eq!(case.run(&reviewer(), Command::BookVisit { slot: good.clone() }), Err(EngineError::NotApplicant));
    assert_eq!(book(&mut case, "t-2", good), Err(EngineError::NotApplicant));
    assert_eq!(case.state.booking, None);

    let mut change = Case::new(service("private-school-change.yaml"), cst(2026, 4, 20, 9, 0));
    change.ok(&school(), submit_with(&[], &ADDRESS_UPLOADS));
    let other = slot("S1", &change.service.spec.code, SCHOOL_OFFICE, cst(2026, 4, 23, 9, 0));
    assert_eq!(change.run(&school(), Command::BookVisit { slot: other }), Err(EngineError::NoBooking));
}

/// Given a slot with one place left and two applicants' cases, when both book it at once
/// (each case decides the booking), then the first to take the place has it and the other
/// is told the slot is full (SlotFull, 这个时段已约满); once the first gives it up, the
/// second can take it. (The runtime takes the place in the booking's own transaction; the
/// race between two transactions is tested over HTTP on both databases.)
#[test]
fn two_applicants_book_the_last_place_at_once_one_wins_and_one_is_told() {
    use engine::case::booking::Places;
    let (mut a, mut b) = (credential_case("t-1"), credential_case("t-2"));
    let same = credential_slot(&a, "S1", cst(2026, 4, 23, 9, 0));
    let mut places = Places { capacity: 3, booked: 2 };
    let first = book(&mut a, "t-1", same.clone()).unwrap();
    let second = book(&mut b, "t-2", same.clone()).unwrap();
    assert_eq!((first.len(), second.len()), (1, 1), "each case would book it");
    assert_eq!(places.take("S1"), Ok(()));
    let told = places.take("S1").unwrap_err();
    assert_eq!(told, EngineError::SlotFull("S1".into()));
    assert_eq!(told.code(), engine::case::ErrorCode::Conflict);
    assert_eq!(told.words(), "这个时段已约满，请选择其他时段");
    places.free();
    assert_eq!(places.take("S1"), Ok(()), "a place given back is taken again");
}

/// Given a visit booked for Thu 2026-04-23 09:00, when the reviewer records a no-show before
/// it begins it is refused; once it has begun the no-show is recorded, the booking is freed
/// without using the one visit, and the applicant books again.
#[test]
fn a_no_show_is_recorded_only_once_the_slot_began_and_frees_the_applicant_to_book_again() {
    let mut case = credential_case("t-1");
    let thursday = credential_slot(&case, "S1", cst(2026, 4, 23, 9, 0));
    assert_eq!(case.run(&reviewer(), Command::RecordNoShow), Err(EngineError::NotBooked));
    book(&mut case, "t-1", thursday).unwrap();
    case.at(cst(2026, 4, 23, 8, 59));
    assert_eq!(case.run(&reviewer(), Command::RecordNoShow), Err(EngineError::VisitNotBegun));
    case.at(cst(2026, 4, 23, 9, 0));
    let approver = staff("appr-1", "approver", COUNTY);
    assert_eq!(case.run(&approver, Command::RecordNoShow), Err(EngineError::MissingRole("reviewer".into())));
    assert_eq!(
        case.run(&Actor::applicant("t-1"), Command::RecordNoShow),
        Err(EngineError::MissingRole("reviewer".into()))
    );
    assert_eq!(case.ok(&reviewer(), Command::RecordNoShow), [Event::NoShowRecorded { slot: "S1".into() }]);
    assert_eq!((case.state.booking.as_ref(), case.state.no_shows, case.state.visits), (None, 1, 0));
    let monday = credential_slot(&case, "S3", cst(2026, 4, 27, 9, 0));
    assert_eq!(book(&mut case, "t-1", monday.clone()).unwrap(), [Event::VisitBooked { booking: monday }]);
}

/// Given a booked visit, when the applicant comes and the reviewer records the visit, then
/// the visits count is 1, the service's maximum, the booking is cleared, and booking again
/// is refused.
#[test]
fn the_visit_uses_the_one_visit_allowed() {
    let mut case = credential_case("t-1");
    let thursday = credential_slot(&case, "S1", cst(2026, 4, 23, 9, 0));
    book(&mut case, "t-1", thursday).unwrap();
    case.at(cst(2026, 4, 23, 9, 5));
    let events = case.ok(&reviewer(), Command::RecordVisit { purpose: "现场确认".into() });
    assert!(matches!(events[..], [Event::VisitRecorded { visits: 1, over_limit: false, .. }]), "{events:?}");
    assert_eq!((case.state.visits, case.service.spec.max_visits, case.state.booking.as_ref()), (1, 1, None));
    let again = credential_slot(&case, "S4", cst(2026, 4, 28, 9, 0));
    assert_eq!(book(&mut case, "t-1", again), Err(EngineError::VisitsUsedUp(1)));
}

/// Given a booked visit, when the case concludes (recognised, or withdrawn), then the
/// conclusion frees the booking (BookingCancelled) so the place goes back to the office,
/// and a concluded case books nothing.
#[test]
fn concluding_the_case_frees_its_booking() {
    let mut case = credential_case("t-1");
    let friday = credential_slot(&case, "S2", cst(2026, 4, 24, 14, 0));
    book(&mut case, "t-1", friday.clone()).unwrap();
    case.ok(&reviewer(), Command::AcceptCase { deferred: vec![] });
    case.at(cst(2026, 4, 21, 9, 0)).complete(&reviewer(), "confirmation_review", "approve");
    let events = case.complete(&staff("appr-1", "approver", COUNTY), "decision", "approve");
    let freed = position(&events, |e| matches!(e, Event::BookingCancelled { slot, .. } if slot == "S2"));
    let concluded = position(&events, |e| matches!(e, Event::CaseConcluded { outcome: Outcome::Approved, .. }));
    assert!(freed < concluded);
    assert_eq!(case.state.booking, None);
    assert!(matches!(book(&mut case, "t-1", friday.clone()), Err(EngineError::WrongStatus { .. })));

    let mut withdrawn = credential_case("t-2");
    book(&mut withdrawn, "t-2", friday).unwrap();
    let events = withdrawn.ok(&Actor::applicant("t-2"), Command::WithdrawCase { reason: "另行申请".into() });
    assert!(events.iter().any(|e| matches!(e, Event::BookingCancelled { slot, by } if slot == "S2" && by == "t-2")));
    assert_eq!(withdrawn.state.booking, None);
}

// ---------- 网上预审: 校外培训机构设立 ----------

fn training_form(name: &str) -> serde_json::Value {
    serde_json::json!({"office_code": COUNTY, "institution_name": name, "training_category": "体育",
        "organiser_name": "郑州市体健教育咨询有限公司", "organiser_credit_code": "91410100MA00000000",
        "address": "郑州市金水区花园路1号", "site_area": 480})
}

const TRAINING_DRAFT: [&str; 2] = ["application", "charter"];
const TRAINING_REST: [&str; 5] =
    ["organiser_qualification", "staff_credentials", "fund_proof", "site_title", "fire_safety"];

fn organiser() -> Actor {
    Actor::applicant("org-1")
}

fn training_reviewer() -> Actor {
    staff("rev-1", "reviewer", COUNTY)
}

/// Given the 校外培训机构 service, when the organiser sends a draft on Mon 2026-03-02 09:00.
fn training_draft() -> Case {
    let mut case = Case::new(service("off-campus-training.yaml"), cst(2026, 3, 2, 9, 0));
    let draft = Command::SubmitCase {
        case_id: "D1".into(),
        form: training_form("体健少儿体育培训中心"),
        materials: materials(&TRAINING_DRAFT),
        commitments: vec![],
        draft: true,
    };
    case.ok(&organiser(), draft);
    case
}

/// Given a draft for 网上预审, then it is not an application: status PreReview (网上预审中),
/// nothing received, no legal or promised clock, no art. 32 deemed-acceptance timer (only the
/// reviewer's own 3-working-day clock), and no clerk may accept it; even ten days later it is
/// still a draft.
#[test]
fn a_draft_runs_no_clock_of_the_application() {
    let mut case = training_draft();
    assert_eq!(case.state.status, Status::PreReview);
    assert_eq!(status(&case), "网上预审中");
    assert_eq!((case.state.received_at, case.state.accepted_at), (None, None));
    assert_eq!((case.state.legal.as_ref(), case.state.promised.as_ref()), (None, None));
    let id = case.task(PRE_REVIEW_STEP);
    let task = &case.state.tasks[&id];
    assert_eq!((task.role.as_str(), task.office.as_str()), ("reviewer", COUNTY));
    assert_eq!(task.clock.as_ref().unwrap().deadline, Some(end_of(2026, 3, 5)));
    assert!(!case.state.timers.values().any(|t| t.kind == TimerKind::DeemedAcceptance));
    assert!(
        case.state
            .timers
            .values()
            .all(|t| matches!(t.kind, TimerKind::Clock { clock: ClockRef::Task(n), .. } if n == id)),
        "{:?}",
        case.state.timers
    );
    let clerk = staff("clerk-1", "window_clerk", COUNTY);
    assert!(matches!(case.run(&clerk, Command::AcceptCase { deferred: vec![] }), Err(EngineError::WrongStatus { .. })));
    let events = case.at(cst(2026, 3, 12, 9, 0)).fire_due();
    assert!(events.iter().all(|e| !matches!(e, Event::CaseAccepted { .. })), "{events:?}");
    assert_eq!(case.state.status, Status::PreReview);
    assert_eq!(case.state.legal, None);
}

/// Given a draft, when the reviewer answers with an empty notice it is refused; answered
/// with one notice the draft reads 预审已答复，待正式申请 and the task is gone, so a second
/// answer is impossible.
#[test]
fn the_reviewer_answers_a_draft_once_with_one_notice() {
    let mut case = training_draft();
    case.at(cst(2026, 3, 3, 10, 0));
    for empty in [Data::new(), data(&[("notice", "  ")])] {
        assert_eq!(
            complete(&mut case, &training_reviewer(), PRE_REVIEW_STEP, "answer", empty).map_err(|e| e.words()),
            Err("请填写预审意见（一次性告知）".to_owned())
        );
    }
    assert_eq!(
        complete(&mut case, &organiser(), PRE_REVIEW_STEP, "answer", data(&[("notice", "自己审")])),
        Err(EngineError::MissingRole("reviewer".into()))
    );
    let id = case.task(PRE_REVIEW_STEP);
    let notice = "请补充举办者资格证明、拟聘人员资质证明；场所产权及消防证明可选择告知承诺";
    let events =
        complete(&mut case, &training_reviewer(), PRE_REVIEW_STEP, "answer", data(&[("notice", notice)])).unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::PreReviewAnswered { notice: n, by, .. } if n == notice && by == "rev-1"))
    );
    let p = case.state.pre_review.clone().unwrap();
    assert_eq!((p.notice.as_deref(), p.answered_at), (Some(notice), Some(cst(2026, 3, 3, 10, 0))));
    assert_eq!(status(&case), "预审已答复，待正式申请");
    assert!(case.state.tasks.is_empty() && case.state.timers.is_empty());
    let again = Command::CompleteTask { task: id, action: "answer".into(), data: data(&[("notice", "再答一次")]) };
    assert!(case.run(&training_reviewer(), again).is_err(), "the task is gone");
    assert_eq!(case.events.iter().filter(|e| matches!(e, Event::PreReviewAnswered { .. })).count(), 1);
}

/// Given an answered draft, when the organiser submits it on Mon 2026-03-16 14:00 without a
/// form and with the other materials, then the draft's form stays, the materials are both
/// the draft's and the new, and the case is received now: status Received, received_at the
/// formal submission, the art. 32 timer 5 working days on (end of Mon 03-23); accepted, its
/// legal clock counts 20 working days from then.
#[test]
fn the_draft_becomes_the_application_without_typing_anything_twice() {
    let mut case = training_draft();
    case.at(cst(2026, 3, 3, 10, 0));
    complete(&mut case, &training_reviewer(), PRE_REVIEW_STEP, "answer", data(&[("notice", "请补齐材料")])).unwrap();
    let draft_form = case.state.form.clone();
    let submit = || Command::SubmitDraft { form: None, materials: materials(&TRAINING_REST), commitments: vec![] };
    assert_eq!(case.run(&Actor::applicant("someone-else"), submit()), Err(EngineError::NotApplicant));
    let at = cst(2026, 3, 16, 14, 0);
    let events = case.at(at).ok(&organiser(), submit());
    assert!(events.iter().any(|e| matches!(e, Event::DraftSubmitted { .. })));
    assert_eq!(case.state.form, draft_form);
    let codes: Vec<&str> = case.state.materials.keys().map(String::as_str).collect();
    let mut all: Vec<&str> = TRAINING_DRAFT.iter().chain(&TRAINING_REST).copied().collect();
    all.sort_unstable();
    assert_eq!(codes, all);
    assert_eq!((case.state.status, case.state.received_at), (Status::Received, Some(at)));
    assert_eq!(status(&case), "待受理");
    let deemed: Vec<_> = case.state.timers.values().filter(|t| t.kind == TimerKind::DeemedAcceptance).collect();
    assert_eq!(deemed.iter().map(|t| t.due).collect::<Vec<_>>(), [end_of(2026, 3, 23)]);
    assert!(matches!(case.run(&organiser(), submit()), Err(EngineError::WrongStatus { .. })), "sent once");

    case.at(cst(2026, 3, 17, 9, 0))
        .ok(&staff("clerk-1", "window_clerk", COUNTY), Command::AcceptCase { deferred: vec![] });
    let legal = case.state.legal.clone().unwrap();
    assert_eq!(legal.deadline, Some(working_days_after(common::date(2026, 3, 17), 20)));
    assert_eq!(case.state.tasks.values().map(|t| t.step.as_str()).collect::<Vec<_>>(), ["review"]);
    assert_replays(&case);
}

/// Given a draft not yet answered, when the organiser submits it with a new form (the
/// institution renamed) and commitments for the site's title and fire safety instead of
/// those proofs, then the pre-review task is withdrawn, the new form replaces the draft's,
/// and the application is accepted on the commitments.
#[test]
fn a_draft_sent_before_the_answer_withdraws_the_pre_review_and_may_change_the_form() {
    let mut case = training_draft();
    let id = case.task(PRE_REVIEW_STEP);
    case.at(cst(2026, 3, 3, 9, 0));
    let rest = ["organiser_qualification", "staff_credentials", "fund_proof"];
    let submit = Command::SubmitDraft {
        form: Some(training_form("体健青少年体育培训中心")),
        materials: materials(&rest),
        commitments: vec!["site_title".into(), "fire_safety".into()],
    };
    let events = case.ok(&organiser(), submit);
    assert!(events.contains(&Event::TaskCancelled { task: id }));
    assert_eq!(case.state.form["institution_name"], "体健青少年体育培训中心");
    assert_eq!(case.state.commitments, ["site_title", "fire_safety"]);
    assert_eq!(case.state.pre_review.as_ref().and_then(|p| p.notice.as_ref()), None);
    case.ok(&staff("clerk-1", "window_clerk", COUNTY), Command::AcceptCase { deferred: vec![] });
    assert_eq!(case.state.status, Status::InProgress);
}

/// Given a service without 网上预审 (学籍转接), when a draft is sent, then it is refused
/// NoPreReview and nothing is recorded; a case that was never a draft takes no SubmitDraft.
#[test]
fn a_draft_on_a_service_without_pre_review_is_refused() {
    let svc = service("student-transfer.yaml");
    let form = svc.example_form();
    let mut case = Case::new(svc, cst(2026, 4, 20, 9, 0));
    let draft = Command::SubmitCase {
        case_id: "X".into(),
        form: form.clone(),
        materials: materials(&[]),
        commitments: vec![],
        draft: true,
    };
    assert_eq!(case.run(&Actor::applicant("parent-1"), draft), Err(EngineError::NoPreReview));
    assert!(case.events.is_empty());

    let mut change = Case::new(service("private-school-change.yaml"), cst(2026, 4, 20, 9, 0));
    change.ok(&school(), submit_with(&[], &ADDRESS_UPLOADS));
    let late = Command::SubmitDraft { form: None, materials: materials(&[]), commitments: vec![] };
    assert!(matches!(change.run(&school(), late), Err(EngineError::WrongStatus { .. })));
}

// ---------- Special procedures in whole days ----------

const NAME_CHANGE: [&str; 5] =
    ["change_application", "board_resolution", "school_licence", "revised_charter", "conditions_proof"];

/// Given a 民办学校变更 (name change) under `svc`, accepted on Mon 2026-03-09 10:00: paused for
/// an expert review on Tue 03-10 10:00 and resumed on Thu 03-12 15:00. Returns the legal and
/// promised deadlines before the pause, and the case.
fn paused_tuesday_to_thursday(svc: engine::Service) -> (Case, DateTime<Utc>, DateTime<Utc>) {
    let mut case = Case::new(svc, cst(2026, 3, 9, 9, 0));
    let form = serde_json::json!({"office_code": SCHOOL_OFFICE, "change_type": "name_level_category", "school_name": "郑州市明德学校"});
    case.ok(&school(), Command::submit("W1", form, materials(&NAME_CHANGE)));
    case.at(cst(2026, 3, 9, 10, 0))
        .ok(&staff("clerk-1", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    let legal = case.state.legal.as_ref().unwrap().deadline.unwrap();
    let promised = case.state.promised.as_ref().unwrap().deadline.unwrap();
    assert_eq!(legal, working_days_after(common::date(2026, 3, 9), 90));
    assert_eq!(promised, end_of(2026, 3, 25));
    let approver = staff("appr-1", "approver", "4101");
    case.at(cst(2026, 3, 10, 10, 0))
        .ok(&approver, Command::PauseClock { procedure: "expert_review".into(), notice: "专家评审，预计3日".into() });
    case.at(cst(2026, 3, 12, 15, 0)).ok(&approver, Command::ResumeClock);
    (case, legal, promised)
}

/// Given the shipped definition (pause_counting: whole_days), when a special procedure runs
/// from 10:00 Tue to 15:00 Thu, then Tue counts as used and counting resumes on Fri: the
/// deadlines move by exactly the working days Wed and Thu, and still end at 00:00 (the end of
/// a working day).
#[test]
fn a_pause_in_whole_days_leaves_out_wednesday_and_thursday() {
    let svc = service("private-school-change.yaml");
    assert_eq!(svc.spec.pause_counting, engine::clock::PauseCounting::WholeDays);
    let (case, legal_before, promised_before) = paused_tuesday_to_thursday(svc);
    let legal = case.state.legal.clone().unwrap();
    let promised = case.state.promised.clone().unwrap();
    assert_eq!(legal.deadline, Some(working_days_after(common::date(2026, 3, 9), 92)));
    assert_eq!(
        legal.deadline,
        Some(working_days_after(engine::calendar::local_date(legal_before - Duration::seconds(1)), 2))
    );
    assert_eq!(promised.deadline, Some(end_of(2026, 3, 27)), "Wed 03-25 + Thu, Fri");
    assert_eq!(promised_before + Duration::days(2), end_of(2026, 3, 27));
    for d in [legal.deadline.unwrap(), promised.deadline.unwrap()] {
        assert_eq!(d, engine::calendar::start_of(engine::calendar::local_date(d)), "{d} is at a day boundary");
    }
    assert_eq!((legal.paused_total, promised.paused_total), (2 * 86_400, 2 * 86_400));
    let review = case.state.tasks.values().find(|t| t.step == "review").unwrap();
    assert_eq!(review.clock.as_ref().unwrap().paused_total, 2 * 86_400, "the step clock too");
    assert_replays(&case);
}

/// Given the shipped definition, when a pause starts and ends on the same day, then nothing
/// is left out: that day counts as used and counting resumes the next day, as it would have.
#[test]
fn a_pause_within_one_day_leaves_out_nothing_in_whole_days() {
    let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    let form = serde_json::json!({"office_code": SCHOOL_OFFICE, "change_type": "name_level_category", "school_name": "郑州市明德学校"});
    case.ok(&school(), Command::submit("W1", form, materials(&NAME_CHANGE)));
    case.ok(&staff("clerk-1", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    let before = case.state.legal.clone().unwrap().deadline;
    let approver = staff("appr-1", "approver", "4101");
    case.at(cst(2026, 3, 10, 10, 0))
        .ok(&approver, Command::PauseClock { procedure: "hearing".into(), notice: String::new() });
    case.at(cst(2026, 3, 10, 15, 0)).ok(&approver, Command::ResumeClock);
    let after = case.state.legal.clone().unwrap();
    assert_eq!((after.deadline, after.paused_total, after.pauses), (before, 0, 1));
}

/// Given the same definition with `pause_counting: exact`, when the same procedure runs from
/// 10:00 Tue to 15:00 Thu, then the deadlines move by exactly the paused working seconds
/// (14 h + 24 h + 15 h = 53 h) and land at 05:00, not at a day boundary.
#[test]
fn an_exact_pause_moves_the_deadlines_by_the_paused_seconds() {
    let path = common::services_dir().join("private-school-change.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches("pause_counting: whole_days").count(), 1);
    let exact = text.replace("pause_counting: whole_days", "pause_counting: exact");
    let svc = engine::Service::from_yaml("private-school-change.yaml", &exact).unwrap();
    assert_eq!(svc.spec.pause_counting, engine::clock::PauseCounting::Exact);
    let (case, legal_before, promised_before) = paused_tuesday_to_thursday(svc);
    let legal = case.state.legal.clone().unwrap();
    let promised = case.state.promised.clone().unwrap();
    let paused = 53 * 3600;
    assert_eq!((legal.paused_total, promised.paused_total), (paused, paused));
    let moved = |before: DateTime<Utc>, after: DateTime<Utc>| {
        CALENDAR.working_seconds(after).unwrap() - CALENDAR.working_seconds(before).unwrap()
    };
    assert_eq!(moved(legal_before, legal.deadline.unwrap()), paused);
    assert_eq!(moved(promised_before, promised.deadline.unwrap()), paused);
    // End of Wed 03-25 + 2 working days = end of Fri 03-27; 5 h more is Mon 03-30 05:00.
    assert_eq!(promised.deadline, Some(cst(2026, 3, 30, 5, 0)));
    let local = legal.deadline.unwrap().with_timezone(&engine::calendar::china());
    assert_eq!(chrono::Timelike::hour(&local), 5, "{local}");
}

// Events recorded before the reforms must hash as they did: the chain hashes each event as
// it serializes now, so a field the reforms added may appear only when it says something.

/// Given a licence case accepted under a definition that counts pauses exactly (as every
/// clock did before `pause_counting` existed) and submitted without commitments or draft,
/// when its events are serialized, then they carry none of the new fields, and JSON written
/// without them reads back to the same bytes: the hash chain of older cases still verifies.
#[test]
fn events_without_the_reforms_serialize_as_before() {
    let yaml = std::fs::read_to_string(common::services_dir().join("private-school-change.yaml")).unwrap();
    let exact =
        engine::Service::from_yaml("exact.yaml", &yaml.replace("pause_counting: whole_days", "pause_counting: exact"))
            .unwrap();
    let mut case = Case::new(exact, cst(2026, 3, 2, 9, 0));
    let form = case.service.example_form();
    let codes: Vec<String> = case.service.spec.materials.iter().map(|m| m.code.clone()).collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    case.ok(&Actor::applicant("school-1"), Command::submit("OLD", form, materials(&codes)));
    case.at(cst(2026, 3, 2, 10, 0)).ok(&staff("clerk", "window_clerk", "41"), Command::AcceptCase { deferred: vec![] });
    assert!(case.events.iter().any(|e| matches!(e, Event::CaseAccepted { .. })), "clocks recorded");
    let all: Vec<String> = case.events.iter().map(|e| serde_json::to_string(e).unwrap()).collect();
    for json in &all {
        for new in ["\"counting\"", "\"commitments\"", "\"draft\""] {
            assert!(!json.contains(new), "{new} in {json}");
        }
        let back: Event = serde_json::from_str(json).unwrap();
        assert_eq!(&serde_json::to_string(&back).unwrap(), json);
    }
    // A clock that counts whole days says so (and so is new, not an old event re-read).
    let whole = service("private-school-change.yaml");
    let start = engine::clock::ClockStart {
        limit: Limit::working_days(5),
        anchor: cst(2026, 3, 2, 9, 0),
        warn_percent: 80,
        counting: whole.spec.pause_counting,
    };
    let clock = engine::clock::Clock::start(start, &CALENDAR).unwrap();
    assert!(serde_json::to_string(&clock).unwrap().contains("\"counting\":\"whole_days\""));
}

/// Given an address change, when a commitment is given for a proof that is uploaded too,
/// or (for a change of name) for the new site's proofs that a name change does not need,
/// then the commitment replaces nothing and is left out: the case records no commitment,
/// opens no verification when approved, and the report does not count it.
#[test]
fn a_commitment_stands_only_for_a_required_proof_that_is_missing() {
    let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    let mut both: Vec<&str> = ADDRESS_UPLOADS.to_vec();
    both.push("new_site_title");
    case.ok(&school(), submit_with(&["new_site_title", "new_site_safety"], &both));
    assert_eq!(case.state.commitments, ["new_site_safety"], "the uploaded title needs no commitment");
    let mut name_change = address_form();
    name_change["change_type"] = serde_json::json!("name_level_category");
    let mut other = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    let command = Command::SubmitCase {
        case_id: "B2".into(),
        form: name_change,
        materials: materials(&ADDRESS_UPLOADS),
        commitments: vec!["new_site_title".into()],
        draft: false,
    };
    other.ok(&school(), command);
    assert!(other.state.commitments.is_empty(), "a name change needs no site proof");
}

/// Given the title committee sitting at the county (410102), when an expert of the city
/// above it (4101), who holds the role and whose office covers the county's, votes, then
/// the ballot is refused: the committee's members are those of its own office.
#[test]
fn only_members_of_the_committees_own_office_vote() {
    let mut case = title_case_at_the_committee();
    let city = member(1, "title_expert", "4101");
    assert_eq!(vote(&mut case, &city, "approve"), Err(EngineError::OutOfScope));
    assert!(case.state.vote.as_ref().unwrap().ballots.is_empty());
}

/// Given the school's recommendation on its list, when a colleague objects from a page of
/// another list (the results', not yet published), then it is refused; from this list's
/// page it is taken.
#[test]
fn an_objection_goes_only_to_the_list_it_was_lodged_from() {
    let mut case = title_case_on_the_list(cst(2026, 9, 18, 10, 0));
    let colleague = Actor::applicant("teacher-9");
    let other = Command::LodgeObjection { text: "结果有误".into(), step: "result_publicity".into() };
    assert_eq!(case.run(&colleague, other), Err(EngineError::PublicityClosed));
    let this = Command::LodgeObjection { text: "获奖时间有误".into(), step: "school_publicity".into() };
    case.at(cst(2026, 9, 21, 10, 0)).ok(&colleague, this);
    assert_eq!(case.state.publicity.as_ref().unwrap().objections.len(), 1);
}

/// Given an address change at its site inspection and a hearing pausing the clocks, when the
/// inspector finishes during the hearing, then the review's step clock starts paused (no
/// deadline while the hearing runs) and runs from the hearing's end: the hearing's time is
/// left out of the step as of the case.
#[test]
fn a_step_reached_during_a_special_procedure_starts_counting_when_it_ends() {
    let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 3, 9, 9, 0));
    let mut all: Vec<&str> = ADDRESS_UPLOADS.to_vec();
    all.extend(SITE_PROOFS);
    case.ok(&school(), submit_with(&[], &all));
    case.at(cst(2026, 3, 9, 10, 0))
        .ok(&staff("clerk-1", "window_clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    let approver = staff("appr-1", "approver", "4101");
    case.at(cst(2026, 3, 10, 10, 0))
        .ok(&approver, Command::PauseClock { procedure: "hearing".into(), notice: String::new() });
    case.at(cst(2026, 3, 11, 9, 0)).complete(&inspector(), "site_inspection", "approve");
    let review = case.state.tasks.values().find(|t| t.step == "review").unwrap().clock.clone().unwrap();
    assert_eq!((review.running_since, review.deadline), (None, None), "paused while the hearing runs");
    case.at(cst(2026, 3, 12, 15, 0)).ok(&approver, Command::ResumeClock);
    let review = case.state.tasks.values().find(|t| t.step == "review").unwrap().clock.clone().unwrap();
    // Counting resumes Fri 03-13 (whole days); the review's 5 working days end with Thu 03-19.
    assert_eq!(review.deadline, Some(end_of(2026, 3, 19)));
    assert_replays(&case);
}

/// Given a visit booked for Thu 2026-04-23 09:00, when the applicant tries to cancel it or
/// move it once it has begun, then both are refused (the slot is kept: the applicant came,
/// or a no-show is recorded); before it begins both are open.
#[test]
fn a_booking_cannot_be_cancelled_or_moved_once_its_slot_began() {
    let mut case = credential_case("t-1");
    let thursday = credential_slot(&case, "S1", cst(2026, 4, 23, 9, 0));
    let friday = credential_slot(&case, "S2", cst(2026, 4, 24, 9, 0));
    book(&mut case, "t-1", thursday).unwrap();
    case.at(cst(2026, 4, 23, 9, 5));
    assert_eq!(case.run(&Actor::applicant("t-1"), Command::CancelBooking), Err(EngineError::SlotBegun));
    assert_eq!(book(&mut case, "t-1", friday.clone()), Err(EngineError::SlotBegun));
    assert_eq!(case.state.booking.as_ref().map(|b| b.slot.as_str()), Some("S1"));
    let mut early = credential_case("t-2");
    let same = credential_slot(&early, "S1", cst(2026, 4, 23, 9, 0));
    book(&mut early, "t-2", same).unwrap();
    early.at(cst(2026, 4, 23, 8, 55));
    book(&mut early, "t-2", friday).unwrap();
    early.ok(&Actor::applicant("t-2"), Command::CancelBooking);
    assert!(early.state.booking.is_none());
}
