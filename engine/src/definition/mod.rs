//! Service definitions: the YAML format ([`model`]), loading with file/line/field errors,
//! and the checks that make "a definition that loads can run" true ([`validate`]).

pub mod expr;
pub mod model;
pub mod steps;
mod validate;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

pub use model::*;

use expr::Condition;

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File name as given to the loader.
    pub file: String,
    /// Line, from 1 (0 when unknown).
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// Field path, e.g. `steps[3].next`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.field, self.message)
    }
}

/// Every problem found in a definition file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s):\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct LoadError(pub Vec<Problem>);

/// A loaded, checked service definition with its compiled conditions and indexes.
#[derive(Debug, Clone)]
pub struct Service {
    /// The definition as written.
    pub spec: ServiceSpec,
    /// SHA-256 of the source text, hex.
    pub source_hash: String,
    steps: HashMap<String, usize>,
    /// Compiled decision conditions by (step id, branch index).
    branches: HashMap<(String, usize), Condition>,
    /// Compiled `required_when` conditions by material code.
    required_when: HashMap<String, Condition>,
    /// Parallel step id of each step that lies inside a branch.
    in_branch: HashMap<String, String>,
    /// The form's property names in the order the file writes them (JSON objects keep none).
    form_order: Vec<String>,
}

impl Service {
    /// Loads a definition from YAML text; `file` names it in errors.
    ///
    /// # Errors
    /// [`LoadError`] with every problem found, each with file, line and field.
    pub fn from_yaml(file: &str, source: &str) -> Result<Self, LoadError> {
        let located = yaml::parse(source).map_err(|e| {
            LoadError(vec![Problem {
                file: file.to_owned(),
                line: e.position.line,
                column: e.position.column,
                field: ".".to_owned(),
                message: format!("YAML syntax: {}", e.message),
            }])
        })?;
        let problem = |path: &str, message: String| {
            let p = located.position(path);
            Problem { file: file.to_owned(), line: p.line, column: p.column, field: path.to_owned(), message }
        };
        let spec: ServiceSpec = serde_path_to_error::deserialize(&located.value).map_err(|e| {
            let path = e.path().to_string();
            LoadError(vec![problem(&path, e.inner().to_string())])
        })?;
        let checked = validate::check(&spec);
        if !checked.problems.is_empty() {
            return Err(LoadError(checked.problems.into_iter().map(|(path, m)| problem(&path, m)).collect()));
        }
        let steps = spec.steps.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        let mut form_order: Vec<(usize, usize, String)> = located
            .positions
            .iter()
            .filter_map(|(path, p)| {
                let name = path.strip_prefix("form.properties.")?;
                (!name.contains(['.', '['])).then(|| (p.line, p.column, name.to_owned()))
            })
            .collect();
        form_order.sort();
        Ok(Self {
            form_order: form_order.into_iter().map(|(_, _, name)| name).collect(),
            source_hash: hex::encode(Sha256::digest(source.as_bytes())),
            steps,
            branches: checked.branches,
            required_when: checked.required_when,
            in_branch: checked.in_branch,
            spec,
        })
    }

    /// The step with this id.
    #[must_use]
    pub fn step(&self, id: &str) -> Option<&StepSpec> {
        self.steps.get(id).map(|&i| &self.spec.steps[i])
    }

    /// The name clerks know a step by (环节名称), the follow-up of a bad rating included.
    #[must_use]
    pub fn step_name(&self, id: &str) -> Option<&str> {
        use crate::case::state as s;
        match id {
            s::FOLLOW_UP_STEP => Some(s::FOLLOW_UP_NAME),
            s::VERIFICATION_STEP => Some(s::VERIFICATION_NAME),
            s::PRE_REVIEW_STEP => Some(s::PRE_REVIEW_NAME),
            _ => self.step(id).map(|s| s.name.as_str()),
        }
    }

    /// What a clerk reads beside a datum the task at step `step` records: for the engine's
    /// own tasks their Chinese words; a definition's outputs have no title, so their name.
    #[must_use]
    pub fn output_label<'n>(&self, step: &str, name: &'n str) -> &'n str {
        use crate::case::state as s;
        let builtin = matches!(step, s::FOLLOW_UP_STEP | s::VERIFICATION_STEP | s::PRE_REVIEW_STEP)
            || matches!(self.step(step).map(|x| &x.kind), Some(StepKind::Publicity(_) | StepKind::Committee(_)));
        if !builtin {
            return name;
        }
        match name {
            "finding" => "核查发现",
            "answer" => "答复内容",
            "notice" => "预审意见",
            "reason" => "理由（回避时必填）",
            "note" => "回访整改情况",
            other => other,
        }
    }

    /// The actions a task at step `id` offers and the data they record: a task step's own,
    /// or those of the engine's own tasks (a bad rating's follow-up, a commitment's
    /// verification, a draft's pre-review, an objection during 公示, a committee's vote).
    /// Empty for a step that has no task.
    #[must_use]
    pub fn task_actions(&self, id: &str) -> (Vec<ActionSpec>, BTreeMap<String, OutputType>) {
        use crate::case::{commitment, committee, pre_review, publicity, state as s};
        let action =
            |code: &str, label: &str| ActionSpec { action: code.into(), label: label.into(), next: String::new() };
        let text = |name: &str| BTreeMap::from([(name.to_owned(), OutputType::String)]);
        match id {
            s::FOLLOW_UP_STEP => (vec![action(s::FOLLOW_UP_CLOSE, s::FOLLOW_UP_CLOSE_LABEL)], text("note")),
            s::VERIFICATION_STEP => (
                vec![action(commitment::CONFIRM, "核查属实"), action(commitment::REVOKE, "承诺不实，撤销许可")],
                text("finding"),
            ),
            s::PRE_REVIEW_STEP => (vec![action(pre_review::ANSWER, "答复预审意见")], text("notice")),
            _ => match self.step(id).map(|s| &s.kind) {
                Some(StepKind::Task(t)) => (t.actions.clone(), t.outputs.clone()),
                Some(StepKind::Publicity(_)) => (
                    vec![action(publicity::DISMISS, "异议不成立"), action(publicity::UPHOLD, "异议成立")],
                    text("answer"),
                ),
                Some(StepKind::Committee(c)) => (
                    vec![
                        ActionSpec { next: c.approved.clone(), ..action(committee::APPROVE, "同意") },
                        ActionSpec { next: c.rejected.clone(), ..action(committee::REJECT, "不同意") },
                        action(committee::ABSTAIN, "弃权"),
                        action(committee::RECUSE, "回避"),
                        action(committee::CLOSE, "结束表决（主任委员）"),
                    ],
                    text("reason"),
                ),
                _ => (Vec::new(), BTreeMap::new()),
            },
        }
    }

    /// The form's property names in the order the definition writes them.
    #[must_use]
    pub fn form_order(&self) -> &[String] {
        &self.form_order
    }

    /// The first step, where an accepted case starts.
    #[must_use]
    pub fn first_step(&self) -> &StepSpec {
        &self.spec.steps[0]
    }

    /// The compiled condition of a decision branch.
    #[must_use]
    pub fn branch_condition(&self, step: &str, index: usize) -> Option<&Condition> {
        self.branches.get(&(step.to_owned(), index))
    }

    /// The compiled `required_when` of a material.
    #[must_use]
    pub fn required_when(&self, material: &str) -> Option<&Condition> {
        self.required_when.get(material)
    }

    /// The parallel step a step belongs to, when it lies inside a branch.
    #[must_use]
    pub fn parallel_of(&self, step: &str) -> Option<&str> {
        self.in_branch.get(step).map(String::as_str)
    }

    /// A form that passes this service's rules, for demos, tests and benchmarks: enum fields
    /// take their first value, dates a future date, booleans true, numbers 1, other strings
    /// an office code (`410102001`).
    #[must_use]
    pub fn example_form(&self) -> serde_json::Value {
        let props = self.spec.form.get("properties").and_then(|p| p.as_object());
        let form = props.into_iter().flatten().map(|(k, p)| {
            let v = if let Some(first) = p.get("enum").and_then(|e| e.get(0)) {
                first.clone()
            } else if p.get("format").and_then(|f| f.as_str()) == Some("date") {
                serde_json::json!("2030-06-30")
            } else {
                match p.get("type").and_then(|t| t.as_str()) {
                    Some("boolean") => serde_json::json!(true),
                    Some("integer" | "number") => serde_json::json!(1),
                    _ => serde_json::json!("410102001"),
                }
            };
            (k.clone(), v)
        });
        serde_json::Value::Object(form.collect())
    }

    /// Whether `role` is declared (or is the built-in applicant role).
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        role == APPLICANT_ROLE || self.spec.roles.iter().any(|r| r.code == role)
    }
}

/// The built-in role of the person who applied.
pub const APPLICANT_ROLE: &str = "applicant";

/// The JSON Schema of the definition format, generated from the Rust types.
#[must_use]
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ServiceSpec)).unwrap_or_default()
}
