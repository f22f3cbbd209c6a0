//! The ports of the loyalty engine.

use super::ledger::LedgerEntry;
use super::levels::Level;
use super::operations::{CommitRefusal, Operation, OperationFilter, PurchasePlan, RefundPlan};
use super::referral::{GenerationStanding, ReferralConfig, StoredReferralConfig};
use super::rules::LoyaltyRules;
use crate::certificates::Certificate;
use crm_core::{Actor, ClientId, OperationId, Page, PageRequest, Points, RepoError, Timestamp};

/// The programme in force: rules, levels, referral configuration.
#[cfg_attr(test, mockall::automock)]
pub trait LoyaltyProgramme {
    /// The business-wide rules.
    fn rules(&self) -> Result<LoyaltyRules, RepoError>;
    /// Active levels.
    fn levels(&self) -> Result<Vec<Level>, RepoError>;
    /// The referral programme.
    fn referral_config(&self) -> Result<ReferralConfig, RepoError>;
}

/// Storage of operations and the points ledger.
#[cfg_attr(test, mockall::automock)]
pub trait OperationRepository {
    /// Points the client can spend at `at`: unspent, available, unexpired lots.
    fn spendable_points(&self, client: ClientId, at: Timestamp) -> Result<Points, RepoError>;

    /// The client's recommenders, nearest first, at most `depth`.
    fn referrer_chain(&self, client: ClientId, depth: usize) -> Result<Vec<ClientId>, RepoError>;

    /// The operation recorded under an idempotency key, with the request's fingerprint.
    fn find_by_idempotency_key(&self, key: &str) -> Result<Option<(String, Operation)>, RepoError>;

    /// Commits a purchase: the operation, its ledger entries (the spend consumes spendable lots
    /// oldest first, refused if they no longer cover it), the rewards, the client's figures and
    /// level — all or nothing.
    fn commit_purchase(&self, plan: &PurchasePlan) -> Result<Operation, CommitRefusal>;

    /// Commits a refund if the purchase was not refunded meanwhile.
    fn commit_refund(&self, plan: &RefundPlan) -> Result<Operation, CommitRefusal>;

    /// One operation.
    fn get(&self, id: OperationId) -> Result<Option<Operation>, RepoError>;

    /// The refunds of a purchase, oldest first.
    fn refunds_of(&self, purchase: OperationId) -> Result<Vec<Operation>, RepoError>;

    /// A page of operations, newest first.
    fn list(
        &self,
        filter: &OperationFilter,
        page: PageRequest,
    ) -> Result<Page<Operation>, RepoError>;

    /// A page of a client's ledger, newest first.
    fn ledger(&self, client: ClientId, page: PageRequest) -> Result<Page<LedgerEntry>, RepoError>;

    /// Replaces the client's payment code; a code already held by another client is
    /// `Conflict` (the caller draws another).
    fn issue_payment_code(
        &self,
        client: ClientId,
        code: &str,
        expires_at: Timestamp,
        at: Timestamp,
    ) -> Result<(), RepoError>;

    /// The client holding an unexpired payment code.
    fn client_for_payment_code(
        &self,
        code: &str,
        at: Timestamp,
    ) -> Result<Option<ClientId>, RepoError>;

    /// The certificate with this (normalised) code.
    fn find_certificate(&self, code: &str) -> Result<Option<Certificate>, RepoError>;
}

impl<T: LoyaltyProgramme + ?Sized> LoyaltyProgramme for std::sync::Arc<T> {
    fn rules(&self) -> Result<LoyaltyRules, RepoError> {
        (**self).rules()
    }
    fn levels(&self) -> Result<Vec<Level>, RepoError> {
        (**self).levels()
    }
    fn referral_config(&self) -> Result<ReferralConfig, RepoError> {
        (**self).referral_config()
    }
}

impl<T: OperationRepository + ?Sized> OperationRepository for std::sync::Arc<T> {
    fn spendable_points(&self, client: ClientId, at: Timestamp) -> Result<Points, RepoError> {
        (**self).spendable_points(client, at)
    }
    fn referrer_chain(&self, client: ClientId, depth: usize) -> Result<Vec<ClientId>, RepoError> {
        (**self).referrer_chain(client, depth)
    }
    fn find_by_idempotency_key(&self, key: &str) -> Result<Option<(String, Operation)>, RepoError> {
        (**self).find_by_idempotency_key(key)
    }
    fn commit_purchase(&self, plan: &PurchasePlan) -> Result<Operation, CommitRefusal> {
        (**self).commit_purchase(plan)
    }
    fn commit_refund(&self, plan: &RefundPlan) -> Result<Operation, CommitRefusal> {
        (**self).commit_refund(plan)
    }
    fn get(&self, id: OperationId) -> Result<Option<Operation>, RepoError> {
        (**self).get(id)
    }
    fn refunds_of(&self, purchase: OperationId) -> Result<Vec<Operation>, RepoError> {
        (**self).refunds_of(purchase)
    }
    fn list(
        &self,
        filter: &OperationFilter,
        page: PageRequest,
    ) -> Result<Page<Operation>, RepoError> {
        (**self).list(filter, page)
    }
    fn ledger(&self, client: ClientId, page: PageRequest) -> Result<Page<LedgerEntry>, RepoError> {
        (**self).ledger(client, page)
    }
    fn issue_payment_code(
        &self,
        client: ClientId,
        code: &str,
        expires_at: Timestamp,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        (**self).issue_payment_code(client, code, expires_at, at)
    }
    fn client_for_payment_code(
        &self,
        code: &str,
        at: Timestamp,
    ) -> Result<Option<ClientId>, RepoError> {
        (**self).client_for_payment_code(code, at)
    }
    fn find_certificate(&self, code: &str) -> Result<Option<Certificate>, RepoError> {
        (**self).find_certificate(code)
    }
}

/// Storage of the referral programme's configuration and of who recommended whom.
#[cfg_attr(test, mockall::automock)]
pub trait ReferralProgrammeRepository {
    /// The configuration in force, with its last change.
    fn stored_config(&self) -> Result<StoredReferralConfig, RepoError>;

    /// Replaces the configuration.
    fn save_config(
        &self,
        config: &ReferralConfig,
        actor: Actor,
        at: Timestamp,
    ) -> Result<(), RepoError>;

    /// A client's recommendations by generation (1–6), with what the client earned from each.
    fn standing(&self, client: ClientId) -> Result<Vec<GenerationStanding>, RepoError>;
}

impl<T: ReferralProgrammeRepository + ?Sized> ReferralProgrammeRepository for std::sync::Arc<T> {
    fn stored_config(&self) -> Result<StoredReferralConfig, RepoError> {
        (**self).stored_config()
    }
    fn save_config(
        &self,
        config: &ReferralConfig,
        actor: Actor,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        (**self).save_config(config, actor, at)
    }
    fn standing(&self, client: ClientId) -> Result<Vec<GenerationStanding>, RepoError> {
        (**self).standing(client)
    }
}
