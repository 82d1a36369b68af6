//! Files, certificates and the calendar: uploads for materials, e-licence checking for
//! anyone, the working-day calendar the clocks count on.

use async_graphql::{Context, Enum, Object, SimpleObject, Upload};

use super::error::{bad_input, coded, from_store};
use super::{claims, store};
use crate::store::{Certificate, UploadError};

/// An uploaded file: cite its `sha256` in `submitCase` or `supplyMaterials`.
#[derive(SimpleObject, Debug, Clone)]
pub struct FileView {
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The type read from the content.
    pub content_type: String,
}

/// What a certificate check found.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CertificateStatus {
    /// Issued by us, signature intact, not revoked.
    Valid,
    /// Issued by us and later revoked.
    Revoked,
    /// Stored, but the signature does not match the body: do not trust it.
    Tampered,
    /// No certificate with this number was ever issued here.
    NotFound,
}

/// A certificate as anyone may check it: a person's name is shown masked.
#[derive(SimpleObject, Debug, Clone)]
pub struct CertificateCheck {
    /// The number asked about.
    pub number: String,
    /// The verdict.
    pub status: CertificateStatus,
    /// Kind of licence, e.g. 民办学校办学许可证.
    pub licence: Option<String>,
    /// Holder: a school's name in full, a person's masked.
    pub holder: Option<String>,
    /// Issuing office.
    pub office: Option<String>,
    /// When issued.
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When revoked.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A certificate in full, for those who may see its case: `body` is the exact text the
/// `signature` covers, so it can be checked offline with the published key.
#[derive(SimpleObject, Debug, Clone)]
pub struct CertificateView {
    /// 证照编号.
    pub number: String,
    /// The signed body (JSON text).
    pub body: String,
    /// Ed25519 signature over `body`, hex.
    pub signature: String,
    /// When issued.
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

impl From<Certificate> for CertificateView {
    fn from(c: Certificate) -> Self {
        Self { number: c.number, body: c.body, signature: c.signature, issued_at: c.issued_at }
    }
}

/// The key that signs certificates.
#[derive(SimpleObject, Debug, Clone)]
pub struct PublicKey {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The 32 key bytes, hex.
    pub hex: String,
    /// SubjectPublicKeyInfo PEM (also served at `/certificate-key.pem`).
    pub pem: String,
}

/// A day a notice names.
#[derive(SimpleObject, Debug, Clone)]
pub struct NamedDayView {
    /// The date.
    pub date: String,
    /// The holiday, e.g. 春节.
    pub name: String,
    /// True for a day off, false for a make-up working day (调休上班).
    pub off_day: bool,
}

/// One year of the working-day calendar.
#[derive(SimpleObject, Debug, Clone)]
pub struct CalendarYear {
    /// The year.
    pub year: i32,
    /// Region code (`CN`: the State Council's notices).
    pub region: String,
    /// True when no notice for the year is loaded: weekends only, until one is.
    pub provisional: bool,
    /// Working days in the year.
    pub working_days: i64,
    /// Holidays and make-up working days, in date order.
    pub named_days: Vec<NamedDayView>,
}

/// Masks a person's name: 张三 → 张*, 欧阳娜娜 → 欧**娜.
fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Reads of documents.
#[derive(Default)]
pub struct DocumentQuery;

#[Object]
impl DocumentQuery {
    /// 证照核验: anyone, without logging in, checks a certificate number.
    async fn verify_certificate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "证照编号, e.g. 教民41010520260000001号.")] number: String,
    ) -> async_graphql::Result<CertificateCheck> {
        let s = store(ctx);
        let Some(c) = s.certificate(number.trim()).await.map_err(from_store)? else {
            return Ok(CertificateCheck {
                number,
                status: CertificateStatus::NotFound,
                licence: None,
                holder: None,
                office: None,
                issued_at: None,
                revoked_at: None,
            });
        };
        let status = if !s.certificate_key().verifies(&c.body, &c.signature) {
            CertificateStatus::Tampered
        } else if c.revoked_at.is_some() {
            CertificateStatus::Revoked
        } else {
            CertificateStatus::Valid
        };
        let body: serde_json::Value = serde_json::from_str(&c.body).unwrap_or_default();
        let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let person = body.get("holder_kind").and_then(|v| v.as_str()) == Some("person");
        Ok(CertificateCheck {
            number: c.number,
            status,
            licence: text("licence"),
            holder: text("holder").map(|h| if person { mask_name(&h) } else { h }),
            office: text("office"),
            issued_at: Some(c.issued_at),
            revoked_at: c.revoked_at,
        })
    }

    /// The public key certificates are signed with.
    async fn certificate_public_key(&self, ctx: &Context<'_>) -> PublicKey {
        let key = store(ctx).certificate_key();
        PublicKey { algorithm: "Ed25519".to_owned(), hex: key.public_hex(), pem: key.public_pem() }
    }

    /// The working-day calendar of a year (public: applicants count their deadlines too).
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year, e.g. 2026.")] year: i32,
    ) -> async_graphql::Result<CalendarYear> {
        let calendar = store(ctx).calendar();
        let working_days = calendar.working_days_in_year(year).map_err(|e| bad_input(format!("year: {e}")))?;
        let mut named_days = Vec::new();
        let mut day = chrono::NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| bad_input("year: no such year"))?;
        while chrono::Datelike::year(&day) == year {
            if let Some(n) = calendar.named_day(day) {
                named_days.push(NamedDayView { date: day.to_string(), name: n.name.clone(), off_day: n.is_off_day });
            }
            day = day.succ_opt().ok_or_else(|| bad_input("year: no such year"))?;
        }
        Ok(CalendarYear {
            year,
            region: calendar.region().to_owned(),
            provisional: calendar.is_provisional(year),
            working_days,
            named_days,
        })
    }
}

/// Writes of documents.
#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Uploads one file (GraphQL multipart request): PDF, JPEG, PNG or OFD, at most 20 MiB.
    /// The same content uploaded again gives the same `sha256`.
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file (GraphQL multipart request).")] file: Upload,
    ) -> async_graphql::Result<FileView> {
        let who = crate::policy::actor(claims(ctx)?)?;
        let value = file.value(ctx).map_err(|e| bad_input(format!("file: {e}")))?;
        match store(ctx).save_file(&who.user, value.content.into()).await {
            Ok(f) => Ok(FileView { sha256: f.sha256, size: f.size, content_type: f.content_type }),
            Err(UploadError::Store(e)) => Err(from_store(e)),
            Err(e) => Err(coded("BAD_USER_INPUT", e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_are_masked_but_recognisable() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("李小明"), "李*明");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    }
}
