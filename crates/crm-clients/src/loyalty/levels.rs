//! [`Level`]: a named tier of clients with its own cashback and points share, reached by a
//! threshold of cash spent, purchases made or effective referrals.

use crm_core::{FieldError, LevelId, Money, Percent};

/// What a client must reach to hold a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelThreshold {
    /// Total cash paid over all purchases, net of refunds.
    TotalSpent(Money),
    /// Number of purchases (net of fully refunded ones).
    PurchaseCount(i64),
    /// Number of referred clients who made at least one purchase.
    Referrals(i64),
}

impl LevelThreshold {
    /// `total_spent`, `purchase_count` or `referrals`.
    pub fn kind(self) -> &'static str {
        match self {
            LevelThreshold::TotalSpent(_) => "total_spent",
            LevelThreshold::PurchaseCount(_) => "purchase_count",
            LevelThreshold::Referrals(_) => "referrals",
        }
    }
}

/// A loyalty level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// Id.
    pub id: LevelId,
    /// Name shown to clients ("Серебро", "Золото").
    pub name: String,
    /// What reaching it takes.
    pub threshold: LevelThreshold,
    /// Cashback on the cash part of a purchase.
    pub cashback: Percent,
    /// Largest share of a check payable with points; `None` = the business-wide rule.
    pub max_points_share: Option<Percent>,
}

/// A client's standing against the thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LevelProgress {
    /// Cash paid, net of refunds.
    pub total_spent: Money,
    /// Purchases made.
    pub purchase_count: i64,
    /// Referred clients who bought something.
    pub referrals: i64,
}

impl Level {
    /// Whether a client with this progress qualifies.
    pub fn reached_by(&self, progress: &LevelProgress) -> bool {
        match self.threshold {
            LevelThreshold::TotalSpent(min) => progress.total_spent >= min,
            LevelThreshold::PurchaseCount(min) => progress.purchase_count >= min,
            LevelThreshold::Referrals(min) => progress.referrals >= min,
        }
    }

    /// Checks a level definition.
    pub fn validate(name: &str, threshold: LevelThreshold) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let chars = name.trim().chars().count();
        if chars == 0 || chars > 100 {
            errors.push(FieldError::new("name", "must be 1 to 100 characters"));
        }
        let negative = match threshold {
            LevelThreshold::TotalSpent(m) => m.is_negative(),
            LevelThreshold::PurchaseCount(n) | LevelThreshold::Referrals(n) => n < 0,
        };
        if negative {
            errors.push(FieldError::new("threshold", "must not be negative"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The level a client holds: among the levels whose threshold they reach, the one with the
/// highest cashback (ties: the later-defined id). Levels only ever follow the figures, so a
/// refund that drops a client below a threshold moves them down.
pub fn level_for<'a>(levels: &'a [Level], progress: &LevelProgress) -> Option<&'a Level> {
    levels
        .iter()
        .filter(|level| level.reached_by(progress))
        .max_by_key(|level| (level.cashback, level.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(id: i64, threshold: LevelThreshold, cashback_bp: i64) -> Level {
        Level {
            id: LevelId(id),
            name: format!("L{id}"),
            threshold,
            cashback: Percent::from_basis_points(cashback_bp).expect("valid"),
            max_points_share: None,
        }
    }

    #[test]
    fn the_best_reached_level_wins_and_refunds_move_clients_down() {
        let levels = [
            level(1, LevelThreshold::TotalSpent(Money::ZERO), 300),
            level(
                2,
                LevelThreshold::TotalSpent(Money::from_major(10_000)),
                500,
            ),
            level(3, LevelThreshold::PurchaseCount(20), 700),
        ];
        let mut progress = LevelProgress {
            total_spent: Money::from_major(9_999),
            ..Default::default()
        };
        assert_eq!(
            level_for(&levels, &progress).map(|l| l.id),
            Some(LevelId(1))
        );
        progress.total_spent = Money::from_major(10_000);
        assert_eq!(
            level_for(&levels, &progress).map(|l| l.id),
            Some(LevelId(2))
        );
        progress.purchase_count = 20;
        assert_eq!(
            level_for(&levels, &progress).map(|l| l.id),
            Some(LevelId(3))
        );
        progress = LevelProgress {
            total_spent: Money::from_major(500),
            purchase_count: 19,
            referrals: 0,
        };
        assert_eq!(
            level_for(&levels, &progress).map(|l| l.id),
            Some(LevelId(1))
        );
        assert_eq!(level_for(&[], &progress), None);
    }

    #[test]
    fn definitions_are_checked() {
        assert!(Level::validate("Золото", LevelThreshold::PurchaseCount(5)).is_ok());
        assert!(Level::validate(" ", LevelThreshold::PurchaseCount(-1)).is_err());
    }
}
