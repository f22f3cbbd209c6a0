//! Operations: purchases and refunds as commands, plans and stored records.

use super::ledger::LedgerChange;
use super::levels::Level;
use super::purchase::{PurchaseBreakdown, ReferralReward, RefundBreakdown};
use super::referral::RewardType;
use crm_core::{
    Actor, CertificateId, ClientId, EmployeeId, LocationId, Money, OperationId, Percent, Phone,
    Points, ProductId, Timestamp,
};

/// Most lines of goods one purchase may name.
pub const MAX_SALE_LINES: usize = 200;

/// One line of goods sold by a purchase: the stock at the purchase's location goes down by the
/// quantity, in the purchase's transaction (see `docs/inventory.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleLine {
    /// The product.
    pub product_id: ProductId,
    /// How much, in thousandths of the product's unit (> 0).
    pub quantity: i64,
}

/// Why a line of goods could not be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleLineProblem {
    /// No such product.
    ProductNotFound,
    /// A service: it has no stock.
    NotStockable,
    /// The product is archived.
    ProductArchived,
    /// The purchase's location does not exist.
    LocationNotFound,
    /// The purchase's location is inactive.
    LocationInactive,
    /// Not enough stock at the location (and negative stock is not allowed).
    InsufficientStock {
        /// What is there, in thousandths.
        available: i64,
    },
}

/// A line of goods the commit refused, which refuses the whole purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleLineRefusal {
    /// Its position in `items`.
    pub index: usize,
    /// The product.
    pub product_id: ProductId,
    /// Why.
    pub problem: SaleLineProblem,
}

/// Longest receipt number accepted.
pub const MAX_RECEIPT_CHARS: usize = 64;
/// Longest comment accepted.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;

/// A purchase or a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// A purchase.
    Purchase,
    /// A refund of (part of) a purchase.
    Refund,
}

impl OperationKind {
    /// `purchase` or `refund`.
    pub fn code(self) -> &'static str {
        match self {
            OperationKind::Purchase => "purchase",
            OperationKind::Refund => "refund",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "purchase" => Some(OperationKind::Purchase),
            "refund" => Some(OperationKind::Refund),
            _ => None,
        }
    }
}

/// How the cashier names the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientRef {
    /// By id.
    Id(ClientId),
    /// By phone.
    Phone(Phone),
    /// By Telegram user id.
    TelegramId(i64),
    /// By the one-time payment code the client shows in the Mini App.
    PaymentCode(String),
}

/// Command: record (or preview) a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRequest {
    /// The buyer.
    pub client: ClientRef,
    /// The check.
    pub total: Money,
    /// Points to spend.
    pub points_to_spend: Points,
    /// A gift certificate's code, to pay with it first.
    pub certificate_code: Option<String>,
    /// The cash the cashier expects to take; a mismatch with the computation is refused.
    pub expected_cash: Option<Money>,
    /// The cashier.
    pub employee_id: Option<EmployeeId>,
    /// The point of sale.
    pub location_id: Option<LocationId>,
    /// Receipt number.
    pub receipt_number: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Whether the cashier's role may spend points without the client's payment code (owner,
    /// admin).
    pub spending_without_code_allowed: bool,
    /// Goods sold, taken from the stock at `location_id` (which they require).
    pub items: Vec<SaleLine>,
}

impl PurchaseRequest {
    /// A canonical text of the request, to recognise a repeated `Idempotency-Key`.
    pub fn fingerprint(&self) -> String {
        let client = match &self.client {
            ClientRef::Id(id) => format!("id:{id}"),
            ClientRef::Phone(p) => format!("phone:{p}"),
            ClientRef::TelegramId(t) => format!("tg:{t}"),
            ClientRef::PaymentCode(c) => format!("code:{c}"),
        };
        format!(
            "purchase|{client}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.total.minor(),
            self.points_to_spend.minor(),
            self.certificate_code,
            self.expected_cash.map(Money::minor),
            self.employee_id.map(EmployeeId::get),
            self.location_id.map(LocationId::get),
            self.receipt_number,
            self.comment
        ) + &self
            .items
            .iter()
            .map(|l| format!("|item:{}x{}", l.product_id, l.quantity))
            .collect::<String>()
    }
}

/// Command: refund (part of) a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The purchase.
    pub purchase_id: OperationId,
    /// How much of its total; `None` refunds all that is left.
    pub amount: Option<Money>,
    /// Who refunds.
    pub employee_id: Option<EmployeeId>,
    /// Comment.
    pub comment: Option<String>,
}

impl RefundRequest {
    /// A canonical text of the request, to recognise a repeated `Idempotency-Key`.
    pub fn fingerprint(&self) -> String {
        format!(
            "refund|{}|{:?}|{:?}|{:?}",
            self.purchase_id,
            self.amount.map(Money::minor),
            self.employee_id.map(EmployeeId::get),
            self.comment
        )
    }
}

/// A stored operation. For a refund, `points`, `cash`, `certificate_amount` and `cashback` are
/// what it returned or took back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Id.
    pub id: OperationId,
    /// Purchase or refund.
    pub kind: OperationKind,
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
    /// The cashback rate of the purchase.
    pub cashback_rate: Percent,
    /// Refunds: cashback that could not be taken back because the client had spent it.
    pub clawback_shortfall: Points,
    /// Purchases: how much of the total has been refunded.
    pub refunded_total: Money,
    /// Purchases: points returned so far.
    pub refunded_points: Points,
    /// Purchases: cash returned so far.
    pub refunded_cash: Money,
    /// Purchases: certificate amount returned so far.
    pub refunded_certificate: Money,
    /// Purchases: cashback taken back so far (as due).
    pub reversed_cashback: Points,
    /// Referral rewards paid (purchase) or taken back (refund).
    pub referral_rewards: Vec<ReferralReward>,
    /// Points or money, for the referral rewards.
    pub reward_type: RewardType,
    /// Receipt number.
    pub receipt_number: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Who recorded it.
    pub actor: Actor,
    /// When.
    pub created_at: Timestamp,
}

/// What a repository commits for a purchase, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchasePlan {
    /// The buyer.
    pub client_id: ClientId,
    /// The arithmetic.
    pub breakdown: PurchaseBreakdown,
    /// How referral rewards are paid.
    pub reward_type: RewardType,
    /// The certificate redeemed for `breakdown.certificate_amount`.
    pub certificate_id: Option<CertificateId>,
    /// Ledger changes: the spend (debit of spendable lots), the cashback and point rewards.
    pub ledger: Vec<LedgerChange>,
    /// The levels, to re-evaluate the buyer after the figures change.
    pub levels: Vec<Level>,
    /// The cashier.
    pub employee_id: Option<EmployeeId>,
    /// The point of sale.
    pub location_id: Option<LocationId>,
    /// Receipt number.
    pub receipt_number: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// The idempotency key and the request's fingerprint, if a key was sent.
    pub idempotency: Option<(String, String)>,
    /// The payment code that identified the client, consumed by the commit.
    pub payment_code: Option<String>,
    /// Goods sold at `location_id`: sale movements written in the purchase's transaction.
    pub items: Vec<SaleLine>,
    /// Who records it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// What a repository commits for a refund, in one transaction, if the purchase's refunded
/// total is still `expected_refunded_total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPlan {
    /// The purchase.
    pub purchase: Operation,
    /// The arithmetic.
    pub breakdown: RefundBreakdown,
    /// Ledger changes: points returned (credit), cashback and referral clawbacks (debits that
    /// take what the balance holds).
    pub ledger: Vec<LedgerChange>,
    /// The levels, to re-evaluate the client.
    pub levels: Vec<Level>,
    /// Who refunds.
    pub employee_id: Option<EmployeeId>,
    /// Comment.
    pub comment: Option<String>,
    /// The idempotency key and fingerprint.
    pub idempotency: Option<(String, String)>,
    /// Who records it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// Why a repository did not commit a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitRefusal {
    /// The client's spendable points no longer cover the spend (a concurrent purchase).
    InsufficientPoints,
    /// The purchase was refunded concurrently; recompute.
    RefundRaced,
    /// The idempotency key was taken concurrently.
    DuplicateKey,
    /// The payment code was used or expired before the commit.
    PaymentCodeGone,
    /// The certificate's balance or validity changed before the commit; recompute.
    CertificateChanged,
    /// A line of goods cannot be sold (unknown, a service, archived, short of stock).
    SaleLineRefused(SaleLineRefusal),
    /// Storage failed.
    Storage(crm_core::RepoError),
}

impl From<crm_core::RepoError> for CommitRefusal {
    fn from(e: crm_core::RepoError) -> Self {
        CommitRefusal::Storage(e)
    }
}

/// How long a payment code stays valid.
pub const PAYMENT_CODE_TTL_SECONDS: i64 = 300;
/// Digits in a payment code.
pub const PAYMENT_CODE_DIGITS: usize = 6;

/// Whether a text is shaped like a payment code (six digits).
pub fn is_payment_code(text: &str) -> bool {
    text.len() == PAYMENT_CODE_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// Filters of the operations list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationFilter {
    /// One client's operations.
    pub client_id: Option<ClientId>,
    /// One cashier's operations.
    pub employee_id: Option<EmployeeId>,
    /// Purchases or refunds.
    pub kind: Option<OperationKind>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
}
