//! Referral programme configuration: how many generations of recommenders a purchase rewards,
//! how much each gets, and in what.

use crm_core::{FieldError, Percent};

/// The deepest chain of recommenders a purchase may reward.
pub const MAX_GENERATIONS: usize = 6;

/// What a referral reward is paid in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardType {
    /// Loyalty points credited to the recommender's balance.
    Points,
    /// Money owed to the recommender (recorded as a payable amount, paid out by the business).
    Money,
}

impl RewardType {
    /// `points` or `money`.
    pub fn code(self) -> &'static str {
        match self {
            RewardType::Points => "points",
            RewardType::Money => "money",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "points" => Some(RewardType::Points),
            "money" => Some(RewardType::Money),
            _ => None,
        }
    }
}

/// The referral programme in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralConfig {
    /// Whether purchases reward recommenders at all.
    pub enabled: bool,
    /// The reward of each generation, nearest recommender first (1–6 entries).
    pub generations: Vec<Percent>,
    /// Points or money.
    pub reward_type: RewardType,
}

impl Default for ReferralConfig {
    /// A new business rewards the direct recommender with 5 % of the cash part, in points.
    fn default() -> Self {
        Self {
            enabled: true,
            generations: vec![Percent::from_basis_points(500).unwrap_or(Percent::ZERO)],
            reward_type: RewardType::Points,
        }
    }
}

impl ReferralConfig {
    /// Checks the depth: 1 to [`MAX_GENERATIONS`] generations.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.generations.is_empty() || self.generations.len() > MAX_GENERATIONS {
            return Err(vec![FieldError::new(
                "generations",
                "must list 1 to 6 percentages",
            )]);
        }
        Ok(())
    }

    /// The rates that apply to a purchase: none when disabled.
    pub fn active_generations(&self) -> &[Percent] {
        if self.enabled {
            &self.generations
        } else {
            &[]
        }
    }
}
