//! Rows of the operations tables and their conversion to domain values.

use super::schema::{operations, points_ledger, referral_rewards};
use crate::error::{corrupt, stored_time};
use crm_clients::loyalty::ledger::{LedgerEntry, LedgerKind};
use crm_clients::loyalty::operations::{Operation, OperationKind};
use crm_clients::loyalty::purchase::ReferralReward;
use crm_clients::loyalty::referral::RewardType;
use crm_core::{
    Actor, CertificateId, ClientId, EmployeeId, LocationId, Money, OperationId, Percent, Points,
    RepoError,
};
use diesel::prelude::*;

/// A stored operation row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct OperationRow {
    pub id: i64,
    pub kind: String,
    pub client_id: i64,
    pub employee_id: Option<i64>,
    pub location_id: Option<i64>,
    pub purchase_id: Option<i64>,
    pub certificate_id: Option<i64>,
    pub total: i64,
    pub certificate_amount: i64,
    pub points: i64,
    pub cash: i64,
    pub cashback: i64,
    pub cashback_rate_bp: i64,
    pub clawback_shortfall: i64,
    pub refunded_total: i64,
    pub refunded_points: i64,
    pub refunded_cash: i64,
    pub refunded_certificate: i64,
    pub reversed_cashback: i64,
    pub reward_type: String,
    pub receipt_number: Option<String>,
    pub comment: Option<String>,
    pub actor: String,
    pub request_fingerprint: Option<String>,
    pub created_at: i64,
}

/// A new operation row.
#[derive(Debug, Insertable)]
#[diesel(table_name = operations)]
pub(crate) struct NewOperationRow<'a> {
    pub kind: &'a str,
    pub client_id: i64,
    pub employee_id: Option<i64>,
    pub location_id: Option<i64>,
    pub purchase_id: Option<i64>,
    pub certificate_id: Option<i64>,
    pub total: i64,
    pub certificate_amount: i64,
    pub points: i64,
    pub cash: i64,
    pub cashback: i64,
    pub cashback_rate_bp: i64,
    pub clawback_shortfall: i64,
    pub reward_type: &'a str,
    pub receipt_number: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub actor: String,
    pub idempotency_key: Option<&'a str>,
    pub request_fingerprint: Option<&'a str>,
    pub created_at: i64,
}

/// A stored referral reward row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referral_rewards)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct RewardRow {
    pub operation_id: i64,
    pub beneficiary_id: i64,
    pub generation: i32,
    pub amount: i64,
}

impl RewardRow {
    pub(crate) fn into_reward(self) -> ReferralReward {
        ReferralReward {
            generation: u8::try_from(self.generation).unwrap_or(u8::MAX),
            beneficiary: ClientId(self.beneficiary_id),
            amount: Money::from_minor(self.amount.abs()),
        }
    }
}

/// A new ledger row.
#[derive(Debug, Insertable)]
#[diesel(table_name = points_ledger)]
pub(crate) struct NewLedgerRow {
    pub client_id: i64,
    pub operation_id: Option<i64>,
    pub kind: &'static str,
    pub amount: i64,
    pub remaining: i64,
    pub available_at: i64,
    pub expires_at: Option<i64>,
    pub generation: Option<i32>,
    pub source_client_id: Option<i64>,
    pub reason: Option<String>,
    pub actor: String,
    pub created_at: i64,
}

/// A stored ledger row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = points_ledger)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct LedgerRow {
    pub id: i64,
    pub client_id: i64,
    pub operation_id: Option<i64>,
    pub kind: String,
    pub amount: i64,
    pub remaining: i64,
    pub available_at: i64,
    pub expires_at: Option<i64>,
    pub generation: Option<i32>,
    pub source_client_id: Option<i64>,
    pub reason: Option<String>,
    pub actor: String,
    pub created_at: i64,
}

impl LedgerRow {
    pub(crate) fn into_entry(self) -> Result<LedgerEntry, RepoError> {
        let id = self.id;
        Ok(LedgerEntry {
            id,
            client_id: ClientId(self.client_id),
            operation_id: self.operation_id.map(OperationId),
            kind: LedgerKind::from_code(&self.kind).ok_or_else(|| corrupt("ledger kind", id))?,
            amount: Points::from_minor(self.amount),
            remaining: Points::from_minor(self.remaining),
            available_at: stored_time(self.available_at, "available_at", id)?,
            expires_at: self
                .expires_at
                .map(|t| stored_time(t, "expires_at", id))
                .transpose()?,
            generation: self.generation.and_then(|g| u8::try_from(g).ok()),
            source_client_id: self.source_client_id.map(ClientId),
            reason: self.reason,
            actor: Actor::from_code(&self.actor).ok_or_else(|| corrupt("ledger actor", id))?,
            created_at: stored_time(self.created_at, "created_at", id)?,
        })
    }
}

impl OperationRow {
    pub(crate) fn into_operation(
        self,
        rewards: Vec<ReferralReward>,
    ) -> Result<Operation, RepoError> {
        let id = self.id;
        Ok(Operation {
            id: OperationId(id),
            kind: OperationKind::from_code(&self.kind)
                .ok_or_else(|| corrupt("operation kind", id))?,
            client_id: ClientId(self.client_id),
            employee_id: self.employee_id.map(EmployeeId),
            location_id: self.location_id.map(LocationId),
            purchase_id: self.purchase_id.map(OperationId),
            certificate_id: self.certificate_id.map(CertificateId),
            total: Money::from_minor(self.total),
            certificate_amount: Money::from_minor(self.certificate_amount),
            points: Points::from_minor(self.points),
            cash: Money::from_minor(self.cash),
            cashback: Points::from_minor(self.cashback),
            cashback_rate: Percent::from_basis_points(self.cashback_rate_bp)
                .ok_or_else(|| corrupt("cashback rate", id))?,
            clawback_shortfall: Points::from_minor(self.clawback_shortfall),
            refunded_total: Money::from_minor(self.refunded_total),
            refunded_points: Points::from_minor(self.refunded_points),
            refunded_cash: Money::from_minor(self.refunded_cash),
            refunded_certificate: Money::from_minor(self.refunded_certificate),
            reversed_cashback: Points::from_minor(self.reversed_cashback),
            referral_rewards: rewards,
            reward_type: RewardType::from_code(&self.reward_type)
                .ok_or_else(|| corrupt("reward type", id))?,
            receipt_number: self.receipt_number,
            comment: self.comment,
            actor: Actor::from_code(&self.actor).ok_or_else(|| corrupt("operation actor", id))?,
            created_at: stored_time(self.created_at, "created_at", id)?,
        })
    }
}
