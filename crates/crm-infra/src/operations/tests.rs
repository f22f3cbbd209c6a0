//! The operations repository against a real SQLite file, driven through the checkout use
//! cases so that plans are exactly what production commits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::clients::SqliteClientRepository;
use crate::testing::{exec, fresh_db};
use crm_clients::loyalty::operations::{ClientRef, PurchaseRequest, RefundRequest};
use crm_clients::loyalty::ports::LoyaltyProgramme;
use crm_clients::loyalty::referral::{ReferralConfig, RewardType};
use crm_clients::loyalty::{Checkout, LoyaltyRules, OperationError};
use crm_clients::ClientRepository;
use crm_clients::{ClientProfile, ContactHandles, NewClientRecord};
use crm_core::{FixedClock, LevelId, Percent};
use std::sync::Arc;

const NOW: i64 = 1_795_521_600;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds).unwrap()
}

fn pct(bp: i64) -> Percent {
    Percent::from_basis_points(bp).unwrap()
}

#[derive(Clone)]
struct Programme {
    rules: LoyaltyRules,
    levels: Vec<Level>,
    referral: ReferralConfig,
}

impl LoyaltyProgramme for Programme {
    fn rules(&self) -> Result<LoyaltyRules, RepoError> {
        Ok(self.rules)
    }
    fn levels(&self) -> Result<Vec<Level>, RepoError> {
        Ok(self.levels.clone())
    }
    fn referral_config(&self) -> Result<ReferralConfig, RepoError> {
        Ok(self.referral.clone())
    }
}

fn programme(cashback_bp: i64) -> Programme {
    Programme {
        rules: LoyaltyRules {
            base_cashback: pct(cashback_bp),
            max_points_share: pct(10_000),
            ..LoyaltyRules::default()
        },
        levels: vec![Level {
            id: LevelId(1),
            name: "Золото".into(),
            threshold: LevelThreshold::TotalSpent(Money::from_major(5_000)),
            cashback: pct(cashback_bp),
            max_points_share: None,
        }],
        referral: ReferralConfig {
            enabled: true,
            generations: vec![pct(300), pct(200), pct(100)],
            reward_type: RewardType::Points,
        },
    }
}

type RealCheckout =
    Checkout<SqliteClientRepository, SqliteOperationRepository, Programme, Arc<FixedClock>>;

struct World {
    _dir: tempfile::TempDir,
    db: Database,
    clock: Arc<FixedClock>,
}

impl World {
    fn new() -> Self {
        let (dir, db) = fresh_db();
        exec(&db, "INSERT INTO loyalty_levels (id, name, threshold_kind, threshold, cashback_bp, created_at, updated_at) VALUES (1, 'Золото', 'total_spent', 500000, 1000, 0, 0)");
        Self {
            _dir: dir,
            db,
            clock: Arc::new(FixedClock::new(at(NOW))),
        }
    }

    fn checkout(&self, programme: Programme) -> RealCheckout {
        Checkout::new(
            SqliteClientRepository::new(self.db.clone()),
            SqliteOperationRepository::new(self.db.clone()),
            programme,
            self.clock.clone(),
        )
    }

    fn client(&self, name: &str, referrer: Option<ClientId>) -> ClientId {
        SqliteClientRepository::new(self.db.clone())
            .insert(&NewClientRecord {
                profile: ClientProfile {
                    full_name: name.into(),
                    phone: None,
                    telegram_id: None,
                    telegram_username: None,
                    email: None,
                    birthday: None,
                    gender: None,
                    handles: ContactHandles::default(),
                    tags: vec![],
                    referrer_id: referrer,
                    traffic_channel_id: None,
                    notes: None,
                },
                consents: Default::default(),
                consent_events: vec![],
                actor: Actor::System,
                source: "admin".into(),
                at: at(NOW),
            })
            .unwrap()
            .id
    }

    fn balance(&self, client: ClientId) -> (i64, i64, i64) {
        let mut conn = self.db.conn().unwrap();
        let balance: i64 = clients::table
            .find(client.get())
            .select(clients::points_balance)
            .first(&mut conn)
            .unwrap();
        let ledger: i64 = points_ledger::table
            .filter(points_ledger::client_id.eq(client.get()))
            .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "COALESCE(SUM(amount), 0)",
            ))
            .first(&mut conn)
            .unwrap();
        let lots: i64 = points_ledger::table
            .filter(points_ledger::client_id.eq(client.get()))
            .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "COALESCE(SUM(remaining), 0)",
            ))
            .first(&mut conn)
            .unwrap();
        (balance, ledger, lots)
    }

    fn figures(&self, client: ClientId) -> (i64, i64, Option<i64>) {
        let mut conn = self.db.conn().unwrap();
        clients::table
            .find(client.get())
            .select((
                clients::total_spent,
                clients::purchase_count,
                clients::level_id,
            ))
            .first(&mut conn)
            .unwrap()
    }
}

fn buy(client: ClientId, total_major: i64, points_major: i64) -> PurchaseRequest {
    PurchaseRequest {
        client: ClientRef::Id(client),
        total: Money::from_major(total_major),
        points_to_spend: Points::from_major(points_major),
        certificate_code: None,
        expected_cash: None,
        employee_id: None,
        location_id: None,
        receipt_number: None,
        comment: None,
        spending_without_code_allowed: true,
        items: Vec::new(),
    }
}

#[test]
fn a_purchase_moves_points_figures_rewards_and_level_atomically() {
    let w = World::new();
    let great = w.client("Прадед", None);
    let grand = w.client("Дед", Some(great));
    let parent = w.client("Отец", Some(grand));
    let buyer = w.client("Сын", Some(parent));
    let checkout = w.checkout(programme(500));
    let (first, replayed) = checkout
        .purchase(&buy(buyer, 6_000, 0), None, Actor::System)
        .unwrap();
    assert!(!replayed);
    assert_eq!(first.cash, Money::from_major(6_000));
    assert_eq!(first.cashback, Points::from_major(300));
    assert_eq!(w.balance(buyer), (300_00, 300_00, 300_00));
    assert_eq!(w.balance(parent), (180_00, 180_00, 180_00));
    assert_eq!(w.balance(grand), (120_00, 120_00, 120_00));
    assert_eq!(w.balance(great), (60_00, 60_00, 60_00));
    assert_eq!(
        w.figures(buyer),
        (6_000_00, 1, Some(1)),
        "5000+ spent reaches the level"
    );

    let (second, _) = checkout
        .purchase(&buy(buyer, 1_000, 250), None, Actor::System)
        .unwrap();
    assert_eq!(second.points, Points::from_major(250));
    assert_eq!(second.cash, Money::from_major(750));
    assert_eq!(w.balance(buyer), (87_50, 87_50, 87_50), "300 - 250 + 37.50");
    assert_eq!(first.referral_rewards.len(), 3);
    let ledger = SqliteOperationRepository::new(w.db.clone())
        .ledger(buyer, PageRequest::default())
        .unwrap();
    let kinds: Vec<_> = ledger
        .items
        .iter()
        .map(|e| (e.kind, e.amount.minor()))
        .collect();
    assert_eq!(
        kinds,
        [
            (LedgerKind::Cashback, 37_50),
            (LedgerKind::Spend, -250_00),
            (LedgerKind::Cashback, 300_00)
        ]
    );
}

#[test]
fn deferred_points_are_not_spendable_until_their_day() {
    let w = World::new();
    let buyer = w.client("Анна", None);
    let mut p = programme(10_000);
    p.rules.points_deferral_days = 2;
    let checkout = w.checkout(p);
    checkout
        .purchase(&buy(buyer, 100, 0), None, Actor::System)
        .unwrap();
    assert_eq!(
        checkout.calc(&buy(buyer, 100, 1)),
        Err(OperationError::TooManyPoints {
            allowed: Points::ZERO
        })
    );
    w.clock.set(at(NOW + 2 * 86_400));
    assert_eq!(
        checkout
            .calc(&buy(buyer, 100, 100))
            .unwrap()
            .breakdown
            .points_spent,
        Points::from_major(100)
    );
}

#[test]
fn refunds_return_points_in_proportion_and_never_beyond_the_purchase() {
    let w = World::new();
    let parent = w.client("Отец", None);
    let buyer = w.client("Сын", Some(parent));
    let checkout = w.checkout(programme(1_000));
    checkout
        .purchase(&buy(buyer, 1_000, 0), None, Actor::System)
        .unwrap(); // +100
    let (purchase, _) = checkout
        .purchase(&buy(buyer, 1_000, 100), None, Actor::System)
        .unwrap(); // -100 +90
    assert_eq!(w.balance(buyer).0, 90_00);
    let refund = |amount: Option<i64>| RefundRequest {
        purchase_id: purchase.id,
        amount: amount.map(Money::from_major),
        employee_id: None,
        comment: None,
    };
    let (half, _) = checkout
        .refund(&refund(Some(500)), None, Actor::System)
        .unwrap();
    assert_eq!(half.points, Points::from_major(50));
    assert_eq!(half.cash, Money::from_major(450));
    assert_eq!(half.cashback, Points::from_major(45));
    assert_eq!(w.balance(buyer), (95_00, 95_00, 95_00), "90 + 50 - 45");
    assert_eq!(
        checkout.refund(&refund(Some(501)), None, Actor::System),
        Err(OperationError::RefundExceedsPurchase {
            left: Money::from_major(500)
        })
    );
    let (rest, _) = checkout.refund(&refund(None), None, Actor::System).unwrap();
    assert_eq!(rest.total, Money::from_major(500));
    assert_eq!(
        w.balance(buyer),
        (100_00, 100_00, 100_00),
        "back to the first purchase's cashback"
    );
    assert_eq!(
        w.figures(buyer),
        (1_000_00, 1, None),
        "the refunded purchase no longer counts"
    );
    let parent_balance = w.balance(parent);
    assert_eq!(parent_balance.0, parent_balance.1);
    assert_eq!(
        parent_balance.0, 30_00,
        "3 % of the first purchase stays; the refunded one is taken back"
    );
    assert_eq!(
        checkout.refund(&refund(None), None, Actor::System),
        Err(OperationError::RefundExceedsPurchase { left: Money::ZERO })
    );
}

#[test]
fn a_clawback_takes_only_what_the_balance_holds() {
    let w = World::new();
    let buyer = w.client("Анна", None);
    let checkout = w.checkout(programme(10_000));
    let (purchase, _) = checkout
        .purchase(&buy(buyer, 100, 0), None, Actor::System)
        .unwrap(); // +100
    checkout
        .purchase(&buy(buyer, 100, 100), None, Actor::System)
        .unwrap(); // -100 +0
    assert_eq!(w.balance(buyer).0, 0);
    let (refund, _) = checkout
        .refund(
            &RefundRequest {
                purchase_id: purchase.id,
                amount: None,
                employee_id: None,
                comment: None,
            },
            None,
            Actor::System,
        )
        .unwrap();
    assert_eq!(refund.cashback, Points::from_major(100));
    assert_eq!(refund.clawback_shortfall, Points::from_major(100));
    assert_eq!(
        w.balance(buyer),
        (0, 0, 0),
        "never negative, and the ledger agrees"
    );
}

#[test]
fn a_spend_not_covered_at_commit_writes_nothing() {
    let w = World::new();
    let buyer = w.client("Анна", None);
    let checkout = w.checkout(programme(10_000));
    checkout
        .purchase(&buy(buyer, 100, 0), None, Actor::System)
        .unwrap();
    let quote = checkout.calc(&buy(buyer, 100, 100)).unwrap();
    // Someone spends the points between the quote and this commit.
    checkout
        .purchase(&buy(buyer, 100, 100), None, Actor::System)
        .unwrap();
    let repo = SqliteOperationRepository::new(w.db.clone());
    let before = repo
        .list(&OperationFilter::default(), PageRequest::default())
        .unwrap()
        .total;
    let plan = PurchasePlan {
        client_id: buyer,
        certificate_id: None,
        breakdown: quote.breakdown,
        reward_type: RewardType::Points,
        ledger: vec![LedgerChange {
            client_id: buyer,
            kind: LedgerKind::Spend,
            amount: Points::from_major(-100),
            available_at: at(NOW),
            expires_at: None,
            generation: None,
            source_client_id: None,
            reason: None,
        }],
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
    };
    assert_eq!(
        repo.commit_purchase(&plan),
        Err(CommitRefusal::InsufficientPoints)
    );
    assert_eq!(
        repo.list(&OperationFilter::default(), PageRequest::default())
            .unwrap()
            .total,
        before
    );
}

/// Runs a random sequence of purchases (with points) and partial refunds among six clients in a
/// referral tree, then checks every balance against the ledger and the lots.
fn random_sequence(seed: u64, cashback_bp: i64, claw_back: bool, steps: i64) {
    let w = World::new();
    let mut clients = vec![w.client("c0", None)];
    for i in 1..6 {
        let referrer = clients[(i - 1) / 2];
        clients.push(w.client(&format!("c{i}"), Some(referrer)));
    }
    let mut p = programme(cashback_bp);
    p.rules.refund_claws_back_referrals = claw_back;
    let checkout = w.checkout(p);
    let mut seed = seed | 1;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut purchases: Vec<OperationId> = Vec::new();
    for step in 0..steps {
        let client = clients[next(clients.len() as u64) as usize];
        if step % 4 == 3 && !purchases.is_empty() {
            let id = purchases[next(purchases.len() as u64) as usize];
            let amount = Money::from_minor(1 + next(40_000) as i64);
            let _ = checkout.refund(
                &RefundRequest {
                    purchase_id: id,
                    amount: Some(amount),
                    employee_id: None,
                    comment: None,
                },
                None,
                Actor::System,
            );
        } else {
            let total = 1 + next(500_00) as i64;
            let spendable = w.balance(client).0;
            let points = (next(spendable as u64 + 1) as i64).min(total / 2);
            let mut request = buy(client, 0, 0);
            request.total = Money::from_minor(total);
            request.points_to_spend = Points::from_minor(points);
            if let Ok((op, _)) = checkout.purchase(&request, None, Actor::System) {
                purchases.push(op.id);
            }
        }
        w.clock.set(at(NOW + step));
    }
    let repo = SqliteOperationRepository::new(w.db.clone());
    for id in purchases {
        let purchase = repo.get(id).unwrap().unwrap();
        assert!(
            purchase.refunded_total <= purchase.total,
            "never refunds more than the total"
        );
        assert!(
            purchase.refunded_points <= purchase.points,
            "never returns more points than spent"
        );
        assert!(
            purchase.refunded_cash <= purchase.cash,
            "never returns more cash than paid"
        );
    }
    for client in clients {
        let (balance, ledger, lots) = w.balance(client);
        assert!(balance >= 0);
        assert_eq!(balance, ledger, "balance = ledger sum for {client}");
        assert_eq!(balance, lots, "balance = unspent lots for {client}");
    }
}

#[test]
fn the_balance_always_equals_the_ledger_after_a_long_random_sequence() {
    random_sequence(0x2545_f491_4f6c_dd1d, 2_500, true, 300);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10))]
    #[test]
    fn the_ledger_invariants_hold_for_any_sequence(
        seed in proptest::prelude::any::<u64>(),
        cashback_bp in 0i64..=10_000,
        claw_back in proptest::prelude::any::<bool>(),
    ) {
        random_sequence(seed, cashback_bp, claw_back, 80);
    }
}

#[test]
fn concurrent_spends_never_overdraw_and_one_key_records_once() {
    let w = World::new();
    let buyer = w.client("Анна", None);
    let checkout = Arc::new(w.checkout(programme(10_000)));
    checkout
        .purchase(&buy(buyer, 1_000, 0), None, Actor::System)
        .unwrap(); // 1000 points
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let checkout = checkout.clone();
            std::thread::spawn(move || {
                checkout.purchase(&buy(buyer, 100, 100), None, Actor::System)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let spent = results.iter().filter(|r| r.is_ok()).count() as i64;
    assert!(
        spent <= 10,
        "1000 points cover at most ten spends of 100, got {spent}"
    );
    for r in &results {
        assert!(
            matches!(
                r,
                Ok(_)
                    | Err(OperationError::TooManyPoints { .. })
                    | Err(OperationError::ConcurrentChange)
            ),
            "{r:?}"
        );
    }
    let (balance, ledger, lots) = w.balance(buyer);
    assert!(balance >= 0);
    assert_eq!(balance, ledger);
    assert_eq!(balance, lots);
    assert_eq!(balance, 1_000_00 - spent * 100_00);

    let threads: Vec<_> = (0..50)
        .map(|_| {
            let checkout = checkout.clone();
            std::thread::spawn(move || {
                checkout.purchase(&buy(buyer, 10, 0), Some("same-key".into()), Actor::System)
            })
        })
        .collect();
    let ids: std::collections::HashSet<_> = threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap()
                .expect("every caller gets the one result")
                .0
                .id
        })
        .collect();
    assert_eq!(ids.len(), 1);
    let repo = SqliteOperationRepository::new(w.db.clone());
    let mut conn = w.db.conn().unwrap();
    let with_key: i64 = operations::table
        .filter(operations::idempotency_key.eq("same-key"))
        .select(count_star())
        .first(&mut conn)
        .unwrap();
    assert_eq!(with_key, 1);
    assert!(repo.find_by_idempotency_key("same-key").unwrap().is_some());
}

#[test]
fn the_list_filters_and_pages_newest_first() {
    let w = World::new();
    let a = w.client("A", None);
    let b = w.client("B", None);
    let checkout = w.checkout(programme(500));
    for i in 0..5 {
        w.clock.set(at(NOW + i * 60));
        checkout
            .purchase(
                &buy(if i % 2 == 0 { a } else { b }, 100 + i, 0),
                None,
                Actor::System,
            )
            .unwrap();
    }
    let repo = SqliteOperationRepository::new(w.db.clone());
    let of_a = repo
        .list(
            &OperationFilter {
                client_id: Some(a),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .unwrap();
    assert_eq!(of_a.total, 3);
    let totals: Vec<_> = of_a.items.iter().map(|o| o.total.minor()).collect();
    assert_eq!(totals, [104_00, 102_00, 100_00]);
    let window = repo
        .list(
            &OperationFilter {
                from: Some(at(NOW + 60)),
                to: Some(at(NOW + 180)),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .unwrap();
    assert_eq!(window.total, 2);
    let page = repo
        .list(
            &OperationFilter::default(),
            PageRequest::new(Some(2), Some(2)).unwrap(),
        )
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|o| o.total.minor())
            .collect::<Vec<_>>(),
        [102_00, 101_00]
    );
    assert_eq!(page.total, 5);
}

#[test]
fn the_stored_programme_reads_settings_levels_and_referral_config() {
    let w = World::new();
    let stored = SqliteLoyaltyProgramme::new(w.db.clone());
    assert_eq!(stored.rules().unwrap(), LoyaltyRules::default());
    assert_eq!(stored.referral_config().unwrap(), ReferralConfig::default());
    assert_eq!(
        stored
            .levels()
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect::<Vec<_>>(),
        [LevelId(1)]
    );
    exec(
        &w.db,
        "UPDATE referral_config SET generations_bp = '500,300,100', reward_type = 'money'",
    );
    let config = stored.referral_config().unwrap();
    assert_eq!(config.generations, vec![pct(500), pct(300), pct(100)]);
    assert_eq!(config.reward_type, RewardType::Money);
    exec(&w.db, "UPDATE referral_config SET generations_bp = 'x'");
    assert!(stored.referral_config().is_err());
}

#[test]
fn a_client_sees_each_generation_and_what_it_earned() {
    use crm_clients::loyalty::ports::ReferralProgrammeRepository;
    let w = World::new();
    let root = w.client("Корень", None);
    let child = w.client("Ребёнок", Some(root));
    let grandchild = w.client("Внук", Some(child));
    let _idle = w.client("Без покупок", Some(root));
    let checkout = w.checkout(programme(500));
    checkout
        .purchase(&buy(grandchild, 1_000, 0), None, Actor::System)
        .unwrap();
    let stored = SqliteLoyaltyProgramme::new(w.db.clone());
    let standing = stored.standing(root).unwrap();
    assert_eq!(standing.len(), 6);
    assert_eq!(
        (standing[0].members, standing[0].buyers, standing[0].earned),
        (2, 0, Money::ZERO)
    );
    assert_eq!(
        (standing[1].members, standing[1].buyers, standing[1].earned),
        (1, 1, Money::from_major(20))
    );
    assert_eq!(standing[1].first_members[0].full_name, "Внук");
    assert_eq!(standing[2].members, 0);

    let config = ReferralConfig {
        enabled: true,
        generations: vec![pct(700), pct(300)],
        reward_type: RewardType::Money,
    };
    stored.save_config(&config, Actor::System, at(NOW)).unwrap();
    let back = stored.stored_config().unwrap();
    assert_eq!(back.config, config);
    assert_eq!(back.updated_at, Some(at(NOW)));
    assert_eq!(back.updated_by, Some(Actor::System));
}
