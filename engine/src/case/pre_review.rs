//! 网上预审: before applying, an applicant may send a draft for the office to look at. The
//! office answers with one notice; no clock runs, not even the 5-day rule of 行政许可法
//! art. 32, since nothing has been received. The draft then becomes the application as it
//! stands, with whatever the applicant changed: nothing is typed twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::{MaterialRef, PRE_REVIEW_STEP, Status};

/// A draft's pre-review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreReview {
    /// When the draft was sent.
    pub asked_at: DateTime<Utc>,
    /// The office's notice, once answered.
    pub notice: Option<String>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
}

/// The one action of the pre-review task.
pub const ANSWER: &str = "answer";

impl Tx<'_> {
    /// The draft's task for the office.
    pub(super) fn open_pre_review(&mut self) -> Result<(), EngineError> {
        let rule = self.service.spec.pre_review.clone().ok_or(EngineError::NoPreReview)?;
        let role = rule.role.unwrap_or_else(|| self.service.spec.intake_role.clone());
        let (office, warn) = (self.state.office.clone(), self.service.spec.sla.warn_at_percent);
        self.open(PRE_REVIEW_STEP, role, office, Some(rule.limit), warn)?;
        Ok(())
    }

    pub(super) fn answer_pre_review(
        &mut self,
        id: u32,
        action: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EngineError> {
        let notice = super::flow::text_output(data, "notice")?;
        if action != ANSWER {
            return Err(EngineError::UnknownAction(action.to_owned()));
        }
        if notice.trim().is_empty() {
            return Err(EngineError::TextRequired {
                field: "data.notice",
                what: "the office answers a draft with one notice",
                words: "请填写预审意见（一次性告知）",
            });
        }
        let by = self.actor().user.clone();
        let step = PRE_REVIEW_STEP.to_owned();
        let data = serde_json::Map::new();
        self.emit(Event::TaskCompleted { task: id, step, action: action.to_owned(), data, by: by.clone() });
        self.emit(Event::PreReviewAnswered { notice: notice.trim().to_owned(), by, at: self.now() });
        Ok(())
    }

    pub(super) fn submit_draft(
        &mut self,
        form: Option<&serde_json::Value>,
        materials: &BTreeMap<String, MaterialRef>,
        more: &[String],
    ) -> Result<(), EngineError> {
        self.require_applicant()?;
        self.require_status("submitDraft", &[Status::PreReview])?;
        let form = form.cloned().unwrap_or_else(|| (*self.state.form).clone());
        // The draft's commitments stand; those given now are added to them.
        let mut commitments: Vec<String> = self.state.commitments.clone();
        commitments.extend(commitments_now(commitments.as_slice(), more));
        let (office, batch, commitments) = self.check_submission(&form, materials, &commitments)?;
        let open: Vec<u32> = self.state.tasks.keys().copied().collect();
        for task in open {
            self.emit(Event::TaskCancelled { task });
        }
        self.emit(Event::DraftSubmitted {
            office,
            form: Arc::new(form),
            materials: materials.clone(),
            commitments,
            batch,
            at: self.now(),
        });
        self.after_receipt()
    }
}

/// The commitments in `more` not already in `have`, in order, once each.
fn commitments_now(have: &[String], more: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in more {
        if !have.contains(c) && !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}
