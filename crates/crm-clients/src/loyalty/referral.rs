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

/// A stored configuration with who changed it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReferralConfig {
    /// The configuration.
    pub config: ReferralConfig,
    /// Last change.
    pub updated_at: Option<crm_core::Timestamp>,
    /// Who made it.
    pub updated_by: Option<crm_core::Actor>,
}

/// A variant of the programme the "Продвижение" section offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeVariant {
    /// Stable code.
    pub code: &'static str,
    /// Title shown to the owner.
    pub title: &'static str,
    /// What it does.
    pub description: &'static str,
    /// How many generations it rewards.
    pub generations: usize,
    /// Whether the configuration in force is this variant.
    pub active: bool,
}

/// The variants, with the one matching `config` marked active.
pub fn programme_variants(config: &ReferralConfig) -> Vec<ProgrammeVariant> {
    let depth = if config.enabled {
        config.generations.len()
    } else {
        0
    };
    vec![
        ProgrammeVariant {
            code: "bring_a_friend",
            title: "Приведи друга",
            description: "The direct recommender earns a share of every purchase of the friend they brought.",
            generations: 1,
            active: depth == 1,
        },
        ProgrammeVariant {
            code: "multilevel",
            title: "Многоуровневая программа",
            description: "Recommenders up to six generations back earn their generation's share of every purchase.",
            generations: MAX_GENERATIONS,
            active: depth > 1,
        },
        ProgrammeVariant {
            code: "off",
            title: "Без реферальной программы",
            description: "Purchases reward nobody but the buyer.",
            generations: 0,
            active: depth == 0,
        },
    ]
}

/// Checks a configuration: 1–6 generations, their rates adding up to at most 100 %.
pub fn validate_config(config: &ReferralConfig) -> Result<(), Vec<FieldError>> {
    config.validate()?;
    let total: i64 = config.generations.iter().map(|p| p.basis_points()).sum();
    if total > 10_000 {
        return Err(vec![FieldError::new(
            "generations",
            "the rates must add up to at most 100",
        )]);
    }
    Ok(())
}

/// One generation of a client's recommendations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationStanding {
    /// 1 = clients the client recommended directly.
    pub generation: u8,
    /// How many clients are in it.
    pub members: i64,
    /// How many of them have bought something.
    pub buyers: i64,
    /// What the client earned from this generation (net of clawbacks), in the programme's
    /// reward type.
    pub earned: crm_core::Money,
    /// The first members (at most [`MEMBERS_SHOWN`]), oldest first.
    pub first_members: Vec<GenerationMember>,
}

/// How many members of a generation a standing lists.
pub const MEMBERS_SHOWN: i64 = 100;

/// A member of a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationMember {
    /// Client id.
    pub client_id: crm_core::ClientId,
    /// Name.
    pub full_name: String,
    /// Purchases made.
    pub purchase_count: i64,
    /// Cash spent.
    pub total_spent: crm_core::Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(enabled: bool, rates: &[i64]) -> ReferralConfig {
        ReferralConfig {
            enabled,
            generations: rates
                .iter()
                .map(|&bp| Percent::from_basis_points(bp).expect("valid"))
                .collect(),
            reward_type: RewardType::Points,
        }
    }

    #[test]
    fn the_active_variant_follows_the_configuration() {
        let active = |c: &ReferralConfig| {
            programme_variants(c)
                .into_iter()
                .find(|v| v.active)
                .map(|v| v.code)
        };
        assert_eq!(active(&config(true, &[500])), Some("bring_a_friend"));
        assert_eq!(active(&config(true, &[500, 300])), Some("multilevel"));
        assert_eq!(active(&config(false, &[500, 300])), Some("off"));
        assert!(config(false, &[500]).active_generations().is_empty());
    }

    #[test]
    fn configurations_are_bounded() {
        assert!(validate_config(&config(true, &[500, 300, 100])).is_ok());
        assert!(validate_config(&config(true, &[])).is_err());
        assert!(validate_config(&config(true, &[100; 7])).is_err());
        assert!(validate_config(&config(true, &[6_000, 5_000])).is_err());
    }
}
