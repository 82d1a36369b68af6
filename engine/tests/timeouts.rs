//! On-timeout actions of a step: escalate to another role, or complete automatically; and a
//! form date the engine will need is checked on submission.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Case, cst, end_of, staff};
use engine::Service;
use engine::case::state::Outcome;
use engine::case::{Actor, Command, EngineError};

const DEFINITION: &str = r#"
code: T-2
name: 超时处理测试
version: 1
category: 行政许可
legal_basis: [测试]
limits: {legal: {amount: 20, unit: working_days}, promised: {amount: 5, unit: working_days}}
max_visits: 0
online_level: fully_online
office_field: office_code
roles: [{code: clerk, name: 经办人}, {code: chief, name: 科长}]
intake_role: clerk
form: {type: object, properties: {office_code: {type: string}}, required: [office_code]}
steps:
  - id: review
    name: 审查
    kind: task
    role: clerk
    limit: {amount: 2, unit: working_days}
    on_timeout: {action: escalate, to_role: chief}
    actions: [{action: approve, label: 通过, next: confirm}]
  - id: confirm
    name: 确认
    kind: task
    role: chief
    limit: {amount: 1, unit: working_days}
    on_timeout: {action: auto_approve}
    actions: [{action: approve, label: 通过, next: done}, {action: refuse, label: 不予, next: no}]
  - id: done
    name: 办结
    kind: end
    outcome: approved
  - id: no
    name: 不予
    kind: end
    outcome: denied
"#;

#[test]
fn a_late_task_is_escalated_then_a_late_confirmation_is_approved_automatically() {
    let service = Service::from_yaml("t.yaml", DEFINITION).unwrap();
    let mut case = Case::new(service, cst(2026, 3, 2, 9, 0));
    let form = serde_json::json!({"office_code": "4101"});
    case.ok(&Actor::applicant("a"), Command::submit("T", form, Default::default()));
    case.ok(&staff("c", "clerk", "4101"), Command::AcceptCase { deferred: vec![] });
    // Mon 3/2 + 2 WD = end of Wed 3/4.
    case.at(end_of(2026, 3, 4)).fire_due();
    let task = case.task("review");
    assert_eq!(case.state.tasks[&task].role, "chief", "escalated to the chief");
    assert_eq!(
        case.run(&staff("c", "clerk", "4101"), Command::ClaimTask { task }),
        Err(EngineError::MissingRole("chief".into()))
    );
    case.complete(&staff("k", "chief", "4101"), "review", "approve");
    // Opened at 00:00 Thu 3/5: 1 WD = end of Fri 3/6.
    case.at(end_of(2026, 3, 6)).fire_due();
    assert_eq!(case.state.outcome, Some(Outcome::Approved));
    assert!(case.events.iter().any(|e| matches!(e, engine::case::Event::TaskCompleted { by, .. } if by == "system")));
}

#[test]
fn a_renewal_with_an_unreadable_expiry_date_is_refused_on_submission() {
    let mut case = Case::new(common::service("licence-renewal.yaml"), cst(2026, 3, 2, 9, 0));
    let form = serde_json::json!({"office_code": "410102", "school_name": "明德学校", "licence_number": "X", "licence_expires_on": "明年"});
    let refused = case.run(&Actor::applicant("s"), Command::submit("R", form, Default::default()));
    assert!(
        matches!(refused, Err(EngineError::BadData { ref field, .. }) if field == "form.licence_expires_on"),
        "{refused:?}"
    );
    assert!(case.events.is_empty());
}
