//! [`ReferralProgrammes`]: the "Продвижение" section's referral programme — its variants, its
//! configuration, and a client's view of what each generation of recommendations brought.

use super::error::OperationError;
use super::ports::ReferralProgrammeRepository;
use super::referral::{
    programme_variants, validate_config, GenerationStanding, ProgrammeVariant, ReferralConfig,
    RewardType, StoredReferralConfig,
};
use crate::ports::ClientRepository;
use crm_core::{Actor, ClientId, Clock, Percent};

/// A change of the configuration: only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralConfigChange {
    /// Turn rewards on or off.
    pub enabled: Option<bool>,
    /// The rate of each generation, nearest first (1–6).
    pub generations: Option<Vec<Percent>>,
    /// Points or money.
    pub reward_type: Option<RewardType>,
}

/// The use cases of the referral programme.
pub struct ReferralProgrammes<R, C, K> {
    programmes: R,
    clients: C,
    clock: K,
}

impl<R: ReferralProgrammeRepository, C: ClientRepository, K: Clock> ReferralProgrammes<R, C, K> {
    /// The use cases over their ports.
    pub fn new(programmes: R, clients: C, clock: K) -> Self {
        Self {
            programmes,
            clients,
            clock,
        }
    }

    /// The variants on offer, the one in force marked, and the configuration itself.
    pub fn variants(
        &self,
    ) -> Result<(Vec<ProgrammeVariant>, StoredReferralConfig), OperationError> {
        let stored = self.programmes.stored_config()?;
        Ok((programme_variants(&stored.config), stored))
    }

    /// The configuration in force.
    pub fn config(&self) -> Result<StoredReferralConfig, OperationError> {
        Ok(self.programmes.stored_config()?)
    }

    /// Changes the configuration (1–6 generations, rates adding up to at most 100 %).
    pub fn change_config(
        &self,
        change: ReferralConfigChange,
        actor: Actor,
    ) -> Result<StoredReferralConfig, OperationError> {
        let current = self.programmes.stored_config()?.config;
        let config = ReferralConfig {
            enabled: change.enabled.unwrap_or(current.enabled),
            generations: change.generations.unwrap_or(current.generations),
            reward_type: change.reward_type.unwrap_or(current.reward_type),
        };
        validate_config(&config).map_err(OperationError::Validation)?;
        self.programmes
            .save_config(&config, actor, self.clock.now())?;
        Ok(self.programmes.stored_config()?)
    }

    /// A client's recommendations by generation and what each brought them.
    pub fn client_info(&self, client: ClientId) -> Result<Vec<GenerationStanding>, OperationError> {
        if !self.clients.exists(client)? {
            return Err(OperationError::ClientNotFound);
        }
        Ok(self.programmes.standing(client)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loyalty::ports::MockReferralProgrammeRepository;
    use crate::ports::MockClientRepository;
    use crm_core::{FixedClock, Timestamp};

    fn stored(rates: &[i64]) -> StoredReferralConfig {
        StoredReferralConfig {
            config: ReferralConfig {
                enabled: true,
                generations: rates
                    .iter()
                    .map(|&bp| Percent::from_basis_points(bp).expect("valid"))
                    .collect(),
                reward_type: RewardType::Points,
            },
            updated_at: None,
            updated_by: None,
        }
    }

    fn clock() -> FixedClock {
        FixedClock::new(Timestamp::from_unix_seconds(1_795_521_600).expect("valid"))
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_is_validated() {
        let mut repo = MockReferralProgrammeRepository::new();
        repo.expect_stored_config().returning(|| Ok(stored(&[500])));
        repo.expect_save_config()
            .withf(|c, actor, _| {
                c.reward_type == RewardType::Money
                    && c.generations.len() == 1
                    && *actor == Actor::System
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let programmes = ReferralProgrammes::new(repo, MockClientRepository::new(), clock());
        programmes
            .change_config(
                ReferralConfigChange {
                    reward_type: Some(RewardType::Money),
                    ..Default::default()
                },
                Actor::System,
            )
            .expect("saved");
        let too_deep = ReferralConfigChange {
            generations: Some(vec![Percent::ZERO; 7]),
            ..Default::default()
        };
        assert!(matches!(
            programmes.change_config(too_deep, Actor::System),
            Err(OperationError::Validation(_))
        ));
    }

    #[test]
    fn client_info_needs_a_known_client() {
        let mut clients = MockClientRepository::new();
        clients.expect_exists().returning(|id| Ok(id.0 == 1));
        let mut repo = MockReferralProgrammeRepository::new();
        repo.expect_standing().times(1).returning(|_| Ok(vec![]));
        let programmes = ReferralProgrammes::new(repo, clients, clock());
        assert_eq!(programmes.client_info(ClientId(1)), Ok(vec![]));
        assert_eq!(
            programmes.client_info(ClientId(2)),
            Err(OperationError::ClientNotFound)
        );
    }
}
