//! `api demo` on SQLite and PostgreSQL: the sample cases give a newcomer a queue that is
//! already sorted by urgency, with warnings and overdue steps, and concluded, certified,
//! rated cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::server::{Api, serve_in_process, token};
use tests::{backends, open};

const QUEUE: &str = "{ tasks(first: 20) { nodes { caseId step stepName serviceName level due } } }";

#[tokio::test]
async fn the_demo_fills_queues_with_urgent_work_and_concludes_some_cases() {
    for backend in backends().await {
        let store = open(&backend).await;
        let loaded = api::demo::load(&store, chrono::Utc::now()).await.unwrap();
        let n = backend.name;
        assert_eq!(loaded.cases, 21, "{n}");
        assert!(loaded.concluded >= 5, "{n}: {loaded:?}");
        assert!(loaded.timers_fired > 0, "{n}: {loaded:?}");
        let api = Api::new(serve_in_process(store).await);

        // The receiving school's registrar: the overdue transfer first, then the one near
        // its limit, each named as the clerk knows it.
        let registrar = token("zhang.xj", &["school_registrar"], "110105001");
        let queue = api.ok(&registrar, QUEUE, json!({})).await["nodes"].clone();
        let levels: Vec<&str> = queue.as_array().unwrap().iter().map(|t| t["level"].as_str().unwrap()).collect();
        assert_eq!(levels.first(), Some(&"OVERDUE"), "{n}: {queue}");
        assert_eq!(levels.get(1), Some(&"WARNING"), "{n}: {queue}");
        assert_eq!(queue[0]["stepName"], "转入学校审核", "{n}");
        assert_eq!(queue[0]["serviceName"], "中小学生转学", "{n}");

        // The window clerk sees the licence application that just came in.
        let clerk = token("chen.ck", &["window_clerk"], "410105");
        let queue = api.ok(&clerk, QUEUE, json!({})).await["nodes"].clone();
        assert!(!queue.as_array().unwrap().is_empty(), "{n}: {queue}");
        assert_eq!((queue[0]["step"].as_str(), queue[0]["stepName"].as_str()), (Some("intake"), Some("受理")), "{n}");
        assert_eq!(queue[0]["serviceName"], "民办学校正式设立（办学许可证核发）", "{n}");
        // Accepting it takes it off the window's queue.
        let accept = "mutation($c: String!) { acceptCase(caseId: $c) { tasks { step } } }";
        let c = api.ok(&clerk, accept, json!({ "c": queue[0]["caseId"] })).await;
        assert_eq!(c["tasks"].as_array().unwrap().len(), 2, "{n}: both assessments open: {c}");
        let queue = api.ok(&clerk, QUEUE, json!({})).await["nodes"].clone();
        assert_eq!(queue, json!([]), "{n}");

        // The 差评 on a concluded transfer is in the receiving bureau's queue to follow up.
        let bureau = token("li.jyj", &["bureau_registrar"], "110105");
        let queue = api.ok(&bureau, QUEUE, json!({})).await["nodes"].clone();
        assert!(queue.as_array().unwrap().iter().any(|t| t["stepName"] == "差评回访整改"), "{n}: {queue}");

        // The reforms: a teacher's title on public notice, the other's notice over and at the
        // county; a draft the reviewer answered; a commitment for the inspector to
        // verify; a pupil's aid before the assessment group; a 现场确认 booked.
        let listed = api.call(None, "{ publicNotices { list columns { value } } }", json!({})).await;
        let notices = listed["data"]["publicNotices"].as_array().unwrap().clone();
        assert_eq!(notices.len(), 1, "{n}: {listed}");
        assert!(notices[0]["columns"].to_string().contains("李芳"), "{n}: {listed}");
        let steps = |q: &Value| -> Vec<String> {
            q.as_array().unwrap().iter().map(|t| t["step"].as_str().unwrap().to_owned()).collect()
        };
        let county = api.ok(&token("qian.xj", &["county_reviewer"], "410105"), QUEUE, json!({})).await["nodes"].clone();
        assert_eq!(steps(&county), ["county_review"], "{n}: {county}");
        let org = token("org-1", &["applicant"], "");
        let draft = api.ok(&org, "{ myCases { status preReview { notice } } }", json!({})).await;
        assert_eq!(draft[0]["status"], "PRE_REVIEW", "{n}: {draft}");
        assert!(!draft[0]["preReview"]["notice"].is_null(), "{n}: answered, waiting for the applicant: {draft}");
        let inspector = api.ok(&token("he.kc", &["inspector"], "410105"), QUEUE, json!({})).await["nodes"].clone();
        assert!(steps(&inspector).contains(&"commitment_verification".to_owned()), "{n}: {inspector}");
        let group = api.ok(&token("zhou.pz", &["assessor", "assessment_lead"], "4101050201"), QUEUE, json!({})).await;
        assert_eq!(steps(&group["nodes"]), ["assessment"], "{n}: {group}");
        let teacher = token("teacher-3", &["applicant"], "");
        let mine = api.ok(&teacher, "{ myCases { booking { startsAt } } }", json!({})).await;
        assert!(!mine[0]["booking"].is_null(), "{n}: {mine}");

        // Concluded cases: a guardian's transfer is done and rated.
        let guardian = token("guardian-5", &["applicant"], "");
        let mine = api.ok(&guardian, "{ myCases { publicStatus outcome } }", json!({})).await;
        assert_eq!(mine, json!([{ "publicStatus": "转学完成", "outcome": "APPROVED" }]), "{n}");
    }
}
