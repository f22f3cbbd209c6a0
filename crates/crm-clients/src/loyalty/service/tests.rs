//! Use-case tests of the checkout with mocks of its ports.

use super::*;
use crate::consent::ConsentSet;
use crate::loyalty::ledger::LedgerKind;
use crate::loyalty::levels::LevelThreshold;
use crate::loyalty::ports::{MockLoyaltyProgramme, MockOperationRepository};
use crate::loyalty::purchase::ReferralReward;
use crate::loyalty::referral::ReferralConfig;
use crate::model::{ClientProfile, ContactHandles, LoyaltyFigures};
use crate::ports::MockClientRepository;
use crm_core::{ClientId, EmployeeId, FixedClock, LevelId, Money, Percent};

const NOW: i64 = 1_795_521_600;

fn at(s: i64) -> Timestamp {
    Timestamp::from_unix_seconds(s).expect("valid")
}

fn pct(bp: i64) -> Percent {
    Percent::from_basis_points(bp).expect("valid")
}

fn client(id: i64, level: Option<i64>) -> Client {
    Client {
        id: ClientId(id),
        profile: ClientProfile {
            full_name: "Анна".into(),
            phone: None,
            telegram_id: None,
            telegram_username: None,
            email: None,
            birthday: None,
            gender: None,
            handles: ContactHandles::default(),
            tags: vec![],
            referrer_id: None,
            traffic_channel_id: None,
            notes: None,
        },
        loyalty: LoyaltyFigures {
            level_id: level.map(LevelId),
            ..Default::default()
        },
        consents: ConsentSet::default(),
        version: 0,
        created_at: at(0),
        updated_at: at(0),
    }
}

fn gold() -> Level {
    Level {
        id: LevelId(2),
        name: "Золото".into(),
        threshold: LevelThreshold::TotalSpent(Money::from_major(10_000)),
        cashback: pct(1_000),
        max_points_share: Some(pct(5_000)),
    }
}

fn programme(claw_back: bool) -> MockLoyaltyProgramme {
    let mut p = MockLoyaltyProgramme::new();
    p.expect_rules().returning(move || {
        Ok(LoyaltyRules {
            points_expiry_days: Some(365),
            points_deferral_days: 1,
            refund_claws_back_referrals: claw_back,
            ..LoyaltyRules::default()
        })
    });
    p.expect_levels().returning(|| Ok(vec![gold()]));
    p.expect_referral_config().returning(|| {
        Ok(ReferralConfig {
            enabled: true,
            generations: vec![pct(300), pct(100)],
            reward_type: RewardType::Points,
        })
    });
    p
}

fn request(total_major: i64, points_major: i64) -> PurchaseRequest {
    PurchaseRequest {
        client: ClientRef::Id(ClientId(1)),
        total: Money::from_major(total_major),
        points_to_spend: Points::from_major(points_major),
        certificate_code: None,
        expected_cash: None,
        employee_id: Some(EmployeeId(5)),
        location_id: None,
        receipt_number: Some("A-1".into()),
        comment: None,
        spending_without_code_allowed: true,
        items: Vec::new(),
    }
}

fn stored_purchase(plan: &PurchasePlan, id: i64) -> Operation {
    let b = &plan.breakdown;
    Operation {
        id: OperationId(id),
        kind: OperationKind::Purchase,
        client_id: plan.client_id,
        employee_id: plan.employee_id,
        location_id: plan.location_id,
        purchase_id: None,
        certificate_id: None,
        total: b.total,
        certificate_amount: b.certificate_amount,
        points: b.points_spent,
        cash: b.cash_paid,
        cashback: b.cashback,
        cashback_rate: b.cashback_rate,
        clawback_shortfall: Points::ZERO,
        refunded_total: Money::ZERO,
        refunded_points: Points::ZERO,
        refunded_cash: Money::ZERO,
        refunded_certificate: Money::ZERO,
        reversed_cashback: Points::ZERO,
        referral_rewards: b.referral_rewards.clone(),
        reward_type: plan.reward_type,
        receipt_number: plan.receipt_number.clone(),
        comment: plan.comment.clone(),
        actor: plan.actor,
        created_at: plan.at,
    }
}

type TestCheckout =
    Checkout<MockClientRepository, MockOperationRepository, MockLoyaltyProgramme, FixedClock>;

fn checkout(
    clients: MockClientRepository,
    ops: MockOperationRepository,
    claw_back: bool,
) -> TestCheckout {
    Checkout::new(clients, ops, programme(claw_back), FixedClock::new(at(NOW)))
}

fn known_client(level: Option<i64>) -> MockClientRepository {
    let mut clients = MockClientRepository::new();
    clients
        .expect_get()
        .returning(move |id| Ok(Some(client(id.0, level))));
    clients
}

fn ops_with(spendable_major: i64) -> MockOperationRepository {
    let mut ops = MockOperationRepository::new();
    ops.expect_spendable_points()
        .returning(move |_, _| Ok(Points::from_major(spendable_major)));
    ops.expect_referrer_chain().returning(|_, depth| {
        assert_eq!(depth, 2, "the chain is read to the programme's depth");
        Ok(vec![ClientId(8), ClientId(9)])
    });
    ops
}

#[test]
fn a_quote_uses_the_level_rate_share_and_the_referral_chain() {
    let quote = checkout(known_client(Some(2)), ops_with(10_000), true)
        .calc(&request(1_000, 400))
        .expect("quote");
    let b = &quote.breakdown;
    assert_eq!(quote.level.map(|l| l.id), Some(LevelId(2)));
    assert_eq!(
        b.max_points,
        Points::from_major(500),
        "gold allows half the check"
    );
    assert_eq!(b.cash_paid, Money::from_major(600));
    assert_eq!(b.cashback, Points::from_major(60), "10 % of the cash part");
    let rewards: Vec<_> = b
        .referral_rewards
        .iter()
        .map(|r| (r.beneficiary.0, r.amount))
        .collect();
    assert_eq!(
        rewards,
        [(8, Money::from_major(18)), (9, Money::from_major(6))]
    );
}

#[test]
fn without_a_level_the_base_rules_apply() {
    let quote = checkout(known_client(None), ops_with(10_000), true)
        .calc(&request(1_000, 0))
        .expect("quote");
    assert_eq!(quote.breakdown.cashback, Points::from_major(50));
    assert_eq!(quote.breakdown.max_points, Points::from_major(300));
}

#[test]
fn refusals_name_the_limit_or_the_field() {
    let c = checkout(known_client(None), ops_with(200), true);
    assert_eq!(
        c.calc(&request(1_000, 250)),
        Err(OperationError::TooManyPoints {
            allowed: Points::from_major(200)
        })
    );
    let mut wrong_cash = request(1_000, 100);
    wrong_cash.expected_cash = Some(Money::from_major(950));
    assert_eq!(
        c.calc(&wrong_cash),
        Err(OperationError::CashMismatch {
            stated: Money::from_major(950),
            computed: Money::from_major(900)
        })
    );
    let mut bad = request(0, 0);
    bad.receipt_number = Some("x".repeat(65));
    let Err(OperationError::Validation(fields)) = c.calc(&bad) else {
        panic!("expected validation")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["receipt_number", "total"]);

    let mut nobody = MockClientRepository::new();
    nobody.expect_get().returning(|_| Ok(None));
    assert_eq!(
        checkout(nobody, ops_with(0), true).calc(&request(100, 0)),
        Err(OperationError::ClientNotFound)
    );
}

#[test]
fn a_purchase_plans_the_spend_the_cashback_and_point_rewards() {
    let mut ops = ops_with(1_000);
    ops.expect_find_by_idempotency_key().returning(|_| Ok(None));
    ops.expect_commit_purchase()
        .withf(|plan| {
            let kinds: Vec<_> = plan
                .ledger
                .iter()
                .map(|c| (c.client_id.0, c.kind, c.amount.minor()))
                .collect();
            kinds
                == [
                    (1, LedgerKind::Spend, -100_00),
                    (1, LedgerKind::Cashback, 45_00),
                    (8, LedgerKind::ReferralReward, 27_00),
                    (9, LedgerKind::ReferralReward, 9_00),
                ]
                && plan.ledger[1].available_at == at(NOW + 86_400)
                && plan.ledger[1].expires_at == Some(at(NOW + 86_400 * 366))
                && plan.ledger[0].available_at == at(NOW)
                && plan.idempotency == Some(("key-1".into(), request(1_000, 100).fingerprint()))
                && plan.levels == vec![gold()]
        })
        .times(1)
        .returning(|plan| Ok(stored_purchase(plan, 77)));
    let (op, replayed) = checkout(known_client(None), ops, true)
        .purchase(
            &request(1_000, 100),
            Some("key-1".into()),
            Actor::Employee(EmployeeId(5)),
        )
        .expect("recorded");
    assert!(!replayed);
    assert_eq!(op.id, OperationId(77));
    assert_eq!(op.cash, Money::from_major(900));
}

#[test]
fn a_repeated_key_returns_the_stored_operation_and_a_changed_body_is_refused() {
    let first = request(1_000, 100);
    let fingerprint = first.fingerprint();
    let stored = {
        let mut ops = ops_with(1_000);
        ops.expect_find_by_idempotency_key().returning(|_| Ok(None));
        ops.expect_commit_purchase()
            .returning(|plan| Ok(stored_purchase(plan, 5)));
        checkout(known_client(None), ops, true)
            .purchase(&first, Some("k".into()), Actor::System)
            .expect("ok")
            .0
    };
    let mut ops = MockOperationRepository::new();
    let again = stored.clone();
    ops.expect_find_by_idempotency_key()
        .returning(move |_| Ok(Some((fingerprint.clone(), again.clone()))));
    ops.expect_commit_purchase().never();
    let c = checkout(known_client(None), ops, true);
    assert_eq!(
        c.purchase(&first, Some("k".into()), Actor::System),
        Ok((stored, true))
    );
    assert_eq!(
        c.purchase(&request(1_000, 50), Some("k".into()), Actor::System),
        Err(OperationError::IdempotencyKeyReused)
    );
    assert!(matches!(
        c.purchase(&first, Some(String::new()), Actor::System),
        Err(OperationError::Validation(_))
    ));
}

#[test]
fn a_concurrent_spend_is_recomputed_and_then_refused_with_the_new_limit() {
    let mut ops = MockOperationRepository::new();
    let mut seq = mockall::Sequence::new();
    ops.expect_referrer_chain().returning(|_, _| Ok(vec![]));
    ops.expect_spendable_points()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(Points::from_major(300)));
    ops.expect_commit_purchase()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Err(CommitRefusal::InsufficientPoints));
    ops.expect_spendable_points()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(Points::from_major(50)));
    let result =
        checkout(known_client(None), ops, true).purchase(&request(1_000, 200), None, Actor::System);
    assert_eq!(
        result,
        Err(OperationError::TooManyPoints {
            allowed: Points::from_major(50)
        })
    );
}

#[test]
fn a_key_taken_concurrently_returns_the_winner() {
    let mut ops = ops_with(1_000);
    let mut seq = mockall::Sequence::new();
    ops.expect_find_by_idempotency_key()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    ops.expect_commit_purchase()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Err(CommitRefusal::DuplicateKey));
    let winner = {
        let plan_source = request(1_000, 0);
        let fp = plan_source.fingerprint();
        move |_: &str| {
            let mut op = stored_purchase(
                &PurchasePlan {
                    client_id: ClientId(1),
                    certificate_id: None,
                    breakdown: PurchaseBreakdown {
                        total: Money::from_major(1_000),
                        certificate_amount: Money::ZERO,
                        points_spent: Points::ZERO,
                        cash_paid: Money::from_major(1_000),
                        cashback: Points::from_major(50),
                        cashback_rate: pct(500),
                        max_points: Points::ZERO,
                        referral_rewards: vec![],
                    },
                    reward_type: RewardType::Points,
                    ledger: vec![],
                    levels: vec![],
                    employee_id: None,
                    location_id: None,
                    receipt_number: None,
                    comment: None,
                    idempotency: None,
                    payment_code: None,
                    items: Vec::new(),
                    actor: Actor::System,
                    at: at(NOW),
                },
                9,
            );
            op.comment = None;
            Ok(Some((fp.clone(), op)))
        }
    };
    ops.expect_find_by_idempotency_key()
        .times(1)
        .in_sequence(&mut seq)
        .returning(winner);
    let (op, replayed) = checkout(known_client(None), ops, true)
        .purchase(&request(1_000, 0), Some("k".into()), Actor::System)
        .expect("the winner's result");
    assert!(replayed);
    assert_eq!(op.id, OperationId(9));
}

fn purchase_of_1000_with_100_points() -> Operation {
    let mut op = Operation {
        id: OperationId(40),
        kind: OperationKind::Purchase,
        client_id: ClientId(1),
        employee_id: None,
        location_id: None,
        purchase_id: None,
        certificate_id: None,
        total: Money::from_major(1_000),
        certificate_amount: Money::ZERO,
        points: Points::from_major(100),
        cash: Money::from_major(900),
        cashback: Points::from_major(45),
        cashback_rate: pct(500),
        clawback_shortfall: Points::ZERO,
        refunded_total: Money::ZERO,
        refunded_points: Points::ZERO,
        refunded_cash: Money::ZERO,
        refunded_certificate: Money::ZERO,
        reversed_cashback: Points::ZERO,
        referral_rewards: vec![ReferralReward {
            generation: 1,
            beneficiary: ClientId(8),
            amount: Money::from_major(27),
        }],
        reward_type: RewardType::Points,
        receipt_number: None,
        comment: None,
        actor: Actor::System,
        created_at: at(NOW - 100),
    };
    op.cashback_rate = pct(500);
    op
}

#[test]
fn a_refund_returns_points_and_takes_back_cashback_and_rewards() {
    let mut ops = MockOperationRepository::new();
    ops.expect_get()
        .returning(|_| Ok(Some(purchase_of_1000_with_100_points())));
    ops.expect_refunds_of().returning(|_| Ok(vec![]));
    ops.expect_commit_refund()
        .withf(|plan| {
            let kinds: Vec<_> = plan
                .ledger
                .iter()
                .map(|c| (c.client_id.0, c.kind, c.amount.minor()))
                .collect();
            kinds
                == [
                    (1, LedgerKind::RefundReturn, 50_00),
                    (1, LedgerKind::RefundClawback, -22_50),
                    (8, LedgerKind::ReferralClawback, -13_50),
                ]
                && plan.breakdown.cash_returned == Money::from_major(450)
                && !plan.breakdown.completes_refund
        })
        .times(1)
        .returning(|plan| {
            let mut op = plan.purchase.clone();
            op.id = OperationId(41);
            op.kind = OperationKind::Refund;
            op.total = plan.breakdown.amount;
            Ok(op)
        });
    let (refund, _) = checkout(known_client(None), ops, true)
        .refund(
            &RefundRequest {
                purchase_id: OperationId(40),
                amount: Some(Money::from_major(500)),
                employee_id: None,
                comment: None,
            },
            None,
            Actor::System,
        )
        .expect("refunded");
    assert_eq!(refund.total, Money::from_major(500));
}

#[test]
fn refunds_are_bounded_by_the_purchase_and_only_for_purchases() {
    let mut ops = MockOperationRepository::new();
    ops.expect_get().returning(|id| {
        let mut op = purchase_of_1000_with_100_points();
        if id.0 == 41 {
            op.kind = OperationKind::Refund;
        }
        op.refunded_total = Money::from_major(600);
        Ok(Some(op))
    });
    ops.expect_refunds_of().returning(|_| Ok(vec![]));
    ops.expect_commit_refund().never();
    let c = checkout(known_client(None), ops, false);
    let refund = |id, amount| RefundRequest {
        purchase_id: OperationId(id),
        amount,
        employee_id: None,
        comment: None,
    };
    assert_eq!(
        c.refund(
            &refund(40, Some(Money::from_major(401))),
            None,
            Actor::System
        ),
        Err(OperationError::RefundExceedsPurchase {
            left: Money::from_major(400)
        })
    );
    assert_eq!(
        c.refund(&refund(41, None), None, Actor::System),
        Err(OperationError::NotAPurchase)
    );
    assert!(matches!(
        c.refund(&refund(40, Some(Money::ZERO)), None, Actor::System),
        Err(OperationError::Validation(_))
    ));
}

#[test]
fn spending_needs_the_payment_code_unless_the_role_allows() {
    let c = checkout(known_client(None), ops_with(1_000), true);
    let mut by_id = request(1_000, 100);
    by_id.spending_without_code_allowed = false;
    assert_eq!(c.calc(&by_id), Err(OperationError::PaymentCodeRequired));
    by_id.points_to_spend = Points::ZERO;
    assert!(
        c.calc(&by_id).is_ok(),
        "earning needs only the client's identity"
    );
}

#[test]
fn a_payment_code_identifies_the_client_and_is_consumed_by_the_purchase() {
    let mut ops = ops_with(1_000);
    ops.expect_client_for_payment_code()
        .returning(|code, _| Ok((code == "123456").then_some(ClientId(1))));
    ops.expect_commit_purchase()
        .withf(|plan| {
            plan.payment_code.as_deref() == Some("123456") && plan.client_id == ClientId(1)
        })
        .times(1)
        .returning(|plan| Ok(stored_purchase(plan, 3)));
    let c = checkout(known_client(None), ops, true);
    let mut by_code = request(1_000, 100);
    by_code.spending_without_code_allowed = false;
    by_code.client = ClientRef::PaymentCode("123456".into());
    assert!(c.purchase(&by_code, None, Actor::System).is_ok());
    by_code.client = ClientRef::PaymentCode("654321".into());
    assert_eq!(c.calc(&by_code), Err(OperationError::PaymentCodeInvalid));
    by_code.client = ClientRef::PaymentCode("12ab".into());
    assert_eq!(c.calc(&by_code), Err(OperationError::PaymentCodeInvalid));
}

#[test]
fn a_code_used_concurrently_is_refused() {
    let mut ops = ops_with(1_000);
    ops.expect_client_for_payment_code()
        .returning(|_, _| Ok(Some(ClientId(1))));
    ops.expect_commit_purchase()
        .times(1)
        .returning(|_| Err(CommitRefusal::PaymentCodeGone));
    let mut by_code = request(1_000, 0);
    by_code.client = ClientRef::PaymentCode("123456".into());
    assert_eq!(
        checkout(known_client(None), ops, true).purchase(&by_code, None, Actor::System),
        Err(OperationError::PaymentCodeInvalid)
    );
}

#[test]
fn issuing_a_code_draws_again_on_a_clash() {
    let mut ops = MockOperationRepository::new();
    let mut seq = mockall::Sequence::new();
    ops.expect_issue_payment_code()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| {
            Err(crm_core::RepoError::Conflict {
                field: Some("code".into()),
                message: "taken".into(),
            })
        });
    ops.expect_issue_payment_code()
        .withf(|_, code, expires, _| code == "222222" && *expires == at(NOW + 300))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(()));
    let mut draws = vec!["222222".to_owned(), "111111".to_owned()];
    let (code, expires) = checkout(known_client(None), ops, true)
        .issue_payment_code(ClientId(1), move || draws.pop().unwrap_or_default())
        .expect("issued");
    assert_eq!(code, "222222");
    assert_eq!(expires, at(NOW + 300));
}

#[test]
fn goods_sold_need_a_location_and_travel_in_the_plan_and_a_refused_line_is_final() {
    use crate::loyalty::operations::{SaleLine, SaleLineProblem, SaleLineRefusal};
    use crm_core::{LocationId, ProductId};

    let line = SaleLine {
        product_id: ProductId(3),
        quantity: 2_000,
    };
    let c = checkout(known_client(None), ops_with(0), true);
    let mut no_location = request(100, 0);
    no_location.items = vec![
        line,
        SaleLine {
            quantity: 0,
            ..line
        },
    ];
    let Err(OperationError::Validation(fields)) = c.calc(&no_location) else {
        panic!("expected validation")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["location_id", "items[1].quantity"]);

    let mut sale = request(100, 0);
    sale.location_id = Some(LocationId(4));
    sale.items = vec![line];
    assert_ne!(sale.fingerprint(), request(100, 0).fingerprint());
    let refusal = SaleLineRefusal {
        index: 0,
        product_id: ProductId(3),
        problem: SaleLineProblem::InsufficientStock { available: 1_000 },
    };
    let mut ops = ops_with(0);
    ops.expect_commit_purchase()
        .withf(move |plan| plan.items == vec![line] && plan.location_id == Some(LocationId(4)))
        .times(1)
        .returning(move |_| Err(CommitRefusal::SaleLineRefused(refusal)));
    let c = checkout(known_client(None), ops, true);
    assert_eq!(
        c.purchase(&sale, None, Actor::Employee(EmployeeId(5))),
        Err(OperationError::SaleLineRefused(refusal))
    );
}
