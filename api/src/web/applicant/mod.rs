//! Pages for applicants, signed in: apply for a service, the receipt, their cases, and on
//! a case what they can do (supply what a correction notice asks, withdraw, rate, print the
//! e-licence). What they may do comes from the API (`operations`), never from the page.

pub mod apply;
pub mod cases;

use axum::extract::Multipart;

/// A multipart form read whole: text fields by name, and files.
#[derive(Default)]
pub struct Posted {
    /// Text fields in order.
    pub fields: Vec<(String, String)>,
    /// Files chosen (empty file inputs left out): field name, file name, bytes.
    pub files: Vec<(String, String, bytes::Bytes)>,
}

impl Posted {
    /// Reads `multipart`.
    ///
    /// # Errors
    /// The body is not a well-formed multipart form, or too large.
    pub async fn read(mut multipart: Multipart) -> Result<Self, String> {
        let mut out = Self::default();
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(|e| e.to_string())?;
                    if !file_name.is_empty() && !bytes.is_empty() {
                        out.files.push((name, file_name, bytes));
                    }
                }
                None => out.fields.push((name, field.text().await.map_err(|e| e.to_string())?)),
            }
        }
        Ok(out)
    }

    /// The first value of `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Uploads a file through the API; its SHA-256, or the API's words on why not.
pub async fn upload(
    app: &crate::http::App,
    who: &crate::auth::Claims,
    file_name: &str,
    bytes: bytes::Bytes,
) -> Result<String, super::client::Failure> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct File {
        sha256: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        upload_file: File,
    }
    let doc = "mutation($file: Upload!) { uploadFile(file: $file) { sha256 } }";
    let upload = super::client::Upload { variable: "file".into(), file_name: file_name.to_owned(), bytes };
    let data: Data = app.client().run_with(Some(who), doc, serde_json::json!({ "file": null }), vec![upload]).await?;
    Ok(data.upload_file.sha256)
}

/// Uploads every `file.<code>` of a post: the materials citing them, and a problem in words
/// for each file the API refused as a file (keyed `file.<code>`); any other failure as is.
///
/// # Errors
/// A failure that is not about a file (signed out, the service down).
pub async fn upload_all(
    app: &crate::http::App,
    who: &crate::auth::Claims,
    posted: &Posted,
) -> Result<(Vec<serde_json::Value>, Vec<(String, String)>), super::client::Failure> {
    let (mut materials, mut problems) = (Vec::new(), Vec::new());
    for (field, file_name, bytes) in &posted.files {
        let Some(code) = field.strip_prefix("file.") else { continue };
        match upload(app, who, file_name, bytes.clone()).await {
            Ok(sha) => materials.push(serde_json::json!({ "code": code, "sha256": sha, "fileName": file_name })),
            Err(f) if f.code == "BAD_USER_INPUT" => problems.push((format!("file.{code}"), upload_words(&f))),
            Err(f) => return Err(f),
        }
    }
    Ok((materials, problems))
}

/// The answer to a multipart post that did not arrive whole.
#[must_use]
pub fn incomplete(visit: crate::web::session::Visit, e: &str) -> axum::response::Response {
    visit.problem(axum::http::StatusCode::BAD_REQUEST, "提交不完整", &format!("表单没有完整收到，请重新提交（{e}）。"))
}

/// An upload's refusal in words for the person who chose the file.
#[must_use]
pub fn upload_words(f: &super::client::Failure) -> String {
    let m = f.message.to_lowercase();
    if m.contains("not a pdf") {
        "文件类型不符：请上传 PDF、JPEG、PNG 或 OFD 文件".into()
    } else if m.contains("larger than") {
        "文件太大：每个文件不超过 20 MB".into()
    } else if m.contains("empty") {
        "文件是空的，请重新选择".into()
    } else {
        "文件未能上传，请重新选择".into()
    }
}
