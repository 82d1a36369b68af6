//! Whole case lifecycles per shipped service: every transition is `decide` + `evolve`, as
//! the runtime calls them (`decide_and_apply`: the events and the state they make).
//! The throughput reported is transitions (commands) per second on one core.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use engine::case::booking::Booking;
use engine::case::state::{MaterialRef, Status, TimerKind, VERIFICATION_STEP};
use engine::case::{Actor, CaseState, Command, Context, decide_and_apply};
use engine::definition::StepKind;
use engine::{Calendar, Service};

fn all_materials(service: &Service) -> BTreeMap<String, MaterialRef> {
    let mut out = BTreeMap::new();
    for m in &service.spec.materials {
        let codes: Vec<&str> = match m.any_of.first() {
            Some(a) => a.all_of.iter().map(|d| d.code.as_str()).collect(),
            None => vec![m.code.as_str()],
        };
        for c in codes {
            out.insert(c.to_owned(), MaterialRef { sha256: "0".repeat(64), file_name: "f.pdf".into() });
        }
    }
    out
}

/// Runs one case from submission to conclusion on the approval path, with every reform
/// the service has: a draft pre-reviewed first (网上预审), the proofs a commitment may
/// replace committed (告知承诺, then verified), the visit booked and made (预约), each
/// committee member's ballot, each 公示 period ended by its timer. Returns transitions.
fn lifecycle(
    service: &Service,
    calendar: &Calendar,
    start: DateTime<Utc>,
    form: &serde_json::Value,
    materials: &BTreeMap<String, MaterialRef>,
) -> usize {
    let applicant = Actor::applicant("applicant");
    let roles: Vec<String> = service.spec.roles.iter().map(|r| r.code.clone()).collect();
    let staff = Actor { user: "staff".into(), roles: roles.clone(), office: "41".into() };
    let system = Actor::system();
    let mut state = CaseState::default();
    let mut now = start;
    let mut n = 0;
    let mut step = |state: &mut CaseState, actor: &Actor, command: Command, now: DateTime<Utc>| {
        let ctx = Context { now, calendar, actor };
        // What the runtime does: decide, and take the state its events made (one evolve).
        let (events, next) = decide_and_apply(service, state, &command, &ctx).unwrap();
        assert!(!events.is_empty());
        *state = next;
        n += 1;
    };
    let spec = &service.spec;
    // The proofs a commitment may replace that this application needs.
    let commitments: Vec<String> = if spec.commitment.is_some() {
        spec.materials
            .iter()
            .filter(|m| m.commitment.is_some())
            .filter(|m| engine::case::materials::is_required(service, form, &m.code).unwrap())
            .map(|m| m.code.clone())
            .collect()
    } else {
        Vec::new()
    };
    let mut uploaded = materials.clone();
    uploaded.retain(|code, _| !commitments.contains(code));
    let draft = spec.pre_review.is_some();
    let submit = Command::SubmitCase {
        case_id: "B".into(),
        form: form.clone(),
        materials: uploaded,
        commitments: commitments.clone(),
        draft,
    };
    step(&mut state, &applicant, submit, now);
    if draft {
        let task = state.tasks.values().next().map(|t| t.id).unwrap();
        let notice = serde_json::Map::from_iter([("notice".to_owned(), serde_json::json!("材料齐全"))]);
        step(&mut state, &staff, Command::CompleteTask { task, action: "answer".into(), data: notice }, now);
        let formal = Command::SubmitDraft { form: None, materials: BTreeMap::new(), commitments: Vec::new() };
        step(&mut state, &applicant, formal, now);
    }
    if state.status == Status::Received {
        step(&mut state, &staff, Command::AcceptCase { deferred: vec![] }, now);
    }
    if spec.booking.is_some() {
        let booking = Booking {
            slot: "S1".into(),
            service: spec.code.clone(),
            office: state.office.clone(),
            starts_at: now + Duration::hours(1),
            ends_at: now + Duration::hours(2),
        };
        step(&mut state, &applicant, Command::BookVisit { slot: booking }, now);
        now += Duration::hours(1);
        step(&mut state, &staff, Command::RecordVisit { purpose: "现场确认".into() }, now);
    }
    let mut members = 0;
    while !state.is_concluded() {
        now += Duration::hours(3);
        if let Some(task) = state.tasks.values().next().cloned() {
            let (actions, outputs) = service.task_actions(&task.step);
            let action = actions.iter().find(|a| a.action == "approve").unwrap_or(&actions[0]).action.clone();
            let committee = matches!(service.step(&task.step).map(|s| &s.kind), Some(StepKind::Committee(_)));
            let member;
            let actor = if committee {
                members += 1;
                member = Actor { user: format!("member-{members}"), roles: roles.clone(), office: task.office.clone() };
                &member
            } else if task.role == "applicant" {
                &applicant
            } else {
                &staff
            };
            let data = if committee {
                serde_json::Map::new()
            } else {
                outputs.keys().map(|k| (k.clone(), serde_json::json!(true))).collect()
            };
            step(&mut state, actor, Command::CompleteTask { task: task.id, action, data }, now);
        } else if let Some(effect) = state.effects.keys().next().copied() {
            step(&mut state, &system, Command::SettleEffect { effect, delivered: true, detail: String::new() }, now);
        } else if let Some(timer) = state.timers.values().find(|t| matches!(t.kind, TimerKind::PublicityEnds { .. })) {
            // The 公示 period runs out.
            let (id, due) = (timer.id, timer.due);
            now = now.max(due);
            step(&mut state, &system, Command::FireTimer { timer: id }, now);
        } else {
            panic!("stuck at {:?}", state.status);
        }
    }
    if let Some(task) = state.tasks.values().find(|t| t.step == VERIFICATION_STEP).map(|t| t.id) {
        let finding = serde_json::Map::from_iter([("finding".to_owned(), serde_json::json!("属实"))]);
        step(&mut state, &staff, Command::CompleteTask { task, action: "confirm".into(), data: finding }, now);
    }
    step(&mut state, &applicant, Command::RateCase { score: 5, comment: String::new() }, now);
    n
}

/// 09:00 on a day the service takes applications: 2026-04-20, or the first working day of
/// its first window when that day is outside every window.
fn submission_day(service: &Service, calendar: &Calendar) -> DateTime<Utc> {
    let mut day = chrono::NaiveDate::from_ymd_opt(2026, 4, 20).unwrap();
    let batches = &service.spec.batches;
    if !batches.is_empty() && engine::case::batch::window_for(batches, day).is_err() {
        let opens = &batches[0].opens;
        day = chrono::NaiveDate::parse_from_str(&format!("2026-{opens}"), "%Y-%m-%d").unwrap();
        while !calendar.is_working_day(day).unwrap() {
            day = day.succ_opt().unwrap();
        }
    }
    engine::calendar::start_of(day) + Duration::hours(9)
}

fn lifecycles(c: &mut Criterion) {
    let calendar = Calendar::china_official();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut group = c.benchmark_group("lifecycle");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let service = Service::from_yaml(&name, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let (form, materials) = (service.example_form(), all_materials(&service));
        let start = submission_day(&service, &calendar);
        let transitions = lifecycle(&service, &calendar, start, &form, &materials);
        group.throughput(Throughput::Elements(transitions as u64));
        group.bench_function(format!("{name} ({transitions} transitions)"), |b| {
            b.iter(|| lifecycle(&service, &calendar, start, &form, &materials))
        });
    }
    group.finish();
}

criterion_group!(benches, lifecycles);
criterion_main!(benches);
