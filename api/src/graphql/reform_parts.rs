//! The parts of a case view the reforms add: commitments and their verification, the
//! public notice with its objections, committee votes, the booked visit and the draft's
//! pre-review.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use engine::Service;
use engine::case::Actor;
use engine::case::booking::Booking;
use engine::case::commitment::Verification;
use engine::case::committee::Tally;
use engine::case::publicity::Publicity;
use engine::case::state::CaseState;
use engine::definition::StepKind;

/// A material replaced by a signed commitment.
#[derive(SimpleObject)]
pub struct CommitmentView {
    /// Material code.
    pub code: String,
    /// Material name.
    pub name: String,
    /// The commitment signed, as the definition words it.
    pub text: String,
}

pub(super) fn commitments(service: &Service, state: &CaseState) -> Vec<CommitmentView> {
    state
        .commitments
        .iter()
        .filter_map(|code| {
            let m = service.spec.materials.iter().find(|m| &m.code == code)?;
            Some(CommitmentView { code: code.clone(), name: m.name.clone(), text: m.commitment.clone()? })
        })
        .collect()
}

/// Where a verification stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "engine::case::commitment::VerificationState")]
pub enum VerificationStatus {
    /// 核查中.
    Pending,
    /// 核查属实.
    Verified,
    /// 承诺不实，已撤销许可.
    Revoked,
}

/// The verification of an approval on commitment.
#[derive(SimpleObject)]
pub struct VerificationView {
    /// Where it stands.
    pub status: VerificationStatus,
    /// What it found (why the approval was revoked).
    pub finding: String,
    /// When it was done.
    pub at: Option<DateTime<Utc>>,
}

impl VerificationView {
    pub(super) fn new(v: &Verification, text: impl Fn(&str) -> String) -> Self {
        Self { status: v.state.into(), finding: text(&v.finding), at: v.at }
    }
}

/// An objection, as the office and the applicant read it (who objected is not shown).
#[derive(SimpleObject)]
pub struct ObjectionView {
    /// Its task's id (answer it with `completeTask`).
    pub id: u32,
    /// What was objected.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The answer, once given.
    pub answer: Option<String>,
    /// Whether it was upheld, once answered.
    pub upheld: Option<bool>,
}

/// A case's public notice.
#[derive(SimpleObject)]
pub struct PublicityView {
    /// Title of the list.
    pub list: String,
    /// Published.
    pub starts_at: DateTime<Utc>,
    /// The period's end.
    pub ends_at: DateTime<Utc>,
    /// Its last day, `YYYY-MM-DD`.
    pub last_day: String,
    /// Whether the period has ended.
    pub ended: bool,
    /// Objections, in order.
    pub objections: Vec<ObjectionView>,
}

impl PublicityView {
    pub(super) fn new(p: &Publicity, text: impl Fn(&str) -> String) -> Self {
        Self {
            list: p.list.clone(),
            starts_at: p.starts,
            ends_at: p.ends,
            last_day: super::reforms::last_day(p.ends),
            ended: p.ended,
            objections: p
                .objections
                .iter()
                .map(|o| ObjectionView {
                    id: o.id,
                    text: text(&o.text),
                    at: o.at,
                    answer: o.answer.as_deref().map(&text),
                    upheld: o.upheld,
                })
                .collect(),
        }
    }
}

/// A vote in progress.
#[derive(SimpleObject)]
pub struct VoteView {
    /// The committee's step.
    pub step_name: String,
    /// Members of the committee.
    pub members: u32,
    /// Members who have voted.
    pub voted: u32,
    /// Members who stood aside.
    pub recused: u32,
    /// Whether the caller has voted or stood aside.
    pub mine_done: bool,
}

pub(super) fn vote(service: &Service, state: &CaseState, actor: Option<&Actor>) -> Option<VoteView> {
    let v = state.vote.as_ref()?;
    let Some(StepKind::Committee(c)) = service.step(&v.step).map(|s| &s.kind) else { return None };
    let me = actor.map(|a| a.user.as_str()).unwrap_or_default();
    Some(VoteView {
        step_name: service.step_name(&v.step).unwrap_or(&v.step).to_owned(),
        members: c.members,
        voted: u32::try_from(v.ballots.len()).unwrap_or(u32::MAX),
        recused: u32::try_from(v.recused.len()).unwrap_or(u32::MAX),
        mine_done: v.ballots.contains_key(me) || v.recused.contains_key(me),
    })
}

/// A counted vote.
#[derive(SimpleObject)]
pub struct TallyView {
    /// The committee's step.
    pub step_name: String,
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

impl TallyView {
    pub(super) fn new(service: &Service, t: &Tally) -> Self {
        Self {
            step_name: service.step_name(&t.step).unwrap_or(&t.step).to_owned(),
            members: t.members,
            approve: t.approve,
            reject: t.reject,
            abstain: t.abstain,
            recused: t.recused,
            passed: t.passed,
        }
    }
}

/// The visit booked.
#[derive(SimpleObject)]
pub struct BookingView {
    /// The slot.
    pub slot_id: String,
    /// The office that receives the visit.
    pub office: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
}

impl From<&Booking> for BookingView {
    fn from(b: &Booking) -> Self {
        Self { slot_id: b.slot.clone(), office: b.office.clone(), starts_at: b.starts_at, ends_at: b.ends_at }
    }
}

/// A draft's pre-review.
#[derive(SimpleObject)]
pub struct PreReviewView {
    /// When the draft was sent.
    pub asked_at: DateTime<Utc>,
    /// The office's notice, once answered.
    pub notice: Option<String>,
    /// When answered.
    pub answered_at: Option<DateTime<Utc>>,
}
