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

/// The first problems of `form` under `schema`, with specific messages for personal
/// numbers (which check digit, which birth date) and paths like `form.student_id_card`.
fn id_problems(schema: &serde_json::Value, form: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else { return };
    for (name, sub) in properties {
        let Some(value) = form.get(name) else { continue };
        let here = format!("{path}.{name}");
        match (sub.get("format").and_then(|f| f.as_str()), value.as_str()) {
            (Some("id-card"), Some(text)) => {
                if let Err(e) = IdCardNumber::parse(text) {
                    out.push(format!("{here}: not a valid 身份证号 ({e})"));
                }
            }
            (Some("credit-code"), Some(text)) => {
                if let Err(e) = CreditCode::parse(text) {
                    out.push(format!("{here}: not a valid 统一社会信用代码 ({e})"));
                }
            }
            _ => id_problems(sub, value, &here, out),
        }
    }
}

impl Forms {
    /// Checks a form for a service.
    ///
    /// # Errors
    /// Every problem found (up to ten), each naming its field.
    pub fn check(&self, service: &Service, form: &serde_json::Value) -> Result<(), String> {
        let key = (service.spec.code.clone(), service.spec.version);
        let compiled = {
            let mut cache = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let v = Arc::new(validator(&service.spec.form)?);
                    cache.insert(key, v.clone());
                    v
                }
            }
        };
        let mut problems = Vec::new();
        id_problems(&service.spec.form, form, "form", &mut problems);
        for error in compiled.iter_errors(form) {
            let path = error.instance_path().to_string();
            let field = if path.is_empty() { "form".to_owned() } else { format!("form{}", path.replace('/', ".")) };
            if problems.iter().any(|p| p.starts_with(&format!("{field}:"))) {
                continue;
            }
            problems.push(format!("{field}: {}", error.masked()));
        }
        problems.truncate(10);
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}
