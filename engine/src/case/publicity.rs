//! 公示: a step that puts the case on a public list for a period. Anyone who signs in may
//! lodge an objection (异议) while the period runs; each objection opens a task for the
//! step's role, and the case goes on only when the period has ended and every objection is
//! answered: to the step's `on_upheld` when one was upheld, else to `next`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::{Status, Timer, TimerKind};
use crate::definition::{PublicityStep, StepKind};

/// A list being published, or the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Publicity {
    /// The publicity step.
    pub step: String,
    /// Title of the list.
    pub list: String,
    /// When it was published.
    pub starts: DateTime<Utc>,
    /// When the period ends.
    pub ends: DateTime<Utc>,
    /// Whether the period has ended.
    pub ended: bool,
    /// Objections lodged, in order.
    pub objections: Vec<Objection>,
}

impl Publicity {
    /// Whether the list is up now: published and its period not over.
    #[must_use]
    pub fn running(&self, now: DateTime<Utc>) -> bool {
        !self.ended && now < self.ends
    }
}

/// An objection (异议).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Objection {
    /// The id of the task that answers it.
    pub id: u32,
    /// What is objected to.
    pub text: String,
    /// Who lodged it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The answer, once given.
    pub answer: Option<String>,
    /// Whether it was upheld, once answered.
    pub upheld: Option<bool>,
}

/// The longest objection taken, in characters.
pub const MAX_OBJECTION: usize = 2000;

/// The action that finds an objection unfounded.
pub const DISMISS: &str = "dismiss";
/// The action that upholds it.
pub const UPHOLD: &str = "uphold";

impl Tx<'_> {
    pub(super) fn start_publicity(&mut self, id: &str, spec: &PublicityStep) -> Result<(), EngineError> {
        let ends = self.due_after(spec.period, self.now())?;
        self.emit(Event::PublicityStarted { step: id.to_owned(), list: spec.list.clone(), starts: self.now(), ends });
        let timer = self.state.next_id;
        let kind = TimerKind::PublicityEnds { step: id.to_owned() };
        self.emit(Event::TimerSet { timer: Timer { id: timer, due: ends, kind } });
        Ok(())
    }

    pub(super) fn lodge_objection(&mut self, text: &str, from: &str) -> Result<(), EngineError> {
        if self.actor().is_system() {
            return Err(EngineError::NotSystem);
        }
        if self.actor().user == self.state.applicant {
            return Err(EngineError::OwnObjection);
        }
        let running =
            self.state.publicity.as_ref().is_some_and(|p| p.running(self.now()) && (from.is_empty() || p.step == from));
        // A special procedure's pause does not take the list down: objections still come.
        if !matches!(self.state.status, Status::InProgress | Status::Paused) || !running {
            return Err(EngineError::PublicityClosed);
        }
        if text.trim().is_empty() {
            return Err(EngineError::TextRequired {
                field: "text",
                what: "say what you object to",
                words: "请写明异议的内容和理由",
            });
        }
        if text.chars().count() > MAX_OBJECTION {
            return Err(EngineError::BadData {
                field: "text".into(),
                message: format!("at most {MAX_OBJECTION} characters"),
            });
        }
        let Some(step) = self.state.publicity.as_ref().map(|p| p.step.clone()) else {
            return Err(EngineError::PublicityClosed);
        };
        let Some(StepKind::Publicity(spec)) = self.service.step(&step).map(|s| &s.kind) else {
            return Err(EngineError::MissingStep(step));
        };
        let office = self.office_from(spec.office_field.as_deref());
        let warn = self.service.spec.sla.warn_at_percent;
        let id = self.open(&step, spec.role.clone(), office, None, warn)?;
        let objection = Objection {
            id,
            text: text.trim().to_owned(),
            by: self.actor().user.clone(),
            at: self.now(),
            answer: None,
            upheld: None,
        };
        self.emit(Event::ObjectionLodged { objection });
        Ok(())
    }

    /// Answers the objection of task `id`: `dismiss` or `uphold`, with `answer` (required).
    pub(super) fn answer_objection(
        &mut self,
        id: u32,
        step: &str,
        action: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EngineError> {
        let answer = super::flow::text_output(data, "answer")?;
        if ![DISMISS, UPHOLD].contains(&action) {
            return Err(EngineError::UnknownAction(action.to_owned()));
        }
        if answer.trim().is_empty() {
            return Err(EngineError::TextRequired {
                field: "data.answer",
                what: "the answer is told to whoever objected and kept on the case",
                words: "请填写答复内容，答复将通知提出异议的人",
            });
        }
        let by = self.actor().user.clone();
        let (task, step, action) = (id, step.to_owned(), action.to_owned());
        let upheld = action == UPHOLD;
        let p = self.state.publicity.as_ref();
        let told = p.and_then(|p| p.objections.iter().find(|o| o.id == id).map(|o| (o.by.clone(), p.list.clone())));
        self.emit(Event::TaskCompleted { task, step, action, data: serde_json::Map::new(), by: by.clone() });
        self.emit(Event::ObjectionAnswered { objection: id, upheld, answer: answer.clone(), by });
        if let Some((who, list)) = told {
            // Whoever objected is told the answer, and only them.
            let verdict = if upheld { "异议成立" } else { "异议不成立" };
            let words = format!("您对“{list}”提出的异议已答复：{verdict}。{answer}");
            self.notify(crate::definition::Recipient::User(who), words);
        }
        self.publicity_may_end()
    }

    /// The period's end (its timer).
    pub(super) fn end_publicity(&mut self, step: &str) -> Result<(), EngineError> {
        if self.state.publicity.as_ref().is_none_or(|p| p.step != step || p.ended) {
            return Ok(());
        }
        self.emit(Event::PublicityEnded { step: step.to_owned() });
        self.publicity_may_end()
    }

    /// Goes on once the period is over and no objection waits for an answer.
    fn publicity_may_end(&mut self) -> Result<(), EngineError> {
        let Some(p) = self.state.publicity.clone() else { return Ok(()) };
        if !p.ended || p.objections.iter().any(|o| o.answer.is_none()) {
            return Ok(());
        }
        let Some(StepKind::Publicity(spec)) = self.service.step(&p.step).map(|s| &s.kind) else {
            return Err(EngineError::MissingStep(p.step));
        };
        let upheld = p.objections.iter().any(|o| o.upheld == Some(true));
        let next = if upheld { spec.on_upheld.clone() } else { spec.next.clone() };
        self.emit(Event::StepPassed { step: p.step.clone(), next: next.clone() });
        self.enter(&next, 0)
    }
}
