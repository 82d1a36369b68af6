//! The GraphQL API over real HTTP on SQLite and PostgreSQL: every token attack is refused
//! with UNAUTHENTICATED, each error code of the closed set is produced by the situation it
//! names, no SQL reaches a client, and malformed or oversized requests are refused cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::server::{SECRET, code, raw, serve_in_process, token};
use tests::{backends, open, transfer_form};

const SUBMIT: &str =
    "mutation($f: JSON!) { submitCase(service: \"JY-GG-0001\", form: $f) { id version tasks { id } } }";

fn b64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_refused_with_unauthenticated() {
    let backend = &backends().await[0];
    let url = serve_in_process(open(backend).await).await;
    let http = reqwest::Client::new();
    let me = json!({ "query": "{ me { id } }" });
    let good = token("u1", &["applicant"], "");
    assert_eq!(raw(&http, &url, Some(&good), me.clone()).await["data"]["me"]["id"], "u1");

    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64, iss: &str| json!({"sub": "u1", "roles": ["admin"], "office": "", "exp": exp, "iat": now, "iss": iss, "aud": "edu-engine"});
    let sign = |secret: &str, claims: serde_json::Value| {
        let key = jsonwebtoken_key(secret);
        key(claims)
    };
    let expired = sign(SECRET, claims(now - 3600, "edu-engine"));
    let wrong_key = sign("someone-else", claims(now + 3600, "edu-engine"));
    let wrong_issuer = sign(SECRET, claims(now + 3600, "evil"));
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(now + 3600, "edu-engine").to_string().as_bytes())
    );
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    parts[1] = b64(claims(now + 3600, "edu-engine").to_string().as_bytes());
    let tampered = parts.join(".");
    for (what, bad) in [
        ("expired", expired),
        ("wrong key", wrong_key),
        ("wrong issuer", wrong_issuer),
        ("alg none", unsigned),
        ("tampered", tampered),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let response = raw(&http, &url, Some(&bad), me.clone()).await;
        assert_eq!(code(&response).as_deref(), Some("UNAUTHENTICATED"), "{what}: {response}");
        assert!(response["data"].is_null(), "{what}");
    }
    let anonymous = raw(&http, &url, None, me).await;
    assert_eq!(code(&anonymous).as_deref(), Some("UNAUTHENTICATED"));
}

fn jsonwebtoken_key(secret: &str) -> impl Fn(serde_json::Value) -> String + '_ {
    move |claims| {
        let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
    }
}

#[tokio::test]
async fn each_error_code_comes_from_the_situation_it_names() {
    for backend in backends().await {
        let store = open(&backend).await;
        let url = serve_in_process(store.clone()).await;
        let http = reqwest::Client::new();
        let guardian = token("guardian-1", &["applicant"], "");
        let submitted =
            raw(&http, &url, Some(&guardian), json!({"query": SUBMIT, "variables": {"f": transfer_form()}})).await;
        let case_id = submitted["data"]["submitCase"]["id"].as_str().unwrap().to_owned();
        let version = submitted["data"]["submitCase"]["version"].as_i64().unwrap();
        let check = |who: String, query: String, expected: &'static str| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let response = raw(&http, &url, Some(&who), json!({ "query": query })).await;
                assert_eq!(code(&response).as_deref(), Some(expected), "{query}: {response}");
                let text = response.to_string().to_lowercase();
                assert!(!text.contains("select ") && !text.contains("sqlx") && !text.contains("insert "), "{text}");
            }
        };
        let n = backend.name;
        // FORBIDDEN: a registrar of the right office but the wrong role.
        let bureau = token("b1", &["bureau_registrar"], "110105001");
        let complete =
            format!("mutation {{ completeTask(caseId: \"{case_id}\", taskId: 0, action: \"approve\") {{ id }} }}");
        check(bureau, complete.clone(), "FORBIDDEN").await;
        // NOT_FOUND: another applicant's case.
        let other = token("guardian-2", &["applicant"], "");
        check(other.clone(), format!("{{ case(id: \"{case_id}\") {{ id }} }}"), "NOT_FOUND").await;
        check(
            other,
            format!("mutation {{ withdrawCase(caseId: \"{case_id}\", reason: \"x\") {{ id }} }}"),
            "NOT_FOUND",
        )
        .await;
        // CONFLICT: acting on a version that moved.
        let registrar = token("s1", &["school_registrar"], "110105001");
        let claim = format!("mutation {{ claimTask(caseId: \"{case_id}\", taskId: 0) {{ id }} }}");
        assert!(raw(&http, &url, Some(&registrar), json!({ "query": claim })).await["errors"].is_null(), "{n}");
        let stale = format!(
            "mutation {{ completeTask(caseId: \"{case_id}\", taskId: 0, action: \"approve\", expectedVersion: {version}) {{ id }} }}"
        );
        check(registrar.clone(), stale, "CONFLICT").await;
        // BAD_USER_INPUT: no such service; a malformed hash; a query that does not parse.
        check(guardian.clone(), "mutation { submitCase(service: \"NOPE\", form: {}) { id } }".into(), "BAD_USER_INPUT")
            .await;
        let bad_hash = format!(
            "mutation {{ supplyMaterials(caseId: \"{case_id}\", materials: [{{code: \"x\", sha256: \"zz\", fileName: \"a.pdf\"}}]) {{ id }} }}"
        );
        check(guardian.clone(), bad_hash, "BAD_USER_INPUT").await;
        check(guardian.clone(), "{ me { id ".into(), "BAD_USER_INPUT").await;
        check(guardian.clone(), "mutation { rateCase(caseId: \"x\", score: 300) { id } }".into(), "BAD_USER_INPUT")
            .await;
        // INVALID_TRANSITION: rating before the case concluded.
        check(
            guardian.clone(),
            format!("mutation {{ rateCase(caseId: \"{case_id}\", score: 5) {{ id }} }}"),
            "INVALID_TRANSITION",
        )
        .await;
        // INTERNAL: the database loses a table; the client learns nothing of it.
        sea_orm::ConnectionTrait::execute_unprepared(store.db(), "DROP TABLE ratings").await.unwrap();
        let finish = |step: &str, who: &str, role: &str, office: &str| {
            let (http, url, case_id) = (http.clone(), url.clone(), case_id.clone());
            let t = token(who, &[role], office);
            let step = step.to_owned();
            async move {
                let q = format!("{{ case(id: \"{case_id}\") {{ tasks {{ id step }} }} }}");
                let r = raw(&http, &url, Some(&t), json!({ "query": q })).await;
                let task =
                    r["data"]["case"]["tasks"].as_array().unwrap().iter().find(|t| t["step"] == step.as_str()).unwrap()
                        ["id"]
                        .clone();
                let q = format!(
                    "mutation {{ completeTask(caseId: \"{case_id}\", taskId: {task}, action: \"approve\") {{ id }} }}"
                );
                assert!(raw(&http, &url, Some(&t), json!({ "query": q })).await["errors"].is_null());
            }
        };
        finish("receiving_school", "s1", "school_registrar", "110105001").await;
        finish("receiving_bureau", "b1", "bureau_registrar", "110105").await;
        finish("sending_school", "s2", "school_registrar", "440524003").await;
        finish("sending_bureau", "b2", "bureau_registrar", "440524").await;
        let system = api::store::Request::new(
            case_id.clone(),
            engine::case::Actor::system(),
            engine::case::Command::SettleEffect { effect: 0, delivered: true, detail: String::new() },
            chrono::Utc::now(),
        );
        let state = store.case(&case_id).await.unwrap().unwrap();
        for effect in state.effects.keys() {
            let mut r = system.clone();
            r.command = engine::case::Command::SettleEffect { effect: *effect, delivered: true, detail: String::new() };
            store.execute(&r).await.unwrap();
        }
        check(guardian, format!("mutation {{ rateCase(caseId: \"{case_id}\", score: 5) {{ id }} }}"), "INTERNAL").await;
    }
}

#[tokio::test]
async fn oversized_and_overdeep_requests_are_refused() {
    let backend = &backends().await[0];
    let url = serve_in_process(open(backend).await).await;
    let http = reqwest::Client::new();
    let t = token("u1", &["applicant"], "");
    let huge = json!({ "query": "{ me { id } }", "variables": { "pad": "x".repeat(2 * 1024 * 1024) } });
    let response = http.post(format!("{url}/graphql")).bearer_auth(&t).json(&huge).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let shallow = json!({ "query": "{ me { id } }" });
    assert!(raw(&http, &url, Some(&t), shallow).await["errors"].is_null(), "a normal request passes");
    // Deeper than the limit of 12.
    let nested = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }}",
        "ofType { ".repeat(14),
        "} ".repeat(14)
    );
    let response = raw(&http, &url, Some(&t), json!({ "query": nested })).await;
    assert_eq!(code(&response).as_deref(), Some("BAD_USER_INPUT"), "{response}");
}

#[tokio::test]
async fn a_form_is_checked_against_its_schema_and_each_problem_names_its_field() {
    let backend = &backends().await[0];
    let store = open(backend).await;
    let url = serve_in_process(store.clone()).await;
    let http = reqwest::Client::new();
    let guardian = token("guardian-1", &["applicant"], "");
    let submit = |form: serde_json::Value| {
        let (http, url, guardian) = (http.clone(), url.clone(), guardian.clone());
        async move { raw(&http, &url, Some(&guardian), json!({"query": SUBMIT, "variables": {"f": form}})).await }
    };
    let mut bad_check = transfer_form();
    bad_check["student_id_card"] = json!("440524188001010015");
    let r = submit(bad_check).await;
    assert_eq!(code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("form.student_id_card") && message.contains("check character"), "{message}");

    let mut wrong_type = transfer_form();
    wrong_type["reason"] = json!(42);
    let r = submit(wrong_type).await;
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("form.reason"), "{r}");

    let mut missing = transfer_form();
    missing.as_object_mut().unwrap().remove("student_name");
    let r = submit(missing).await;
    assert_eq!(code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("student_name"), "{r}");

    let ids = sea_orm::ConnectionTrait::query_all_raw(
        store.db(),
        sea_orm::Statement::from_string(store.backend(), "SELECT id FROM cases"),
    )
    .await
    .unwrap();
    assert!(ids.is_empty(), "nothing was written for a bad form");
    assert!(submit(transfer_form()).await["errors"].is_null());
}
