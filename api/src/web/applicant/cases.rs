//! An applicant's cases: the list, a case's page (status, deadlines, what is missing, the
//! history), the receipt, and what the API says they may do now: supply what a correction
//! notice asks, withdraw, rate; and the e-licence as a printable page.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::Posted;
use crate::http::App;
use crate::web::client::Failure;
use crate::web::reforms::{Block, CaseReforms, slot_words};
use crate::web::session::Visit;
use crate::web::{Chrome, day, qr, when};

/// Where the receipt's query code is kept after submitting (shown once, by the API).
pub const RECEIPT: &str = "receipt";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    id: String,
    service_name: String,
    public_status: String,
    received_at: Option<String>,
    promised_deadline: Option<String>,
    status: String,
}

/// A case in the list.
pub struct Row {
    id: String,
    service_name: String,
    status: String,
    received: String,
    promised: String,
    attention: bool,
}

#[derive(Template)]
#[template(path = "applicant/cases.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
}

/// `GET /my/cases`.
pub async fn list(State(app): State<App>, mut visit: Visit) -> Response {
    let Some(who) = visit.claims() else {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        my_cases: Vec<Line>,
    }
    let doc = "{ myCases(first: 100) { id serviceName publicStatus receivedAt promisedDeadline status } }";
    let data = match app.client().run::<Data>(Some(&who), doc, json!({})).await {
        Ok(d) => d,
        Err(f) => return visit.refused(&f),
    };
    let rows = data
        .my_cases
        .into_iter()
        .map(|l| Row {
            attention: l.status == "CORRECTION_REQUESTED",
            received: l.received_at.as_deref().map(day).unwrap_or_default(),
            promised: l.promised_deadline.as_deref().map(day).unwrap_or_default(),
            id: l.id,
            service_name: l.service_name,
            status: l.public_status,
        })
        .collect();
    let page = ListPage { c: visit.chrome("我的办件"), rows };
    visit.render(StatusCode::OK, &page)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Limit {
    text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Clock {
    limit: Limit,
    remaining_days: f64,
    deadline: Option<String>,
    paused_since: Option<String>,
    extended_by: u32,
    level_label: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Clocks {
    legal: Option<Clock>,
    promised: Option<Clock>,
    paused_for: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Operation {
    operation: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SuppliedFile {
    file_name: String,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Material {
    code: String,
    name: String,
    status: String,
    files: Vec<SuppliedFile>,
    deferred_until: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    material: Option<String>,
    material_name: Option<String>,
    note: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Correction {
    at: String,
    answered: bool,
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Value {
    title: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rating {
    label: String,
    comment: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    at: String,
    role: String,
    what: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Certificate {
    number: String,
    body: String,
    issued_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    id: String,
    service: String,
    service_name: String,
    version: i64,
    status: String,
    public_status: String,
    outcome: Option<String>,
    received_at: Option<String>,
    concluded_at: Option<String>,
    clocks: Clocks,
    operations: Vec<Operation>,
    materials: Vec<Material>,
    corrections: Vec<Correction>,
    form_data: Vec<Value>,
    rating: Option<Rating>,
    timeline: Vec<Entry>,
    certificates: Vec<Certificate>,
    office: String,
    #[serde(flatten)]
    reforms: CaseReforms,
    /// Slots with places, when the case may book its visit (read after the case).
    #[serde(skip)]
    slots: Vec<Slot>,
    /// For a draft: the materials a commitment may replace (code, name, its text).
    #[serde(skip)]
    committable: Vec<(String, String, String)>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Slot {
    id: String,
    starts_at: String,
    ends_at: String,
    places_left: u32,
}

fn case_doc() -> String {
    format!(
        "query($id: String!) {{ case(id: $id) {{ id service serviceName version status publicStatus outcome office \
        receivedAt concludedAt clocks {{ legal {{ ...clock }} promised {{ ...clock }} pausedFor }} operations {{ operation }} \
        materials {{ code name status files {{ fileName url }} deferredUntil }} \
        corrections {{ at answered items {{ material materialName note }} }} formData {{ title value }} \
        rating {{ label comment }} timeline {{ at role what }} certificates {{ number body issuedAt }} {} }} }} \
        fragment clock on ClockView {{ limit {{ text }} remainingDays deadline pausedSince extendedBy levelLabel }}",
        crate::web::reforms::FIELDS
    )
}

async fn load(app: &App, visit: &Visit, id: &str) -> Result<Case, Failure> {
    #[derive(Deserialize)]
    struct Data {
        case: Case,
    }
    #[derive(Deserialize)]
    struct Slots {
        slots: Vec<Slot>,
    }
    let who = visit.claims();
    let mut case = app.client().run::<Data>(who.as_ref(), &case_doc(), json!({ "id": id })).await?.case;
    if case.operations.iter().any(|o| o.operation == "SUBMIT_DRAFT") {
        #[derive(Deserialize)]
        struct GuideMaterial {
            code: String,
            name: String,
            commitment: Option<String>,
        }
        #[derive(Deserialize)]
        struct Guide {
            materials: Vec<GuideMaterial>,
        }
        #[derive(Deserialize)]
        struct G {
            service: Guide,
        }
        let doc = "query($c: String!) { service(code: $c) { materials { code name commitment } } }";
        let guide = app.client().run::<G>(None, doc, json!({ "c": case.service })).await?.service;
        let missing: Vec<&str> =
            case.materials.iter().filter(|m| m.status == "MISSING").map(|m| m.code.as_str()).collect();
        case.committable = guide
            .materials
            .into_iter()
            .filter(|m| missing.contains(&m.code.as_str()))
            .filter_map(|m| Some((m.code, m.name, m.commitment?)))
            .collect();
    }
    if case.operations.iter().any(|o| o.operation == "BOOK_VISIT") {
        let doc =
            "query($s: String!, $o: String!) { slots(service: $s, office: $o) { id startsAt endsAt placesLeft } }";
        let vars = json!({ "s": case.service, "o": case.office });
        let now = chrono::Utc::now();
        let later = |s: &Slot| chrono::DateTime::parse_from_rfc3339(&s.starts_at).is_ok_and(|t| t > now);
        case.slots = app.client().run::<Slots>(None, doc, vars).await?.slots.into_iter().filter(later).collect();
    }
    Ok(case)
}

/// A clock as the case page shows it.
pub struct ClockLine {
    name: &'static str,
    limit: String,
    deadline: String,
    left: String,
    level: String,
    paused: Option<String>,
    extended: Option<String>,
}

fn clock_line(name: &'static str, c: &Clock, paused_for: Option<&String>) -> ClockLine {
    let left = if c.remaining_days >= 0.0 {
        format!("剩余 {:.1} 个工作日", c.remaining_days)
    } else {
        format!("已超期 {:.1} 个工作日", -c.remaining_days)
    };
    ClockLine {
        name,
        limit: c.limit.text.clone(),
        deadline: c.deadline.as_deref().map(day).unwrap_or_default(),
        left,
        level: c.level_label.clone(),
        paused: c.paused_since.as_deref().map(|s| match paused_for {
            Some(p) => format!("因{p}暂停计时（自 {}），特别程序时间不计入时限", when(s)),
            None => format!("暂停计时（自 {}）", when(s)),
        }),
        extended: (c.extended_by > 0).then(|| format!("已依法延长 {} 个工作日", c.extended_by)),
    }
}

/// A material line on the case page.
pub struct MaterialLine {
    name: String,
    status: String,
    files: Vec<(String, Option<String>)>,
}

/// What the open correction notice asks for.
pub struct Asked {
    code: String,
    name: String,
    note: String,
}

#[derive(Template)]
#[template(path = "applicant/case.html")]
struct CasePage {
    c: Chrome,
    id: String,
    service: String,
    service_name: String,
    version: i64,
    status: String,
    tone: &'static str,
    received: String,
    concluded: String,
    clocks: Vec<ClockLine>,
    values: Vec<(String, String)>,
    materials: Vec<MaterialLine>,
    asked: Vec<Asked>,
    asked_other: Vec<String>,
    asked_at: String,
    may_supply: bool,
    may_withdraw: bool,
    may_rate: bool,
    rating: Option<String>,
    timeline: Vec<(String, String, String)>,
    licences: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    reason: String,
    comment: String,
    score: u8,
    reforms: Vec<Block>,
    booked: Option<String>,
    may_book: bool,
    may_cancel_booking: bool,
    /// Open slots: id, time in words, places left.
    slots: Vec<(String, String, u32)>,
    may_submit_draft: bool,
    /// Materials still missing, which the formal submission may add: code, name.
    missing: Vec<(String, String)>,
    /// Of those, the ones a commitment may replace: code, name, the commitment.
    committable: Vec<(String, String, String)>,
}

fn tone(outcome: Option<&str>, status: &str) -> &'static str {
    match (outcome, status) {
        (Some("APPROVED"), _) => "ok",
        (Some(_), _) => "bad",
        (None, "CORRECTION_REQUESTED") => "warn",
        _ => "",
    }
}

fn case_page(visit: &mut Visit, c: Case, errors: Vec<(String, String)>, typed: &Posted) -> CasePage {
    let has = |op: &str| c.operations.iter().any(|o| o.operation == op);
    let mut clocks = Vec::new();
    if let Some(p) = &c.clocks.promised {
        clocks.push(clock_line("承诺时限", p, c.clocks.paused_for.as_ref()));
    }
    if let Some(l) = &c.clocks.legal {
        clocks.push(clock_line("法定时限", l, c.clocks.paused_for.as_ref()));
    }
    let open = c.corrections.last().filter(|n| !n.answered && c.status == "CORRECTION_REQUESTED");
    let asked = open
        .map(|n| {
            n.items
                .iter()
                .filter_map(|i| {
                    Some(Asked {
                        code: i.material.clone()?,
                        name: i.material_name.clone().unwrap_or_default(),
                        note: i.note.clone(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let asked_other = open
        .map(|n| n.items.iter().filter(|i| i.material.is_none()).map(|i| i.note.clone()).collect())
        .unwrap_or_default();
    let materials = c
        .materials
        .iter()
        .filter(|m| m.status != "NOT_REQUIRED" || !m.files.is_empty())
        .map(|m| MaterialLine {
            name: m.name.clone(),
            status: match m.status.as_str() {
                "SUPPLIED" => "已提交".to_owned(),
                "DEFERRED" => {
                    format!("容缺受理，请于 {} 前补交", m.deferred_until.as_deref().map(day).unwrap_or_default())
                }
                "MISSING" => "尚未提交".to_owned(),
                "COMMITTED" => "已签署告知承诺".to_owned(),
                _ => "无需提交".to_owned(),
            },
            files: m.files.iter().map(|f| (f.file_name.clone(), f.url.clone())).collect(),
        })
        .collect();
    let title = format!("{} · {}", c.service_name, c.public_status);
    CasePage {
        c: visit.chrome(&title),
        tone: tone(c.outcome.as_deref(), &c.status),
        received: c.received_at.as_deref().map(when).unwrap_or_default(),
        concluded: c.concluded_at.as_deref().map(when).unwrap_or_default(),
        clocks,
        values: c.form_data.iter().map(|v| (v.title.clone(), v.value.clone())).collect(),
        materials,
        asked,
        asked_other,
        asked_at: open.map(|n| when(&n.at)).unwrap_or_default(),
        may_supply: has("SUPPLY_MATERIALS"),
        // The booking has its own section here, with its buttons.
        reforms: c
            .reforms
            .blocks()
            .into_iter()
            .filter(|b| !(b.title == "预约" && (has("BOOK_VISIT") || has("CANCEL_BOOKING"))))
            .collect(),
        booked: c.reforms.booked(),
        may_book: has("BOOK_VISIT"),
        may_cancel_booking: has("CANCEL_BOOKING"),
        slots: c
            .slots
            .iter()
            .filter(|s| s.places_left > 0)
            .map(|s| (s.id.clone(), slot_words(&s.starts_at, &s.ends_at), s.places_left))
            .collect(),
        may_submit_draft: has("SUBMIT_DRAFT"),
        committable: c.committable.clone(),
        missing: c
            .materials
            .iter()
            .filter(|m| m.status == "MISSING")
            .map(|m| (m.code.clone(), m.name.clone()))
            .collect(),
        may_withdraw: has("WITHDRAW"),
        may_rate: has("RATE"),
        rating: c
            .rating
            .as_ref()
            .map(|r| if r.comment.is_empty() { r.label.clone() } else { format!("{}：{}", r.label, r.comment) }),
        timeline: c.timeline.iter().map(|e| (when(&e.at), e.role.clone(), e.what.clone())).collect(),
        licences: c.certificates.iter().map(|x| (x.number.clone(), day(&x.issued_at))).collect(),
        errors,
        reason: typed.get("reason").unwrap_or_default().to_owned(),
        comment: typed.get("comment").unwrap_or_default().to_owned(),
        score: typed.get("score").and_then(|s| s.parse().ok()).unwrap_or(0),
        id: c.id,
        service: c.service,
        service_name: c.service_name,
        version: c.version,
        status: c.public_status,
    }
}

/// `GET /my/cases/{id}`.
pub async fn case(State(app): State<App>, mut visit: Visit, Path(id): Path<String>) -> Response {
    if visit.session.is_none() {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    }
    let typed = Posted { fields: visit.take_resume().unwrap_or_default(), files: Vec::new() };
    match load(&app, &visit, &id).await {
        Ok(c) => {
            let mut page = case_page(&mut visit, c, Vec::new(), &typed);
            page.c.script = Some(crate::web::assets::url("live.js"));
            visit.render(StatusCode::OK, &page)
        }
        Err(f) => visit.refused(&f),
    }
}

#[derive(Template)]
#[template(path = "applicant/receipt.html")]
struct ReceiptPage {
    c: Chrome,
    id: String,
    service_name: String,
    received: String,
    code: Option<String>,
    link: String,
    qr: String,
}

/// `GET /my/cases/{id}/receipt`: 受理回执 with the query code and a QR code to the status.
pub async fn receipt(State(app): State<App>, mut visit: Visit, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if visit.session.is_none() {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    }
    let c = match load(&app, &visit, &id).await {
        Ok(c) => c,
        Err(f) => return visit.refused(&f),
    };
    let code = visit.kept(RECEIPT).and_then(|k| {
        let (case, code) = k.split_once(':')?;
        (case == c.id).then(|| code.to_owned())
    });
    let base = crate::web::base_url(visit.site(), &headers);
    let link = match &code {
        Some(q) => format!("{base}/status?no={}&code={q}", c.id),
        None => format!("{base}/my/cases/{}", c.id),
    };
    let page = ReceiptPage {
        c: visit.chrome("申请回执"),
        qr: qr::svg(&link, "扫码查询办件进度"),
        received: c.received_at.as_deref().map(when).unwrap_or_default(),
        service_name: c.service_name,
        id: c.id,
        code,
        link,
    };
    visit.render(StatusCode::OK, &page)
}

/// Shows the case page again with `errors` beside the fields of the form that failed.
async fn again(app: &App, mut visit: Visit, id: &str, errors: Vec<(String, String)>, typed: &Posted) -> Response {
    visit.here = format!("/my/cases/{id}");
    match load(app, &visit, id).await {
        Ok(c) => {
            let page = case_page(&mut visit, c, errors, typed);
            visit.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(f) => visit.refused(&f),
    }
}

/// `POST /my/cases/{id}/supply`: the files a correction notice asks for, and only those.
pub async fn supply(State(app): State<App>, visit: Visit, Path(id): Path<String>, multipart: Multipart) -> Response {
    let posted = match Posted::read(multipart).await {
        Ok(p) => p,
        Err(e) => return super::incomplete(visit, &e),
    };
    let (visit, who) = match visit.gate(&posted.fields, &format!("/my/cases/{id}"), |_| false) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let (materials, mut errors) = match super::upload_all(&app, &who, &posted).await {
        Ok(done) => done,
        Err(f) => return visit.refused(&f),
    };
    if materials.is_empty() && errors.is_empty() {
        errors.push(("supply".to_owned(), "请为要求补正的材料选择文件".to_owned()));
    }
    if !errors.is_empty() {
        return again(&app, visit, &id, errors, &posted).await;
    }
    let doc = "mutation($id: String!, $m: [MaterialInput!]!) { supplyMaterials(caseId: $id, materials: $m) { id } }";
    let result = app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "id": id, "m": materials })).await;
    after(&app, visit, &id, &posted, result, "补正材料已提交，工作人员会尽快审查。", "supply").await
}

/// After an applicant's command on case `id`: back to the case saying `done`, or the case
/// again with the refusal in the API's words beside `field`.
async fn after(
    app: &App,
    mut visit: Visit,
    id: &str,
    posted: &Posted,
    result: Result<serde_json::Value, Failure>,
    done: &str,
    field: &str,
) -> Response {
    match result {
        Ok(_) => {
            visit.flash(done);
            visit.redirect(&format!("/my/cases/{id}"))
        }
        Err(f) if f.in_place() => again(app, visit, id, vec![(field.to_owned(), crate::web::words(&f))], posted).await,
        Err(f) => visit.refused(&f),
    }
}

/// `POST /my/cases/{id}/withdraw`.
pub async fn withdraw(
    State(app): State<App>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, who) = match visit.gate(&fields, &format!("/my/cases/{id}"), |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let posted = Posted { fields, files: Vec::new() };
    let reason = posted.get("reason").unwrap_or_default().trim().to_owned();
    if reason.is_empty() {
        return again(&app, visit, &id, vec![("reason".into(), "请填写撤回原因".into())], &posted).await;
    }
    let doc = "mutation($id: String!, $r: String!) { withdrawCase(caseId: $id, reason: $r) { id } }";
    let result = app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "id": id, "r": reason })).await;
    after(&app, visit, &id, &posted, result, "申请已撤回。", "reason").await
}

/// `POST /my/cases/{id}/rate`: 好差评, 1 to 5 (GB/T 39734 labels); a 差评 needs a reason.
pub async fn rate(
    State(app): State<App>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, who) = match visit.gate(&fields, &format!("/my/cases/{id}"), |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let posted = Posted { fields, files: Vec::new() };
    let Some(score) = posted.get("score").and_then(|s| s.parse::<u8>().ok()).filter(|s| (1..=5).contains(s)) else {
        return again(&app, visit, &id, vec![("score".into(), "请选择一个评价等级".into())], &posted).await;
    };
    let comment = posted.get("comment").unwrap_or_default().trim().to_owned();
    let doc = "mutation($id: String!, $s: Int!, $c: String!) { rateCase(caseId: $id, score: $s, comment: $c) { id } }";
    let result =
        app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "id": id, "s": score, "c": comment })).await;
    // The engine names the comment when a 差评 lacks its reason (`comment: ...`).
    let field = if result.as_ref().is_err_and(|f| f.message.starts_with("comment")) { "comment" } else { "score" };
    after(&app, visit, &id, &posted, result, "感谢您的评价。", field).await
}

#[derive(Template)]
#[template(path = "applicant/licence.html")]
struct LicencePage {
    c: Chrome,
    id: String,
    number: String,
    lines: Vec<(String, String)>,
    issued: String,
    qr: String,
    link: String,
}

/// The words for a certificate body's keys.
fn label(key: &str) -> Option<&'static str> {
    Some(match key {
        "licence" => "证照类型",
        "holder" => "持证人",
        "school" | "school_name" => "学校名称",
        "organiser" | "organiser_name" => "举办者",
        "office" => "发证机关",
        "teaching_level" => "资格种类",
        "subject" => "任教学科",
        "valid_until" => "有效期至",
        _ => return None,
    })
}

/// `GET /my/cases/{id}/licence/{number}`: the e-licence, printable, with a QR code to its check.
pub async fn licence(
    State(app): State<App>,
    mut visit: Visit,
    headers: HeaderMap,
    Path((id, number)): Path<(String, String)>,
) -> Response {
    if visit.session.is_none() {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    }
    let c = match load(&app, &visit, &id).await {
        Ok(c) => c,
        Err(f) => return visit.refused(&f),
    };
    let Some(cert) = c.certificates.into_iter().find(|x| x.number == number) else {
        return visit.problem(StatusCode::NOT_FOUND, "未找到", "这个办件没有这个编号的电子证照。");
    };
    let body: serde_json::Value = serde_json::from_str(&cert.body).unwrap_or_default();
    let lines = body
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| {
                    Some((label(k)?.to_owned(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                })
                .collect()
        })
        .unwrap_or_default();
    let base = crate::web::base_url(visit.site(), &headers);
    let link = format!("{base}/verify?number={}", crate::web::session::urlencode(&cert.number));
    let page = LicencePage {
        c: visit.chrome("电子证照"),
        qr: qr::svg(&link, "扫码核验这份电子证照"),
        issued: day(&cert.issued_at),
        number: cert.number,
        lines,
        id: c.id,
        link,
    };
    visit.render(StatusCode::OK, &page)
}

/// `POST /my/cases/{id}/book`: 预约 the visit in a slot, or move the booking to it.
pub async fn book(
    State(app): State<App>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, who) = match visit.gate(&fields, &format!("/my/cases/{id}"), |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let posted = Posted { fields, files: Vec::new() };
    let slot = posted.get("slot").unwrap_or_default().trim().to_owned();
    if slot.is_empty() {
        return again(&app, visit, &id, vec![("slot".into(), "请选择一个预约时段".into())], &posted).await;
    }
    let doc = "mutation($id: String!, $s: String!) { bookVisit(caseId: $id, slotId: $s) { id } }";
    let result = app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "id": id, "s": slot })).await;
    after(&app, visit, &id, &posted, result, "已预约。请按预约时间携带材料原件到现场。", "slot").await
}

/// `POST /my/cases/{id}/cancel-booking`.
pub async fn cancel_booking(
    State(app): State<App>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, who) = match visit.gate(&fields, &format!("/my/cases/{id}"), |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let posted = Posted { fields, files: Vec::new() };
    let doc = "mutation($id: String!) { cancelBooking(caseId: $id) { id } }";
    let result = app.client().run::<serde_json::Value>(Some(&who), doc, json!({ "id": id })).await;
    after(&app, visit, &id, &posted, result, "预约已取消。", "slot").await
}

/// `POST /my/cases/{id}/formal`: 网上预审 done, the draft becomes the application as it
/// stands, with any missing files added now.
pub async fn formal(State(app): State<App>, visit: Visit, Path(id): Path<String>, multipart: Multipart) -> Response {
    let posted = match Posted::read(multipart).await {
        Ok(p) => p,
        Err(e) => return super::incomplete(visit, &e),
    };
    let (visit, who) = match visit.gate(&posted.fields, &format!("/my/cases/{id}"), |_| false) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let (materials, errors) = match super::upload_all(&app, &who, &posted).await {
        Ok(done) => done,
        Err(f) => return visit.refused(&f),
    };
    if !errors.is_empty() {
        return again(&app, visit, &id, errors, &posted).await;
    }
    let commitments: Vec<&str> =
        posted.fields.iter().filter(|(_, v)| v == "1").filter_map(|(k, _)| k.strip_prefix("commit.")).collect();
    let doc = "mutation($id: String!, $m: [MaterialInput!]!, $c: [String!]!) { \
               submitDraft(caseId: $id, materials: $m, commitments: $c) { id } }";
    let vars = json!({ "id": id, "m": materials, "c": commitments });
    let result = app.client().run::<serde_json::Value>(Some(&who), doc, vars).await;
    after(&app, visit, &id, &posted, result, "已正式提交申请，办理时限自受理之日起计算。", "formal").await
}
