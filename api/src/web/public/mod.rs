//! Pages for everyone, without signing in: the services, each one's 办事指南, the status
//! of a case by tracking number and query code, the check of an e-licence.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::Chrome;
use super::client::Failure;
use super::diagram::{self, Mark, Node};
use super::session::{self, Visit};
use crate::http::App;

pub mod notices;

#[derive(Template)]
#[template(path = "public/home.html")]
struct Home {
    c: Chrome,
}

/// `GET /`.
pub async fn home(mut visit: Visit) -> Response {
    let page = Home { c: visit.chrome("教育政务服务") };
    visit.render(StatusCode::OK, &page)
}

/// `GET /text-size?size=large|normal&back=…`: the large-text mode (适老化), kept in a plain
/// cookie for a year.
pub async fn text_size(visit: Visit, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let large = q.get("size").map(String::as_str) == Some("large");
    let back = session::local(q.get("back").map_or("/", String::as_str));
    let cookie = if large {
        format!("{}=large; Path=/; Max-Age=31536000; SameSite=Lax", session::TEXT)
    } else {
        format!("{}=; Path=/; Max-Age=0; SameSite=Lax", session::TEXT)
    };
    let mut response = visit.redirect(&back);
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Limit {
    text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceItem {
    code: String,
    name: String,
    category: String,
    online_level: String,
    max_visits: u32,
    legal_limit: Limit,
    promised_limit: Limit,
}

/// A service in a list.
pub struct ServiceLine {
    code: String,
    name: String,
    online: &'static str,
    visits: String,
    legal: String,
    promised: String,
}

/// The services of one category.
pub struct Group {
    name: String,
    services: Vec<ServiceLine>,
}

#[derive(Template)]
#[template(path = "public/services.html")]
struct Services {
    c: Chrome,
    q: String,
    groups: Vec<Group>,
    count: usize,
}

/// 网办深度 in words.
fn online(level: &str) -> &'static str {
    match level {
        "FULLY_ONLINE" => "全程网办",
        "AT_MOST_ONE_VISIT" => "最多跑一次",
        _ => "需到现场办理",
    }
}

fn visits(n: u32) -> String {
    if n == 0 { "零跑动".to_owned() } else { format!("最多跑 {n} 次") }
}

/// `GET /services?q=…`: every service, grouped by category, with search.
pub async fn services(
    State(app): State<App>,
    mut visit: Visit,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let q = q.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    #[derive(Deserialize)]
    struct Data {
        services: Vec<ServiceItem>,
    }
    const DOC: &str = "query($q: String) { services(search: $q) { code name category onlineLevel maxVisits \
                       legalLimit { text } promisedLimit { text } } }";
    let search = if q.is_empty() { serde_json::Value::Null } else { json!(q) };
    let data: Data = match app.client().run(None, DOC, json!({ "q": search })).await {
        Ok(d) => d,
        Err(f) => return visit.refused(&f),
    };
    let count = data.services.len();
    let mut groups: Vec<Group> = Vec::new();
    for s in data.services {
        let category = if s.category.is_empty() { "其他".to_owned() } else { s.category.clone() };
        let line = ServiceLine {
            online: online(&s.online_level),
            visits: visits(s.max_visits),
            legal: s.legal_limit.text,
            promised: s.promised_limit.text,
            code: s.code,
            name: s.name,
        };
        match groups.iter_mut().find(|g| g.name == category) {
            Some(g) => g.services.push(line),
            None => groups.push(Group { name: category, services: vec![line] }),
        }
    }
    let page = Services { c: visit.chrome("办事指南"), q, groups, count };
    visit.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fee {
    name: String,
    amount: String,
    basis: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Batch {
    name: String,
    opens: String,
    closes: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Material {
    name: String,
    required: bool,
    required_when: Option<String>,
    any_of: Vec<Vec<Document>>,
    deferrable_within: Option<Limit>,
    reusable_from: Option<String>,
    commitment: Option<String>,
    accepted_types: Vec<String>,
    max_bytes: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Duty {
    role_name: String,
    limit: Limit,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BookingRule {
    purpose: String,
    role_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicityRule {
    list: String,
    period: Limit,
    shown: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitteeRule {
    members: u32,
    quorum: String,
    pass: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    id: String,
    name: String,
    kind: String,
    role_name: Option<String>,
    limit: Option<Limit>,
    special_procedure: bool,
    merges: Vec<Named>,
    next: Vec<String>,
    publicity: Option<PublicityRule>,
    committee: Option<CommitteeRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Guide {
    code: String,
    name: String,
    category: String,
    legal_basis: Vec<String>,
    online_level: String,
    max_visits: u32,
    fees: Vec<Fee>,
    legal_limit: Limit,
    promised_limit: Limit,
    extension_limit: Option<Limit>,
    clock_anchor: String,
    batches: Vec<Batch>,
    materials: Vec<Material>,
    steps: Vec<Step>,
    special_procedures: Vec<Named>,
    commitment_verification: Option<Duty>,
    pre_review: Option<Duty>,
    booking: Option<BookingRule>,
    pause_counting: String,
}

const GUIDE: &str = "query($code: String!) { service(code: $code) { code name category legalBasis onlineLevel \
    maxVisits fees { name amount basis } legalLimit { text } promisedLimit { text } extensionLimit { text } \
    clockAnchor batches { name opens closes } materials { name required requiredWhen anyOf { name } \
    deferrableWithin { text } reusableFrom commitment acceptedTypes maxBytes } steps { id name kind roleName \
    limit { text } specialProcedure merges { name } next publicity { list period { text } shown } \
    committee { members quorum pass } } specialProcedures { name } \
    commitmentVerification { roleName limit { text } } preReview { roleName limit { text } } \
    booking { purpose roleName } pauseCounting } }";

/// A material as the guide lists it.
pub struct MaterialLine {
    name: String,
    when: String,
    alternatives: Vec<String>,
    deferrable: Option<String>,
    reuse: Option<String>,
    commitment: Option<String>,
    files: String,
}

/// A step as the guide lists it.
pub struct StepLine {
    name: String,
    who: String,
    limit: String,
    note: String,
}

#[derive(Template)]
#[template(path = "public/guide.html")]
struct GuidePage {
    c: Chrome,
    code: String,
    name: String,
    category: String,
    online: &'static str,
    visits: String,
    legal: String,
    promised: String,
    extension: Option<String>,
    anchor: &'static str,
    batches: Vec<String>,
    fees: Vec<String>,
    basis: Vec<String>,
    materials: Vec<MaterialLine>,
    steps: Vec<StepLine>,
    diagram: String,
    procedures: Vec<String>,
    /// How a procedure's time is left out, in words.
    counting: &'static str,
    /// The reforms this service offers, each a sentence.
    reforms: Vec<String>,
}

/// When a material is required, in words: 必须提交, 按需提交, or the condition's own words.
#[must_use]
pub fn when_required(condition: Option<&str>, required: bool) -> String {
    match (condition, required) {
        (Some(w), _) => format!("{w}时提交"),
        (None, true) => "必须提交".to_owned(),
        (None, false) => "按需提交".to_owned(),
    }
}

/// Accepted file types in words: PDF、JPEG，每个不超过 20 MB.
pub fn files_text(types: &[String], max_bytes: u64) -> String {
    let names: Vec<&str> = types
        .iter()
        .map(|t| match t.as_str() {
            "application/pdf" => "PDF",
            "image/jpeg" => "JPEG",
            "image/png" => "PNG",
            "application/ofd" => "OFD",
            other => other,
        })
        .collect();
    format!("{}，每个不超过 {} MB", names.join("、"), max_bytes / (1024 * 1024))
}

/// `GET /services/{code}`: the 办事指南.
pub async fn guide(State(app): State<App>, mut visit: Visit, Path(code): Path<String>) -> Response {
    #[derive(Deserialize)]
    struct Data {
        service: Guide,
    }
    let g = match app.client().run::<Data>(None, GUIDE, json!({ "code": code })).await {
        Ok(d) => d.service,
        Err(f) => return visit.refused(&f),
    };
    let shown: Vec<&Step> = g.steps.iter().filter(|s| s.kind != "JOIN").collect();
    let nodes: Vec<Node<'_>> = g.steps.iter().map(|s| Node { id: &s.id, name: &s.name, next: &s.next }).collect();
    let diagram = diagram::process_svg(&nodes, |_| Mark::Plain, &format!("{}办理流程图", g.name));
    let steps = shown
        .iter()
        .map(|s| {
            let mut notes = Vec::new();
            if !s.merges.is_empty() {
                let merged: Vec<&str> = s.merges.iter().map(|m| m.name.as_str()).collect();
                notes.push(format!("合并了原“{}”环节", merged.join("”“")));
            }
            if s.special_procedure {
                notes.push("特别程序，所需时间不计入办理时限".to_owned());
            }
            if let Some(p) = &s.publicity {
                notes.push(format!(
                    "在“{}”中公示{}，公示内容：{}；公示期内可提出异议",
                    p.list,
                    p.period.text,
                    p.shown.join("、")
                ));
            }
            if let Some(c) = &s.committee {
                notes.push(format!(
                    "委员会 {} 人表决，{}，{}；与申请人有利害关系的委员回避",
                    c.members, c.quorum, c.pass
                ));
            }
            StepLine {
                name: s.name.clone(),
                who: s.role_name.clone().unwrap_or_else(|| if s.kind == "END" { String::new() } else { "系统".into() }),
                limit: s.limit.as_ref().map(|l| l.text.clone()).unwrap_or_default(),
                note: notes.join("；"),
            }
        })
        .collect();
    let materials = g
        .materials
        .iter()
        .map(|m| MaterialLine {
            name: m.name.clone(),
            when: when_required(m.required_when.as_deref(), m.required),
            alternatives: m
                .any_of
                .iter()
                .map(|set| set.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(" + "))
                .collect(),
            deferrable: m.deferrable_within.as_ref().map(|l| format!("可容缺受理，{}内补齐", l.text)),
            reuse: m.reusable_from.as_ref().map(|r| format!("已有{r}的，可直接调用电子证照，无需再交")),
            commitment: m.commitment.clone(),
            files: files_text(&m.accepted_types, m.max_bytes),
        })
        .collect();
    let mut reforms = Vec::new();
    if let Some(p) = &g.pre_review {
        reforms.push(format!(
            "网上预审：正式申请前可先提交草稿，由{}在{}内一次性答复意见；预审不计入办理时限，答复后可直接转为正式申请，无需重新填写。",
            p.role_name, p.limit.text
        ));
    }
    if let Some(v) = &g.commitment_verification {
        reforms.push(format!(
            "告知承诺：标注“可告知承诺”的材料，可签署承诺书代替提交；准予后由{}在{}内核查，承诺不实的将撤销许可并记入信用记录。",
            v.role_name, v.limit.text
        ));
    }
    if let Some(b) = &g.booking {
        reforms.push(format!(
            "预约办理：{}需到现场一次，请在线预约时段，可改约或取消；由{}接待。预约未到不计入到现场次数。",
            b.purpose, b.role_name
        ));
    }
    let title = format!("{} 办事指南", g.name);
    let page = GuidePage {
        c: visit.chrome(&title),
        online: online(&g.online_level),
        visits: visits(g.max_visits),
        legal: g.legal_limit.text,
        promised: g.promised_limit.text,
        extension: g.extension_limit.map(|l| l.text),
        anchor: if g.clock_anchor == "BATCH_CLOSE" {
            "自申报期截止之日起计算"
        } else {
            "自受理之日起计算"
        },
        batches: g.batches.iter().map(|b| format!("{}：每年 {} 至 {}", b.name, b.opens, b.closes)).collect(),
        fees: g.fees.iter().map(|f| format!("{}：{}（{}）", f.name, f.amount, f.basis)).collect(),
        basis: g.legal_basis,
        materials,
        steps,
        diagram,
        procedures: g.special_procedures.into_iter().map(|p| p.name).collect(),
        counting: if g.pause_counting == "EXACT" {
            "按实际时长扣除"
        } else {
            "按整日扣除：开始当日计入办理时限，结束次日起继续计算"
        },
        reforms,
        code: g.code,
        name: g.name,
        category: g.category,
    };
    visit.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicStep {
    at: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicStatus {
    tracking_no: String,
    service_name: String,
    public_status: String,
    received_at: Option<String>,
    promised_deadline: Option<String>,
    legal_deadline: Option<String>,
    outcome: Option<String>,
    missing: Vec<String>,
    history: Vec<PublicStep>,
}

/// The status as the page shows it.
pub struct StatusView {
    tracking_no: String,
    service_name: String,
    status: String,
    tone: &'static str,
    received: Option<String>,
    promised: Option<String>,
    legal: Option<String>,
    missing: Vec<String>,
    history: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "public/status.html")]
struct StatusPage {
    c: Chrome,
    no: String,
    code: String,
    no_error: Option<String>,
    code_error: Option<String>,
    refusal: Option<String>,
    found: Option<StatusView>,
}

/// The tone of an outcome: approved reads as good news, a refusal as bad.
fn tone(outcome: Option<&str>) -> &'static str {
    match outcome {
        Some("APPROVED") => "ok",
        Some("DENIED" | "NOT_ACCEPTED" | "TERMINATED") => "bad",
        Some(_) => "",
        None => "warn",
    }
}

/// `GET /status?no=…&code=…`: 办件查询 without signing in (the receipt's QR code opens it).
pub async fn status(
    State(app): State<App>,
    mut visit: Visit,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let no: String = q.get("no").map(|s| s.trim().to_owned()).unwrap_or_default();
    let code: String = q.get("code").map(|s| s.chars().filter(|c| !c.is_whitespace()).collect()).unwrap_or_default();
    let mut page = StatusPage {
        c: visit.chrome("办件查询"),
        no: no.clone(),
        code: code.clone(),
        no_error: None,
        code_error: None,
        refusal: None,
        found: None,
    };
    // A number alone (a notice's QR code) fills in the number and asks for the code.
    if !q.contains_key("no") || !q.contains_key("code") {
        return visit.render(StatusCode::OK, &page);
    }
    if no.is_empty() {
        page.no_error = Some("请填写办件编号（受理回执上的编号）".into());
    }
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        page.code_error = Some("查询码是 6 位数字，在受理回执上".into());
    }
    if page.no_error.is_some() || page.code_error.is_some() {
        page.c.title = "办件查询：填写有误".into();
        return visit.render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        case_status: PublicStatus,
    }
    const DOC: &str = "query($no: String!, $code: String!) { caseStatus(trackingNo: $no, queryCode: $code) { \
        trackingNo serviceName publicStatus receivedAt promisedDeadline legalDeadline outcome missing \
        history { at status } } }";
    match app.client().run::<Data>(None, DOC, json!({ "no": no, "code": code })).await {
        Ok(d) => {
            let s = d.case_status;
            page.found = Some(StatusView {
                tone: tone(s.outcome.as_deref()),
                tracking_no: s.tracking_no,
                service_name: s.service_name,
                status: s.public_status,
                received: s.received_at.as_deref().map(super::when),
                promised: s.promised_deadline.as_deref().map(super::day),
                legal: s.legal_deadline.as_deref().map(super::day),
                missing: s.missing,
                history: s.history.into_iter().map(|h| (super::when(&h.at), h.status)).collect(),
            });
            visit.render(StatusCode::OK, &page)
        }
        Err(Failure { code, .. }) if code == "FORBIDDEN" => {
            page.refusal = Some(format!(
                "这个办件编号的查询码已连续输错多次，为保护办件信息，暂停查询 {} 分钟。请稍后再试，或致电受理机关。",
                crate::graphql::Lookups::WINDOW.as_secs() / 60
            ));
            page.c.title = "办件查询：暂停查询".into();
            visit.render(StatusCode::TOO_MANY_REQUESTS, &page)
        }
        Err(Failure { code, .. }) if code == "NOT_FOUND" => {
            page.refusal =
                Some("没有找到与这个办件编号和查询码相符的办件。请核对受理回执上的编号和 6 位查询码。".into());
            page.c.title = "办件查询：未找到".into();
            visit.render(StatusCode::NOT_FOUND, &page)
        }
        Err(f) => visit.refused(&f),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    number: String,
    status: String,
    licence: Option<String>,
    holder: Option<String>,
    office: Option<String>,
    issued_at: Option<String>,
    revoked_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Key {
    hex: String,
    pem: String,
}

/// A check's result as shown.
pub struct CheckView {
    number: String,
    verdict: &'static str,
    tone: &'static str,
    explain: &'static str,
    licence: Option<String>,
    holder: Option<String>,
    office: Option<String>,
    issued: Option<String>,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "public/verify.html")]
struct VerifyPage {
    c: Chrome,
    number: String,
    error: Option<String>,
    found: Option<CheckView>,
    key_hex: String,
    key_pem: String,
}

/// `GET /verify?number=…`: 证照核验, with the public key to check offline.
pub async fn verify(
    State(app): State<App>,
    mut visit: Visit,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let number = q.get("number").map(|s| s.trim().to_owned()).unwrap_or_default();
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        certificate_public_key: Key,
        verify_certificate: Option<Check>,
    }
    const DOC: &str = "query($number: String!, $check: Boolean!) { certificatePublicKey { hex pem } \
        verifyCertificate(number: $number) @include(if: $check) { number status licence holder office issuedAt revokedAt } }";
    let asked = q.contains_key("number");
    let check = asked && !number.is_empty();
    let data = match app.client().run::<Data>(None, DOC, json!({ "number": number, "check": check })).await {
        Ok(d) => d,
        Err(f) => return visit.refused(&f),
    };
    let found = data.verify_certificate.map(|c| {
        let (verdict, tone, explain) = match c.status.as_str() {
            "VALID" => ("有效", "ok", "本机关签发，签名完整，未被注销。"),
            "REVOKED" => ("已注销", "bad", "本机关签发，但已被注销，不再有效。"),
            "TAMPERED" => ("无效：内容与签名不符", "bad", "存储的证照内容与签名不符，请勿采信，并联系发证机关。"),
            _ => ("未找到", "bad", "本机关未签发过这个编号的证照，请核对编号。"),
        };
        CheckView {
            number: c.number,
            verdict,
            tone,
            explain,
            licence: c.licence,
            holder: c.holder,
            office: c.office,
            issued: c.issued_at.as_deref().map(super::day),
            revoked: c.revoked_at.as_deref().map(super::day),
        }
    });
    let status = if asked && number.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = VerifyPage {
        c: visit.chrome("证照核验"),
        error: (asked && number.is_empty()).then(|| "请填写证照编号".to_owned()),
        number,
        found,
        key_hex: data.certificate_public_key.hex,
        key_pem: data.certificate_public_key.pem,
    };
    visit.render(status, &page)
}
