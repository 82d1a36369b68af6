//! Broken definitions are refused with every problem, each naming file, line and field;
//! loading never panics, whatever the text.
#![allow(clippy::unwrap_used)]

mod common;

use engine::Service;
use engine::definition::LoadError;
use proptest::prelude::*;

fn licence_text() -> String {
    std::fs::read_to_string(common::services_dir().join("private-school-licence.yaml")).unwrap()
}

fn load_err(text: &str) -> LoadError {
    Service::from_yaml("broken.yaml", text).unwrap_err()
}

/// Finds the problem about `field` and returns (line, message).
fn problem(err: &LoadError, field: &str) -> (usize, String) {
    let p = err.0.iter().find(|p| p.field == field).unwrap_or_else(|| panic!("no problem at {field}: {err}"));
    assert_eq!(p.file, "broken.yaml");
    (p.line, p.message.clone())
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn an_unknown_field_is_named_with_its_line() {
    let text = licence_text().replace("    role: inspector\n", "    role: inspector\n    rol: typo\n");
    let err = load_err(&text);
    let p = &err.0[0];
    assert!(p.message.contains("unknown field `rol`"), "{err}");
    assert!(p.field.starts_with("steps[1]"), "{err}");
    assert!(p.line >= line_of(&text, "id: site_inspection"), "{err}");
}

#[test]
fn a_yaml_syntax_error_gives_its_line() {
    let text = "code: X\nname: [unclosed\nversion: 1\n";
    let err = load_err(text);
    assert!(err.0[0].message.starts_with("YAML syntax"), "{err}");
    assert!(err.0[0].line >= 2, "{err}");
}

#[test]
fn a_wrong_type_names_the_field() {
    let text = licence_text().replace("max_visits: ", "max_visits: many #");
    let err = load_err(&text);
    assert_eq!(err.0[0].field, "max_visits", "{err}");
    assert_eq!(err.0[0].line, line_of(&text, "max_visits:"));
}

#[test]
fn a_missing_target_and_an_undeclared_role_are_both_reported() {
    let text = licence_text()
        .replace(
            "{action: approve, label: 通过, next: assessment_join}\n\n  - id: expert_evaluation",
            "{action: approve, label: 通过, next: nowhere}\n\n  - id: expert_evaluation",
        )
        .replace("    role: expert\n", "    role: professor\n");
    let err = load_err(&text);
    let (_, m) = problem(&err, "steps[1].actions[0].next");
    assert!(m.contains("`nowhere` does not exist"), "{m}");
    let (line, m) = problem(&err, "steps[2].role");
    assert!(m.contains("`professor` is not declared"), "{m}");
    assert_eq!(line, line_of(&text, "role: professor"));
}

const MINIMAL: &str = r#"
code: T-1
name: 测试事项
version: 1
category: 行政许可
legal_basis: [测试]
limits: {legal: {amount: 20, unit: working_days}, promised: {amount: 5, unit: working_days}}
max_visits: 0
online_level: fully_online
office_field: office_code
roles: [{code: clerk, name: 窗口}]
intake_role: clerk
form: {type: object, properties: {office_code: {type: string}, kind: {type: string}}, required: [office_code, kind]}
steps:
  - id: review
    name: 审查
    kind: task
    role: clerk
    limit: {amount: 5, unit: working_days}
    actions: [{action: approve, label: 通过, next: route}]
  - id: route
    name: 分流
    kind: decision
    branches: [{when: "form.kind == 'a'", next: done}]
    otherwise: done
  - id: done
    name: 办结
    kind: end
    outcome: approved
"#;

#[test]
fn the_minimal_definition_loads() {
    Service::from_yaml("minimal.yaml", MINIMAL).unwrap();
}

#[test]
fn an_unreachable_step_is_reported() {
    let text = format!("{MINIMAL}  - id: orphan\n    name: 孤立\n    kind: end\n    outcome: denied\n");
    let err = load_err(&text);
    let (line, m) = problem(&err, "steps[3]");
    assert!(m.contains("unreachable"), "{m}");
    assert_eq!(line, line_of(&text, "id: orphan"));
}

#[test]
fn a_path_that_never_ends_is_reported() {
    let text = MINIMAL.replace("next: route}", "next: review}");
    let err = load_err(&text);
    let (_, m) = problem(&err, "steps[0]");
    assert!(m.contains("no path from step `review` ever ends"), "{err}");
}

#[test]
fn bad_cel_is_reported_at_its_condition() {
    for (cel, expect) in [
        ("form.kind ==", "CEL syntax"),
        ("request.kind == 'a'", "unknown variable `request`"),
        ("form.colour == 'a'", "colour"),
        ("form.kind", "not a bool"),
        ("form.kind > 3", ""),
    ] {
        let text = MINIMAL.replace("form.kind == 'a'", cel);
        let err = load_err(&text);
        let (line, m) = problem(&err, "steps[1].branches[0].when");
        assert!(m.contains(expect), "{cel}: {m}");
        assert_eq!(line, line_of(&text, "branches:"), "{cel}");
    }
}

#[test]
fn a_non_positive_limit_is_reported() {
    let text = MINIMAL.replace("legal: {amount: 20", "legal: {amount: 0");
    let (_, m) = problem(&load_err(&text), "limits.legal.amount");
    assert!(m.contains("positive"), "{m}");
}

#[test]
fn a_merge_of_a_missing_step_is_reported() {
    let text = MINIMAL.replace("    name: 审查\n", "    name: 审查\n    merges: [old_review]\n");
    let (_, m) = problem(&load_err(&text), "steps[0].merges[0]");
    assert!(m.contains("not a baseline step"), "{m}");
}

#[test]
fn an_office_field_missing_from_the_form_is_reported() {
    let text = MINIMAL.replace("office_field: office_code", "office_field: district");
    let (_, m) = problem(&load_err(&text), "office_field");
    assert!(m.contains("district"), "{m}");
}

#[test]
fn auto_approve_without_an_approve_action_is_reported() {
    let text = MINIMAL
        .replace("    role: clerk\n    limit", "    role: clerk\n    on_timeout: {action: auto_refuse}\n    limit");
    let (_, m) = problem(&load_err(&text), "steps[0].on_timeout");
    assert!(m.contains("refuse"), "{m}");
}

#[test]
fn a_loop_of_routing_steps_is_reported() {
    let text = MINIMAL.replace(
        "branches: [{when: \"form.kind == 'a'\", next: done}]",
        "branches: [{when: \"form.kind == 'a'\", next: route}]",
    );
    let (_, m) = problem(&load_err(&text), "steps[1]");
    assert!(m.contains("loops back"), "{m}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn loading_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = Service::from_yaml("fuzz.yaml", &text);
    }

    #[test]
    fn loading_never_panics_on_a_damaged_definition(cut in 0usize..4000, insert in "[\\[\\]{}:,\\- a-z0-9'\"\n]{0,12}") {
        let text = licence_text();
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
        let damaged = format!("{}{}{}", &text[..at], insert, &text[at..]);
        let _ = Service::from_yaml("fuzz.yaml", &damaged);
    }
}
