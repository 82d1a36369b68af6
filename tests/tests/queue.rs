//! The clerk's queue and the applicant's list over HTTP on SQLite and PostgreSQL: tasks of
//! the caller's roles in their office and sub-offices, most urgent first, page by page;
//! applicants see their own cases only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::server::{raw, serve_in_process, token};
use tests::{backends, cst, open, submission, transfer_form};

const QUEUE: &str = "query($after: String) { tasks(first: 2, after: $after) { nodes { caseId step office due } pageInfo { hasNextPage endCursor } } }";

fn ids(page: &serde_json::Value) -> Vec<String> {
    page["nodes"].as_array().unwrap().iter().map(|n| n["caseId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_clerk_sees_their_offices_tasks_most_urgent_first_page_by_page() {
    for backend in backends().await {
        let store = open(&backend).await;
        for (id, day, school, guardian) in [
            ("A", 20, "110105001", "g1"),
            ("B", 10, "110105001", "g1"),
            ("C", 15, "110105001", "g2"),
            ("D", 5, "110106001", "g2"),
        ] {
            let mut form = transfer_form();
            form["receiving_school_code"] = json!(school);
            store.execute(&submission("JY-GG-0001", id, guardian, form, cst(2026, 4, day, 9, 0))).await.unwrap();
        }
        let url = serve_in_process(store).await;
        let http = reqwest::Client::new();
        let n = backend.name;

        let clerk = token("s1", &["school_registrar"], "110105001");
        let first = raw(&http, &url, Some(&clerk), json!({ "query": QUEUE })).await["data"]["tasks"].clone();
        assert_eq!(ids(&first), ["B", "C"], "{n}: earliest deadline first: {first}");
        assert_eq!(first["pageInfo"]["hasNextPage"], true, "{n}");
        let vars = json!({ "after": first["pageInfo"]["endCursor"] });
        let second =
            raw(&http, &url, Some(&clerk), json!({ "query": QUEUE, "variables": vars })).await["data"]["tasks"].clone();
        assert_eq!(ids(&second), ["A"], "{n}: the other school's task is not theirs: {second}");
        assert_eq!(second["pageInfo"]["hasNextPage"], false, "{n}");

        // A district office sees its schools' tasks; another role sees none of them.
        let district = token("d1", &["school_registrar"], "1101");
        let all =
            raw(&http, &url, Some(&district), json!({ "query": "{ tasks(first: 10) { nodes { caseId } } }" })).await;
        assert_eq!(ids(&all["data"]["tasks"]), ["D", "B", "C", "A"], "{n}: {all}");
        let bureau = token("b1", &["bureau_registrar"], "1101");
        let none = raw(&http, &url, Some(&bureau), json!({ "query": "{ tasks { nodes { caseId } } }" })).await;
        assert!(ids(&none["data"]["tasks"]).is_empty(), "{n}: {none}");
        let bad = raw(&http, &url, Some(&clerk), json!({ "query": QUEUE, "variables": { "after": "nonsense" } })).await;
        assert_eq!(tests::server::code(&bad).as_deref(), Some("BAD_USER_INPUT"), "{n}");

        // Applicants list their own cases only.
        let g2 = token("g2", &["applicant"], "");
        let mine = raw(&http, &url, Some(&g2), json!({ "query": "{ myCases { id publicStatus } }" })).await;
        let mut mine: Vec<String> =
            mine["data"]["myCases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
        mine.sort();
        assert_eq!(mine, ["C", "D"], "{n}");
    }
}
