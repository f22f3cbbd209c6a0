#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testing::fresh_db;
use diesel::sql_types::{BigInt, Nullable, Text};

/// 2026-11-24T00:00:00Z.
const END_MS: i64 = 1_795_478_400_000;

fn config(seed: u64) -> DemoConfig {
    DemoConfig {
        clients: 300,
        operations: 3_000,
        seed,
        days: 120,
        end: Timestamp::from_unix_millis(END_MS).expect("valid"),
    }
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Aggregates {
    #[diesel(sql_type = BigInt)]
    clients: i64,
    #[diesel(sql_type = BigInt)]
    operations: i64,
    #[diesel(sql_type = BigInt)]
    refunds: i64,
    #[diesel(sql_type = BigInt)]
    cash: i64,
    #[diesel(sql_type = BigInt)]
    points: i64,
    #[diesel(sql_type = BigInt)]
    balances: i64,
    #[diesel(sql_type = BigInt)]
    ledger: i64,
    #[diesel(sql_type = BigInt)]
    rewards: i64,
    #[diesel(sql_type = BigInt)]
    levels: i64,
    #[diesel(sql_type = BigInt)]
    names: i64,
    #[diesel(sql_type = BigInt)]
    times: i64,
}

fn aggregates(db: &Database) -> Aggregates {
    let mut conn = db.conn().expect("conn");
    diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM clients) AS clients, \
         (SELECT COUNT(*) FROM operations) AS operations, \
         (SELECT COUNT(*) FROM operations WHERE kind = 'refund') AS refunds, \
         (SELECT COALESCE(SUM(cash), 0) FROM operations) AS cash, \
         (SELECT COALESCE(SUM(points), 0) FROM operations) AS points, \
         (SELECT COALESCE(SUM(points_balance * id), 0) FROM clients) AS balances, \
         (SELECT COALESCE(SUM(amount * id + remaining), 0) FROM points_ledger) AS ledger, \
         (SELECT COALESCE(SUM(amount * beneficiary_id), 0) FROM referral_rewards) AS rewards, \
         (SELECT COALESCE(SUM(COALESCE(level_id, 0) * id), 0) FROM clients) AS levels, \
         (SELECT COALESCE(SUM(length(full_name) * id), 0) FROM clients) AS names, \
         (SELECT COALESCE(SUM(created_at % 1000003), 0) FROM operations) AS times",
    )
    .get_result(&mut conn)
    .expect("aggregates")
}

fn count(db: &Database, sql: &str) -> i64 {
    let mut conn = db.conn().expect("conn");
    scalar(&mut conn, sql).expect(sql)
}

#[test]
fn the_same_seed_gives_the_same_business_and_another_seed_another() {
    let (_a, first) = fresh_db();
    let (_b, second) = fresh_db();
    let (_c, third) = fresh_db();
    let report = generate(&first, &config(42)).expect("generated");
    generate(&second, &config(42)).expect("generated");
    generate(&third, &config(7)).expect("generated");
    assert_eq!(report.clients, 300);
    assert!(report.purchases > 2_900, "{report:?}");
    assert!(report.refunds > 0, "{report:?}");
    assert_eq!(aggregates(&first), aggregates(&second));
    assert_ne!(aggregates(&first), aggregates(&third));
}

#[test]
fn a_demo_business_keeps_the_loyalty_invariants() {
    let (_dir, db) = fresh_db();
    let report = generate(&db, &config(42)).expect("generated");
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM clients"),
        300,
        "{report:?}"
    );
    // Every balance equals its ledger and the open lots; nothing is negative.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM clients c WHERE c.points_balance <> \
             (SELECT COALESCE(SUM(amount), 0) FROM points_ledger l WHERE l.client_id = c.id) \
             OR c.points_balance <> \
             (SELECT COALESCE(SUM(remaining), 0) FROM points_ledger l WHERE l.client_id = c.id)"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM clients WHERE points_balance < 0 OR total_spent < 0"
        ),
        0
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM points_ledger WHERE kind = 'spend'"
        ) > 0
    );
    // Figures follow the operations.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM clients c WHERE c.total_spent <> \
             (SELECT COALESCE(SUM(CASE kind WHEN 'purchase' THEN cash ELSE -cash END), 0) \
              FROM operations o WHERE o.client_id = c.id)"
        ),
        0
    );
    // Referral chains several generations deep, rewarded.
    assert!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM clients WHERE referrer_id IS NOT NULL"
        ) > 50
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM referral_rewards WHERE generation >= 3 AND amount > 0"
        ) > 0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM referral_rewards r JOIN operations o \
             ON o.id = r.operation_id WHERE o.kind = 'purchase' AND r.amount > 0 AND \
             r.generation = 1 AND r.beneficiary_id <> \
             (SELECT referrer_id FROM clients WHERE id = o.client_id)"
        ),
        0
    );
    // Levels follow the thresholds: the level each client holds is the one `level_for` picks.
    let levels = SqliteLoyaltyProgramme::new(db.clone())
        .levels()
        .expect("levels");
    assert_eq!(levels.len(), 4);
    #[derive(QueryableByName)]
    struct Standing {
        #[diesel(sql_type = BigInt)]
        total_spent: i64,
        #[diesel(sql_type = BigInt)]
        purchase_count: i64,
        #[diesel(sql_type = BigInt)]
        referrals: i64,
        #[diesel(sql_type = Nullable<BigInt>)]
        level_id: Option<i64>,
    }
    let mut conn = db.conn().expect("conn");
    let standings: Vec<Standing> = diesel::sql_query(
        "SELECT total_spent, purchase_count, level_id, \
         (SELECT COUNT(*) FROM clients r WHERE r.referrer_id = c.id AND r.purchase_count > 0) \
         AS referrals FROM clients c",
    )
    .load(&mut conn)
    .expect("standings");
    let mut held = 0;
    for s in &standings {
        let progress = LevelProgress {
            total_spent: Money::from_minor(s.total_spent),
            purchase_count: s.purchase_count,
            referrals: s.referrals,
        };
        assert_eq!(
            level_for(&levels, &progress).map(|l| l.id.get()),
            s.level_id
        );
        held += i64::from(s.level_id.is_some());
    }
    assert!(held > 100);
    assert!(count(&db, "SELECT COUNT(*) AS n FROM client_level_changes") >= held);
    // Staff, goods with stock, feedback and page views.
    assert!(count(&db, "SELECT COUNT(*) AS n FROM employees") >= 10);
    assert!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM stock_movements WHERE kind = 'receipt'"
        ) > 0
    );
    assert!(count(&db, "SELECT COUNT(*) AS n FROM feedback") > 0);
    assert!(count(&db, "SELECT COUNT(*) AS n FROM page_views") > 300);
    // The file is sound.
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .expect("integrity");
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].integrity_check, "ok");
    #[derive(QueryableByName)]
    struct Violation {
        #[diesel(sql_type = Text)]
        table: String,
    }
    let violations: Vec<Violation> = diesel::sql_query("PRAGMA foreign_key_check")
        .load(&mut conn)
        .expect("foreign keys");
    assert!(
        violations.is_empty(),
        "{:?}",
        violations.iter().map(|v| &v.table).collect::<Vec<_>>()
    );
}

#[test]
fn a_database_with_clients_or_a_bad_size_is_refused() {
    let (_dir, db) = fresh_db();
    generate(&db, &config(1)).expect("generated");
    assert!(matches!(
        generate(&db, &config(1)),
        Err(DemoError::NotEmpty(300))
    ));
    let (_d, empty) = fresh_db();
    let mut bad = config(1);
    bad.clients = 0;
    assert!(matches!(
        generate(&empty, &bad),
        Err(DemoError::InvalidSize(_))
    ));
    bad.clients = 10;
    bad.days = 0;
    assert!(matches!(
        generate(&empty, &bad),
        Err(DemoError::InvalidSize(_))
    ));
    assert_eq!(count(&empty, "SELECT COUNT(*) AS n FROM clients"), 0);
}
