//! Who may do what, over HTTP on SQLite and PostgreSQL: each role against the operations,
//! inside and outside its office scope. Others' cases read as NOT_FOUND; acting beyond one's
//! role or office is FORBIDDEN; auditors read masked; only admins publish; nobody approves
//! their own application.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::server::{code, raw, serve_in_process, token};
use tests::{backends, open, transfer_form};

const SUBMIT: &str =
    "mutation($f: JSON!) { submitCase(service: \"JY-GG-0001\", form: $f) { id version tasks { id } } }";

#[tokio::test]
async fn every_role_against_every_operation_inside_and_outside_its_scope() {
    for backend in backends().await {
        let url = serve_in_process(open(&backend).await).await;
        let http = reqwest::Client::new();
        let n = backend.name;
        let ask = |who: &str, query: String| {
            let (http, url, who) = (http.clone(), url.clone(), who.to_owned());
            async move {
                let r = raw(&http, &url, Some(&who), json!({ "query": query })).await;
                match code(&r) {
                    Some(c) => c,
                    None => "OK".to_owned(),
                }
            }
        };
        let owner = token("guardian-1", &["applicant"], "");
        let submitted =
            raw(&http, &url, Some(&owner), json!({"query": SUBMIT, "variables": {"f": transfer_form()}})).await;
        let id = submitted["data"]["submitCase"]["id"].as_str().unwrap().to_owned();
        let task = submitted["data"]["submitCase"]["tasks"][0]["id"].as_i64().unwrap();

        let other = token("guardian-2", &["applicant"], "");
        let clerk_in = token("s1", &["school_registrar"], "110105001");
        let clerk_out = token("s9", &["school_registrar"], "440524003");
        let wrong_role = token("b1", &["bureau_registrar"], "110105");
        let auditor_in = token("a1", &["auditor"], "1101");
        let auditor_out = token("a2", &["auditor"], "4405");
        let admin = token("root", &["admin"], "");
        let admin_auditor = token("root-2", &["admin", "auditor"], "11");

        let read = format!("{{ case(id: \"{id}\") {{ id }} }}");
        let complete =
            format!("mutation {{ completeTask(caseId: \"{id}\", taskId: {task}, action: \"approve\") {{ id }} }}");
        let withdraw = format!("mutation {{ withdrawCase(caseId: \"{id}\", reason: \"不转了\") {{ id }} }}");
        let publish = "mutation { publishService(yaml: \"code: x\") { code } }".to_owned();
        let calendar = "mutation { loadCalendar(notice: {year: 2027, days: []}) { year } }".to_owned();

        // (who, read, complete, withdraw, publish)
        let matrix = [
            ("other applicant", &other, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "FORBIDDEN"),
            ("clerk outside the office", &clerk_out, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "FORBIDDEN"),
            ("clerk of another role", &wrong_role, "OK", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
            ("auditor in scope", &auditor_in, "OK", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
            ("auditor outside", &auditor_out, "NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
            ("admin", &admin, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "BAD_USER_INPUT"),
            ("admin who is an auditor", &admin_auditor, "OK", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
            ("owner", &owner, "OK", "FORBIDDEN", "-", "FORBIDDEN"),
        ];
        for (who, t, r, c, w, p) in matrix {
            assert_eq!(ask(t, read.clone()).await, r, "{n}: {who} reads");
            assert_eq!(ask(t, complete.clone()).await, c, "{n}: {who} approves");
            if w != "-" {
                assert_eq!(ask(t, withdraw.clone()).await, w, "{n}: {who} withdraws");
            }
            assert_eq!(ask(t, publish.clone()).await, p, "{n}: {who} publishes");
            let expected_calendar = if p == "FORBIDDEN" { "FORBIDDEN" } else { "OK" };
            assert_eq!(ask(t, calendar.clone()).await, expected_calendar, "{n}: {who} loads a calendar");
        }

        // Auditors read personal numbers masked; the owner sees them whole.
        let q = format!("{{ case(id: \"{id}\") {{ form }} }}");
        let audited = raw(&http, &url, Some(&auditor_in), json!({ "query": q })).await;
        let card = audited["data"]["case"]["form"]["student_id_card"].as_str().unwrap().to_owned();
        assert!(card.contains('*') && !card.contains("188001010014"), "{n}: {card}");
        let own = raw(&http, &url, Some(&owner), json!({ "query": q })).await;
        assert_eq!(own["data"]["case"]["form"]["student_id_card"], "440524188001010014", "{n}");

        // The clerk in scope may approve; nobody approves their own application.
        assert_eq!(ask(&clerk_in, complete.clone()).await, "OK", "{n}");
        let own_case =
            raw(&http, &url, Some(&clerk_in), json!({"query": SUBMIT, "variables": {"f": transfer_form()}})).await;
        let own_id = own_case["data"]["submitCase"]["id"].as_str().unwrap();
        let own_task = own_case["data"]["submitCase"]["tasks"][0]["id"].as_i64().unwrap();
        let self_approve = format!(
            "mutation {{ completeTask(caseId: \"{own_id}\", taskId: {own_task}, action: \"approve\") {{ id }} }}"
        );
        assert_eq!(ask(&clerk_in, self_approve).await, "FORBIDDEN", "{n}: no approving one's own application");

        // Finally the owner withdraws.
        assert_eq!(ask(&owner, withdraw).await, "OK", "{n}");
    }
}

const CITE: &str = "mutation($f: JSON!, $m: [MaterialInput!]!) { submitCase(service: \"JY-XK-0001\", form: $f, materials: $m) { id version } }";

/// The status of a GET as `who` (anonymous with `None`).
async fn get(http: &reqwest::Client, url: &str, who: Option<&str>) -> u16 {
    let mut request = http.get(url);
    if let Some(t) = who {
        request = request.bearer_auth(t);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn auditors_never_write_and_downloads_and_exports_ask_the_same_policy() {
    for backend in backends().await {
        let api = tests::server::Api::new(serve_in_process(open(&backend).await).await);
        let (http, url, n) = (api.http.clone(), api.url.clone(), backend.name);
        let school = token("school-1", &["applicant"], "");
        let materials = api.materials(&school, &["charter"]).await;
        let sha = materials[0]["sha256"].as_str().unwrap().to_owned();
        let form = json!({"office_code": "410102", "school_name": "新苗学校", "organiser_name": "新苗教育集团"});
        let case = api.ok(&school, CITE, json!({ "f": form, "m": materials })).await;
        let (id, version) = (case["id"].as_str().unwrap().to_owned(), case["version"].clone());

        let auditor_in = token("a1", &["auditor"], "4101");
        let auditor_out = token("a2", &["auditor"], "4201");
        let clerk_in = token("c1", &["window_clerk"], "4101");
        let clerk_out = token("c2", &["window_clerk"], "4201");
        let clerk_nowhere = token("c3", &["window_clerk"], "");
        let other = token("school-2", &["applicant"], "");

        // Hole 1: an auditor in scope records no visit, and the case does not move.
        let visit = format!("mutation {{ recordVisit(caseId: \"{id}\", purpose: \"现场核验\") {{ version }} }}");
        let r = raw(&http, &url, Some(&auditor_in), json!({ "query": visit })).await;
        assert_eq!(code(&r).as_deref(), Some("FORBIDDEN"), "{n}: {r}");
        let read = format!("{{ case(id: \"{id}\") {{ version visits timeline {{ what }} }} }}");
        let after = api.ok(&school, &read, json!({})).await;
        assert_eq!(
            (after["version"].clone(), after["visits"].as_i64()),
            (version.clone(), Some(0)),
            "{n}: nothing written"
        );
        // Nor does an auditor upload; nor does a staff token without an office record a visit.
        let upload = tests::server::upload(&http, &url, &auditor_in, "x.pdf", &tests::server::pdf("x")).await;
        assert_eq!(code(&upload).as_deref(), Some("FORBIDDEN"), "{n}: {upload}");
        let r = raw(&http, &url, Some(&clerk_nowhere), json!({ "query": visit })).await;
        assert_eq!(code(&r).as_deref(), Some("NOT_FOUND"), "{n}: a token without an office sees no case: {r}");
        // The clerk of the office may.
        let r = raw(&http, &url, Some(&clerk_in), json!({ "query": visit })).await;
        assert!(r["errors"].is_null(), "{n}: {r}");
        let seen = api.ok(&auditor_in, &read, json!({})).await;
        assert_eq!(seen["visits"], 1, "{n}");
        assert_eq!(
            seen["timeline"].as_array().unwrap().last().unwrap()["what"],
            "第1次到现场：现场核验（超过承诺次数）",
            "{n}: 零跑腿"
        );

        // Downloads: the uploader and whoever may see a citing case; nobody else learns it exists.
        let file = format!("{url}/files/{sha}");
        for (who, t, status) in [
            ("uploader", Some(&school), 200),
            ("clerk in scope", Some(&clerk_in), 200),
            ("auditor in scope", Some(&auditor_in), 200),
            ("other applicant", Some(&other), 404),
            ("clerk outside", Some(&clerk_out), 404),
            ("auditor outside", Some(&auditor_out), 404),
            ("clerk without an office", Some(&clerk_nowhere), 404),
            ("anonymous", None, 401),
        ] {
            assert_eq!(get(&http, &file, t.map(String::as_str)).await, status, "{n}: {who} downloads");
        }

        // Exports: the report scope of the policy.
        for (who, t, query, status) in [
            ("auditor", Some(&auditor_in), "", 200),
            ("auditor, sub-office", Some(&auditor_in), "?office=410102", 200),
            ("auditor, other office", Some(&auditor_in), "?office=4201", 403),
            ("auditor, malformed office", Some(&auditor_in), "?office=41%27", 400),
            ("clerk without an office", Some(&clerk_nowhere), "", 403),
            ("applicant", Some(&school), "", 403),
            ("anonymous", None, "", 401),
        ] {
            for csv in ["sla.csv", "cases.csv"] {
                let got = get(&http, &format!("{url}/reports/{csv}{query}"), t.map(String::as_str)).await;
                assert_eq!(got, status, "{n}: {who}: {csv}");
            }
        }
    }
}

#[tokio::test]
async fn every_case_operation_answers_outsiders_and_auditors_alike() {
    for backend in backends().await {
        let url = serve_in_process(open(&backend).await).await;
        let http = reqwest::Client::new();
        let n = backend.name;
        let owner = token("guardian-1", &["applicant"], "");
        let submitted =
            raw(&http, &url, Some(&owner), json!({"query": SUBMIT, "variables": {"f": transfer_form()}})).await;
        let id = submitted["data"]["submitCase"]["id"].as_str().unwrap().to_owned();
        let task = submitted["data"]["submitCase"]["tasks"][0]["id"].as_i64().unwrap();
        let operations = [
            format!("acceptCase(caseId: \"{id}\")"),
            format!("requestCorrection(caseId: \"{id}\", deficiencies: [{{note: \"补\"}}])"),
            format!("supplyMaterials(caseId: \"{id}\", materials: [])"),
            format!("refuseCase(caseId: \"{id}\", reason: \"不符\")"),
            format!("claimTask(caseId: \"{id}\", taskId: {task})"),
            format!("completeTask(caseId: \"{id}\", taskId: {task}, action: \"approve\")"),
            format!("pauseClock(caseId: \"{id}\", procedure: \"hearing\")"),
            format!("resumeClock(caseId: \"{id}\")"),
            format!("extendDeadline(caseId: \"{id}\", amount: 1, reason: \"复杂\")"),
            format!("withdrawCase(caseId: \"{id}\", reason: \"不转了\")"),
            format!("recordVisit(caseId: \"{id}\", purpose: \"核验\")"),
            format!("rateCase(caseId: \"{id}\", score: 5)"),
        ];
        let reads = [format!("case(id: \"{id}\") {{ id }}"), format!("auditTrail(caseId: \"{id}\") {{ valid }}")];
        let outsiders = [
            ("another applicant", token("guardian-2", &["applicant"], "")),
            ("a clerk of another province", token("s9", &["school_registrar"], "440105001")),
            ("a clerk without an office", token("s8", &["school_registrar"], "")),
            ("an admin", token("root", &["admin"], "")),
        ];
        let auditors = [
            ("an auditor in scope", token("a1", &["auditor"], "1101")),
            ("an auditor outside", token("a2", &["auditor"], "4405")),
        ];
        for op in &operations {
            let mutation = format!("mutation {{ {op} {{ id }} }}");
            for (who, t) in &outsiders {
                let r = raw(&http, &url, Some(t), json!({ "query": mutation })).await;
                assert_eq!(code(&r).as_deref(), Some("NOT_FOUND"), "{n}: {who}: {op}: {r}");
            }
            for (who, t) in &auditors {
                let r = raw(&http, &url, Some(t), json!({ "query": mutation })).await;
                assert_eq!(code(&r).as_deref(), Some("FORBIDDEN"), "{n}: {who}: {op}: {r}");
            }
            let r = raw(&http, &url, None, json!({ "query": mutation })).await;
            assert_eq!(code(&r).as_deref(), Some("UNAUTHENTICATED"), "{n}: anonymous: {op}");
        }
        for read in &reads {
            let query = format!("{{ {read} }}");
            for (who, t) in &outsiders {
                let r = raw(&http, &url, Some(t), json!({ "query": query })).await;
                assert_eq!(code(&r).as_deref(), Some("NOT_FOUND"), "{n}: {who}: {read}");
            }
            let r = raw(&http, &url, Some(&auditors[0].1), json!({ "query": query })).await;
            assert!(r["errors"].is_null(), "{n}: the auditor in scope reads: {read}: {r}");
        }
        // Nothing above moved the case.
        let seen = raw(
            &http,
            &url,
            Some(&owner),
            json!({ "query": format!("{{ case(id: \"{id}\") {{ version timeline {{ what }} }} }}") }),
        )
        .await;
        assert_eq!(seen["data"]["case"]["version"], submitted["data"]["submitCase"]["version"], "{n}: {seen}");
    }
}

#[tokio::test]
async fn every_list_and_report_answers_each_role_by_its_scope() {
    for backend in backends().await {
        let url = serve_in_process(open(&backend).await).await;
        let http = reqwest::Client::new();
        let n = backend.name;
        let owner = token("guardian-1", &["applicant"], "");
        let submitted =
            raw(&http, &url, Some(&owner), json!({"query": SUBMIT, "variables": {"f": transfer_form()}})).await;
        assert!(submitted["errors"].is_null(), "{n}: {submitted}");

        // What each list holds of the one transfer case (received at 110105, its first task at
        // the school 110105001), or the code of the refusal.
        let lists = [
            ("tasks", "{ tasks { nodes { caseId } } }", "/data/tasks/nodes"),
            ("cases", "{ cases { nodes { id } } }", "/data/cases/nodes"),
            ("myCases", "{ myCases { id } }", "/data/myCases"),
            ("slaReport", "{ slaReport { services { received } } }", "/data/slaReport/services"),
            ("overdueCases", "{ overdueCases { caseId } }", "/data/overdueCases"),
        ];
        let count = |r: &serde_json::Value, path: &str| match code(r) {
            Some(c) => c,
            None => r.pointer(path).and_then(|v| v.as_array()).map_or(0, Vec::len).to_string(),
        };
        // (who, token, tasks, cases, myCases, slaReport services, overdueCases)
        let matrix = [
            ("the applicant", &owner, "FORBIDDEN", "FORBIDDEN", "1", "FORBIDDEN", "FORBIDDEN"),
            (
                "another applicant",
                &token("guardian-2", &["applicant"], ""),
                "FORBIDDEN",
                "FORBIDDEN",
                "0",
                "FORBIDDEN",
                "FORBIDDEN",
            ),
            ("the school's registrar", &token("s1", &["school_registrar"], "110105001"), "1", "1", "0", "0", "0"),
            ("the district's registrar", &token("b1", &["bureau_registrar"], "110105"), "0", "1", "0", "1", "0"),
            ("a registrar elsewhere", &token("s9", &["school_registrar"], "440105001"), "0", "0", "0", "0", "0"),
            (
                "a registrar without an office",
                &token("s8", &["school_registrar"], ""),
                "FORBIDDEN",
                "FORBIDDEN",
                "0",
                "FORBIDDEN",
                "FORBIDDEN",
            ),
            (
                "a licence clerk of the same district",
                &token("c1", &["window_clerk"], "110105"),
                "0",
                "0",
                "0",
                "0",
                "0",
            ),
            ("an auditor in scope", &token("a1", &["auditor"], "1101"), "FORBIDDEN", "1", "0", "1", "0"),
            ("an auditor outside", &token("a2", &["auditor"], "4405"), "FORBIDDEN", "0", "0", "0", "0"),
            ("an admin", &token("root", &["admin"], ""), "FORBIDDEN", "FORBIDDEN", "0", "FORBIDDEN", "FORBIDDEN"),
        ];
        for (who, t, tasks, cases, mine, report, overdue) in matrix {
            for ((name, query, path), expected) in lists.iter().zip([tasks, cases, mine, report, overdue]) {
                let r = raw(&http, &url, Some(t), json!({ "query": query })).await;
                assert_eq!(count(&r, path), expected, "{n}: {who}: {name}: {r}");
            }
        }
    }
}
