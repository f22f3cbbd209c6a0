//! [`SqliteLoyaltyProgramme`]: the programme in force — rules from the system settings, the
//! active levels, and the referral configuration — for the checkout.

use super::schema::referral_config;
use crate::db::Database;
use crate::error::stored_time;
use crate::error::{corrupt, map_diesel_error};
use crate::levels::SqliteLevelRepository;
use crate::settings::SqliteSettingsRepository;
use crm_clients::loyalty::levels::Level;
use crm_clients::loyalty::ports::{LoyaltyProgramme, ReferralProgrammeRepository};
use crm_clients::loyalty::referral::{
    GenerationMember, GenerationStanding, ReferralConfig, RewardType, StoredReferralConfig,
    MEMBERS_SHOWN,
};
use crm_clients::loyalty::LoyaltyRules;
use crm_clients::settings::{LevelRepository, SettingsRepository};
use crm_core::{Actor, ClientId, Money, Percent, RepoError, Timestamp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

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
        Ok(self.stored_config()?.config)
    }
}

#[derive(QueryableByName)]
struct GenerationCount {
    #[diesel(sql_type = BigInt)]
    generation: i64,
    #[diesel(sql_type = BigInt)]
    members: i64,
    #[diesel(sql_type = BigInt)]
    buyers: i64,
}

#[derive(QueryableByName)]
struct GenerationEarning {
    #[diesel(sql_type = BigInt)]
    generation: i64,
    #[diesel(sql_type = BigInt)]
    earned: i64,
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = BigInt)]
    generation: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = BigInt)]
    purchase_count: i64,
    #[diesel(sql_type = BigInt)]
    total_spent: i64,
}

/// Every client below `?1` down to six generations, with their generation.
const TREE: &str = "WITH RECURSIVE tree(id, generation) AS ( \
        SELECT id, 1 FROM clients WHERE referrer_id = ?1 \
        UNION ALL \
        SELECT c.id, t.generation + 1 FROM clients c JOIN tree t ON c.referrer_id = t.id \
        WHERE t.generation < 6) ";

impl ReferralProgrammeRepository for SqliteLoyaltyProgramme {
    fn stored_config(&self) -> Result<StoredReferralConfig, RepoError> {
        let mut conn = self.db.conn()?;
        let row = referral_config::table
            .find(1)
            .select((
                referral_config::enabled,
                referral_config::generations_bp,
                referral_config::reward_type,
                referral_config::updated_at,
                referral_config::updated_by,
            ))
            .get_result::<(bool, String, String, i64, Option<String>)>(&mut conn)
            .optional()
            .map_err(map_diesel_error)?;
        let Some((enabled, generations, reward_type, updated_at, updated_by)) = row else {
            return Ok(StoredReferralConfig {
                config: ReferralConfig::default(),
                updated_at: None,
                updated_by: None,
            });
        };
        Ok(StoredReferralConfig {
            config: ReferralConfig {
                enabled,
                generations: parse_generations(&generations)
                    .ok_or_else(|| corrupt("referral generations", 1))?,
                reward_type: RewardType::from_code(&reward_type)
                    .ok_or_else(|| corrupt("referral reward type", 1))?,
            },
            updated_at: if updated_at > 0 {
                Some(stored_time(updated_at, "updated_at", 1)?)
            } else {
                None
            },
            updated_by: updated_by.as_deref().and_then(Actor::from_code),
        })
    }

    fn save_config(
        &self,
        config: &ReferralConfig,
        actor: Actor,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        let generations = config
            .generations
            .iter()
            .map(|p| p.basis_points().to_string())
            .collect::<Vec<_>>()
            .join(",");
        let values = (
            referral_config::enabled.eq(config.enabled),
            referral_config::generations_bp.eq(&generations),
            referral_config::reward_type.eq(config.reward_type.code()),
            referral_config::updated_at.eq(at.unix_millis()),
            referral_config::updated_by.eq(Some(actor.to_string())),
        );
        diesel::insert_into(referral_config::table)
            .values((referral_config::id.eq(1), values.clone()))
            .on_conflict(referral_config::id)
            .do_update()
            .set(values)
            .execute(&mut conn)
            .map_err(map_diesel_error)?;
        Ok(())
    }

    fn standing(&self, client: ClientId) -> Result<Vec<GenerationStanding>, RepoError> {
        let mut conn = self.db.conn()?;
        let id = client.get();
        let counts: Vec<GenerationCount> = diesel::sql_query(format!(
            "{TREE} SELECT t.generation AS generation, COUNT(*) AS members, \
             COALESCE(SUM(CASE WHEN c.purchase_count > 0 THEN 1 ELSE 0 END), 0) AS buyers \
             FROM tree t JOIN clients c ON c.id = t.id GROUP BY t.generation"
        ))
        .bind::<BigInt, _>(id)
        .load(&mut conn)
        .map_err(map_diesel_error)?;
        let earnings: Vec<GenerationEarning> = diesel::sql_query(
            "SELECT CAST(generation AS BIGINT) AS generation, COALESCE(SUM(amount), 0) AS earned \
             FROM referral_rewards WHERE beneficiary_id = ?1 GROUP BY generation",
        )
        .bind::<BigInt, _>(id)
        .load(&mut conn)
        .map_err(map_diesel_error)?;
        let members: Vec<MemberRow> = diesel::sql_query(format!(
            "{TREE}, ranked AS (SELECT t.generation, c.id, c.full_name, c.purchase_count, \
             c.total_spent, ROW_NUMBER() OVER (PARTITION BY t.generation ORDER BY c.id) AS n \
             FROM tree t JOIN clients c ON c.id = t.id) \
             SELECT generation, id, full_name, purchase_count, total_spent FROM ranked \
             WHERE n <= {MEMBERS_SHOWN} ORDER BY generation, id"
        ))
        .bind::<BigInt, _>(id)
        .load(&mut conn)
        .map_err(map_diesel_error)?;
        Ok((1..=6u8)
            .map(|g| {
                let g64 = i64::from(g);
                let count = counts.iter().find(|c| c.generation == g64);
                GenerationStanding {
                    generation: g,
                    members: count.map_or(0, |c| c.members),
                    buyers: count.map_or(0, |c| c.buyers),
                    earned: Money::from_minor(
                        earnings
                            .iter()
                            .find(|e| e.generation == g64)
                            .map_or(0, |e| e.earned),
                    ),
                    first_members: members
                        .iter()
                        .filter(|m| m.generation == g64)
                        .map(|m| GenerationMember {
                            client_id: ClientId(m.id),
                            full_name: m.full_name.clone(),
                            purchase_count: m.purchase_count,
                            total_spent: Money::from_minor(m.total_spent),
                        })
                        .collect(),
                }
            })
            .collect())
    }
}
