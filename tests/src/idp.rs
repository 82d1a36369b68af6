//! A small OpenID provider for the sign-in tests, served over real HTTP on 127.0.0.1: discovery,
//! JWKS (an Ed25519 key made at start, never committed), `/authorize` that signs the chosen
//! user in at once and redirects back with `code` and `state`, and `/token` that checks the
//! code, `redirect_uri`, `client_id`, the client secret when one is required and the PKCE
//! verifier before it returns a signed ID token.
//!
//! It can misbehave on request ([`Misbehaviour`]), rotate its key, and name another issuer in
//! its discovery document.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A user the provider can sign in.
#[derive(Clone, Debug, Default)]
pub struct IdpUser {
    /// Subject identifier.
    pub sub: String,
    /// `name` claim, left out when `None`.
    pub name: Option<String>,
    /// `preferred_username` claim, left out when `None`.
    pub preferred_username: Option<String>,
    /// `roles` claim (an array).
    pub roles: Vec<String>,
    /// `office` claim, left out when `None`.
    pub office: Option<String>,
}

impl IdpUser {
    /// A user with a name, roles and an office.
    #[must_use]
    pub fn new(sub: &str, name: &str, roles: &[&str], office: &str) -> Self {
        Self {
            sub: sub.to_owned(),
            name: Some(name.to_owned()),
            preferred_username: None,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            office: Some(office.to_owned()),
        }
    }
}

/// What the provider gets wrong in the ID tokens it issues from now on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Nothing: correct tokens.
    #[default]
    None,
    /// A `nonce` other than the one sent to `/authorize`.
    WrongNonce,
    /// Expired an hour ago.
    Expired,
    /// Issued for another client.
    WrongAudience,
    /// Signed by a key it does not publish, under a `kid` it does not publish.
    UnknownKey,
    /// Signed by a key it does not publish, under the `kid` of the key it does publish.
    ForgedSignature,
}

/// A running provider; stops when dropped.
pub struct Idp {
    /// Its issuer identifier (`http://127.0.0.1:PORT`), also the base of its endpoints.
    pub issuer: String,
    state: Arc<Mutex<Shared>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Key {
    kid: String,
    signing: SigningKey,
}

impl Key {
    fn generate(kid: String) -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).unwrap();
        Self { kid, signing: SigningKey::from_bytes(&seed) }
    }
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    user: IdpUser,
}

struct Shared {
    issuer: String,
    discovery_issuer: Option<String>,
    users: Vec<IdpUser>,
    selected: Option<String>,
    misbehaviour: Misbehaviour,
    key: Key,
    keys_made: u32,
    client_secret: Option<String>,
    auth_methods: Vec<String>,
    grants: HashMap<String, Grant>,
    jwks_fetches: u32,
}

type Handle = Arc<Mutex<Shared>>;

fn lock(state: &Handle) -> MutexGuard<'_, Shared> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts a provider for `users` on a free port of 127.0.0.1. The first user is selected.
///
/// # Panics
/// When no port can be bound.
pub async fn start(users: Vec<IdpUser>) -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(Shared {
        issuer: issuer.clone(),
        discovery_issuer: None,
        selected: users.first().map(|u| u.sub.clone()),
        users,
        misbehaviour: Misbehaviour::None,
        key: Key::generate("key-1".to_owned()),
        keys_made: 1,
        client_secret: None,
        auth_methods: vec!["none".into(), "client_secret_basic".into(), "client_secret_post".into()],
        grants: HashMap::new(),
        jwks_fetches: 0,
    }));
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(state.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Idp { issuer, state, server }
}

impl Idp {
    /// Signs in `sub` at the next `/authorize` that gives no `login_hint`.
    pub fn select(&self, sub: &str) {
        lock(&self.state).selected = Some(sub.to_owned());
    }

    /// Makes the ID tokens issued from now on go wrong in the given way.
    pub fn misbehave(&self, misbehaviour: Misbehaviour) {
        lock(&self.state).misbehaviour = misbehaviour;
    }

    /// Replaces the signing key with a new one under a new `kid`; the JWKS then publishes
    /// only the new key.
    pub fn rotate_key(&self) {
        let mut state = lock(&self.state);
        state.keys_made += 1;
        state.key = Key::generate(format!("key-{}", state.keys_made));
    }

    /// Makes the discovery document name `issuer` instead of the provider's own.
    pub fn announce_issuer(&self, issuer: &str) {
        lock(&self.state).discovery_issuer = Some(issuer.to_owned());
    }

    /// Requires this client secret at `/token` (by HTTP Basic or in the form).
    pub fn require_client_secret(&self, secret: &str) {
        lock(&self.state).client_secret = Some(secret.to_owned());
    }

    /// The `token_endpoint_auth_methods_supported` the discovery document announces.
    pub fn announce_auth_methods(&self, methods: &[&str]) {
        lock(&self.state).auth_methods = methods.iter().map(|m| (*m).to_owned()).collect();
    }

    /// How many times the JWKS has been fetched.
    #[must_use]
    pub fn jwks_fetches(&self) -> u32 {
        lock(&self.state).jwks_fetches
    }
}

async fn discovery(State(state): State<Handle>) -> Json<Value> {
    let state = lock(&state);
    let base = &state.issuer;
    Json(json!({
        "issuer": state.discovery_issuer.as_ref().unwrap_or(base),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": state.auth_methods,
    }))
}

async fn jwks(State(state): State<Handle>) -> Json<Value> {
    let mut state = lock(&state);
    state.jwks_fetches += 1;
    let key = &state.key;
    Json(json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": key.kid,
        "x": URL_SAFE_NO_PAD.encode(key.signing.verifying_key().as_bytes()),
    }]}))
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, message.to_owned()).into_response()
}

async fn authorize(State(state): State<Handle>, Query(q): Query<HashMap<String, String>>) -> Response {
    let param = |name: &str| q.get(name).cloned().unwrap_or_default();
    if param("response_type") != "code" {
        return bad_request("response_type must be code");
    }
    if param("code_challenge_method") != "S256" || param("code_challenge").len() != 43 {
        return bad_request("PKCE with S256 required");
    }
    if !param("scope").split(' ').any(|s| s == "openid") {
        return bad_request("scope must include openid");
    }
    let Ok(mut back) = reqwest::Url::parse(&param("redirect_uri")) else {
        return bad_request("redirect_uri must be a URL");
    };
    let mut state = lock(&state);
    let sub = q.get("login_hint").cloned().or_else(|| state.selected.clone()).unwrap_or_default();
    let Some(user) = state.users.iter().find(|u| u.sub == sub).cloned() else {
        return bad_request("no such user");
    };
    let code = random();
    let grant = Grant {
        client_id: param("client_id"),
        redirect_uri: param("redirect_uri"),
        challenge: param("code_challenge"),
        nonce: q.get("nonce").cloned(),
        user,
    };
    state.grants.insert(code.clone(), grant);
    back.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = q.get("state") {
        back.query_pairs_mut().append_pair("state", s);
    }
    Redirect::to(back.as_str()).into_response()
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": "refused by the test provider"}))).into_response()
}

/// The client id and secret of an HTTP Basic `Authorization` header (not form-decoded: the
/// tests use plain ids and secrets).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let decoded = STANDARD.decode(value.strip_prefix("Basic ")?).ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

async fn token(State(state): State<Handle>, headers: HeaderMap, Form(f): Form<HashMap<String, String>>) -> Response {
    let param = |name: &str| f.get(name).cloned().unwrap_or_default();
    if param("grant_type") != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let mut state = lock(&state);
    let basic = basic_credentials(&headers);
    let (client_id, secret) = match &basic {
        Some((id, secret)) => (id.clone(), Some(secret.clone())),
        None => (param("client_id"), f.get("client_secret").cloned()),
    };
    if basic.is_some() && f.contains_key("client_secret") {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    if state.client_secret.as_ref().is_some_and(|required| secret.as_ref() != Some(required)) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    // A code is good for one try, right or wrong.
    let Some(grant) = state.grants.remove(&param("code")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    if grant.client_id != client_id || grant.redirect_uri != param("redirect_uri") {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    if URL_SAFE_NO_PAD.encode(Sha256::digest(param("code_verifier").as_bytes())) != grant.challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let now = chrono::Utc::now().timestamp();
    let misbehaviour = state.misbehaviour;
    let mut claims = json!({
        "iss": state.issuer,
        "sub": grant.user.sub,
        "aud": if misbehaviour == Misbehaviour::WrongAudience { "another-client".to_owned() } else { client_id },
        "iat": now,
        "exp": if misbehaviour == Misbehaviour::Expired { now - 3600 } else { now + 300 },
        "roles": grant.user.roles,
    });
    let nonce = if misbehaviour == Misbehaviour::WrongNonce { Some(random()) } else { grant.nonce };
    for (name, value) in [
        ("nonce", nonce),
        ("name", grant.user.name),
        ("preferred_username", grant.user.preferred_username),
        ("office", grant.user.office),
    ] {
        if let Some(value) = value {
            claims[name] = Value::String(value);
        }
    }
    let stranger;
    let (kid, key) = match misbehaviour {
        Misbehaviour::UnknownKey => {
            stranger = Key::generate("stranger".to_owned());
            (stranger.kid.as_str(), &stranger.signing)
        }
        Misbehaviour::ForgedSignature => {
            stranger = Key::generate(String::new());
            (state.key.kid.as_str(), &stranger.signing)
        }
        _ => (state.key.kid.as_str(), &state.key.signing),
    };
    let id_token = sign(kid, key, &claims);
    Json(json!({"access_token": random(), "token_type": "Bearer", "expires_in": 300, "id_token": id_token}))
        .into_response()
}

/// A compact JWS over `claims`, EdDSA, signed here with ed25519-dalek.
fn sign(kid: &str, key: &SigningKey, claims: &Value) -> String {
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

fn random() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).unwrap();
    URL_SAFE_NO_PAD.encode(bytes)
}
