//! A flagship service end to end over HTTP, on SQLite and PostgreSQL, every step done by
//! the right role with its own token: 民办学校办学许可证 with one correction notice (a second
//! is refused), 容缺 acceptance, a parallel assessment, a hearing that pauses the clocks, an
//! extension by the agency head, the school's rectification, approval and a rating, and an
//! audit trail whose chain holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::server::{Api, code, raw, serve_in_process, token};
use tests::{backends, open};

use tests::server::CASE;

fn day(rfc3339: &Value) -> chrono::NaiveDate {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().unwrap()).unwrap().with_timezone(&chrono::Utc);
    // Deadlines are the end of a day: the instant is midnight after it, China time.
    engine::calendar::local_date(at - chrono::Duration::seconds(1))
}

#[tokio::test]
async fn a_private_school_licence_from_submission_to_rating_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let calendar = store.calendar();
        let db = store.db().clone();
        let api = Api::new(serve_in_process(store).await);
        let n = backend.name;
        let school = token("school-1", &["applicant"], "");
        let clerk = token("clerk-1", &["window_clerk"], "4101");
        let inspector = token("insp-1", &["inspector"], "41");
        let expert = token("exp-1", &["expert"], "41");
        let leader = token("lead-1", &["leader"], "4101");
        let head = token("head-1", &["agency_head"], "4101");
        let approver = token("appr-1", &["approver"], "4101");

        let form = json!({"office_code": "410102", "school_name": "郑州市明德学校", "organiser_name": "明德教育集团"});
        let submit = format!(
            "mutation($f: JSON!, $m: [MaterialInput!]!) {{ submitCase(service: \"JY-XK-0001\", form: $f, materials: $m, idempotencyKey: \"lic-1\") {{ {CASE} }} }}"
        );
        let have = [
            "preparation_approval",
            "preparation_report",
            "board_member_list",
            "asset_proof",
            "principal_credentials",
            "teacher_credentials",
        ];
        let case = api.ok(&school, &submit, json!({ "f": form, "m": api.materials(&school, &have).await })).await;
        let id = case["id"].as_str().unwrap().to_owned();

        // One notice with every deficiency; a second on the unchanged submission is refused.
        let notice = format!(
            "mutation($c: String!) {{ requestCorrection(caseId: $c, deficiencies: [{{material: \"charter\", note: \"缺少学校章程\"}}]) {{ {CASE} }} }}"
        );
        let c = api.ok(&clerk, &notice, json!({ "c": id })).await;
        assert_eq!(c["publicStatus"], "待补正", "{n}");
        let again = raw(&api.http, &api.url, Some(&clerk), json!({ "query": notice, "variables": { "c": id } })).await;
        assert_eq!(code(&again).as_deref(), Some("INVALID_TRANSITION"), "{n}: {again}");
        let supply = format!(
            "mutation($c: String!, $m: [MaterialInput!]!) {{ supplyMaterials(caseId: $c, materials: $m) {{ {CASE} }} }}"
        );
        api.ok(&school, &supply, json!({ "c": id, "m": api.materials(&school, &["charter"]).await })).await;
        let accept = format!(
            "mutation($c: String!) {{ acceptCase(caseId: $c, deferred: [\"accountant_credentials\"]) {{ {CASE} }} }}"
        );
        let c = api.ok(&clerk, &accept, json!({ "c": id })).await;
        let steps: Vec<&str> = c["tasks"].as_array().unwrap().iter().map(|t| t["step"].as_str().unwrap()).collect();
        assert_eq!(steps, ["site_inspection", "expert_evaluation"], "{n}: the assessment runs in parallel");
        let promised = day(&c["promisedDeadline"]);

        // Each assessor may only do their own step.
        let task = api.task(&inspector, &id, "expert_evaluation").await;
        let wrong =
            format!("mutation {{ completeTask(caseId: \"{id}\", taskId: {task}, action: \"approve\") {{ id }} }}");
        assert_eq!(
            code(&raw(&api.http, &api.url, Some(&inspector), json!({ "query": wrong })).await).as_deref(),
            Some("FORBIDDEN")
        );
        api.complete(&inspector, &id, "site_inspection", "approve").await;
        api.complete(&expert, &id, "expert_evaluation", "approve").await;

        // A hearing pauses the clocks; resuming keeps what was left.
        let pause = format!("mutation($c: String!) {{ pauseClock(caseId: $c, procedure: \"hearing\") {{ {CASE} }} }}");
        let c = api.ok(&leader, &pause, json!({ "c": id })).await;
        assert_eq!(c["status"], "PAUSED", "{n}");
        let resume = format!("mutation($c: String!) {{ resumeClock(caseId: $c) {{ {CASE} }} }}");
        let c = api.ok(&leader, &resume, json!({ "c": id })).await;
        assert!(day(&c["promisedDeadline"]) >= promised, "{n}: a pause never shortens a deadline");
        let legal = day(&c["legalDeadline"]);

        // The agency head extends the legal limit by 10 working days (行政许可法 art. 42).
        let extend = format!(
            "mutation($c: String!) {{ extendDeadline(caseId: $c, amount: 10, reason: \"情况复杂\") {{ {CASE} }} }}"
        );
        let by_clerk =
            raw(&api.http, &api.url, Some(&clerk), json!({ "query": extend, "variables": { "c": id } })).await;
        assert_eq!(code(&by_clerk).as_deref(), Some("FORBIDDEN"), "{n}: only the agency head extends");
        let c = api.ok(&head, &extend, json!({ "c": id })).await;
        assert_eq!(day(&c["legalDeadline"]), calendar.add_working_days(legal, 10).unwrap(), "{n}");

        // Rectification by the school (clocks paused meanwhile), then the decision.
        let c = api.complete(&leader, &id, "leadership_review", "rectify").await;
        assert_eq!(c["status"], "PAUSED", "{n}: the school's rectification time is not counted");
        api.ok(&school, &supply, json!({ "c": id, "m": api.materials(&school, &["accountant_credentials"]).await }))
            .await;
        api.complete(&school, &id, "rectification", "submit").await;
        api.complete(&inspector, &id, "rectification_check", "approve").await;
        api.complete(&approver, &id, "decision", "approve").await;
        let c = api.complete(&approver, &id, "online_approval", "approve").await;
        assert_eq!(c["outcome"], "APPROVED", "{n}: {c}");

        // The e-licence: numbered by the service's pattern, signed, checkable by anyone.
        let certs = api
            .ok(
                &school,
                "query($c: String!) { case(id: $c) { certificates { number body signature } } }",
                json!({ "c": id }),
            )
            .await["certificates"]
            .clone();
        let number = certs[0]["number"].as_str().unwrap().to_owned();
        let year = chrono::Datelike::year(&chrono::Utc::now().with_timezone(&engine::calendar::china()));
        assert_eq!(number, format!("教民410102{year}0000001号"), "{n}: the first licence of the office this year");
        let check = raw(
            &api.http,
            &api.url,
            None,
            json!({ "query": "query($n: String!) { verifyCertificate(number: $n) { status licence holder office } }", "variables": { "n": number } }),
        )
        .await;
        assert_eq!(
            check["data"]["verifyCertificate"],
            json!({ "status": "VALID", "licence": "民办学校办学许可证", "holder": "郑州市明德学校", "office": "410102" }),
            "{n}: anyone checks it without logging in"
        );
        // Offline, with nothing but the published key: the signature covers the body.
        let key = api.ok(&school, "{ certificatePublicKey { hex } }", json!({})).await["hex"].clone();
        let key: [u8; 32] = hex::decode(key.as_str().unwrap()).unwrap().try_into().unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
        let signature: [u8; 64] = hex::decode(certs[0]["signature"].as_str().unwrap()).unwrap().try_into().unwrap();
        let body = certs[0]["body"].as_str().unwrap();
        assert!(key.verify_strict(body.as_bytes(), &ed25519_dalek::Signature::from_bytes(&signature)).is_ok(), "{n}");
        assert!(body.contains(&number) && body.contains("郑州市明德学校"), "{n}: {body}");
        // A row edited behind our back no longer verifies.
        sea_orm::ConnectionTrait::execute_unprepared(
            &db,
            &format!("UPDATE certificates SET body = replace(body, '明德', '明得') WHERE number = '{number}'"),
        )
        .await
        .unwrap();
        let verify = "query($n: String!) { verifyCertificate(number: $n) { status } }";
        assert_eq!(api.ok(&school, verify, json!({ "n": number })).await["status"], "TAMPERED", "{n}");
        assert_eq!(api.ok(&school, verify, json!({ "n": "教民4101022026999999号" })).await["status"], "NOT_FOUND");

        let rate =
            format!("mutation($c: String!) {{ rateCase(caseId: $c, score: 5, comment: \"全程网办\") {{ {CASE} }} }}");
        api.ok(&school, &rate, json!({ "c": id })).await;
        let twice = raw(&api.http, &api.url, Some(&school), json!({ "query": rate, "variables": { "c": id } })).await;
        assert_eq!(code(&twice).as_deref(), Some("INVALID_TRANSITION"), "{n}: rated once");
        let trail = api
            .ok(&school, "query($c: String!) { auditTrail(caseId: $c) { valid brokenAt } }", json!({ "c": id }))
            .await;
        assert_eq!(trail["valid"], true, "{n}");
    }
}
