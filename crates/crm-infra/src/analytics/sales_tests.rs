//! Tests of the sales figures on a real migrated database: exact sums across local-day bucket
//! boundaries in Moscow (UTC+3), and the query plans of the period aggregates.

use super::*;
use crate::analytics::SqliteAnalytics;
use crate::db::Database;
use crate::testing::{exec, fresh_db};
use crm_analytics::period::{Granularity, PeriodRequest};
use crm_analytics::sales::SalesAnalytics;
use crm_core::{FixedClock, Timestamp};

fn ms(text: &str) -> i64 {
    Timestamp::parse(text).unwrap().unix_millis()
}

fn client(
    db: &Database,
    id: i64,
    created: &str,
    gender: &str,
    birthday: &str,
    first: &str,
    last: &str,
) {
    let opt = |v: &str| {
        if v.is_empty() {
            "NULL".to_owned()
        } else {
            format!("'{v}'")
        }
    };
    let opt_ms = |v: &str| {
        if v.is_empty() {
            "NULL".to_owned()
        } else {
            ms(v).to_string()
        }
    };
    exec(
        db,
        &format!(
            "INSERT INTO clients (id, full_name, search_name, gender, birthday, first_purchase_at, \
             last_purchase_at, created_at, updated_at) VALUES ({id}, 'C{id}', 'c{id}', {}, {}, \
             {}, {}, {c}, {c})",
            opt(gender),
            opt(birthday),
            opt_ms(first),
            opt_ms(last),
            c = ms(created)
        ),
    );
}

fn operation(
    db: &Database,
    id: i64,
    kind: &str,
    client: i64,
    (total, cash): (i64, i64),
    at: &str,
    purchase: Option<i64>,
) {
    exec(
        db,
        &format!(
            "INSERT INTO operations (id, kind, client_id, purchase_id, total, cash, points, \
             reward_type, actor, created_at) VALUES ({id}, '{kind}', {client}, {}, {total}, \
             {cash}, {}, 'points', 'test', {})",
            purchase.map_or("NULL".to_owned(), |p| p.to_string()),
            total - cash,
            ms(at)
        ),
    );
}

fn ledger(db: &Database, client: i64, kind: &str, amount: i64, at: &str) {
    exec(
        db,
        &format!(
            "INSERT INTO points_ledger (client_id, kind, amount, remaining, available_at, actor, \
             created_at) VALUES ({client}, '{kind}', {amount}, 0, {t}, 'test', {t})",
            t = ms(at)
        ),
    );
}

/// The scenario of the module doc, in Moscow: the period is 1–2 November 2026 (local), that is
/// [2026-10-31T21:00Z, 2026-11-02T21:00Z); the previous one [2026-10-29T21:00Z, 2026-10-31T21:00Z).
fn seeded() -> (tempfile::TempDir, Database) {
    let (dir, db) = fresh_db();
    client(
        &db,
        1,
        "2026-10-01T00:00:00Z",
        "male",
        "1990-05-10",
        "2026-10-15T10:00:00Z",
        "2026-11-01T20:59:59.999Z",
    );
    client(
        &db,
        2,
        "2026-11-01T20:59:59.999Z",
        "female",
        "2000-11-03",
        "2026-11-01T21:00:00Z",
        "2026-11-01T21:00:00Z",
    );
    client(&db, 3, "2026-11-01T21:00:00Z", "", "", "", "");
    client(
        &db,
        4,
        "2026-01-01T00:00:00Z",
        "female",
        "2010-01-01",
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00Z",
    );
    operation(
        &db,
        1,
        "purchase",
        1,
        (50_000, 50_000),
        "2026-10-15T10:00:00Z",
        None,
    );
    // Last millisecond of 1 November in Moscow (23:59:59.999, a Sunday).
    operation(
        &db,
        2,
        "purchase",
        1,
        (100_000, 80_000),
        "2026-11-01T20:59:59.999Z",
        None,
    );
    // First millisecond of 2 November in Moscow (00:00, a Monday).
    operation(
        &db,
        3,
        "purchase",
        2,
        (30_000, 30_000),
        "2026-11-01T21:00:00Z",
        None,
    );
    // A refund of purchase 2 on 2 November at 12:00 local.
    operation(
        &db,
        4,
        "refund",
        1,
        (10_000, 10_000),
        "2026-11-02T09:00:00Z",
        Some(2),
    );
    // The previous period.
    operation(
        &db,
        5,
        "purchase",
        1,
        (7_000, 7_000),
        "2026-10-30T12:00:00Z",
        None,
    );
    operation(
        &db,
        6,
        "purchase",
        4,
        (1_000, 1_000),
        "2026-03-01T10:00:00Z",
        None,
    );
    ledger(&db, 1, "cashback", 5_000, "2026-11-01T20:59:59.999Z");
    ledger(&db, 1, "spend", -20_000, "2026-11-01T20:59:59.999Z");
    ledger(&db, 1, "refund_return", 2_000, "2026-11-02T09:00:00Z");
    ledger(&db, 1, "refund_clawback", -500, "2026-11-02T09:00:00Z");
    ledger(&db, 1, "adjustment", -100, "2026-11-02T09:00:00Z");
    ledger(&db, 1, "expiry", -300, "2026-11-02T09:00:00Z");
    ledger(&db, 1, "cashback", 700, "2026-10-30T12:00:00Z");
    exec(
        &db,
        "INSERT INTO certificate_types (id, name, nominal, price, validity_days, created_at, \
         updated_at) VALUES (1, 'Gift', 500000, 300000, 365, 0, 0)",
    );
    for (id, at) in [(1, "2026-11-02T05:00:00Z"), (2, "2026-10-31T20:00:00Z")] {
        exec(
            &db,
            &format!(
                "INSERT INTO certificates (id, code, type_id, nominal, balance, price, issued_at, \
                 expires_at, created_at) VALUES ({id}, 'CODE{id}', 1, 500000, 500000, 300000, \
                 {t}, {e}, {t})",
                t = ms(at),
                e = ms(at) + 86_400_000
            ),
        );
    }
    exec(
        &db,
        "INSERT INTO employees (id, full_name, role, created_at, updated_at) \
         VALUES (1, 'Master', 'master', 0, 0), (2, 'Cashier', 'cashier', 0, 0)",
    );
    exec(
        &db,
        "INSERT INTO products (id, kind, name, name_lower, price, unit, created_at, updated_at) \
         VALUES (1, 'service', 'Cut', 'cut', 100000, 'pcs', 0, 0), \
                (2, 'product', 'Shampoo', 'shampoo', 50000, 'pcs', 0, 0)",
    );
    exec(
        &db,
        "INSERT INTO locations (id, kind, name, created_at) VALUES (1, 'warehouse', 'Main', 0)",
    );
    for (status, at) in [
        ("scheduled", "2026-11-02T07:00:00Z"),
        ("no_show", "2026-11-01T08:00:00Z"),
        ("completed", "2026-10-30T08:00:00Z"),
    ] {
        exec(
            &db,
            &format!(
                "INSERT INTO appointments (client_id, service_id, employee_id, starts_at, ends_at, \
                 status, source, created_by, created_at, updated_at) VALUES (1, 1, 1, {t}, {e}, \
                 '{status}', 'admin', 'test', 0, 0)",
                t = ms(at),
                e = ms(at) + 3_600_000
            ),
        );
    }
    // Shifts: 9 h on 1 November (Moscow), 6 h on 31 October (the previous period).
    for (date, from, to) in [
        ("2026-11-01", "2026-11-01T06:00:00Z", "2026-11-01T15:00:00Z"),
        ("2026-10-31", "2026-10-31T06:00:00Z", "2026-10-31T12:00:00Z"),
    ] {
        exec(
            &db,
            &format!(
                "INSERT INTO shifts (employee_id, shift_date, start_time, end_time, starts_at, \
                 ends_at, created_at) VALUES (1, '{date}', '09:00', '18:00', {}, {}, 0)",
                ms(from),
                ms(to)
            ),
        );
    }
    for (kind, quantity, cost, at) in [
        ("receipt", 2_500, "10001", "2026-11-01T21:30:00Z"),
        ("receipt", 1_000, "NULL", "2026-11-01T21:30:00Z"),
        ("write_off", -500, "NULL", "2026-11-01T22:00:00Z"),
        ("receipt", 1_000, "999", "2026-10-31T20:59:59.999Z"),
    ] {
        exec(
            &db,
            &format!(
                "INSERT INTO stock_movements (product_id, location_id, kind, quantity, \
                 balance_after, unit_cost, actor, created_at) VALUES (2, 1, '{kind}', {quantity}, \
                 0, {cost}, 'test', {})",
                ms(at)
            ),
        );
    }
    exec(
        &db,
        "INSERT INTO payroll_runs (id, period_from, period_to, status, run_by, computed_at) \
         VALUES (1, '2026-10-01', '2026-11-01', 'closed', 'test', 0), \
                (2, '2026-11-03', '2026-11-05', 'draft', 'test', 0)",
    );
    for (run, amount) in [(1, 40_000), (1, 60_000), (2, 99_999)] {
        exec(
            &db,
            &format!(
                "INSERT INTO payroll_results (run_id, employee_id, full_name, pay_system, \
                 hourly_rate, hours_centi, pieces, piece_amount, attributed_revenue, \
                 revenue_share_bp, revenue_amount, monthly_salary, amount) VALUES ({run}, \
                 {e}, 'E', 'salary', 0, 0, 0, 0, 0, 0, 0, {amount}, {amount})",
                e = if amount == 60_000 { 2 } else { 1 }
            ),
        );
    }
    (dir, db)
}

fn analytics(db: &Database) -> SalesAnalytics<SqliteAnalytics, FixedClock> {
    SalesAnalytics::new(
        SqliteAnalytics::new(db.clone()),
        FixedClock::new(Timestamp::parse("2026-11-24T12:00:00Z").unwrap()),
    )
}

fn first_two_days() -> PeriodRequest {
    PeriodRequest {
        from: Some("2026-11-01".into()),
        to: Some("2026-11-02".into()),
        granularity: Some(Granularity::Day),
        ..PeriodRequest::default()
    }
}

#[test]
fn the_summary_sums_the_local_period_exactly() {
    let (_dir, db) = seeded();
    let s = analytics(&db).summary(&first_two_days()).unwrap();
    assert_eq!(s.period.timezone, "Europe/Moscow");
    assert_eq!((s.revenue.current, s.revenue.previous), (120_000, 7_000));
    assert_eq!((s.operations.current, s.operations.previous), (2, 1));
    assert_eq!(s.average_check.current, 65_000);
    assert_eq!((s.new_clients.current, s.new_clients.previous), (2, 0));
    assert_eq!(
        (s.returning_clients.current, s.returning_clients.previous),
        (1, 1)
    );
    assert_eq!(
        (s.points_accrued.current, s.points_accrued.previous),
        (4_500, 700)
    );
    assert_eq!(s.points_spent.current, 18_000);
    assert_eq!(
        (s.certificates_sold.current, s.certificates_sold.previous),
        (1, 1)
    );
    assert_eq!(s.certificates_amount.current, 300_000);
    assert_eq!(s.appointments_scheduled.current, 1);
    assert_eq!(s.appointments_no_show.current, 1);
    assert_eq!(s.appointments_completed.previous, 1);
    // Booked: the scheduled and the no-show hour (120 min) of 540 shift minutes; before: the
    // completed hour of 360.
    assert_eq!(
        (
            s.appointments_booked_minutes.current,
            s.shift_minutes.current
        ),
        (120, 540)
    );
    assert_eq!(s.utilisation.current, Some(22.2));
    assert_eq!(s.utilisation.previous, Some(16.7));
    assert_eq!(s.no_show_rate.current, Some(100.0));
    assert_eq!(s.no_show_rate.previous, Some(0.0));
}

#[test]
fn operations_split_at_local_midnight_and_by_local_hour() {
    let (_dir, db) = seeded();
    let r = analytics(&db).operations(&first_two_days()).unwrap();
    assert_eq!(r.series.len(), 2);
    assert_eq!(r.series[0].bucket.label, "2026-11-01");
    assert_eq!(r.series[0].sales.purchases, 1);
    assert_eq!(r.series[0].sales.revenue(), 100_000);
    assert_eq!(r.series[1].sales.purchases, 1);
    assert_eq!(r.series[1].sales.refunds, 1);
    assert_eq!(r.series[1].sales.revenue(), 20_000);
    assert_eq!(r.by_hour[23].sales.purchase_total, 100_000);
    assert_eq!(r.by_hour[0].sales.purchase_total, 30_000);
    assert_eq!(r.by_hour[12].sales.refund_total, 10_000);
    assert_eq!(r.by_hour.iter().map(|h| h.sales.purchases).sum::<i64>(), 2);
    // Sunday 1 November, Monday 2 November.
    assert_eq!(r.by_weekday[6].sales.purchases, 1);
    assert_eq!(r.by_weekday[0].sales.purchases, 1);
    assert_eq!(r.by_weekday[0].sales.refunds, 1);
    assert_eq!(r.refunds_amount.current, 10_000);
}

#[test]
fn customers_count_the_base_bands_and_cohorts() {
    let (_dir, db) = seeded();
    let r = analytics(&db)
        .customers(&first_two_days(), Some(10))
        .unwrap();
    assert_eq!(r.total_clients, 4);
    assert_eq!(r.lost_clients, 1);
    assert_eq!((r.male, r.female, r.gender_unknown), (1, 2, 1));
    let band = |code: &str| r.by_age.iter().find(|(b, _)| b.code() == code).unwrap().1;
    assert_eq!(band("35_44"), 1);
    assert_eq!(band("25_34"), 1);
    assert_eq!(band("under_18"), 1);
    assert_eq!(band("unknown"), 1);
    assert_eq!(band("55_plus"), 0);
    assert_eq!(
        r.new_per_bucket.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [1, 1]
    );
    assert_eq!(
        (r.active_clients.current, r.returning_clients.current),
        (2, 1)
    );
    let cohort = |month: &str| r.cohorts.iter().find(|c| c.month == month).unwrap();
    assert_eq!(cohort("2026-03").clients, 1);
    assert!(cohort("2026-03").retention.iter().all(|m| m.clients == 0));
    assert_eq!(cohort("2026-10").clients, 1);
    assert_eq!(cohort("2026-10").retention[0].clients, 1);
    assert_eq!(cohort("2026-10").retention[0].share_percent, 100.0);
    assert_eq!(cohort("2026-11").clients, 1);
}

#[test]
fn cohort_retention_sees_purchases_made_after_an_earlier_read() {
    let (_dir, db) = seeded();
    let sales = analytics(&db);
    let before = sales.customers(&first_two_days(), Some(10)).unwrap();
    let march = |r: &crm_analytics::sales::model::CustomersReport| {
        r.cohorts
            .iter()
            .find(|c| c.month == "2026-03")
            .unwrap()
            .clone()
    };
    assert!(march(&before).retention.iter().all(|m| m.clients == 0));
    // The March client comes back in November (local Moscow time), twice: counted once.
    let march_client = 4;
    operation(
        &db,
        100,
        "purchase",
        march_client,
        (500, 500),
        "2026-11-01T22:00:00Z",
        None,
    );
    operation(
        &db,
        101,
        "purchase",
        march_client,
        (700, 700),
        "2026-11-02T08:00:00Z",
        None,
    );
    let after = sales.customers(&first_two_days(), Some(10)).unwrap();
    let back = march(&after);
    let november = back.retention.iter().find(|m| m.months_after == 8).unwrap();
    assert_eq!(november.clients, 1);
    assert_eq!(november.share_percent, 100.0);
    assert_eq!(back.retention.iter().map(|m| m.clients).sum::<i64>(), 1);
}

#[test]
fn finance_attributes_money_to_local_days() {
    let (_dir, db) = seeded();
    let r = analytics(&db).finance(&first_two_days()).unwrap();
    let day1 = r.series[0].figures;
    assert_eq!(day1.cash_income(), 80_000);
    assert_eq!(day1.payroll, 100_000);
    assert_eq!(day1.cost_of_goods, 0);
    assert_eq!(day1.cash_flow(), -20_000);
    let day2 = r.series[1].figures;
    assert_eq!(day2.cash_income(), 20_000);
    assert_eq!(day2.certificate_sales, 300_000);
    // 2.5 units at 100.01: 250.025 → 250.03 (half away from zero, as stock values are).
    assert_eq!(day2.cost_of_goods, 25_003);
    assert_eq!(day2.cash_flow(), 294_997);
    assert_eq!(r.totals.income(), 400_000);
    assert_eq!(r.totals.expenses(), 125_003);
    assert_eq!(r.totals.cash_flow(), 274_997);
}

fn plan(db: &Database, sql: &str, binds: usize) -> Vec<String> {
    #[derive(QueryableByName)]
    struct PlanRow {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let mut conn = db.conn().unwrap();
    // Every bound parameter of these queries is an instant or a date; 0 stands for any.
    let mut sql = format!("EXPLAIN QUERY PLAN {sql}");
    for i in (1..=binds).rev() {
        sql = sql.replace(&format!("?{i}"), "0");
    }
    diesel::sql_query(sql)
        .load::<PlanRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect()
}

/// Fails when the plan scans a stored table instead of searching an index (scanning the
/// `VALUES` CTEs of bucket bounds, `b`/`d`/`m`, and materialised CTEs is expected).
fn assert_no_full_scan(db: &Database, sql: &str, binds: usize) {
    let details = plan(db, sql, binds);
    for detail in &details {
        let Some(rest) = detail.strip_prefix("SCAN ") else {
            continue;
        };
        let table = rest.split_whitespace().next().unwrap_or_default();
        if table.parse::<u64>().is_ok() {
            continue; // "SCAN 2 CONSTANT ROWS": the VALUES list itself.
        }
        assert!(
            [
                "b",
                "d",
                "m",
                "mm",
                "r",
                "x",
                "co",
                "cohort",
                "act",
                "CONSTANT",
                "(subquery-1)",
                "(subquery-2)"
            ]
            .contains(&table),
            "full scan of {table} in {sql}: {details:?}"
        );
    }
}

#[test]
fn period_aggregates_read_through_indexes() {
    let (_dir, db) = fresh_db();
    for sql in [
        OPERATION_TOTALS_SQL,
        &client_activity_sql(),
        NEW_CLIENTS_SQL,
        POINTS_SQL,
        CERTIFICATES_SQL,
        APPOINTMENTS_SQL,
        DEMOGRAPHY_SQL,
    ] {
        assert_no_full_scan(&db, sql, 2);
    }
    let totals = plan(&db, OPERATION_TOTALS_SQL, 2).join(" | ");
    assert!(
        totals.contains("COVERING INDEX operations_sales"),
        "{totals}"
    );
    let points = plan(&db, POINTS_SQL, 2).join(" | ");
    assert!(
        points.contains("COVERING INDEX points_ledger_by_time"),
        "{points}"
    );
    let t = |s: &str| Timestamp::parse(s).unwrap();
    let ranges = [
        TimeRange {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-11-02T00:00:00Z"),
        },
        TimeRange {
            from: t("2026-11-02T00:00:00Z"),
            to: t("2026-11-03T00:00:00Z"),
        },
    ];
    assert_no_full_scan(&db, &range_sales_sql(&ranges), 0);
    assert_no_full_scan(&db, &new_clients_series_sql(&ranges), 0);
    assert_no_full_scan(&db, &cohort_sizes_sql(&ranges), 0);
    assert_no_full_scan(&db, COHORT_RETENTION_SQL, 2);
    let dated = [DatedRange {
        range: ranges[0],
        first_day: "2026-11-01".into(),
        end_day: "2026-11-02".into(),
    }];
    let finance = finance_sql(&dated).unwrap();
    assert_no_full_scan(&db, &finance, 0);
    assert!(plan(&db, &finance, 0)
        .join(" | ")
        .contains("COVERING INDEX operations_sales"));
}

#[test]
fn only_dates_are_inlined() {
    let t = Timestamp::parse("2026-11-01T00:00:00Z").unwrap();
    let bad = [DatedRange {
        range: TimeRange { from: t, to: t },
        first_day: "2026-11-01' OR 1=1 --".into(),
        end_day: "2026-11-02".into(),
    }];
    assert!(finance_sql(&bad).is_err());
}
