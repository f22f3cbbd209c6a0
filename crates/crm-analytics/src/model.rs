//! Shared value types of the analytics figures: a figure with its comparison.

use crate::period::change_percent;
use serde::Serialize;

/// A figure for the period with the same figure for the previous comparable period and the
/// change in percent (`None` when the previous value is zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Compared {
    /// This period.
    pub current: i64,
    /// The previous comparable period.
    pub previous: i64,
    /// `(current - previous) / previous` in percent, one decimal.
    pub change_percent: Option<f64>,
}

impl Compared {
    /// Pairs two values.
    pub fn new(current: i64, previous: i64) -> Self {
        Self {
            current,
            previous,
            change_percent: change_percent(current, previous),
        }
    }
}

/// A rate in percent (one decimal) for the period and for the previous comparable period;
/// `None` where the rate's base is zero (nothing to measure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ComparedRate {
    /// This period.
    pub current: Option<f64>,
    /// The previous comparable period.
    pub previous: Option<f64>,
}

impl ComparedRate {
    /// `part / whole` of each period in percent, one decimal.
    pub fn new(current: (i64, i64), previous: (i64, i64)) -> Self {
        Self {
            current: rate_percent(current.0, current.1),
            previous: rate_percent(previous.0, previous.1),
        }
    }
}

/// `part / whole` in percent with one decimal, or `None` when `whole` is not positive.
pub fn rate_percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64) * 1000.0 / (whole as f64)).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_values_with_the_change() {
        let c = Compared::new(120, 100);
        assert_eq!(c.change_percent, Some(20.0));
        assert_eq!(Compared::new(3, 0).change_percent, None);
    }
}
