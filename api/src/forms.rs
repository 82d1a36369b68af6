//! Application forms checked against their service's JSON Schema before anything is
//! written, with 身份证号 and 统一社会信用代码 checked by their check digits. Every problem
//! names its field; values are not echoed back (they may be personal numbers).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use engine::Service;
use engine::ids::{CreditCode, IdCardNumber};

/// Compiled form schemas by (service code, version).
#[derive(Default)]
pub struct Forms(Mutex<HashMap<(String, u32), Arc<jsonschema::Validator>>>);

impl std::fmt::Debug for Forms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Forms")
    }
}

fn validator(schema: &serde_json::Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format("id-card", |s: &str| IdCardNumber::parse(s).is_ok())
        .with_format("credit-code", |s: &str| CreditCode::parse(s).is_ok())
        .build(schema)
        .map_err(|e| format!("the service's form schema does not compile: {e}"))
}

/// One problem of a form: the field (`form.student_id_card`), what is wrong in the API's
/// words, and the same in Chinese for the person filling it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `form` for the whole form, else `form.<name>`.
    pub field: String,
    /// English, as the API has always said it.
    pub message: String,
    /// Chinese, as a page shows it beside the field.
    pub words: String,
}

/// Every problem found (up to ten).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: Vec<String> = self.0.iter().map(|p| format!("{}: {}", p.field, p.message)).collect();
        f.write_str(&text.join("; "))
    }
}

impl Problems {
    fn whole(message: String) -> Self {
        Self(vec![Problem {
            field: "form".into(), words: "本事项的表单定义有误，请联系受理机关".into(), message
        }])
    }
}

/// Personal numbers checked by check digit, with specific messages (which check digit,
/// which birth date).
fn id_problems(schema: &serde_json::Value, form: &serde_json::Value, path: &str, out: &mut Vec<Problem>) {
    let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else { return };
    for (name, sub) in properties {
        let Some(value) = form.get(name) else { continue };
        let field = format!("{path}.{name}");
        match (sub.get("format").and_then(|f| f.as_str()), value.as_str()) {
            (Some("id-card"), Some(text)) => {
                if let Err(e) = IdCardNumber::parse(text) {
                    out.push(Problem {
                        field,
                        message: format!("not a valid 身份证号 ({e})"),
                        words: format!("身份证号不正确：{}", id_words(&e.to_string())),
                    });
                }
            }
            (Some("credit-code"), Some(text)) => {
                if let Err(e) = CreditCode::parse(text) {
                    out.push(Problem {
                        field,
                        message: format!("not a valid 统一社会信用代码 ({e})"),
                        words: format!("统一社会信用代码不正确：{}", id_words(&e.to_string())),
                    });
                }
            }
            _ => id_problems(sub, value, &field, out),
        }
    }
}

/// The check-digit errors of [`engine::ids`] in Chinese.
fn id_words(e: &str) -> String {
    if let Some(rest) = e.strip_prefix("the check character should be ") {
        format!("校验位应为 {rest}，请核对")
    } else if let Some(rest) = e.strip_prefix("the birth date ").and_then(|r| r.strip_suffix(" does not exist")) {
        format!("出生日期 {rest} 不存在")
    } else if let Some(rest) = e.strip_prefix("must be ") {
        format!("应为{}", rest.replace("18 characters", "18 位").replace("digits", "数字"))
    } else {
        e.to_owned()
    }
}

fn words(kind: &jsonschema::error::ValidationErrorKind) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    match kind {
        K::Required { .. } => "此项必填".into(),
        K::Pattern { .. } => "格式不正确，请按说明填写".into(),
        K::Enum { .. } => "请从给出的选项中选择".into(),
        K::Type { .. } => "填写的类型不对（例如应为数字）".into(),
        K::Format { format } if format == "date" => "日期应写作 年-月-日，例如 2026-09-01".into(),
        K::Format { .. } => "格式不正确".into(),
        K::MinLength { limit } => format!("至少 {limit} 个字"),
        K::MaxLength { limit } => format!("至多 {limit} 个字"),
        K::Minimum { limit } => format!("不能小于 {limit}"),
        K::Maximum { limit } => format!("不能大于 {limit}"),
        K::AdditionalProperties { .. } => "表单中有本事项没有的栏目".into(),
        _ => "填写有误".into(),
    }
}

impl Forms {
    /// Checks a form for a service.
    ///
    /// # Errors
    /// Every problem found (up to ten), each naming its field.
    pub fn check(&self, service: &Service, form: &serde_json::Value) -> Result<(), Problems> {
        let key = (service.spec.code.clone(), service.spec.version);
        let compiled = {
            let mut cache = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let v = Arc::new(validator(&service.spec.form).map_err(Problems::whole)?);
                    cache.insert(key, v.clone());
                    v
                }
            }
        };
        let mut problems = Vec::new();
        id_problems(&service.spec.form, form, "form", &mut problems);
        for error in compiled.iter_errors(form) {
            let path = error.instance_path().to_string();
            let mut field = if path.is_empty() { "form".to_owned() } else { format!("form{}", path.replace('/', ".")) };
            // A missing property is the property's problem, not its parent's.
            if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind()
                && let Some(name) = property.as_str()
            {
                field = format!("{field}.{name}");
            }
            if problems.iter().any(|p| p.field == field) {
                continue;
            }
            problems.push(Problem { words: words(error.kind()), message: error.masked().to_string(), field });
        }
        problems.truncate(10);
        if problems.is_empty() { Ok(()) } else { Err(Problems(problems)) }
    }
}
