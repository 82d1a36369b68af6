//! The auditors' figures over HTTP, on SQLite and PostgreSQL, from cases walked through the
//! store at known instants in March 2026 (a month without holidays), so every figure can be
//! worked out by hand: on-time rates against both limits, processing time net of a pause,
//! compression, pauses, extensions, corrections, visits, ratings; the scope of an office;
//! overdue cases ordered by lateness; and a tampered event named by the audit trail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::store::{Request, Store};
use engine::case::state::{Deficiency, MaterialRef};
use engine::case::{Actor, Command};
use serde_json::json;
use tests::server::{Api, serve_in_process, token};
use tests::{backends, cst, open};

const MATERIALS: [&str; 8] = [
    "preparation_approval",
    "preparation_report",
    "charter",
    "board_member_list",
    "asset_proof",
    "principal_credentials",
    "teacher_credentials",
    "accountant_credentials",
];

struct Walk<'a> {
    store: &'a Store,
    case: String,
}

impl Walk<'_> {
    async fn run(&self, who: &Actor, command: Command, at: chrono::DateTime<chrono::Utc>) {
        let r = self.store.execute(&Request::new(self.case.clone(), who.clone(), command, at)).await;
        r.unwrap_or_else(|e| panic!("{}: {e}", self.case));
    }

    async fn complete(&self, step: &str, who: &Actor, at: chrono::DateTime<chrono::Utc>) {
        let state = self.store.case(&self.case).await.unwrap().unwrap();
        let task = state.tasks.values().find(|t| t.step == step).unwrap_or_else(|| panic!("no {step}")).id;
        let command = Command::CompleteTask { task, action: "approve".into(), data: serde_json::Map::new() };
        self.run(who, command, at).await;
    }
}

async fn submit<'a>(
    store: &'a Store,
    name: &str,
    office: &str,
    materials: &[&str],
    at: chrono::DateTime<chrono::Utc>,
) -> Walk<'a> {
    let case = uuid::Uuid::now_v7().to_string();
    let materials = materials
        .iter()
        .map(|m| ((*m).to_owned(), MaterialRef { sha256: format!("{m:0>64}"), file_name: format!("{m}.pdf") }))
        .collect();
    let form = json!({"office_code": office, "school_name": name, "organiser_name": "某教育集团", "contact_phone": "13800138000"});
    let command = Command::submit(case.clone(), form, materials);
    let request = Request {
        service: Some("JY-XK-0001".into()),
        ..Request::new(case.clone(), Actor::applicant(&format!("school-{name}")), command, at)
    };
    store.execute(&request).await.unwrap();
    Walk { store, case }
}

/// Accept, both assessments, leadership review, decision, online approval.
async fn through(
    w: &Walk<'_>,
    office: &str,
    accept: Option<chrono::DateTime<chrono::Utc>>,
    end: chrono::DateTime<chrono::Utc>,
) {
    let staff = |role: &str| Actor::staff(&format!("{role}-1"), role, office);
    if let Some(at) = accept {
        w.run(&staff("window_clerk"), Command::AcceptCase { deferred: Vec::new() }, at).await;
    }
    w.complete("site_inspection", &staff("inspector"), end - chrono::Duration::hours(5)).await;
    w.complete("expert_evaluation", &staff("expert"), end - chrono::Duration::hours(4)).await;
    w.complete("leadership_review", &staff("leader"), end - chrono::Duration::hours(3)).await;
    w.complete("decision", &staff("approver"), end - chrono::Duration::hours(2)).await;
    w.complete("online_approval", &staff("approver"), end).await;
}

async fn rate(w: &Walk<'_>, name: &str, score: u8, at: chrono::DateTime<chrono::Utc>) {
    let who = Actor::applicant(&format!("school-{name}"));
    // A 差评 states its reason.
    let comment = if score <= 2 { "办理太慢".to_owned() } else { String::new() };
    w.run(&who, Command::RateCase { score, comment }, at).await;
}

const REPORT: &str = "query($f: SlaFilter!) { slaReport(filter: $f) { office from to services { service serviceName \
    received accepted concludedOfReceived open concluded onTimeLegal onTimePromised \
    processingDays { mean median p90 max } legalDays promisedDays promisedLegalRatio achievedLegalRatio \
    pauses { count days } extensions { count days } correctionsPerCase casesWithSecondNotice \
    visitsPerCase maxVisits casesOverMaxVisits ratings { count mean byScore bad } \
    followUps { opened open overdue closed closedLate } \
    steps { step stepName completed onTime meanDays maxDays limitDays } \
    baseline { steps promisedDays } current { steps promisedDays } } } }";

#[tokio::test]
async fn the_sla_report_gives_the_figures_worked_out_by_hand() {
    for backend in backends().await {
        let store = open(&backend).await;
        let n = backend.name;
        let at = |d: u32, h: u32| cst(2026, 3, d, h, 0);
        let (office, clerk) = ("410105", Actor::staff("window_clerk-1", "window_clerk", "410105"));

        // A: accepted Mon 2 March 10:00, concluded Wed 4 March 12:00: 1.5 working days.
        let a = submit(&store, "甲", office, &MATERIALS, at(2, 9)).await;
        through(&a, office, Some(at(2, 10)), at(4, 12)).await;
        rate(&a, "甲", 5, at(5, 9)).await;
        // B: concluded Wed 18 March 12:00: 11.5 working days, past the promised 9; two
        // visits where the service promises none.
        let b = submit(&store, "乙", office, &MATERIALS, at(2, 9)).await;
        b.run(&clerk, Command::RecordVisit { purpose: "咨询".into() }, at(2, 9)).await;
        b.run(&clerk, Command::RecordVisit { purpose: "补交原件".into() }, at(2, 9)).await;
        through(&b, office, Some(at(2, 10)), at(18, 12)).await;
        rate(&b, "乙", 2, at(19, 9)).await;
        // C: one correction notice, accepted Tue 3 March 10:00; a hearing pauses the clocks
        // from Wed 12:00 to Fri 12:00 (2 working days); the head extends by 5; concluded
        // Tue 10 March 12:00: 0.5 + 0.5 + 1 + 0.5 = 2.5 working days counted.
        let c = submit(&store, "丙", office, &MATERIALS[..7], at(2, 9)).await;
        let notice = vec![Deficiency {
            material: Some("accountant_credentials".into()),
            note: "缺少财会人员资质".into(),
        }];
        c.run(&clerk, Command::RequestCorrection { deficiencies: notice }, at(2, 10)).await;
        let supplied =
            [("accountant_credentials".to_owned(), MaterialRef { sha256: "c".repeat(64), file_name: "a.pdf".into() })];
        let applicant = Actor::applicant("school-丙");
        c.run(&applicant, Command::SupplyMaterials { materials: supplied.into() }, at(3, 9)).await;
        c.run(&clerk, Command::AcceptCase { deferred: Vec::new() }, at(3, 10)).await;
        let leader = Actor::staff("leader-1", "leader", office);
        c.run(&leader, Command::PauseClock { procedure: "hearing".into(), notice: String::new() }, at(4, 12)).await;
        c.run(&leader, Command::ResumeClock, at(6, 12)).await;
        let head = Actor::staff("head-1", "agency_head", office);
        c.run(&head, Command::ExtendDeadline { amount: 5, reason: "情况复杂".into() }, at(9, 9)).await;
        through(&c, office, None, at(10, 12)).await;
        rate(&c, "丙", 4, at(11, 9)).await;
        // D: accepted and left open: overdue by now. E: elsewhere (湖北), outside the scope.
        let d = submit(&store, "丁", office, &MATERIALS, at(2, 9)).await;
        d.run(&clerk, Command::AcceptCase { deferred: Vec::new() }, at(2, 10)).await;
        let e = submit(&store, "戊", "420106", &MATERIALS, at(2, 9)).await;
        through(&e, "420106", Some(at(2, 10)), at(3, 12)).await;
        let scheduler = api::runtime::timers::Scheduler::new(store.clone(), "report");
        scheduler.fire_due(chrono::Utc::now()).await.unwrap();

        let db = store.db().clone();
        let api = Api::new(serve_in_process(store.clone()).await);
        let auditor = token("audit-1", &["auditor"], "4101");
        let march = json!({ "f": { "from": "2026-03-01", "to": "2026-03-31" } });
        let report = api.ok(&auditor, REPORT, march.clone()).await;
        assert_eq!((report["office"].as_str(), report["from"].as_str()), (Some("4101"), Some("2026-03-01")), "{n}");
        let f = &report["services"][0];
        assert_eq!(report["services"].as_array().unwrap().len(), 1, "{n}: {report}");
        assert_eq!(f["service"], "JY-XK-0001", "{n}");
        let counts =
            ["received", "accepted", "concludedOfReceived", "open", "concluded"].map(|k| f[k].as_i64().unwrap());
        assert_eq!(counts, [4, 4, 3, 1, 3], "{n}: 湖北's case is outside 4101: {f}");
        assert_eq!(f["onTimeLegal"], 1.0, "{n}");
        assert_eq!(f["onTimePromised"], 0.6667, "{n}");
        assert_eq!(f["processingDays"], json!({ "mean": 5.17, "median": 2.5, "p90": 11.5, "max": 11.5 }), "{n}");
        assert_eq!((f["legalDays"].as_i64(), f["promisedDays"].as_i64()), (Some(90), Some(9)), "{n}");
        assert_eq!(f["promisedLegalRatio"], 0.1, "{n}: 9 of 90");
        assert_eq!(f["achievedLegalRatio"], 0.0574, "{n}: 5.17 of 90");
        assert_eq!(f["pauses"], json!({ "count": 1, "days": 2.0 }), "{n}");
        assert_eq!(f["extensions"], json!({ "count": 1, "days": 5.0 }), "{n}");
        assert_eq!((f["correctionsPerCase"].as_f64(), f["casesWithSecondNotice"].as_i64()), (Some(0.33), Some(0)));
        assert_eq!((f["visitsPerCase"].as_f64(), f["maxVisits"].as_i64()), (Some(0.67), Some(0)), "{n}");
        assert_eq!(f["casesOverMaxVisits"], 1, "{n}");
        assert_eq!(f["ratings"], json!({ "count": 3, "mean": 3.67, "byScore": [0, 1, 0, 1, 1], "bad": 1 }), "{n}");
        assert_eq!(
            f["followUps"],
            json!({ "opened": 1, "open": 0, "overdue": 1, "closed": 0, "closedLate": 0 }),
            "{n}: 乙's 差评 opened a follow-up whose 15 working days have long passed"
        );
        // Per step, in the definition's order, by the office that did it.
        let steps: Vec<(&str, i64)> = f["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["step"].as_str().unwrap(), s["completed"].as_i64().unwrap()))
            .collect();
        let expected = ["site_inspection", "expert_evaluation", "leadership_review", "decision", "online_approval"]
            .map(|s| (s, 3));
        assert_eq!(steps, expected, "{n}: {}", f["steps"]);
        assert_eq!(f["steps"][0]["stepName"], "实地考察", "{n}: {}", f["steps"][0]);
        assert!(f["steps"][0]["onTime"].is_number() && f["steps"][0]["meanDays"].is_number(), "{n}");
        assert_eq!(f["baseline"], serde_json::Value::Null, "{n}: no baseline in this definition");
        assert!(f["current"]["steps"].as_array().unwrap().len() >= 5, "{n}: {f}");

        // The whole country's auditor sees 湖北 too; a city's auditor may not look next door.
        let national = api.ok(&token("audit-0", &["auditor"], "4"), REPORT, march.clone()).await;
        assert_eq!(national["services"][0]["concluded"], 4, "{n}");
        let next_door = json!({ "f": { "from": "2026-03-01", "to": "2026-03-31", "office": "4201" } });
        assert_eq!(api.refused(&auditor, REPORT, next_door).await.0, "FORBIDDEN", "{n}");
        let school = token("school-甲", &["applicant"], "");
        assert_eq!(api.refused(&school, REPORT, march.clone()).await.0, "FORBIDDEN", "{n}");
        let (code, message) = api.refused(&auditor, REPORT, json!({ "f": { "from": "2026-3-1x" } })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{n}");
        assert!(message.starts_with("filter.from"), "{n}: {message}");

        // The window clerk finds the follow-up in the queue and closes it, late.
        let window = token("window_clerk-1", &["window_clerk"], "410105");
        let queue = api.ok(&window, "{ tasks { nodes { caseId taskId step stepName level } } }", json!({})).await;
        let follow =
            queue["nodes"].as_array().unwrap().iter().find(|t| t["step"] == "rating_follow_up").unwrap().clone();
        assert_eq!(
            (follow["caseId"].as_str(), follow["stepName"].as_str()),
            (Some(b.case.as_str()), Some("差评回访整改"))
        );
        assert_eq!(follow["level"], "OVERDUE", "{n}");
        let close = "mutation($c: String!, $t: Int!) { completeTask(caseId: $c, taskId: $t, action: \"close\", data: {note: \"已电话回访，约定整改\"}) { status tasks { step } } }";
        let closed = api.ok(&window, close, json!({ "c": b.case, "t": follow["taskId"] })).await;
        assert_eq!(closed, json!({ "status": "CONCLUDED", "tasks": [] }), "{n}");
        let report = api.ok(&auditor, REPORT, march.clone()).await;
        let follow_ups = &report["services"][0]["followUps"];
        assert_eq!((follow_ups["closedLate"].as_i64(), follow_ups["overdue"].as_i64()), (Some(1), Some(0)), "{n}");

        // The same report and the case list as CSV, in the same scope.
        let get = |path: &str, who: Option<&str>| {
            let mut r = api.http.get(format!("{}{path}", api.url));
            if let Some(t) = who {
                r = r.bearer_auth(t);
            }
            async move {
                let r = r.send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, csv) = get("/reports/sla.csv?from=2026-03-01&to=2026-03-31", Some(&auditor)).await;
        assert_eq!(status, 200, "{n}: {csv}");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].starts_with("service,service_name,received,accepted"), "{n}: {csv}");
        assert!(
            lines[1].starts_with("JY-XK-0001,民办学校正式设立（办学许可证核发）,4,4,3,1,3,1,0.6667,5.17,2.5,11.5,11.5"),
            "{n}: {csv}"
        );
        let (status, csv) = get("/reports/cases.csv?from=2026-03-01&to=2026-03-31", Some(&auditor)).await;
        assert_eq!((status, csv.lines().count()), (200, 5), "{n}: a header and 4 cases in 4101: {csv}");
        assert!(!csv.contains("school-"), "{n}: no applicant ids in the export");
        assert_eq!(get("/reports/cases.csv?office=4201", Some(&auditor)).await.0, 403, "{n}");
        assert_eq!(get("/reports/sla.csv", None).await.0, 401, "{n}");
        assert_eq!(get("/reports/sla.csv?from=yesterday", Some(&auditor)).await.0, 400, "{n}");

        // The open case is overdue against both limits by now, and heads the list.
        let overdue =
            api.ok(&auditor, "{ overdueCases { caseId serviceName level workingDaysLate } }", json!({})).await;
        assert_eq!(overdue[0]["caseId"], d.case.as_str(), "{n}: {overdue}");
        assert_eq!(overdue[0]["level"], "OVERDUE", "{n}");
        assert!(overdue[0]["workingDaysLate"].as_i64().unwrap() > 100, "{n}: {overdue}");

        // An event edited in the database breaks the chain at that event.
        let trail = "query($c: String!) { auditTrail(caseId: $c) { valid brokenAt reason } }";
        assert_eq!(api.ok(&auditor, trail, json!({ "c": c.case })).await["valid"], true, "{n}");
        sea_orm::ConnectionTrait::execute_unprepared(
            &db,
            &format!("UPDATE events SET body = replace(body, '情况复杂', '情况简单') WHERE case_id = '{}'", c.case),
        )
        .await
        .unwrap();
        let broken = api.ok(&auditor, trail, json!({ "c": c.case })).await;
        assert_eq!(broken["valid"], false, "{n}: {broken}");
        let events = api
            .ok(&auditor, "query($c: String!) { auditTrail(caseId: $c) { events } }", json!({ "c": c.case }))
            .await["events"]
            .clone();
        let extended = events.as_array().unwrap().iter().find(|e| e.to_string().contains("情况简单")).unwrap();
        let submitted = events[0].to_string();
        assert!(!submitted.contains("13800138000") && submitted.contains("138****8000"), "{n}: masked for auditors");
        assert_eq!(broken["brokenAt"], extended["sequence"], "{n}: the edited event is named: {broken}");
    }
}
