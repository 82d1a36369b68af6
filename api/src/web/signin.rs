//! Signing in and out: OpenID Connect (authorization code with PKCE) against the
//! configured identity provider; or, on a local installation without one, a development
//! sign-in as one of the demo's people, labelled as such on every page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::Chrome;
use super::session::{self, Session, Via, Visit};
use crate::http::App;

const LOGIN: &str = "login";

/// A demo identity on the sign-in page.
pub struct Person {
    sub: &'static str,
    name: &'static str,
    about: &'static str,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignIn {
    c: Chrome,
    next: String,
    expired: bool,
    provider: bool,
    people: Vec<Person>,
}

/// `GET /signin?next=…`.
pub async fn page(mut visit: Visit, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let next = session::local(q.get("next").map_or("/my/cases", String::as_str));
    let people = if visit.site().development {
        crate::demo::IDENTITIES.iter().map(|i| Person { sub: i.sub, name: i.name, about: i.about }).collect()
    } else {
        Vec::new()
    };
    let page = SignIn {
        c: visit.chrome("登录"),
        expired: q.contains_key("expired"),
        provider: visit.site().provider.is_some(),
        people,
        next,
    };
    visit.render(StatusCode::OK, &page)
}

/// The development sign-in's form.
#[derive(Deserialize)]
pub struct DevelopmentForm {
    csrf: String,
    sub: String,
    #[serde(default)]
    next: String,
}

/// `POST /signin/development`: only where the development sign-in is on.
pub async fn development(mut visit: Visit, axum::Form(form): axum::Form<DevelopmentForm>) -> Response {
    if !visit.site().development {
        return visit.problem(StatusCode::NOT_FOUND, "未找到", "本站未开启开发登录，请使用统一身份认证登录。");
    }
    if visit.forged(&form.csrf) {
        return forged(visit);
    }
    let Some(who) = crate::demo::IDENTITIES.iter().find(|i| i.sub == form.sub) else {
        return visit.problem(StatusCode::UNPROCESSABLE_ENTITY, "登录失败", "没有这个演示身份。");
    };
    let session = Session {
        sub: who.sub.to_owned(),
        name: who.name.to_owned(),
        roles: who.roles.iter().map(|r| (*r).to_owned()).collect(),
        office: who.office.to_owned(),
        exp: chrono::Utc::now().timestamp() + visit.site().session_seconds,
        via: Via::Development,
    };
    visit.sign_in(&session);
    let next = session::local(&form.next);
    visit.redirect(&next)
}

/// What is kept between sending someone to the provider and their return.
#[derive(Serialize, Deserialize)]
struct Pending {
    login: super::oidc::PendingLogin,
    next: String,
}

/// `GET /signin/provider?next=…`: off to the identity provider.
pub async fn provider(mut visit: Visit, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let Some(oidc) = &visit.site().provider else {
        return visit.problem(StatusCode::NOT_FOUND, "未找到", "本站未配置统一身份认证。");
    };
    let (url, login) = oidc.begin();
    let next = session::local(q.get("next").map_or("/my/cases", String::as_str));
    visit.keep(LOGIN, serde_json::to_string(&Pending { login, next }).unwrap_or_default());
    visit.redirect(&url)
}

/// `GET /signin/callback?code=…&state=…`: back from the identity provider.
pub async fn callback(
    State(_app): State<App>,
    mut visit: Visit,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(oidc) = visit.site().provider.clone() else {
        return visit.problem(StatusCode::NOT_FOUND, "未找到", "本站未配置统一身份认证。");
    };
    let pending = visit.take(LOGIN).and_then(|p| serde_json::from_str::<Pending>(&p).ok());
    let Some(pending) = pending else {
        return visit.problem(StatusCode::BAD_REQUEST, "登录未完成", "登录已过期或不是从本站发起的，请重新登录。");
    };
    if let Some(error) = q.get("error") {
        tracing::info!(error, "the identity provider refused the sign-in");
        return visit.problem(StatusCode::UNAUTHORIZED, "登录未完成", "统一身份认证没有完成登录，请重新登录。");
    }
    let (code, state) = (q.get("code").cloned().unwrap_or_default(), q.get("state").cloned().unwrap_or_default());
    match oidc.finish(&pending.login, &code, &state).await {
        Ok(who) => {
            let session = Session {
                sub: who.sub,
                name: who.name,
                roles: who.roles,
                office: who.office,
                exp: chrono::Utc::now().timestamp() + visit.site().session_seconds,
                via: Via::Provider,
            };
            visit.sign_in(&session);
            visit.redirect(&pending.next)
        }
        Err(e) => {
            tracing::warn!(error = %e, "sign-in refused");
            visit.problem(StatusCode::UNAUTHORIZED, "登录未完成", "身份核验没有通过，请重新登录。")
        }
    }
}

/// The form of a post that only carries its token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /signout`.
pub async fn sign_out(mut visit: Visit, axum::Form(form): axum::Form<TokenForm>) -> Response {
    if visit.forged(&form.csrf) {
        return forged(visit);
    }
    visit.sign_out();
    visit.flash("您已退出登录。");
    visit.redirect("/")
}

/// The answer to a post that did not come from our own page.
pub fn forged(visit: Visit) -> Response {
    visit.problem(
        StatusCode::FORBIDDEN,
        "请求无法确认",
        "这个提交不是从本站页面发出的，或页面已打开太久。请回到页面重新操作。",
    )
}
