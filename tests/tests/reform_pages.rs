//! The reforms' pages in a real browser (headless Chromium), over the real server and
//! database, signed in through the development sign-in, axe-core on every page at phone and
//! desktop size: an application with two commitments sent first for 网上预审 and then made
//! the application from the case page; the public 公示 page read without signing in and an
//! objection lodged from it; slots published by a reviewer and one booked by a teacher.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::browser::Browser;
use tests::server::{Api, CASE, pdf, serve_pages, token};

async fn sign_in_as(b: &Browser, sub: &str) {
    assert!(b.url().await.contains("/signin"), "sent to sign in first: {}", b.url().await);
    b.click_css(&format!("form:has(input[name=sub][value=\"{sub}\"]) button")).await;
}

fn file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reform-pages-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf(name)).unwrap();
    path
}

#[tokio::test]
async fn a_draft_with_commitments_a_public_notice_with_an_objection_and_a_booked_visit_in_the_browser() {
    let backends = tests::backends().await;
    let store = tests::open(&backends[0]).await;
    let url = serve_pages(store, 3600).await;
    let api = Api::new(url.clone());
    let b = Browser::start().await;

    // The guide says what the reforms offer.
    b.open(&format!("{url}/services/JY-XK-0008")).await;
    let guide = b.text().await;
    for fact in ["网上预审", "告知承诺", "可告知承诺", "实地核查人员"] {
        assert!(guide.contains(fact), "the guide says {fact}: {guide}");
    }
    b.accessible("guide with reforms").await;

    // 网上预审 with two proofs replaced by commitments.
    b.press("在线申请").await;
    sign_in_as(&b, "school-7").await;
    for (name, value) in [
        ("f.office_code", "410105"),
        ("f.institution_name", "明德体育培训中心"),
        ("f.organiser_name", "郑州明德教育咨询有限公司"),
        ("f.organiser_credit_code", "91350100M000100Y43"),
        ("f.address", "郑州市金水区农业路 1 号"),
        ("f.site_area", "320"),
    ] {
        b.fill(name, value).await;
    }
    let category = b.client.find(fantoccini::Locator::Css("select[name=\"f.training_category\"]")).await.unwrap();
    category.select_by_label("体育").await.unwrap();
    for code in ["site_title", "fire_safety"] {
        b.tick(&format!("input[name=\"commit.{code}\"]")).await;
    }
    b.attach("file.application", &file("application")).await;
    b.accessible("apply with commitments").await;
    b.press("下一步：核对").await;
    let review = b.text().await;
    assert!(review.contains("告知承诺") && review.contains("培训场所消防安全证明"), "{review}");
    assert!(
        !review.contains("以下必交材料尚未上传：培训场所消防安全证明"),
        "a committed proof is not missing: {review}"
    );
    b.accessible("review with commitments and pre-review").await;
    b.press("先提交网上预审").await;
    assert!(b.url().await.contains("/receipt"), "{}", b.url().await);
    let id = b.url().await.split("/my/cases/").nth(1).unwrap().split('/').next().unwrap().to_owned();

    // The reviewer answers through the API; the applicant reads it and applies formally.
    let reviewer = token("liu.sh", &["reviewer"], "4101");
    let task = api.task(&reviewer, &id, "pre_review").await;
    let answer = "mutation($c: String!, $t: Int!) { completeTask(caseId: $c, taskId: $t, action: \"answer\", data: {notice: \"请补充机构章程。\"}) { id } }";
    api.ok(&reviewer, answer, json!({ "c": id, "t": task })).await;
    b.open(&format!("{url}/my/cases/{id}")).await;
    let page = b.text().await;
    assert!(page.contains("预审已答复，待正式申请") && page.contains("请补充机构章程。"), "{page}");
    assert!(page.contains("已签署承诺"), "{page}");
    b.accessible("draft answered").await;
    b.attach("file.charter", &file("charter")).await;
    b.press("正式提交申请").await;
    let page = b.text().await;
    assert!(page.contains("已正式提交申请") && page.contains("待受理"), "{page}");
    b.accessible("formally submitted").await;

    // A teacher's title on public notice; anyone reads the list; a colleague objects.
    let admin = token("admin", &["admin"], "41");
    let yaml = tests::with_window_open_today("teacher-title.yaml");
    api.ok(&admin, "mutation($y: String!) { publishService(yaml: $y) { version } }", json!({ "y": yaml })).await;
    let teacher = token("teacher-1", &["applicant"], "");
    let form = json!({"school_code": "4101050101", "county_office": "410105", "name": "李芳",
        "id_card": "11010519491231002X", "school_name": "郑州市金水区第一中学", "subject": "语文",
        "current_title": "二级教师", "applied_title": "一级教师"});
    let submit = format!(
        "mutation($f: JSON!, $m: [MaterialInput!]!) {{ submitCase(service: \"JY-GG-0003\", form: $f, materials: $m) {{ {CASE} }} }}"
    );
    let m =
        api.materials(&teacher, &["application_form", "teaching_record", "ethics_assessment", "annual_reviews"]).await;
    let title_case = api.ok(&teacher, &submit, json!({ "f": form, "m": m })).await["id"].as_str().unwrap().to_owned();
    let school = token("school-admin-1", &["school_admin"], "4101050101");
    api.ok(&school, "mutation($c: String!) { acceptCase(caseId: $c) { id } }", json!({ "c": title_case })).await;
    api.complete(&school, &title_case, "school_recommendation", "approve").await;
    b.forget().await;
    b.open(&format!("{url}/notices")).await;
    let list = b.text().await;
    assert!(list.contains("职称评审推荐人选公示") && list.contains("李芳"), "{list}");
    assert!(!list.contains("11010519491231002X"), "{list}");
    assert!(list.contains("登录后提出异议"), "the objection form is for those signed in: {list}");
    b.accessible("public notices").await;
    b.open(&format!("{url}/signin?next=/notices")).await;
    sign_in_as(&b, "guardian-1").await;
    b.tick("details summary").await;
    b.press("提交异议").await;
    assert!(b.text().await.contains("请写明异议的内容和理由"), "an empty objection is refused beside its field");
    b.accessible("objection refused").await;
    b.fill("text", "申报材料中的获奖时间有误。").await;
    b.press("提交异议").await;
    assert!(b.text().await.contains("异议已收到"), "{}", b.text().await);
    let seen = api
        .ok(
            &school,
            "query($c: String!) { case(id: $c) { publicity { objections { text } } } }",
            json!({ "c": title_case }),
        )
        .await;
    assert_eq!(seen["publicity"]["objections"][0]["text"], "申报材料中的获奖时间有误。");

    // A reviewer publishes tomorrow's 现场确认 slots; a teacher books one.
    let yaml = tests::with_window_open_today("teacher-credential.yaml");
    api.ok(&admin, "mutation($y: String!) { publishService(yaml: $y) { version } }", json!({ "y": yaml })).await;
    let form = json!({"office_code": "410102001", "name": "王小明", "id_card": "440524188001010014",
        "teaching_level": "初级中学", "subject": "数学", "putonghua_level": "二级甲等", "medical_conclusion": "合格"});
    let submit = format!("mutation($f: JSON!) {{ submitCase(service: \"JY-XK-0006\", form: $f) {{ {CASE} }} }}");
    let credential = api.ok(&teacher, &submit, json!({ "f": form })).await["id"].as_str().unwrap().to_owned();
    b.forget().await;
    b.open(&format!("{url}/work/slots?service=JY-XK-0006&office=410102001")).await;
    sign_in_as(&b, "liu.sh").await;
    b.open(&format!("{url}/work/slots?service=JY-XK-0006&office=410102001")).await;
    b.accessible("slots").await;
    let tomorrow = engine::calendar::local_date(chrono::Utc::now()) + chrono::Duration::days(1);
    b.fill("day", "明天").await;
    b.press("发布").await;
    assert!(b.text().await.contains("请填写日期"), "a wrong date is refused beside its field");
    b.accessible("slots refused").await;
    b.fill("day", &tomorrow.format("%Y-%m-%d").to_string()).await;
    b.fill("to", "11:00").await;
    b.press("发布").await;
    let slots = b.text().await;
    assert!(
        slots.contains("预约时段已发布") && slots.contains("09:00–10:00") && slots.contains("10:00–11:00"),
        "{slots}"
    );
    b.forget().await;
    b.open(&format!("{url}/my/cases/{credential}")).await;
    sign_in_as(&b, "teacher-1").await;
    b.accessible("case with slots").await;
    b.press("预约").await;
    assert!(b.text().await.contains("请选择一个预约时段"), "booking without a slot is refused beside it");
    b.tick("input[name=slot]").await;
    b.press("预约").await;
    let page = b.text().await;
    assert!(page.contains("已预约：") && page.contains("09:00–10:00"), "the booking section says it: {page}");
    b.accessible("visit booked").await;
    b.press("取消预约").await;
    let page = b.text().await;
    assert!(page.contains("预约已取消") && !page.contains("已预约："), "{page}");
}
