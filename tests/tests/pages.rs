//! The applicant and public pages in a real browser (headless Chromium at 390 × 844), over
//! the real HTTP server and database, signed in through the development sign-in; axe-core
//! checks every page at phone and desktop size. A clerk's correction notice comes through
//! the API, as a clerk's own client would send it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::browser::Browser;
use tests::server::{Api, pdf, serve_pages, token};

async fn store() -> api::store::Store {
    let backends = tests::backends().await;
    tests::open(&backends[0]).await
}

fn files(names: &[&str]) -> Vec<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("pages-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    names
        .iter()
        .map(|n| {
            let path = dir.join(format!("{n}.pdf"));
            std::fs::write(&path, pdf(n)).unwrap();
            path
        })
        .collect()
}

async fn sign_in_as(b: &Browser, sub: &str) {
    assert!(b.url().await.contains("/signin"), "sent to sign in first: {}", b.url().await);
    let button = format!("form:has(input[name=sub][value=\"{sub}\"]) button");
    b.click_css(&button).await;
}

#[tokio::test]
async fn a_school_applies_is_asked_to_correct_and_follows_its_case_through_the_qr_link() {
    let url = serve_pages(store().await, 3600).await;
    let b = Browser::start().await;

    b.open(&format!("{url}/")).await;
    assert!(b.text().await.contains("开发登录已开启"), "the development sign-in is said on every page");
    b.accessible("home").await;
    b.press("大字模式").await;
    let large = b.client.execute("return document.documentElement.classList.contains('large');", Vec::new()).await;
    assert_eq!(large.unwrap(), json!(true), "large text (适老化) from a link, no script needed");
    b.accessible("home in large text").await;
    b.press("标准字号").await;
    b.open(&format!("{url}/services?q=设立")).await;
    assert!(b.text().await.contains("民办学校正式设立"));
    b.accessible("services").await;
    b.open(&format!("{url}/services/JY-XK-0001")).await;
    let guide = b.text().await;
    for fact in ["法定时限", "90个工作日", "承诺时限", "学校章程", "办理流程", "听证", "不计入办理时限"]
    {
        assert!(guide.contains(fact), "the guide says {fact}: {guide}");
    }
    assert!(b.client.find(fantoccini::Locator::Css(".diagram svg[role=img]")).await.is_ok(), "the process drawn");
    b.accessible("guide").await;

    b.press("在线申请").await;
    b.accessible("sign-in").await;
    sign_in_as(&b, "school-7").await;
    assert!(b.url().await.ends_with("/services/JY-XK-0001/apply"), "back where it was: {}", b.url().await);
    b.accessible("apply").await;

    // Bad input: every problem beside its field, nothing saved.
    b.fill("f.office_code", "410105").await;
    b.fill("f.organiser_credit_code", "91110000600037341A").await;
    b.fill("f.organiser_id_card", "110105199001011235").await;
    let text = std::env::temp_dir().join(format!("not-a-pdf-{}.txt", uuid::Uuid::now_v7()));
    std::fs::write(&text, "这不是PDF").unwrap();
    b.attach("file.charter", &text).await;
    b.press("下一步：核对").await;
    let page = b.text().await;
    assert!(page.contains("处需要修改"), "{page}");
    assert!(page.contains("学校名称：此项必填"), "{page}");
    assert!(page.contains("统一社会信用代码不正确：校验位应为"), "{page}");
    assert!(page.contains("身份证号不正确"), "{page}");
    assert!(page.contains("文件类型不符"), "{page}");
    b.accessible("apply with errors").await;

    let paths = files(&[
        "preparation_approval",
        "preparation_report",
        "board_member_list",
        "asset_proof",
        "principal_credentials",
        "accountant_credentials",
    ]);
    b.fill("f.school_name", "郑州市金水区新星学校").await;
    b.fill("f.organiser_name", "新星教育集团").await;
    b.fill("f.organiser_credit_code", "91110000600037341L").await;
    b.fill("f.organiser_id_card", "").await;
    // A scan of several megabytes, as real ones are.
    let mut scan = pdf("preparation_report");
    scan.extend(std::iter::repeat_n(b'%', 3 * 1024 * 1024));
    std::fs::write(&paths[1], &scan).unwrap();
    for p in &paths {
        b.attach(&format!("file.{}", p.file_stem().unwrap().to_str().unwrap()), p).await;
    }
    b.press("下一步：核对").await;
    let review = b.text().await;
    assert!(review.contains("核对申请") && review.contains("郑州市金水区新星学校"), "{review}");
    assert!(review.contains("以下必交材料尚未上传：学校章程、教师资格证明"), "{review}");
    b.accessible("review").await;

    // A double submission (the same review form posted twice) makes one case.
    let first = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const form = document.querySelector('form[action$=\"/submit\"]');
             const post = () => fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)) }).then(r => r.url);
             Promise.all([post(), post()]).then(done);",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(first[0], first[1], "both posts lead to one receipt");
    b.press("确认提交").await;
    assert_eq!(json!(b.url().await), first[0], "and a third press too");
    let receipt = b.text().await;
    assert!(receipt.contains("申请回执") && receipt.contains("查询码"), "{receipt}");
    assert!(b.client.find(fantoccini::Locator::Css(".qr svg")).await.is_ok(), "a QR code");
    b.accessible("receipt").await;
    let link = b
        .client
        .find(fantoccini::Locator::LinkText("查询办理进度"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let case_id = b.url().await.split("/my/cases/").nth(1).unwrap().trim_end_matches("/receipt").to_owned();
    assert!(link.contains(&format!("no={case_id}")), "{link}");

    let api = Api { http: reqwest::Client::new(), url: url.clone() };
    let school = token("school-7", &["applicant"], "");
    let mine = api.ok(&school, "{ myCases { id } }", json!({})).await;
    assert_eq!(mine, json!([{ "id": case_id }]), "one case, however often it was posted");

    // The clerk's one correction notice names the two missing materials.
    let clerk = token("chen.ck", &["window_clerk"], "410105");
    let notice = "mutation($c: String!) { requestCorrection(caseId: $c, deficiencies: [
        { material: \"charter\", note: \"缺少学校章程\" }, { material: \"teacher_credentials\", note: \"教师资格证明不全\" }]) { status } }";
    assert_eq!(api.ok(&clerk, notice, json!({ "c": case_id })).await["status"], "CORRECTION_REQUESTED");

    b.open(&format!("{url}/my/cases")).await;
    assert!(b.text().await.contains("需要您补正材料"));
    b.accessible("my cases").await;
    b.open(&format!("{url}/my/cases/{case_id}")).await;
    let case = b.text().await;
    assert!(
        case.contains("一次性补正告知") && case.contains("缺少学校章程") && case.contains("教师资格证明不全"),
        "{case}"
    );
    b.accessible("case with a correction notice").await;
    let two = files(&["charter", "teacher_credentials"]);
    b.attach("file.charter", &two[0]).await;
    b.attach("file.teacher_credentials", &two[1]).await;
    b.press("提交补正材料").await;
    let case = b.text().await;
    assert!(case.contains("补正材料已提交"), "{case}");
    assert!(!case.contains("一次性补正告知"), "nothing more is asked: {case}");
    b.accessible("case after supplying").await;

    // Anyone with the receipt follows the case without signing in.
    b.forget().await;
    b.open(&link).await;
    let status = b.text().await;
    assert!(status.contains("民办学校正式设立") && status.contains("待补正"), "the history shows the notice: {status}");
    assert!(!status.contains("退出"), "not signed in");
    b.accessible("public status").await;

    // Wrong codes lock the number, with a clear message.
    for _ in 0..5 {
        b.open(&format!("{url}/status?no={case_id}&code=000000")).await;
    }
    b.open(&link).await;
    assert!(b.text().await.contains("暂停查询"), "{}", b.text().await);
    b.accessible("locked status").await;
}

#[tokio::test]
async fn a_guardian_applies_for_a_transfer_in_one_go_and_the_case_runs_at_once() {
    let url = serve_pages(store().await, 3600).await;
    let b = Browser::start().await;
    b.open(&format!("{url}/services/JY-GG-0001/apply")).await;
    sign_in_as(&b, "guardian-9").await;
    for (name, value) in [
        ("student_name", "王小明"),
        ("student_id_card", "110105201304150037"),
        ("student_number", "G110105201304150037"),
        ("guardian_name", "王大明"),
        ("guardian_phone", "13800138000"),
        ("sending_school_code", "440524003"),
        ("sending_bureau_code", "440524"),
        ("receiving_school_code", "110105001"),
        ("receiving_bureau_code", "110105"),
        ("reason", "随父母工作调动"),
    ] {
        b.fill(&format!("f.{name}"), value).await;
    }
    b.press("下一步：核对").await;
    b.press("确认提交").await;
    assert!(b.text().await.contains("查询码"), "{}", b.text().await);
    b.press("查看办件").await;
    let case = b.text().await;
    assert!(
        case.contains("中小学生转学") && case.contains("转入学校审核"),
        "accepted at once, at its first step: {case}"
    );
    assert!(case.contains("王小明"));
    b.accessible("transfer case").await;

    // Withdrawing needs a reason, said beside the field; then the case ends.
    b.press("撤回申请").await;
    let page = b.text().await;
    assert!(page.contains("请填写撤回原因"), "{page}");
    b.accessible("withdraw without a reason").await;
    b.fill("reason", "已在本地入学").await;
    b.press("撤回申请").await;
    let page = b.text().await;
    assert!(page.contains("申请已撤回") && !page.contains("撤回原因"), "{page}");
}

#[tokio::test]
async fn a_concluded_case_is_rated_and_a_bad_rating_asks_why() {
    let store = store().await;
    api::demo::load(&store, chrono::Utc::now()).await.unwrap();
    let url = serve_pages(store, 3600).await;
    let b = Browser::start().await;
    b.open(&format!("{url}/my/cases")).await;
    sign_in_as(&b, "guardian-6").await;
    b.click_css(".cards a").await;
    assert!(b.text().await.contains("评价本次服务"), "{}", b.text().await);
    let bad = b.client.find(fantoccini::Locator::Css("input[name=score][value='2']")).await.unwrap();
    bad.click().await.unwrap();
    b.press("提交评价").await;
    let page = b.text().await;
    assert!(page.contains("请写明原因"), "{page}");
    b.accessible("rating with an error").await;
    b.fill("comment", "转出学校审核拖了很久").await;
    b.press("提交评价").await;
    let page = b.text().await;
    assert!(page.contains("感谢您的评价") && page.contains("不满意：转出学校审核拖了很久"), "{page}");
    assert!(!page.contains("评价本次服务"), "rated once");
}

#[tokio::test]
async fn an_expired_session_signs_in_again_and_keeps_what_was_typed() {
    let url = serve_pages(store().await, 2).await;
    let b = Browser::start().await;
    b.open(&format!("{url}/services/JY-XK-0001/apply")).await;
    sign_in_as(&b, "school-7").await;
    b.fill("f.school_name", "郑州市金水区晚到学校").await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    b.press("下一步：核对").await;
    assert!(b.url().await.contains("/signin"), "{}", b.url().await);
    assert!(b.text().await.contains("登录已过期"));
    sign_in_as(&b, "school-7").await;
    assert!(b.url().await.ends_with("/services/JY-XK-0001/apply"));
    let value = b.client.find(fantoccini::Locator::Css("[name='f.school_name']")).await.unwrap().prop("value").await;
    assert_eq!(value.unwrap().as_deref(), Some("郑州市金水区晚到学校"), "nothing typed is lost");
}

#[tokio::test]
async fn a_certificate_is_checked_by_anyone_and_a_licence_prints_with_its_qr_code() {
    let store = store().await;
    api::demo::load(&store, chrono::Utc::now()).await.unwrap();
    let url = serve_pages(store, 3600).await;
    let b = Browser::start().await;
    b.open(&format!("{url}/my/cases")).await;
    sign_in_as(&b, "teacher-1").await;
    b.click_css(".cards a").await;
    b.click_css("a[href*='/licence/']").await;
    let licence = b.text().await;
    assert!(licence.contains("电子证照") && licence.contains("林晓雨"), "{licence}");
    b.accessible("licence").await;
    let verify = b.client.find(fantoccini::Locator::Css(".licence a[href*='/verify?number=']")).await;
    let href = verify.unwrap().attr("href").await.unwrap().unwrap();
    b.forget().await;
    b.open(&href).await;
    let check = b.text().await;
    assert!(check.contains("核验结果：有效") && check.contains("林*雨"), "the holder masked: {check}");
    b.accessible("verify").await;

    // The other answers a visitor can get, each readable and accessible too.
    for (path, says) in [
        ("/verify?number=", "请填写证照编号"),
        ("/verify?number=%E6%95%99%E6%B0%9100000000000000001%E5%8F%B7", "未找到"),
        ("/status", "6 位查询码"),
        ("/status?no=&code=12", "查询码是 6 位数字"),
        ("/services?q=没有这个事项", "没有找到相符的事项"),
        ("/services/JY-XX-9999", "没有找到您要的内容"),
    ] {
        b.open(&format!("{url}{path}")).await;
        assert!(b.text().await.contains(says), "{path}: {}", b.text().await);
        b.accessible(path).await;
    }
}
