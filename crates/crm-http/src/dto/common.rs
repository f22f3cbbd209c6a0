//! Small shared pieces of request parsing.

use crm_clients::model::{bounded_text, Patch};
use crm_core::{AmountError, FieldError, Money, PageRequest, Percent, Points};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Deserializer};

/// Deserialises a field that may be absent (keep), `null` (clear) or a value (set).
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A decimal number as sent (a JSON number or a numeric string), kept as text so that the
/// conversion into `Percent`, `Money` or `Points` can name the field when it is out of range
/// or has more than two fractional digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalInput(pub String);

impl<'de> Deserialize<'de> for DecimalInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Decimal;
        impl serde::de::Visitor<'_> for Decimal {
            type Value = DecimalInput;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DecimalInput, E> {
                Ok(DecimalInput(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DecimalInput, E> {
                Ok(DecimalInput(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DecimalInput, E> {
                // Rust's shortest round-trip form: exact for every decimal of up to 15 digits.
                Ok(DecimalInput(format!("{v}")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DecimalInput, E> {
                Ok(DecimalInput(v.to_owned()))
            }
        }
        deserializer.deserialize_any(Decimal)
    }
}

impl paperclip::v2::schema::TypedData for DecimalInput {
    fn data_type() -> paperclip::v2::models::DataType {
        paperclip::v2::models::DataType::Number
    }
    fn format() -> Option<paperclip::v2::models::DataTypeFormat> {
        Some(paperclip::v2::models::DataTypeFormat::Double)
    }
}

impl DecimalInput {
    /// A rate of 0–100 % with at most two fractional digits.
    pub fn percent(&self, field: &str) -> Result<Percent, FieldError> {
        Percent::parse(&self.0).map_err(|e| match e {
            AmountError::TooLarge => FieldError::new(field, "must be between 0 and 100"),
            other => FieldError::new(field, other.to_string()),
        })
    }

    /// A non-negative amount of money with at most two fractional digits.
    pub fn money(&self, field: &str) -> Result<Money, FieldError> {
        Money::parse(&self.0).map_err(|e| FieldError::new(field, e.to_string()))
    }

    /// A non-negative amount of points with at most two fractional digits.
    pub fn points(&self, field: &str) -> Result<Points, FieldError> {
        Points::parse(&self.0).map_err(|e| FieldError::new(field, e.to_string()))
    }
}

/// Collects every invalid field while a request converts into a command.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The value of a check, or `None` with its error recorded under `field` (whatever field
    /// the check itself named).
    pub fn take<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        result
            .map_err(|e| self.0.push(FieldError::new(field, e.message)))
            .ok()
    }

    /// Records an error.
    pub fn add(&mut self, field: &str, message: &str) {
        self.0.push(FieldError::new(field, message));
    }

    /// A required text: trimmed, 1 to `max` characters, no control characters.
    pub fn required_text(&mut self, field: &str, raw: &str, max: usize) -> Option<String> {
        match self.take(field, bounded_text(field, raw, max, false)) {
            Some(Some(text)) => Some(text),
            Some(None) => {
                self.add(field, "must not be empty");
                None
            }
            None => None,
        }
    }

    /// An optional text: absent keeps, `null` or blank clears, a value sets (trimmed, at most
    /// `max` characters).
    pub fn patch_text(
        &mut self,
        field: &str,
        raw: Option<Option<String>>,
        max: usize,
    ) -> Patch<String> {
        match raw {
            None => Patch::Keep,
            Some(None) => Patch::Clear,
            Some(Some(r)) => match self.take(field, bounded_text(field, &r, max, false)) {
                Some(Some(text)) => Patch::Set(text),
                Some(None) => Patch::Clear,
                None => Patch::Keep,
            },
        }
    }

    /// An optional parsed value: absent keeps, `null` clears, a value sets when it parses.
    pub fn patch<R, T>(
        &mut self,
        field: &str,
        raw: Option<Option<R>>,
        parse: impl FnOnce(R) -> Result<T, FieldError>,
    ) -> Patch<T> {
        match raw {
            None => Patch::Keep,
            Some(None) => Patch::Clear,
            Some(Some(v)) => self.take(field, parse(v)).map_or(Patch::Keep, Patch::Set),
        }
    }

    /// `Ok(value)` when nothing was recorded, else every error.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// Whether to list archived rows too (`?include_archived=true`), and the page.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct ArchivableListQuery {
    /// Include archived rows (default false).
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// Paging of a list without filters.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct PageQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// The page a query asks for, or a 422 naming `limit`.
pub fn page_request(
    limit: Option<u32>,
    offset: Option<u64>,
) -> Result<PageRequest, Vec<FieldError>> {
    PageRequest::new(limit, offset)
        .ok_or_else(|| vec![FieldError::new("limit", "must be between 1 and 500")])
}
