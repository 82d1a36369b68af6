//! Conditions in CEL (Common Expression Language), over three variables: `form` (the
//! application form), `data` (outputs recorded by completed tasks) and `materials` (the
//! codes of supplied materials).
//!
//! The `cel` crate parses and evaluates but has no static type checker, so a condition is
//! checked at load by its references (only the three variables) and by evaluating it on
//! typed samples built from the form's JSON Schema and the tasks' declared outputs: a field
//! that does not exist, a comparison of the wrong types or a non-bool result is an error
//! then, not when a case reaches the step.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt};
use cel::common::value::Val;
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
    /// Task outputs so far, by name.
    pub data: &'a BTreeMap<String, serde_json::Value>,
    /// Supplied material codes.
    pub materials: &'a [&'a str],
}

/// Facts bound as CEL values, ready to evaluate conditions against. The values borrow the
/// facts' strings rather than copying them.
pub struct Prepared<'a>(Context<'a, 'a>);

impl<'a> Facts<'a> {
    /// Binds the facts as CEL values once, for any number of conditions.
    ///
    /// # Errors
    /// None today; kept fallible so a value CEL cannot represent can be refused later.
    pub fn prepare(&self) -> Result<Prepared<'a>, String> {
        let mut context = Context::with_env(ENV.clone());
        context.add_variable_as_val("form", json_val(self.form));
        context.add_variable_as_val("data", Box::new(object_val(self.data.iter())));
        let materials: Vec<Box<dyn Val + 'a>> =
            self.materials.iter().map(|m| Box::new(CelString::from(*m)) as Box<dyn Val + 'a>).collect();
        context.add_variable_as_val("materials", Box::new(CelList::from(materials)));
        Ok(Prepared(context))
    }
}

/// A JSON value as a CEL value, borrowing its strings. Numbers map as serde maps them into
/// CEL (`cel::to_value`): non-negative integers to `uint`, negative ones to `int`, the rest
/// to `double`; CEL compares numbers across these types by value.
fn json_val(value: &serde_json::Value) -> Box<dyn Val + '_> {
    use serde_json::Value as J;
    match value {
        J::Null => Box::new(CelNull),
        J::Bool(b) => Box::new(CelBool::from(*b)),
        J::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Box::new(CelUInt::from(u)),
            (None, Some(i)) => Box::new(CelInt::from(i)),
            (None, None) => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
        },
        J::String(s) => Box::new(CelString::from(s.as_str())),
        J::Array(items) => Box::new(CelList::from(items.iter().map(json_val).collect::<Vec<_>>())),
        J::Object(map) => Box::new(object_val(map.iter())),
    }
}

fn object_val<'v>(entries: impl Iterator<Item = (&'v String, &'v serde_json::Value)>) -> CelMap<'v> {
    CelMap::from(entries.map(|(k, v)| (CelMapKey::from(k.as_str()), json_val(v))).collect::<HashMap<_, _>>())
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
            let materials = if truthy { vec!["sample"] } else { Vec::new() };
            self.eval(Facts { form: &form, data: &data, materials: &materials })?;
        }
        Ok(())
    }
}

fn sample_outputs(outputs: &BTreeMap<String, OutputType>, truthy: bool) -> BTreeMap<String, serde_json::Value> {
    outputs
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
        .collect()
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
