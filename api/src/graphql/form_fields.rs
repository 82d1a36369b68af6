//! An application form's fields as a client renders them, from the service's JSON Schema.

use async_graphql::SimpleObject;

/// A field of the application form.
#[derive(SimpleObject, Debug, Clone)]
pub struct FormField {
    /// The key in `submitCase(form:)`.
    pub name: String,
    /// The title a form shows.
    pub title: String,
    /// Help text.
    pub description: Option<String>,
    /// Its type.
    pub r#type: super::types::FieldType,
    /// Format: `date`, `id-card` (身份证号), `credit-code` (统一社会信用代码).
    pub format: Option<String>,
    /// The values to choose from.
    pub choices: Vec<String>,
    /// A regular expression the value must match.
    pub pattern: Option<String>,
    /// Whether it must be filled.
    pub required: bool,
}

/// The fields of a form schema (an object of scalar properties), in `order` (names not in
/// it follow, alphabetically).
#[must_use]
pub fn form_fields(schema: &serde_json::Value, order: &[String]) -> Vec<FormField> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let text = |p: &serde_json::Value, k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let props = schema.get("properties").and_then(|p| p.as_object());
    let mut props: Vec<(&String, &serde_json::Value)> = props.into_iter().flatten().collect();
    props.sort_by_key(|(name, _)| order.iter().position(|o| o == *name).unwrap_or(usize::MAX));
    props
        .into_iter()
        .map(|(name, p)| FormField {
            name: name.clone(),
            title: text(p, "title").unwrap_or_else(|| name.clone()),
            description: text(p, "description"),
            r#type: super::types::FieldType::from_schema(p.get("type").and_then(|t| t.as_str())),
            format: text(p, "format"),
            choices: p
                .get("enum")
                .and_then(|e| e.as_array())
                .map(|e| e.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect())
                .unwrap_or_default(),
            pattern: text(p, "pattern"),
            required: required.contains(&name.as_str()),
        })
        .collect()
}
