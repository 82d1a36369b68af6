//! Every other shipped service run on its paths, with exact deadlines on the real 2025 and
//! 2026 calendars.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Case, cst, end_of, materials, service, staff};
use engine::case::state::{Outcome, Status, TimerKind};
use engine::case::status::public_status;
use engine::case::{Actor, Command, EngineError, Event};
use engine::clock::Level;
use engine::definition::{EffectSpec, Registry};

fn submit(case: &mut Case, who: &Actor, form: serde_json::Value, codes: &[&str]) -> Result<Vec<Event>, EngineError> {
    case.run(who, Command::submit("C", form, materials(codes)))
}

fn accept(case: &mut Case, clerk: &Actor) {
    case.ok(clerk, Command::AcceptCase { deferred: vec![] });
}

// ---------- 教师资格认定 ----------

const TEACHER_MATERIALS: [&str; 7] = [
    "photo",
    "identity_card",
    "education_certificate",
    "putonghua_certificate",
    "medical_report",
    "ntce_certificate",
    "conduct_commitment",
];

fn teacher_form() -> serde_json::Value {
    serde_json::json!({"office_code": "410102", "name": "张三", "id_card": "11010519491231002X", "teaching_level": "小学",
        "subject": "语文", "putonghua_level": "二级甲等", "medical_conclusion": "合格"})
}

fn teacher_case(now: chrono::DateTime<chrono::Utc>) -> Case {
    let mut case = Case::new(service("teacher-credential.yaml"), now);
    submit(&mut case, &Actor::applicant("t-1"), teacher_form(), &TEACHER_MATERIALS).unwrap();
    case
}

#[test]
fn teacher_credential_runs_from_the_spring_window_close_with_merged_steps() {
    let reviewer = staff("r", "reviewer", "4101");
    let mut case = teacher_case(cst(2026, 4, 20, 9, 0));
    assert_eq!(case.state.batch.as_ref().unwrap().name, "春季");
    case.at(cst(2026, 4, 20, 10, 0));
    accept(&mut case, &reviewer);
    // Legal: 30 WD from the window's close (4/30), across 五一 2026: 6/15.
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2026, 6, 15)));
    assert_eq!(case.state.promised.as_ref().unwrap().deadline, Some(end_of(2026, 5, 20)));
    assert_eq!(public_status(&case.service, &case.state), "待确认");
    assert_eq!(case.service.step("confirmation_review").unwrap().merges, ["onsite_confirmation", "review"]);
    assert_eq!(case.service.step("certificate").unwrap().merges, ["production", "issuance"]);
    assert!(case.service.spec.baseline.as_ref().unwrap().steps.len() > 3);

    case.at(cst(2026, 4, 21, 9, 0)).complete(&reviewer, "confirmation_review", "approve");
    assert_eq!(public_status(&case.service, &case.state), "待审批");
    let events = case.complete(&staff("a", "approver", "4101"), "decision", "approve");
    assert!(events.iter().any(|e| matches!(e, Event::EffectRequested { effect } if matches!(&effect.spec, EffectSpec::IssueCertificate { licence, .. } if licence == "教师资格证书"))));
    assert_eq!(public_status(&case.service, &case.state), "已认定");
}

#[test]
fn teacher_credential_failures_show_their_own_labels() {
    let reviewer = staff("r", "reviewer", "4101");
    let mut failed = teacher_case(cst(2026, 9, 10, 9, 0));
    accept(&mut failed, &reviewer);
    failed.complete(&reviewer, "confirmation_review", "refuse");
    assert_eq!(public_status(&failed.service, &failed.state), "确认未通过");
    assert_eq!(failed.state.outcome, Some(Outcome::Denied));

    let mut denied = teacher_case(cst(2026, 9, 10, 9, 0));
    accept(&mut denied, &reviewer);
    denied.complete(&reviewer, "confirmation_review", "approve");
    denied.complete(&staff("a", "approver", "4101"), "decision", "refuse");
    assert_eq!(public_status(&denied.service, &denied.state), "未认定");
}

#[test]
fn teacher_credential_is_closed_between_windows() {
    let mut case = Case::new(service("teacher-credential.yaml"), cst(2026, 5, 10, 9, 0));
    let refused = submit(&mut case, &Actor::applicant("t-1"), teacher_form(), &TEACHER_MATERIALS);
    assert_eq!(refused, Err(EngineError::OutsideBatchWindow(common::date(2026, 9, 1))));
}

// ---------- 中小学生转学 ----------

fn transfer_form() -> serde_json::Value {
    serde_json::json!({"student_name": "李四", "student_id_card": "440524188001010014", "student_number": "G440524188001010014",
        "guardian_name": "李父", "receiving_school_code": "110105001", "receiving_bureau_code": "110105",
        "sending_school_code": "440524003", "sending_bureau_code": "440524", "reason": "随父母工作调动"})
}

fn transfer(now: chrono::DateTime<chrono::Utc>) -> Case {
    let mut case = Case::new(service("student-transfer.yaml"), now);
    submit(&mut case, &Actor::applicant("guardian-1"), transfer_form(), &[]).unwrap();
    case
}

#[test]
fn a_transfer_is_one_click_then_four_offices_then_both_registries() {
    let mut case = transfer(cst(2025, 9, 26, 10, 0));
    assert_eq!(case.state.status, Status::InProgress, "accepted on submission, no visit");
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2025, 11, 27)));
    let task = &case.state.tasks[&case.task("receiving_school")];
    assert_eq!(task.office, "110105001");
    // 10 WD across National Day 2025 (Sun 9/28 and Sat 10/11 are 调休): 10/16.
    assert_eq!(task.clock.as_ref().unwrap().deadline, Some(end_of(2025, 10, 16)));

    let sending_school = staff("s2", "school_registrar", "440524003");
    assert_eq!(case.run(&sending_school, Command::ClaimTask { task: task.id }), Err(EngineError::OutOfScope));
    case.complete(&staff("s1", "school_registrar", "110105001"), "receiving_school", "approve");
    case.complete(&staff("b1", "bureau_registrar", "110105"), "receiving_bureau", "approve");
    case.complete(&sending_school, "sending_school", "approve");
    case.complete(&staff("b2", "bureau_registrar", "440524"), "sending_bureau", "approve");
    assert_eq!(case.state.waiting_at.as_deref(), Some("registry_sync"));
    let registry = |r: Registry| {
        *case.state.effects.iter().find(|(_, e)| e.spec == EffectSpec::SyncRegistry { registry: r }).unwrap().0
    };
    let (national, provincial) = (registry(Registry::National), registry(Registry::Provincial));
    let system = Actor::system();
    case.ok(&system, Command::SettleEffect { effect: national, delivered: true, detail: "国网已变更".into() });
    assert_eq!(case.state.status, Status::InProgress, "waits for the provincial registry too");
    case.ok(&system, Command::SettleEffect { effect: provincial, delivered: false, detail: "省网超时".into() });
    assert_eq!(case.state.incidents[&provincial], "省网超时", "a failing delivery is an incident on the case");
    assert_eq!(case.state.status, Status::InProgress);
    case.ok(&system, Command::SettleEffect { effect: provincial, delivered: true, detail: "省网已变更".into() });
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert!(case.state.incidents.is_empty());
    assert_eq!(
        case.run(&system, Command::SettleEffect { effect: provincial, delivered: true, detail: String::new() }),
        Err(EngineError::EffectNotFound(provincial))
    );
}

#[test]
fn a_late_transfer_step_turns_red_and_notifies() {
    let mut case = transfer(cst(2025, 9, 26, 10, 0));
    case.at(end_of(2025, 10, 16)).fire_due();
    let task = &case.state.tasks[&case.task("receiving_school")];
    assert_eq!(task.clock.as_ref().unwrap().level, Level::Overdue);
    assert!(
        case.state
            .effects
            .values()
            .any(|e| matches!(&e.spec, EffectSpec::Notify { template, .. } if template.contains("已超期")))
    );
    case.complete(&staff("s1", "school_registrar", "110105001"), "receiving_school", "approve");
    case.complete(&staff("b1", "bureau_registrar", "110105"), "receiving_bureau", "refuse");
    assert_eq!(case.state.outcome, Some(Outcome::Denied));
}

// ---------- 随迁子女入学 ----------

fn enrollment(codes: &[&str]) -> Case {
    let mut case = Case::new(service("migrant-children-enrollment.yaml"), cst(2026, 7, 1, 9, 0));
    let form = serde_json::json!({"office_code": "440305", "child_name": "王五", "child_id_card": "440524188001010014", "guardian_name": "王父"});
    submit(&mut case, &Actor::applicant("parent-1"), form, codes).unwrap();
    case
}

#[test]
fn housing_may_be_a_deed_or_a_rental_contract_with_a_residence_certificate() {
    let clerk = staff("c", "enrollment_clerk", "4403");
    let mut rental_only = enrollment(&["hukou", "rental_contract", "work_proof"]);
    match rental_only.run(&clerk, Command::AcceptCase { deferred: vec![] }) {
        Err(EngineError::MissingMaterials(m)) => assert_eq!(m.len(), 1, "{m:?}"),
        other => panic!("{other:?}"),
    }
    accept(&mut enrollment(&["residence_permit", "rental_contract", "residence_certificate", "work_proof"]), &clerk);
    accept(&mut enrollment(&["hukou", "property_deed", "work_proof"]), &clerk);
}

#[test]
fn placement_goes_home_when_there_are_seats_else_to_another_district() {
    let clerk = staff("c", "enrollment_clerk", "4403");
    for (seats, next) in [(true, "home_district_placement"), (false, "other_district_placement")] {
        let mut case = enrollment(&["hukou", "property_deed", "work_proof"]);
        accept(&mut case, &clerk);
        let task = case.task("eligibility_review");
        let bad = serde_json::json!({"home_district_has_seats": "yes"}).as_object().unwrap().clone();
        let refused = case.run(&clerk, Command::CompleteTask { task, action: "approve".into(), data: bad });
        assert!(
            matches!(refused, Err(EngineError::BadData { ref field, .. }) if field == "data.home_district_has_seats")
        );
        let data = serde_json::json!({"home_district_has_seats": seats}).as_object().unwrap().clone();
        case.ok(&clerk, Command::CompleteTask { task, action: "approve".into(), data });
        assert!(case.state.tasks.values().any(|t| t.step == next), "{seats}: {:?}", case.state.tasks);
    }
}

// ---------- 办学许可证延续 ----------

#[test]
fn an_undecided_renewal_is_deemed_granted_at_the_licence_expiry() {
    let mut case = Case::new(service("licence-renewal.yaml"), cst(2026, 3, 2, 9, 0));
    let form = serde_json::json!({"office_code": "410102", "school_name": "明德学校", "licence_number": "教民141010270000012号", "licence_expires_on": "2026-03-31"});
    submit(
        &mut case,
        &Actor::applicant("s"),
        form,
        &["renewal_application", "school_licence", "annual_reports", "charter", "audit_report"],
    )
    .unwrap();
    accept(&mut case, &staff("c", "window_clerk", "4101"));
    let expiry = case.state.timers.values().find(|t| matches!(t.kind, TimerKind::Case { .. })).unwrap();
    assert_eq!(expiry.due, end_of(2026, 3, 31));
    case.at(end_of(2026, 3, 31)).fire_due();
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert!(case.state.deemed);
    assert_eq!(public_status(&case.service, &case.state), "视为准予");
}

// ---------- 民办学校筹设 / 分立合并 / 变更 / 终止 ----------

fn school_form(extra: serde_json::Value) -> serde_json::Value {
    let mut form =
        serde_json::json!({"office_code": "410102", "school_name": "明德学校", "organiser_name": "明德集团"});
    form.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    form
}

#[test]
fn preparation_counts_30_calendar_days_rolled_past_national_day_and_expires_after_3_years() {
    let mut case = Case::new(service("private-school-preparation.yaml"), cst(2026, 9, 4, 9, 0));
    let form = school_form(serde_json::json!({"has_donated_assets": true}));
    let refused = submit(
        &mut case,
        &Actor::applicant("s"),
        form.clone(),
        &["application_report", "organiser_identity", "asset_proof"],
    );
    assert!(refused.is_ok());
    let clerk = staff("c", "window_clerk", "4101");
    assert!(
        matches!(case.run(&clerk, Command::AcceptCase { deferred: vec![] }), Err(EngineError::MissingMaterials(_))),
        "the donation agreement is required when assets are donated"
    );
    case.ok(&Actor::applicant("s"), Command::SupplyMaterials { materials: materials(&["donation_agreement"]) });
    case.at(cst(2026, 9, 5, 10, 0));
    accept(&mut case, &clerk);
    // 9/5 + 30 days = 10/5, inside National Day: rolls to the end of Thu 10/8 (民法典 art. 203).
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2026, 10, 8)));
    case.at(cst(2026, 9, 10, 9, 0)).complete(&staff("r", "reviewer", "4101"), "review", "approve");
    case.complete(&staff("a", "approver", "4101"), "decision", "approve");
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    let expiry = case.state.timers.values().find(|t| matches!(t.kind, TimerKind::Case { .. })).unwrap();
    assert_eq!(expiry.due, end_of(2029, 9, 10), "筹设期满 36 months after approval");
    case.at(end_of(2029, 9, 10)).fire_due();
    assert!(
        case.state
            .effects
            .values()
            .any(|e| matches!(&e.spec, EffectSpec::Notify { template, .. } if template == "筹设期满"))
    );
}

#[test]
fn a_split_counts_3_months_and_extends_in_calendar_days() {
    let mut case = Case::new(service("private-school-split-merge.yaml"), cst(2025, 11, 30, 9, 0));
    let codes = [
        "application",
        "board_resolution",
        "split_merge_agreement",
        "liquidation_report",
        "student_placement_plan",
        "charter",
        "school_licence",
    ];
    submit(&mut case, &Actor::applicant("s"), school_form(serde_json::json!({})), &codes).unwrap();
    accept(&mut case, &staff("c", "window_clerk", "4101"));
    // 11/30 + 3 months = 2/28/2026, a Saturday that is a 调休 working day: no roll.
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2026, 2, 28)));
    case.ok(&staff("h", "agency_head", "4101"), Command::ExtendDeadline { amount: 10, reason: "清算未完成".into() });
    assert_eq!(case.state.legal.as_ref().unwrap().deadline, Some(end_of(2026, 3, 10)));
    case.complete(&staff("r", "reviewer", "4101"), "review", "refuse");
    assert_eq!(case.state.outcome, Some(Outcome::Denied));
}

#[test]
fn a_change_of_address_starts_with_a_site_inspection() {
    let clerk = staff("c", "window_clerk", "4101");
    for (kind, codes, first) in [
        ("address", vec!["new_site_title", "new_site_safety"], "site_inspection"),
        (
            "organiser",
            vec!["organiser_change_agreement", "new_organiser_qualification", "liquidation_report"],
            "review",
        ),
    ] {
        let mut case = Case::new(service("private-school-change.yaml"), cst(2026, 6, 1, 9, 0));
        let mut all = vec!["change_application", "board_resolution", "school_licence"];
        all.extend(codes);
        submit(&mut case, &Actor::applicant("s"), school_form(serde_json::json!({"change_type": kind})), &all).unwrap();
        accept(&mut case, &clerk);
        assert!(case.state.tasks.values().any(|t| t.step == first), "{kind}");
    }
}

#[test]
fn a_termination_ends_terminated_and_returns_the_licence() {
    let mut case = Case::new(service("private-school-termination.yaml"), cst(2026, 6, 1, 9, 0));
    let codes = [
        "termination_application",
        "board_resolution",
        "termination_announcement",
        "termination_plan",
        "student_placement_plan",
        "liquidation_report",
        "school_licence",
    ];
    submit(&mut case, &Actor::applicant("s"), school_form(serde_json::json!({})), &codes).unwrap();
    accept(&mut case, &staff("c", "window_clerk", "4101"));
    case.complete(&staff("r", "reviewer", "4101"), "review", "approve");
    case.complete(&staff("a", "approver", "4101"), "decision", "approve");
    assert_eq!(case.state.outcome, Some(Outcome::Terminated));
}

#[test]
fn visits_beyond_the_service_maximum_are_flagged() {
    let mut case = transfer(cst(2025, 9, 26, 10, 0));
    let events =
        case.ok(&staff("b1", "bureau_registrar", "110105"), Command::RecordVisit { purpose: "现场核验".into() });
    assert!(matches!(events[0], Event::VisitRecorded { visits: 1, over_limit: true, .. }), "转学 promises zero visits");
    assert_eq!(
        case.run(&Actor::applicant("x"), Command::RecordVisit { purpose: String::new() }),
        Err(EngineError::MissingRole("school_registrar".into()))
    );
    // A role outside the service's (an auditor's) records no visit, even in scope.
    let auditor = staff("a1", "auditor", "1101");
    assert_eq!(
        case.run(&auditor, Command::RecordVisit { purpose: "核查".into() }),
        Err(EngineError::MissingRole("school_registrar".into()))
    );
    assert_eq!(
        case.run(&staff("b9", "bureau_registrar", "4405"), Command::RecordVisit { purpose: "核查".into() }),
        Err(EngineError::OutOfScope)
    );
}

#[test]
fn every_service_takes_a_correction_round_turns_red_when_late_and_can_be_refused() {
    for entry in std::fs::read_dir(common::services_dir()).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().to_string();
        let svc = service(&file);
        let roles: Vec<String> = svc.spec.roles.iter().map(|r| r.code.clone()).collect();
        let staff_all = Actor { user: "staff".into(), roles, office: "41".into() };
        let leaves: Vec<String> = svc
            .spec
            .materials
            .iter()
            .map(|m| m.any_of.first().map_or(m.code.clone(), |a| a.all_of[0].code.clone()))
            .collect();
        let form = svc.example_form();
        let day = common::submission_day(&svc);
        let mut case = Case::new(svc, common::nine_on(day));
        let (first, rest) = leaves.split_first().map_or((None, &[][..]), |(f, r)| (Some(f.clone()), r));
        let codes: Vec<&str> = rest.iter().map(String::as_str).collect();
        let auto = case.service.spec.auto_accept;
        let submitted = submit(&mut case, &Actor::applicant("applicant"), form, if auto { &[] } else { &codes });
        submitted.unwrap_or_else(|e| panic!("{file}: {e}"));
        if let (false, Some(missing)) = (auto, first) {
            let notice =
                vec![engine::case::state::Deficiency { material: Some(missing.clone()), note: "请补正".into() }];
            case.ok(&staff_all, Command::RequestCorrection { deficiencies: notice });
            assert_eq!(public_status(&case.service, &case.state), "待补正", "{file}");
            case.ok(
                &Actor::applicant("applicant"),
                Command::SupplyMaterials { materials: materials(&[missing.as_str()]) },
            );
        }
        if !auto {
            case.run(&staff_all, Command::AcceptCase { deferred: vec![] }).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        case.at(cst(2026, 12, 31, 9, 0)).fire_due();
        assert_eq!(case.state.promised.as_ref().unwrap().level, Level::Overdue, "{file}");
        let task = case
            .state
            .tasks
            .values()
            .find(|t| t.role != "applicant")
            .unwrap_or_else(|| panic!("{file}: no task"))
            .clone();
        match case.service.step(&task.step).map(|s| s.kind.clone()) {
            Some(engine::definition::StepKind::Task(step)) => {
                let Some(refuse) = step.actions.iter().find(|a| a.action == "refuse") else { continue };
                case.ok(
                    &staff_all,
                    Command::CompleteTask {
                        task: task.id,
                        action: refuse.action.clone(),
                        data: serde_json::Map::new(),
                    },
                );
            }
            // A committee refuses by its members' votes against, each member once.
            Some(engine::definition::StepKind::Committee(c)) => {
                for n in 1..=c.members {
                    let member = staff(&format!("member-{n}"), &task.role, &task.office);
                    let against =
                        Command::CompleteTask { task: task.id, action: "reject".into(), data: serde_json::Map::new() };
                    case.ok(&member, against);
                }
                assert!(case.state.tallies.last().is_some_and(|t| !t.passed && t.reject == c.members), "{file}");
            }
            other => panic!("{file}: a task at {} ({other:?})", task.step),
        }
        assert_eq!(case.state.outcome, Some(Outcome::Denied), "{file}");
        assert!(case.state.timers.is_empty(), "{file}: no timer outlives the case");
    }
}
