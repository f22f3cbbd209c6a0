//! [`LoyaltyRules`]: the business-wide rules of the loyalty programme, part of the system
//! settings.

use crm_core::{FieldError, Percent, Points};

/// Longest points lifetime accepted (ten years).
pub const MAX_EXPIRY_DAYS: u32 = 3_650;
/// Longest deferral of earned points accepted.
pub const MAX_DEFERRAL_DAYS: u32 = 365;

/// How points are earned and spent, for every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoyaltyRules {
    /// Cashback for clients without a level (a level's own rate replaces it).
    pub base_cashback: Percent,
    /// The largest share of a check that may be paid with points (a level may set its own).
    pub max_points_share: Percent,
    /// Points given once when a client registers.
    pub welcome_bonus: Points,
    /// Days after which earned points expire, oldest first; `None` = never.
    pub points_expiry_days: Option<u32>,
    /// Days before earned points can be spent (0 = at once).
    pub points_deferral_days: u32,
    /// Whether a refund also takes back the referral rewards the purchase paid.
    pub refund_claws_back_referrals: bool,
}

impl Default for LoyaltyRules {
    /// The defaults of a new business: 5 % cashback, up to 30 % of a check in points, no welcome
    /// bonus, points never expire, spendable at once, refunds claw referral rewards back.
    fn default() -> Self {
        Self {
            base_cashback: Percent::from_basis_points(500).unwrap_or(Percent::ZERO),
            max_points_share: Percent::from_basis_points(3_000).unwrap_or(Percent::ZERO),
            welcome_bonus: Points::ZERO,
            points_expiry_days: None,
            points_deferral_days: 0,
            refund_claws_back_referrals: true,
        }
    }
}

impl LoyaltyRules {
    /// Checks the bounds that the types alone do not carry.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.welcome_bonus.is_negative() {
            errors.push(FieldError::new("welcome_bonus", "must not be negative"));
        }
        if self
            .points_expiry_days
            .is_some_and(|d| d == 0 || d > MAX_EXPIRY_DAYS)
        {
            errors.push(FieldError::new(
                "points_expiry_days",
                "must be between 1 and 3650, or null for never",
            ));
        }
        if self.points_deferral_days > MAX_DEFERRAL_DAYS {
            errors.push(FieldError::new(
                "points_deferral_days",
                "must be between 0 and 365",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_are_checked() {
        assert_eq!(LoyaltyRules::default().validate(), Ok(()));
        let bad = LoyaltyRules {
            points_expiry_days: Some(0),
            points_deferral_days: 400,
            welcome_bonus: Points::from_minor(-1),
            ..LoyaltyRules::default()
        };
        let fields: Vec<_> = bad
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "welcome_bonus",
                "points_expiry_days",
                "points_deferral_days"
            ]
        );
    }
}
