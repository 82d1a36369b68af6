//! The pages' session and their guard against forged posts. The session is an encrypted,
//! HttpOnly, SameSite=Lax cookie carrying the same identity a bearer token does (subject,
//! name, roles, office) and its own expiry; nothing of it is kept on the server. Every
//! form carries a token that must match an encrypted cookie (double submit), and every
//! post must come from our own pages (`Sec-Fetch-Site`, `Origin`).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::PrivateCookieJar;
use axum_extra::extract::cookie::{Cookie, Key, SameSite};
use serde::{Deserialize, Serialize};

use crate::auth::Claims;
use crate::http::App;

const SESSION: &str = "session";
const CSRF: &str = "csrf";
const RESUME: &str = "resume";
const FLASH: &str = "flash";
/// Plain (not secret) preference: `large` for the large-text mode.
pub const TEXT: &str = "text";

/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 8;

/// How someone signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    /// The identity provider (OpenID Connect).
    Provider,
    /// The development sign-in (a demo identity).
    Development,
}

/// A signed-in person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// User id.
    pub sub: String,
    /// Display name.
    pub name: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Office code.
    pub office: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// How.
    pub via: Via,
}

/// What a post left for after a sign-in: the fields typed, so nothing typed is lost when a
/// session runs out in the middle of a form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resume {
    /// The page the fields belong to.
    pub path: String,
    /// Name and value of each field typed.
    pub fields: Vec<(String, String)>,
}

/// One request's view of the visitor: session, form token, preferences; and the cookies
/// to send back.
pub struct Visit {
    jar: PrivateCookieJar,
    /// The signed-in person, if the session is valid and current.
    pub session: Option<Session>,
    /// A session cookie was there but has run out.
    pub expired: bool,
    /// The form token of this visitor.
    pub csrf: String,
    /// Large-text mode.
    pub large: bool,
    /// Path and query of this request.
    pub here: String,
    /// Whether the post came from another site (checked by [`Visit::forged`]).
    cross_site: bool,
    site: std::sync::Arc<super::Site>,
}

impl FromRef<App> for Key {
    fn from_ref(app: &App) -> Self {
        app.site().key.clone()
    }
}

impl FromRequestParts<App> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let site = app.site_arc();
        let mut jar = PrivateCookieJar::from_headers(&parts.headers, site.key.clone());
        let now = chrono::Utc::now().timestamp();
        let stored = jar.get(SESSION).and_then(|c| serde_json::from_str::<Session>(c.value()).ok());
        let (session, expired) = match stored {
            // A demo identity's session ends when the development sign-in is switched off.
            Some(s) if s.via == Via::Development && !site.development => (None, false),
            Some(s) if s.exp > now => (Some(s), false),
            Some(_) => (None, true),
            None => (None, false),
        };
        let csrf = match jar.get(CSRF) {
            Some(c) if c.value().len() == 32 => c.value().to_owned(),
            _ => {
                let token = random_token();
                jar = jar.add(site.cookie(CSRF, token.clone()));
                token
            }
        };
        let large = cookie_value(&parts.headers, TEXT).as_deref() == Some("large");
        let here = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        let cross_site = parts.method != Method::GET && cross_site(&parts.headers);
        Ok(Self { jar, session, expired, csrf, large, here, cross_site, site })
    }
}

impl Visit {
    /// The caller the API sees for this visitor.
    #[must_use]
    pub fn claims(&self) -> Option<Claims> {
        self.session.as_ref().map(|s| self.site.claims_of(s))
    }

    /// The site's settings.
    #[must_use]
    pub fn site(&self) -> &super::Site {
        &self.site
    }

    /// Whether a post is forged: from another site, or without this visitor's form token.
    #[must_use]
    pub fn forged(&self, token: &str) -> bool {
        self.cross_site || !constant_eq(token.as_bytes(), self.csrf.as_bytes())
    }

    /// The one gate of every form post. A post without this visitor's form token (or from
    /// another site) is refused before anything else, so nothing of it is kept; one from a
    /// visitor who is not signed in goes to sign in first, keeping the fields `keep` picks
    /// for the page `back`; otherwise the caller.
    ///
    /// # Errors
    /// The answer to give instead: the refusal, or the way to the sign-in.
    pub fn gate(
        self,
        fields: &[(String, String)],
        back: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<(Self, Claims), Box<Response>> {
        let token = fields.iter().find(|(k, _)| k == "csrf").map_or("", |(_, v)| v.as_str());
        if self.forged(token) {
            return Err(Box::new(super::signin::forged(self)));
        }
        match self.claims() {
            Some(who) => Ok((self, who)),
            None => {
                let typed = fields.iter().filter(|(k, _)| keep(k)).cloned().collect();
                Err(Box::new(self.sign_in_first(back, typed)))
            }
        }
    }

    /// Signs in: a new session (and a new form token, so one planted before cannot be used).
    pub fn sign_in(&mut self, session: &Session) {
        let token = random_token();
        self.csrf.clone_from(&token);
        let text = serde_json::to_string(session).unwrap_or_default();
        self.jar = self.jar.clone().add(self.site.cookie(SESSION, text)).add(self.site.cookie(CSRF, token));
        self.session = Some(session.clone());
    }

    /// Signs out.
    pub fn sign_out(&mut self) {
        self.jar = self.jar.clone().remove(self.site.removal(SESSION));
        self.session = None;
    }

    /// Keeps `value` under `name` for a later request (sealed like the session).
    pub fn keep(&mut self, name: &str, value: String) {
        self.jar = self.jar.clone().add(self.site.cookie_owned(name.to_owned(), value));
    }

    /// What was kept under `name`, forgotten once read.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let value = self.jar.get(name)?.value().to_owned();
        self.jar = self.jar.clone().remove(self.site.removal_owned(name.to_owned()));
        Some(value)
    }

    /// What was kept under `name`, kept further.
    #[must_use]
    pub fn kept(&self, name: &str) -> Option<String> {
        self.jar.get(name).map(|c| c.value().to_owned())
    }

    /// A message for the next page (after a redirect).
    pub fn flash(&mut self, message: &str) {
        self.keep(FLASH, message.to_owned());
    }

    /// The message left by the previous request, if any.
    pub fn take_flash(&mut self) -> Option<String> {
        self.take(FLASH)
    }

    /// The fields a post left for this page before a sign-in.
    pub fn take_resume(&mut self) -> Option<Vec<(String, String)>> {
        let kept = serde_json::from_str::<Resume>(&self.kept(RESUME)?).ok();
        let path = self.here.split('?').next().unwrap_or_default().to_owned();
        match kept {
            Some(r) if r.path == path => {
                let _ = self.take(RESUME);
                Some(r.fields)
            }
            _ => None,
        }
    }

    /// The answer to a visitor who must sign in first: the fields of a post are kept for the
    /// page they belong to (`back`), then to the sign-in page and back.
    #[must_use]
    pub fn sign_in_first(mut self, back: &str, fields: Vec<(String, String)>) -> Response {
        if !fields.is_empty() {
            let path = back.split('?').next().unwrap_or_default().to_owned();
            // A cookie holds about 4 KB: long texts are cut rather than the cookie refused.
            let mut kept = Vec::new();
            let mut size = 0;
            for (k, v) in fields {
                if k == "csrf" {
                    continue;
                }
                size += k.len() + v.len();
                if size > 2_500 {
                    break;
                }
                kept.push((k, v));
            }
            let resume = Resume { path, fields: kept };
            self.keep(RESUME, serde_json::to_string(&resume).unwrap_or_default());
        }
        let expired = if self.expired { "&expired=1" } else { "" };
        let to = format!("/signin?next={}{expired}", urlencode(back));
        self.redirect(&to)
    }

    /// A 303 to `to`, with the cookies of this visit.
    #[must_use]
    pub fn redirect(self, to: &str) -> Response {
        (self.jar, (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())])).into_response()
    }

    /// A page, with the cookies of this visit.
    #[must_use]
    pub fn page(self, status: StatusCode, html: String) -> Response {
        let headers = [(header::CACHE_CONTROL, "no-store")];
        (self.jar, (status, headers, axum::response::Html(html))).into_response()
    }
}

/// Whether a request says it comes from another site: `Sec-Fetch-Site` other than
/// same-origin or none (typed by the person), or an `Origin` whose host is not ours.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => false,
        Some("null") => true,
        Some(origin) => {
            let origin_host = origin.split("://").nth(1).unwrap_or_default();
            host != Some(origin_host)
        }
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 hex digits from the operating system's random source.
#[must_use]
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No random source: a token that never matches (forms refuse) rather than a guessable one.
        return String::new();
    }
    hex::encode(bytes)
}

/// Percent-encodes a query value.
#[must_use]
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local path to go back to, or `/` for anything else (no open redirects).
#[must_use]
pub fn local(path: &str) -> String {
    // Browsers drop tabs and newlines inside a URL, so `/\t/evil.example` would become
    // `//evil.example`: only visible ASCII passes, and no backslash.
    let visible = path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if visible && path.starts_with('/') && !path.starts_with("//") { path.to_owned() } else { "/".to_owned() }
}

impl super::Site {
    /// The caller a session stands for, as a bearer token would name them.
    #[must_use]
    pub fn claims_of(&self, s: &Session) -> Claims {
        Claims {
            sub: s.sub.clone(),
            name: s.name.clone(),
            roles: s.roles.clone(),
            office: s.office.clone(),
            exp: s.exp,
            iat: 0,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        }
    }

    /// The caller of a request by its session cookie, if it carries a current one: for the
    /// reads a page links to (downloads, CSV exports), never for the API's writes.
    #[must_use]
    pub fn session_caller(&self, headers: &HeaderMap) -> Option<Claims> {
        let jar = PrivateCookieJar::from_headers(headers, self.key.clone());
        let session = serde_json::from_str::<Session>(jar.get(SESSION)?.value()).ok()?;
        let current = session.exp > chrono::Utc::now().timestamp();
        (current && (session.via == Via::Provider || self.development)).then(|| self.claims_of(&session))
    }

    fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        self.cookie_owned(name.to_owned(), value)
    }

    fn cookie_owned(&self, name: String, value: String) -> Cookie<'static> {
        Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(self.secure).build()
    }

    fn removal(&self, name: &'static str) -> Cookie<'static> {
        self.removal_owned(name.to_owned())
    }

    fn removal_owned(&self, name: String) -> Cookie<'static> {
        Cookie::build((name, "")).path("/").build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_pages_may_post() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "zwfw.example:8080".parse().unwrap());
        assert!(!cross_site(&h), "a browser that sends neither header (old ones) relies on the token");
        h.insert(header::ORIGIN, "http://zwfw.example:8080".parse().unwrap());
        assert!(!cross_site(&h));
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(cross_site(&h));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(!cross_site(&h), "Sec-Fetch-Site decides where a browser sends it");
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(cross_site(&h));
    }

    #[test]
    fn going_back_stays_on_this_site() {
        assert_eq!(local("/my/cases?x=1"), "/my/cases?x=1");
        assert_eq!(local("//evil.example/"), "/");
        assert_eq!(local("https://evil.example/"), "/");
        assert_eq!(local("/\\evil.example"), "/");
        assert_eq!(local("/\t/evil.example"), "/", "a tab vanishes in the browser");
        assert_eq!(local("/\n/evil.example"), "/");
        assert_eq!(local("/ /evil.example"), "/");
    }

    #[test]
    fn tokens_compare_in_constant_time_and_exactly() {
        assert!(constant_eq(b"abc", b"abc"));
        assert!(!constant_eq(b"abc", b"abd"));
        assert!(!constant_eq(b"abc", b"ab"));
        assert_eq!(random_token().len(), 32);
        assert_ne!(random_token(), random_token());
    }
}
