//! The points ledger: every change of a balance is an append-only entry, so a balance can
//! always be recomputed and explained.
//!
//! Credits are lots: each keeps the part not yet spent (`remaining`), becomes spendable at
//! `available_at` (deferred points) and may expire at `expires_at`. Debits consume the oldest
//! spendable lots first, so the points that expire first are spent first.

use crm_core::{Actor, ClientId, OperationId, Points, Timestamp};

/// Why a balance changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    /// Points given on registration.
    WelcomeBonus,
    /// Points earned on a purchase.
    Cashback,
    /// Points spent on a purchase.
    Spend,
    /// Points earned from a recommended client's purchase.
    ReferralReward,
    /// A manual accrual or withdrawal with a reason.
    Adjustment,
    /// Points that reached their expiry unspent.
    Expiry,
    /// Spent points given back by a refund.
    RefundReturn,
    /// Cashback taken back by a refund.
    RefundClawback,
    /// A referral reward taken back by a refund of the purchase that paid it.
    ReferralClawback,
}

impl LedgerKind {
    /// Every kind.
    pub const ALL: [LedgerKind; 9] = [
        LedgerKind::WelcomeBonus,
        LedgerKind::Cashback,
        LedgerKind::Spend,
        LedgerKind::ReferralReward,
        LedgerKind::Adjustment,
        LedgerKind::Expiry,
        LedgerKind::RefundReturn,
        LedgerKind::RefundClawback,
        LedgerKind::ReferralClawback,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            LedgerKind::WelcomeBonus => "welcome_bonus",
            LedgerKind::Cashback => "cashback",
            LedgerKind::Spend => "spend",
            LedgerKind::ReferralReward => "referral_reward",
            LedgerKind::Adjustment => "adjustment",
            LedgerKind::Expiry => "expiry",
            LedgerKind::RefundReturn => "refund_return",
            LedgerKind::RefundClawback => "refund_clawback",
            LedgerKind::ReferralClawback => "referral_clawback",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A change to write: a credit (positive) creates a lot, a debit (negative) consumes lots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerChange {
    /// Whose balance.
    pub client_id: ClientId,
    /// Why.
    pub kind: LedgerKind,
    /// Signed amount.
    pub amount: Points,
    /// Credits: when they become spendable.
    pub available_at: Timestamp,
    /// Credits: when they expire, if ever.
    pub expires_at: Option<Timestamp>,
    /// Referral entries: the generation.
    pub generation: Option<u8>,
    /// Referral entries: whose purchase.
    pub source_client_id: Option<ClientId>,
    /// Adjustments: the reason.
    pub reason: Option<String>,
}

/// A stored ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Entry id.
    pub id: i64,
    /// Whose balance.
    pub client_id: ClientId,
    /// The operation that caused it, if any.
    pub operation_id: Option<OperationId>,
    /// Why.
    pub kind: LedgerKind,
    /// Signed amount.
    pub amount: Points,
    /// Credits: not yet spent.
    pub remaining: Points,
    /// Credits: spendable from.
    pub available_at: Timestamp,
    /// Credits: expiry.
    pub expires_at: Option<Timestamp>,
    /// Referral entries: the generation.
    pub generation: Option<u8>,
    /// Referral entries: whose purchase.
    pub source_client_id: Option<ClientId>,
    /// Adjustments: the reason.
    pub reason: Option<String>,
    /// Who caused it.
    pub actor: Actor,
    /// When.
    pub created_at: Timestamp,
}

/// An unspent credit, as debits see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lot {
    /// The credit's ledger id (older lots have smaller ids).
    pub id: i64,
    /// Not yet spent.
    pub remaining: Points,
}

/// How much to take from each lot to debit `amount`, oldest first. Returns the takes and what
/// could not be covered (zero when the lots sufficed).
pub fn consume_oldest_first(lots: &[Lot], amount: Points) -> (Vec<(i64, Points)>, Points) {
    let mut left = amount.max_zero();
    let mut takes = Vec::new();
    let mut ordered: Vec<&Lot> = lots.iter().filter(|l| l.remaining.minor() > 0).collect();
    ordered.sort_by_key(|l| l.id);
    for lot in ordered {
        if left.is_zero() {
            break;
        }
        let take = lot.remaining.min(left);
        takes.push((lot.id, take));
        left = left - take;
    }
    (takes, left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn debits_take_the_oldest_lots_first() {
        let lots = [
            Lot {
                id: 7,
                remaining: Points::from_minor(500),
            },
            Lot {
                id: 3,
                remaining: Points::from_minor(100),
            },
            Lot {
                id: 9,
                remaining: Points::ZERO,
            },
            Lot {
                id: 5,
                remaining: Points::from_minor(200),
            },
        ];
        let (takes, short) = consume_oldest_first(&lots, Points::from_minor(250));
        assert_eq!(
            takes,
            vec![(3, Points::from_minor(100)), (5, Points::from_minor(150))]
        );
        assert_eq!(short, Points::ZERO);
        let (all, short) = consume_oldest_first(&lots, Points::from_minor(1_000));
        assert_eq!(all.len(), 3);
        assert_eq!(short, Points::from_minor(200));
    }

    #[test]
    fn codes_round_trip() {
        for kind in LedgerKind::ALL {
            assert_eq!(LedgerKind::from_code(kind.code()), Some(kind));
        }
    }

    proptest! {
        #[test]
        fn consumption_never_takes_more_than_a_lot_holds(
            remaining in proptest::collection::vec(0i64..10_000, 0..20),
            amount in 0i64..200_000,
        ) {
            let lots: Vec<Lot> = remaining.iter().enumerate()
                .map(|(i, &r)| Lot { id: i as i64, remaining: Points::from_minor(r) }).collect();
            let (takes, short) = consume_oldest_first(&lots, Points::from_minor(amount));
            let taken: i64 = takes.iter().map(|(_, t)| t.minor()).sum();
            prop_assert_eq!(taken + short.minor(), amount);
            for (id, take) in takes {
                prop_assert!(take.minor() > 0 && take.minor() <= remaining[id as usize]);
            }
            let held: i64 = remaining.iter().sum();
            prop_assert_eq!(short.minor(), (amount - held).max(0));
        }
    }
}
