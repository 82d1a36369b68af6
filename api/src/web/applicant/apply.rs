//! 网上申请: the form drawn from the service's JSON Schema (through the guide's
//! `formFields`), a file input for each material, a review page, then one submission. The
//! server's check (`checkForm`, `submitCase`) is the one that counts; its words appear
//! beside each field. A retried or double-clicked submission makes one case: the review
//! page carries an idempotency key.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::Posted;
use crate::http::App;
use crate::web::Chrome;
use crate::web::client::Failure;
use crate::web::session::Visit;

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct FormField {
    name: String,
    title: String,
    description: Option<String>,
    r#type: String,
    format: Option<String>,
    choices: Vec<String>,
    required: bool,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Document {
    code: String,
    name: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Limit {
    text: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Material {
    code: String,
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

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Duty {
    limit: Limit,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Service {
    code: String,
    name: String,
    form_fields: Vec<FormField>,
    materials: Vec<Material>,
    pre_review: Option<Duty>,
}

const SERVICE: &str = "query($code: String!) { service(code: $code) { code name formFields { name title \
    description type format choices required } materials { code name required requiredWhen \
    anyOf { code name } deferrableWithin { text } reusableFrom commitment acceptedTypes maxBytes } \
    preReview { limit { text } } } }";

/// The materials the applicant chose to replace by a commitment (`commit.<code>`), of
/// those the service lets a commitment replace.
fn committed(service: &Service, fields: &[(String, String)]) -> Vec<String> {
    service
        .materials
        .iter()
        .filter(|m| m.commitment.is_some())
        .filter(|m| fields.iter().any(|(k, v)| *k == format!("commit.{}", m.code) && v == "1"))
        .map(|m| m.code.clone())
        .collect()
}

async fn service(app: &App, code: &str) -> Result<Service, Failure> {
    #[derive(Deserialize)]
    struct Data {
        service: Service,
    }
    app.client().run::<Data>(None, SERVICE, json!({ "code": code })).await.map(|d| d.service)
}

/// A form field as drawn.
pub struct Field {
    name: String,
    title: String,
    hint: Option<String>,
    /// `text`, `number`, `date`, `select`, `yesno`.
    kind: &'static str,
    inputmode: &'static str,
    choices: Vec<String>,
    value: String,
    error: Option<String>,
    required: bool,
}

/// One file a material takes (a material with alternatives takes one of several sets).
pub struct Slot {
    code: String,
    name: String,
    kept: Option<(String, String)>,
    error: Option<String>,
}

/// A material with its file inputs.
pub struct MaterialInput {
    code: String,
    /// The commitment that may replace it (告知承诺), and whether it was chosen.
    commitment: Option<String>,
    committed: bool,
    name: String,
    when: String,
    note: String,
    files: String,
    accept: String,
    choose_one: bool,
    slots: Vec<Slot>,
}

#[derive(Template)]
#[template(path = "applicant/apply.html")]
struct ApplyPage {
    c: Chrome,
    code: String,
    name: String,
    fields: Vec<Field>,
    materials: Vec<MaterialInput>,
    errors: Vec<(String, String)>,
}

/// A value as the review page shows it.
pub struct Reviewed {
    title: String,
    value: String,
}

#[derive(Template)]
#[template(path = "applicant/review.html")]
struct ReviewPage {
    c: Chrome,
    code: String,
    name: String,
    values: Vec<Reviewed>,
    attached: Vec<(String, String)>,
    absent: Vec<String>,
    hidden: Vec<(String, String)>,
    key: String,
    /// Materials replaced by a signed commitment: name, commitment.
    commitments: Vec<(String, String)>,
    /// 网上预审 is offered, answered within this limit.
    pre_review: Option<String>,
}

fn kind_of(f: &FormField) -> (&'static str, &'static str, Option<String>) {
    let hint = f.description.clone();
    match (f.r#type.as_str(), f.format.as_deref()) {
        ("BOOLEAN", _) => ("yesno", "", hint),
        ("INTEGER", _) => ("number", "numeric", hint),
        ("NUMBER", _) => ("number", "decimal", hint),
        (_, _) if !f.choices.is_empty() => ("select", "", hint),
        (_, Some("date")) => ("date", "", hint.or_else(|| Some("年-月-日，例如 2026-09-01".into()))),
        (_, Some("id-card")) => ("text", "", hint.or_else(|| Some("18 位，最后一位可能是 X".into()))),
        (_, Some("credit-code")) => ("text", "", hint.or_else(|| Some("18 位，印在营业执照或登记证书上".into()))),
        _ => ("text", "", hint),
    }
}

/// The form's fields with values and problems.
fn fields(service: &Service, values: &[(String, String)], problems: &[(String, String)]) -> Vec<Field> {
    service
        .form_fields
        .iter()
        .map(|f| {
            let (kind, inputmode, hint) = kind_of(f);
            let key = format!("f.{}", f.name);
            Field {
                value: values.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default(),
                error: problems.iter().find(|(k, _)| *k == format!("form.{}", f.name)).map(|(_, m)| m.clone()),
                name: key,
                title: f.title.clone(),
                hint,
                kind,
                inputmode,
                choices: f.choices.clone(),
                required: f.required,
            }
        })
        .collect()
}

/// The codes a material's files go under: itself, or each document of its alternatives.
fn slots_of(m: &Material) -> Vec<Document> {
    if m.any_of.is_empty() {
        vec![Document { code: m.code.clone(), name: m.name.clone() }]
    } else {
        let mut out: Vec<Document> = Vec::new();
        for d in m.any_of.iter().flatten() {
            if !out.iter().any(|o| o.code == d.code) {
                out.push(d.clone());
            }
        }
        out
    }
}

fn materials(
    service: &Service,
    kept: &[(String, String, String)],
    errors: &[(String, String)],
    chosen: &[String],
) -> Vec<MaterialInput> {
    service
        .materials
        .iter()
        .map(|m| {
            let mut note = Vec::new();
            if let Some(d) = &m.deferrable_within {
                note.push(format!("暂时没有的，可容缺受理，{}内补齐", d.text));
            }
            if let Some(r) = &m.reusable_from {
                note.push(format!("已有{r}的可不上传，由工作人员调用电子证照"));
            }
            MaterialInput {
                code: m.code.clone(),
                commitment: m.commitment.clone(),
                committed: chosen.contains(&m.code),
                name: m.name.clone(),
                when: crate::web::public::when_required(m.required_when.as_deref(), m.required),
                note: note.join("；"),
                files: crate::web::public::files_text(&m.accepted_types, m.max_bytes),
                accept: m.accepted_types.join(","),
                choose_one: m.any_of.len() > 1,
                slots: slots_of(m)
                    .into_iter()
                    .map(|d| Slot {
                        kept: kept
                            .iter()
                            .find(|(c, _, _)| *c == d.code)
                            .map(|(_, sha, name)| (sha.clone(), name.clone())),
                        error: errors.iter().find(|(c, _)| *c == d.code).map(|(_, e)| e.clone()),
                        code: d.code,
                        name: d.name,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn apply_page(code: &str) -> String {
    format!("/services/{code}/apply")
}

/// `GET /services/{code}/apply`.
pub async fn form(State(app): State<App>, mut visit: Visit, Path(code): Path<String>) -> Response {
    if visit.session.is_none() {
        let back = apply_page(&code);
        return visit.sign_in_first(&back, Vec::new());
    }
    let service = match service(&app, &code).await {
        Ok(s) => s,
        Err(f) => return visit.refused(&f),
    };
    let values = visit.take_resume().unwrap_or_default();
    let restored = !values.is_empty();
    let page = ApplyPage {
        c: visit.chrome(&format!("申请：{}", service.name)),
        fields: fields(&service, &values, &[]),
        materials: materials(&service, &[], &[], &[]),
        code: service.code.clone(),
        name: service.name.clone(),
        errors: Vec::new(),
    };
    let mut page = page;
    if restored {
        page.c.flash = Some("已恢复您登录前填写的内容；附件需要重新选择。".into());
    }
    visit.render(StatusCode::OK, &page)
}

/// Kept uploads: `kept.<code>` = `<sha256>:<file name>`.
fn kept_of(posted: &Posted) -> Vec<(String, String, String)> {
    posted
        .fields
        .iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix("kept.")?;
            let (sha, name) = v.split_once(':')?;
            (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (code.to_owned(), sha.to_owned(), name.to_owned()))
        })
        .collect()
}

/// The form as JSON for the API: each value typed by its field, empty ones left out.
fn form_json(service: &Service, posted: &Posted) -> serde_json::Value {
    let mut form = serde_json::Map::new();
    for f in &service.form_fields {
        let Some(raw) = posted.get(&format!("f.{}", f.name)).map(str::trim) else { continue };
        if raw.is_empty() {
            continue;
        }
        let value = match f.r#type.as_str() {
            "INTEGER" => raw.parse::<i64>().map_or_else(|_| json!(raw), |n| json!(n)),
            "NUMBER" => raw.parse::<f64>().map_or_else(|_| json!(raw), |n| json!(n)),
            "BOOLEAN" => match raw {
                "true" => json!(true),
                "false" => json!(false),
                other => json!(other),
            },
            _ => json!(raw),
        };
        form.insert(f.name.clone(), value);
    }
    serde_json::Value::Object(form)
}

/// `POST /services/{code}/apply`: checks the form and the files, then the review page (or
/// the form again, with every problem beside its field).
pub async fn review(State(app): State<App>, visit: Visit, Path(code): Path<String>, multipart: Multipart) -> Response {
    let posted = match Posted::read(multipart).await {
        Ok(p) => p,
        Err(e) => return super::incomplete(visit, &e),
    };
    let (mut visit, who) = match visit.gate(&posted.fields, &apply_page(&code), |k| k.starts_with("f.")) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let service = match service(&app, &code).await {
        Ok(s) => s,
        Err(f) => return visit.refused(&f),
    };
    let values: Vec<(String, String)> = posted.fields.iter().filter(|(k, _)| k.starts_with("f.")).cloned().collect();
    let mut kept = kept_of(&posted);
    let mut file_errors = Vec::new();
    let known: Vec<String> = service.materials.iter().flat_map(slots_of).map(|d| d.code).collect();
    for (field, file_name, bytes) in &posted.files {
        let Some(code) = field.strip_prefix("file.").filter(|c| known.iter().any(|k| k == c)) else { continue };
        match super::upload(&app, &who, file_name, bytes.clone()).await {
            Ok(sha) => {
                kept.retain(|(c, _, _)| c != code);
                kept.push((code.to_owned(), sha, file_name.clone()));
            }
            Err(f) if f.code == "BAD_USER_INPUT" => file_errors.push((code.to_owned(), super::upload_words(&f))),
            Err(f) => return visit.refused(&f),
        }
    }
    let form = form_json(&service, &posted);
    let problems: Vec<(String, String)> = if posted.get("action") == Some("edit") {
        Vec::new()
    } else {
        #[derive(Deserialize)]
        struct Problem {
            field: String,
            message: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            check_form: Vec<Problem>,
        }
        let doc =
            "query($service: String!, $form: JSON!) { checkForm(service: $service, form: $form) { field message } }";
        match app.client().run::<Data>(Some(&who), doc, json!({ "service": code, "form": form })).await {
            Ok(d) => d.check_form.into_iter().map(|p| (p.field, p.message)).collect(),
            Err(f) => return visit.refused(&f),
        }
    };
    if posted.get("action") == Some("edit") || !problems.is_empty() || !file_errors.is_empty() {
        let mut errors: Vec<(String, String)> = Vec::new();
        for f in &service.form_fields {
            if let Some((_, m)) = problems.iter().find(|(k, _)| *k == format!("form.{}", f.name)) {
                errors.push((format!("f.{}", f.name), format!("{}：{m}", f.title)));
            }
        }
        if let Some((_, m)) = problems.iter().find(|(k, _)| k == "form") {
            errors.push((String::new(), m.clone()));
        }
        for (c, m) in &file_errors {
            errors.push((format!("file.{c}"), m.clone()));
        }
        let title = if errors.is_empty() {
            format!("申请：{}", service.name)
        } else {
            format!("申请：{}（有 {} 处需要修改）", service.name, errors.len())
        };
        let page = ApplyPage {
            c: visit.chrome(&title),
            fields: fields(&service, &values, &problems),
            materials: materials(&service, &kept, &file_errors, &committed(&service, &posted.fields)),
            code: service.code.clone(),
            name: service.name.clone(),
            errors,
        };
        let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        return visit.render(status, &page);
    }
    let shown: Vec<Reviewed> = service
        .form_fields
        .iter()
        .filter_map(|f| {
            let v = values.iter().find(|(k, _)| *k == format!("f.{}", f.name))?.1.trim().to_owned();
            if v.is_empty() {
                return None;
            }
            let value = match v.as_str() {
                "true" if f.r#type == "BOOLEAN" => "是".to_owned(),
                "false" if f.r#type == "BOOLEAN" => "否".to_owned(),
                _ => v,
            };
            Some(Reviewed { title: f.title.clone(), value })
        })
        .collect();
    let chosen = committed(&service, &posted.fields);
    let mut attached = Vec::new();
    let mut absent = Vec::new();
    let mut commitments = Vec::new();
    for m in &service.materials {
        if let (true, Some(text)) = (chosen.contains(&m.code), &m.commitment) {
            commitments.push((m.name.clone(), text.clone()));
            continue;
        }
        let here: Vec<&(String, String, String)> =
            kept.iter().filter(|(c, _, _)| slots_of(m).iter().any(|d| &d.code == c)).collect();
        if here.is_empty() {
            if m.required && m.required_when.is_none() {
                absent.push(m.name.clone());
            }
        } else {
            let names: Vec<&str> = here.iter().map(|(_, _, n)| n.as_str()).collect();
            attached.push((m.name.clone(), names.join("、")));
        }
    }
    let mut hidden = values;
    hidden.extend(kept.iter().map(|(c, sha, name)| (format!("kept.{c}"), format!("{sha}:{name}"))));
    hidden.extend(chosen.iter().map(|c| (format!("commit.{c}"), "1".to_owned())));
    let page = ReviewPage {
        c: visit.chrome(&format!("核对申请：{}", service.name)),
        code: service.code.clone(),
        name: service.name.clone(),
        values: shown,
        attached,
        absent,
        hidden,
        key: crate::web::session::random_token(),
        commitments,
        pre_review: service.pre_review.as_ref().map(|p| p.limit.text.clone()),
    };
    visit.render(StatusCode::OK, &page)
}

/// `POST /services/{code}/submit`: the one submission; then the receipt.
pub async fn submit(
    State(app): State<App>,
    visit: Visit,
    Path(code): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted { fields: posted, files: Vec::new() };
    let (mut visit, who) = match visit.gate(&posted.fields, &apply_page(&code), |k| k.starts_with("f.")) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let service = match service(&app, &code).await {
        Ok(s) => s,
        Err(f) => return visit.refused(&f),
    };
    let form = form_json(&service, &posted);
    let cited: Vec<serde_json::Value> = kept_of(&posted)
        .into_iter()
        .map(|(code, sha, name)| json!({ "code": code, "sha256": sha, "fileName": name }))
        .collect();
    let key = posted.get("key").filter(|k| !k.is_empty()).map(|k| format!("web:{k}"));
    let commitments = committed(&service, &posted.fields);
    let draft = posted.get("draft") == Some("1");
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Case {
        id: String,
        query_code: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        submit_case: Case,
    }
    let doc = "mutation($service: String!, $form: JSON!, $materials: [MaterialInput!]!, $key: String, \
               $commitments: [String!]!, $draft: Boolean!) { submitCase(service: $service, form: $form, \
               materials: $materials, idempotencyKey: $key, commitments: $commitments, draft: $draft) { id queryCode } }";
    let vars = json!({ "service": code, "form": form, "materials": cited, "key": key, "commitments": commitments, "draft": draft });
    match app.client().run::<Data>(Some(&who), doc, vars).await {
        Ok(d) => {
            if let Some(q) = d.submit_case.query_code {
                visit.keep(super::cases::RECEIPT, format!("{}:{q}", d.submit_case.id));
            }
            visit.redirect(&format!("/my/cases/{}/receipt", d.submit_case.id))
        }
        Err(f) if f.code == "BAD_USER_INPUT" && !f.fields.is_empty() => {
            // The form changed under the review page (a new version of the service): back to it.
            let page = ApplyPage {
                c: visit.chrome(&format!("申请：{}（有需要修改之处）", service.name)),
                fields: fields(&service, &posted.fields, &f.fields),
                materials: materials(&service, &kept_of(&posted), &[], &committed(&service, &posted.fields)),
                code: service.code.clone(),
                name: service.name.clone(),
                errors: f.fields.iter().map(|(k, m)| (k.replacen("form.", "f.", 1), m.clone())).collect(),
            };
            visit.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(f) => visit.refused(&f),
    }
}
