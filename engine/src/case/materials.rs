//! Which materials a case still lacks, by the definition's rules: required or
//! required-when, and alternatives (any_of of all_of).

use std::collections::BTreeMap;

use super::state::{CaseState, MaterialRef};
use crate::definition::expr::Facts;
use crate::definition::{MaterialSpec, Service};

/// Whether a code is one an applicant may upload under.
#[must_use]
pub fn is_known(service: &Service, code: &str) -> bool {
    service.spec.materials.iter().any(|m| {
        if m.any_of.is_empty() {
            m.code == code
        } else {
            m.any_of.iter().any(|a| a.all_of.iter().any(|d| d.code == code))
        }
    })
}

/// Whether a material is satisfied by the codes present.
fn satisfied(m: &MaterialSpec, present: &dyn Fn(&str) -> bool) -> bool {
    if m.any_of.is_empty() {
        present(&m.code)
    } else {
        m.any_of.iter().any(|a| a.all_of.iter().all(|d| present(&d.code)))
    }
}

/// The required materials not satisfied by `materials`, leaving out those named in `also`
/// (deferred codes).
///
/// # Errors
/// A message when a `required_when` condition cannot be evaluated on the form.
pub fn missing<'s>(
    service: &'s Service,
    state: &CaseState,
    materials: &BTreeMap<String, MaterialRef>,
    also: &[String],
) -> Result<Vec<&'s MaterialSpec>, String> {
    let codes: Vec<&str> = materials.keys().map(String::as_str).collect();
    let empty = BTreeMap::new();
    let facts = Facts { form: &state.form, data: &empty, materials: &codes };
    let mut prepared = None;
    let present = |c: &str| materials.contains_key(c);
    let mut out = Vec::new();
    for m in &service.spec.materials {
        let required = match service.required_when(&m.code) {
            Some(cond) => {
                if prepared.is_none() {
                    prepared = Some(facts.prepare()?);
                }
                prepared.as_ref().map_or(Ok(false), |p| cond.eval_in(p))?
            }
            None => m.required,
        };
        if required && !also.contains(&m.code) && !satisfied(m, &present) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Whether one material (by its top-level code) is satisfied by the supplied materials.
#[must_use]
pub fn is_satisfied(service: &Service, code: &str, materials: &BTreeMap<String, MaterialRef>) -> bool {
    service.spec.materials.iter().find(|m| m.code == code).is_some_and(|m| satisfied(m, &|c| materials.contains_key(c)))
}

/// Whether a material is required for an application with `form`: `required`, or its
/// `required_when` holds.
///
/// # Errors
/// A message when the condition cannot be evaluated on the form.
pub fn is_required(service: &Service, form: &serde_json::Value, code: &str) -> Result<bool, String> {
    let Some(m) = service.spec.materials.iter().find(|m| m.code == code) else { return Ok(false) };
    match service.required_when(code) {
        Some(cond) => {
            let empty = BTreeMap::new();
            let facts = Facts { form, data: &empty, materials: &[] };
            cond.eval_in(&facts.prepare()?)
        }
        None => Ok(m.required),
    }
}
