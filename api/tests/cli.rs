//! The `api` binary as an operator runs it: its command line, the JWT secret it makes when
//! none is given, and the definitions built into it, each test starting the real process in
//! a directory of its own and talking to it over HTTP.
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
    let server = Server::start(api(&dir, &["serve", "--bind", "127.0.0.1:0"]).env("DATA_DIR", data_dir));

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
    let minted = run(&mut api(&dir, &["token", "clerk-1", "window_clerk", "4101", "--data-dir", "d"]));
    assert!(minted.status.success(), "{}", stderr(&minted));
    let token = String::from_utf8(minted.stdout).unwrap();
    let server = Server::start(&mut api(&dir, &["serve", "--bind", "127.0.0.1:0", "--data-dir", "d"]));
    let me = server.query(Some(token.trim()), "{ me { id office } }").await;
    assert_eq!(me["data"]["me"], serde_json::json!({ "id": "clerk-1", "office": "4101" }), "{me}");
}

#[tokio::test]
async fn bind_on_the_command_line_is_honoured_and_wins_over_the_environment() {
    let dir = empty_dir();
    let server = Server::start(api(&dir, &["serve", "--bind", "127.0.0.1:0"]).env("BIND", "not an address"));
    assert!(server.url.starts_with("http://127.0.0.1:"), "{}", server.url);
    assert!(!server.url.ends_with(":8080"), "the default port, not the one asked for: {}", server.url);
    let services = server.query(None, "{ services { code } }").await;
    assert!(services["errors"].is_null(), "{services}");
}

#[test]
fn an_unknown_flag_exits_with_status_2_and_names_it() {
    let output = run(&mut api(&empty_dir(), &["serve", "--no-such-flag"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--no-such-flag"), "{}", stderr(&output));
}

#[test]
fn a_token_for_a_malformed_office_is_refused_with_status_2() {
    let dir = empty_dir();
    let output = run(&mut api(&dir, &["token", "clerk-1", "window_clerk", "41x"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("office"), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "no token printed");
}

#[test]
fn help_lists_every_subcommand_and_each_subcommand_has_its_own() {
    let output = run(&mut api(&empty_dir(), &["--help"]));
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for subcommand in ["serve", "token", "validate", "purge", "demo"] {
        assert!(help.contains(subcommand), "{subcommand} missing from:\n{help}");
        let own = run(&mut api(&empty_dir(), &[subcommand, "--help"]));
        assert!(own.status.success(), "{subcommand} --help: {}", stderr(&own));
        assert!(String::from_utf8(own.stdout).unwrap().contains(&format!("Usage: api {subcommand}")));
    }
    let serve = String::from_utf8(run(&mut api(&empty_dir(), &["serve", "--help"])).stdout).unwrap();
    for flag in ["--bind", "--database-url", "--data-dir", "--workflows"] {
        assert!(serve.contains(flag), "{flag} missing from:\n{serve}");
    }
}

/// The codes of the definitions in `workflows/services`, sorted.
fn shipped_codes() -> Vec<String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services");
    let mut codes: Vec<String> = api::definitions::yaml_files(&folder)
        .unwrap()
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            engine::Service::from_yaml(&f.display().to_string(), &text).unwrap().spec.code
        })
        .collect();
    codes.sort();
    codes
}

/// The codes `{ services { code } }` lists, sorted.
async fn served_codes(server: &Server) -> Vec<String> {
    let r = server.query(None, "{ services { code } }").await;
    let mut codes: Vec<String> =
        r["data"]["services"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_owned()).collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn started_in_an_empty_directory_the_binary_serves_the_shipped_services() {
    let dir = empty_dir();
    let server = Server::start(&mut api(&dir, &["serve", "--bind", "127.0.0.1:0"]));
    let codes = served_codes(&server).await;
    assert_eq!(codes.len(), 12);
    assert_eq!(codes, shipped_codes());
    assert!(dir.join("data/engine.sqlite3").exists(), "the relative default data directory is under the working one");
}

#[tokio::test]
async fn workflows_publishes_that_folder_instead_of_the_shipped_services() {
    let dir = empty_dir();
    let folder = dir.join("mine");
    std::fs::create_dir_all(&folder).unwrap();
    let (file, text) = api::definitions::SHIPPED.iter().find(|(f, _)| *f == "licence-renewal.yaml").unwrap();
    std::fs::write(folder.join(file), text).unwrap();
    let server = Server::start(&mut api(&dir, &["serve", "--bind", "127.0.0.1:0", "--workflows", "mine"]));
    assert_eq!(served_codes(&server).await, ["JY-XK-0007"]);
}

#[test]
fn a_workflows_folder_that_does_not_exist_stops_serve_with_its_path() {
    let dir = empty_dir();
    let output = run(&mut api(&dir, &["serve", "--bind", "127.0.0.1:0", "--workflows", "no-such-folder"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no-such-folder"), "{}", stderr(&output));
    let output = run(api(&dir, &["serve", "--bind", "127.0.0.1:0"]).env("SERVICES_DIR", "neither-this"));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("neither-this"), "{}", stderr(&output));
}

#[test]
fn validate_without_paths_checks_the_built_in_definitions() {
    let output = run(&mut api(&empty_dir(), &["validate"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let report = String::from_utf8(output.stdout).unwrap();
    assert_eq!(report.lines().filter(|l| l.starts_with("built-in:") && l.contains(": ok")).count(), 12, "{report}");
}
