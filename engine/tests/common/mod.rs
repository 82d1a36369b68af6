//! Shared helpers for the engine's tests: shipped services, the official calendar, actors,
//! instants in China time, and a small driver that decides and applies commands.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use engine::case::{Actor, CaseState, Command, Context, EngineError, Event, decide, evolve};
use engine::{Calendar, Service};

pub static CALENDAR: LazyLock<Calendar> = LazyLock::new(Calendar::china_official);

pub fn services_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services")
}

pub fn service(file: &str) -> Service {
    let path = services_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    Service::from_yaml(file, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// An instant given in China time.
pub fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    engine::calendar::china().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The end of a day in China time (= 00:00 of the next day), the way deadlines are given.
pub fn end_of(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    engine::calendar::start_of(date(y, m, d).succ_opt().unwrap())
}

pub fn staff(user: &str, role: &str, office: &str) -> Actor {
    Actor::staff(user, role, office)
}

/// A case under test: its service, its state, and every event so far.
pub struct Case {
    pub service: Service,
    pub state: CaseState,
    pub events: Vec<Event>,
    pub now: DateTime<Utc>,
}

impl Case {
    pub fn new(service: Service, now: DateTime<Utc>) -> Self {
        Self { service, state: CaseState::default(), events: Vec::new(), now }
    }

    pub fn at(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.now = now;
        self
    }

    /// Decides and applies; returns the new events.
    pub fn run(&mut self, actor: &Actor, command: Command) -> Result<Vec<Event>, EngineError> {
        let ctx = Context { now: self.now, calendar: &CALENDAR, actor };
        let events = decide(&self.service, &self.state, &command, &ctx)?;
        for e in &events {
            evolve(&mut self.state, e);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    pub fn ok(&mut self, actor: &Actor, command: Command) -> Vec<Event> {
        self.run(actor, command).unwrap_or_else(|e| panic!("refused: {e}"))
    }

    /// The open task at a step.
    pub fn task(&self, step: &str) -> u32 {
        self.state
            .tasks
            .values()
            .find(|t| t.step == step)
            .unwrap_or_else(|| panic!("no open task at {step}: {:?}", self.state.tasks))
            .id
    }

    pub fn complete(&mut self, actor: &Actor, step: &str, action: &str) -> Vec<Event> {
        let task = self.task(step);
        self.ok(actor, Command::CompleteTask { task, action: action.into(), data: serde_json::Map::new() })
    }

    /// Fires every timer due at or before `now`, in due order.
    pub fn fire_due(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        loop {
            let due = self.state.timers.values().filter(|t| t.due <= self.now).min_by_key(|t| t.due).map(|t| t.id);
            let Some(timer) = due else { return out };
            out.extend(self.ok(&Actor::system(), Command::FireTimer { timer }));
        }
    }

    /// Settles every pending effect as delivered.
    pub fn deliver_all(&mut self) {
        while let Some(effect) = self.state.effects.keys().next().copied() {
            self.ok(&Actor::system(), Command::SettleEffect { effect, delivered: true, detail: "ok".into() });
        }
    }
}

pub fn material(name: &str) -> engine::case::state::MaterialRef {
    engine::case::state::MaterialRef { sha256: format!("{:0>64}", name.len()), file_name: format!("{name}.pdf") }
}

pub fn materials(codes: &[&str]) -> std::collections::BTreeMap<String, engine::case::state::MaterialRef> {
    codes.iter().map(|c| ((*c).to_owned(), material(c))).collect()
}

/// The day the all-services tests submit on: Monday 2026-04-20, or, for a batch service
/// whose first window does not hold that day, the first working day of that window in
/// 2026 (a batch service refuses applications outside its windows).
pub fn submission_day(service: &Service) -> NaiveDate {
    let monday = date(2026, 4, 20);
    let Some(first) = service.spec.batches.first() else { return monday };
    let window = std::slice::from_ref(first);
    if engine::case::batch::window_for(window, monday).is_ok() {
        return monday;
    }
    let (m, d) = engine::case::batch::parse_month_day(&first.opens).unwrap();
    let day = CALENDAR.working_day_on_or_after(date(2026, m, d)).unwrap();
    assert!(
        engine::case::batch::window_for(window, day).is_ok(),
        "{}: {day} is inside {}",
        service.spec.code,
        first.name
    );
    day
}

/// 09:00 China time on `day`.
pub fn nine_on(day: NaiveDate) -> DateTime<Utc> {
    engine::calendar::start_of(day) + chrono::Duration::hours(9)
}
