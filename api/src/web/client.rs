//! The pages' one way into the product: GraphQL documents executed in-process on the same
//! schema `/graphql` serves, as the signed-in person. A page therefore sees exactly what
//! the API would show that person and can do only what the API lets them; it never reads
//! the store or decides access itself.

use async_graphql::{UploadValue, Variables};
use serde::de::DeserializeOwned;

use crate::auth::Claims;
use crate::graphql::{AppSchema, Caller};

/// A refusal from the API, as a page shows it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The code from the closed set (`BAD_USER_INPUT`, `NOT_FOUND`, …).
    pub code: String,
    /// The API's message.
    pub message: String,
    /// Problems by field (`form.school_name`, `comment`), in words for the applicant.
    pub fields: Vec<(String, String)>,
    /// The refusal in Chinese, when the API gives it (`extensions.words`).
    pub words: Option<String>,
}

impl Failure {
    /// Whether the person can act on it where they are (their input, the case's state, a
    /// colleague's change): shown beside the form, not as a page of its own.
    #[must_use]
    pub fn in_place(&self) -> bool {
        !matches!(self.code.as_str(), "NOT_FOUND" | "UNAUTHENTICATED" | "INTERNAL")
    }
}

/// A file to upload with a document: bound to `variables.<name>`.
pub struct Upload {
    /// The variable the file goes to, e.g. `file`.
    pub variable: String,
    /// The file's name as the person chose it.
    pub file_name: String,
    /// Its bytes.
    pub bytes: bytes::Bytes,
}

/// Runs documents against the schema.
#[derive(Clone)]
pub struct Client {
    schema: AppSchema,
}

impl Client {
    /// A client of `schema`.
    #[must_use]
    pub fn new(schema: AppSchema) -> Self {
        Self { schema }
    }

    /// Runs `document` with `variables` as `who` (`None`: nobody signed in) and reads its
    /// data into `T`.
    ///
    /// # Errors
    /// The API's first error, with its code and the fields it names.
    pub async fn run<T: DeserializeOwned>(
        &self,
        who: Option<&Claims>,
        document: &str,
        variables: serde_json::Value,
    ) -> Result<T, Failure> {
        self.run_with(who, document, variables, Vec::new()).await
    }

    /// As [`Client::run`], with files.
    ///
    /// # Errors
    /// As [`Client::run`].
    pub async fn run_with<T: DeserializeOwned>(
        &self,
        who: Option<&Claims>,
        document: &str,
        variables: serde_json::Value,
        uploads: Vec<Upload>,
    ) -> Result<T, Failure> {
        let mut request =
            async_graphql::Request::new(document).variables(Variables::from_json(variables)).data(Caller(who.cloned()));
        for u in uploads {
            request.set_upload(
                &format!("variables.{}", u.variable),
                UploadValue { filename: u.file_name, content_type: None, content: u.bytes },
            );
        }
        let response = self.schema.execute(request).await;
        if let Some(error) = response.errors.into_iter().next() {
            let ext = error.extensions.as_ref();
            let code = match ext.and_then(|e| e.get("code")) {
                Some(async_graphql::Value::String(c)) => c.clone(),
                _ => "BAD_USER_INPUT".to_owned(),
            };
            let fields = match ext.and_then(|e| e.get("fields")) {
                Some(async_graphql::Value::List(list)) => list
                    .iter()
                    .filter_map(|item| match item {
                        async_graphql::Value::Object(o) => match (o.get("field"), o.get("message")) {
                            (Some(async_graphql::Value::String(f)), Some(async_graphql::Value::String(m))) => {
                                Some((f.clone(), m.clone()))
                            }
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if code == "INTERNAL" {
                tracing::error!(message = %error.message, "a page's document failed");
            }
            let words = match ext.and_then(|e| e.get("words")) {
                Some(async_graphql::Value::String(w)) => Some(w.clone()),
                _ => None,
            };
            return Err(Failure { code, message: error.message, fields, words });
        }
        let data = response.data.into_json().map_err(|e| internal(&e.to_string()))?;
        serde_json::from_value(data).map_err(|e| {
            tracing::error!(error = %e, "page document answered in an unexpected shape");
            internal(&e.to_string())
        })
    }
}

fn internal(why: &str) -> Failure {
    Failure { code: "INTERNAL".to_owned(), message: why.to_owned(), fields: Vec::new(), words: None }
}

impl Client {
    /// Runs a subscription as `who`; each answer as it comes.
    pub fn subscribe(
        &self,
        who: &Claims,
        document: &str,
    ) -> impl futures_util::Stream<Item = async_graphql::Response> + Send + 'static {
        let request = async_graphql::Request::new(document).data(Caller(Some(who.clone())));
        self.schema.execute_stream(request)
    }
}
