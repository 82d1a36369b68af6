//! The clerk's workbench and the auditor's dashboard in a real browser (headless Chromium),
//! each step by the signed-in role it belongs to, with axe-core on every page; an applicant
//! and the registry-side parts come through the API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::Locator;
use serde_json::json;
use tests::browser::Browser;
use tests::server::{Api, pdf, serve_pages, token, upload};

async fn store() -> api::store::Store {
    let backends = tests::backends().await;
    tests::open(&backends[0]).await
}

async fn sign_in_as(b: &Browser, url: &str, sub: &str, to: &str) {
    b.forget().await;
    b.open(&format!("{url}/signin?next={to}")).await;
    b.click_css(&format!("form:has(input[name=sub][value=\"{sub}\"]) button")).await;
    assert!(b.url().await.ends_with(to), "signed in as {sub} and at {to}: {}", b.url().await);
}

const MOST: [&str; 6] = [
    "preparation_approval",
    "preparation_report",
    "board_member_list",
    "asset_proof",
    "principal_credentials",
    "accountant_credentials",
];

/// A school's application through the API with the materials named; its case id.
async fn school_applies(api: &Api, url: &str, with: &[&str]) -> String {
    let school = token("school-8", &["applicant"], "");
    let mut materials = Vec::new();
    for code in with {
        let r = upload(&api.http, url, &school, &format!("{code}.pdf"), &pdf(code)).await;
        materials.push(
            json!({ "code": code, "sha256": r["data"]["uploadFile"]["sha256"], "fileName": format!("{code}.pdf") }),
        );
    }
    let submit = "mutation($f: JSON!, $m: [MaterialInput!]!) { submitCase(service: \"JY-XK-0001\", form: $f, materials: $m) { id } }";
    let form =
        json!({ "office_code": "410105", "school_name": "郑州市金水区远航学校", "organiser_name": "远航教育集团" });
    api.ok(&school, submit, json!({ "f": form, "m": materials })).await["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_clerk_works_a_licence_from_the_queue_to_the_e_licence_each_step_by_its_role() {
    let url = serve_pages(store().await, 3600).await;
    let api = Api { http: reqwest::Client::new(), url: url.clone() };
    let case = school_applies(&api, &url, &MOST).await;
    let b = Browser::start().await;

    // The window clerk finds it in the queue, at 受理, and opens it.
    sign_in_as(&b, &url, "chen.ck", "/work").await;
    let queue = b.text().await;
    assert!(queue.contains("民办学校正式设立") && queue.contains("受理") && queue.contains("剩余"), "{queue}");
    b.accessible("queue").await;
    b.click_css(&format!("a[href='/work/cases/{case}']")).await;
    let page = b.text().await;
    assert!(page.contains("一次性告知补正") && page.contains("待受理"), "{page}");
    b.accessible("clerk case at intake").await;

    // One correction notice naming the two missing materials; a second on the same
    // submission is refused, with the reason in words.
    b.client.find(Locator::Css("input[name=material][value=charter]")).await.unwrap().click().await.unwrap();
    b.client
        .find(Locator::Css("input[name=material][value=teacher_credentials]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill("note.charter", "缺少学校章程").await;
    let twice = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const form = document.querySelector('input[name=op][value=correct]').form;
             const body = () => new URLSearchParams(new FormData(form));
             fetch(form.action, { method: 'POST', body: body() })
               .then(() => fetch(form.action, { method: 'POST', body: body() }))
               .then(r => r.text()).then(done);",
            Vec::new(),
        )
        .await
        .unwrap();
    let second = twice.as_str().unwrap();
    assert!(
        second.contains("未能办理：办件刚刚被他人更新")
            || second.contains("未能办理：办件当前为“待补正”，不能进行这项操作"),
        "the second notice is refused in words: {second}"
    );
    b.open(&format!("{url}/work/cases/{case}")).await;
    assert!(b.text().await.contains("待补正"), "{}", b.text().await);
    b.open(&format!("{url}/work/cases/{case}/notices/correction")).await;
    let notice = b.text().await;
    assert!(notice.contains("一次性补正告知书") && notice.contains("学校章程：缺少学校章程"), "{notice}");
    assert!(b.client.find(Locator::Css(".qr svg")).await.is_ok());
    b.accessible("correction notice").await;

    // The school supplies through the API; the clerk accepts.
    let school = token("school-8", &["applicant"], "");
    let mut supplied = Vec::new();
    for code in ["charter", "teacher_credentials"] {
        let r = upload(&api.http, &url, &school, &format!("{code}.pdf"), &pdf(code)).await;
        supplied.push(
            json!({ "code": code, "sha256": r["data"]["uploadFile"]["sha256"], "fileName": format!("{code}.pdf") }),
        );
    }
    let supply =
        "mutation($c: String!, $m: [MaterialInput!]!) { supplyMaterials(caseId: $c, materials: $m) { status } }";
    api.ok(&school, supply, json!({ "c": case, "m": supplied })).await;
    b.open(&format!("{url}/work/cases/{case}")).await;
    b.press("受理").await;
    assert!(b.text().await.contains("已受理"), "{}", b.text().await);
    b.open(&format!("{url}/work/cases/{case}/notices/acceptance")).await;
    assert!(b.text().await.contains("受理通知书"));
    b.accessible("acceptance notice").await;

    // The expert claims from the queue, gives it back, and claims again (bulk).
    sign_in_as(&b, &url, "expert-01", "/work").await;
    b.click_css(&format!("button[name=task][value^='{case}:']")).await;
    assert!(b.text().await.contains("已认领 1 件"), "{}", b.text().await);
    b.click_css(&format!("button[name=release][value^='{case}:']")).await;
    assert!(b.text().await.contains("已取消认领"), "{}", b.text().await);
    b.client.find(Locator::Css(&format!("input[name=pick][value^='{case}:']"))).await.unwrap().click().await.unwrap();
    b.press("认领所选").await;
    assert!(b.text().await.contains("已认领 1 件"), "{}", b.text().await);
    b.accessible("queue after claiming").await;

    // 考察评估: the inspector and the expert, each from their own queue.
    for (who, step) in [("he.kc", "实地考察"), ("expert-01", "专家评估")] {
        sign_in_as(&b, &url, who, "/work").await;
        assert!(b.text().await.contains(step), "{who}: {}", b.text().await);
        b.click_css(&format!("a[href='/work/cases/{case}']")).await;
        b.press("通过").await;
        assert!(b.text().await.contains("已办理"), "{who}: {}", b.text().await);
    }

    // 领导审议: a hearing pauses the clocks, then they run again.
    sign_in_as(&b, &url, "ma.ld", &format!("/work/cases/{case}")).await;
    b.client.find(Locator::Css("#days-hearing")).await.unwrap().send_keys("10").await.unwrap();
    b.client
        .find(Locator::Css("#notice-hearing"))
        .await
        .unwrap()
        .send_keys("定于下周组织听证，请举办者到场陈述")
        .await
        .unwrap();
    b.press("启动听证，暂停计时").await;
    let page = b.text().await;
    assert!(page.contains("因听证暂停计时"), "{page}");
    b.accessible("case paused").await;
    b.open(&format!("{url}/work/cases/{case}/notices/procedure")).await;
    let procedure = b.text().await;
    assert!(
        procedure.contains("特别程序告知书") && procedure.contains("预计需要 10 个工作日；定于下周组织听证"),
        "{procedure}"
    );
    b.open(&format!("{url}/work/cases/{case}")).await;
    b.press("特别程序结束，恢复计时").await;
    assert!(b.text().await.contains("已恢复计时"));

    // Only the agency head extends; the new deadline is shown before it is granted.
    sign_in_as(&b, &url, "li.fz", &format!("/work/cases/{case}")).await;
    b.fill("amount", "30").await;
    b.fill("reason", "需补充专家论证").await;
    b.press("下一步：查看新期限").await;
    assert!(b.text().await.contains("这样延长不被允许"), "beyond the legal maximum: {}", b.text().await);
    let kept = b.client.find(Locator::Css("#extend-reason")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("需补充专家论证"), "what was typed stays");
    b.fill("amount", "5").await;
    b.fill("reason", "需补充专家论证").await;
    b.press("下一步：查看新期限").await;
    let preview = b.text().await;
    assert!(preview.contains("确认延长期限") && preview.contains("延长后"), "{preview}");
    b.accessible("extension preview").await;
    b.press("确认延长").await;
    assert!(b.text().await.contains("已延长 5 个工作日"), "{}", b.text().await);
    b.open(&format!("{url}/work/cases/{case}/notices/extension")).await;
    assert!(b.text().await.contains("需补充专家论证"));

    sign_in_as(&b, &url, "ma.ld", &format!("/work/cases/{case}")).await;
    b.press("通过").await;
    sign_in_as(&b, &url, "sun.sp", &format!("/work/cases/{case}")).await;
    b.press("准予许可").await;
    b.press("发证").await;
    let done = b.text().await;
    assert!(done.contains("准予许可决定书"), "{done}");
    b.open(&format!("{url}/work/cases/{case}/notices/decision")).await;
    let decision = b.text().await;
    assert!(decision.contains("准予许可决定书") && decision.contains("电子证照编号"), "{decision}");
    b.accessible("decision").await;
}

#[tokio::test]
async fn a_reviewers_queue_shows_a_new_application_without_a_reload_and_works_by_keyboard() {
    let url = serve_pages(store().await, 3600).await;
    let api = Api { http: reqwest::Client::new(), url: url.clone() };
    let b = Browser::start().await;
    sign_in_as(&b, &url, "chen.ck", "/work").await;
    assert!(b.text().await.contains("没有待办"), "{}", b.text().await);
    assert!(b.client.find(Locator::Css("#queue tbody a")).await.is_err(), "an empty queue");
    // Wait until the page listens, then a school applies.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let all: Vec<&str> = MOST.iter().copied().chain(["charter", "teacher_credentials"]).collect();
    let case = school_applies(&api, &url, &all).await;
    let row = format!("#queue tbody a[href='/work/cases/{case}']");
    let mut seen = false;
    for _ in 0..100 {
        if b.client.find(Locator::Css(&row)).await.is_ok() {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the new application appeared without a reload");

    // Keyboard alone: tab to the case's link, open it, tab to 受理 and press Enter.
    b.open(&format!("{url}/work")).await;
    let mut reached = false;
    for _ in 0..60 {
        b.client.active_element().await.unwrap().send_keys("\u{e004}").await.unwrap(); // Tab
        let href = b.client.active_element().await.unwrap().attr("href").await.unwrap();
        if href.as_deref() == Some(&format!("/work/cases/{case}")) {
            reached = true;
            break;
        }
    }
    assert!(reached, "the case's link is reachable by Tab");
    b.client.execute("window.__before = true;", Vec::new()).await.unwrap();
    b.client.active_element().await.unwrap().send_keys("\u{e007}").await.unwrap(); // Enter
    b.settle().await;
    let mut on_accept = false;
    for _ in 0..200 {
        b.client.active_element().await.unwrap().send_keys("\u{e004}").await.unwrap();
        let el = b.client.active_element().await.unwrap();
        if el.html(true).await.unwrap().trim() == "受理" {
            on_accept = true;
            break;
        }
    }
    assert!(on_accept, "受理 is reachable by Tab");
    b.client.execute("window.__before = true;", Vec::new()).await.unwrap();
    b.client.active_element().await.unwrap().send_keys("\u{e007}").await.unwrap();
    b.settle().await;
    assert!(b.text().await.contains("已受理"), "{}", b.text().await);
}

#[tokio::test]
async fn an_auditor_reads_the_figures_and_sees_a_tampered_event_flagged() {
    let store = store().await;
    api::demo::load(&store, chrono::Utc::now()).await.unwrap();
    let db = store.db().clone();
    let url = serve_pages(store, 3600).await;
    let api = Api { http: reqwest::Client::new(), url: url.clone() };
    let auditor = token("audit-1", &["auditor"], "41");
    let figures =
        api.ok(&auditor, "{ slaReport { services { service serviceName concluded onTimeLegal } } }", json!({})).await;
    let b = Browser::start().await;
    sign_in_as(&b, &url, "audit-1", "/audit").await;
    let page = b.text().await;
    for s in figures["services"].as_array().unwrap() {
        let name = s["serviceName"].as_str().unwrap();
        assert!(page.contains(name), "{name} on the dashboard");
        if let Some(rate) = s["onTimeLegal"].as_f64() {
            let shown = format!("{:.1}%", rate * 100.0);
            assert!(page.contains(&shown), "{name}: the rate the API gives, {shown}");
        }
    }
    assert!(b.client.find(Locator::Css(".chart svg")).await.is_ok(), "a chart");
    b.accessible("dashboard").await;

    // A case's trail verifies; after an event row is edited in the database, that event is named.
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT case_id FROM events WHERE seq = 1 AND body LIKE '%郑州市金水区育才中学%'",
        ))
        .await
        .unwrap()
        .unwrap();
    let case: String = row.try_get("", "case_id").unwrap();
    b.open(&format!("{url}/audit/cases/{case}")).await;
    assert!(b.text().await.contains("哈希链校验通过"));
    b.accessible("trail").await;
    db.execute_unprepared(&format!(
        "UPDATE events SET body = replace(body, '郑州市', '开封市') WHERE case_id = '{case}' AND seq = 1"
    ))
    .await
    .unwrap();
    b.open(&format!("{url}/audit/cases/{case}")).await;
    let trail = b.text().await;
    assert!(trail.contains("哈希链校验未通过") && trail.contains("第 1 条记录起与链不符"), "{trail}");
    assert!(b.client.find(Locator::Css("tr.broken")).await.is_ok(), "the event highlighted");
    b.accessible("tampered trail").await;

    // An event row no longer readable as an event is named too, not an error page.
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT case_id FROM events WHERE seq = 1 AND body LIKE '%郑州市金水区致远小学%'",
        ))
        .await
        .unwrap()
        .unwrap();
    let other: String = row.try_get("", "case_id").unwrap();
    db.execute_unprepared(&format!("UPDATE events SET body = '{{' WHERE case_id = '{other}' AND seq = 2"))
        .await
        .unwrap();
    b.open(&format!("{url}/audit/cases/{other}")).await;
    let trail = b.text().await;
    assert!(trail.contains("哈希链校验未通过") && trail.contains("第 2 条记录起与链不符"), "{trail}");
    let verdict = api
        .ok(&auditor, "query($c: String!) { auditTrail(caseId: $c) { valid brokenAt } }", json!({ "c": other }))
        .await;
    assert_eq!(verdict, json!({ "valid": false, "brokenAt": 2 }));
}
