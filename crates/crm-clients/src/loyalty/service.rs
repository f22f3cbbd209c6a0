//! [`Checkout`]: the cashier's use cases — preview a purchase, record it, refund it, look
//! operations up.

use super::error::OperationError;
use super::levels::Level;
use super::operations::{
    is_payment_code, ClientRef, CommitRefusal, Operation, OperationFilter, OperationKind,
    PurchasePlan, PurchaseRequest, RefundPlan, RefundRequest, MAX_COMMENT_CHARS,
    MAX_IDEMPOTENCY_KEY_CHARS, MAX_RECEIPT_CHARS, MAX_SALE_LINES, PAYMENT_CODE_TTL_SECONDS,
};
use super::ports::{LoyaltyProgramme, OperationRepository};
use super::postings::{purchase_postings, refund_postings};
use super::purchase::{
    compute_purchase, compute_refund, PurchaseBreakdown, PurchaseInput, PurchaseRefusal,
    RefundRefusal, RefundedSoFar,
};
use super::referral::RewardType;
use super::rules::LoyaltyRules;
use crate::certificates::{redeemable, Certificate, CertificateCode, CertificateRefusal};
use crate::model::Client;
use crate::ports::ClientRepository;
use crm_core::{Actor, Clock, FieldError, OperationId, Page, PageRequest, Points, Timestamp};

/// How often a purchase or refund is recomputed when a concurrent one changed its inputs.
const COMMIT_ATTEMPTS: usize = 5;

/// A previewed purchase: what the cashier sees before recording it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The buyer.
    pub client: Client,
    /// The client's level, if any.
    pub level: Option<Level>,
    /// Points the client can spend now.
    pub spendable_points: Points,
    /// The arithmetic.
    pub breakdown: PurchaseBreakdown,
    /// How referral rewards would be paid.
    pub reward_type: RewardType,
    /// The certificate paying first, if one was presented.
    pub certificate: Option<Certificate>,
}

/// The cashier's use cases.
pub struct Checkout<C, O, L, K> {
    clients: C,
    operations: O,
    programme: L,
    clock: K,
}

fn text_field(field: &str, value: &Option<String>, max: usize) -> Option<FieldError> {
    value.as_ref().and_then(|v| {
        (v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n')).then(|| {
            FieldError::new(
                field,
                format!("must be at most {max} characters, without control characters"),
            )
        })
    })
}

fn check_key(key: &Option<String>) -> Result<(), OperationError> {
    match key {
        Some(k)
            if k.is_empty() || k.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS || !k.is_ascii() =>
        {
            Err(OperationError::Validation(vec![FieldError::new(
                "idempotency_key",
                "must be 1 to 128 ASCII characters",
            )]))
        }
        _ => Ok(()),
    }
}

impl<C, O, L, K> Checkout<C, O, L, K>
where
    C: ClientRepository,
    O: OperationRepository,
    L: LoyaltyProgramme,
    K: Clock,
{
    /// The use cases over their ports.
    pub fn new(clients: C, operations: O, programme: L, clock: K) -> Self {
        Self {
            clients,
            operations,
            programme,
            clock,
        }
    }

    fn resolve(&self, client: &ClientRef, now: Timestamp) -> Result<Client, OperationError> {
        let found = match client {
            ClientRef::Id(id) => self.clients.get(*id)?,
            ClientRef::TelegramId(tg) => self.clients.find_by_telegram_id(*tg)?,
            ClientRef::Phone(phone) => self.clients.find_by_phone(phone)?,
            ClientRef::PaymentCode(code) => {
                let holder = if is_payment_code(code) {
                    self.operations.client_for_payment_code(code, now)?
                } else {
                    None
                };
                let id = holder.ok_or(OperationError::PaymentCodeInvalid)?;
                self.clients.get(id)?
            }
        };
        found.ok_or(OperationError::ClientNotFound)
    }

    /// Draws a new one-time payment code for the client (replacing any previous one), valid
    /// for [`PAYMENT_CODE_TTL_SECONDS`]. `draw` supplies random six-digit codes.
    pub fn issue_payment_code(
        &self,
        client: crm_core::ClientId,
        mut draw: impl FnMut() -> String,
    ) -> Result<(String, Timestamp), OperationError> {
        let now = self.clock.now();
        let expires_at = now.plus_seconds(PAYMENT_CODE_TTL_SECONDS);
        for _ in 0..COMMIT_ATTEMPTS {
            let code = draw();
            match self
                .operations
                .issue_payment_code(client, &code, expires_at, now)
            {
                Ok(()) => return Ok((code, expires_at)),
                // Another client holds this code right now: draw again.
                Err(crm_core::RepoError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(OperationError::ConcurrentChange)
    }

    fn quote_at(
        &self,
        request: &PurchaseRequest,
        now: Timestamp,
    ) -> Result<(Quote, Vec<Level>, LoyaltyRules), OperationError> {
        let mut errors: Vec<FieldError> = [
            text_field("receipt_number", &request.receipt_number, MAX_RECEIPT_CHARS),
            text_field("comment", &request.comment, MAX_COMMENT_CHARS),
        ]
        .into_iter()
        .flatten()
        .collect();
        if request.total.minor() <= 0 {
            errors.push(FieldError::new("total", "must be greater than 0"));
        }
        if !request.items.is_empty() && request.location_id.is_none() {
            errors.push(FieldError::new(
                "location_id",
                "is required when items are sold",
            ));
        }
        if request.items.len() > MAX_SALE_LINES {
            errors.push(FieldError::new("items", "must list at most 200 lines"));
        }
        for (i, line) in request.items.iter().enumerate() {
            if line.quantity <= 0 {
                errors.push(FieldError::new(
                    format!("items[{i}].quantity"),
                    "must be greater than 0",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(OperationError::Validation(errors));
        }
        let client = self.resolve(&request.client, now)?;
        let by_code = matches!(request.client, ClientRef::PaymentCode(_));
        if !request.points_to_spend.is_zero() && !by_code && !request.spending_without_code_allowed
        {
            return Err(OperationError::PaymentCodeRequired);
        }
        let rules = self.programme.rules()?;
        let levels = self.programme.levels()?;
        let referral = self.programme.referral_config()?;
        let level = client
            .loyalty
            .level_id
            .and_then(|id| levels.iter().find(|l| l.id == id))
            .cloned();
        let rates = referral.active_generations().to_vec();
        let referrers = if rates.is_empty() {
            Vec::new()
        } else {
            self.operations.referrer_chain(client.id, rates.len())?
        };
        let spendable_points = self.operations.spendable_points(client.id, now)?;
        let certificate = match &request.certificate_code {
            None => None,
            Some(raw) => {
                let code = CertificateCode::parse(raw).map_err(|e| {
                    OperationError::Validation(vec![FieldError::new("certificate_code", e.message)])
                })?;
                let cert = self.operations.find_certificate(code.as_str())?.ok_or(
                    OperationError::CertificateRefused(CertificateRefusal::NotFound),
                )?;
                let balance = redeemable(&cert, now).map_err(OperationError::CertificateRefused)?;
                Some((cert, balance))
            }
        };
        let input = PurchaseInput {
            total: request.total,
            points_requested: request.points_to_spend,
            spendable_points,
            max_points_share: level
                .as_ref()
                .and_then(|l| l.max_points_share)
                .unwrap_or(rules.max_points_share),
            cashback_rate: level.as_ref().map_or(rules.base_cashback, |l| l.cashback),
            certificate_balance: certificate.as_ref().map(|(_, balance)| *balance),
            referrers,
            referral_rates: rates,
        };
        let breakdown = compute_purchase(&input).map_err(|refusal| match refusal {
            PurchaseRefusal::NonPositiveTotal => {
                OperationError::Validation(vec![FieldError::new("total", "must be greater than 0")])
            }
            PurchaseRefusal::TooManyPoints { allowed } => OperationError::TooManyPoints { allowed },
        })?;
        if let Some(stated) = request.expected_cash {
            if stated != breakdown.cash_paid {
                return Err(OperationError::CashMismatch {
                    stated,
                    computed: breakdown.cash_paid,
                });
            }
        }
        let quote = Quote {
            client,
            level,
            spendable_points,
            breakdown,
            reward_type: referral.reward_type,
            certificate: certificate.map(|(cert, _)| cert),
        };
        Ok((quote, levels, rules))
    }

    /// Previews a purchase without recording anything.
    pub fn calc(&self, request: &PurchaseRequest) -> Result<Quote, OperationError> {
        self.quote_at(request, self.clock.now())
            .map(|(quote, _, _)| quote)
    }

    fn replay(&self, key: &str, fingerprint: &str) -> Result<Option<Operation>, OperationError> {
        match self.operations.find_by_idempotency_key(key)? {
            Some((stored, operation)) if stored == fingerprint => Ok(Some(operation)),
            Some(_) => Err(OperationError::IdempotencyKeyReused),
            None => Ok(None),
        }
    }

    /// Records a purchase. With an idempotency key, repeating the same request returns the
    /// stored operation (`true`), and a different request under the key is refused.
    pub fn purchase(
        &self,
        request: &PurchaseRequest,
        idempotency_key: Option<String>,
        actor: Actor,
    ) -> Result<(Operation, bool), OperationError> {
        check_key(&idempotency_key)?;
        let fingerprint = request.fingerprint();
        if let Some(key) = &idempotency_key {
            if let Some(stored) = self.replay(key, &fingerprint)? {
                return Ok((stored, true));
            }
        }
        for _ in 0..COMMIT_ATTEMPTS {
            let now = self.clock.now();
            let (quote, levels, rules) = self.quote_at(request, now)?;
            let plan = self.purchase_plan(
                request,
                quote,
                levels,
                &rules,
                &idempotency_key,
                &fingerprint,
                actor,
                now,
            );
            match self.operations.commit_purchase(&plan) {
                Ok(operation) => return Ok((operation, false)),
                Err(CommitRefusal::InsufficientPoints)
                | Err(CommitRefusal::RefundRaced)
                | Err(CommitRefusal::CertificateChanged) => continue,
                Err(CommitRefusal::PaymentCodeGone) => {
                    return Err(OperationError::PaymentCodeInvalid)
                }
                Err(CommitRefusal::SaleLineRefused(refusal)) => {
                    return Err(OperationError::SaleLineRefused(refusal))
                }
                Err(CommitRefusal::DuplicateKey) => {
                    let key = idempotency_key.as_deref().unwrap_or_default();
                    return match self.replay(key, &fingerprint)? {
                        Some(stored) => Ok((stored, true)),
                        None => Err(OperationError::ConcurrentChange),
                    };
                }
                Err(CommitRefusal::Storage(e)) => return Err(e.into()),
            }
        }
        Err(OperationError::ConcurrentChange)
    }

    #[allow(clippy::too_many_arguments)]
    fn purchase_plan(
        &self,
        request: &PurchaseRequest,
        quote: Quote,
        levels: Vec<Level>,
        rules: &LoyaltyRules,
        key: &Option<String>,
        fingerprint: &str,
        actor: Actor,
        now: Timestamp,
    ) -> PurchasePlan {
        let client_id = quote.client.id;
        let ledger = purchase_postings(client_id, &quote.breakdown, quote.reward_type, rules, now);
        PurchasePlan {
            client_id,
            certificate_id: quote.certificate.as_ref().map(|c| c.id),
            breakdown: quote.breakdown,
            reward_type: quote.reward_type,
            ledger,
            levels,
            employee_id: request.employee_id,
            location_id: request.location_id,
            receipt_number: request.receipt_number.clone(),
            comment: request.comment.clone(),
            idempotency: key.clone().map(|k| (k, fingerprint.to_owned())),
            payment_code: match &request.client {
                ClientRef::PaymentCode(code) => Some(code.clone()),
                _ => None,
            },
            items: request.items.clone(),
            actor,
            at: now,
        }
    }

    /// Refunds (part of) a purchase: spent points come back in proportion, the cashback is
    /// taken back, and — when the rules say so — so are the referral rewards.
    pub fn refund(
        &self,
        request: &RefundRequest,
        idempotency_key: Option<String>,
        actor: Actor,
    ) -> Result<(Operation, bool), OperationError> {
        check_key(&idempotency_key)?;
        if let Some(e) = text_field("comment", &request.comment, MAX_COMMENT_CHARS) {
            return Err(OperationError::Validation(vec![e]));
        }
        let fingerprint = request.fingerprint();
        if let Some(key) = &idempotency_key {
            if let Some(stored) = self.replay(key, &fingerprint)? {
                return Ok((stored, true));
            }
        }
        for _ in 0..COMMIT_ATTEMPTS {
            let now = self.clock.now();
            let purchase = self
                .operations
                .get(request.purchase_id)?
                .ok_or(OperationError::NotFound)?;
            if purchase.kind != OperationKind::Purchase {
                return Err(OperationError::NotAPurchase);
            }
            let rules = self.programme.rules()?;
            let levels = self.programme.levels()?;
            let reversed_before: Vec<_> = self
                .operations
                .refunds_of(purchase.id)?
                .into_iter()
                .flat_map(|r| r.referral_rewards)
                .collect();
            let breakdown = PurchaseBreakdown {
                total: purchase.total,
                certificate_amount: purchase.certificate_amount,
                points_spent: purchase.points,
                cash_paid: purchase.cash,
                cashback: purchase.cashback,
                cashback_rate: purchase.cashback_rate,
                max_points: purchase.points,
                referral_rewards: purchase.referral_rewards.clone(),
            };
            let so_far = RefundedSoFar {
                total: purchase.refunded_total,
                points_returned: purchase.refunded_points,
                cash_returned: purchase.refunded_cash,
                certificate_returned: purchase.refunded_certificate,
                cashback_reversed: purchase.reversed_cashback,
            };
            let amount = request
                .amount
                .unwrap_or(purchase.total - purchase.refunded_total);
            let refund = compute_refund(
                &breakdown,
                &so_far,
                amount,
                rules.refund_claws_back_referrals,
                &reversed_before,
            )
            .map_err(|refusal| match refusal {
                RefundRefusal::NonPositiveAmount if request.amount.is_none() => {
                    OperationError::RefundExceedsPurchase { left: amount }
                }
                RefundRefusal::NonPositiveAmount => {
                    OperationError::Validation(vec![FieldError::new(
                        "amount",
                        "must be greater than 0",
                    )])
                }
                RefundRefusal::ExceedsPurchase { left } => {
                    OperationError::RefundExceedsPurchase { left }
                }
            })?;
            let ledger = refund_postings(
                purchase.client_id,
                &refund,
                purchase.reward_type,
                &rules,
                now,
            );
            let plan = RefundPlan {
                purchase,
                breakdown: refund,
                ledger,
                levels,
                employee_id: request.employee_id,
                comment: request.comment.clone(),
                idempotency: idempotency_key.clone().map(|k| (k, fingerprint.clone())),
                actor,
                at: now,
            };
            match self.operations.commit_refund(&plan) {
                Ok(operation) => return Ok((operation, false)),
                Err(CommitRefusal::RefundRaced)
                | Err(CommitRefusal::InsufficientPoints)
                | Err(CommitRefusal::PaymentCodeGone)
                | Err(CommitRefusal::SaleLineRefused(_))
                | Err(CommitRefusal::CertificateChanged) => continue,
                Err(CommitRefusal::DuplicateKey) => {
                    let key = idempotency_key.as_deref().unwrap_or_default();
                    return match self.replay(key, &fingerprint)? {
                        Some(stored) => Ok((stored, true)),
                        None => Err(OperationError::ConcurrentChange),
                    };
                }
                Err(CommitRefusal::Storage(e)) => return Err(e.into()),
            }
        }
        Err(OperationError::ConcurrentChange)
    }

    /// One operation.
    pub fn get(&self, id: OperationId) -> Result<Operation, OperationError> {
        self.operations.get(id)?.ok_or(OperationError::NotFound)
    }

    /// A page of operations, newest first.
    pub fn list(
        &self,
        filter: &OperationFilter,
        page: PageRequest,
    ) -> Result<Page<Operation>, OperationError> {
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                return Err(OperationError::Validation(vec![FieldError::new(
                    "from",
                    "must not be after to",
                )]));
            }
        }
        Ok(self.operations.list(filter, page)?)
    }
}

#[cfg(test)]
mod tests;
