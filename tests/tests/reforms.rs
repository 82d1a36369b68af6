//! The reforms' services end to end over HTTP, on SQLite and PostgreSQL, each step by its
//! own role with its own token:
//! - 校外培训机构（非学科类）设立审批: a draft pre-reviewed (网上预审) and made the application
//!   without retyping, two proofs replaced by a signed commitment (告知承诺), approval and
//!   e-licence, then verification: one case verified, one found false — its licence reads
//!   revoked to anyone, its case says why, a credit record is kept, the SLA report counts.
//! - 中小学教师职称评审: the school's recommendation on public notice (公示) with an objection
//!   answered, the county's review, the committee's vote (the applicant, a member, may not
//!   vote on their own case), the result on public notice, the certificate.
//! - 家庭经济困难学生认定及国家助学金申请: a 随迁子女 pupil recognised on the same path as a
//!   local pupil would be, the school's list masking the pupil's name; a tie vote fails.
//! - 教师资格认定's 现场确认 booked: two applicants race for the last place of a slot, one wins
//!   and the other is told; cancelling and moving free the place; the visit counts against
//!   the maximum.
//!
//! Time: the 公示 periods end by the runtime's own scheduler firing the due timers as of the
//! period's end (the same `Scheduler` the server runs, given a later clock).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::server::{Api, CASE, serve_in_process, token};
use tests::{backends, open, with_window_open_today};

const STATUS: &str = "query($t: String!, $q: String!) { caseStatus(trackingNo: $t, queryCode: $q) { publicStatus } }";
const COMPLETE: &str = "mutation($c: String!, $t: Int!, $a: String!, $d: JSON) { completeTask(caseId: $c, taskId: $t, action: $a, data: $d) { id status publicStatus outcome tasks { id step role office } } }";
const NOTICES: &str =
    "query($s: String) { publicNotices(service: $s) { id serviceName list lastDay columns { title value } } }";
const OBJECT: &str = "mutation($n: String!, $t: String!) { lodgeObjection(notice: $n, text: $t) { receivedAt } }";

/// Completes task `task` with `action` and `data` as `who`.
async fn act(api: &Api, who: &str, case: &str, task: i64, action: &str, data: Value) -> Value {
    api.ok(who, COMPLETE, json!({ "c": case, "t": task, "a": action, "d": data })).await
}

/// Fires every timer due by `at`, as the server's scheduler would then.
async fn run_clock_to(store: &api::store::Store, at: chrono::DateTime<chrono::Utc>) {
    api::runtime::timers::Scheduler::new(store.clone(), "reforms").fire_due(at).await.unwrap();
}

fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&chrono::Utc)
}

async fn publish(api: &Api, file: &str) {
    let admin = token("admin-1", &["admin"], "");
    let yaml = with_window_open_today(file);
    api.ok(&admin, "mutation($y: String!) { publishService(yaml: $y) { version } }", json!({ "y": yaml })).await;
}

fn training_form(name: &str) -> Value {
    json!({"office_code": "410105", "institution_name": name, "training_category": "体育",
        "organiser_name": "郑州明德教育咨询有限公司", "organiser_credit_code": "91350100M000100Y43",
        "address": "郑州市金水区农业路 1 号", "site_area": 320, "legal_representative": "王明", "phone": "13800138000"})
}

const TRAINING_UPLOADS: [&str; 5] =
    ["application", "organiser_qualification", "charter", "staff_credentials", "fund_proof"];

#[tokio::test]
async fn an_off_campus_training_institution_pre_reviewed_approved_on_commitment_and_revoked_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let api = Api::new(serve_in_process(store.clone()).await);
        let n = backend.name;
        let school = token("org-1", &["applicant"], "");
        let clerk = token("clerk-1", &["window_clerk"], "410105");
        let reviewer = token("rev-1", &["reviewer"], "410105");
        let inspector = token("insp-1", &["inspector"], "410105");
        let approver = token("appr-1", &["approver"], "410105");
        let auditor = token("audit-1", &["auditor"], "41");

        // 网上预审: a draft with two proofs missing; no clock runs.
        let submit = format!(
            "mutation($f: JSON!, $m: [MaterialInput!]!, $d: Boolean!, $c: [String!]!) {{ submitCase(service: \"JY-XK-0008\", form: $f, materials: $m, draft: $d, commitments: $c) {{ {CASE} preReview {{ notice }} }} }}"
        );
        let uploads = api.materials(&school, &TRAINING_UPLOADS[..3]).await;
        let draft = api
            .ok(&school, &submit, json!({ "f": training_form("明德体育培训中心"), "m": uploads, "d": true, "c": [] }))
            .await;
        let (id, code) = (draft["id"].as_str().unwrap().to_owned(), draft["queryCode"].as_str().unwrap().to_owned());
        assert_eq!(draft["status"], "PRE_REVIEW", "{n}: {draft}");
        assert_eq!((draft["legalDeadline"].is_null(), draft["promisedDeadline"].is_null()), (true, true), "{n}");
        let status = api.call(None, STATUS, json!({ "t": id, "q": code })).await;
        assert_eq!(status["data"]["caseStatus"]["publicStatus"], "网上预审中", "{n}: {status}");
        // The reviewer answers with one notice; an empty one is refused.
        let task = api.task(&reviewer, &id, "pre_review").await;
        let empty = api
            .call(Some(&reviewer), COMPLETE, json!({ "c": id, "t": task, "a": "answer", "d": { "notice": " " } }))
            .await;
        assert_eq!(tests::server::code(&empty).as_deref(), Some("BAD_USER_INPUT"), "{n}: {empty}");
        let notice = "请补充拟聘从业人员资质证明和资产证明；场所证明可以告知承诺方式办理。";
        let c = act(&api, &reviewer, &id, task, "answer", json!({ "notice": notice })).await;
        assert_eq!(c["tasks"], json!([]), "{n}: answered once, the task is gone");
        let status = api.call(None, STATUS, json!({ "t": id, "q": code })).await;
        assert_eq!(status["data"]["caseStatus"]["publicStatus"], "预审已答复，待正式申请", "{n}");

        // The draft becomes the application: nothing typed again; the two site proofs are
        // replaced by signed commitments; one that allows none is refused.
        let formal = format!(
            "mutation($id: String!, $m: [MaterialInput!]!, $c: [String!]!) {{ submitDraft(caseId: $id, materials: $m, commitments: $c) {{ {CASE} materials {{ code status }} commitments {{ code text }} }} }}"
        );
        let rest = api.materials(&school, &TRAINING_UPLOADS[3..]).await;
        let (code_bad, _) = api.refused(&school, &formal, json!({ "id": id, "m": rest, "c": ["charter"] })).await;
        assert_eq!(code_bad, "BAD_USER_INPUT", "{n}: the charter takes no commitment");
        let c = api.ok(&school, &formal, json!({ "id": id, "m": rest, "c": ["site_title", "fire_safety"] })).await;
        assert_eq!(c["status"], "RECEIVED", "{n}: {c}");
        let committed: Vec<&Value> =
            c["materials"].as_array().unwrap().iter().filter(|m| m["status"] == "COMMITTED").collect();
        assert_eq!(committed.len(), 2, "{n}: {c}");
        assert!(c["commitments"][0]["text"].as_str().unwrap().contains("如有不实"), "{n}");
        let accept = format!("mutation($c: String!) {{ acceptCase(caseId: $c) {{ {CASE} }} }}");
        let c = api.ok(&clerk, &accept, json!({ "c": id })).await;
        assert!(!c["legalDeadline"].is_null(), "{n}: the legal clock starts at acceptance, not at the draft");

        for (who, step) in [(&reviewer, "review"), (&inspector, "site_inspection"), (&approver, "decision")] {
            api.complete(who, &id, step, "approve").await;
        }
        let q = format!(
            "query($c: String!) {{ case(id: $c) {{ {CASE} certificates {{ number }} verification {{ status }} }} }}"
        );
        let c = api.ok(&inspector, &q, json!({ "c": id })).await;
        assert_eq!((c["status"].as_str(), c["outcome"].as_str()), (Some("CONCLUDED"), Some("APPROVED")), "{n}: {c}");
        assert_eq!(c["verification"]["status"], "PENDING", "{n}");
        assert_eq!(c["tasks"][0]["step"], "commitment_verification", "{n}: 核查 for the inspector: {c}");
        let number = c["certificates"][0]["number"].as_str().unwrap().to_owned();
        let verify = "query($n: String!) { verifyCertificate(number: $n) { status revokedAt holder } }";
        let valid = api.call(None, verify, json!({ "n": number })).await["data"]["verifyCertificate"].clone();
        assert_eq!(valid["status"], "VALID");
        assert_eq!(valid["holder"], "明德体育培训中心", "{n}: the licence names the institution, not its organiser");

        // Verification finds the site's fire-safety commitment false: revoked, with the reason.
        let task = api.task(&inspector, &id, "commitment_verification").await;
        let no_finding =
            api.call(Some(&inspector), COMPLETE, json!({ "c": id, "t": task, "a": "revoke", "d": {} })).await;
        assert_eq!(tests::server::code(&no_finding).as_deref(), Some("BAD_USER_INPUT"), "{n}: a revocation says why");
        let finding = "现场核查：培训场所未通过消防验收，承诺不实。";
        act(&api, &inspector, &id, task, "revoke", json!({ "finding": finding })).await;
        let checked = api.call(None, verify, json!({ "n": number })).await["data"]["verifyCertificate"].clone();
        assert_eq!(checked["status"], "REVOKED", "{n}: anyone reads the licence as revoked: {checked}");
        assert!(!checked["revokedAt"].is_null(), "{n}");
        let status = api.call(None, STATUS, json!({ "t": id, "q": code })).await;
        assert_eq!(status["data"]["caseStatus"]["publicStatus"], "已撤销许可（承诺不实）", "{n}");
        let c = api
            .ok(
                &school,
                "query($c: String!) { case(id: $c) { verification { status finding } timeline { what } } }",
                json!({ "c": id }),
            )
            .await;
        assert_eq!(c["verification"], json!({ "status": "REVOKED", "finding": finding }), "{n}");
        assert!(
            c["timeline"].as_array().unwrap().iter().any(|t| t["what"].as_str().unwrap().contains("已记入信用记录")),
            "{n}"
        );
        let credit = api.ok(&auditor, "{ creditRecords { caseId service holder reason } }", json!({})).await;
        assert_eq!(
            credit,
            json!([{ "caseId": id, "service": "JY-XK-0008", "holder": "明德体育培训中心", "reason": finding }]),
            "{n}"
        );

        // A second institution, applied for directly on commitment: verified true.
        let all = api.materials(&school, &TRAINING_UPLOADS).await;
        let c = api
            .ok(
                &school,
                &submit,
                json!({ "f": training_form("启航科技培训中心"), "m": all, "d": false, "c": ["site_title"] }),
            )
            .await;
        let second = c["id"].as_str().unwrap().to_owned();
        let (missing, _) = api.refused(&clerk, &accept, json!({ "c": second })).await;
        assert_eq!(missing, "BAD_USER_INPUT", "{n}: fire_safety is neither uploaded nor committed");
        let more = api.materials(&school, &["fire_safety"]).await;
        let supply =
            "mutation($c: String!, $m: [MaterialInput!]!) { supplyMaterials(caseId: $c, materials: $m) { id } }";
        api.ok(&school, supply, json!({ "c": second, "m": more })).await;
        api.ok(&clerk, &accept, json!({ "c": second })).await;
        for (who, step) in [(&reviewer, "review"), (&inspector, "site_inspection"), (&approver, "decision")] {
            api.complete(who, &second, step, "approve").await;
        }
        let task = api.task(&inspector, &second, "commitment_verification").await;
        act(&api, &inspector, &second, task, "confirm", json!({ "finding": "产权证明与承诺一致" })).await;

        let report = api
            .ok(
                &auditor,
                "{ slaReport { services { service commitments { approved verified revoked pending } } } }",
                json!({}),
            )
            .await;
        let training = report["services"].as_array().unwrap().iter().find(|s| s["service"] == "JY-XK-0008").unwrap();
        assert_eq!(
            training["commitments"],
            json!({ "approved": 2, "verified": 1, "revoked": 1, "pending": 0 }),
            "{n}: {report}"
        );
    }
}

fn title_form(name: &str, id_card: &str) -> Value {
    json!({"school_code": "4101050101", "county_office": "410105", "name": name, "id_card": id_card,
        "school_name": "郑州市金水区第一中学", "subject": "语文", "current_title": "二级教师",
        "applied_title": "一级教师", "years_in_title": 6, "phone": "13800138000"})
}

#[tokio::test]
async fn a_teacher_title_through_two_public_notices_an_objection_and_a_committee_vote_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let api = Api::new(serve_in_process(store.clone()).await);
        let n = backend.name;
        publish(&api, "teacher-title.yaml").await;
        // The candidate is herself a member of the county's committee.
        let teacher = token("teacher-7", &["applicant", "title_expert"], "410105");
        let colleague = token("teacher-8", &["applicant"], "");
        let school = token("school-admin-1", &["school_admin"], "4101050101");
        let county = token("county-1", &["county_reviewer"], "410105");
        let chair = token("expert-1", &["title_expert", "committee_chair"], "410105");
        let experts: Vec<String> =
            (2..=7).map(|i| token(&format!("expert-{i}"), &["title_expert"], "410105")).collect();

        let submit = format!(
            "mutation($f: JSON!, $m: [MaterialInput!]!) {{ submitCase(service: \"JY-GG-0003\", form: $f, materials: $m) {{ {CASE} }} }}"
        );
        let m = api
            .materials(&teacher, &["application_form", "teaching_record", "ethics_assessment", "annual_reviews"])
            .await;
        let c = api.ok(&teacher, &submit, json!({ "f": title_form("李芳", "11010519491231002X"), "m": m })).await;
        let (id, code) = (c["id"].as_str().unwrap().to_owned(), c["queryCode"].as_str().unwrap().to_owned());
        let accept = format!("mutation($c: String!) {{ acceptCase(caseId: $c) {{ {CASE} }} }}");
        api.ok(&school, &accept, json!({ "c": id })).await;
        let c = api.complete(&school, &id, "school_recommendation", "approve").await;
        assert_eq!(c["publicStatus"], "推荐公示中", "{n}: {c}");

        // The list is public: no sign-in; names shown (a title is held by name), no 身份证号.
        let listed = api.call(None, NOTICES, json!({ "s": "JY-GG-0003" })).await["data"]["publicNotices"].clone();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{n}: {listed}");
        assert_eq!(listed[0]["list"], "职称评审推荐人选公示", "{n}");
        let columns = listed[0]["columns"].to_string();
        assert!(columns.contains("李芳") && columns.contains("一级教师"), "{n}: {columns}");
        assert!(!columns.contains("11010519491231002X") && !columns.contains("13800138000"), "{n}: {columns}");
        let notice = listed[0]["id"].as_str().unwrap().to_owned();
        assert!(!notice.contains(&id), "{n}: the list gives no tracking number away");

        // An objection during the period is taken (the engine's tests take one in its last
        // minute); after the period the case waits for its answer.
        let q = format!(
            "query($c: String!) {{ case(id: $c) {{ {CASE} publicity {{ endsAt ended objections {{ text answer upheld }} }} tallies {{ approve reject passed }} certificates {{ number }} }} }}"
        );
        let ends = instant(&api.ok(&school, &q, json!({ "c": id })).await["publicity"]["endsAt"]);
        let (own, _) = api.refused(&teacher, OBJECT, json!({ "n": notice, "t": "我反对我自己" })).await;
        assert_eq!(own, "FORBIDDEN", "{n}: the applicant does not object to her own case");
        let (anonymous, _) = {
            let r = api.call(None, OBJECT, json!({ "n": notice, "t": "匿名" })).await;
            (tests::server::code(&r).unwrap_or_default(), r)
        };
        assert_eq!(anonymous, "UNAUTHENTICATED", "{n}: objections are lodged under a real name");
        api.ok(&colleague, OBJECT, json!({ "n": notice, "t": "申报材料中的公开课获奖证书时间有误。" })).await;
        run_clock_to(&store, ends).await;
        let c = api.ok(&school, &q, json!({ "c": id })).await;
        assert_eq!(
            (c["publicity"]["ended"].as_bool(), c["publicStatus"].as_str()),
            (Some(true), Some("推荐公示中")),
            "{n}: {c}"
        );
        let (late, _) = api.refused(&colleague, OBJECT, json!({ "n": notice, "t": "期满后" })).await;
        assert_eq!(late, "INVALID_TRANSITION", "{n}: no objection after the period");
        let task = api.task(&school, &id, "school_publicity").await;
        let c = act(&api, &school, &id, task, "dismiss", json!({ "answer": "经核实，证书时间系笔误，已更正。" })).await;
        assert_eq!(c["publicStatus"], "县级审核中", "{n}: answered after the period, the case goes on: {c}");
        api.complete(&county, &id, "county_review", "approve").await;

        // The committee: the candidate may not vote on her own case; five of seven in favour.
        let task = api.task(&chair, &id, "committee_review").await;
        let party = api.call(Some(&teacher), COMPLETE, json!({ "c": id, "t": task, "a": "approve" })).await;
        assert_eq!(tests::server::code(&party).as_deref(), Some("FORBIDDEN"), "{n}: {party}");
        act(&api, &chair, &id, task, "approve", json!(null)).await;
        let twice = api.call(Some(&chair), COMPLETE, json!({ "c": id, "t": task, "a": "approve" })).await;
        assert_eq!(tests::server::code(&twice).as_deref(), Some("INVALID_TRANSITION"), "{n}: one vote each");
        for (i, e) in experts.iter().enumerate() {
            let ballot = if i < 4 { "approve" } else { "reject" };
            act(&api, e, &id, task, ballot, json!(null)).await;
        }
        let c = api.ok(&county, &q, json!({ "c": id })).await;
        assert_eq!(c["tallies"], json!([{ "approve": 5, "reject": 2, "passed": true }]), "{n}: {c}");
        // A secret ballot: the candidate's history says seven members voted, not who or how.
        let history = api
            .ok(&teacher, "query($c: String!) { case(id: $c) { timeline { actor what } } }", json!({ "c": id }))
            .await;
        let ballots: Vec<&Value> = history["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["what"].as_str().unwrap().starts_with("委员已表决"))
            .collect();
        assert_eq!(ballots.len(), 7, "{n}: {history}");
        assert!(ballots.iter().all(|t| t["actor"] == ""), "{n}: {history}");
        let trail = api
            .ok(&teacher, "query($c: String!) { auditTrail(caseId: $c) { valid events } }", json!({ "c": id }))
            .await;
        assert_eq!(trail["valid"], true, "{n}");
        let raw = trail["events"].to_string();
        for secret in ["expert-3", "\"ballot\":\"reject\""] {
            assert!(!raw.contains(secret), "{n}: no member and no choice in the trail ({secret})");
        }
        // Whoever objected reads nothing of the case.
        let (hidden, _) =
            api.refused(&colleague, "query($c: String!) { case(id: $c) { id } }", json!({ "c": id })).await;
        assert_eq!(hidden, "NOT_FOUND", "{n}");
        assert_eq!(c["publicStatus"], "结果公示中", "{n}");
        let ends = instant(&c["publicity"]["endsAt"]);
        run_clock_to(&store, ends).await;
        let c = api.ok(&teacher, &q, json!({ "c": id })).await;
        assert_eq!(
            (c["outcome"].as_str(), c["publicStatus"].as_str()),
            (Some("APPROVED"), Some("评审通过")),
            "{n}: {c}"
        );
        let number = c["certificates"][0]["number"].as_str().unwrap().to_owned();
        let verify = "query($n: String!) { verifyCertificate(number: $n) { status licence } }";
        let checked = api.call(None, verify, json!({ "n": number })).await["data"]["verifyCertificate"].clone();
        assert_eq!(checked, json!({ "status": "VALID", "licence": "中小学教师专业技术职务任职资格证书" }), "{n}");
        let status = api.call(None, STATUS, json!({ "t": id, "q": code })).await;
        assert_eq!(status["data"]["caseStatus"]["publicStatus"], "评审通过", "{n}");
        // Concluded when the results' list ended (the scheduler ran to that day): the report
        // over the days from today to then.
        let auditor = token("audit-1", &["auditor"], "41");
        let days = json!({ "f": {
            "from": engine::calendar::local_date(chrono::Utc::now()).to_string(),
            "to": engine::calendar::local_date(ends).to_string() } });
        let report = api
            .ok(
                &auditor,
                "query($f: SlaFilter!) { slaReport(filter: $f) { services { service concluded onTimeLegal } } }",
                days,
            )
            .await;
        let title = report["services"].as_array().unwrap().iter().find(|s| s["service"] == "JY-GG-0003").cloned();
        assert_eq!(
            title,
            Some(json!({ "service": "JY-GG-0003", "concluded": 1, "onTimeLegal": 1.0 })),
            "{n}: {report}"
        );
    }
}

fn aid_form(name: &str, household: &str) -> Value {
    json!({"school_code": "4101050201", "county_office": "410105", "student_name": name,
        "id_card": "440524188001010014", "grade_class": "高一（3）班", "household": household,
        "family_situation": "最低生活保障家庭", "requested_level": "特别困难", "guardian_name": "张建国",
        "guardian_phone": "13800138000"})
}

#[tokio::test]
async fn student_aid_for_a_migrant_pupil_on_the_same_path_and_a_tie_vote_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let api = Api::new(serve_in_process(store.clone()).await);
        let n = backend.name;
        publish(&api, "student-aid.yaml").await;
        let guardian = token("guardian-3", &["applicant"], "");
        let officer = token("aid-1", &["aid_officer"], "4101050201");
        let lead = token("assessor-1", &["assessor", "assessment_lead"], "4101050201");
        let members: Vec<String> =
            (2..=5).map(|i| token(&format!("assessor-{i}"), &["assessor"], "4101050201")).collect();
        let county = token("county-aid-1", &["county_aid"], "410105");
        let submit = format!(
            "mutation($f: JSON!, $m: [MaterialInput!]!) {{ submitCase(service: \"JY-GG-0004\", form: $f, materials: $m) {{ {CASE} }} }}"
        );
        let accept = format!("mutation($c: String!) {{ acceptCase(caseId: $c) {{ {CASE} }} }}");
        let q = format!(
            "query($c: String!) {{ case(id: $c) {{ {CASE} tallies {{ approve reject abstain passed }} publicity {{ endsAt }} timeline {{ what }} }} }}"
        );

        // A pupil who came with migrant-worker parents: the same steps a local pupil takes.
        let m = api.materials(&guardian, &["application"]).await;
        let c = api.ok(&guardian, &submit, json!({ "f": aid_form("张小雨", "随迁子女（外地户籍）"), "m": m })).await;
        let id = c["id"].as_str().unwrap().to_owned();
        api.ok(&officer, &accept, json!({ "c": id })).await;
        let task = api.task(&lead, &id, "assessment").await;
        for (who, ballot) in [(&lead, "approve"), (&members[0], "approve"), (&members[1], "approve")] {
            act(&api, who, &id, task, ballot, json!(null)).await;
        }
        act(&api, &members[2], &id, task, "reject", json!(null)).await;
        act(&api, &members[3], &id, task, "abstain", json!(null)).await;
        let c = api.ok(&officer, &q, json!({ "c": id })).await;
        assert_eq!(c["tallies"], json!([{ "approve": 3, "reject": 1, "abstain": 1, "passed": true }]), "{n}: {c}");
        assert_eq!(c["publicStatus"], "校内公示中", "{n}");
        // The school's list is not on the open internet: signed in, it shows the pupil's
        // name masked and nothing of the family.
        let anonymous = api.call(None, NOTICES, json!({ "s": "JY-GG-0004" })).await["data"]["publicNotices"].clone();
        assert_eq!(anonymous, json!([]), "{n}: {anonymous}");
        let listed =
            api.call(Some(&guardian), NOTICES, json!({ "s": "JY-GG-0004" })).await["data"]["publicNotices"].clone();
        let columns = listed[0]["columns"].clone();
        assert_eq!(
            columns,
            json!([{ "title": "学生", "value": "张*雨" }, { "title": "年级班级", "value": "高一（3）班" }, { "title": "认定档次", "value": "特别困难" }]),
            "{n}: {listed}"
        );
        run_clock_to(&store, instant(&c["publicity"]["endsAt"])).await;
        let c = api.complete(&county, &id, "county_confirmation", "approve").await;
        assert_eq!((c["outcome"].as_str(), c["publicStatus"].as_str()), (Some("APPROVED"), Some("已认定")), "{n}: {c}");
        let c = api.ok(&guardian, &q, json!({ "c": id })).await;
        let steps: Vec<String> =
            c["timeline"].as_array().unwrap().iter().map(|t| t["what"].as_str().unwrap().to_owned()).collect();
        assert!(steps.iter().any(|s| s.starts_with("表决结果：通过")), "{n}: {steps:?}");
        assert!(steps.iter().any(|s| s.starts_with("县级确认")), "{n}: {steps:?}");

        // A local pupil's case where the group splits two to two: a tie is not a majority.
        let m = api.materials(&guardian, &["application"]).await;
        let c = api.ok(&guardian, &submit, json!({ "f": aid_form("李明", "本地户籍"), "m": m })).await;
        let tie = c["id"].as_str().unwrap().to_owned();
        api.ok(&officer, &accept, json!({ "c": tie })).await;
        let task = api.task(&lead, &tie, "assessment").await;
        let early = api.call(Some(&lead), COMPLETE, json!({ "c": tie, "t": task, "a": "close" })).await;
        assert_eq!(tests::server::code(&early).as_deref(), Some("INVALID_TRANSITION"), "{n}: no quorum yet: {early}");
        let closing = api.call(Some(&members[0]), COMPLETE, json!({ "c": tie, "t": task, "a": "close" })).await;
        assert_eq!(tests::server::code(&closing).as_deref(), Some("FORBIDDEN"), "{n}: only the lead closes");
        for (who, ballot) in
            [(&lead, "approve"), (&members[0], "approve"), (&members[1], "reject"), (&members[2], "reject")]
        {
            act(&api, who, &tie, task, ballot, json!(null)).await;
        }
        let c = act(&api, &lead, &tie, task, "close", json!(null)).await;
        assert_eq!((c["outcome"].as_str(), c["publicStatus"].as_str()), (Some("DENIED"), Some("未认定")), "{n}: {c}");
        let auditor = token("audit-1", &["auditor"], "41");
        let report = api.ok(&auditor, "{ slaReport { services { service received concluded } } }", json!({})).await;
        let aid = report["services"].as_array().unwrap().iter().find(|s| s["service"] == "JY-GG-0004").cloned();
        assert_eq!(aid, Some(json!({ "service": "JY-GG-0004", "received": 2, "concluded": 2 })), "{n}: {report}");
    }
}

#[tokio::test]
async fn booking_the_teacher_credential_visit_one_wins_the_last_place_over_http() {
    for backend in backends().await {
        let store = open(&backend).await;
        let api = Api::new(serve_in_process(store.clone()).await);
        let n = backend.name;
        publish(&api, "teacher-credential.yaml").await;
        let reviewer = token("rev-1", &["reviewer"], "4101");
        let outsider = token("rev-9", &["reviewer"], "4201");
        let teachers = [token("teacher-1", &["applicant"], ""), token("teacher-2", &["applicant"], "")];
        let form = json!({"office_code": "410102001", "name": "王小明", "id_card": "440524188001010014",
            "teaching_level": "初级中学", "subject": "数学", "putonghua_level": "二级甲等", "medical_conclusion": "合格"});
        let submit = format!("mutation($f: JSON!) {{ submitCase(service: \"JY-XK-0006\", form: $f) {{ {CASE} }} }}");
        let mut cases = Vec::new();
        for t in &teachers {
            cases.push(api.ok(t, &submit, json!({ "f": form })).await["id"].as_str().unwrap().to_owned());
        }

        // The authority publishes two slots of one place each, tomorrow.
        let tomorrow =
            engine::calendar::start_of(engine::calendar::local_date(chrono::Utc::now()) + chrono::Duration::days(1));
        let slot = |h: i64| json!({ "startsAt": (tomorrow + chrono::Duration::hours(h)).to_rfc3339(), "endsAt": (tomorrow + chrono::Duration::hours(h + 1)).to_rfc3339(), "capacity": 1 });
        let publish = "mutation($s: [SlotInput!]!) { publishSlots(service: \"JY-XK-0006\", office: \"410102001\", slots: $s) { id placesLeft } }";
        let (code, _) = api.refused(&outsider, publish, json!({ "s": [slot(9)] })).await;
        assert_eq!(code, "FORBIDDEN", "{n}: another city's reviewer publishes nothing here");
        let slots = api.ok(&reviewer, publish, json!({ "s": [slot(9), slot(10)] })).await;
        let (first, second) =
            (slots[0]["id"].as_str().unwrap().to_owned(), slots[1]["id"].as_str().unwrap().to_owned());
        let listed = api
            .call(None, "{ slots(service: \"JY-XK-0006\", office: \"410102001\") { id placesLeft } }", json!({}))
            .await;
        assert_eq!(listed["data"]["slots"].as_array().unwrap().len(), 2, "{n}: anyone sees the slots: {listed}");

        // Both race for the first slot's one place: one books it, the other is told.
        let book = "mutation($c: String!, $s: String!) { bookVisit(caseId: $c, slotId: $s) { booking { slotId } } }";
        let (a, b) = tokio::join!(
            api.call(Some(&teachers[0]), book, json!({ "c": cases[0], "s": first })),
            api.call(Some(&teachers[1]), book, json!({ "c": cases[1], "s": first }))
        );
        let won: Vec<&Value> = [&a, &b].into_iter().filter(|r| r["errors"].is_null()).collect();
        let lost: Vec<&Value> = [&a, &b].into_iter().filter(|r| !r["errors"].is_null()).collect();
        assert_eq!((won.len(), lost.len()), (1, 1), "{n}: {a} {b}");
        assert_eq!(tests::server::code(lost[0]).as_deref(), Some("CONFLICT"), "{n}: {}", lost[0]);
        assert_eq!(lost[0]["errors"][0]["extensions"]["words"], "这个时段已约满，请选择其他时段", "{n}");
        let loser = if a["errors"].is_null() { 1 } else { 0 };
        let (theirs, _) = api.refused(&teachers[loser], book, json!({ "c": cases[1 - loser], "s": second })).await;
        assert_eq!(theirs, "NOT_FOUND", "{n}: nobody books on another's case");
        api.ok(&teachers[loser], book, json!({ "c": cases[loser], "s": second })).await;
        let places = "{ slots(service: \"JY-XK-0006\", office: \"410102001\") { placesLeft } }";
        let left = api.call(None, places, json!({})).await["data"]["slots"].clone();
        assert_eq!(left, json!([{ "placesLeft": 0 }, { "placesLeft": 0 }]), "{n}: no overbooking");
        // The winner cancels: the place is free again.
        let winner = 1 - loser;
        api.ok(
            &teachers[winner],
            "mutation($c: String!) { cancelBooking(caseId: $c) { id } }",
            json!({ "c": cases[winner] }),
        )
        .await;
        let left = api.call(None, places, json!({})).await["data"]["slots"].clone();
        assert_eq!(left, json!([{ "placesLeft": 1 }, { "placesLeft": 0 }]), "{n}");
        // The other moves to the freed place: the one it leaves is free in turn.
        api.ok(&teachers[loser], book, json!({ "c": cases[loser], "s": first })).await;
        let left = api.call(None, places, json!({})).await["data"]["slots"].clone();
        assert_eq!(left, json!([{ "placesLeft": 0 }, { "placesLeft": 1 }]), "{n}: moved");

        // A no-show cannot be recorded before the slot; the visit itself counts, and the
        // service's one visit used, nothing more can be booked.
        let no_show = "mutation($c: String!) { recordNoShow(caseId: $c) { id } }";
        let (early, _) = api.refused(&reviewer, no_show, json!({ "c": cases[loser] })).await;
        assert_eq!(early, "INVALID_TRANSITION", "{n}");
        let visit =
            "mutation($c: String!) { recordVisit(caseId: $c, purpose: \"现场确认\") { visits booking { slotId } } }";
        let c = api.ok(&reviewer, visit, json!({ "c": cases[loser] })).await;
        assert_eq!(c, json!({ "visits": 1, "booking": null }), "{n}");
        let (used, _) = api.refused(&teachers[loser], book, json!({ "c": cases[loser], "s": first })).await;
        assert_eq!(used, "INVALID_TRANSITION", "{n}: 最多跑一次");
    }
}
