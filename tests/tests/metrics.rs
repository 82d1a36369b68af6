//! What an operator scrapes from `/metrics`, on SQLite and PostgreSQL: requests by route and
//! status, errors by code, commands by outcome with their latency, and the backlog of open
//! cases, tasks, timers and outbox messages read from the database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::server::{Api, serve_in_process, token};
use tests::{backends, open, transfer_form};

/// The value of the sample named exactly `name` (labels included), or 0 when absent.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn metrics_count_requests_errors_commands_and_the_backlog() {
    for backend in backends().await {
        let api = Api::new(serve_in_process(open(&backend).await).await);
        let n = backend.name;
        let scrape = || async {
            let r = api.http.get(format!("{}/metrics", api.url)).send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
            r.text().await.unwrap()
        };
        let before = scrape().await;
        assert_eq!(sample(&before, "edu_open_tasks"), 0.0, "{n}: {before}");
        assert!(before.contains("# TYPE edu_command_duration_seconds histogram"), "{n}");

        let guardian = token("guardian-1", &["applicant"], "");
        for i in 0..3 {
            let submit = format!(
                "mutation($f: JSON!) {{ submitCase(service: \"JY-GG-0001\", form: $f, idempotencyKey: \"m-{i}\") {{ id }} }}"
            );
            api.ok(&guardian, &submit, json!({ "f": transfer_form() })).await;
        }
        let refused = api.call(Some("not-a-token"), "{ me { user } }", json!({})).await;
        assert!(refused["errors"].is_array(), "{n}");
        let wrong = api.call(Some(&guardian), "{ case(id: \"nope\") { id } }", json!({})).await;
        assert!(wrong["errors"].is_array(), "{n}");
        assert_eq!(api.http.get(format!("{}/healthz", api.url)).send().await.unwrap().status(), 200);

        let after = scrape().await;
        let grew = |name: &str| sample(&after, name) - sample(&before, name);
        assert_eq!(grew("edu_commands_total{outcome=\"applied\"}"), 3.0, "{n}: {after}");
        assert_eq!(grew("edu_command_duration_seconds_count"), 3.0, "{n}");
        assert!(sample(&after, "edu_command_duration_seconds_sum") > 0.0, "{n}");
        assert_eq!(grew("edu_graphql_errors_total{code=\"UNAUTHENTICATED\"}"), 1.0, "{n}");
        assert_eq!(grew("edu_graphql_errors_total{code=\"NOT_FOUND\"}"), 1.0, "{n}");
        assert_eq!(grew("edu_http_requests_total{route=\"/graphql\",status=\"200\"}"), 5.0, "{n}");
        assert_eq!(grew("edu_http_requests_total{route=\"/healthz\",status=\"200\"}"), 1.0, "{n}");
        // The backlog comes from the database: three transfers, each waiting at its first
        // school with an SLA timer running.
        assert_eq!(sample(&after, "edu_open_cases{level=\"normal\"}"), 3.0, "{n}: {after}");
        assert_eq!(sample(&after, "edu_open_tasks"), 3.0, "{n}");
        assert!(sample(&after, "edu_pending_timers") >= 3.0, "{n}");
    }
}
