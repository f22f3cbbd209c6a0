//! Referral programme bodies.

use crm_clients::loyalty::programmes::ReferralConfigChange;
use crm_clients::loyalty::referral::{
    GenerationStanding, ProgrammeVariant, RewardType, StoredReferralConfig,
};
use crm_core::{ClientId, FieldError, Money, Percent, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// The referral programme's configuration.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ReferralConfigResponse {
    /// Whether purchases reward recommenders.
    pub enabled: bool,
    /// The rate of each generation, percent of the cash part, nearest recommender first.
    pub generations: Vec<Percent>,
    /// `points` or `money` (money rewards are payable amounts, not points).
    pub reward_type: String,
    /// Last change.
    pub updated_at: Option<Timestamp>,
    /// Who made it.
    pub updated_by: Option<String>,
}

impl From<StoredReferralConfig> for ReferralConfigResponse {
    fn from(s: StoredReferralConfig) -> Self {
        Self {
            enabled: s.config.enabled,
            generations: s.config.generations,
            reward_type: s.config.reward_type.code().to_owned(),
            updated_at: s.updated_at,
            updated_by: s.updated_by.map(|a| a.to_string()),
        }
    }
}

/// A variant of the programme.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProgrammeVariantResponse {
    /// Stable code.
    pub code: String,
    /// Title.
    pub title: String,
    /// What it does.
    pub description: String,
    /// Generations it rewards.
    pub generations: usize,
    /// Whether it is the one in force.
    pub active: bool,
}

impl From<ProgrammeVariant> for ProgrammeVariantResponse {
    fn from(v: ProgrammeVariant) -> Self {
        Self {
            code: v.code.to_owned(),
            title: v.title.to_owned(),
            description: v.description.to_owned(),
            generations: v.generations,
            active: v.active,
        }
    }
}

/// The "Продвижение" section's referral programmes.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ReferralProgrammesResponse {
    /// The variants on offer.
    pub variants: Vec<ProgrammeVariantResponse>,
    /// The configuration in force.
    pub config: ReferralConfigResponse,
}

/// A change of the configuration; absent fields stay.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ReferralConfigRequest {
    /// Turn rewards on or off.
    pub enabled: Option<bool>,
    /// 1 to 6 rates (percent, up to 2 decimals), nearest recommender first; at most 100 in all.
    pub generations: Option<Vec<Percent>>,
    /// `points` or `money`.
    pub reward_type: Option<String>,
}

impl TryFrom<ReferralConfigRequest> for ReferralConfigChange {
    type Error = Vec<FieldError>;

    fn try_from(r: ReferralConfigRequest) -> Result<Self, Self::Error> {
        let reward_type =
            match r.reward_type.as_deref() {
                None => None,
                Some(code) => Some(RewardType::from_code(code.trim()).ok_or_else(|| {
                    vec![FieldError::new("reward_type", "must be points or money")]
                })?),
            };
        Ok(ReferralConfigChange {
            enabled: r.enabled,
            generations: r.generations,
            reward_type,
        })
    }
}

/// Which client's standing to show.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct ClientInfoQuery {
    /// The client.
    pub client_id: i64,
}

/// A member of a generation.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct GenerationMemberResponse {
    /// Client id.
    pub client_id: ClientId,
    /// Name.
    pub full_name: String,
    /// Purchases made.
    pub purchase_count: i64,
    /// Cash spent.
    pub total_spent: Money,
}

/// One generation of the client's recommendations.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct GenerationResponse {
    /// 1 = recommended directly.
    pub generation: u8,
    /// Clients in it.
    pub members: i64,
    /// Of them, clients who bought something.
    pub buyers: i64,
    /// What the client earned from it, net of refunds.
    pub earned: Money,
    /// The first members (up to 100), oldest first.
    pub first_members: Vec<GenerationMemberResponse>,
}

impl From<GenerationStanding> for GenerationResponse {
    fn from(g: GenerationStanding) -> Self {
        Self {
            generation: g.generation,
            members: g.members,
            buyers: g.buyers,
            earned: g.earned,
            first_members: g
                .first_members
                .into_iter()
                .map(|m| GenerationMemberResponse {
                    client_id: m.client_id,
                    full_name: m.full_name,
                    purchase_count: m.purchase_count,
                    total_spent: m.total_spent,
                })
                .collect(),
        }
    }
}

/// A client's view of the referral programme.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ClientInfoResponse {
    /// The client.
    pub client_id: ClientId,
    /// `points` or `money`.
    pub reward_type: String,
    /// Earned in all.
    pub total_earned: Money,
    /// Generations 1–6.
    pub generations: Vec<GenerationResponse>,
}
