//! The other two flagship services end to end over HTTP, on SQLite and PostgreSQL, each
//! step by the right role with its own token:
//! - 教师资格认定: the application window published by an admin, a correction notice the
//!   applicant follows without logging in, the merged 现场确认及资格审核 step, an appraisal
//!   that pauses the clocks, an extension by the authority's head, and a 17-digit
//!   certificate anyone can verify (the holder's name masked).
//! - 中小学生转学: one click by the guardian, four offices in order (each only its own), both
//!   registries acknowledging before the case concludes, status followed without logging
//!   in; a public service that refuses a pause, an extension and a correction notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Datelike;
use serde_json::{Value, json};
use tests::server::{Api, CASE, serve_in_process, token};
use tests::{backends, open, transfer_form};

const STATUS: &str = "query($t: String!, $q: String!) { caseStatus(trackingNo: $t, queryCode: $q) { publicStatus legalDeadline outcome missing } }";

fn day(rfc3339: &Value) -> chrono::NaiveDate {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().unwrap()).unwrap().with_timezone(&chrono::Utc);
    engine::calendar::local_date(at - chrono::Duration::seconds(1))
}

/// The shipped 教师资格认定 with this year's window as a bureau would publish it.
fn teacher_credential_with_window_open_today() -> String {
    tests::with_window_open_today("teacher-credential.yaml")
}

#[tokio::test]
async fn a_teacher_credential_with_a_correction_an_appraisal_and_an_extension_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let calendar = store.calendar();
        let api = Api::new(serve_in_process(store).await);
        let n = backend.name;
        let teacher = token("teacher-1", &["applicant"], "");
        let admin = token("admin-1", &["admin"], "");
        let reviewer = token("rev-1", &["reviewer"], "4101");
        let approver = token("appr-1", &["approver"], "4101");
        let outsider = token("rev-9", &["reviewer"], "4201");

        let published = api
            .ok(
                &admin,
                "mutation($y: String!) { publishService(yaml: $y) { code version } }",
                json!({ "y": teacher_credential_with_window_open_today() }),
            )
            .await;
        assert_eq!(published, json!({ "code": "JY-XK-0006", "version": 99 }), "{n}");

        let form = json!({"office_code": "410102001", "name": "王小明", "id_card": "440524188001010014",
            "teaching_level": "初级中学", "subject": "数学", "putonghua_level": "二级甲等", "medical_conclusion": "合格",
            "phone": "13800138000"});
        let submit = format!(
            "mutation($f: JSON!, $m: [MaterialInput!]!) {{ submitCase(service: \"JY-XK-0006\", form: $f, materials: $m, idempotencyKey: \"tc-1\") {{ {CASE} }} }}"
        );
        let have = ["photo", "identity_card", "education_certificate", "putonghua_certificate", "ntce_certificate"];
        let c = api.ok(&teacher, &submit, json!({ "f": form, "m": api.materials(&teacher, &have).await })).await;
        let (id, query_code) = (c["id"].as_str().unwrap().to_owned(), c["queryCode"].as_str().unwrap().to_owned());
        let lookup = json!({ "t": id, "q": query_code });

        // A reviewer of another city neither sees nor acts on it.
        let notice = format!(
            "mutation($c: String!) {{ requestCorrection(caseId: $c, deficiencies: [{{material: \"medical_report\", note: \"缺少体格检查表\"}}, {{material: \"conduct_commitment\", note: \"缺少个人承诺书\"}}]) {{ {CASE} }} }}"
        );
        let (code, _) = api.refused(&outsider, &notice, json!({ "c": id })).await;
        assert_eq!(code, "NOT_FOUND", "{n}");
        // One notice names everything missing; the teacher reads it without logging in.
        api.ok(&reviewer, &notice, json!({ "c": id })).await;
        let status = api.call(None, STATUS, lookup.clone()).await["data"]["caseStatus"].clone();
        assert_eq!(status["publicStatus"], "待补正", "{n}: {status}");
        assert_eq!(status["missing"], json!(["教师资格认定体格检查表", "个人承诺书（思想品德情况）"]), "{n}");
        let supply = format!(
            "mutation($c: String!, $m: [MaterialInput!]!) {{ supplyMaterials(caseId: $c, materials: $m) {{ {CASE} }} }}"
        );
        let supplied = api.materials(&teacher, &["medical_report", "conduct_commitment"]).await;
        api.ok(&teacher, &supply, json!({ "c": id, "m": supplied })).await;
        let accept = format!("mutation($c: String!) {{ acceptCase(caseId: $c) {{ {CASE} }} }}");
        let c = api.ok(&reviewer, &accept, json!({ "c": id })).await;
        assert_eq!(c["tasks"][0]["step"], "confirmation_review", "{n}: confirmation and review are one step");
        let status = api.call(None, STATUS, lookup.clone()).await["data"]["caseStatus"].clone();
        assert_eq!(status["publicStatus"], "待确认", "{n}: {status}");
        assert_eq!(status["missing"], json!([]), "{n}");

        // The approver may not do the reviewer's step.
        let task = api.task(&reviewer, &id, "confirmation_review").await;
        let wrong =
            format!("mutation {{ completeTask(caseId: \"{id}\", taskId: {task}, action: \"approve\") {{ id }} }}");
        assert_eq!(api.refused(&approver, &wrong, json!({})).await.0, "FORBIDDEN", "{n}");
        let c = api.complete(&reviewer, &id, "confirmation_review", "approve").await;
        assert_eq!(c["publicStatus"], "待审批", "{n}");
        let legal = day(&c["legalDeadline"]);

        // A doubtful diploma goes to appraisal (鉴定): the clocks stop until it is back.
        let pause =
            format!("mutation($c: String!) {{ pauseClock(caseId: $c, procedure: \"appraisal\") {{ {CASE} }} }}");
        assert_eq!(api.refused(&reviewer, &pause, json!({ "c": id })).await.0, "FORBIDDEN", "{n}");
        let c = api.ok(&approver, &pause, json!({ "c": id })).await;
        assert_eq!(c["status"], "PAUSED", "{n}");
        assert_eq!(api.refused(&approver, &pause, json!({ "c": id })).await.0, "INVALID_TRANSITION", "{n}");
        let resume = format!("mutation($c: String!) {{ resumeClock(caseId: $c) {{ {CASE} }} }}");
        let c = api.ok(&approver, &resume, json!({ "c": id })).await;
        assert_eq!(c["status"], "IN_PROGRESS", "{n}");
        assert!(day(&c["legalDeadline"]) >= legal, "{n}: a pause never shortens the limit");
        let legal = day(&c["legalDeadline"]);

        // The authority's head extends by 10 working days, once; a reviewer may not.
        let extend = "mutation($c: String!, $d: Int!) { extendDeadline(caseId: $c, amount: $d, reason: \"学历存疑待核\") { legalDeadline } }";
        assert_eq!(api.refused(&reviewer, extend, json!({ "c": id, "d": 10 })).await.0, "FORBIDDEN", "{n}");
        let c = api.ok(&approver, extend, json!({ "c": id, "d": 10 })).await;
        assert_eq!(day(&c["legalDeadline"]), calendar.add_working_days(legal, 10).unwrap(), "{n}");
        let (code, message) = api.refused(&approver, extend, json!({ "c": id, "d": 1 })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{n}: {message}");
        assert!(message.contains("at most 10"), "{n}: {message}");

        // Recognised: the certificate is produced and issued in the same step.
        let c = api.complete(&approver, &id, "decision", "approve").await;
        assert_eq!((c["outcome"].as_str(), c["publicStatus"].as_str()), (Some("APPROVED"), Some("已认定")), "{n}");
        let certs = api
            .ok(&teacher, "query($c: String!) { case(id: $c) { certificates { number } } }", json!({ "c": id }))
            .await["certificates"]
            .clone();
        let number = certs[0]["number"].as_str().unwrap();
        let year = chrono::Utc::now().with_timezone(&engine::calendar::china()).year();
        assert_eq!(number, format!("{year}4101020000001"), "{n}: 17 digits: year, authority, sequence");
        assert_eq!(number.len(), 17, "{n}");
        let check = api
            .call(
                None,
                "query($n: String!) { verifyCertificate(number: $n) { status licence holder office } }",
                json!({ "n": number }),
            )
            .await;
        assert_eq!(
            check["data"]["verifyCertificate"],
            json!({ "status": "VALID", "licence": "教师资格证书", "holder": "王*明", "office": "410102001" }),
            "{n}: a school checking a candidate's certificate sees no more of the name than needed"
        );
        let status = api.call(None, STATUS, lookup).await["data"]["caseStatus"].clone();
        assert_eq!((status["publicStatus"].as_str(), status["outcome"].as_str()), (Some("已认定"), Some("APPROVED")));
    }
}

#[tokio::test]
async fn a_student_transfer_by_one_click_through_four_offices_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let api = Api::new(serve_in_process(store.clone()).await);
        let n = backend.name;
        let guardian = token("guardian-1", &["applicant"], "");
        let offices = [
            ("receiving_school", token("s1", &["school_registrar"], "110105001")),
            ("receiving_bureau", token("b1", &["bureau_registrar"], "110105")),
            ("sending_school", token("s2", &["school_registrar"], "440524003")),
            ("sending_bureau", token("b2", &["bureau_registrar"], "440524")),
        ];

        let submit = format!(
            "mutation($f: JSON!) {{ submitCase(service: \"JY-GG-0001\", form: $f, idempotencyKey: \"tr-1\") {{ {CASE} }} }}"
        );
        let c = api.ok(&guardian, &submit, json!({ "f": transfer_form() })).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let lookup = json!({ "t": id, "q": c["queryCode"] });
        assert_eq!(c["publicStatus"], "转入学校审核中", "{n}: accepted on submission");

        // A public service: no special procedure, no extension, nothing left to correct.
        let (code, message) = api
            .refused(
                &offices[1].1,
                "mutation($c: String!) { pauseClock(caseId: $c, procedure: \"hearing\") { id } }",
                json!({ "c": id }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{n}: {message}");
        assert!(message.contains("hearing"), "{n}: {message}");
        let (code, message) = api
            .refused(
                &offices[1].1,
                "mutation($c: String!) { extendDeadline(caseId: $c, amount: 5, reason: \"材料核实\") { id } }",
                json!({ "c": id }),
            )
            .await;
        assert_eq!((code.as_str(), message.as_str()), ("BAD_USER_INPUT", "this service allows no extension"), "{n}");
        let (code, _) = api
            .refused(
                &offices[0].1,
                "mutation($c: String!) { requestCorrection(caseId: $c, deficiencies: [{note: \"请补充转学原因证明\"}]) { id } }",
                json!({ "c": id }),
            )
            .await;
        assert_eq!(code, "INVALID_TRANSITION", "{n}: 零跑腿: accepted cases are not sent back for papers");

        for (i, (step, who)) in offices.iter().enumerate() {
            // The next office in line cannot act before its turn, nor the previous after it.
            if let Some((_, next)) = offices.get(i + 1) {
                let task = api.task(who, &id, step).await;
                let early = format!(
                    "mutation {{ completeTask(caseId: \"{id}\", taskId: {task}, action: \"approve\") {{ id }} }}"
                );
                let (code, _) = api.refused(next, &early, json!({})).await;
                assert!(code == "FORBIDDEN" || code == "NOT_FOUND", "{n}: {step} by the wrong office: {code}");
            }
            api.complete(who, &id, step, "approve").await;
        }
        let status = api.call(None, STATUS, lookup.clone()).await["data"]["caseStatus"].clone();
        assert_eq!(status["publicStatus"], "学籍档案转接中", "{n}: waits for both registries");

        // The registries (the outside boundary) acknowledge; then the case concludes.
        let registry = tests::registry::Registry::start(vec![]).await;
        let endpoints = api::runtime::outbox::Endpoints { by_kind: [("*".to_owned(), registry.url.clone())].into() };
        let deliverer = api::runtime::outbox::Deliverer::new(store.clone(), "flagship", endpoints);
        for _ in 0..3 {
            deliverer.deliver_due(chrono::Utc::now()).await.unwrap();
        }
        let keys = registry.keys.lock().unwrap().clone();
        assert!(keys.len() >= 2, "{n}: national and provincial registries: {keys:?}");
        let status = api.call(None, STATUS, lookup).await["data"]["caseStatus"].clone();
        assert_eq!((status["publicStatus"].as_str(), status["outcome"].as_str()), (Some("转学完成"), Some("APPROVED")));
        let rate = "mutation($c: String!) { rateCase(caseId: $c, score: 5, comment: \"一次都没跑\") { id } }";
        api.ok(&guardian, rate, json!({ "c": id })).await;
    }
}
