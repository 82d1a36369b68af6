//! Staff find cases and filter their queue over HTTP, on SQLite and PostgreSQL: by tracking
//! number, by a name or 身份证号 the application gives, by status, level and period, only in
//! their office scope and only in services they work in, in cursor pages; every bad
//! argument is refused with a code naming it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::server::{Api, serve_in_process, token};
use tests::{backends, cst, open, submission};

const SEARCH: &str = "query($f: CaseFilter, $o: CaseSort, $first: Int, $after: String) { cases(filter: $f, orderBy: $o, first: $first, after: $after) { edges { cursor node { id status office } } pageInfo { hasNextPage endCursor } } }";

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn licence(office: &str, school: &str, id_card: &str) -> Value {
    json!({"office_code": office, "school_name": school, "organiser_name": "举办者", "organiser_id_card": id_card})
}

#[tokio::test]
async fn staff_find_cases_by_number_name_and_id_within_their_scope() {
    for backend in backends().await {
        let store = open(&backend).await;
        let n = backend.name;
        for (id, office, school, card, day) in [
            ("L1", "410105", "新苗学校", "440524188001010014", 2),
            ("L2", "410105", "明德学校", "11010519491231002X", 3),
            ("L3", "410106", "新苗学校", "440524188001010014", 4),
        ] {
            store
                .execute(&submission(
                    "JY-XK-0001",
                    id,
                    "school-1",
                    licence(office, school, card),
                    cst(2026, 3, day, 9, 0),
                ))
                .await
                .unwrap();
        }
        // L2 refused at the window on 3 March: concluded that day.
        let refuse = engine::case::Command::RefuseCase { reason: "不符合设立条件".into() };
        let clerk = engine::case::Actor::staff("c0", "window_clerk", "4101");
        store.execute(&tests::request("L2", &clerk, refuse, cst(2026, 3, 3, 15, 0))).await.unwrap();
        let api = Api::new(serve_in_process(store).await);
        let county = token("c1", &["window_clerk"], "410105");
        let city = token("c2", &["window_clerk"], "4101");
        let search = |who: &str, vars: Value| {
            let (api, who) = (&api, who.to_owned());
            async move { api.ok(&who, SEARCH, vars).await }
        };

        let by_name = json!({ "f": { "applicantName": "新苗学校" } });
        assert_eq!(
            ids(&search(&county, by_name.clone()).await),
            ["L1"],
            "{n}: the other county's case is not in scope"
        );
        let mut both = ids(&search(&city, by_name).await);
        both.sort();
        assert_eq!(both, ["L1", "L3"], "{n}: a city sees its counties");
        assert_eq!(
            ids(&search(&county, json!({ "f": { "idNumber": "11010519491231002x" } })).await),
            ["L2"],
            "{n}: 身份证号, any case of X"
        );
        assert_eq!(ids(&search(&city, json!({ "f": { "trackingNo": "L3" } })).await), ["L3"], "{n}");
        assert_eq!(ids(&search(&county, json!({ "f": { "trackingNo": "L3" } })).await), Vec::<String>::new(), "{n}");
        assert_eq!(
            ids(&search(&city, json!({ "f": { "status": "RECEIVED", "office": "410106" } })).await),
            ["L3"],
            "{n}"
        );
        assert_eq!(ids(&search(&city, json!({ "f": { "status": "CONCLUDED" } })).await), ["L2"], "{n}");
        let concluded = json!({ "f": { "concludedFrom": "2026-03-03", "concludedTo": "2026-03-03" } });
        assert_eq!(ids(&search(&city, concluded).await), ["L2"], "{n}");
        let later = json!({ "f": { "concludedFrom": "2026-03-04" } });
        assert!(ids(&search(&city, later).await).is_empty(), "{n}");
        assert!(ids(&search(&city, json!({ "f": { "level": "OVERDUE" } })).await).is_empty(), "{n}");
        let march_3 = json!({ "f": { "receivedFrom": "2026-03-03", "receivedTo": "2026-03-03" } });
        assert_eq!(ids(&search(&city, march_3).await), ["L2"], "{n}: a period of days, China time");

        // Newest received first, one per page, continued by cursor.
        let first = search(&city, json!({ "o": "RECEIVED", "first": 1 })).await;
        assert_eq!(
            (ids(&first), first["pageInfo"]["hasNextPage"].as_bool()),
            (vec!["L3".to_owned()], Some(true)),
            "{n}"
        );
        let after = json!({ "o": "RECEIVED", "first": 2, "after": first["pageInfo"]["endCursor"] });
        let rest = search(&city, after).await;
        assert_eq!(
            (ids(&rest), rest["pageInfo"]["hasNextPage"].as_bool()),
            (vec!["L2".to_owned(), "L1".to_owned()], Some(false))
        );
        // By due date (the default): the open cases by their 受理 deadline, the refused one
        // (no deadline) last; page by page as well.
        let due = search(&city, json!({ "first": 2 })).await;
        assert_eq!(ids(&due), ["L1", "L3"], "{n}");
        let last = search(&city, json!({ "after": due["pageInfo"]["endCursor"] })).await;
        assert_eq!(ids(&last), ["L2"], "{n}");
        let (code, _) =
            api.refused(&city, SEARCH, json!({ "o": "RECEIVED", "after": due["pageInfo"]["endCursor"] })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{n}: a cursor of another order");

        // Who may search: staff of the service and auditors; applicants and other services' staff not.
        let auditor = token("a1", &["auditor"], "41");
        assert_eq!(ids(&search(&auditor, json!({ "f": { "trackingNo": "L1" } })).await), ["L1"], "{n}");
        let registrar = token("r1", &["school_registrar"], "4101");
        assert!(ids(&search(&registrar, json!({})).await).is_empty(), "{n}: no role in this service, no cases of it");
        let export = |who: String| {
            let request = api.http.get(format!("{}/reports/cases.csv?from=2026-01-01", api.url)).bearer_auth(who);
            async move { request.send().await.unwrap().text().await.unwrap() }
        };
        assert_eq!(export(registrar.clone()).await.lines().count(), 1, "{n}: nor in the export (its header only)");
        assert_eq!(export(city.clone()).await.lines().count(), 4, "{n}: the header and the three cases");
        let school = token("school-1", &["applicant"], "");
        assert_eq!(api.refused(&school, SEARCH, json!({})).await.0, "FORBIDDEN", "{n}");
        assert_eq!(api.refused(&token("c9", &["window_clerk"], ""), SEARCH, json!({})).await.0, "FORBIDDEN", "{n}");

        // Every bad argument names itself.
        for (vars, code, field) in [
            (json!({ "f": { "office": "4102" } }), "FORBIDDEN", "not allowed"),
            (json!({ "f": { "office": "41x" } }), "BAD_USER_INPUT", "filter.office"),
            (json!({ "f": { "idNumber": "440524188001010015" } }), "BAD_USER_INPUT", "filter.idNumber"),
            (json!({ "f": { "service": "JY-XX-9999" } }), "BAD_USER_INPUT", "filter.service"),
            (
                json!({ "f": { "receivedFrom": "2026-03-05", "receivedTo": "2026-03-01" } }),
                "BAD_USER_INPUT",
                "filter.receivedTo",
            ),
            (json!({ "f": { "concludedFrom": "2026-3-5" } }), "BAD_USER_INPUT", "filter.concludedFrom"),
            (json!({ "first": 101 }), "BAD_USER_INPUT", "first"),
            (json!({ "after": "nonsense" }), "BAD_USER_INPUT", "after"),
        ] {
            let (got, message) = api.refused(&city, SEARCH, vars.clone()).await;
            assert_eq!(got, code, "{n}: {vars}: {message}");
            assert!(message.starts_with(field), "{n}: {vars}: {message}");
        }
    }
}

const QUEUE: &str = "query($f: TaskFilter, $first: Int) { tasks(filter: $f, first: $first) { edges { node { caseId step claimedBy level } } } }";

fn queue_ids(page: &Value) -> Vec<String> {
    page["edges"].as_array().unwrap().iter().map(|e| e["node"]["caseId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_queue_filters_by_service_step_level_and_claim() {
    for backend in backends().await {
        let store = open(&backend).await;
        let n = backend.name;
        for (id, day) in [("T1", 2), ("T2", 3)] {
            store
                .execute(&submission("JY-GG-0001", id, "g1", tests::transfer_form(), cst(2026, 3, day, 9, 0)))
                .await
                .unwrap();
        }
        store
            .execute(&submission(
                "JY-XK-0001",
                "L1",
                "s1",
                licence("110105", "新苗学校", "440524188001010014"),
                cst(2026, 3, 4, 9, 0),
            ))
            .await
            .unwrap();
        let api = Api::new(serve_in_process(store).await);
        let both = token("s1", &["school_registrar", "window_clerk"], "110105");
        let all = api.ok(&both, QUEUE, json!({})).await;
        assert_eq!(queue_ids(&all), ["L1", "T1", "T2"], "{n}: 受理 is due first (art. 32's five days): {all}");
        let intake = api.ok(&both, QUEUE, json!({ "f": { "service": "JY-XK-0001", "step": "intake" } })).await;
        assert_eq!(queue_ids(&intake), ["L1"], "{n}");
        let task = api.ok(&both, "{ case(id: \"T2\") { tasks { id } } }", json!({})).await["tasks"][0]["id"].clone();
        api.ok(&both, "mutation($t: Int!) { claimTask(caseId: \"T2\", taskId: $t) { id } }", json!({ "t": task }))
            .await;
        assert_eq!(queue_ids(&api.ok(&both, QUEUE, json!({ "f": { "claimedByMe": true } })).await), ["T2"], "{n}");
        assert_eq!(
            queue_ids(&api.ok(&both, QUEUE, json!({ "f": { "unclaimed": true, "service": "JY-GG-0001" } })).await),
            ["T1"]
        );
        assert!(queue_ids(&api.ok(&both, QUEUE, json!({ "f": { "level": "OVERDUE" } })).await).is_empty(), "{n}");
        let (code, message) = api.refused(&both, QUEUE, json!({ "f": { "service": "nope" } })).await;
        assert_eq!((code.as_str(), message.starts_with("filter.service")), ("BAD_USER_INPUT", true), "{n}: {message}");
        assert_eq!(api.refused(&both, QUEUE, json!({ "first": 0 })).await.0, "BAD_USER_INPUT", "{n}");
        let wrong_step = json!({ "f": { "service": "JY-GG-0001", "step": "site_inspection" } });
        let (code, message) = api.refused(&both, QUEUE, wrong_step).await;
        assert_eq!((code.as_str(), message.starts_with("filter.step")), ("BAD_USER_INPUT", true), "{n}: {message}");
    }
}
