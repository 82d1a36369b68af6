//! Office codes (行政区划代码 + unit): `4` 中南 (GB/T 2260's first digit, a region),
//! `41` 河南省, `4101` 郑州市, `410105` 金水区, `410105001` a school or unit in it. An office covers itself and every office whose code
//! starts with its own, so a city sees its counties and a county its schools.

use std::fmt;

/// The longest code accepted: an 18-digit 统一社会信用代码-length unit code is already
/// more than any office uses.
const MAX_LEN: usize = 18;

/// A parsed office code: 1 to 18 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OfficeCode(String);

/// Why a text is not an office code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an office code is 1 to {MAX_LEN} digits (行政区划代码, then a unit), not `{0}`")]
pub struct OfficeCodeError(pub String);

impl OfficeCode {
    /// Parses an office code.
    ///
    /// # Errors
    /// [`OfficeCodeError`] for anything but 1 to 18 ASCII digits.
    pub fn parse(text: &str) -> Result<Self, OfficeCodeError> {
        if (1..=MAX_LEN).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(OfficeCodeError(text.chars().take(40).collect()))
        }
    }

    /// Whether `other` is this office or one of its sub-offices.
    #[must_use]
    pub fn covers(&self, other: &Self) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Whether the office written as `other` is covered; text that is not an office code
    /// is covered by nobody.
    #[must_use]
    pub fn covers_text(&self, other: &str) -> bool {
        Self::parse(other).is_ok_and(|o| self.covers(&o))
    }

    /// The digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for OfficeCode {
    type Err = OfficeCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::OfficeCode;

    fn code(text: &str) -> OfficeCode {
        OfficeCode::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_office_covers_itself_and_its_sub_offices_only() {
        assert!(code("4101").covers(&code("4101")));
        assert!(code("4101").covers(&code("410105001")));
        assert!(code("41").covers(&code("410105")));
        assert!(!code("410105").covers(&code("4101")));
        assert!(!code("4101").covers(&code("4102")));
        assert!(!code("4101").covers_text(""));
        assert!(!code("4101").covers_text("4101x"));
    }

    #[test]
    fn only_digits_of_a_sensible_length_parse() {
        for bad in ["", "41 01", "41a1", "４１", "1234567890123456789", "41%"] {
            assert!(OfficeCode::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(code("410105").as_str(), "410105");
        assert!(code("4").covers(&code("440524")), "a region covers its provinces");
    }
}
