//! [`Timestamp`]: an instant, RFC 3339 with offset on the wire, UTC in storage.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An instant in time. Serialises as RFC 3339 (`2026-11-24T10:15:00Z`); accepts any offset and
/// normalises to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Wraps an instant, normalised to UTC.
    pub fn new(at: OffsetDateTime) -> Self {
        Self(at.to_offset(UtcOffset::UTC))
    }

    /// From whole seconds since the Unix epoch; `None` when out of range.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    /// From milliseconds since the Unix epoch (the storage form); `None` when out of range.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .ok()
            .map(Self)
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Milliseconds since the Unix epoch (the storage form).
    pub fn unix_millis(self) -> i64 {
        // Any OffsetDateTime's millis fit in i64 (years ±9999).
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// The underlying `time` value (UTC).
    pub fn as_offset_date_time(self) -> OffsetDateTime {
        self.0
    }

    /// Parses RFC 3339 text.
    pub fn parse(text: &str) -> Result<Self, time::error::Parse> {
        OffsetDateTime::parse(text, &Rfc3339).map(Self::new)
    }

    /// Shifts by a number of seconds, saturating at the representable range.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(
            self.0
                .checked_add(time::Duration::seconds(seconds))
                .unwrap_or(self.0),
        )
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        Self::new(at)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0.unix_timestamp()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.0.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(|_| {
            de::Error::custom(
                "must be an RFC 3339 date-time with offset, e.g. 2026-11-24T10:00:00+03:00",
            )
        })
    }
}

#[cfg(feature = "openapi")]
impl paperclip::v2::schema::TypedData for Timestamp {
    fn data_type() -> paperclip::v2::models::DataType {
        paperclip::v2::models::DataType::String
    }
    fn format() -> Option<paperclip::v2::models::DataTypeFormat> {
        Some(paperclip::v2::models::DataTypeFormat::DateTime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_and_normalises_to_utc() {
        let at: Timestamp = serde_json::from_str("\"2026-11-24T13:00:00+03:00\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&at).expect("json"),
            "\"2026-11-24T10:00:00Z\""
        );
        assert_eq!(Timestamp::from_unix_millis(at.unix_millis()), Some(at));
        assert!(serde_json::from_str::<Timestamp>("\"2026-11-24\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }
}
