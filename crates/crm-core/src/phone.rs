//! [`Phone`]: a phone number normalised to E.164 (`+79161234567`).
//!
//! Accepted input: an international number (`+44 20 7946 0958`, `0044...`), or a Russian
//! domestic one (`8 916 123-45-67`, `7 916...`, `916 123 45 67`), with spaces, dashes, dots and
//! parentheses ignored. Anything else is refused, so two spellings of one number always meet
//! the same uniqueness check.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Letters or symbols other than separators.
    #[error("may contain only digits, spaces, dashes, dots, parentheses and a leading +")]
    InvalidCharacters,
    /// Not a plausible length or prefix.
    #[error("must be an international number such as +79161234567")]
    InvalidNumber,
}

/// A phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phone(String);

impl Phone {
    /// Normalises a human-typed phone number to E.164.
    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        let text = text.trim();
        let (international, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(PhoneError::InvalidCharacters),
            }
        }
        let digits = if international {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if digits.len() == 11 && (digits.starts_with('8') || digits.starts_with('7')) {
            format!("7{}", &digits[1..])
        } else if digits.len() == 10 && digits.starts_with('9') {
            format!("7{digits}")
        } else {
            return Err(PhoneError::InvalidNumber);
        };
        if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(PhoneError::InvalidNumber);
        }
        if digits.starts_with('7') && digits.len() != 11 {
            return Err(PhoneError::InvalidNumber);
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The E.164 text, e.g. `+79161234567`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a phone from storage without re-checking (it was checked when stored).
    pub fn from_trusted(e164: String) -> Self {
        Self(e164)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Phone::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl paperclip::v2::schema::TypedData for Phone {
    fn data_type() -> paperclip::v2::models::DataType {
        paperclip::v2::models::DataType::String
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_russian_and_international_spellings() {
        let expected = "+79161234567";
        for input in [
            "+7 (916) 123-45-67",
            "8 916 123 45 67",
            "79161234567",
            "9161234567",
            "+79161234567",
            "007 916 123.45.67",
        ] {
            assert_eq!(
                Phone::parse(input).map(|p| p.0),
                Ok(expected.to_owned()),
                "{input}"
            );
        }
        assert_eq!(
            Phone::parse("+44 20 7946 0958").map(|p| p.0),
            Ok("+442079460958".to_owned())
        );
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        assert_eq!(Phone::parse("call me"), Err(PhoneError::InvalidCharacters));
        assert_eq!(Phone::parse("12345"), Err(PhoneError::InvalidNumber));
        assert_eq!(Phone::parse("+7916"), Err(PhoneError::InvalidNumber));
        assert_eq!(
            Phone::parse("+1234567890123456"),
            Err(PhoneError::InvalidNumber)
        );
        assert_eq!(Phone::parse(""), Err(PhoneError::InvalidNumber));
        assert_eq!(Phone::parse("+"), Err(PhoneError::InvalidNumber));
        assert_eq!(Phone::parse("+0123456789"), Err(PhoneError::InvalidNumber));
    }
}
