//! What an applicant sees: a status label in the words of the service, no personal data.

use super::commitment::VerificationState;
use super::state::{CaseState, Outcome, Status};
use crate::definition::Service;

/// The applicant-facing status of a case, e.g. `待确认` or `已认定` for teacher credentials.
#[must_use]
pub fn public_status(service: &Service, state: &CaseState) -> String {
    let label = |step: &str| service.step(step).map(|s| s.status_label.clone().unwrap_or_else(|| s.name.clone()));
    match state.status {
        Status::New => "未提交".to_owned(),
        Status::PreReview => match state.pre_review.as_ref().and_then(|p| p.notice.as_ref()) {
            Some(_) => "预审已答复，待正式申请".to_owned(),
            None => "网上预审中".to_owned(),
        },
        Status::Received => "待受理".to_owned(),
        Status::CorrectionRequested => "待补正".to_owned(),
        Status::Paused => "特别程序（暂停计时）".to_owned(),
        Status::AwaitingMaterials => "待补交容缺材料".to_owned(),
        Status::InProgress => {
            let publicity =
                state.publicity.as_ref().filter(|p| !p.ended || p.objections.iter().any(|o| o.answer.is_none()));
            let open = publicity
                .map(|p| p.step.clone())
                .or_else(|| state.tasks.values().next().map(|t| t.step.clone()))
                .or_else(|| state.waiting_at.clone());
            open.and_then(|s| label(&s)).unwrap_or_else(|| "办理中".to_owned())
        }
        Status::Concluded if state.verification.as_ref().is_some_and(|v| v.state == VerificationState::Revoked) => {
            "已撤销许可（承诺不实）".to_owned()
        }
        Status::Concluded => match (state.outcome, state.end_step.as_deref().and_then(label)) {
            (Some(Outcome::Approved), _) if state.deemed && state.end_step.is_none() => "视为准予".to_owned(),
            (_, Some(l)) => l,
            (Some(Outcome::NotAccepted), None) => "不予受理".to_owned(),
            (Some(Outcome::Withdrawn), None) => "已撤回".to_owned(),
            _ => "已办结".to_owned(),
        },
    }
}
