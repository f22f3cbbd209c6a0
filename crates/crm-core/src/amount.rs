//! Exact amounts: [`Money`] in kopecks and [`Points`] in hundredths of a point.
//!
//! Both are integer minor units. On the wire they are decimal JSON numbers in major units with
//! at most two fractional digits (`199.9` is 19 990 minor units); more precision, NaN, infinities
//! and values beyond [`MAX_MAJOR`] are rejected rather than rounded. Incoming amounts are never
//! negative; signed values (ledger deltas) are produced only by the domain.
//!
//! Why JSON numbers decode exactly: a decimal with at most 15 significant digits survives the
//! trip through `f64` and back through Rust's shortest round-trip formatting unchanged, and the
//! bound on magnitude keeps every accepted amount well inside 15 digits.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The largest amount accepted from outside, in major units (one trillion).
pub const MAX_MAJOR: i64 = 1_000_000_000_000;
const MINOR_PER_MAJOR: i64 = 100;
const MAX_MINOR: i64 = MAX_MAJOR * MINOR_PER_MAJOR;

/// Why a decimal amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a plain decimal number.
    #[error("must be a decimal number such as 199.90")]
    NotANumber,
    /// More than two digits after the point.
    #[error("must have at most 2 digits after the decimal point")]
    TooPrecise,
    /// Below zero where only non-negative amounts make sense.
    #[error("must not be negative")]
    Negative,
    /// Beyond [`MAX_MAJOR`].
    #[error("must not exceed 1000000000000")]
    TooLarge,
}

/// Parses a plain decimal (`"12"`, `"12.3"`, `"-0.05"`, `"1e2"` is refused) into minor units.
fn parse_minor(text: &str) -> Result<i64, AmountError> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(AmountError::NotANumber);
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || (digits.contains('.') && frac_part.is_empty() && int_part.is_empty())
    {
        return Err(AmountError::NotANumber);
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > 2 {
        return Err(AmountError::TooPrecise);
    }
    let int_trimmed = int_part.trim_start_matches('0');
    if int_trimmed.len() > 13 {
        return Err(AmountError::TooLarge);
    }
    let major: i64 = if int_trimmed.is_empty() {
        0
    } else {
        int_trimmed.parse().map_err(|_| AmountError::NotANumber)?
    };
    let mut frac: i64 = 0;
    for (i, b) in frac_trimmed.bytes().enumerate() {
        let digit = i64::from(b - b'0');
        frac += digit * if i == 0 { 10 } else { 1 };
    }
    let minor = major * MINOR_PER_MAJOR + frac;
    if minor > MAX_MINOR {
        return Err(AmountError::TooLarge);
    }
    Ok(if negative { -minor } else { minor })
}

fn render_minor(minor: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let major = abs / MINOR_PER_MAJOR as u64;
    let frac = abs % MINOR_PER_MAJOR as u64;
    if frac == 0 {
        write!(f, "{sign}{major}")
    } else if frac.is_multiple_of(10) {
        write!(f, "{sign}{major}.{}", frac / 10)
    } else {
        write!(f, "{sign}{major}.{frac:02}")
    }
}

macro_rules! amount_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);

            /// From integer minor units (hundredths); any sign.
            pub const fn from_minor(minor: i64) -> Self {
                Self(minor)
            }

            /// From whole major units.
            pub const fn from_major(major: i64) -> Self {
                Self(major * MINOR_PER_MAJOR)
            }

            /// Integer minor units (hundredths).
            pub const fn minor(self) -> i64 {
                self.0
            }

            /// Parses a decimal text in major units: at most two fractional digits, not
            /// negative, not beyond [`MAX_MAJOR`].
            pub fn parse(text: &str) -> Result<Self, AmountError> {
                let minor = parse_minor(text)?;
                if minor < 0 {
                    return Err(AmountError::Negative);
                }
                Ok(Self(minor))
            }

            /// Parses a decimal text that may be negative (an adjustment).
            pub fn parse_signed(text: &str) -> Result<Self, AmountError> {
                parse_minor(text).map(Self)
            }

            /// Whether the amount is exactly zero.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// Whether the amount is below zero.
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }

            /// Sum, or `None` on overflow.
            pub fn checked_add(self, other: Self) -> Option<Self> {
                self.0.checked_add(other.0).map(Self)
            }

            /// Difference, or `None` on overflow.
            pub fn checked_sub(self, other: Self) -> Option<Self> {
                self.0.checked_sub(other.0).map(Self)
            }

            /// The smaller of two amounts.
            pub fn min(self, other: Self) -> Self {
                Self(self.0.min(other.0))
            }

            /// The amount, or zero if it is negative.
            pub fn max_zero(self) -> Self {
                Self(self.0.max(0))
            }

            /// The amount with its sign flipped.
            pub const fn negate(self) -> Self {
                Self(-self.0)
            }

            /// Decodes a JSON number as the `f64` serde gives and checks it holds at most two
            /// fractional digits (see the module docs for why this is exact).
            fn from_f64(value: f64) -> Result<Self, AmountError> {
                if !value.is_finite() {
                    return Err(AmountError::NotANumber);
                }
                if value.abs() > MAX_MAJOR as f64 {
                    return Err(if value < 0.0 { AmountError::Negative } else { AmountError::TooLarge });
                }
                Self::parse(&format!("{value}"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                render_minor(self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = AmountError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl std::ops::Add for $name {
            type Output = Self;
            fn add(self, other: Self) -> Self {
                Self(self.0.saturating_add(other.0))
            }
        }

        impl std::ops::Sub for $name {
            type Output = Self;
            fn sub(self, other: Self) -> Self {
                Self(self.0.saturating_sub(other.0))
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::ZERO, |a, b| a + b)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // Minor units are bounded far below 2^53, so the division is the exact decimal.
                serializer.serialize_f64(self.0 as f64 / MINOR_PER_MAJOR as f64)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct AmountVisitor;
                impl de::Visitor<'_> for AmountVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "{} as a decimal number with at most 2 fractional digits", $what)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        if v > MAX_MAJOR as u64 {
                            return Err(E::custom(AmountError::TooLarge));
                        }
                        Ok($name(v as i64 * MINOR_PER_MAJOR))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        if v < 0 {
                            return Err(E::custom(AmountError::Negative));
                        }
                        self.visit_u64(v as u64)
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        $name::from_f64(v).map_err(E::custom)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).map_err(E::custom)
                    }
                }
                deserializer.deserialize_any(AmountVisitor)
            }
        }

        #[cfg(feature = "openapi")]
        impl paperclip::v2::schema::TypedData for $name {
            fn data_type() -> paperclip::v2::models::DataType {
                paperclip::v2::models::DataType::Number
            }
            fn format() -> Option<paperclip::v2::models::DataTypeFormat> {
                Some(paperclip::v2::models::DataTypeFormat::Double)
            }
        }
    };
}

amount_type!(
    /// An exact sum of money in kopecks (hundredths of the currency unit).
    Money,
    "an amount of money"
);
amount_type!(
    /// An exact number of loyalty points in hundredths of a point.
    Points,
    "a number of points"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_decimal_text_exactly() {
        assert_eq!(Money::parse("199.9").map(Money::minor), Ok(19_990));
        assert_eq!(Money::parse("0.05").map(Money::minor), Ok(5));
        assert_eq!(Money::parse("12").map(Money::minor), Ok(1_200));
        assert_eq!(Money::parse("12.340").map(Money::minor), Ok(1_234));
        assert_eq!(Money::parse(".5").map(Money::minor), Ok(50));
        assert_eq!(Money::parse("12.345"), Err(AmountError::TooPrecise));
        assert_eq!(Money::parse("-1"), Err(AmountError::Negative));
        assert_eq!(Money::parse_signed("-1.5").map(Money::minor), Ok(-150));
        assert_eq!(Money::parse("abc"), Err(AmountError::NotANumber));
        assert_eq!(Money::parse(""), Err(AmountError::NotANumber));
        assert_eq!(Money::parse("."), Err(AmountError::NotANumber));
        assert_eq!(Money::parse("1e5"), Err(AmountError::NotANumber));
        assert_eq!(Money::parse("NaN"), Err(AmountError::NotANumber));
        assert_eq!(Money::parse("99999999999999"), Err(AmountError::TooLarge));
        assert_eq!(
            Money::parse("1000000000000").map(Money::minor),
            Ok(100_000_000_000_000)
        );
        assert_eq!(Money::parse("1000000000000.01"), Err(AmountError::TooLarge));
    }

    #[test]
    fn json_numbers_decode_exactly_or_are_refused() {
        let ok: Money = serde_json::from_str("19.99").expect("valid");
        assert_eq!(ok.minor(), 1_999);
        let int: Points = serde_json::from_str("250").expect("valid");
        assert_eq!(int.minor(), 25_000);
        let text: Money = serde_json::from_str("\"0.10\"").expect("valid");
        assert_eq!(text.minor(), 10);
        assert!(serde_json::from_str::<Money>("12.345").is_err());
        assert!(serde_json::from_str::<Money>("-5").is_err());
        assert!(serde_json::from_str::<Money>("-5.5").is_err());
        assert!(serde_json::from_str::<Money>("1e300").is_err());
        assert!(serde_json::from_str::<Money>("true").is_err());
        assert!(serde_json::from_str::<Money>("null").is_err());
        assert!(serde_json::from_str::<Money>("18446744073709551615").is_err());
    }

    #[test]
    fn renders_as_json_numbers_with_at_most_two_digits() {
        let rendered = |minor| serde_json::to_string(&Money::from_minor(minor)).expect("json");
        assert_eq!(rendered(1_999), "19.99");
        assert_eq!(rendered(1_990), "19.9");
        assert_eq!(rendered(5), "0.05");
        assert_eq!(rendered(-150), "-1.5");
        assert_eq!(Money::from_minor(1_200).to_string(), "12");
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(Money::from_minor(1_990).to_string(), "19.9");
    }

    proptest! {
        #[test]
        fn every_amount_round_trips_through_json(minor in 0i64..=MAX_MINOR) {
            let amount = Money::from_minor(minor);
            let json = serde_json::to_string(&amount).expect("json");
            let back: Money = serde_json::from_str(&json).expect("decodes");
            prop_assert_eq!(back, amount);
            let text: Money = amount.to_string().parse().expect("text decodes");
            prop_assert_eq!(text, amount);
        }
    }
}
