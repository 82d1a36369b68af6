//! The pages over plain HTTP, without a browser: what they load, forged posts, the
//! development sign-in's gate, and the sign-in through an identity provider (the test
//! provider, in a real browser).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::browser::Browser;
use tests::idp::{self, IdpUser};
use tests::server::{Api, serve_in_process, serve_pages, set_cookies, token};

async fn store() -> api::store::Store {
    let backends = tests::backends().await;
    tests::open(&backends[0]).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of the first hidden input named `name` in `html`.
fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn pages_load_only_our_own_assets_which_are_cached_and_graphiql_moved() {
    let url = serve_pages(store().await, 3600).await;
    let http = client();
    let home = http.get(format!("{url}/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("<html lang=\"zh-CN\""));
    for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!home.contains(attribute), "nothing from elsewhere: {attribute}");
    }
    let css = home.split("href=\"/assets/").nth(1).unwrap().split('"').next().unwrap();
    let framed = http.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(framed.headers()["x-frame-options"], "DENY", "no framing by other sites");
    assert_eq!(framed.headers()["x-content-type-options"], "nosniff");
    let away = http.get(format!("{url}/text-size?size=large&back=/%09/evil.example")).send().await.unwrap();
    assert_eq!(away.headers()["location"], "/", "no open redirect through a tab");
    let asset = http.get(format!("{url}/assets/{css}")).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable");
    let etag = asset.headers()["etag"].to_str().unwrap().to_owned();
    let again = http.get(format!("{url}/assets/{css}")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let graphiql = http.get(format!("{url}/graphiql")).send().await.unwrap().text().await.unwrap();
    assert!(graphiql.to_lowercase().contains("graphiql"), "GraphiQL, a developer tool, at /graphiql");
}

#[tokio::test]
async fn a_forged_post_is_refused_and_changes_nothing() {
    let url = serve_pages(store().await, 3600).await;
    let http = client();
    let page = http.get(format!("{url}/signin")).send().await.unwrap();
    let jar = set_cookies(&page);
    let csrf = hidden(&page.text().await.unwrap(), "csrf");
    let sign_in = |token: &str, origin: Option<&str>| {
        let mut r = http.post(format!("{url}/signin/development")).header("cookie", &jar).form(&[
            ("csrf", token),
            ("sub", "school-7"),
            ("next", "/my/cases"),
        ]);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    let wrong = sign_in("0123456789abcdef0123456789abcdef", None).await.unwrap();
    assert_eq!(wrong.status(), 403, "a token from elsewhere");
    assert!(!set_cookies(&wrong).contains("session="), "no session made");
    let elsewhere = sign_in(&csrf, Some("https://evil.example")).await.unwrap();
    assert_eq!(elsewhere.status(), 403, "a post from another site");
    let fetched = http
        .post(format!("{url}/signin/development"))
        .header("cookie", &jar)
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("sub", "school-7")])
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 403, "the browser says it is cross-site");
    let ours = sign_in(&csrf, Some(&url)).await.unwrap();
    assert_eq!(ours.status(), 303);
    assert_eq!(ours.headers()["location"], "/my/cases");
    let session = set_cookies(&ours);
    assert!(session.contains("session="));

    // Signed in, a submission without the form's token makes no case.
    let both = format!("{jar}; {session}");
    let forged = http
        .post(format!("{url}/services/JY-XK-0001/submit"))
        .header("cookie", &both)
        .form(&[
            ("csrf", "nope"),
            ("f.office_code", "410105"),
            ("f.school_name", "伪造学校"),
            ("f.organiser_name", "某"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Every other form too, signed in as a clerk with a stale or missing token.
    for path in ["/my/cases/x/withdraw", "/my/cases/x/rate", "/work/claim", "/work/cases/x/act", "/signout"] {
        let r = http
            .post(format!("{url}{path}"))
            .header("cookie", &both)
            .form(&[("csrf", "nope"), ("op", "refuse")])
            .send();
        assert_eq!(r.await.unwrap().status(), 403, "{path}");
    }
    for path in ["/services/JY-XK-0001/apply", "/my/cases/x/supply"] {
        let form = reqwest::multipart::Form::new().text("csrf", "nope");
        let r = http.post(format!("{url}{path}")).header("cookie", &both).multipart(form).send();
        assert_eq!(r.await.unwrap().status(), 403, "{path}");
    }
    let api = Api { http: reqwest::Client::new(), url: url.clone() };
    let mine = api.ok(&token("school-7", &["applicant"], ""), "{ myCases { id } }", json!({})).await;
    assert_eq!(mine, json!([]), "nothing was saved");

    // A cookie that was not sealed by this server is no session.
    let fake = http.get(format!("{url}/my/cases")).header("cookie", "session=eyJzdWIiOiJzY2hvb2wtNyJ9").send().await;
    assert_eq!(fake.unwrap().status(), 303, "sent to sign in");
}

#[tokio::test]
async fn without_the_generated_secret_and_a_provider_there_is_no_sign_in_to_pick() {
    let url = serve_in_process(store().await).await;
    let http = client();
    let page = http.get(format!("{url}/signin")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("开发登录"), "no development sign-in on a server with its own key");
    assert!(page.contains("尚未配置统一身份认证"));
    let post = http.post(format!("{url}/signin/development")).form(&[("csrf", "x"), ("sub", "admin")]).send();
    assert_eq!(post.await.unwrap().status(), 404);
}

#[tokio::test]
async fn an_applicant_signs_in_through_the_identity_provider_and_back_to_the_page() {
    let idp = idp::start(vec![IdpUser::new("u-wang", "王老师", &["applicant"], "")]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let env = |name: &str| match name {
        "OIDC_ISSUER" => Some(idp.issuer.clone()),
        "OIDC_CLIENT_ID" => Some("edu-web".to_owned()),
        "OIDC_REDIRECT_URL" => Some(format!("{url}/signin/callback")),
        _ => None,
    };
    let settings = api::web::oidc::OidcSettings::from_env(env).unwrap().unwrap();
    let auth = api::auth::Auth::hs256(tests::server::SECRET.as_bytes(), "edu-engine", "edu-engine");
    let mut site = api::web::Site::new("another session secret for the page tests", "edu-engine", "edu-engine");
    site.provider = Some(api::web::oidc::Oidc::discover(settings).await.unwrap());
    let router = api::http::router_with(store().await, auth, site);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let b = Browser::start().await;
    b.open(&format!("{url}/services/JY-XK-0006/apply")).await;
    assert!(!b.text().await.contains("开发登录"), "with a provider, no development sign-in");
    b.press("统一身份认证登录").await;
    assert!(b.url().await.ends_with("/services/JY-XK-0006/apply"), "back at the form: {}", b.url().await);
    let page = b.text().await;
    assert!(page.contains("退出（王老师）") && page.contains("教师资格认定"), "{page}");
    b.accessible("apply after the provider's sign-in").await;
    b.press("退出（王老师）").await;
    assert!(b.text().await.contains("您已退出登录"));
}
