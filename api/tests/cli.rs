//! The `api` binary as an operator runs it: the JWT secret it makes when none is given,
//! each test starting the real process in a directory of its own and talking to it over
//! HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The secret every installation accepted when `JWT_SECRET` was unset, before it was removed.
const OLD_DEVELOPMENT_SECRET: &str = "development-only-secret-change-me";

/// A fresh, empty directory, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn empty_dir() -> Scratch {
    let dir = std::env::temp_dir().join(format!("api-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// `api ARGS` in `dir`, with none of the settings' variables from the test's environment.
fn api(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    command.args(args).current_dir(dir).env("RUST_LOG", "warn");
    for var in
        ["JWT_SECRET", "JWT_PUBLIC_KEY_PEM", "DATA_DIR", "DATABASE_URL", "SERVICES_DIR", "BIND", "CERT_SIGNING_KEY"]
    {
        command.env_remove(var);
    }
    command
}

/// Runs `command` to its end.
fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

/// A running `api serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `command` (an `api serve`) and waits for its `listening on` line.
    fn start(command: &mut Command) -> Self {
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("server said {line:?}")).to_owned();
        Self { child, url }
    }

    /// Posts a GraphQL query, with `token` as bearer if any: the whole response body.
    async fn query(&self, token: Option<&str>, query: &str) -> serde_json::Value {
        let mut request =
            reqwest::Client::new().post(format!("{}/graphql", self.url)).json(&serde_json::json!({ "query": query }));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send().await.unwrap().json().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn without_jwt_secret_the_old_development_secret_is_refused_and_api_token_is_accepted() {
    let dir = empty_dir();
    let data = dir.join("state");
    let data_dir = data.to_str().unwrap();
    let server = Server::start(api(&dir, &["serve"]).env("BIND", "127.0.0.1:0").env("DATA_DIR", data_dir));

    let forged = api::auth::Auth::hs256(OLD_DEVELOPMENT_SECRET.as_bytes(), "edu-engine", "edu-engine")
        .mint("intruder", &["admin".to_owned()], "", chrono::Duration::hours(1))
        .unwrap();
    let refused = server.query(Some(&forged), "{ me { id } }").await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");

    let minted = run(api(&dir, &["token", "admin-1", "admin"]).env("DATA_DIR", data_dir));
    assert!(minted.status.success(), "{}", stderr(&minted));
    let token = String::from_utf8(minted.stdout).unwrap();
    let me = server.query(Some(token.trim()), "{ me { id roles } }").await;
    assert_eq!(me["data"]["me"], serde_json::json!({ "id": "admin-1", "roles": ["admin"] }), "{me}");

    let secret = std::fs::read_to_string(data.join("jwt-secret")).unwrap();
    assert_eq!(secret.len(), 64, "32 random bytes, hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("jwt-secret")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn a_token_minted_before_the_first_start_is_accepted_by_the_server() {
    let dir = empty_dir();
    let minted = run(api(&dir, &["token", "clerk-1", "window_clerk", "4101"]).env("DATA_DIR", "d"));
    assert!(minted.status.success(), "{}", stderr(&minted));
    let token = String::from_utf8(minted.stdout).unwrap();
    let server = Server::start(api(&dir, &["serve"]).env("BIND", "127.0.0.1:0").env("DATA_DIR", "d"));
    let me = server.query(Some(token.trim()), "{ me { id office } }").await;
    assert_eq!(me["data"]["me"], serde_json::json!({ "id": "clerk-1", "office": "4101" }), "{me}");
}
