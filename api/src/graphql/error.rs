//! The closed set of error codes clients see in `extensions.code`, and the one place
//! internal errors become them. Database and internal details are logged, never sent.

use async_graphql::ErrorExtensions;
use engine::case::ErrorCode;

use crate::store::StoreError;

/// A client-facing error with its code.
pub fn coded(code: &str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, e| e.set("code", code.to_owned()))
}

impl From<crate::policy::Refusal> for async_graphql::Error {
    fn from(r: crate::policy::Refusal) -> Self {
        coded(r.code(), r.message())
    }
}

/// No valid token where one is needed.
pub fn unauthenticated() -> async_graphql::Error {
    coded("UNAUTHENTICATED", "a valid bearer token is required")
}

/// The caller may not do this.
pub fn forbidden(what: &str) -> async_graphql::Error {
    coded("FORBIDDEN", format!("not allowed: {what}"))
}

/// Nothing the caller may see by this id.
pub fn not_found(what: &str) -> async_graphql::Error {
    coded("NOT_FOUND", format!("no {what}"))
}

/// Bad input, naming what is wrong.
pub fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    coded("BAD_USER_INPUT", message)
}

/// A form's problems: BAD_USER_INPUT with every problem in the message, and in
/// `extensions.fields` as `{field, message}` pairs in Chinese for a page to show beside each
/// field.
pub fn form_problems(problems: &crate::forms::Problems) -> async_graphql::Error {
    let fields: Vec<async_graphql::Value> = problems
        .0
        .iter()
        .map(|p| {
            let mut o = async_graphql::indexmap::IndexMap::new();
            o.insert(async_graphql::Name::new("field"), async_graphql::Value::from(p.field.clone()));
            o.insert(async_graphql::Name::new("message"), async_graphql::Value::from(p.words.clone()));
            async_graphql::Value::Object(o)
        })
        .collect();
    bad_input(problems.to_string()).extend_with(move |_, e| e.set("fields", async_graphql::Value::List(fields.clone())))
}

/// A store error as the client sees it.
pub fn from_store(e: StoreError) -> async_graphql::Error {
    match e {
        StoreError::Engine(e) => {
            let words = e.words();
            let code = match e.code() {
                ErrorCode::InvalidTransition => "INVALID_TRANSITION",
                ErrorCode::Forbidden => "FORBIDDEN",
                ErrorCode::NotFound => "NOT_FOUND",
                ErrorCode::Conflict => "CONFLICT",
                ErrorCode::BadUserInput => "BAD_USER_INPUT",
                ErrorCode::Internal => {
                    tracing::error!(error = %e, "engine internal error");
                    return coded("INTERNAL", "internal error");
                }
            };
            coded(code, e.to_string()).extend_with(move |_, x| x.set("words", words.clone()))
        }
        StoreError::Conflict => {
            coded("CONFLICT", e.to_string()).extend_with(|_, x| x.set("words", "办件刚刚被他人更新，请刷新后再试"))
        }
        StoreError::CaseNotFound(_) => not_found("such case"),
        StoreError::UnknownService(s) => bad_input(format!("no published service {s}")),
        StoreError::Publish(m) => bad_input(m),
        StoreError::Corrupt(_) | StoreError::Db(_) | StoreError::Unavailable(_) => {
            tracing::error!(error = %e, "store failure");
            coded("INTERNAL", "internal error")
        }
    }
}
