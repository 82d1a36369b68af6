//! What the reforms add to a case page, for the applicant and the clerk alike: the
//! commitments signed and their verification (告知承诺), the public notice and its
//! objections (公示), the committee's vote (never how anyone voted), the visit booked
//! (预约), the office's answer to a draft (网上预审).

use serde::Deserialize;

/// The GraphQL fields a case page asks for these parts.
pub const FIELDS: &str = "commitments { name text } verification { status finding at } \
    publicity { list lastDay ended objections { id text at answer upheld } } \
    vote { stepName members voted recused mineDone } \
    tallies { stepName members approve reject abstain recused passed } \
    booking { slotId startsAt endsAt } noShows preReview { askedAt notice answeredAt }";

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Commitment {
    name: String,
    text: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Verification {
    status: String,
    finding: String,
    at: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Objection {
    id: u32,
    text: String,
    at: String,
    answer: Option<String>,
    upheld: Option<bool>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Publicity {
    list: String,
    last_day: String,
    ended: bool,
    objections: Vec<Objection>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Vote {
    step_name: String,
    members: u32,
    voted: u32,
    recused: u32,
    mine_done: bool,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Tally {
    step_name: String,
    members: u32,
    approve: u32,
    reject: u32,
    abstain: u32,
    recused: u32,
    passed: bool,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Booking {
    starts_at: String,
    ends_at: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct PreReview {
    asked_at: String,
    notice: Option<String>,
    answered_at: Option<String>,
}

/// The reform parts of a case as GraphQL gives them (flattened into a page's case).
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CaseReforms {
    commitments: Vec<Commitment>,
    verification: Option<Verification>,
    publicity: Option<Publicity>,
    vote: Option<Vote>,
    tallies: Vec<Tally>,
    booking: Option<Booking>,
    no_shows: u32,
    pre_review: Option<PreReview>,
}

/// One block of the section: a heading and its lines.
pub struct Block {
    /// Heading.
    pub title: &'static str,
    /// Lines, each a sentence.
    pub lines: Vec<String>,
}

impl CaseReforms {
    /// The objection a task answers (its id is the task's), as its card says it.
    #[must_use]
    pub fn objection(&self, task: u32) -> Option<String> {
        let p = self.publicity.as_ref()?;
        let o = p.objections.iter().find(|o| o.id == task)?;
        Some(format!("{} 收到的异议：{}", super::when(&o.at), o.text))
    }

    /// Whether a visit is booked.
    #[must_use]
    pub fn booked(&self) -> Option<String> {
        self.booking.as_ref().map(|b| slot_words(&b.starts_at, &b.ends_at))
    }

    /// Whether the case is a draft the office has answered.
    #[must_use]
    pub fn pre_review_answered(&self) -> bool {
        self.pre_review.as_ref().is_some_and(|p| p.notice.is_some())
    }

    /// The section's blocks, in the order a reader needs them.
    #[must_use]
    pub fn blocks(&self) -> Vec<Block> {
        let mut out = Vec::new();
        if let Some(p) = &self.pre_review {
            let mut lines = vec![format!("{} 提交预审", super::when(&p.asked_at))];
            match (&p.notice, &p.answered_at) {
                (Some(n), Some(at)) => lines.push(format!("{} 答复：{n}", super::when(at))),
                _ => lines.push("等待办理机关答复；预审不计入办理时限。".into()),
            }
            out.push(Block { title: "网上预审", lines });
        }
        if !self.commitments.is_empty() {
            let mut lines: Vec<String> =
                self.commitments.iter().map(|c| format!("{}：已签署承诺——{}", c.name, c.text)).collect();
            if let Some(v) = &self.verification {
                let at = v.at.as_deref().map(super::when).unwrap_or_default();
                lines.push(match v.status.as_str() {
                    "VERIFIED" => format!("核查结果（{at}）：承诺属实。{}", v.finding),
                    "REVOKED" => format!("核查结果（{at}）：承诺不实，已撤销许可并记入信用记录。理由：{}", v.finding),
                    _ => "核查中：办理机关在时限内核查承诺内容。".into(),
                });
            }
            out.push(Block { title: "告知承诺", lines });
        }
        if let Some(p) = &self.publicity {
            let mut lines = vec![if p.ended {
                format!("{}：已于 {} 期满", p.list, super::date_words(&p.last_day))
            } else {
                format!("{}：公示至 {}", p.list, super::date_words(&p.last_day))
            }];
            if p.objections.is_empty() {
                lines.push("公示期内没有收到异议。".into());
            }
            for o in &p.objections {
                let answer = match (&o.answer, o.upheld) {
                    (Some(a), Some(true)) => format!("答复：异议成立。{a}"),
                    (Some(a), _) => format!("答复：异议不成立。{a}"),
                    _ => "待答复".into(),
                };
                lines.push(format!("{} 收到异议：{}（{answer}）", super::when(&o.at), o.text));
            }
            out.push(Block { title: "公示", lines });
        }
        if self.vote.is_some() || !self.tallies.is_empty() {
            let mut lines = Vec::new();
            for t in &self.tallies {
                let verdict = if t.passed { "通过" } else { "未通过" };
                lines.push(format!(
                    "{}：{verdict}（委员 {} 人，同意 {}、不同意 {}、弃权 {}、回避 {}）",
                    t.step_name, t.members, t.approve, t.reject, t.abstain, t.recused
                ));
            }
            if let Some(v) = &self.vote {
                let mine = if v.mine_done { "您已表决或回避。" } else { "" };
                lines.push(format!(
                    "{}：表决中，委员 {} 人，已表决 {} 人，回避 {} 人。{mine}",
                    v.step_name, v.members, v.voted, v.recused
                ));
            }
            out.push(Block { title: "表决", lines });
        }
        if self.booking.is_some() || self.no_shows > 0 {
            let mut lines = Vec::new();
            if let Some(b) = self.booked() {
                lines.push(format!("已预约：{b}"));
            }
            if self.no_shows > 0 {
                lines.push(format!("预约未到 {} 次（不计入到现场次数）。", self.no_shows));
            }
            out.push(Block { title: "预约", lines });
        }
        out
    }
}

/// A slot in words: 2026年12月2日 09:00–10:00.
#[must_use]
pub fn slot_words(starts: &str, ends: &str) -> String {
    let end = super::china(ends).map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
    format!("{}–{end}", super::when(starts))
}
