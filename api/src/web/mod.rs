//! The pages people use, served by the same router as the API: server-rendered HTML
//! (askama templates, checked at compile time), our own CSS and a little JavaScript
//! compiled into the binary, nothing fetched from anywhere else. Every flow is plain links
//! and forms (post, then redirect); JavaScript only spares a reload.
//!
//! Pages go through the API itself ([`client::Client`]): the same use cases, the same
//! access policy, the same error codes. No page reads the store or decides who may see
//! what.
//!
//! # Layout
//! - [`public`]: for everyone, no sign-in: services, 办事指南, 办件查询, 证照核验.
//! - [`applicant`]: for applicants, signed in: apply, receipt, my cases, correction,
//!   withdrawal, rating, the e-licence.
//! - [`clerk`]: for window clerks and reviewers: the queue, a case with its actions, the
//!   notices the law requires in writing.
//! - [`auditor`]: for auditors: the dashboard of SLA figures, late cases, audit trails.
//! - [`signin`]: OpenID Connect sign-in, and the development sign-in.
//! - [`session`]: the encrypted session cookie and the guard against forged posts.
//! - [`client`], [`diagram`], [`qr`], [`assets`], [`oidc`]: the parts they share.

pub mod applicant;
pub mod assets;
pub mod auditor;
pub mod clerk;
pub mod client;
pub mod diagram;
pub mod oidc;
pub mod public;
pub mod qr;
pub mod reforms;
pub mod session;
pub mod signin;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::cookie::Key;

use crate::http::App;
use session::Visit;

/// The pages' settings.
pub struct Site {
    /// Seals the cookies (AES-256-GCM).
    pub key: Key,
    /// Whether the development sign-in is offered: only when no identity provider is
    /// configured and tokens are checked with the secret made in the data directory.
    pub development: bool,
    /// The identity provider, when one is configured.
    pub provider: Option<oidc::Oidc>,
    /// `Secure` cookies (the site is served over https).
    pub secure: bool,
    /// Where people reach the site, for absolute links in QR codes; else the `Host` header.
    pub public_url: Option<String>,
    /// The issuer the API's callers carry.
    pub issuer: String,
    /// The audience the API's callers carry.
    pub audience: String,
    /// How long a sign-in lasts, seconds.
    pub session_seconds: i64,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site").field("development", &self.development).field("secure", &self.secure).finish()
    }
}

impl Site {
    /// Settings with cookies sealed by a key derived from `secret`.
    #[must_use]
    pub fn new(secret: &str, issuer: &str, audience: &str) -> Self {
        use sha2::Digest;
        let mut material = [0u8; 64];
        material.copy_from_slice(&sha2::Sha512::digest(format!("edu-engine session cookies:{secret}").as_bytes()));
        Self {
            key: Key::from(&material),
            development: false,
            provider: None,
            secure: false,
            public_url: None,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            session_seconds: session::SESSION_HOURS * 3600,
        }
    }
}

/// The pages' settings for `serve`: the cookie secret, the identity provider (discovered
/// now, so a wrong setting stops the start rather than the first sign-in), and whether the
/// development sign-in is on.
///
/// # Errors
/// The session secret cannot be had, or the identity provider is misconfigured or
/// unreachable.
pub async fn site(config: &crate::config::Config, auth: &crate::auth::Auth) -> Result<Site, String> {
    let mut site = Site::new(&config.session_secret()?, auth.issuer(), auth.audience());
    let settings = oidc::OidcSettings::from_env(|k| std::env::var(k).ok())?;
    if let Some(settings) = settings {
        site.provider = Some(oidc::Oidc::discover(settings).await.map_err(|e| format!("OIDC_ISSUER: {e}"))?);
    }
    site.development = site.provider.is_none() && config.generated_secret();
    if site.development {
        tracing::warn!("development sign-in is on: no OIDC_ISSUER and the generated JWT secret; every page says so");
    }
    site.secure = config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    site.public_url.clone_from(&config.public_url);
    Ok(site)
}

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's title (also its `<h1>` unless the page says otherwise).
    pub title: String,
    /// Who is signed in.
    pub user: Option<String>,
    /// The development sign-in is on: every page says so.
    pub development: bool,
    /// The form token.
    pub csrf: String,
    /// Large-text mode.
    pub large: bool,
    /// This page (to come back to after signing in or switching text size).
    pub here: String,
    /// A message left by the previous post.
    pub flash: Option<String>,
    /// The stylesheet's URL.
    pub css: String,
    /// The script's URL, on pages that use it.
    pub script: Option<String>,
    /// The signed-in person holds a staff role (the workbench is in the header).
    pub staff: bool,
    /// The signed-in person is an auditor (the dashboard is in the header).
    pub auditor: bool,
}

impl Visit {
    /// The frame of a page titled `title`.
    pub fn chrome(&mut self, title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            user: self.session.as_ref().map(|s| if s.name.is_empty() { s.sub.clone() } else { s.name.clone() }),
            development: self.site().development,
            csrf: self.csrf.clone(),
            large: self.large,
            here: session::urlencode(&self.here),
            flash: self.take_flash(),
            css: assets::url("site.css"),
            script: None,
            staff: self.session.as_ref().is_some_and(|s| {
                s.roles
                    .iter()
                    .any(|r| ![crate::auth::APPLICANT, crate::auth::AUDITOR, crate::auth::ADMIN].contains(&r.as_str()))
            }),
            auditor: self.session.as_ref().is_some_and(|s| s.roles.iter().any(|r| r == crate::auth::AUDITOR)),
        }
    }

    /// Renders `template` as the answer.
    #[must_use]
    pub fn render(self, status: StatusCode, template: &impl Template) -> Response {
        match template.render() {
            Ok(html) => self.page(status, html),
            Err(e) => {
                tracing::error!(error = %e, "page did not render");
                self.page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<!doctype html><title>出错了</title><p>页面出错了，请稍后再试。</p>".into(),
                )
            }
        }
    }

    /// A page that says why something cannot be shown.
    #[must_use]
    pub fn problem(mut self, status: StatusCode, heading: &str, message: &str) -> Response {
        let page = ProblemPage { c: self.chrome(heading), message: message.to_owned() };
        self.render(status, &page)
    }

    /// The answer to an API refusal that the page cannot show in place.
    #[must_use]
    pub fn refused(self, failure: &client::Failure) -> Response {
        match failure.code.as_str() {
            "UNAUTHENTICATED" => {
                let back = self.here.clone();
                self.sign_in_first(&back, Vec::new())
            }
            "NOT_FOUND" => self.problem(StatusCode::NOT_FOUND, "未找到", "没有找到您要的内容，或您无权查看。"),
            "FORBIDDEN" => self.problem(StatusCode::FORBIDDEN, "无权办理", "您当前的身份不能办理此项操作。"),
            "CONFLICT" => {
                self.problem(StatusCode::CONFLICT, "办件已更新", "办件刚刚有了变化，请返回重新查看后再操作。")
            }
            "INVALID_TRANSITION" => {
                self.problem(StatusCode::CONFLICT, "现在不能办理", "办件当前的状态不允许这项操作，请返回查看办件状态。")
            }
            "BAD_USER_INPUT" => self.problem(StatusCode::UNPROCESSABLE_ENTITY, "填写有误", &words(failure)),
            _ => self.problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "出错了",
                "系统暂时出错，请稍后再试；您提交的内容没有丢失。",
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage {
    c: Chrome,
    message: String,
}

/// The largest form with files a page takes: the API's own limit for a multipart request.
const UPLOADS: usize = crate::http::MAX_BODY + crate::http::MAX_FILES * crate::store::MAX_FILE as usize;

/// Headers every answer carries: no framing by other sites (clickjacking), no guessing of
/// content types, no full URLs (with tracking numbers) in the `Referer` sent elsewhere.
pub async fn protect(response: Response) -> Response {
    use axum::http::header::{HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
    let mut response = response;
    let h = response.headers_mut();
    h.entry(X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    h.entry(X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    h.entry(axum::http::header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    response
}

/// The pages' routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(public::home))
        .route("/services", get(public::services))
        .route("/services/{code}", get(public::guide))
        .route("/status", get(public::status))
        .route("/verify", get(public::verify))
        .route("/notices", get(public::notices::notices))
        .route("/notices/{id}/objection", post(public::notices::object))
        .route("/text-size", get(public::text_size))
        .route("/assets/{hash}/{name}", get(assets::serve))
        .route("/signin", get(signin::page))
        .route("/signin/development", post(signin::development))
        .route("/signin/provider", get(signin::provider))
        .route("/signin/callback", get(signin::callback))
        .route("/signout", post(signin::sign_out))
        .route(
            "/services/{code}/apply",
            get(applicant::apply::form).post(applicant::apply::review).layer(DefaultBodyLimit::max(UPLOADS)),
        )
        .route("/services/{code}/submit", post(applicant::apply::submit))
        .route("/my/cases", get(applicant::cases::list))
        .route("/my/cases/{id}", get(applicant::cases::case))
        .route("/my/cases/{id}/receipt", get(applicant::cases::receipt))
        .route("/my/cases/{id}/supply", post(applicant::cases::supply).layer(DefaultBodyLimit::max(UPLOADS)))
        .route("/my/cases/{id}/withdraw", post(applicant::cases::withdraw))
        .route("/my/cases/{id}/rate", post(applicant::cases::rate))
        .route("/my/cases/{id}/book", post(applicant::cases::book))
        .route("/my/cases/{id}/cancel-booking", post(applicant::cases::cancel_booking))
        .route("/my/cases/{id}/formal", post(applicant::cases::formal).layer(DefaultBodyLimit::max(UPLOADS)))
        .route("/my/cases/{id}/licence/{number}", get(applicant::cases::licence))
        .route("/work", get(clerk::queue::queue))
        .route("/work/claim", post(clerk::queue::claim))
        .route("/work/slots", get(clerk::slots::slots).post(clerk::slots::publish))
        .route("/work/events", get(clerk::queue::events))
        .route("/work/cases/{id}", get(clerk::case::case))
        .route("/work/cases/{id}/act", post(clerk::act::act))
        .route("/work/cases/{id}/notices/{kind}", get(clerk::notices::notice))
        .route("/audit", get(auditor::dashboard::dashboard))
        .route("/audit/cases/{id}", get(auditor::trail::trail))
}

/// A refusal in words for the person who tried: the API's own Chinese words where it gives
/// them, else what its code means.
#[must_use]
pub fn words(f: &client::Failure) -> String {
    if let Some(w) = &f.words {
        return w.clone();
    }
    if let Some((_, m)) = f.fields.first() {
        return m.clone();
    }
    match f.code.as_str() {
        "NOT_FOUND" => "没有找到，或您无权查看".into(),
        "FORBIDDEN" => "您当前的身份不能办理这项操作".into(),
        "CONFLICT" => "办件刚刚被他人更新，请刷新后再试".into(),
        "UNAUTHENTICATED" => "请先登录".into(),
        "BAD_USER_INPUT" => format!("填写有误：{}", f.message),
        _ => "系统暂时出错，请稍后再试".into(),
    }
}

/// A date-time from the API (RFC 3339) as a person in China reads it: 2026年12月1日 14:30.
#[must_use]
pub fn when(rfc3339: &str) -> String {
    china(rfc3339).map_or_else(|| rfc3339.to_owned(), |t| t.format("%Y年%-m月%-d日 %H:%M").to_string())
}

/// Who a history line names: the role, with the person when the record shows them (a
/// secret ballot or an objection shows none).
#[must_use]
pub fn who(role: &str, actor: &str) -> String {
    if actor.is_empty() { role.to_owned() } else { format!("{role}（{actor}）") }
}

/// A day written `YYYY-MM-DD` in words: 2026年12月8日 (as given when it is not one).
#[must_use]
pub fn date_words(ymd: &str) -> String {
    chrono::NaiveDate::parse_from_str(ymd, "%Y-%m-%d")
        .map_or_else(|_| ymd.to_owned(), |d| d.format("%Y年%-m月%-d日").to_string())
}

/// The day only: 2026年12月1日.
#[must_use]
pub fn day(rfc3339: &str) -> String {
    china(rfc3339).map_or_else(|| rfc3339.to_owned(), |t| t.format("%Y年%-m月%-d日").to_string())
}

pub(crate) fn china(rfc3339: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let offset = chrono::FixedOffset::east_opt(8 * 3600)?;
    chrono::DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.with_timezone(&offset))
}

/// The site's address for absolute links: the configured one, else from the request.
#[must_use]
pub fn base_url(site: &Site, headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = &site.public_url {
        return u.clone();
    }
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = if site.secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn instants_read_in_china_time() {
        assert_eq!(super::when("2026-12-01T06:30:00Z"), "2026年12月1日 14:30");
        assert_eq!(super::day("2026-12-31T16:30:00+00:00"), "2027年1月1日");
    }
}
