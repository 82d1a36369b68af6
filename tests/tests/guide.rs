//! The 办事指南 and the work on a case as a client reads them over HTTP, on SQLite and
//! PostgreSQL: typed limits, materials, steps and form fields without reading any YAML; a
//! case's clocks, materials, tasks with their actions, the operations open to each caller,
//! and its timeline in the words a clerk reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::server::{Api, serve_in_process, token};
use tests::{backends, open};

const GUIDE: &str = "query($c: String!) { service(code: $c) { code name version category legalBasis onlineLevel maxVisits fees { name }
  legalLimit { amount unit text } promisedLimit { amount unit text } extensionLimit { amount } clockAnchor batches { name opens closes }
  materials { code name required requiredWhen anyOf { code name } deferrableWithin { amount unit } reusableFrom acceptedTypes maxBytes }
  steps { id name kind role roleName limit { amount unit } specialProcedure merges { id name limit { amount } } actions { code label next } next }
  specialProcedures { code name roles } baseline { promised { amount } steps { id name } }
  formSchema formFields { name title type format choices required } } }";

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|v| v[key] == value).unwrap_or_else(|| panic!("no {key}={value} in {list}"))
}

#[tokio::test]
async fn the_service_guide_tells_a_client_everything_without_yaml() {
    for backend in backends().await {
        let api = Api::new(serve_in_process(open(&backend).await).await);
        let n = backend.name;
        // Public: no token.
        let r = api.call(None, GUIDE, json!({ "c": "JY-XK-0001" })).await;
        assert!(r["errors"].is_null(), "{n}: {r}");
        let g = &r["data"]["service"];
        assert_eq!(g["category"], "行政许可", "{n}");
        assert_eq!(g["legalLimit"], json!({ "amount": 90, "unit": "WORKING_DAYS", "text": "90个工作日" }), "{n}");
        assert_eq!(g["promisedLimit"]["amount"], 9, "{n}: 5 + 1 + 1 + 2");
        assert_eq!(g["extensionLimit"]["amount"], 10, "{n}");
        assert_eq!((g["clockAnchor"].as_str(), g["onlineLevel"].as_str()), (Some("ACCEPT"), Some("FULLY_ONLINE")));
        assert_eq!((g["maxVisits"].as_i64(), g["fees"].as_array().map(Vec::len)), (Some(0), Some(0)), "{n}");
        assert!(g["legalBasis"][0].as_str().unwrap().contains("民办教育促进法"), "{n}");

        let accountant = find(&g["materials"], "code", "accountant_credentials");
        assert_eq!(accountant["deferrableWithin"], json!({ "amount": 5, "unit": "WORKING_DAYS" }), "{n}: 容缺");
        assert_eq!(accountant["acceptedTypes"].as_array().unwrap().len(), 4, "{n}");
        assert_eq!(accountant["maxBytes"], 20 * 1024 * 1024, "{n}");
        let approval = find(&g["materials"], "code", "preparation_approval");
        assert_eq!(approval["reusableFrom"], "民办学校筹设批准书", "{n}");

        let inspection = find(&g["steps"], "id", "site_inspection");
        assert_eq!(inspection["roleName"], "考察评估人员", "{n}");
        assert_eq!(inspection["limit"], json!({ "amount": 3, "unit": "WORKING_DAYS" }), "{n}");
        assert_eq!(inspection["actions"], json!([{ "code": "approve", "label": "通过", "next": "assessment_join" }]));
        let rectification = find(&g["steps"], "id", "rectification");
        assert_eq!(
            (rectification["specialProcedure"].as_bool(), rectification["roleName"].as_str()),
            (Some(true), Some("申请人"))
        );
        assert_eq!(find(&g["steps"], "id", "assessment")["next"], json!(["site_inspection", "expert_evaluation"]));
        assert_eq!(
            find(&g["specialProcedures"], "code", "hearing"),
            &json!({ "code": "hearing", "name": "听证", "roles": ["分管领导"] })
        );

        // The form's fields in the definition's order, with their titles and rules.
        let fields = g["formFields"].as_array().unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(&names[..3], ["office_code", "school_name", "school_level"], "{n}");
        assert_eq!(fields[0]["title"], "受理机关代码", "{n}");
        assert_eq!(fields[0]["required"], true, "{n}");
        assert!(fields[2]["choices"].as_array().unwrap().contains(&json!("小学")), "{n}");
        assert_eq!(find(&g["formFields"], "name", "organiser_id_card")["format"], "id-card", "{n}");
        assert_eq!(g["formSchema"]["type"], "object", "{n}");
        assert_eq!(fields[0]["type"], "STRING", "{n}");
        assert_eq!(find(&g["formFields"], "name", "planned_enrolment")["type"], "INTEGER", "{n}");
        assert_eq!(
            (inspection["kind"].as_str(), find(&g["steps"], "id", "approved")["kind"].as_str()),
            (Some("TASK"), Some("END"))
        );

        // A material required only in some cases says when, in words.
        let change = api.call(None, GUIDE, json!({ "c": "JY-XK-0004" })).await;
        let charter = find(&change["data"]["service"]["materials"], "code", "revised_charter");
        assert_eq!(
            (charter["required"].as_bool(), charter["requiredWhen"].as_str()),
            (Some(false), Some("变更名称、层次、类别的"))
        );

        // Merged steps before and after the reform, batch windows (教师资格认定).
        let teacher = api.call(None, GUIDE, json!({ "c": "JY-XK-0006" })).await["data"]["service"].clone();
        assert_eq!(teacher["clockAnchor"], "BATCH_CLOSE", "{n}");
        assert_eq!(teacher["batches"].as_array().unwrap().len(), 2, "{n}");
        let merged: Vec<Value> = teacher["steps"].as_array().unwrap().iter().map(|s| s["merges"].clone()).collect();
        let names: Vec<&str> =
            merged.iter().flat_map(|m| m.as_array().unwrap()).map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["现场确认", "资格审核", "证书制作", "证书发放"], "{n}");
        assert_eq!(teacher["baseline"]["steps"].as_array().unwrap().len(), 5, "{n}");

        // The list, by category and by search; an unknown code names the argument.
        let list = api.call(None, "{ services { code category } }", json!({})).await;
        assert_eq!(list["data"]["services"].as_array().unwrap().len(), 12, "{n}: {list}");
        let public = api.call(None, "{ services(category: \"公共服务\") { code } }", json!({})).await;
        let codes = json!([{ "code": "JY-GG-0001" }, { "code": "JY-GG-0002" }, { "code": "JY-GG-0004" }]);
        assert_eq!(public["data"]["services"], codes, "{n}");
        let found = api.call(None, "{ services(search: \"转学\") { name } }", json!({})).await;
        assert_eq!(found["data"]["services"], json!([{ "name": "中小学生转学" }]), "{n}");
        let nothing = api.call(None, "{ services(category: \"行政处罚\") { code } }", json!({})).await;
        assert!(nothing["errors"][0]["message"].as_str().unwrap().starts_with("category:"), "{n}: {nothing}");
        let unknown = api.call(None, "{ service(code: \"JY-XX-9999\") { name } }", json!({})).await;
        assert_eq!(tests::server::code(&unknown).as_deref(), Some("NOT_FOUND"), "{n}");
        assert!(unknown["errors"][0]["message"].as_str().unwrap().starts_with("code:"), "{n}: {unknown}");
    }
}

const CASE: &str = "query($c: String!) { case(id: $c) { id status publicStatus level receivedAt acceptedAt
  operations { operation label taskId procedure }
  tasks { id step stepName roleName due level actions { code label } data { name type } clock { limit { amount } remainingDays } }
  clocks { pausedFor legal { limit { amount unit } extendedBy usedDays remainingDays deadline pausedSince level levelLabel }
           promised { limit { amount } deadline } steps { stepName clock { limit { amount } } } }
  materials { code name status files { fileName url } deferredUntil }
  corrections { items { material materialName note } answered }
  formData { name title value } form
  timeline { seq actor role what } } }";

fn ops(case: &Value) -> Vec<String> {
    case["operations"].as_array().unwrap().iter().map(|o| o["operation"].as_str().unwrap().to_owned()).collect()
}

fn said(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}|{}", e["role"].as_str().unwrap(), e["what"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn each_caller_reads_what_they_may_do_and_the_case_in_words() {
    for backend in backends().await {
        let api = Api::new(serve_in_process(open(&backend).await).await);
        let n = backend.name;
        let school = token("school-1", &["applicant"], "");
        let clerk = token("clerk-1", &["window_clerk"], "4101");
        let leader = token("lead-1", &["leader"], "4101");
        let head = token("head-1", &["agency_head"], "4101");
        let auditor = token("audit-1", &["auditor"], "41");
        let form = json!({"office_code": "410102", "school_name": "郑州市明德学校", "organiser_name": "王明德",
            "organiser_id_card": "440524188001010014", "contact_phone": "13812345678"});
        let have = [
            "preparation_approval",
            "preparation_report",
            "board_member_list",
            "asset_proof",
            "principal_credentials",
            "teacher_credentials",
        ];
        let submit = "mutation($f: JSON!, $m: [MaterialInput!]!) { submitCase(service: \"JY-XK-0001\", form: $f, materials: $m) { id status receivedAt } }";
        let submitted = api.ok(&school, submit, json!({ "f": form, "m": api.materials(&school, &have).await })).await;
        let id = submitted["id"].as_str().unwrap().to_owned();
        assert_eq!(submitted["status"], "RECEIVED", "{n}");
        assert!(
            chrono::DateTime::parse_from_rfc3339(submitted["receivedAt"].as_str().unwrap()).is_ok(),
            "{n}: DateTime"
        );
        let read = |who: String| {
            let (api, id) = (&api, id.clone());
            async move { api.ok(&who, CASE, json!({ "c": id })).await }
        };

        // At the window.
        let c = read(clerk.clone()).await;
        assert_eq!(ops(&c), ["ACCEPT", "REQUEST_CORRECTION", "REFUSE", "RECORD_VISIT"], "{n}");
        assert_eq!(c["operations"][1]["label"], "一次性告知补正", "{n}");
        assert_eq!(find(&c["materials"], "code", "charter")["status"], "MISSING", "{n}");
        let report = find(&c["materials"], "code", "preparation_report");
        assert_eq!(report["status"], "SUPPLIED", "{n}");
        assert!(report["files"][0]["url"].as_str().unwrap().starts_with("/files/"), "{n}");
        assert_eq!(find(&c["formData"], "name", "organiser_id_card")["title"], "举办者身份证号（举办者为个人时填写）");
        assert_eq!(find(&c["formData"], "name", "organiser_id_card")["value"], "440524188001010014", "{n}");
        assert_eq!(ops(&read(school.clone()).await), ["SUPPLY_MATERIALS", "WITHDRAW"], "{n}");
        let audited = read(auditor.clone()).await;
        assert!(ops(&audited).is_empty(), "{n}: auditors are offered nothing");
        let masked = find(&audited["formData"], "name", "organiser_id_card")["value"].as_str().unwrap().to_owned();
        assert!(masked.contains('*') && !masked.contains("188001010014"), "{n}: {masked}");
        assert_eq!(audited["form"]["contact_phone"], "138****5678", "{n}");

        // One notice; then no second one is offered.
        let notice = "mutation($c: String!) { requestCorrection(caseId: $c, deficiencies: [{material: \"charter\", note: \"请补交学校章程\"}, {note: \"举办者440524188001010014的签字页缺失，请联系13812345678\"}]) { status } }";
        assert_eq!(api.ok(&clerk, notice, json!({ "c": id })).await["status"], "CORRECTION_REQUESTED", "{n}");
        let c = read(clerk.clone()).await;
        assert_eq!(ops(&c), ["REFUSE", "RECORD_VISIT"], "{n}");
        assert_eq!(
            c["corrections"][0]["items"][0],
            json!({ "material": "charter", "materialName": "学校章程", "note": "请补交学校章程" })
        );
        // Auditors read personal numbers masked in free text too: notes and the timeline.
        let audited = read(auditor.clone()).await;
        let text = format!("{} {}", audited["corrections"], audited["timeline"]);
        assert!(!text.contains("188001010014") && !text.contains("12345678"), "{n}: {text}");
        assert!(text.contains("138****5678"), "{n}: {text}");
        let clear = read(clerk.clone()).await;
        assert!(
            clear["timeline"][1]["what"].as_str().unwrap().contains("440524188001010014"),
            "{n}: whole for the clerk"
        );
        let supply =
            "mutation($c: String!, $m: [MaterialInput!]!) { supplyMaterials(caseId: $c, materials: $m) { status } }";
        api.ok(&school, supply, json!({ "c": id, "m": api.materials(&school, &["charter"]).await })).await;
        let accept =
            "mutation($c: String!) { acceptCase(caseId: $c, deferred: [\"accountant_credentials\"]) { status } }";
        assert_eq!(api.ok(&clerk, accept, json!({ "c": id })).await["status"], "IN_PROGRESS", "{n}");

        // In progress: the clocks, the deferred material, the tasks with their actions.
        let c = read(leader.clone()).await;
        let legal = &c["clocks"]["legal"];
        assert_eq!(legal["limit"], json!({ "amount": 90, "unit": "WORKING_DAYS" }), "{n}");
        assert_eq!((legal["level"].as_str(), legal["levelLabel"].as_str()), (Some("NORMAL"), Some("正常")), "{n}");
        // Counting starts the day after acceptance (民法典 art. 201): nothing used yet.
        let days = (legal["usedDays"].as_f64(), legal["remainingDays"].as_f64());
        assert_eq!(days, (Some(0.0), Some(90.0)), "{n}: {legal}");
        assert_eq!(c["clocks"]["promised"]["limit"]["amount"], 9, "{n}");
        let deferred = find(&c["materials"], "code", "accountant_credentials");
        assert_eq!(deferred["status"], "DEFERRED", "{n}");
        assert!(deferred["deferredUntil"].is_string(), "{n}");
        let steps: Vec<&str> = c["tasks"].as_array().unwrap().iter().map(|t| t["stepName"].as_str().unwrap()).collect();
        assert_eq!(steps, ["实地考察", "专家评估"], "{n}");
        assert_eq!(c["tasks"][0]["actions"], json!([{ "code": "approve", "label": "通过" }]), "{n}");
        assert_eq!(c["tasks"][0]["roleName"], "考察评估人员", "{n}");
        assert_eq!(c["clocks"]["steps"].as_array().unwrap().len(), 2, "{n}");
        let pause: Vec<&Value> =
            c["operations"].as_array().unwrap().iter().filter(|o| o["operation"] == "PAUSE_CLOCK").collect();
        assert_eq!(
            pause.iter().map(|o| o["label"].as_str().unwrap()).collect::<Vec<_>>(),
            ["暂停计时：专家评审", "暂停计时：听证"]
        );
        assert_eq!(ops(&read(head.clone()).await), ["EXTEND_DEADLINE", "RECORD_VISIT"], "{n}");

        // A hearing stops the clocks; the head extends; the timeline says it all in words.
        let pause = "mutation($c: String!) { pauseClock(caseId: $c, procedure: \"hearing\") { status } }";
        assert_eq!(api.ok(&leader, pause, json!({ "c": id })).await["status"], "PAUSED", "{n}");
        let extend =
            "mutation($c: String!) { extendDeadline(caseId: $c, amount: 10, reason: \"情况复杂\") { status } }";
        api.ok(&head, extend, json!({ "c": id })).await;
        let c = read(clerk.clone()).await;
        assert_eq!(c["clocks"]["pausedFor"], "听证", "{n}");
        assert!(c["clocks"]["legal"]["pausedSince"].is_string(), "{n}");
        assert_eq!(c["clocks"]["legal"]["extendedBy"], 10, "{n}");
        assert_eq!(
            said(&c),
            [
                "申请人|提交申请",
                "窗口受理人员|一次性告知补正：缺少学校章程；举办者440524188001010014的签字页缺失，请联系13812345678",
                "申请人|补正材料：学校章程",
                "窗口受理人员|受理，容缺：财会人员资格证明文件",
                "分管领导|暂停计时：听证",
                "机关负责人|延期10个工作日：情况复杂",
            ],
            "{n}"
        );
        assert!(c["timeline"].as_array().unwrap().iter().all(|e| e["actor"].is_string() && e["seq"].is_u64()), "{n}");
        let resume = "mutation($c: String!) { resumeClock(caseId: $c) { status } }";
        assert_eq!(api.ok(&leader, resume, json!({ "c": id })).await["status"], "IN_PROGRESS", "{n}");
        assert_eq!(said(&read(clerk.clone()).await).last().unwrap(), "分管领导|恢复计时：听证结束", "{n}");
    }
}
