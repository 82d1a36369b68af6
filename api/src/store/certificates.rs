//! E-licences (电子证照): issued in the transaction of the step that asks for them, numbered
//! by the service's pattern, signed with Ed25519. Anyone holding the published public key
//! can check a certificate without asking us: the signature covers the exact body text.

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use engine::case::CaseState;
use engine::certificate::NumberPattern;

use super::sql::{instant, is_version_conflict, millis, one};
use super::writes::Writes;
use super::{Store, StoreError};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// The signing key of this installation.
#[derive(Clone)]
pub struct CertificateKey(SigningKey);

impl std::fmt::Debug for CertificateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateKey({})", self.public_hex())
    }
}

impl CertificateKey {
    /// From a 32-byte seed.
    #[must_use]
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// A fresh random key.
    ///
    /// # Errors
    /// The operating system has no random source.
    pub fn generate() -> Result<Self, String> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| format!("random source: {e}"))?;
        Ok(Self::from_seed(seed))
    }

    /// The seed, hex (what `CERT_SIGNING_KEY` and the key file hold).
    #[must_use]
    pub fn seed_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// From 64 hex digits.
    ///
    /// # Errors
    /// Not 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text.trim()).map_err(|e| format!("not hex: {e}"))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| "an Ed25519 seed is 32 bytes (64 hex digits)".to_owned())?;
        Ok(Self::from_seed(seed))
    }

    /// The public key, hex of its 32 bytes.
    #[must_use]
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    /// The public key as a PEM SubjectPublicKeyInfo (`openssl pkeyutl -verify` reads it).
    #[must_use]
    pub fn public_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.0.verifying_key().to_bytes());
        format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", base64(&der))
    }

    fn sign(&self, body: &str) -> String {
        hex::encode(self.0.sign(body.as_bytes()).to_bytes())
    }

    /// Whether `signature` (hex) is this key's over `body`.
    #[must_use]
    pub fn verifies(&self, body: &str, signature: &str) -> bool {
        let key: VerifyingKey = self.0.verifying_key();
        let Ok(bytes) = hex::decode(signature) else { return false };
        let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else { return false };
        key.verify(body.as_bytes(), &Signature::from_bytes(&bytes)).is_ok()
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A stored certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// 证照编号.
    pub number: String,
    /// The case it was issued on.
    pub case_id: String,
    /// Service code.
    pub service: String,
    /// The signed body: JSON text, signed byte for byte.
    pub body: String,
    /// Ed25519 signature over `body`, hex.
    pub signature: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The holder named on a certificate (and on a credit record), and whether it is a person
/// (a teacher) or an organisation (a school, a training institution).
pub(super) fn holder(case: &CaseState) -> (String, &'static str) {
    [
        ("institution_name", "organisation"),
        ("school_name", "organisation"),
        ("name", "person"),
        ("organiser_name", "organisation"),
    ]
    .iter()
    .find_map(|(f, kind)| case.form.get(*f).and_then(|v| v.as_str()).map(|h| (h.to_owned(), *kind)))
    .unwrap_or_default()
}

impl Store {
    /// The key certificates are signed with.
    #[must_use]
    pub fn certificate_key(&self) -> &CertificateKey {
        &self.certificate_key
    }

    /// Issues a certificate inside the command's transaction: the next number of the
    /// pattern's scope, the body, the signature. Returns the number and the body.
    pub(super) async fn issue_certificate(
        &self,
        w: &mut Writes<'_>,
        case: &CaseState,
        licence: &str,
        pattern: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, serde_json::Value), StoreError> {
        let pattern = NumberPattern::parse(pattern).map_err(StoreError::Corrupt)?;
        // The year of issue in China's time zone.
        let year = FixedOffset::east_opt(8 * 3600).map_or(now.year(), |china| now.with_timezone(&china).year());
        let scope = pattern.scope(&case.office, year);
        w.flush().await.map_err(|e| if is_version_conflict(&e) { StoreError::Conflict } else { e.into() })?;
        let row = one(
            w.txn(),
            "INSERT INTO certificate_counters (scope, last) VALUES ($1, 1) \
             ON CONFLICT (scope) DO UPDATE SET last = certificate_counters.last + 1 RETURNING last",
            vec![scope.into()],
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt("certificate counter returned nothing".to_owned()))?;
        let seq: i64 = row.try_get("", "last")?;
        let number = pattern.number(&case.office, year, u64::try_from(seq).unwrap_or(0));
        let (holder, holder_kind) = holder(case);
        let body = serde_json::json!({
            "number": number,
            "licence": licence,
            "holder": holder,
            "holder_kind": holder_kind,
            "service": case.service,
            "office": case.office,
            "case_id": case.id,
            "issued_at": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        let text = body.to_string();
        w.push(
            "INSERT INTO certificates (number, case_id, service_code, body, signature, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                number.clone().into(),
                case.id.clone().into(),
                case.service.clone().into(),
                text.clone().into(),
                self.certificate_key.sign(&text).into(),
                millis(now).into(),
            ],
        )
        .await?;
        Ok((number, body))
    }

    /// One certificate by number.
    ///
    /// # Errors
    /// The database fails.
    pub async fn certificate(&self, number: &str) -> Result<Option<Certificate>, StoreError> {
        let row = one(
            &self.db,
            "SELECT number, case_id, service_code, body, signature, issued_at, revoked_at FROM certificates \
             WHERE number = $1",
            vec![number.to_owned().into()],
        )
        .await?;
        row.map(|r| certificate(&r)).transpose()
    }

    /// The certificates issued on a case, oldest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn certificates_of(&self, case_id: &str) -> Result<Vec<Certificate>, StoreError> {
        let rows = super::sql::all(
            &self.db,
            "SELECT number, case_id, service_code, body, signature, issued_at, revoked_at FROM certificates \
             WHERE case_id = $1 ORDER BY issued_at, number",
            vec![case_id.to_owned().into()],
        )
        .await?;
        rows.iter().map(certificate).collect()
    }
}

fn certificate(r: &sea_orm::QueryResult) -> Result<Certificate, StoreError> {
    Ok(Certificate {
        number: r.try_get("", "number")?,
        case_id: r.try_get("", "case_id")?,
        service: r.try_get("", "service_code")?,
        body: r.try_get("", "body")?,
        signature: r.try_get("", "signature")?,
        issued_at: instant(r.try_get("", "issued_at")?),
        revoked_at: r.try_get::<Option<i64>>("", "revoked_at")?.map(instant),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_and_tampering_does_not() {
        let key = CertificateKey::from_seed([7; 32]);
        let body = r#"{"number":"教民11010520260000001号"}"#;
        let sig = key.sign(body);
        assert!(key.verifies(body, &sig));
        assert!(!key.verifies(&body.replace('1', "2"), &sig));
        assert!(!key.verifies(body, "00"));
        let again = CertificateKey::from_hex(&key.seed_hex()).unwrap();
        assert_eq!(again.public_hex(), key.public_hex());
        assert!(CertificateKey::from_hex("abcd").is_err());
    }

    #[test]
    fn pem_is_the_spki_of_the_key() {
        // RFC 8410 §10.1's example key.
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
        let public = hex::decode("19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1").unwrap();
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&public);
        assert_eq!(format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", base64(&der)), pem);
    }
}
