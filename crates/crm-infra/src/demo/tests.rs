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
        employees: 12,
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
    #[diesel(sql_type = BigInt)]
    appointments: i64,
    #[diesel(sql_type = BigInt)]
    deliveries: i64,
    #[diesel(sql_type = BigInt)]
    news_events: i64,
    #[diesel(sql_type = BigInt)]
    certificates: i64,
    #[diesel(sql_type = BigInt)]
    payroll: i64,
    #[diesel(sql_type = BigInt)]
    messages: i64,
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
         (SELECT COALESCE(SUM(created_at % 1000003), 0) FROM operations) AS times, \
         (SELECT COALESCE(SUM((starts_at % 1000003) * client_id + length(status)), 0) \
          FROM appointments) AS appointments, \
         (SELECT COALESCE(SUM(client_id * length(status) + step), 0) FROM deliveries) \
          AS deliveries, \
         (SELECT COALESCE(SUM(COALESCE(client_id, 7) * length(event)), 0) FROM news_events) \
          AS news_events, \
         (SELECT COALESCE(SUM(balance * id), 0) FROM certificates) AS certificates, \
         (SELECT COALESCE(SUM(amount * employee_id), 0) FROM payroll_results) AS payroll, \
         (SELECT COALESCE(SUM(client_id * length(text)), 0) FROM messages) AS messages",
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
    bad.days = 10;
    bad.employees = 2;
    assert!(matches!(
        generate(&empty, &bad),
        Err(DemoError::InvalidSize(_))
    ));
    assert_eq!(count(&empty, "SELECT COUNT(*) AS n FROM clients"), 0);
}

/// Counts the rows of a query that must find none, naming the rule when it fails.
fn none(db: &Database, rule: &str, sql: &str) {
    assert_eq!(count(db, sql), 0, "{rule}");
}

fn some(db: &Database, table: &str) -> i64 {
    let n = count(db, &format!("SELECT COUNT(*) AS n FROM {table}"));
    assert!(n > 0, "{table} is empty");
    n
}

#[test]
fn a_demo_business_fills_every_area_by_the_domain_rules() {
    let (_dir, db) = fresh_db();
    let report = generate(&db, &config(42)).expect("generated");
    for table in [
        "shifts",
        "timesheet_entries",
        "payroll_runs",
        "payroll_results",
        "appointments",
        "appointment_status_changes",
        "certificates",
        "certificate_redemptions",
        "campaigns",
        "deliveries",
        "campaign_events",
        "messages",
        "dialogues",
        "news_posts",
        "news_events",
    ] {
        some(&db, table);
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM employees"),
        12,
        "employees {}, max id {}, {report:?}",
        count(&db, "SELECT COUNT(*) AS n FROM employees"),
        count(&db, "SELECT MAX(id) AS n FROM employees")
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM appointments") as u64,
        report.appointments
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM deliveries") as u64,
        report.deliveries
    );

    // Appointments: valid statuses, the past settled and the future scheduled, each inside a
    // shift of its master, no two of a master overlapping, with their status history.
    for status in ["completed", "cancelled", "no_show", "scheduled"] {
        assert!(
            count(
                &db,
                &format!("SELECT COUNT(*) AS n FROM appointments WHERE status = '{status}'")
            ) > 0,
            "{status}"
        );
    }
    none(
        &db,
        "no unsettled past appointment",
        &format!(
            "SELECT COUNT(*) AS n FROM appointments WHERE ends_at <= {END_MS} \
             AND status = 'scheduled'"
        ),
    );
    none(
        &db,
        "the future is scheduled or cancelled",
        &format!(
            "SELECT COUNT(*) AS n FROM appointments WHERE starts_at > {END_MS} \
             AND status NOT IN ('scheduled', 'cancelled')"
        ),
    );
    none(
        &db,
        "appointments lie inside a shift of their master",
        "SELECT COUNT(*) AS n FROM appointments a WHERE NOT EXISTS (SELECT 1 FROM shifts s \
         WHERE s.employee_id = a.employee_id AND s.starts_at <= a.starts_at \
         AND s.ends_at >= a.ends_at)",
    );
    none(
        &db,
        "a master's appointments never overlap",
        "SELECT COUNT(*) AS n FROM appointments a JOIN appointments b \
         ON b.employee_id = a.employee_id AND b.id > a.id \
         AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at",
    );
    none(
        &db,
        "appointments are of the masters' services at their price",
        "SELECT COUNT(*) AS n FROM appointments a JOIN products p ON p.id = a.service_id \
         JOIN employees e ON e.id = a.employee_id WHERE p.kind <> 'service' \
         OR e.role <> 'master' OR a.price <> p.price \
         OR a.ends_at - a.starts_at <> p.duration_minutes * 60000",
    );
    none(
        &db,
        "each appointment starts its history as scheduled and ends it in its status",
        "SELECT COUNT(*) AS n FROM appointments a WHERE NOT EXISTS \
         (SELECT 1 FROM appointment_status_changes c WHERE c.appointment_id = a.id \
          AND c.from_status IS NULL AND c.to_status = 'scheduled') \
         OR a.status <> (SELECT to_status FROM appointment_status_changes c \
          WHERE c.appointment_id = a.id ORDER BY c.id DESC LIMIT 1)",
    );
    none(
        &db,
        "nothing happens after now",
        &format!(
            "SELECT (SELECT COUNT(*) FROM appointment_status_changes WHERE at > {END_MS}) + \
             (SELECT COUNT(*) FROM appointments WHERE created_at > {END_MS}) + \
             (SELECT COUNT(*) FROM deliveries WHERE not_before > {END_MS} \
              OR created_at > {END_MS}) + \
             (SELECT COUNT(*) FROM messages WHERE created_at > {END_MS}) + \
             (SELECT COUNT(*) FROM news_events WHERE at > {END_MS}) + \
             (SELECT COUNT(*) FROM operations WHERE created_at > {END_MS}) AS n"
        ),
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM feedback WHERE appointment_id IS NOT NULL"
        ) > 0
    );

    // Timesheets count the completed visits of the day; payroll runs add up the timesheets
    // and the cash each employee recorded, as the payroll repository does.
    none(
        &db,
        "pieces are the day's completed appointments",
        "SELECT COUNT(*) AS n FROM timesheet_entries t JOIN employees e ON e.id = t.employee_id \
         WHERE e.pay_system = 'piecework' AND t.pieces <> (SELECT COUNT(*) FROM appointments a \
          WHERE a.employee_id = t.employee_id AND a.status = 'completed' \
          AND date((a.starts_at + 10800000) / 1000, 'unixepoch') = t.work_date)",
    );
    none(
        &db,
        "payroll results follow the timesheets and the recorded cash",
        "SELECT COUNT(*) AS n FROM payroll_results r JOIN payroll_runs u ON u.id = r.run_id \
         WHERE r.hours_centi <> (SELECT COALESCE(SUM(hours_centi), 0) FROM timesheet_entries t \
           WHERE t.employee_id = r.employee_id AND t.work_date BETWEEN u.period_from \
           AND u.period_to) \
         OR r.pieces <> (SELECT COALESCE(SUM(pieces), 0) FROM timesheet_entries t \
           WHERE t.employee_id = r.employee_id AND t.work_date BETWEEN u.period_from \
           AND u.period_to) \
         OR r.attributed_revenue <> (SELECT COALESCE(SUM(CASE kind WHEN 'refund' THEN -cash \
           ELSE cash END), 0) FROM operations o WHERE o.employee_id = r.employee_id \
           AND o.created_at >= strftime('%s', u.period_from) * 1000 - 10800000 \
           AND o.created_at < strftime('%s', date(u.period_to, '+1 day')) * 1000 - 10800000)",
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM payroll_runs WHERE status = 'draft'"
        ),
        1
    );

    // Certificates: the balance is the nominal less the redemptions, which paid purchases.
    none(
        &db,
        "certificate balances follow their redemptions",
        "SELECT COUNT(*) AS n FROM certificates c WHERE c.balance <> c.nominal - \
         (SELECT COALESCE(SUM(amount), 0) FROM certificate_redemptions r \
          WHERE r.certificate_id = c.id) OR c.balance < 0 OR c.balance > c.nominal",
    );
    none(
        &db,
        "each redemption paid its purchase",
        "SELECT COUNT(*) AS n FROM certificate_redemptions r JOIN operations o \
         ON o.id = r.operation_id WHERE o.certificate_id <> r.certificate_id \
         OR o.certificate_amount <> r.amount OR o.created_at < (SELECT issued_at \
         FROM certificates c WHERE c.id = r.certificate_id)",
    );

    // Campaign deliveries reach only clients with the consents and a contact on the channel.
    none(
        &db,
        "campaign deliveries respect consent and contacts",
        "SELECT COUNT(*) AS n FROM deliveries d JOIN clients c ON c.id = d.client_id \
         WHERE d.source = 'campaign' AND (NOT c.consent_personal_data \
         OR NOT c.consent_marketing OR (d.channel = 'sms' AND (NOT c.consent_sms \
         OR c.phone IS NULL OR d.recipient <> c.phone)) OR (d.channel = 'telegram' \
         AND (c.telegram_id IS NULL OR d.recipient <> CAST(c.telegram_id AS TEXT))))",
    );
    none(
        &db,
        "deliveries are settled: sent or delivered with a time, failed with a reason",
        "SELECT COUNT(*) AS n FROM deliveries WHERE status NOT IN ('sent', 'delivered', \
         'failed') OR (status = 'failed' AND reason IS NULL) \
         OR (status <> 'failed' AND sent_at IS NULL)",
    );
    none(
        &db,
        "an outbound message has the status of its delivery",
        "SELECT COUNT(*) AS n FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id \
         WHERE m.direction = 'outbound' AND (d.id IS NULL OR d.status <> m.status)",
    );
    none(
        &db,
        "a dialogue summarises its last message",
        "SELECT COUNT(*) AS n FROM dialogues g WHERE g.last_message_id <> (SELECT MAX(id) \
         FROM messages m WHERE m.client_id = g.client_id) \
         OR g.unanswered <> (g.last_direction = 'inbound')",
    );
    none(
        &db,
        "news events follow publication",
        "SELECT COUNT(*) AS n FROM news_events e JOIN news_posts p ON p.id = e.news_post_id \
         WHERE p.publish_at IS NULL OR e.at < p.publish_at",
    );
    // Stock balances equal the stock ledger.
    none(
        &db,
        "stock balances follow the movements",
        "SELECT COUNT(*) AS n FROM stock_balances b WHERE b.quantity <> (SELECT \
         COALESCE(SUM(quantity), 0) FROM stock_movements m WHERE m.product_id = b.product_id \
         AND m.location_id = b.location_id) OR b.quantity <> (SELECT balance_after \
         FROM stock_movements m WHERE m.product_id = b.product_id \
         AND m.location_id = b.location_id ORDER BY m.id DESC LIMIT 1)",
    );
}

#[test]
fn the_load_leaves_the_indexes_as_the_migrations_made_them() {
    #[derive(QueryableByName, Debug, PartialEq, Eq)]
    struct Index {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Nullable<Text>)]
        sql: Option<String>,
    }
    let (_dir, db) = fresh_db();
    let indexes = |db: &Database| -> Vec<Index> {
        let mut conn = db.conn().expect("conn");
        diesel::sql_query("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .load(&mut conn)
            .expect("indexes")
    };
    let before = indexes(&db);
    generate(&db, &config(3)).expect("generated");
    assert_eq!(indexes(&db), before);
}
