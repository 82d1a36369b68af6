//! The public status lookup over HTTP on SQLite and PostgreSQL: tracking number and query
//! code, given at submission (and again on a retried submission), show the status without
//! logging in and without personal data; guessing the code locks the number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::server::{code, raw, serve_in_process, token};
use tests::{backends, open, transfer_form};

const SUBMIT: &str = "mutation($f: JSON!) { submitCase(service: \"JY-GG-0001\", form: $f, idempotencyKey: \"once\") { trackingNo queryCode } }";
const STATUS: &str = "query($t: String!, $q: String!) { caseStatus(trackingNo: $t, queryCode: $q) { trackingNo serviceName publicStatus promisedDeadline legalDeadline outcome missing } }";

#[tokio::test]
async fn anyone_with_tracking_number_and_code_sees_the_status_and_nothing_personal() {
    for backend in backends().await {
        let url = serve_in_process(open(&backend).await).await;
        let http = reqwest::Client::new();
        let n = backend.name;
        let guardian = token("guardian-1", &["applicant"], "");
        let first =
            raw(&http, &url, Some(&guardian), json!({ "query": SUBMIT, "variables": { "f": transfer_form() } })).await;
        let submitted = first["data"]["submitCase"].clone();
        let (tracking, code_given) =
            (submitted["trackingNo"].as_str().unwrap(), submitted["queryCode"].as_str().unwrap());
        assert!(code_given.len() == 6 && code_given.bytes().all(|b| b.is_ascii_digit()), "{n}: {submitted}");
        let retried =
            raw(&http, &url, Some(&guardian), json!({ "query": SUBMIT, "variables": { "f": transfer_form() } })).await;
        assert_eq!(
            retried["data"]["submitCase"], submitted,
            "{n}: a retried submission tells the same number and code"
        );

        let looked =
            raw(&http, &url, None, json!({ "query": STATUS, "variables": { "t": tracking, "q": code_given } })).await;
        let status = &looked["data"]["caseStatus"];
        assert_eq!(status["serviceName"], "中小学生转学", "{n}: {looked}");
        assert_eq!(status["publicStatus"], "转入学校审核中", "{n}");
        assert!(status["legalDeadline"].is_string(), "{n}");
        let text = looked.to_string();
        for personal in ["440524188001010014", "李四", "李父", "guardian-1"] {
            assert!(!text.contains(personal), "{n}: {personal} leaked: {text}");
        }

        // Guessing: five wrong codes, then even the right one is refused for a while.
        let wrong = if code_given == "000000" { "000001" } else { "000000" };
        for _ in 0..5 {
            let r =
                raw(&http, &url, None, json!({ "query": STATUS, "variables": { "t": tracking, "q": wrong } })).await;
            assert_eq!(code(&r).as_deref(), Some("NOT_FOUND"), "{n}: {r}");
        }
        let r =
            raw(&http, &url, None, json!({ "query": STATUS, "variables": { "t": tracking, "q": code_given } })).await;
        assert_eq!(code(&r).as_deref(), Some("FORBIDDEN"), "{n}: locked after guessing: {r}");
        let unknown =
            raw(&http, &url, None, json!({ "query": STATUS, "variables": { "t": "nope", "q": "123456" } })).await;
        assert_eq!(code(&unknown).as_deref(), Some("NOT_FOUND"), "{n}");
    }
}
