//! [`SqliteLoyaltyProgramme`]: the programme in force — rules from the system settings, the
//! active levels, and the referral configuration — for the checkout.

use super::schema::referral_config;
use crate::db::Database;
use crate::error::{corrupt, map_diesel_error};
use crate::levels::SqliteLevelRepository;
use crate::settings::SqliteSettingsRepository;
use crm_clients::loyalty::levels::Level;
use crm_clients::loyalty::ports::LoyaltyProgramme;
use crm_clients::loyalty::referral::{ReferralConfig, RewardType};
use crm_clients::loyalty::LoyaltyRules;
use crm_clients::settings::{LevelRepository, SettingsRepository};
use crm_core::{Percent, RepoError};
use diesel::prelude::*;

/// The loyalty programme stored in SQLite. Cheap to clone; shares the pool.
#[derive(Debug, Clone)]
pub struct SqliteLoyaltyProgramme {
    db: Database,
    settings: SqliteSettingsRepository,
    levels: SqliteLevelRepository,
}

impl SqliteLoyaltyProgramme {
    /// The programme over the database's pool.
    pub fn new(db: Database) -> Self {
        Self {
            settings: SqliteSettingsRepository::new(db.clone()),
            levels: SqliteLevelRepository::new(db.clone()),
            db,
        }
    }
}

/// Reads `"500,300,100"` back into rates.
pub(crate) fn parse_generations(text: &str) -> Option<Vec<Percent>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .ok()
                .and_then(Percent::from_basis_points)
        })
        .collect()
}

impl LoyaltyProgramme for SqliteLoyaltyProgramme {
    fn rules(&self) -> Result<LoyaltyRules, RepoError> {
        self.settings.loyalty_rules()
    }

    fn levels(&self) -> Result<Vec<Level>, RepoError> {
        self.levels.active_levels()
    }

    fn referral_config(&self) -> Result<ReferralConfig, RepoError> {
        let mut conn = self.db.conn()?;
        let row = referral_config::table
            .find(1)
            .select((
                referral_config::enabled,
                referral_config::generations_bp,
                referral_config::reward_type,
            ))
            .first::<(bool, String, String)>(&mut conn)
            .optional()
            .map_err(map_diesel_error)?;
        let Some((enabled, generations, reward_type)) = row else {
            return Ok(ReferralConfig::default());
        };
        Ok(ReferralConfig {
            enabled,
            generations: parse_generations(&generations)
                .ok_or_else(|| corrupt("referral generations", 1))?,
            reward_type: RewardType::from_code(&reward_type)
                .ok_or_else(|| corrupt("referral reward type", 1))?,
        })
    }
}
