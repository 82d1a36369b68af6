//! Conditions in CEL (Common Expression Language), over three variables: `form` (the
//! application form), `data` (outputs recorded by completed tasks) and `materials` (the
//! codes of supplied materials).
//!
//! The `cel` crate parses and evaluates but has no static type checker, so a condition is
//! checked at load by its references (only the three variables) and by evaluating it on
//! typed samples built from the form's JSON Schema and the tasks' declared outputs: a field
//! that does not exist, a comparison of the wrong types or a non-bool result is an error
//! then, not when a case reaches the step.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use cel::{Context, Env, Program, Value};

use crate::definition::model::OutputType;

/// The variables a condition may use.
pub const VARIABLES: [&str; 3] = ["form", "data", "materials"];

static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(Env::stdlib()));

/// A compiled condition.
#[derive(Clone)]
pub struct Condition {
    source: String,
    program: Arc<Program>,
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Condition").field(&self.source).finish()
    }
}

/// What a condition is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The application form.
    pub form: &'a serde_json::Value,
    /// Task outputs so far.
    pub data: &'a serde_json::Value,
    /// Supplied material codes.
    pub materials: &'a [String],
}

/// Facts converted to CEL values, ready to evaluate conditions against.
pub struct Prepared<'a>(Context<'a, 'a>);

impl Facts<'_> {
    /// Converts the facts to CEL values once.
    ///
    /// # Errors
    /// A message when a value cannot be converted.
    pub fn prepare(&self) -> Result<Prepared<'static>, String> {
        let mut context = Context::with_env(ENV.clone());
        let err = |e: cel::SerializationError| e.to_string();
        context.add_variable_from_value("form", cel::to_value(self.form).map_err(err)?);
        context.add_variable_from_value("data", cel::to_value(self.data).map_err(err)?);
        context.add_variable_from_value("materials", cel::to_value(self.materials).map_err(err)?);
        Ok(Prepared(context))
    }
}

impl Condition {
    /// Parses a condition and checks it names only the known variables.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn compile(source: &str) -> Result<Self, String> {
        let program = ENV.compile(source).map_err(|e| format!("CEL syntax: {e}"))?;
        let references = program.references();
        if let Some(unknown) = references.variables().into_iter().find(|v| !VARIABLES.contains(v)) {
            return Err(format!("CEL: unknown variable `{unknown}` (use form, data or materials)"));
        }
        Ok(Self { source: source.to_owned(), program: Arc::new(program) })
    }

    /// The CEL text.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the condition.
    ///
    /// # Errors
    /// A message when evaluation fails (a missing field, wrong types) or is not a bool.
    pub fn eval(&self, facts: Facts<'_>) -> Result<bool, String> {
        self.eval_in(&facts.prepare()?)
    }

    /// Evaluates the condition against facts converted once with [`Facts::prepare`], for
    /// several conditions over the same case.
    ///
    /// # Errors
    /// As [`Condition::eval`].
    pub fn eval_in(&self, prepared: &Prepared<'_>) -> Result<bool, String> {
        match self.program.execute(&prepared.0) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("`{}` gives {:?}, not a bool", self.source, other.type_of())),
            Err(e) => Err(format!("`{}`: {e}", self.source)),
        }
    }

    /// The load-time type check: evaluates on two samples (falsy and truthy values of the
    /// declared types) and requires a bool from both.
    ///
    /// # Errors
    /// The first failure.
    pub fn check(&self, form_schema: &serde_json::Value, outputs: &BTreeMap<String, OutputType>) -> Result<(), String> {
        for truthy in [false, true] {
            let form = sample_from_schema(form_schema, truthy);
            let data = sample_outputs(outputs, truthy);
            let materials = if truthy { vec!["sample".to_owned()] } else { Vec::new() };
            self.eval(Facts { form: &form, data: &data, materials: &materials })?;
        }
        Ok(())
    }
}

fn sample_outputs(outputs: &BTreeMap<String, OutputType>, truthy: bool) -> serde_json::Value {
    let map = outputs
        .iter()
        .map(|(name, kind)| {
            let v = match kind {
                OutputType::Boolean => serde_json::Value::Bool(truthy),
                OutputType::String => serde_json::Value::String(if truthy { "x" } else { "" }.to_owned()),
                OutputType::Integer => serde_json::Value::from(i64::from(truthy)),
                OutputType::Number => serde_json::Value::from(if truthy { 1.5 } else { 0.0 }),
            };
            (name.clone(), v)
        })
        .collect();
    serde_json::Value::Object(map)
}

/// A value of the shape a JSON Schema describes, for type checking conditions.
#[must_use]
pub fn sample_from_schema(schema: &serde_json::Value, truthy: bool) -> serde_json::Value {
    if let Some(first) = schema.get("enum").and_then(|e| e.as_array()).and_then(|e| e.first()) {
        return first.clone();
    }
    match schema.get("type").and_then(|t| t.as_str()).unwrap_or("object") {
        "string" => serde_json::Value::String(if truthy { "x" } else { "" }.to_owned()),
        "integer" => serde_json::Value::from(i64::from(truthy)),
        "number" => serde_json::Value::from(if truthy { 1.5 } else { 0.0 }),
        "boolean" => serde_json::Value::Bool(truthy),
        "array" => serde_json::Value::Array(Vec::new()),
        "null" => serde_json::Value::Null,
        _ => {
            let properties = schema.get("properties").and_then(|p| p.as_object());
            let map =
                properties.into_iter().flatten().map(|(k, v)| (k.clone(), sample_from_schema(v, truthy))).collect();
            serde_json::Value::Object(map)
        }
    }
}
