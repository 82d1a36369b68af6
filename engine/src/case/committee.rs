//! Committee votes (n of m): a step decided by a committee. Each member votes once, or
//! stands aside (回避) from a case they are a party to; the applicant is never a voter on
//! their own case. A member who stands aside leaves the seat to a substitute (候补委员), so
//! a committee can always reach its quorum. When all `m` seats have voted, or when the chair
//! closes the vote, the tally is recorded and the definition's rule decides: a quorum of the
//! members present, then a share of those present in favour.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::Task;
use crate::definition::CommitteeStep;

/// A member's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ballot {
    /// 同意.
    Approve,
    /// 不同意.
    Reject,
    /// 弃权: present, counted in the quorum and in the whole the share is taken of.
    Abstain,
}

/// A vote in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Vote {
    /// The committee step.
    pub step: String,
    /// Ballots by member.
    pub ballots: BTreeMap<String, Ballot>,
    /// Members who stood aside, with their reason.
    pub recused: BTreeMap<String, String>,
}

/// A counted vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tally {
    /// The committee step.
    pub step: String,
    /// Members of the committee.
    pub members: u32,
    /// In favour.
    pub approve: u32,
    /// Against.
    pub reject: u32,
    /// Abstained.
    pub abstain: u32,
    /// Stood aside.
    pub recused: u32,
    /// Whether it passed.
    pub passed: bool,
}

/// The actions a committee task offers.
pub const APPROVE: &str = "approve";
/// 不同意.
pub const REJECT: &str = "reject";
/// 弃权.
pub const ABSTAIN: &str = "abstain";
/// 回避.
pub const RECUSE: &str = "recuse";
/// 结束表决, by the chair.
pub const CLOSE: &str = "close";

impl Tx<'_> {
    pub(super) fn open_vote(&mut self, id: &str, spec: &CommitteeStep) -> Result<(), EngineError> {
        let office = self.office_from(spec.office_field.as_deref());
        let warn = self.service.spec.sla.warn_at_percent;
        self.open(id, spec.role.clone(), office, spec.limit, warn)?;
        self.emit(Event::VoteOpened { step: id.to_owned() });
        Ok(())
    }

    /// A member's action on the committee's task: a ballot, standing aside, or (the chair)
    /// closing the vote.
    pub(super) fn vote(
        &mut self,
        task: &Task,
        spec: &CommitteeStep,
        action: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EngineError> {
        // The applicant is a party to their own case: refused here as everywhere. The
        // committee sits in its own office: a member of an office above it is not one.
        self.require_staff(&task.role, &task.office)?;
        if self.actor().office != task.office {
            return Err(EngineError::OutOfScope);
        }
        let reason = super::flow::text_output(data, "reason")?;
        let me = self.actor().user.clone();
        let Some(vote) = self.state.vote.clone() else { return Err(EngineError::MissingStep(task.step.clone())) };
        if action == CLOSE {
            self.require_staff(&spec.chair_role, &task.office)?;
            return self.count(task, spec, &vote);
        }
        if vote.ballots.contains_key(&me) || vote.recused.contains_key(&me) {
            return Err(EngineError::AlreadyVoted);
        }
        let seats = u32::try_from(vote.ballots.len()).unwrap_or(u32::MAX);
        if seats >= spec.members {
            return Err(EngineError::CommitteeFull(spec.members));
        }
        let ballot = match action {
            APPROVE => Ballot::Approve,
            REJECT => Ballot::Reject,
            ABSTAIN => Ballot::Abstain,
            RECUSE => {
                if reason.trim().is_empty() {
                    return Err(EngineError::TextRequired {
                        field: "data.reason",
                        what: "say why you stand aside",
                        words: "回避须写明理由",
                    });
                }
                self.emit(Event::MemberRecused { by: me, reason });
                return self.count_when_all_in(task, spec);
            }
            other => return Err(EngineError::UnknownAction(other.to_owned())),
        };
        self.emit(Event::VoteCast { by: me, ballot });
        self.count_when_all_in(task, spec)
    }

    fn count_when_all_in(&mut self, task: &Task, spec: &CommitteeStep) -> Result<(), EngineError> {
        let Some(vote) = self.state.vote.clone() else { return Ok(()) };
        let present = u32::try_from(vote.ballots.len()).unwrap_or(u32::MAX);
        if present >= spec.members {
            return self.count(task, spec, &vote);
        }
        Ok(())
    }

    fn count(&mut self, task: &Task, spec: &CommitteeStep, vote: &Vote) -> Result<(), EngineError> {
        let n = |b: Ballot| u32::try_from(vote.ballots.values().filter(|&&x| x == b).count()).unwrap_or(u32::MAX);
        let (approve, reject, abstain) = (n(Ballot::Approve), n(Ballot::Reject), n(Ballot::Abstain));
        let present = approve + reject + abstain;
        if !spec.quorum.met(present, spec.members) {
            return Err(EngineError::NoQuorum { present, members: spec.members });
        }
        let passed = spec.pass.met(approve, present);
        let recused = u32::try_from(vote.recused.len()).unwrap_or(u32::MAX);
        let tally = Tally { step: task.step.clone(), members: spec.members, approve, reject, abstain, recused, passed };
        self.emit(Event::VoteClosed { tally });
        let action = if passed { APPROVE } else { REJECT };
        self.emit(Event::TaskCompleted {
            task: task.id,
            step: task.step.clone(),
            action: action.to_owned(),
            data: serde_json::Map::new(),
            by: self.actor().user.clone(),
        });
        let next = if passed { &spec.approved } else { &spec.rejected };
        self.enter(next, 0)
    }
}
