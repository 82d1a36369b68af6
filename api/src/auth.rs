//! Who is calling: JWT bearer tokens, HS256 with a shared secret, or RS256/EdDSA with an
//! identity provider's public key. Issuer, audience and expiry are always checked; `none`
//! and any algorithm other than the configured one are refused.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The role applicants hold (schools, teachers, guardians).
pub const APPLICANT: &str = "applicant";
/// Auditors: read-only, personal numbers masked.
pub const AUDITOR: &str = "auditor";
/// Admins: publish services and calendars.
pub const ADMIN: &str = "admin";

/// What a token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Roles held (`applicant`, `auditor`, `admin`, or a service role such as `window_clerk`).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Office code (行政区划 + unit); staff act in it and its sub-offices.
    #[serde(default)]
    pub office: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
    #[serde(default)]
    pub iat: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}

impl Claims {
    /// Whether the caller holds `role`.
    #[must_use]
    pub fn has(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// Why a token was refused (the client only learns "UNAUTHENTICATED").
#[derive(Debug, thiserror::Error)]
#[error("invalid token: {0}")]
pub struct AuthError(String);

/// Token checking (and, with a secret, minting for development).
#[derive(Clone)]
pub struct Auth {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys are never printed.
        f.debug_struct("Auth").field("algorithm", &self.algorithm).field("issuer", &self.issuer).finish()
    }
}

impl Auth {
    /// HS256 with a shared secret (can also mint tokens: `api token`).
    #[must_use]
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            algorithm: Algorithm::HS256,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// RS256 or EdDSA with an identity provider's public key in PEM (verify only).
    ///
    /// # Errors
    /// An unreadable key or an unsupported algorithm name.
    pub fn public_key(algorithm: &str, pem: &[u8], issuer: &str, audience: &str) -> Result<Self, AuthError> {
        let (algorithm, decoding) = match algorithm {
            "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(pem)),
            "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(pem)),
            other => return Err(AuthError(format!("unsupported algorithm {other}"))),
        };
        let decoding = decoding.map_err(|e| AuthError(e.to_string()))?;
        Ok(Self { decoding, encoding: None, algorithm, issuer: issuer.to_owned(), audience: audience.to_owned() })
    }

    /// The issuer tokens must name.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience tokens must name.
    #[must_use]
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Checks a token: signature with the configured algorithm only, expiry, issuer,
    /// audience.
    ///
    /// # Errors
    /// [`AuthError`] for anything else.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| AuthError(e.to_string()))?;
        Ok(data.claims)
    }

    /// Mints a token (HS256 set-ups only).
    ///
    /// # Errors
    /// [`AuthError`] when this set-up holds no secret.
    pub fn mint(&self, sub: &str, roles: &[String], office: &str, ttl: chrono::Duration) -> Result<String, AuthError> {
        let key = self.encoding.as_ref().ok_or_else(|| AuthError("no signing secret configured".into()))?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            name: sub.to_owned(),
            roles: roles.to_vec(),
            office: office.to_owned(),
            exp: now + ttl.num_seconds(),
            iat: now,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key).map_err(|e| AuthError(e.to_string()))
    }
}
