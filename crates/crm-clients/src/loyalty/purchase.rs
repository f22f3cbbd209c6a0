//! The arithmetic of a purchase and of its refunds — pure, exact, and the single place where
//! the order of operations is decided (see `docs/loyalty.md`).
//!
//! A purchase of `total`:
//! 1. a certificate pays first, up to its balance;
//! 2. points pay next, at one point per rouble, capped by the spendable balance, by the largest
//!    share of the check payable with points (of the whole `total`) and by what is left to pay;
//!    asking for more is refused with the allowed maximum;
//! 3. the rest is cash;
//! 4. cashback is the client's rate (their level's, else the base rate) of the cash part;
//! 5. each generation of recommenders gets its rate of the cash part.
//!
//! Every share rounds down to the kopeck; the fraction stays with the business.
//!
//! A refund returns a part of the purchase. Cumulative amounts are computed from the refunded
//! share of the total and rounded down, and each refund takes the difference from what earlier
//! refunds took, so partial refunds add up exactly to a full one.

use crm_core::{ClientId, Money, Percent, Points};

/// One point pays one rouble: points and money share their minor unit.
pub fn points_as_money(points: Points) -> Money {
    Money::from_minor(points.minor())
}

/// Money expressed as points at one point per rouble.
pub fn money_as_points(money: Money) -> Points {
    Points::from_minor(money.minor())
}

fn share(rate: Percent, amount: Money) -> Money {
    Money::from_minor(rate.share_of_minor(amount.minor()))
}

/// What the purchase arithmetic needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseInput {
    /// The check.
    pub total: Money,
    /// Points the client wants to spend.
    pub points_requested: Points,
    /// Points the client can spend now.
    pub spendable_points: Points,
    /// The largest share of the check payable with points.
    pub max_points_share: Percent,
    /// Cashback rate of the client.
    pub cashback_rate: Percent,
    /// Balance of the certificate presented, if any.
    pub certificate_balance: Option<Money>,
    /// Recommenders, nearest first, already cut to the programme's depth.
    pub referrers: Vec<ClientId>,
    /// The rate of each generation, nearest first.
    pub referral_rates: Vec<Percent>,
}

/// A reward owed to a recommender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralReward {
    /// 1 for the direct recommender, 2 for theirs, ...
    pub generation: u8,
    /// Who gets it.
    pub beneficiary: ClientId,
    /// How much (in points or money, per the programme).
    pub amount: Money,
}

/// The computed purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseBreakdown {
    /// The check.
    pub total: Money,
    /// Paid by the certificate.
    pub certificate_amount: Money,
    /// Paid with points.
    pub points_spent: Points,
    /// Paid in cash (or card).
    pub cash_paid: Money,
    /// Points earned.
    pub cashback: Points,
    /// The cashback rate used.
    pub cashback_rate: Percent,
    /// The most points this check could take.
    pub max_points: Points,
    /// Rewards of the recommenders.
    pub referral_rewards: Vec<ReferralReward>,
}

/// Why the arithmetic refuses a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurchaseRefusal {
    /// The total is zero or negative.
    NonPositiveTotal,
    /// More points were asked for than may be spent; `allowed` is the most that may.
    TooManyPoints {
        /// The allowed maximum.
        allowed: Points,
    },
}

/// Computes a purchase.
pub fn compute_purchase(input: &PurchaseInput) -> Result<PurchaseBreakdown, PurchaseRefusal> {
    if input.total.minor() <= 0 {
        return Err(PurchaseRefusal::NonPositiveTotal);
    }
    let certificate_amount = input
        .certificate_balance
        .map_or(Money::ZERO, |balance| balance.max_zero().min(input.total));
    let left_to_pay = input.total - certificate_amount;
    let by_share = share(input.max_points_share, input.total);
    let max_points =
        money_as_points(by_share.min(left_to_pay)).min(input.spendable_points.max_zero());
    if input.points_requested.is_negative() || input.points_requested > max_points {
        return Err(PurchaseRefusal::TooManyPoints {
            allowed: max_points,
        });
    }
    let points_spent = input.points_requested;
    let cash_paid = left_to_pay - points_as_money(points_spent);
    let cashback = money_as_points(share(input.cashback_rate, cash_paid));
    let referral_rewards = input
        .referrers
        .iter()
        .zip(&input.referral_rates)
        .enumerate()
        .filter_map(|(i, (&beneficiary, &rate))| {
            let amount = share(rate, cash_paid);
            (!amount.is_zero()).then_some(ReferralReward {
                generation: u8::try_from(i + 1).unwrap_or(u8::MAX),
                beneficiary,
                amount,
            })
        })
        .collect();
    Ok(PurchaseBreakdown {
        total: input.total,
        certificate_amount,
        points_spent,
        cash_paid,
        cashback,
        cashback_rate: input.cashback_rate,
        max_points,
        referral_rewards,
    })
}

/// What has been refunded of a purchase so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefundedSoFar {
    /// Of the total.
    pub total: Money,
    /// Points given back.
    pub points_returned: Points,
    /// Cash given back.
    pub cash_returned: Money,
    /// Certificate amount given back.
    pub certificate_returned: Money,
    /// Cashback taken back (due, before any shortfall).
    pub cashback_reversed: Points,
}

/// The amounts one refund moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundBreakdown {
    /// The refunded part of the total.
    pub amount: Money,
    /// Points returned to the client.
    pub points_returned: Points,
    /// Cash returned to the client.
    pub cash_returned: Money,
    /// Returned to the certificate.
    pub certificate_returned: Money,
    /// Cashback due back from the client.
    pub cashback_reversed: Points,
    /// Referral rewards due back, per reward of the purchase (when the rules claw them back).
    pub referral_reversed: Vec<ReferralReward>,
    /// Whether this refund completes the refund of the whole purchase.
    pub completes_refund: bool,
}

/// Why a refund is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Zero or negative amount.
    NonPositiveAmount,
    /// More than what is left of the purchase; `left` is the most that may be refunded.
    ExceedsPurchase {
        /// What is left to refund.
        left: Money,
    },
}

fn cumulative(part: i64, refunded: i64, total: i64) -> i64 {
    // floor(part * refunded / total), exact in i128; equals `part` when all is refunded.
    if total == 0 {
        return 0;
    }
    (i128::from(part) * i128::from(refunded) / i128::from(total)) as i64
}

/// Computes a refund of `amount` (of the purchase's total) given what earlier refunds took.
pub fn compute_refund(
    purchase: &PurchaseBreakdown,
    so_far: &RefundedSoFar,
    amount: Money,
    claw_back_referrals: bool,
    referral_reversed_so_far: &[ReferralReward],
) -> Result<RefundBreakdown, RefundRefusal> {
    if amount.minor() <= 0 {
        return Err(RefundRefusal::NonPositiveAmount);
    }
    let left = purchase.total - so_far.total;
    if amount > left {
        return Err(RefundRefusal::ExceedsPurchase { left });
    }
    let refunded_after = (so_far.total + amount).minor();
    let total = purchase.total.minor();
    let cum = |part: i64| cumulative(part, refunded_after, total);
    let points_returned =
        Points::from_minor(cum(purchase.points_spent.minor()) - so_far.points_returned.minor());
    let cash_returned =
        Money::from_minor(cum(purchase.cash_paid.minor()) - so_far.cash_returned.minor());
    let certificate_returned = Money::from_minor(
        cum(purchase.certificate_amount.minor()) - so_far.certificate_returned.minor(),
    );
    let cashback_reversed =
        Points::from_minor(cum(purchase.cashback.minor()) - so_far.cashback_reversed.minor());
    let referral_reversed = if claw_back_referrals {
        purchase
            .referral_rewards
            .iter()
            .filter_map(|reward| {
                let before: i64 = referral_reversed_so_far
                    .iter()
                    .filter(|r| {
                        r.generation == reward.generation && r.beneficiary == reward.beneficiary
                    })
                    .map(|r| r.amount.minor())
                    .sum();
                let due = cum(reward.amount.minor()) - before;
                (due > 0).then_some(ReferralReward {
                    amount: Money::from_minor(due),
                    ..*reward
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(RefundBreakdown {
        amount,
        points_returned,
        cash_returned,
        certificate_returned,
        cashback_reversed,
        referral_reversed,
        completes_refund: refunded_after == total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pct(bp: i64) -> Percent {
        Percent::from_basis_points(bp).expect("valid")
    }

    fn input(total: i64, points: i64) -> PurchaseInput {
        PurchaseInput {
            total: Money::from_minor(total),
            points_requested: Points::from_minor(points),
            spendable_points: Points::from_minor(1_000_000),
            max_points_share: pct(3_000),
            cashback_rate: pct(500),
            certificate_balance: None,
            referrers: vec![ClientId(2), ClientId(3), ClientId(4)],
            referral_rates: vec![pct(300), pct(200), pct(100)],
        }
    }

    #[test]
    fn a_purchase_pays_certificate_then_points_then_cash() {
        let mut i = input(1_000_00, 200_00);
        i.certificate_balance = Some(Money::from_minor(100_00));
        let p = compute_purchase(&i).expect("valid");
        assert_eq!(p.certificate_amount, Money::from_minor(100_00));
        assert_eq!(p.points_spent, Points::from_minor(200_00));
        assert_eq!(p.cash_paid, Money::from_minor(700_00));
        assert_eq!(p.cashback, Points::from_minor(35_00));
        assert_eq!(p.max_points, Points::from_minor(300_00));
        let rewards: Vec<_> = p
            .referral_rewards
            .iter()
            .map(|r| (r.generation, r.beneficiary.0, r.amount.minor()))
            .collect();
        assert_eq!(rewards, [(1, 2, 21_00), (2, 3, 14_00), (3, 4, 7_00)]);
    }

    #[test]
    fn shares_round_down_to_the_kopeck() {
        // 5 % of 199.99 is 9.9995 → 9.99; 3 % is 5.9997 → 5.99.
        let p = compute_purchase(&input(199_99, 0)).expect("valid");
        assert_eq!(p.cashback, Points::from_minor(9_99));
        assert_eq!(p.referral_rewards[0].amount, Money::from_minor(5_99));
        // A reward that rounds to nothing is not recorded.
        let tiny = compute_purchase(&input(10, 0)).expect("valid");
        assert!(tiny.referral_rewards.is_empty());
        assert_eq!(tiny.cashback, Points::ZERO);
    }

    #[test]
    fn points_are_capped_by_share_balance_and_what_is_left() {
        assert_eq!(
            compute_purchase(&input(1_000_00, 300_01)),
            Err(PurchaseRefusal::TooManyPoints {
                allowed: Points::from_minor(300_00)
            })
        );
        let mut poor = input(1_000_00, 150_00);
        poor.spendable_points = Points::from_minor(100_00);
        assert_eq!(
            compute_purchase(&poor),
            Err(PurchaseRefusal::TooManyPoints {
                allowed: Points::from_minor(100_00)
            })
        );
        let mut covered = input(1_000_00, 10_00);
        covered.certificate_balance = Some(Money::from_minor(5_000_00));
        assert_eq!(
            compute_purchase(&covered),
            Err(PurchaseRefusal::TooManyPoints {
                allowed: Points::ZERO
            })
        );
        assert_eq!(
            compute_purchase(&input(0, 0)),
            Err(PurchaseRefusal::NonPositiveTotal)
        );
        assert!(matches!(
            compute_purchase(&input(100, -1)),
            Err(PurchaseRefusal::TooManyPoints { .. })
        ));
    }

    #[test]
    fn the_programme_depth_limits_rewards() {
        let mut i = input(1_000_00, 0);
        i.referral_rates = vec![pct(300)];
        let p = compute_purchase(&i).expect("valid");
        assert_eq!(p.referral_rewards.len(), 1);
        i.referrers = vec![];
        i.referral_rates = vec![pct(300), pct(200)];
        assert!(compute_purchase(&i)
            .expect("valid")
            .referral_rewards
            .is_empty());
    }

    #[test]
    fn partial_refunds_add_up_to_a_full_one() {
        let p = compute_purchase(&input(1_000_00, 299_99)).expect("valid");
        let first = compute_refund(
            &p,
            &RefundedSoFar::default(),
            Money::from_minor(333_33),
            true,
            &[],
        )
        .expect("ok");
        assert_eq!(first.points_returned, Points::from_minor(99_99)); // floor(299.99 * 1/3.0000...)
        assert!(!first.completes_refund);
        let so_far = RefundedSoFar {
            total: first.amount,
            points_returned: first.points_returned,
            cash_returned: first.cash_returned,
            certificate_returned: first.certificate_returned,
            cashback_reversed: first.cashback_reversed,
        };
        assert_eq!(
            compute_refund(
                &p,
                &so_far,
                Money::from_minor(666_68),
                true,
                &first.referral_reversed
            ),
            Err(RefundRefusal::ExceedsPurchase {
                left: Money::from_minor(666_67)
            })
        );
        let rest = compute_refund(
            &p,
            &so_far,
            Money::from_minor(666_67),
            true,
            &first.referral_reversed,
        )
        .expect("ok");
        assert!(rest.completes_refund);
        assert_eq!(first.points_returned + rest.points_returned, p.points_spent);
        assert_eq!(first.cash_returned + rest.cash_returned, p.cash_paid);
        assert_eq!(first.cashback_reversed + rest.cashback_reversed, p.cashback);
        for reward in &p.referral_rewards {
            let back: i64 = first
                .referral_reversed
                .iter()
                .chain(&rest.referral_reversed)
                .filter(|r| r.generation == reward.generation)
                .map(|r| r.amount.minor())
                .sum();
            assert_eq!(back, reward.amount.minor());
        }
        assert_eq!(
            compute_refund(&p, &so_far, Money::ZERO, true, &[]),
            Err(RefundRefusal::NonPositiveAmount)
        );
    }

    #[test]
    fn referral_rewards_stay_when_the_rules_say_so() {
        let p = compute_purchase(&input(1_000_00, 0)).expect("valid");
        let r = compute_refund(&p, &RefundedSoFar::default(), p.total, false, &[]).expect("ok");
        assert!(r.referral_reversed.is_empty());
        assert_eq!(r.cashback_reversed, p.cashback);
    }

    proptest! {
        #[test]
        fn purchases_never_pay_more_or_less_than_the_total(
            total in 1i64..100_000_000,
            points in 0i64..100_000_000,
            spendable in 0i64..100_000_000,
            share_bp in 0i64..=10_000,
            rate_bp in 0i64..=10_000,
            certificate in proptest::option::of(0i64..100_000_000),
        ) {
            let i = PurchaseInput {
                total: Money::from_minor(total),
                points_requested: Points::from_minor(points),
                spendable_points: Points::from_minor(spendable),
                max_points_share: pct(share_bp),
                cashback_rate: pct(rate_bp),
                certificate_balance: certificate.map(Money::from_minor),
                referrers: vec![ClientId(1), ClientId(2)],
                referral_rates: vec![pct(rate_bp), pct(10_000 - rate_bp)],
            };
            match compute_purchase(&i) {
                Ok(p) => {
                    prop_assert_eq!(p.certificate_amount + points_as_money(p.points_spent) + p.cash_paid, p.total);
                    prop_assert!(!p.cash_paid.is_negative());
                    prop_assert!(p.points_spent.minor() <= spendable);
                    prop_assert!(p.points_spent.minor() as i128 * 10_000 <= total as i128 * share_bp as i128);
                    prop_assert!(p.cashback.minor() <= p.cash_paid.minor());
                    for r in &p.referral_rewards {
                        prop_assert!(r.amount <= p.cash_paid);
                    }
                }
                Err(PurchaseRefusal::TooManyPoints { allowed }) => prop_assert!(allowed.minor() < points),
                Err(PurchaseRefusal::NonPositiveTotal) => prop_assert!(false),
            }
        }

        #[test]
        fn refunds_never_return_more_than_was_paid(
            total in 1i64..10_000_000,
            points_share in 0i64..=3_000,
            cuts in proptest::collection::vec(1i64..10_000_000, 1..6),
        ) {
            let points = total * points_share / 10_000;
            let p = compute_purchase(&PurchaseInput { spendable_points: Points::from_minor(total), ..input(total, points) }).expect("valid");
            let mut so_far = RefundedSoFar::default();
            let mut reversed: Vec<ReferralReward> = Vec::new();
            for cut in cuts {
                let left = (p.total - so_far.total).minor();
                if left == 0 { break; }
                let amount = Money::from_minor(cut.min(left));
                let r = compute_refund(&p, &so_far, amount, true, &reversed).expect("within the purchase");
                prop_assert!(!r.points_returned.is_negative() && !r.cash_returned.is_negative() && !r.cashback_reversed.is_negative());
                so_far.total = so_far.total + r.amount;
                so_far.points_returned = so_far.points_returned + r.points_returned;
                so_far.cash_returned = so_far.cash_returned + r.cash_returned;
                so_far.cashback_reversed = so_far.cashback_reversed + r.cashback_reversed;
                reversed.extend(r.referral_reversed);
                prop_assert!(so_far.points_returned <= p.points_spent);
                prop_assert!(so_far.cash_returned <= p.cash_paid);
                prop_assert!(so_far.cashback_reversed <= p.cashback);
                prop_assert_eq!(r.completes_refund, so_far.total == p.total);
            }
            let left = p.total - so_far.total;
            if !left.is_zero() {
                let r = compute_refund(&p, &so_far, left, true, &reversed).expect("the rest");
                prop_assert_eq!(so_far.points_returned + r.points_returned, p.points_spent);
                prop_assert_eq!(so_far.cash_returned + r.cash_returned, p.cash_paid);
                prop_assert_eq!(so_far.cashback_reversed + r.cashback_reversed, p.cashback);
            }
        }
    }
}
