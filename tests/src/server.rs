//! Server processes for the crash and multi-node tests, and a small GraphQL client.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The shared secret the test servers accept.
pub const SECRET: &str = "test-secret";

/// The certificate signing seed the test servers share (so every node signs alike).
pub const CERT_KEY: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

/// A running server process.
pub struct Server {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl Server {
    /// Starts `bin` on a free loopback port over `database_url`, as node `node`.
    pub fn start(bin: &str, database_url: &str, node: &str, lease_secs: u64) -> Self {
        let mut child = Command::new(bin)
            .env("DATABASE_URL", database_url)
            .env("BIND", "127.0.0.1:0")
            .env("NODE_ID", node)
            .env("LEASE_SECS", lease_secs.to_string())
            .env("JWT_SECRET", SECRET)
            .env("CERT_SIGNING_KEY", CERT_KEY)
            .env("DATA_DIR", std::env::temp_dir().join(format!("edu-engine-{node}-{}", std::process::id())))
            .env("SERVICES_DIR", crate::services_dir())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("server said {line:?}")).to_owned();
        Self { child, url }
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A token for `user` with `roles` in `office`, signed with [`SECRET`].
#[must_use]
pub fn token(user: &str, roles: &[&str], office: &str) -> String {
    let auth = api::auth::Auth::hs256(SECRET.as_bytes(), "edu-engine", "edu-engine");
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    auth.mint(user, &roles, office, chrono::Duration::hours(1)).unwrap()
}

/// Posts a GraphQL request; `Ok(data)` or `Err(the errors or the transport failure)`.
///
/// # Errors
/// As said.
pub async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let body = serde_json::json!({ "query": query, "variables": variables });
    let response = client
        .post(format!("{url}/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let value: serde_json::Value = response.json().await.map_err(|e| format!("transport: {e}"))?;
    match value.get("errors") {
        Some(errors) => Err(errors.to_string()),
        None => Ok(value["data"].clone()),
    }
}

/// The router served in this process on a free loopback port (the real HTTP server, without
/// the runtime loops); returns its base URL.
pub async fn serve_in_process(store: api::store::Store) -> String {
    let auth = api::auth::Auth::hs256(SECRET.as_bytes(), "edu-engine", "edu-engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum_serve(listener, api::http::router(store, auth)).await;
    });
    url
}

/// As [`serve_in_process`], with the pages' development sign-in on (as on a local
/// installation without an identity provider) and sign-ins lasting `session_seconds`.
pub async fn serve_pages(store: api::store::Store, session_seconds: i64) -> String {
    let auth = api::auth::Auth::hs256(SECRET.as_bytes(), "edu-engine", "edu-engine");
    let mut site = api::web::Site::new("a session secret for the page tests only", "edu-engine", "edu-engine");
    site.development = true;
    site.session_seconds = session_seconds;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum_serve(listener, api::http::router_with(store, auth, site)).await;
    });
    url
}

/// Signs in to the pages at `url` as the demo identity `sub` through the development
/// sign-in, as a browser would; the `Cookie` header that carries the session.
pub async fn page_session(url: &str, sub: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(format!("{url}/signin")).send().await.unwrap();
    let jar = set_cookies(&page);
    let html = page.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &html[at..at + 32];
    let signed = http
        .post(format!("{url}/signin/development"))
        .header("cookie", &jar)
        .form(&[("csrf", csrf), ("sub", sub), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "signed in as {sub}");
    format!("{jar}; {}", set_cookies(&signed))
}

/// The cookies a response sets, as a `Cookie` header carries them back.
#[must_use]
pub fn set_cookies(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}

/// The full response body of a GraphQL request, errors included.
pub async fn raw(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> serde_json::Value {
    let mut request = client.post(format!("{url}/graphql")).json(&body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// The `extensions.code` of the first error, if any.
#[must_use]
pub fn code(response: &serde_json::Value) -> Option<String> {
    response["errors"][0]["extensions"]["code"].as_str().map(str::to_owned)
}

/// Uploads `bytes` as `file_name` with a GraphQL multipart request (`uploadFile`); the
/// whole response body.
pub async fn upload(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    file_name: &str,
    bytes: &[u8],
) -> serde_json::Value {
    let boundary = format!("----edu{}", uuid::Uuid::now_v7().simple());
    let operations = serde_json::json!({
        "query": "mutation($f: Upload!) { uploadFile(file: $f) { sha256 size contentType } }",
        "variables": { "f": null },
    });
    let mut body = Vec::new();
    let mut part = |headers: &str, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part("Content-Disposition: form-data; name=\"operations\"", operations.to_string().as_bytes());
    part("Content-Disposition: form-data; name=\"map\"", br#"{"0": ["variables.f"]}"#);
    part(
        &format!(
            "Content-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream"
        ),
        bytes,
    );
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = client
        .post(format!("{url}/graphql"))
        .bearer_auth(token)
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    response.json().await.unwrap_or_else(|e| panic!("upload answered {status}: {e}"))
}

/// A small PDF whose content names `what` (so each is a different file).
#[must_use]
pub fn pdf(what: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {what}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

/// The case fields the flagship tests read back after each step.
pub const CASE: &str = "id version status publicStatus legalDeadline promisedDeadline outcome trackingNo queryCode tasks { id step role office }";

/// A GraphQL client of one server, for tests that walk a case through its steps.
pub struct Api {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The server's base URL.
    pub url: String,
}

impl Api {
    /// A client of the server at `url`.
    #[must_use]
    pub fn new(url: String) -> Self {
        Self { http: reqwest::Client::new(), url }
    }

    /// Runs `query` as `who` (anonymous with `None`): the whole response body.
    pub async fn call(&self, who: Option<&str>, query: &str, variables: serde_json::Value) -> serde_json::Value {
        raw(&self.http, &self.url, who, serde_json::json!({ "query": query, "variables": variables })).await
    }

    /// Runs `query` as `who`, which must succeed: its first (only) field's value.
    pub async fn ok(&self, who: &str, query: &str, variables: serde_json::Value) -> serde_json::Value {
        let r = self.call(Some(who), query, variables).await;
        assert!(r["errors"].is_null(), "{query}: {r}");
        r["data"].as_object().unwrap().values().next().unwrap().clone()
    }

    /// Runs `query` as `who`, which must fail: the error's code and message.
    pub async fn refused(&self, who: &str, query: &str, variables: serde_json::Value) -> (String, String) {
        let r = self.call(Some(who), query, variables).await;
        let message = r["errors"][0]["message"].as_str().unwrap_or_else(|| panic!("{query} succeeded: {r}"));
        (code(&r).unwrap_or_default(), message.to_owned())
    }

    /// Uploads one PDF per material code and returns the list citing them.
    pub async fn materials(&self, who: &str, codes: &[&str]) -> serde_json::Value {
        let mut out = Vec::new();
        for c in codes {
            let r = upload(&self.http, &self.url, who, &format!("{c}.pdf"), &pdf(c)).await;
            assert!(r["errors"].is_null(), "upload {c}: {r}");
            out.push(serde_json::json!({ "code": c, "sha256": r["data"]["uploadFile"]["sha256"], "fileName": format!("{c}.pdf") }));
        }
        serde_json::Value::Array(out)
    }

    /// The id of the case's open task at `step`, as `who` sees the case.
    pub async fn task(&self, who: &str, case: &str, step: &str) -> i64 {
        let q = format!("query($c: String!) {{ case(id: $c) {{ {CASE} }} }}");
        let c = self.ok(who, &q, serde_json::json!({ "c": case })).await;
        let tasks = c["tasks"].as_array().unwrap();
        tasks.iter().find(|t| t["step"] == step).unwrap_or_else(|| panic!("no {step} in {c}"))["id"].as_i64().unwrap()
    }

    /// Completes the task at `step` with `action` as `who`: the case after it.
    pub async fn complete(&self, who: &str, case: &str, step: &str, action: &str) -> serde_json::Value {
        let task = self.task(who, case, step).await;
        let q = format!(
            "mutation($c: String!, $t: Int!, $a: String!) {{ completeTask(caseId: $c, taskId: $t, action: $a) {{ {CASE} }} }}"
        );
        self.ok(who, &q, serde_json::json!({ "c": case, "t": task, "a": action })).await
    }
}
