//! Whole case lifecycles per shipped service: every transition is `decide` + `evolve`, as
//! the runtime calls them (`decide_and_apply`: the events and the state they make).
//! The throughput reported is transitions (commands) per second on one core.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use engine::case::state::{MaterialRef, Status};
use engine::case::{Actor, CaseState, Command, Context, decide_and_apply};
use engine::definition::{StepKind, TaskStep};
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

/// Runs one case from submission to conclusion on the approval path; returns transitions.
fn lifecycle(
    service: &Service,
    calendar: &Calendar,
    start: DateTime<Utc>,
    form: &serde_json::Value,
    materials: &BTreeMap<String, MaterialRef>,
) -> usize {
    let applicant = Actor::applicant("applicant");
    let roles: Vec<String> = service.spec.roles.iter().map(|r| r.code.clone()).collect();
    let staff = Actor { user: "staff".into(), roles, office: "41".into() };
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
    step(
        &mut state,
        &applicant,
        Command::submit("B", form.clone(), materials.clone()),
        now,
    );
    if state.status == Status::Received {
        step(&mut state, &staff, Command::AcceptCase { deferred: vec![] }, now);
    }
    while !state.is_concluded() {
        now += Duration::hours(3);
        if let Some(task) = state.tasks.values().next().cloned() {
            let Some(StepKind::Task(TaskStep { actions, outputs, .. })) = service.step(&task.step).map(|s| &s.kind)
            else {
                unreachable!()
            };
            let action = actions.iter().find(|a| a.action == "approve").unwrap_or(&actions[0]).action.clone();
            let data = outputs.keys().map(|k| (k.clone(), serde_json::json!(true))).collect();
            let actor = if task.role == "applicant" { &applicant } else { &staff };
            step(&mut state, actor, Command::CompleteTask { task: task.id, action, data }, now);
        } else if let Some(effect) = state.effects.keys().next().copied() {
            step(&mut state, &system, Command::SettleEffect { effect, delivered: true, detail: String::new() }, now);
        } else {
            panic!("stuck at {:?}", state.status);
        }
    }
    step(&mut state, &applicant, Command::RateCase { score: 5, comment: String::new() }, now);
    n
}

fn lifecycles(c: &mut Criterion) {
    let calendar = Calendar::china_official();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let start = engine::calendar::china().with_ymd_and_hms(2026, 4, 20, 9, 0, 0).unwrap().with_timezone(&Utc);
    let mut group = c.benchmark_group("lifecycle");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let service = Service::from_yaml(&name, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let (form, materials) = (service.example_form(), all_materials(&service));
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
