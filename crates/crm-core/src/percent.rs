//! [`Percent`]: a rate between 0 and 100 % in hundredths of a percent (basis points).
//!
//! On the wire it is a JSON number such as `5` or `7.5` (meaning 7.5 %), with at most two
//! fractional digits. Shares of amounts round down to the minor unit: the business never gives
//! away more than the rate promises (see `docs/money-and-rounding.md`).

use crate::amount::AmountError;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const BASIS_POINTS_PER_PERCENT: i64 = 100;
const MAX_BASIS_POINTS: i64 = 100 * BASIS_POINTS_PER_PERCENT;

/// A rate from 0 % to 100 %, exact to hundredths of a percent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(i64);

impl Percent {
    /// 0 %.
    pub const ZERO: Self = Self(0);
    /// 100 %.
    pub const HUNDRED: Self = Self(MAX_BASIS_POINTS);

    /// From basis points (hundredths of a percent); `None` outside 0..=10 000.
    pub fn from_basis_points(bp: i64) -> Option<Self> {
        (0..=MAX_BASIS_POINTS).contains(&bp).then_some(Self(bp))
    }

    /// Hundredths of a percent.
    pub const fn basis_points(self) -> i64 {
        self.0
    }

    /// Parses `"7.5"` (percent) with at most two fractional digits, within 0..=100.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        let money = crate::Money::parse(text)?;
        Self::from_basis_points(money.minor()).ok_or(AmountError::TooLarge)
    }

    /// This share of `minor` units, rounded down (toward zero) to a whole minor unit.
    pub fn share_of_minor(self, minor: i64) -> i64 {
        let product = i128::from(minor) * i128::from(self.0);
        // Bounded: |minor| < 2^63 and bp ≤ 10 000, so the quotient fits back into i64.
        (product / i128::from(MAX_BASIS_POINTS)) as i64
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::Money::from_minor(self.0))
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::Money::from_minor(self.0).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let as_amount = crate::Money::deserialize(deserializer)?;
        Percent::from_basis_points(as_amount.minor())
            .ok_or_else(|| de::Error::custom("must be between 0 and 100"))
    }
}

#[cfg(feature = "openapi")]
impl paperclip::v2::schema::TypedData for Percent {
    fn data_type() -> paperclip::v2::models::DataType {
        paperclip::v2::models::DataType::Number
    }
    fn format() -> Option<paperclip::v2::models::DataTypeFormat> {
        Some(paperclip::v2::models::DataTypeFormat::Double)
    }
    fn min() -> Option<f32> {
        Some(0.0)
    }
    fn max() -> Option<f32> {
        Some(100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_bounds_rates() {
        assert_eq!(Percent::parse("7.5").map(Percent::basis_points), Ok(750));
        assert_eq!(Percent::parse("100").map(Percent::basis_points), Ok(10_000));
        assert_eq!(Percent::parse("100.01"), Err(AmountError::TooLarge));
        assert_eq!(Percent::parse("-1"), Err(AmountError::Negative));
        let json: Percent = serde_json::from_str("12.25").expect("valid");
        assert_eq!(json.basis_points(), 1_225);
        assert!(serde_json::from_str::<Percent>("101").is_err());
        assert_eq!(serde_json::to_string(&json).expect("json"), "12.25");
    }

    #[test]
    fn shares_round_down_to_the_kopeck() {
        let five = Percent::from_basis_points(500).expect("valid");
        assert_eq!(five.share_of_minor(19_999), 999); // 999.95 kopecks -> 999
        assert_eq!(five.share_of_minor(20_000), 1_000);
        assert_eq!(Percent::HUNDRED.share_of_minor(123), 123);
        assert_eq!(Percent::ZERO.share_of_minor(i64::MAX), 0);
        assert_eq!(Percent::HUNDRED.share_of_minor(i64::MAX), i64::MAX);
    }
}
