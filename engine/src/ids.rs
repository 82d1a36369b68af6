//! Validated identifiers: 居民身份证号 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015).

use chrono::NaiveDate;

/// A resident identity card number with a valid birth date and check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdCardNumber(String);

/// A unified social credit code with a valid check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

/// Why an identifier is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Wrong length or characters.
    #[error("must be {0}")]
    Shape(&'static str),
    /// The embedded birth date does not exist.
    #[error("the birth date {0} does not exist")]
    BirthDate(String),
    /// The check character is wrong.
    #[error("the check character should be {expected}")]
    Check {
        /// The right one.
        expected: char,
    },
}

impl IdCardNumber {
    /// Parses and checks (ISO 7064 MOD 11-2).
    ///
    /// # Errors
    /// [`IdError`] naming the problem.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let t = text.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdError::Shape("17 digits and a digit or X"));
        }
        let birth = &t[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
            return Err(IdError::BirthDate(birth.to_owned()));
        }
        let sum: u32 = b[..17].iter().enumerate().map(|(i, d)| u32::from(d - b'0') * ((1u32 << (17 - i)) % 11)).sum();
        let expected = b"10X98765432"[(sum % 11) as usize] as char;
        if b[17] as char != expected {
            return Err(IdError::Check { expected });
        }
        Ok(Self(t))
    }

    /// The number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked for auditors: the first 6 and last 4 characters kept.
    #[must_use]
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

impl CreditCode {
    /// Parses and checks (weights 3^(i-1) mod 31).
    ///
    /// # Errors
    /// [`IdError`] naming the problem.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let t = text.trim().to_ascii_uppercase();
        let values: Option<Vec<u32>> =
            t.chars().map(|c| CREDIT_CHARS.find(c).and_then(|i| u32::try_from(i).ok())).collect();
        let Some(values) = values.filter(|v| v.len() == 18) else {
            return Err(IdError::Shape("18 characters from 0-9 and A-Y without I, O, S, V, Z"));
        };
        let mut weight = 1u32;
        let mut sum = 0u32;
        for v in &values[..17] {
            sum += v * weight;
            weight = weight * 3 % 31;
        }
        let check = (31 - sum % 31) % 31;
        let expected = CREDIT_CHARS.as_bytes()[check as usize] as char;
        if values[17] != check {
            return Err(IdError::Check { expected });
        }
        Ok(Self(t))
    }

    /// The code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_id_numbers_from_the_standard_parse() {
        assert!(IdCardNumber::parse("11010519491231002X").is_ok());
        assert!(IdCardNumber::parse("440524188001010014").is_ok());
    }

    #[test]
    fn a_wrong_check_digit_names_the_right_one() {
        assert_eq!(IdCardNumber::parse("110105194912310021"), Err(IdError::Check { expected: 'X' }));
    }

    #[test]
    fn an_impossible_birth_date_is_refused() {
        assert_eq!(IdCardNumber::parse("110105194902300021"), Err(IdError::BirthDate("19490230".into())));
        assert!(matches!(IdCardNumber::parse("12345"), Err(IdError::Shape(_))));
    }

    #[test]
    fn credit_codes_check() {
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(CreditCode::parse("91110000600037341L").is_ok());
        assert!(matches!(CreditCode::parse("91110000600037341A"), Err(IdError::Check { .. })));
        assert!(matches!(CreditCode::parse("9111000060003734IL"), Err(IdError::Shape(_))));
    }

    #[test]
    fn masking_hides_the_birth_date() {
        let id = IdCardNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110105********002X");
    }
}
