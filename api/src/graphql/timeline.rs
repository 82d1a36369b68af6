//! A case's history in the words a clerk reads (受理, 一次性告知补正：缺少章程, 暂停计时：听证),
//! built from its recorded events. Bookkeeping events (timers, clock ledgers, routing) are
//! left out: they are in the audit trail.

use std::collections::HashMap;

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use engine::Service;
use engine::case::Event;
use engine::case::state::{ClockRef, Outcome, PauseReason};
use engine::chain::Recorded;
use engine::definition::StepKind;

use super::case_parts::{material_name, rating_label, role_name};
use super::mask::mask_personal;

/// One line of the timeline.
#[derive(SimpleObject, Debug, Clone)]
pub struct TimelineEntry {
    /// The event's position in the case (its version once recorded).
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user id; `system` for the engine's own steps).
    pub actor: String,
    /// In which role, in Chinese (申请人, 窗口受理人员, 系统 ...).
    pub role: String,
    /// What, in Chinese.
    pub what: String,
}

fn names(service: &Service, codes: impl IntoIterator<Item = String>) -> String {
    codes.into_iter().map(|c| material_name(service, &c)).collect::<Vec<_>>().join("、")
}

fn procedure_name(service: &Service, reason: &PauseReason) -> (String, Option<String>) {
    match reason {
        PauseReason::Procedure(code) => {
            let p = service.spec.special_procedures.iter().find(|p| &p.code == code);
            (p.map_or_else(|| code.clone(), |p| p.name.clone()), p.and_then(|p| p.roles.first().cloned()))
        }
        PauseReason::Step(step) => (service.step_name(step).unwrap_or(step).to_owned(), None),
    }
}

fn action_label(service: &Service, step: &str, action: &str) -> String {
    let (actions, _) = service.task_actions(step);
    let label = actions.into_iter().find(|a| a.action == action).map(|a| a.label);
    match service.step(step).map(|s| &s.kind) {
        // A committee's task ends with the tally, not with anyone's ballot.
        Some(StepKind::Committee(_)) => {
            if action == engine::case::committee::APPROVE {
                "表决通过".into()
            } else {
                "表决未通过".into()
            }
        }
        _ => label.unwrap_or_else(|| action.to_owned()),
    }
}

fn outcome_words(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Approved => "准予",
        Outcome::Denied => "不予许可",
        Outcome::NotAccepted => "不予受理",
        Outcome::Withdrawn => "撤回申请",
        Outcome::Terminated => "终止",
    }
}

/// Whether an event would tell who voted how, or who objected: a committee votes by secret
/// ballot (无记名投票) and an objector's name is not the case's to show. Such events are
/// shown without their actor, and a ballot without its choice.
#[must_use]
pub fn is_secret(service: &Service, event: &Event) -> bool {
    match event {
        Event::VoteCast { .. } | Event::MemberRecused { .. } | Event::VoteClosed { .. } => true,
        Event::ObjectionLodged { .. } => true,
        Event::EffectRequested { effect } => matches!(
            &effect.spec,
            engine::definition::EffectSpec::Notify { to: engine::definition::Recipient::User(_), .. }
        ),
        Event::TaskCompleted { step, .. } => {
            matches!(service.step(step).map(|s| &s.kind), Some(StepKind::Committee(_)))
        }
        _ => false,
    }
}

/// `events` with what [`is_secret`] covers taken out: the actor of such an event, the
/// member and the ballot of a vote, the objector of an objection. The chain is verified on
/// the events as recorded, before this.
#[must_use]
pub fn without_secrets(service: &Service, events: &[Recorded]) -> Vec<Recorded> {
    events
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if is_secret(service, &r.event) {
                r.actor = String::new();
                match &mut r.event {
                    Event::VoteCast { by, ballot } => {
                        by.clear();
                        *ballot = engine::case::committee::Ballot::Abstain;
                    }
                    Event::MemberRecused { by, reason } => {
                        by.clear();
                        reason.clear();
                    }
                    Event::ObjectionLodged { objection } => objection.by.clear(),
                    Event::EffectRequested { effect } => {
                        if let engine::definition::EffectSpec::Notify {
                            to: engine::definition::Recipient::User(who),
                            ..
                        } = &mut effect.spec
                        {
                            who.clear();
                        }
                    }
                    Event::TaskCompleted { by, .. } => by.clear(),
                    _ => {}
                }
            }
            r
        })
        .collect()
}

/// The timeline of a case from its events; `masked` hides personal numbers (auditors).
#[must_use]
pub fn entries(service: &Service, events: &[Recorded], masked: bool) -> Vec<TimelineEntry> {
    let intake = role_name(service, &service.spec.intake_role);
    let mut task_roles: HashMap<u32, String> = HashMap::new();
    let mut out = Vec::new();
    let mut applicant = String::new();
    for r in events {
        let mut by_system = r.actor == engine::case::command::SYSTEM;
        let (role, what): (Option<String>, String) = match &r.event {
            Event::CaseSubmitted { applicant: who, .. } => {
                applicant.clone_from(who);
                (Some("申请人".into()), "提交申请".into())
            }
            Event::CorrectionRequested { deficiencies, round, .. } => {
                let items: Vec<String> = deficiencies
                    .iter()
                    .map(|d| match &d.material {
                        Some(m) => format!("缺少{}", material_name(service, m)),
                        None => d.note.clone(),
                    })
                    .collect();
                let head =
                    if *round > 1 { format!("第{round}次补正告知") } else { "一次性告知补正".to_owned() };
                (Some(intake.clone()), format!("{head}：{}", items.join("；")))
            }
            Event::MaterialsSupplied { materials } => {
                (Some("申请人".into()), format!("补正材料：{}", names(service, materials.keys().cloned())))
            }
            Event::DeferredSupplied { materials } => {
                (None, format!("容缺材料已补齐：{}", names(service, materials.iter().cloned())))
            }
            Event::CaseAccepted { deemed, deferred, .. } => {
                // Accepted in the applicant's own submission: 即办, by the system.
                let instant = r.actor == applicant;
                by_system |= instant;
                let mut what = if *deemed {
                    "受理（逾期未告知，视为受理）".to_owned()
                } else if instant {
                    "受理（提交即受理）".to_owned()
                } else {
                    "受理".to_owned()
                };
                if !deferred.is_empty() {
                    what.push_str(&format!("，容缺：{}", names(service, deferred.keys().cloned())));
                }
                (Some(intake.clone()), what)
            }
            Event::TaskOpened { task } => {
                task_roles.insert(task.id, role_name(service, &task.role));
                continue;
            }
            Event::TaskClaimed { task, .. } => (task_roles.get(task).cloned(), "签收".to_owned()),
            Event::TaskReleased { task, .. } => (task_roles.get(task).cloned(), "取消签收".to_owned()),
            Event::TaskCompleted { task, step, action, .. } => {
                let step_name = service.step_name(step).unwrap_or(step);
                (task_roles.get(task).cloned(), format!("{step_name}：{}", action_label(service, step, action)))
            }
            Event::TaskEscalated { task, to_role } => {
                let name = role_name(service, to_role);
                (None, format!("超时移交{name}（原{}）", task_roles.get(task).cloned().unwrap_or_default()))
            }
            Event::ClocksPaused { reason, notice, .. } => {
                let (name, role) = procedure_name(service, reason);
                let told = if notice.is_empty() { String::new() } else { format!("（告知：{notice}）") };
                (role.map(|r| role_name(service, &r)), format!("暂停计时：{name}{told}"))
            }
            Event::ClocksResumed { reason, .. } => {
                let (name, role) = procedure_name(service, reason);
                (role.map(|r| role_name(service, &r)), format!("恢复计时：{name}结束"))
            }
            Event::DeadlineExtended { extension } => {
                let unit = service.spec.limits.legal.unit;
                let limit = engine::Limit { amount: extension.amount, unit };
                let role = service.spec.extension.as_ref().map(|e| role_name(service, &e.role));
                (role, format!("延期{limit}：{}", extension.reason))
            }
            Event::LevelChanged { clock, level } => {
                let which = match clock {
                    ClockRef::Legal => "法定时限".to_owned(),
                    ClockRef::Promised => "承诺时限".to_owned(),
                    ClockRef::Task(_) => "环节时限".to_owned(),
                };
                let level: super::types::Level = (*level).into();
                if level == super::types::Level::Normal {
                    continue;
                }
                (None, format!("{which}{}", level.label()))
            }
            Event::ResultWithheld { missing, .. } => {
                (None, format!("已作出决定，待补交容缺材料：{}", names(service, missing.iter().cloned())))
            }
            Event::CaseConcluded { outcome, reason, deemed, .. } => {
                let mut what = format!("办结：{}", outcome_words(*outcome));
                if *deemed {
                    what.push_str("（视为准予）");
                }
                if !reason.trim().is_empty() {
                    what.push_str(&format!("，理由：{reason}"));
                }
                let role = match outcome {
                    Outcome::Withdrawn => Some("申请人".to_owned()),
                    Outcome::NotAccepted => Some(intake.clone()),
                    _ => None,
                };
                (role, what)
            }
            Event::VisitRecorded { visits, purpose, over_limit } => {
                let over = if *over_limit { "（超过承诺次数）" } else { "" };
                (None, format!("第{visits}次到现场：{purpose}{over}"))
            }
            Event::CaseRated { score, .. } => (Some("申请人".into()), format!("评价：{}", rating_label(*score))),
            Event::PreReviewAnswered { notice, .. } => {
                let role = service.spec.pre_review.as_ref().and_then(|p| p.role.as_deref());
                (
                    Some(role.map_or_else(|| intake.clone(), |r| role_name(service, r))),
                    format!("网上预审意见：{notice}"),
                )
            }
            Event::DraftSubmitted { .. } => (Some("申请人".into()), "预审后正式提交申请".into()),
            Event::CommitmentVerified { finding, .. } => {
                let what = if finding.trim().is_empty() { String::new() } else { format!("：{finding}") };
                (None, format!("告知承诺核查属实{what}"))
            }
            Event::ApprovalRevoked { reason, .. } => (None, format!("承诺不实，撤销许可：{reason}（已记入信用记录）")),
            Event::PublicityStarted { list, ends, .. } => {
                let last = engine::calendar::local_date(*ends - chrono::Duration::seconds(1));
                (None, format!("公示：{list}（至{}）", last.format("%Y年%m月%d日")))
            }
            Event::ObjectionLodged { objection } => (Some("公众".into()), format!("提出异议：{}", objection.text)),
            Event::ObjectionAnswered { objection, upheld, answer, .. } => {
                let verdict = if *upheld { "异议成立" } else { "异议不成立" };
                (task_roles.get(objection).cloned(), format!("答复异议：{verdict}，{answer}"))
            }
            Event::PublicityEnded { .. } => (None, "公示期满".into()),
            Event::VoteCast { .. } => (Some("评审委员".into()), "委员已表决（无记名）".into()),
            Event::MemberRecused { .. } => (Some("评审委员".into()), "委员回避".into()),
            Event::VoteClosed { tally } => {
                let verdict = if tally.passed { "通过" } else { "未通过" };
                let t = tally;
                let what = format!(
                    "表决结果：{verdict}（委员{}人，同意{}、不同意{}、弃权{}、回避{}）",
                    t.members, t.approve, t.reject, t.abstain, t.recused
                );
                (None, what)
            }
            Event::VisitBooked { booking } => {
                let at = booking.starts_at.with_timezone(&engine::calendar::china());
                (Some("申请人".into()), format!("预约到现场：{}", at.format("%Y年%m月%d日 %H:%M")))
            }
            Event::BookingCancelled { .. } => (None, "取消预约".into()),
            Event::NoShowRecorded { .. } => (None, "预约未到".into()),
            Event::EffectFailed { .. } => (None, "投递失败，已转人工处理".to_owned()),
            Event::EffectDelivered { .. }
            | Event::TaskCancelled { .. }
            | Event::StepPassed { .. }
            | Event::BranchJoined { .. }
            | Event::EffectRequested { .. }
            | Event::WaitingForEffects { .. }
            | Event::DeadlinesRecomputed { .. }
            | Event::ClocksUpdated { .. }
            | Event::TimerSet { .. }
            | Event::TimerCancelled { .. }
            | Event::TimerFired { .. }
            | Event::VoteOpened { .. } => continue,
        };
        let secret = is_secret(service, &r.event);
        let role =
            if by_system && !secret { "系统".to_owned() } else { role.unwrap_or_else(|| "工作人员".to_owned()) };
        let mut what = serde_json::Value::String(what);
        if masked {
            mask_personal(&mut what);
        }
        out.push(TimelineEntry {
            seq: r.sequence,
            at: r.at,
            actor: if secret { String::new() } else { r.actor.clone() },
            role,
            what: what.as_str().unwrap_or_default().to_owned(),
        });
    }
    out
}
