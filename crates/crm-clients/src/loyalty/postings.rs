//! Postings: the points-ledger changes a purchase or a refund makes, from its computed
//! breakdown. The cashier's [`crate::loyalty::Checkout`] and the demo-data generator both post
//! through these functions, so there is one definition of what a purchase writes to the ledger.

use super::ledger::{LedgerChange, LedgerKind};
use super::purchase::{money_as_points, PurchaseBreakdown, RefundBreakdown};
use super::referral::RewardType;
use super::rules::LoyaltyRules;
use crm_core::{ClientId, Timestamp};

const DAY_SECONDS: i64 = 86_400;

/// When a credit made at `at` becomes spendable (after the deferral) and when it expires (the
/// expiry counts from availability), under `rules`.
pub fn lot_times(rules: &LoyaltyRules, at: Timestamp) -> (Timestamp, Option<Timestamp>) {
    let available_at = at.plus_seconds(i64::from(rules.points_deferral_days) * DAY_SECONDS);
    let expires_at = rules
        .points_expiry_days
        .map(|days| available_at.plus_seconds(i64::from(days) * DAY_SECONDS));
    (available_at, expires_at)
}

fn change(client_id: ClientId, kind: LedgerKind, at: Timestamp) -> LedgerChange {
    LedgerChange {
        client_id,
        kind,
        amount: crm_core::Points::ZERO,
        available_at: at,
        expires_at: None,
        generation: None,
        source_client_id: None,
        reason: None,
    }
}

/// A purchase's postings: the points spent (a debit), the cashback (a deferred credit) and,
/// when rewards are paid in points, each recommender's reward (a deferred credit naming the
/// generation and the buyer).
pub fn purchase_postings(
    buyer: ClientId,
    breakdown: &PurchaseBreakdown,
    reward_type: RewardType,
    rules: &LoyaltyRules,
    at: Timestamp,
) -> Vec<LedgerChange> {
    let (available_at, expires_at) = lot_times(rules, at);
    let mut postings = Vec::with_capacity(2 + breakdown.referral_rewards.len());
    if !breakdown.points_spent.is_zero() {
        postings.push(LedgerChange {
            amount: breakdown.points_spent.negate(),
            ..change(buyer, LedgerKind::Spend, at)
        });
    }
    if !breakdown.cashback.is_zero() {
        postings.push(LedgerChange {
            amount: breakdown.cashback,
            available_at,
            expires_at,
            ..change(buyer, LedgerKind::Cashback, at)
        });
    }
    if reward_type == RewardType::Points {
        for reward in &breakdown.referral_rewards {
            postings.push(LedgerChange {
                amount: money_as_points(reward.amount),
                available_at,
                expires_at,
                generation: Some(reward.generation),
                source_client_id: Some(buyer),
                ..change(reward.beneficiary, LedgerKind::ReferralReward, at)
            });
        }
    }
    postings
}

/// A refund's postings: the spent points returned (spendable at once, expiring like newly
/// earned ones), the cashback taken back and, when rewards were paid in points, each
/// recommender's reward taken back.
pub fn refund_postings(
    buyer: ClientId,
    refund: &RefundBreakdown,
    reward_type: RewardType,
    rules: &LoyaltyRules,
    at: Timestamp,
) -> Vec<LedgerChange> {
    let (_, expires_at) = lot_times(rules, at);
    let mut postings = Vec::new();
    if !refund.points_returned.is_zero() {
        postings.push(LedgerChange {
            amount: refund.points_returned,
            expires_at,
            ..change(buyer, LedgerKind::RefundReturn, at)
        });
    }
    if !refund.cashback_reversed.is_zero() {
        postings.push(LedgerChange {
            amount: refund.cashback_reversed.negate(),
            ..change(buyer, LedgerKind::RefundClawback, at)
        });
    }
    if reward_type == RewardType::Points {
        for reward in &refund.referral_reversed {
            postings.push(LedgerChange {
                amount: money_as_points(reward.amount).negate(),
                generation: Some(reward.generation),
                source_client_id: Some(buyer),
                ..change(reward.beneficiary, LedgerKind::ReferralClawback, at)
            });
        }
    }
    postings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loyalty::purchase::ReferralReward;
    use crm_core::{Money, Points};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).unwrap()
    }

    fn rules() -> LoyaltyRules {
        LoyaltyRules {
            points_deferral_days: 2,
            points_expiry_days: Some(30),
            ..LoyaltyRules::default()
        }
    }

    fn reward(generation: u8, beneficiary: i64, minor: i64) -> ReferralReward {
        ReferralReward {
            generation,
            beneficiary: ClientId(beneficiary),
            amount: Money::from_minor(minor),
        }
    }

    #[test]
    fn a_purchase_debits_spent_points_and_credits_deferred_cashback_and_rewards() {
        let breakdown = PurchaseBreakdown {
            total: Money::from_minor(1_000_00),
            certificate_amount: Money::ZERO,
            points_spent: Points::from_minor(100_00),
            cash_paid: Money::from_minor(900_00),
            cashback: Points::from_minor(45_00),
            cashback_rate: crm_core::Percent::from_basis_points(500).unwrap(),
            max_points: Points::from_minor(300_00),
            referral_rewards: vec![reward(1, 8, 27_00), reward(2, 9, 9_00)],
        };
        let now = at(1_000_000);
        let postings =
            purchase_postings(ClientId(1), &breakdown, RewardType::Points, &rules(), now);
        let summary: Vec<_> = postings
            .iter()
            .map(|p| (p.client_id.get(), p.kind, p.amount.minor(), p.generation))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, LedgerKind::Spend, -100_00, None),
                (1, LedgerKind::Cashback, 45_00, None),
                (8, LedgerKind::ReferralReward, 27_00, Some(1)),
                (9, LedgerKind::ReferralReward, 9_00, Some(2)),
            ]
        );
        assert_eq!(postings[0].available_at, now);
        assert_eq!(postings[1].available_at, at(1_000_000 + 2 * DAY_SECONDS));
        assert_eq!(
            postings[1].expires_at,
            Some(at(1_000_000 + 32 * DAY_SECONDS))
        );
        assert_eq!(postings[2].source_client_id, Some(ClientId(1)));
        // Money rewards are paid outside the points ledger.
        let money = purchase_postings(ClientId(1), &breakdown, RewardType::Money, &rules(), now);
        assert_eq!(money.len(), 2);
    }

    #[test]
    fn a_refund_returns_points_at_once_and_claws_back_cashback_and_rewards() {
        let refund = RefundBreakdown {
            amount: Money::from_minor(500_00),
            points_returned: Points::from_minor(50_00),
            cash_returned: Money::from_minor(450_00),
            certificate_returned: Money::ZERO,
            cashback_reversed: Points::from_minor(22_50),
            referral_reversed: vec![reward(1, 8, 13_50)],
            completes_refund: false,
        };
        let now = at(2_000_000);
        let postings = refund_postings(ClientId(1), &refund, RewardType::Points, &rules(), now);
        let summary: Vec<_> = postings
            .iter()
            .map(|p| (p.client_id.get(), p.kind, p.amount.minor()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, LedgerKind::RefundReturn, 50_00),
                (1, LedgerKind::RefundClawback, -22_50),
                (8, LedgerKind::ReferralClawback, -13_50),
            ]
        );
        assert!(postings.iter().all(|p| p.available_at == now));
        assert_eq!(
            postings[0].expires_at,
            Some(at(2_000_000 + 32 * DAY_SECONDS))
        );
        assert_eq!(postings[1].expires_at, None);
    }
}
