//! The OpenID Connect client for the web sign-in: the authorization code flow with PKCE
//! (S256), against a provider found by discovery.
//!
//! [`Oidc::begin`] gives the URL to send the browser to and a [`PendingLogin`] to keep (in
//! the encrypted session cookie) until the provider sends the browser back;
//! [`Oidc::finish`] checks the returned `state`, exchanges the code at the token endpoint and
//! verifies the ID token (signature by a key of the provider's JWKS, issuer, audience,
//! expiry, nonce) before it names the [`Identity`].
//!
//! Provider calls time out after 10 seconds and follow no redirects. Errors never carry
//! secrets, codes or tokens.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// How long one call to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Clock skew allowed on `exp` and `nbf`, seconds.
const LEEWAY_SECS: u64 = 60;
/// The ID token signatures we accept (and that jsonwebtoken verifies with RustCrypto).
const SUPPORTED_ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// Settings from the environment: `OIDC_ISSUER` (an https URL, or http on 127.0.0.1,
/// `localhost` or `[::1]` for tests), `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` (optional: without
/// it we are a public client, protected by PKCE alone), `OIDC_REDIRECT_URL` (the full URL of
/// our `/signin/callback`), `OIDC_SCOPES` (optional, space-separated, default
/// `openid profile`), `OIDC_ROLES_CLAIM` (default `roles`), `OIDC_OFFICE_CLAIM` (default
/// `office`).
///
/// A claim name is first looked up as it is; when absent and it contains dots, as a path
/// into nested objects (`realm_access.roles` for Keycloak).
///
/// `Debug` leaves the client secret out.
#[derive(Clone)]
pub struct OidcSettings {
    /// The provider's issuer identifier, exactly as its discovery document and ID tokens
    /// name it.
    pub issuer: String,
    /// Our client id at the provider; also the audience of the ID tokens.
    pub client_id: String,
    /// Our client secret, for a confidential client.
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back (registered at the provider).
    pub redirect_url: String,
    /// Scopes asked for; always includes `openid`.
    pub scopes: Vec<String>,
    /// The claim holding the user's roles (an array of strings or a space-separated string).
    pub roles_claim: String,
    /// The claim holding the user's office code (a string).
    pub office_claim: String,
}

impl fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("roles_claim", &self.roles_claim)
            .field("office_claim", &self.office_claim)
            .finish()
    }
}

impl OidcSettings {
    /// Reads the settings through `get` (`std::env::var(..).ok()` in production). `None`
    /// when `OIDC_ISSUER` is unset or empty (no web sign-in); an error names the missing or
    /// invalid variable.
    ///
    /// # Errors
    /// A required variable missing, or a URL, scope list or claim name that cannot work.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(issuer) = get("OIDC_ISSUER") else { return Ok(None) };
        check_url(&issuer).map_err(|reason| format!("OIDC_ISSUER: {reason}"))?;
        let client_id = get("OIDC_CLIENT_ID").ok_or("OIDC_CLIENT_ID: missing (OIDC_ISSUER is set)")?;
        let client_secret = get("OIDC_CLIENT_SECRET");
        let redirect_url = get("OIDC_REDIRECT_URL").ok_or("OIDC_REDIRECT_URL: missing (OIDC_ISSUER is set)")?;
        check_url(&redirect_url).map_err(|reason| format!("OIDC_REDIRECT_URL: {reason}"))?;
        let scopes: Vec<String> = match get("OIDC_SCOPES") {
            Some(s) => s.split_whitespace().map(str::to_owned).collect(),
            None => vec!["openid".to_owned(), "profile".to_owned()],
        };
        if !scopes.iter().any(|s| s == "openid") {
            return Err("OIDC_SCOPES: must include openid".to_owned());
        }
        let roles_claim = get("OIDC_ROLES_CLAIM").unwrap_or_else(|| "roles".to_owned());
        let office_claim = get("OIDC_OFFICE_CLAIM").unwrap_or_else(|| "office".to_owned());
        Ok(Some(Self { issuer, client_id, client_secret, redirect_url, scopes, roles_claim, office_claim }))
    }
}

/// Whether `url` may name the provider or us: https, or plain http on the loopback only.
fn check_url(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if parsed.fragment().is_some() {
        return Err("must not have a fragment".to_owned());
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) => Ok(parsed),
        _ => Err(format!("{url} must be https (plain http only on 127.0.0.1 or localhost)")),
    }
}

/// Why a sign-in failed. The text is English and safe to log: it never holds a secret, an
/// authorization code or a token.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached, or answered with something other than what
    /// discovery needs (including an issuer other than the configured one).
    #[error("identity provider discovery failed: {0}")]
    Discovery(String),
    /// A call to the provider (token endpoint or JWKS) failed on the way: connection,
    /// timeout, an unexpected status or an unreadable body.
    #[error("identity provider unreachable: {0}")]
    Unreachable(String),
    /// The `state` that came back is not the one this browser's sign-in started with.
    #[error("sign-in state does not match the one this browser started with")]
    StateMismatch,
    /// The token endpoint refused the code; `error` is the OAuth error code it gave
    /// (`invalid_grant`, `invalid_client`, ...).
    #[error("identity provider refused the sign-in: {error}")]
    TokenRefused {
        /// The OAuth `error` code.
        error: String,
    },
    /// The ID token did not pass verification.
    #[error("ID token invalid: {0}")]
    IdToken(#[from] InvalidIdToken),
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidIdToken {
    /// The token response held no ID token.
    #[error("the token response has no id_token")]
    Missing,
    /// Not a well-formed JWS, or claims that are not a JSON object.
    #[error("malformed token")]
    Malformed,
    /// Signed with an algorithm we or the provider do not accept (`none` and HMAC included).
    #[error("signature algorithm {0} not accepted")]
    Algorithm(String),
    /// No key of the provider's JWKS (even refetched) matches the token's `kid`.
    #[error("signed by a key the provider does not publish")]
    UnknownKey,
    /// The signature does not verify with the provider's key.
    #[error("bad signature")]
    Signature,
    /// `iss` is not the provider.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` does not name our client id (or `azp` names another party).
    #[error("wrong audience")]
    Audience,
    /// `exp` has passed.
    #[error("expired")]
    Expired,
    /// `nbf` is still ahead.
    #[error("not yet valid")]
    NotYetValid,
    /// `nonce` is missing or not the one this sign-in sent.
    #[error("nonce does not match")]
    Nonce,
    /// A required claim is missing.
    #[error("claim {0} missing")]
    MissingClaim(String),
    /// A claim has the wrong type (for example roles that are not strings).
    #[error("claim {0} has the wrong type")]
    ClaimType(String),
}

/// Who signed in, from the verified ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The provider's subject identifier.
    pub sub: String,
    /// Display name: the `name` claim, else `preferred_username`, else `sub`.
    pub name: String,
    /// Roles from the configured roles claim (empty when absent).
    pub roles: Vec<String>,
    /// Office code from the configured office claim (empty when absent).
    pub office: String,
}

/// What must be kept between [`Oidc::begin`] and [`Oidc::finish`], in the encrypted session
/// cookie: all three are secrets of this one sign-in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    /// Sent as `state`; must come back unchanged.
    pub state: String,
    /// Sent as `nonce`; the ID token must carry it.
    pub nonce: String,
    /// The PKCE code verifier; its S256 challenge went to the provider.
    pub verifier: String,
}

/// How we authenticate at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientAuth {
    /// Public client: `client_id` in the body, PKCE only.
    None,
    /// HTTP Basic with the form-encoded id and secret.
    Basic,
    /// `client_id` and `client_secret` in the body.
    Post,
}

/// The fields of the discovery document we use.
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    id_token_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
}

/// The OpenID provider as discovered: its endpoints, its signing keys and the HTTP client
/// to reach it. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct Oidc {
    inner: Arc<Inner>,
}

struct Inner {
    settings: OidcSettings,
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
    client_auth: ClientAuth,
    algorithms: Vec<Algorithm>,
    jwks: RwLock<Arc<JwkSet>>,
    http: reqwest::Client,
}

impl fmt::Debug for Oidc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.inner.settings.issuer)
            .field("client_id", &self.inner.settings.client_id)
            .field("client_auth", &self.inner.client_auth)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    /// Reads `{issuer}/.well-known/openid-configuration`, checks that it names
    /// `settings.issuer` as its issuer and offers what we need, and fetches the JWKS.
    ///
    /// # Errors
    /// [`OidcError::Discovery`] when the provider is unreachable or its metadata or keys
    /// are unusable.
    pub async fn discover(settings: OidcSettings) -> Result<Self, OidcError> {
        let bad = OidcError::Discovery;
        check_url(&settings.issuer).map_err(bad)?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("edu-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad(format!("HTTP client: {e}")))?;
        let url = format!("{}/.well-known/openid-configuration", settings.issuer.trim_end_matches('/'));
        let metadata: Metadata = get_json(&http, &url).await.map_err(bad)?;
        if metadata.issuer != settings.issuer {
            return Err(bad(format!("{url} names issuer {}, not {}", metadata.issuer, settings.issuer)));
        }
        let endpoint = |name: &str, value: &str| check_url(value).map_err(|reason| bad(format!("{name}: {reason}")));
        let authorization_endpoint = endpoint("authorization_endpoint", &metadata.authorization_endpoint)?;
        let token_endpoint = endpoint("token_endpoint", &metadata.token_endpoint)?;
        let jwks_uri = endpoint("jwks_uri", &metadata.jwks_uri)?;
        if metadata.code_challenge_methods_supported.as_ref().is_some_and(|m| !m.iter().any(|m| m == "S256")) {
            return Err(bad("the provider does not support PKCE with S256".to_owned()));
        }
        let client_auth =
            client_auth(settings.client_secret.is_some(), &metadata.token_endpoint_auth_methods_supported)
                .map_err(bad)?;
        let algorithms: Vec<Algorithm> = match &metadata.id_token_signing_alg_values_supported {
            None => SUPPORTED_ALGORITHMS.to_vec(),
            Some(offered) => {
                SUPPORTED_ALGORITHMS.into_iter().filter(|a| offered.iter().any(|o| o == alg_name(*a))).collect()
            }
        };
        if algorithms.is_empty() {
            return Err(bad("the provider signs ID tokens with none of RS256, ES256, EdDSA".to_owned()));
        }
        let jwks: JwkSet = get_json(&http, jwks_uri.as_str()).await.map_err(bad)?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                authorization_endpoint,
                token_endpoint,
                jwks_uri,
                client_auth,
                algorithms,
                jwks: RwLock::new(Arc::new(jwks)),
                http,
            }),
        })
    }

    /// The settings this client was discovered with.
    #[must_use]
    pub fn settings(&self) -> &OidcSettings {
        &self.inner.settings
    }

    /// Starts a login: the URL to send the browser to, and what must be kept (in the
    /// encrypted session cookie) until the callback.
    ///
    /// # Panics
    /// When the operating system's random source fails (no sign-in can be safe then).
    #[must_use]
    pub fn begin(&self) -> (String, PendingLogin) {
        let pending = PendingLogin { state: random_token(), nonce: random_token(), verifier: random_token() };
        let settings = &self.inner.settings;
        let mut url = self.inner.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &settings.redirect_url)
            .append_pair("scope", &settings.scopes.join(" "))
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &pkce_challenge(&pending.verifier))
            .append_pair("code_challenge_method", "S256");
        (url.into(), pending)
    }

    /// Finishes it: checks `state` against `pending` (in constant time), exchanges `code`
    /// with the PKCE verifier (authenticating with the client secret when one is set) and
    /// verifies the ID token: signature by the provider's key named by `kid` (the JWKS is
    /// refetched once when the `kid` is unknown, for key rotation), algorithm, `iss`, `aud`,
    /// `exp`, `nonce`.
    ///
    /// # Errors
    /// [`OidcError::StateMismatch`], [`OidcError::TokenRefused`] with the provider's OAuth
    /// error code, [`OidcError::Unreachable`], or [`OidcError::IdToken`] saying why.
    pub async fn finish(&self, pending: &PendingLogin, code: &str, state: &str) -> Result<Identity, OidcError> {
        if !constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
            return Err(OidcError::StateMismatch);
        }
        let id_token = self.exchange(code, &pending.verifier).await?;
        let claims = self.verify(&id_token, &pending.nonce).await?;
        Ok(identity(&claims, &self.inner.settings)?)
    }

    /// The authorization code for an ID token at the token endpoint.
    async fn exchange(&self, code: &str, verifier: &str) -> Result<String, OidcError> {
        let inner = &*self.inner;
        let settings = &inner.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", settings.redirect_url.as_str()),
            ("code_verifier", verifier),
        ];
        let mut request = inner.http.post(inner.token_endpoint.clone()).header("accept", "application/json");
        match (inner.client_auth, &settings.client_secret) {
            (ClientAuth::Basic, Some(secret)) => {
                // RFC 6749 2.3.1: both are form-encoded before they are joined.
                let credentials = format!("{}:{}", form_encode(&settings.client_id), form_encode(secret));
                request = request.header("authorization", format!("Basic {}", STANDARD.encode(credentials)));
            }
            (ClientAuth::Post, Some(secret)) => {
                form.push(("client_id", settings.client_id.as_str()));
                form.push(("client_secret", secret.as_str()));
            }
            _ => form.push(("client_id", settings.client_id.as_str())),
        }
        let url = inner.token_endpoint.as_str();
        let response = request.form(&form).send().await.map_err(|e| unreachable(url, &e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unreachable(url, &e))?;
        if status.is_success() {
            #[derive(Deserialize)]
            struct TokenResponse {
                id_token: Option<String>,
            }
            let parsed: TokenResponse = serde_json::from_slice(&body)
                .map_err(|_| OidcError::Unreachable(format!("{url}: the token response is not JSON")))?;
            return parsed.id_token.ok_or(OidcError::IdToken(InvalidIdToken::Missing));
        }
        #[derive(Deserialize)]
        struct ErrorResponse {
            error: String,
        }
        match serde_json::from_slice::<ErrorResponse>(&body) {
            Ok(e) if status.is_client_error() => Err(OidcError::TokenRefused { error: oauth_error_code(&e.error) }),
            _ => Err(OidcError::Unreachable(format!("{url} answered {status}"))),
        }
    }

    /// Verifies the ID token and returns its claims.
    async fn verify(&self, token: &str, nonce: &str) -> Result<Map<String, Value>, InvalidIdToken> {
        let inner = &*self.inner;
        let header = jsonwebtoken::decode_header(token).map_err(|_| InvalidIdToken::Malformed)?;
        if !inner.algorithms.contains(&header.alg) {
            return Err(InvalidIdToken::Algorithm(alg_name(header.alg).to_owned()));
        }
        let key = match self.key_for(header.kid.as_deref(), header.alg) {
            Some(key) => key,
            None => {
                // Perhaps the provider rotated its keys since we last looked: once more.
                self.refresh_jwks().await;
                self.key_for(header.kid.as_deref(), header.alg).ok_or(InvalidIdToken::UnknownKey)?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&inner.settings.issuer]);
        validation.set_audience(&[&inner.settings.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| id_token_problem(e.kind()))?
            .claims;
        if !claims.get("iat").is_some_and(Value::is_number) {
            return Err(InvalidIdToken::MissingClaim("iat".to_owned()));
        }
        // OIDC Core 3.1.3.7: with several audiences, azp must name us; when present, always.
        let several_audiences = claims.get("aud").and_then(Value::as_array).is_some_and(|a| a.len() > 1);
        match claims.get("azp") {
            Some(Value::String(azp)) if *azp != inner.settings.client_id => return Err(InvalidIdToken::Audience),
            None if several_audiences => return Err(InvalidIdToken::Audience),
            _ => {}
        }
        match claims.get("nonce") {
            Some(Value::String(n)) if constant_time_eq(n.as_bytes(), nonce.as_bytes()) => Ok(claims),
            _ => Err(InvalidIdToken::Nonce),
        }
    }

    /// The key of the current JWKS that verifies `alg` and is named `kid` (or, for a token
    /// without `kid`, the only such key).
    fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        let jwks = self.inner.jwks.read().map_or_else(|poisoned| poisoned.into_inner().clone(), |g| g.clone());
        let usable = |jwk: &&Jwk| {
            jwk.common.public_key_use.as_ref().is_none_or(|u| *u == PublicKeyUse::Signature)
                && jwk.common.key_algorithm.is_none_or(|a| key_algorithm_matches(a, alg))
        };
        let jwk = match kid {
            Some(kid) => jwks.keys.iter().filter(usable).find(|k| k.common.key_id.as_deref() == Some(kid))?,
            None => {
                let mut candidates = jwks
                    .keys
                    .iter()
                    .filter(usable)
                    .filter(|k| DecodingKey::from_jwk(k).is_ok_and(|d| d.family() == alg.family()));
                let only = candidates.next()?;
                if candidates.next().is_some() {
                    return None;
                }
                only
            }
        };
        DecodingKey::from_jwk(jwk).ok().filter(|key| key.family() == alg.family())
    }

    /// Fetches the JWKS anew; on failure the keys we had stay.
    async fn refresh_jwks(&self) {
        let inner = &*self.inner;
        match get_json::<JwkSet>(&inner.http, inner.jwks_uri.as_str()).await {
            Ok(jwks) => match inner.jwks.write() {
                Ok(mut guard) => *guard = Arc::new(jwks),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(jwks),
            },
            Err(reason) => tracing::warn!(%reason, "OpenID provider keys not refreshed"),
        }
    }
}

/// How to authenticate at the token endpoint, given whether we have a secret and what the
/// provider offers (absent means `client_secret_basic`, RFC 8414).
fn client_auth(has_secret: bool, offered: &Option<Vec<String>>) -> Result<ClientAuth, String> {
    if !has_secret {
        return Ok(ClientAuth::None);
    }
    let offers = |m: &str| offered.as_ref().is_none_or(|o| o.iter().any(|x| x == m));
    if offers("client_secret_basic") {
        Ok(ClientAuth::Basic)
    } else if offered.as_ref().is_some_and(|o| o.iter().any(|x| x == "client_secret_post")) {
        Ok(ClientAuth::Post)
    } else {
        Err("the token endpoint takes neither client_secret_basic nor client_secret_post".to_owned())
    }
}

/// GETs `url` and reads its JSON body; the error says what went wrong, with the URL.
async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> Result<T, String> {
    let response = http.get(url).header("accept", "application/json").send().await.map_err(|e| reason(url, &e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    let body = response.bytes().await.map_err(|e| reason(url, &e))?;
    serde_json::from_slice(&body).map_err(|e| format!("{url}: unreadable JSON ({e})"))
}

/// A reqwest error as text without its URL (which we give ourselves).
fn reason(url: &str, error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() { format!("{url}: {kind}") } else { format!("{url}: {kind} ({detail})") }
}

fn unreachable(url: &str, error: &reqwest::Error) -> OidcError {
    OidcError::Unreachable(reason(url, error))
}

/// The provider's OAuth error code, kept to the characters RFC 6749 allows and a sane length
/// so that whatever the provider sends cannot smuggle anything into our logs.
fn oauth_error_code(code: &str) -> String {
    let clean: String = code.chars().filter(|c| matches!(c, ' '..='~') && *c != '"' && *c != '\\').take(64).collect();
    if clean.is_empty() { "unknown_error".to_owned() } else { clean }
}

/// A jsonwebtoken failure as our reason.
fn id_token_problem(kind: &jsonwebtoken::errors::ErrorKind) -> InvalidIdToken {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::InvalidSignature | K::InvalidEcdsaKey | K::InvalidEddsaKey | K::InvalidRsaKey(_) | K::InvalidKeyFormat => {
            InvalidIdToken::Signature
        }
        K::ExpiredSignature => InvalidIdToken::Expired,
        K::ImmatureSignature => InvalidIdToken::NotYetValid,
        K::InvalidIssuer => InvalidIdToken::Issuer,
        K::InvalidAudience => InvalidIdToken::Audience,
        K::MissingRequiredClaim(claim) => InvalidIdToken::MissingClaim(claim.clone()),
        K::InvalidClaimFormat(claim) => InvalidIdToken::ClaimType(claim.clone()),
        K::InvalidAlgorithm | K::UnsupportedAlgorithm | K::InvalidAlgorithmName => {
            InvalidIdToken::Algorithm("unsupported".to_owned())
        }
        _ => InvalidIdToken::Malformed,
    }
}

/// The JOSE name of an algorithm we support.
fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::RS256 => "RS256",
        Algorithm::ES256 => "ES256",
        Algorithm::EdDSA => "EdDSA",
        _ => "other",
    }
}

/// Whether a JWK's `alg` allows verifying `alg`.
fn key_algorithm_matches(key: KeyAlgorithm, alg: Algorithm) -> bool {
    matches!(
        (key, alg),
        (KeyAlgorithm::RS256, Algorithm::RS256)
            | (KeyAlgorithm::ES256, Algorithm::ES256)
            | (KeyAlgorithm::EdDSA, Algorithm::EdDSA)
    )
}

/// The identity the verified claims name.
fn identity(claims: &Map<String, Value>, settings: &OidcSettings) -> Result<Identity, InvalidIdToken> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
    let sub = text("sub").ok_or_else(|| InvalidIdToken::MissingClaim("sub".to_owned()))?.to_owned();
    let name = text("name").or_else(|| text("preferred_username")).unwrap_or(&sub).to_owned();
    let roles = match claim(claims, &settings.roles_claim) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| InvalidIdToken::ClaimType(settings.roles_claim.clone()))?,
        Some(_) => return Err(InvalidIdToken::ClaimType(settings.roles_claim.clone())),
    };
    let office = match claim(claims, &settings.office_claim) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(InvalidIdToken::ClaimType(settings.office_claim.clone())),
    };
    Ok(Identity { sub, name, roles, office })
}

/// A claim by its name, or else by its dotted path into nested objects.
fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut parts = name.split('.');
    let mut value = claims.get(parts.next()?)?;
    for part in parts {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
}

/// The PKCE S256 challenge of `verifier`: base64url, unpadded, of its SHA-256 (RFC 7636 4.2).
#[must_use]
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes as 43 characters of base64url: a state, nonce or PKCE verifier.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random source failed: {e}");
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Equality whose time depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    const BASE: [(&str, &str); 3] = [
        ("OIDC_ISSUER", "https://id.example.edu.cn/realms/edu"),
        ("OIDC_CLIENT_ID", "edu-web"),
        ("OIDC_REDIRECT_URL", "https://cases.example.edu.cn/signin/callback"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)).collect();
        pairs.extend_from_slice(extra);
        pairs
    }

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_43_url_safe_characters_and_differ() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{a}");
        assert_ne!(a, random_token());
    }

    #[test]
    fn no_issuer_means_no_web_sign_in() {
        assert!(OidcSettings::from_env(env(&[])).unwrap().is_none());
        assert!(OidcSettings::from_env(env(&[("OIDC_ISSUER", " ")])).unwrap().is_none());
    }

    #[test]
    fn settings_take_defaults() {
        let s = OidcSettings::from_env(env(&BASE)).unwrap().unwrap();
        assert_eq!(s.issuer, "https://id.example.edu.cn/realms/edu");
        assert_eq!(s.client_id, "edu-web");
        assert_eq!(s.client_secret, None);
        assert_eq!(s.redirect_url, "https://cases.example.edu.cn/signin/callback");
        assert_eq!(s.scopes, ["openid", "profile"]);
        assert_eq!(s.roles_claim, "roles");
        assert_eq!(s.office_claim, "office");
    }

    #[test]
    fn settings_take_overrides_and_hide_the_secret() {
        let s = OidcSettings::from_env(env(&with(&[
            ("OIDC_CLIENT_SECRET", "s3cret"),
            ("OIDC_SCOPES", "openid  email profile"),
            ("OIDC_ROLES_CLAIM", "realm_access.roles"),
            ("OIDC_OFFICE_CLAIM", "org"),
        ])))
        .unwrap()
        .unwrap();
        assert_eq!(s.client_secret.as_deref(), Some("s3cret"));
        assert_eq!(s.scopes, ["openid", "email", "profile"]);
        assert_eq!(s.roles_claim, "realm_access.roles");
        assert_eq!(s.office_claim, "org");
        let debug = format!("{s:?}");
        assert!(!debug.contains("s3cret") && debug.contains("redacted"), "{debug}");
    }

    #[test]
    fn settings_errors_name_the_variable() {
        let err = |pairs: &[(&str, &str)]| OidcSettings::from_env(env(pairs)).unwrap_err();
        assert!(err(&[("OIDC_ISSUER", "https://id.example")]).starts_with("OIDC_CLIENT_ID:"));
        assert!(
            err(&[("OIDC_ISSUER", "https://id.example"), ("OIDC_CLIENT_ID", "c")]).starts_with("OIDC_REDIRECT_URL:")
        );
        assert!(err(&with(&[("OIDC_ISSUER", "http://id.example.edu.cn")])).starts_with("OIDC_ISSUER:"));
        assert!(err(&with(&[("OIDC_ISSUER", "not a url")])).starts_with("OIDC_ISSUER:"));
        assert!(err(&with(&[("OIDC_REDIRECT_URL", "/signin/callback")])).starts_with("OIDC_REDIRECT_URL:"));
        assert!(err(&with(&[("OIDC_SCOPES", "profile email")])).starts_with("OIDC_SCOPES:"));
    }

    #[test]
    fn plain_http_only_on_the_loopback() {
        for ok in ["http://127.0.0.1:8080", "http://localhost/x", "http://[::1]:9", "https://id.example"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in ["http://10.0.0.1", "http://id.example", "ftp://id.example", "https://id.example/#x"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_authentication_follows_what_the_provider_offers() {
        let offered = |m: &[&str]| Some(m.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(client_auth(false, &offered(&["client_secret_basic"])), Ok(ClientAuth::None));
        assert_eq!(client_auth(true, &None), Ok(ClientAuth::Basic));
        assert_eq!(client_auth(true, &offered(&["client_secret_post", "client_secret_basic"])), Ok(ClientAuth::Basic));
        assert_eq!(client_auth(true, &offered(&["client_secret_post"])), Ok(ClientAuth::Post));
        assert!(client_auth(true, &offered(&["private_key_jwt"])).is_err());
    }

    #[test]
    fn identity_from_claims() {
        let settings =
            OidcSettings::from_env(env(&with(&[("OIDC_ROLES_CLAIM", "realm_access.roles")]))).unwrap().unwrap();
        let claims = |v: Value| v.as_object().unwrap().clone();
        let full = claims(serde_json::json!({"sub": "u1", "name": "张三", "preferred_username": "zhangsan",
            "realm_access": {"roles": ["bureau_registrar", "auditor"]}, "office": "110105"}));
        assert_eq!(
            identity(&full, &settings).unwrap(),
            Identity {
                sub: "u1".into(),
                name: "张三".into(),
                roles: vec!["bureau_registrar".into(), "auditor".into()],
                office: "110105".into()
            }
        );
        let spaced = claims(serde_json::json!({"sub": "u2", "preferred_username": "li", "realm_access.roles": "a b"}));
        let id = identity(&spaced, &settings).unwrap();
        assert_eq!((id.name.as_str(), id.roles, id.office.as_str()), ("li", vec!["a".to_owned(), "b".to_owned()], ""));
        let bare = claims(serde_json::json!({"sub": "u3", "name": ""}));
        assert_eq!(identity(&bare, &settings).unwrap().name, "u3");
        let bad_roles = claims(serde_json::json!({"sub": "u4", "realm_access": {"roles": [1]}}));
        assert_eq!(identity(&bad_roles, &settings), Err(InvalidIdToken::ClaimType("realm_access.roles".into())));
        let bad_office = claims(serde_json::json!({"sub": "u5", "office": 110105}));
        assert_eq!(identity(&bad_office, &settings), Err(InvalidIdToken::ClaimType("office".into())));
    }

    #[test]
    fn helpers() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert_eq!(form_encode("a b:c%d/é"), "a+b%3Ac%25d%2F%C3%A9");
        assert_eq!(oauth_error_code("invalid_grant"), "invalid_grant");
        assert_eq!(oauth_error_code("bad\n\"x\""), "badx");
        assert_eq!(oauth_error_code(""), "unknown_error");
    }
}
