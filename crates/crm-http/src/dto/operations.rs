//! Operation bodies: purchases, previews, refunds, the operations list and the points ledger.

use crate::dto::common::DecimalInput;
use crm_clients::loyalty::ledger::LedgerEntry;
use crm_clients::loyalty::operations::{
    ClientRef, Operation, OperationFilter, OperationKind, PurchaseRequest, RefundRequest, SaleLine,
};
use crm_clients::loyalty::purchase::ReferralReward;
use crm_clients::loyalty::service::Quote;
use crm_core::{
    CertificateId, ClientId, EmployeeId, FieldError, LevelId, LocationId, Money, OperationId, Page,
    PageRequest, Percent, Phone, Points, ProductId, Timestamp,
};
use crm_inventory::Quantity;
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A purchase to record or preview. Name the client by exactly one of `client_id`, `phone`,
/// `telegram_id` or `payment_code` (the six digits the Mini App shows). Spending points needs
/// the payment code, unless an owner or admin records the purchase.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseBody {
    /// The client's id.
    pub client_id: Option<i64>,
    /// Or the client's phone.
    pub phone: Option<String>,
    /// Or the client's Telegram user id.
    pub telegram_id: Option<i64>,
    /// Or the one-time payment code from the Mini App (six digits, valid five minutes).
    pub payment_code: Option<String>,
    /// The check, e.g. 1999.90.
    pub total: Money,
    /// A gift certificate's code (any case, dashes optional): it pays first, up to its balance.
    pub certificate_code: Option<String>,
    /// Points to spend (default 0); capped by the balance and the share of the check payable
    /// with points.
    pub points_to_spend: Option<Points>,
    /// The cash the cashier expects to take; a request whose cash disagrees with the computation
    /// is refused.
    pub cash: Option<Money>,
    /// The cashier (default: the signed-in employee).
    pub employee_id: Option<i64>,
    /// The point of sale.
    pub location_id: Option<i64>,
    /// Receipt number (up to 64 characters).
    pub receipt_number: Option<String>,
    /// Comment (up to 1000 characters).
    pub comment: Option<String>,
    /// Goods sold (up to 200 lines; needs `location_id`): their stock at the location goes down
    /// in the purchase's transaction, and a line short of stock refuses the purchase.
    pub items: Option<Vec<PurchaseItemBody>>,
}

/// A line of goods sold by a purchase.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseItemBody {
    /// The product (goods, not a service).
    pub product_id: i64,
    /// How much (> 0, at most 3 fractional digits).
    pub quantity: DecimalInput,
}

impl PurchaseBody {
    /// The domain command, with `employee` as the default cashier; `spend_without_code` when
    /// the role may spend points without the client's payment code.
    pub fn into_request(
        self,
        employee: EmployeeId,
        spend_without_code: bool,
    ) -> Result<PurchaseRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut items = Vec::new();
        for (i, item) in self.items.unwrap_or_default().into_iter().enumerate() {
            match Quantity::parse(&item.quantity.0) {
                Ok(q) => items.push(SaleLine {
                    product_id: ProductId(item.product_id),
                    quantity: q.thousandths(),
                }),
                Err(e) => errors.push(FieldError::new(
                    format!("items[{i}].quantity"),
                    e.to_string(),
                )),
            }
        }
        let named = [
            self.client_id.is_some(),
            self.phone.is_some(),
            self.telegram_id.is_some(),
            self.payment_code.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let client = match (
            self.client_id,
            self.phone,
            self.telegram_id,
            self.payment_code,
        ) {
            _ if named != 1 => {
                errors.push(FieldError::new(
                    "client_id",
                    "name the client by exactly one of client_id, phone, telegram_id or payment_code",
                ));
                None
            }
            (Some(id), ..) => Some(ClientRef::Id(ClientId(id))),
            (_, Some(phone), ..) => match Phone::parse(&phone) {
                Ok(phone) => Some(ClientRef::Phone(phone)),
                Err(e) => {
                    errors.push(FieldError::new("phone", e.to_string()));
                    None
                }
            },
            (_, _, Some(tg), _) => Some(ClientRef::TelegramId(tg)),
            (.., Some(code)) => Some(ClientRef::PaymentCode(code.trim().replace([' ', '-'], ""))),
            _ => None,
        };
        match client {
            Some(client) if errors.is_empty() => Ok(PurchaseRequest {
                client,
                total: self.total,
                points_to_spend: self.points_to_spend.unwrap_or(Points::ZERO),
                certificate_code: self.certificate_code,
                expected_cash: self.cash,
                employee_id: Some(self.employee_id.map_or(employee, EmployeeId)),
                location_id: self.location_id.map(LocationId),
                receipt_number: self
                    .receipt_number
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty()),
                comment: self
                    .comment
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
                spending_without_code_allowed: spend_without_code,
                items,
            }),
            _ => Err(errors),
        }
    }
}

/// A refund of (part of) a purchase.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// How much of the purchase's total to refund; absent = all that is left.
    pub amount: Option<Money>,
    /// Comment.
    pub comment: Option<String>,
}

impl RefundBody {
    /// The domain command.
    pub fn into_request(self, purchase: OperationId, employee: EmployeeId) -> RefundRequest {
        RefundRequest {
            purchase_id: purchase,
            amount: self.amount,
            employee_id: Some(employee),
            comment: self
                .comment
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty()),
        }
    }
}

/// A reward of a recommender.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ReferralRewardResponse {
    /// 1 for the direct recommender.
    pub generation: u8,
    /// The recommender.
    pub client_id: ClientId,
    /// The amount (points or money per `reward_type`).
    pub amount: Money,
}

impl From<&ReferralReward> for ReferralRewardResponse {
    fn from(r: &ReferralReward) -> Self {
        Self {
            generation: r.generation,
            client_id: r.beneficiary,
            amount: r.amount,
        }
    }
}

/// A previewed purchase.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct QuoteResponse {
    /// The client.
    pub client_id: ClientId,
    /// The client's name.
    pub client_name: String,
    /// The client's level.
    pub level_id: Option<LevelId>,
    /// Its name.
    pub level_name: Option<String>,
    /// The client's balance.
    pub points_balance: Points,
    /// Points the client can spend now.
    pub spendable_points: Points,
    /// The check.
    pub total: Money,
    /// The certificate presented.
    pub certificate_id: Option<CertificateId>,
    /// Its balance before this purchase.
    pub certificate_balance: Option<Money>,
    /// Paid by a certificate.
    pub certificate_amount: Money,
    /// Points spent.
    pub points_to_spend: Points,
    /// The most points this check can take.
    pub max_points: Points,
    /// Cash to take.
    pub cash: Money,
    /// Points the client earns.
    pub cashback: Points,
    /// The cashback rate, percent.
    pub cashback_rate: Percent,
    /// Rewards of the recommenders.
    pub referral_rewards: Vec<ReferralRewardResponse>,
    /// `points` or `money`.
    pub reward_type: String,
}

impl From<Quote> for QuoteResponse {
    fn from(q: Quote) -> Self {
        let b = q.breakdown;
        Self {
            client_id: q.client.id,
            client_name: q.client.profile.full_name,
            level_id: q.level.as_ref().map(|l| l.id),
            level_name: q.level.map(|l| l.name),
            points_balance: q.client.loyalty.points_balance,
            spendable_points: q.spendable_points,
            total: b.total,
            certificate_id: q.certificate.as_ref().map(|c| c.id),
            certificate_balance: q.certificate.as_ref().map(|c| c.balance),
            certificate_amount: b.certificate_amount,
            points_to_spend: b.points_spent,
            max_points: b.max_points,
            cash: b.cash_paid,
            cashback: b.cashback,
            cashback_rate: b.cashback_rate,
            referral_rewards: b.referral_rewards.iter().map(Into::into).collect(),
            reward_type: q.reward_type.code().to_owned(),
        }
    }
}

/// A recorded operation. For a refund, `points`, `cash`, `certificate_amount` and `cashback`
/// are what it returned or took back.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OperationResponse {
    /// Id.
    pub id: OperationId,
    /// `purchase` or `refund`.
    pub kind: String,
    /// The client.
    pub client_id: ClientId,
    /// The cashier.
    pub employee_id: Option<EmployeeId>,
    /// The point of sale.
    pub location_id: Option<LocationId>,
    /// Refunds: the purchase refunded.
    pub purchase_id: Option<OperationId>,
    /// The certificate that paid part of the purchase.
    pub certificate_id: Option<CertificateId>,
    /// Purchase: the check; refund: the refunded part of it.
    pub total: Money,
    /// Paid by (or returned to) a certificate.
    pub certificate_amount: Money,
    /// Points spent (purchase) or returned (refund).
    pub points: Points,
    /// Cash paid (purchase) or returned (refund).
    pub cash: Money,
    /// Cashback earned (purchase) or taken back (refund).
    pub cashback: Points,
    /// The cashback rate, percent.
    pub cashback_rate: Percent,
    /// Refunds: cashback the client had already spent, so it could not be taken back.
    pub clawback_shortfall: Points,
    /// Purchases: how much has been refunded.
    pub refunded_total: Money,
    /// Purchases: what is left to refund.
    pub refundable: Money,
    /// Referral rewards paid (purchase) or taken back (refund).
    pub referral_rewards: Vec<ReferralRewardResponse>,
    /// `points` or `money`.
    pub reward_type: String,
    /// Receipt number.
    pub receipt_number: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub created_at: Timestamp,
    /// True when this response repeats the stored result of an earlier request with the same
    /// `Idempotency-Key`.
    pub replayed: bool,
}

impl From<Operation> for OperationResponse {
    fn from(o: Operation) -> Self {
        let refundable = if o.kind == OperationKind::Purchase {
            o.total - o.refunded_total
        } else {
            Money::ZERO
        };
        Self {
            id: o.id,
            kind: o.kind.code().to_owned(),
            client_id: o.client_id,
            employee_id: o.employee_id,
            location_id: o.location_id,
            purchase_id: o.purchase_id,
            certificate_id: o.certificate_id,
            total: o.total,
            certificate_amount: o.certificate_amount,
            points: o.points,
            cash: o.cash,
            cashback: o.cashback,
            cashback_rate: o.cashback_rate,
            clawback_shortfall: o.clawback_shortfall,
            refunded_total: o.refunded_total,
            refundable,
            referral_rewards: o.referral_rewards.iter().map(Into::into).collect(),
            reward_type: o.reward_type.code().to_owned(),
            receipt_number: o.receipt_number,
            comment: o.comment,
            recorded_by: o.actor.to_string(),
            created_at: o.created_at,
            replayed: false,
        }
    }
}

/// A page of operations.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OperationPage {
    /// Operations, newest first.
    pub items: Vec<OperationResponse>,
    /// Matching operations in all.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
}

impl From<Page<Operation>> for OperationPage {
    fn from(p: Page<Operation>) -> Self {
        Self {
            total: p.total,
            limit: p.limit,
            offset: p.offset,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Filters and paging of the operations list.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct OperationsQuery {
    /// One client's operations.
    pub client_id: Option<i64>,
    /// One cashier's operations.
    pub employee_id: Option<i64>,
    /// `purchase` or `refund`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// From this time (RFC 3339, inclusive).
    pub from: Option<Timestamp>,
    /// Until this time (RFC 3339, exclusive).
    pub to: Option<Timestamp>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl OperationsQuery {
    /// The domain filter and page.
    pub fn into_filter(self) -> Result<(OperationFilter, PageRequest), Vec<FieldError>> {
        let mut errors = Vec::new();
        let page = PageRequest::new(self.limit, self.offset);
        if page.is_none() {
            errors.push(FieldError::new("limit", "must be between 1 and 500"));
        }
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => match OperationKind::from_code(k.trim()) {
                Some(kind) => Some(kind),
                None => {
                    errors.push(FieldError::new("type", "must be purchase or refund"));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            OperationFilter {
                client_id: self.client_id.map(ClientId),
                employee_id: self.employee_id.map(EmployeeId),
                kind,
                from: self.from,
                to: self.to,
            },
            page.unwrap_or_default(),
        ))
    }
}

/// The id in `/operations/{operation_id}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct OperationPath {
    /// Operation id.
    pub operation_id: i64,
}

/// One entry of a client's points ledger.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LedgerEntryResponse {
    /// Entry id.
    pub id: i64,
    /// welcome_bonus, cashback, spend, referral_reward, adjustment, expiry, refund_return,
    /// refund_clawback or referral_clawback.
    pub kind: String,
    /// Signed change of the balance.
    pub amount: Points,
    /// Credits: the part not yet spent.
    pub remaining: Points,
    /// Credits: spendable from.
    pub available_at: Timestamp,
    /// Credits: expiry.
    pub expires_at: Option<Timestamp>,
    /// The operation behind it.
    pub operation_id: Option<OperationId>,
    /// Referral entries: the generation.
    pub generation: Option<u8>,
    /// Referral entries: whose purchase.
    pub source_client_id: Option<ClientId>,
    /// Adjustments: the reason.
    pub reason: Option<String>,
    /// Who caused it.
    pub actor: String,
    /// When.
    pub created_at: Timestamp,
}

impl From<LedgerEntry> for LedgerEntryResponse {
    fn from(e: LedgerEntry) -> Self {
        Self {
            id: e.id,
            kind: e.kind.code().to_owned(),
            amount: e.amount,
            remaining: e.remaining,
            available_at: e.available_at,
            expires_at: e.expires_at,
            operation_id: e.operation_id,
            generation: e.generation,
            source_client_id: e.source_client_id,
            reason: e.reason,
            actor: e.actor.to_string(),
            created_at: e.created_at,
        }
    }
}

/// A page of ledger entries.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LedgerPage {
    /// Entries, newest first.
    pub items: Vec<LedgerEntryResponse>,
    /// Entries in all.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
}

impl From<Page<LedgerEntry>> for LedgerPage {
    fn from(p: Page<LedgerEntry>) -> Self {
        Self {
            total: p.total,
            limit: p.limit,
            offset: p.offset,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Paging of the ledger.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct LedgerQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// A fresh one-time payment code for the Mini App.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PaymentCodeResponse {
    /// Six digits to show the cashier.
    pub code: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Seconds it stays valid.
    pub valid_seconds: i64,
}
