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
