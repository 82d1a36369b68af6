//! The notices the law requires in writing, as printable pages with the tracking number and
//! a QR code to the case's public status: 受理通知书, 一次性补正告知书, 不予受理决定书
//! (行政许可法 arts. 32, 38), 特别程序告知书 (art. 45), 延期告知书 (art. 42), 准予/不予许可决定书
//! (arts. 38, 39). Each is drawn from the case as the API gives it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::case::{Case, load};
use crate::http::App;
use crate::web::session::Visit;
use crate::web::{Chrome, base_url, day, qr, when};

#[derive(Template)]
#[template(path = "clerk/notice.html")]
struct NoticePage {
    c: Chrome,
    title: String,
    id: String,
    office: String,
    applicant: String,
    paragraphs: Vec<String>,
    items: Vec<String>,
    closing: Vec<String>,
    date: String,
    qr: String,
}

fn reason_in(case: &Case, prefix: &str) -> Option<String> {
    case.timeline
        .iter()
        .rev()
        .find(|e| e.what.starts_with(prefix))
        .and_then(|e| e.what.split("理由：").nth(1))
        .map(str::to_owned)
}

const REVIEW: &str = "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。";

/// `GET /work/cases/{id}/notices/{kind}`.
pub async fn notice(
    State(app): State<App>,
    mut visit: Visit,
    headers: HeaderMap,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    if visit.session.is_none() {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    }
    let (case, _guide) = match load(&app, &visit, &id).await {
        Ok(c) => c,
        Err(f) => return visit.refused(&f),
    };
    if !super::case::notices_of(&case).iter().any(|(k, _)| *k == kind) {
        return visit.problem(StatusCode::NOT_FOUND, "没有这份文书", "这个办件目前没有需要出具的这类文书。");
    }
    let received = case.received_at.as_deref().map(when).unwrap_or_default();
    let legal = case.clocks.legal.as_ref().and_then(|c| c.deadline.as_deref()).map(day).unwrap_or_default();
    let promised = case.clocks.promised.as_ref().and_then(|c| c.deadline.as_deref()).map(day).unwrap_or_default();
    let service = case.service_name.clone();
    let (title, paragraphs, items, closing, date): (&str, Vec<String>, Vec<String>, Vec<String>, Option<&str>) =
        match kind.as_str() {
            "acceptance" => (
                "受理通知书",
                vec![
                    format!(
                        "你（单位）于 {received} 提出的{service}申请，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。"
                    ),
                    format!("本机关将在 {legal} 前作出决定；本机关承诺在 {promised} 前办结。"),
                ],
                Vec::new(),
                vec!["可凭办件编号和查询码随时查询办理进度。".to_owned()],
                case.accepted_at.as_deref(),
            ),
            "correction" => {
                let last = case.corrections.last();
                (
                    "一次性补正告知书",
                    vec![format!(
                        "你（单位）于 {received} 提出的{service}申请，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条，现一次性告知需要补正的全部内容："
                    )],
                    last.map(|n| {
                        n.items
                            .iter()
                            .map(|i| match &i.material_name {
                                Some(m) => format!("{m}：{}", i.note),
                                None => i.note.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                    vec!["请在网上办件页面补正上述材料，无需到现场；已提交的材料无需重复提交。".to_owned()],
                    last.map(|n| n.at.as_str()),
                )
            }
            "refusal" => (
                "不予受理决定书",
                vec![format!("你（单位）于 {received} 提出的{service}申请，经审查，本机关决定不予受理。")],
                reason_in(&case, "办结").map(|r| vec![format!("理由：{r}")]).unwrap_or_default(),
                vec![REVIEW.to_owned()],
                case.concluded_at.as_deref(),
            ),
            "procedure" => (
                "特别程序告知书",
                vec![format!(
                    "你（单位）申请的{service}，需要依法进行下列程序。根据《中华人民共和国行政许可法》第四十五条，所需时间不计算在办理期限内："
                )],
                case.timeline
                    .iter()
                    .filter(|e| e.what.starts_with("暂停计时") || e.what.starts_with("恢复计时"))
                    .map(|e| format!("{}：{}", when(&e.at), e.what))
                    .collect(),
                vec!["程序结束后恢复计时，本机关将在法定期限内作出决定。".to_owned()],
                case.timeline.iter().rev().find(|e| e.what.starts_with("暂停计时")).map(|e| e.at.as_str()),
            ),
            "extension" => (
                "延期告知书",
                vec![format!(
                    "你（单位）申请的{service}，因情况复杂不能在法定期限内作出决定。根据《中华人民共和国行政许可法》第四十二条，经本机关负责人批准，延长期限如下："
                )],
                case.extensions.iter().map(|e| format!("延长 {} 个工作日，理由：{}", e.amount, e.reason)).collect(),
                vec![format!("延长后，本机关将在 {legal} 前作出决定。")],
                case.timeline.iter().rev().find(|e| e.what.starts_with("延期")).map(|e| e.at.as_str()),
            ),
            _ => {
                let approved = case.outcome.as_deref() == Some("APPROVED");
                (
                    if approved { "准予许可决定书" } else { "不予许可决定书" },
                    vec![if approved {
                        format!(
                            "你（单位）于 {received} 提出的{service}申请，经审查，符合法定条件、标准，本机关决定准予许可。"
                        )
                    } else {
                        format!(
                            "你（单位）于 {received} 提出的{service}申请，经审查，不符合法定条件、标准，本机关决定不予许可。"
                        )
                    }],
                    if approved {
                        case.certificates
                            .iter()
                            .map(|c| format!("电子证照编号：{}（{} 发证）", c.number, day(&c.issued_at)))
                            .collect()
                    } else {
                        reason_in(&case, "办结").map(|r| vec![format!("理由：{r}")]).unwrap_or_default()
                    },
                    if approved {
                        vec!["电子证照可在证照核验页面核验。".to_owned()]
                    } else {
                        vec![REVIEW.to_owned()]
                    },
                    case.concluded_at.as_deref(),
                )
            }
        };
    let link = format!("{}/status?no={}", base_url(visit.site(), &headers), case.id);
    let page = NoticePage {
        c: visit.chrome(title),
        title: title.to_owned(),
        qr: qr::svg(&link, "扫码查询办件进度"),
        date: date.map(day).unwrap_or_default(),
        id: case.id,
        office: case.office,
        applicant: case.applicant,
        paragraphs,
        items,
        closing,
    };
    visit.render(StatusCode::OK, &page)
}
