//! The analytics performance budget, measured: an ignored benchmark that builds a year of a
//! business (100k clients, 1M operations, 1M deliveries, …) with a few `WITH RECURSIVE`
//! statements, runs `ANALYZE`, then times every figure the analytics routes read — the median
//! of five runs each — and prints a table, marking `OVER` where the budget is missed. It
//! asserts nothing about time: run it in release on the target machine with
//! `cargo test -p crm-infra --release analytics_budget -- --ignored --nocapture`.

use crate::analytics::SqliteAnalytics;
use crate::db::Database;
use crate::testing::{exec, fresh_db};
use crm_analytics::audience::model::Segment;
use crm_analytics::audience::AudienceAnalytics;
use crm_analytics::period::PeriodRequest;
use crm_analytics::sales::SalesAnalytics;
use crm_analytics::tower::ControlTower;
use crm_core::{FixedClock, PageRequest, Timestamp};
use std::time::{Duration, Instant};

/// 2026-11-24T12:00:00Z, the benchmark's "now".
const NOW: i64 = 1_795_521_600_000;
const DAY: i64 = 86_400_000;
const CLIENTS: i64 = 100_000;
const OPERATIONS: i64 = 1_000_000;
const DELIVERIES: i64 = 1_000_000;

/// The instant of the `i`-th row of a year of history (SQL over the column `i`): a day of the
/// year with a weekly rhythm (half of one weekday's traffic moves to the day before, so one
/// weekday is busy and the next quiet) and a time between 08:00 and 20:00 UTC.
fn at_sql(i: &str) -> String {
    let start = NOW - 365 * DAY;
    format!(
        "({start} + ((({i} * 7919) % 365) - CASE WHEN (({i} * 7919) % 365) % 7 = 3 \
         AND {i} % 2 = 0 THEN 1 ELSE 0 END) * {DAY} + 28800000 + ({i} * 104729) % 43200000)"
    )
}

fn build(db: &Database) {
    let year_ago = NOW - 365 * DAY;
    let at = at_sql("i");
    let n = |count: i64| {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})")
    };
    // Reference rows: levels, traffic channels, staff, locations, goods and services.
    exec(
        db,
        &format!(
            "INSERT INTO loyalty_levels (id, name, cashback_bp, threshold, created_at, \
             updated_at) VALUES (1, 'Base', 300, 0, {year_ago}, {year_ago}), \
             (2, 'Silver', 500, 1000000, {year_ago}, {year_ago}), \
             (3, 'Gold', 700, 5000000, {year_ago}, {year_ago})"
        ),
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO traffic_channels (id, name, code, created_at, updated_at) \
             SELECT i, 'Channel ' || i, 'ch' || i, {year_ago}, {year_ago} FROM n",
            n(6)
        ),
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO employees (id, full_name, role, created_at, updated_at) \
             SELECT i, 'Master ' || i, 'master', {year_ago}, {year_ago} FROM n",
            n(10)
        ),
    );
    exec(
        db,
        &format!(
            "INSERT INTO locations (id, kind, name, created_at) VALUES \
             (1, 'warehouse', 'Store', {year_ago}), (2, 'point_of_sale', 'Shop', {year_ago})"
        ),
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO products (id, kind, name, name_lower, price, cost_price, unit, \
             duration_minutes, low_stock_threshold, created_at, updated_at) \
             SELECT i, CASE WHEN i % 2 = 0 THEN 'service' ELSE 'product' END, 'Item ' || i, \
             'item ' || i, 1000 + i * 100, 400 + i * 40, 'pcs', 60, \
             CASE WHEN i % 3 = 0 THEN 20 END, {year_ago}, {year_ago} FROM n",
            n(50)
        ),
    );
    // Clients: registered over the year, with contacts, consents, birthdays, referrers (an
    // earlier client), levels and traffic channels.
    exec(
        db,
        &format!(
            "{} INSERT INTO clients (id, full_name, search_name, phone, telegram_id, birthday, \
             gender, level_id, referrer_id, traffic_channel_id, consent_personal_data, \
             consent_marketing, consent_sms, created_at, updated_at) \
             SELECT i, 'Client ' || i, 'client ' || i, \
             CASE WHEN i % 10 <> 0 THEN printf('+7900%07d', i) END, \
             CASE WHEN i % 4 <> 0 THEN 1000000 + i END, \
             CASE WHEN i % 5 <> 0 THEN printf('%04d-%02d-%02d', 1950 + i % 55, 1 + i % 12, \
             1 + i % 28) END, \
             CASE i % 3 WHEN 0 THEN 'male' WHEN 1 THEN 'female' END, \
             CASE WHEN i % 7 <> 0 THEN 1 + i % 3 END, \
             CASE WHEN i > 100 AND i % 3 = 0 THEN 1 + (i * 7) % (i - 1) END, \
             CASE WHEN i % 6 <> 0 THEN 1 + i % 6 END, 1, i % 2, i % 3 = 0, \
             {year_ago} + (i - 1) * 315360, {year_ago} FROM n",
            n(CLIENTS)
        ),
    );
    // Operations: purchases over the year (one in twenty fully refunded an hour later), with
    // points paid on one in five.
    exec(
        db,
        &format!(
            "{} INSERT INTO operations (id, kind, client_id, employee_id, location_id, \
             purchase_id, total, points, cash, cashback, refunded_total, refunded_cash, \
             reward_type, actor, created_at) \
             SELECT i, CASE WHEN i % 20 = 0 THEN 'refund' ELSE 'purchase' END, \
             1 + (CASE WHEN i % 20 = 0 THEN i - 1 ELSE i END * 7) % {CLIENTS}, 1 + i % 10, 2, \
             CASE WHEN i % 20 = 0 THEN i - 1 END, \
             1000 + (CASE WHEN i % 20 = 0 THEN i - 1 ELSE i END) % 9000, \
             CASE WHEN i % 5 = 1 THEN 100 ELSE 0 END, \
             1000 + (CASE WHEN i % 20 = 0 THEN i - 1 ELSE i END) % 9000 \
             - CASE WHEN i % 5 = 1 THEN 100 ELSE 0 END, \
             CASE WHEN i % 20 = 0 THEN 0 ELSE (1000 + i % 9000) / 20 END, \
             CASE WHEN i % 20 = 19 THEN 1000 + i % 9000 ELSE 0 END, \
             CASE WHEN i % 20 = 19 THEN 1000 + i % 9000 - 100 * (i % 5 = 1) ELSE 0 END, \
             'points', 'bench', \
             CASE WHEN i % 20 = 0 THEN {prev} + 3600000 ELSE {at} END FROM n",
            n(OPERATIONS),
            prev = at_sql("(i - 1)"),
        ),
    );
    // The clients' purchase figures, as the purchase transaction keeps them.
    exec(
        db,
        "UPDATE clients SET first_purchase_at = s.first, last_purchase_at = s.last, \
         purchase_count = s.count, total_spent = s.spent \
         FROM (SELECT client_id, MIN(created_at) AS first, MAX(created_at) AS last, \
         COUNT(*) AS count, SUM(total - refunded_total) AS spent FROM operations \
         WHERE kind = 'purchase' GROUP BY client_id) AS s WHERE s.client_id = clients.id",
    );
    // The points ledger: cashback for every purchase, spending where points paid.
    exec(
        db,
        "INSERT INTO points_ledger (client_id, operation_id, kind, amount, remaining, \
         available_at, actor, created_at) \
         SELECT client_id, id, 'cashback', cashback, 0, created_at, 'bench', created_at \
         FROM operations WHERE kind = 'purchase' AND cashback > 0 \
         UNION ALL SELECT client_id, id, 'spend', -points, 0, created_at, 'bench', created_at \
         FROM operations WHERE kind = 'purchase' AND points > 0",
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO points_ledger (client_id, kind, amount, remaining, available_at, \
             generation, source_client_id, actor, created_at) \
             SELECT c.referrer_id, 'referral_reward', 200, 0, c.created_at, 1, c.id, 'bench', \
             c.created_at FROM n JOIN clients c ON c.id = n.i WHERE c.referrer_id IS NOT NULL",
            n(CLIENTS)
        ),
    );
    // Certificates sold over the year.
    exec(
        db,
        &format!(
            "INSERT INTO certificate_types (id, name, nominal, price, validity_days, created_at, \
             updated_at) VALUES (1, 'Gift', 300000, 270000, 365, {year_ago}, {year_ago})"
        ),
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO certificates (code, type_id, owner_client_id, nominal, balance, \
             price, issued_at, expires_at, created_at) \
             SELECT 'GC' || i, 1, 1 + (i * 13) % {CLIENTS}, 300000, 300000, 270000, {at}, \
             {at} + 365 * {DAY}, {at} FROM n",
            n(5_000)
        ),
    );
    // Stock: receipts over the year and the balances they leave.
    exec(
        db,
        &format!(
            "{} INSERT INTO stock_movements (product_id, location_id, kind, quantity, \
             balance_after, unit_cost, actor, created_at) \
             SELECT 1 + i % 50, 1 + i % 2, 'receipt', 10, 10 * (1 + i / 100), \
             400 + (i % 50) * 40, 'bench', {at} FROM n",
            n(10_000)
        ),
    );
    exec(
        db,
        &format!(
            "INSERT INTO stock_balances (product_id, location_id, quantity, last_movement_at) \
             SELECT p.id, l.id, (p.id * 7 + l.id) % 60, {NOW} FROM products p, locations l"
        ),
    );
    // Payroll: a closed run per month with a result per master.
    exec(
        db,
        &format!(
            "{} INSERT INTO payroll_runs (id, period_from, period_to, status, run_by, \
             computed_at, closed_at) \
             SELECT i, date({year_ago} / 1000, 'unixepoch', '+' || (i - 1) || ' months'), \
             date({year_ago} / 1000, 'unixepoch', '+' || i || ' months', '-1 day'), 'closed', \
             'bench', {year_ago}, {year_ago} FROM n",
            n(12)
        ),
    );
    exec(
        db,
        "INSERT INTO payroll_results (run_id, employee_id, full_name, pay_system, hourly_rate, \
         hours_centi, pieces, piece_amount, attributed_revenue, revenue_share_bp, \
         revenue_amount, monthly_salary, amount) \
         SELECT r.id, e.id, e.full_name, 'salary', 0, 0, 0, 0, 0, 0, 0, 6000000, 6000000 \
         FROM payroll_runs r, employees e",
    );
    // Campaigns launched over the year, a million deliveries (campaigns, reminders, replies)
    // and what the campaigns brought back.
    exec(
        db,
        &format!(
            "{} INSERT INTO campaigns (id, name, status, channels, wizard_step, launched_at, \
             created_by, created_at, updated_at) \
             SELECT i, 'Campaign ' || i, CASE WHEN i = 50 THEN 'draft' ELSE 'completed' END, \
             '[\"telegram\"]', CASE WHEN i = 50 THEN 2 ELSE 4 END, \
             CASE WHEN i < 50 THEN {year_ago} + i * 7 * {DAY} END, 'bench', \
             {year_ago} + i * 7 * {DAY}, {year_ago} + i * 7 * {DAY} FROM n",
            n(50)
        ),
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO deliveries (source, campaign_id, client_id, channel, recipient, \
             text, status, not_before, sent_at, dedupe_key, created_at, updated_at) \
             SELECT CASE WHEN i % 10 < 8 THEN 'campaign' WHEN i % 10 = 8 THEN 'reminder' \
             ELSE 'dialogue' END, CASE WHEN i % 10 < 8 THEN 1 + i % 49 END, \
             1 + (i * 11) % {CLIENTS}, 'telegram', '1' || i, 'Hello', \
             CASE WHEN i % 33 = 0 THEN 'failed' WHEN i % 5 = 0 THEN 'sent' ELSE 'delivered' \
             END, {at}, {at}, 'd' || i, {at}, {at} + 60000 FROM n",
            n(DELIVERIES)
        ),
    );
    exec(
        db,
        &format!(
            "{} INSERT INTO campaign_events (campaign_id, delivery_id, client_id, kind, source, \
             at) SELECT d.campaign_id, d.id, d.client_id, \
             CASE n.i % 4 WHEN 0 THEN 'conversion' WHEN 1 THEN 'click' ELSE 'open' END, \
             'bench', d.created_at + 3600000 FROM n JOIN deliveries d ON d.id = n.i * 5 \
             WHERE d.source = 'campaign'",
            n(DELIVERIES / 5)
        ),
    );
    // Mini App page views: signed-in clients and anonymous visitors.
    exec(
        db,
        &format!(
            "{} INSERT INTO page_views (page, client_id, visitor_id, at) \
             SELECT CASE i % 4 WHEN 0 THEN '/' WHEN 1 THEN '/card' WHEN 2 THEN '/news' \
             ELSE '/booking' END, CASE WHEN i % 3 <> 0 THEN 1 + (i * 17) % {CLIENTS} END, \
             CASE WHEN i % 3 = 0 THEN printf('visitor-%06d', i % 50000) END, {at} FROM n",
            n(300_000)
        ),
    );
    // Dialogues: client messages and replies; the last inbound message of some unanswered.
    exec(
        db,
        &format!(
            "{} INSERT INTO messages (id, client_id, direction, channel, text, source, status, \
             created_at, updated_at) \
             SELECT i, 1 + (i * 19) % 20000, CASE WHEN i % 2 = 0 THEN 'inbound' \
             ELSE 'outbound' END, 'telegram', 'Text', CASE WHEN i % 2 = 0 THEN 'app' \
             ELSE 'admin_reply' END, CASE WHEN i % 2 = 0 THEN 'received' ELSE 'delivered' END, \
             {at}, {at} FROM n",
            n(50_000)
        ),
    );
    exec(
        db,
        "INSERT INTO dialogues (client_id, last_message_id, last_direction, last_message_at, \
         last_inbound_message_id, last_inbound_at, unanswered) \
         SELECT m.client_id, m.id, m.direction, m.created_at, \
         CASE WHEN m.direction = 'inbound' THEN m.id END, \
         CASE WHEN m.direction = 'inbound' THEN m.created_at END, m.direction = 'inbound' \
         FROM messages m JOIN (SELECT client_id, MAX(id) AS id FROM messages \
         GROUP BY client_id) l ON l.id = m.id",
    );
    // Appointments over the year and the next week, with their outcomes.
    exec(
        db,
        &format!(
            "{} INSERT INTO appointments (client_id, service_id, employee_id, location_id, \
             starts_at, ends_at, status, source, price, created_by, created_at, updated_at) \
             SELECT 1 + (i * 23) % {CLIENTS}, 2 + 2 * (i % 25), 1 + i % 10, 2, \
             {at} + 7 * {DAY}, {at} + 7 * {DAY} + 3600000, \
             CASE WHEN {at} + 7 * {DAY} > {NOW} THEN 'scheduled' WHEN i % 12 = 0 THEN 'no_show' \
             WHEN i % 15 = 0 THEN 'cancelled' ELSE 'completed' END, \
             CASE WHEN i % 2 = 0 THEN 'app' ELSE 'admin' END, 3000, 'bench', {at}, {at} FROM n",
            n(100_000)
        ),
    );
    // Feedback: ratings of services, complaints and questions, most of them answered.
    exec(
        db,
        &format!(
            "{} INSERT INTO feedback (client_id, kind, product_id, rating, text, source, \
             created_by, created_at, updated_at) \
             SELECT 1 + (i * 29) % {CLIENTS}, CASE WHEN i % 5 = 0 THEN 'complaint' \
             ELSE 'rating' END, CASE WHEN i % 5 = 0 THEN NULL ELSE 2 + 2 * (i % 25) END, \
             CASE WHEN i % 5 = 0 THEN NULL ELSE 1 + i % 5 END, \
             CASE WHEN i % 5 = 0 THEN 'Slow' END, 'app', 'bench', {at}, {at} FROM n",
            n(20_000)
        ),
    );
    // Level changes written by the purchases that moved clients.
    exec(
        db,
        &format!(
            "{} INSERT INTO client_level_changes (client_id, from_level_id, to_level_id, at) \
             SELECT 1 + (i * 31) % {CLIENTS}, CASE WHEN i % 3 = 0 THEN NULL ELSE i % 3 END, \
             1 + i % 3, {at} FROM n",
            n(50_000)
        ),
    );
    exec(db, "ANALYZE");
}

/// Runs `f` five times and returns the median.
fn median(f: &dyn Fn()) -> Duration {
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    runs.sort();
    runs[2]
}

#[test]
#[ignore = "benchmark: builds a 100k-client, 1M-operation database; run in release"]
fn analytics_budget() {
    let (_dir, db) = fresh_db();
    let started = Instant::now();
    build(&db);
    println!("dataset built in {:?}", started.elapsed());
    // A copy for profiling single queries (`sqlite3 <file>` + `.timer on`), when asked.
    if let Ok(path) = std::env::var("ANALYTICS_BUDGET_SAVE") {
        exec(&db, &format!("VACUUM INTO '{}'", path.replace('\'', "''")));
    }
    // The rollups catch up with the whole year once (what the first reader after a bulk load,
    // or the demo generator, pays); the timings below are of reads that find them current.
    let started = Instant::now();
    crate::analytics::rollups::catch_up_all(&mut db.conn().unwrap()).unwrap();
    println!("rollups caught up with the year in {:?}", started.elapsed());
    let clock = || FixedClock::new(Timestamp::from_unix_millis(NOW).unwrap());
    let analytics = SqliteAnalytics::new(db);
    let sales = SalesAnalytics::new(analytics.clone(), clock());
    let audience = AudienceAnalytics::new(analytics.clone(), clock());
    let tower = ControlTower::new(analytics.clone(), analytics, clock());
    let ninety = PeriodRequest {
        from: Some("2026-08-26".into()),
        to: Some("2026-11-23".into()),
        ..PeriodRequest::default()
    };
    let page = PageRequest::new(Some(50), None).unwrap();
    let summary_budget = Duration::from_millis(20);
    let tab_budget = Duration::from_millis(300);
    type Case<'a> = (&'a str, Duration, Box<dyn Fn() + 'a>);
    let cases: Vec<Case> = vec![
        (
            "dashboard/summary (today)",
            summary_budget,
            Box::new(|| {
                sales.summary(&PeriodRequest::default()).unwrap();
            }),
        ),
        (
            "customers (90 d)",
            tab_budget,
            Box::new(|| {
                sales.customers(&ninety, None).unwrap();
            }),
        ),
        (
            "operations (90 d)",
            tab_budget,
            Box::new(|| {
                sales.operations(&ninety).unwrap();
            }),
        ),
        (
            "finance (90 d)",
            tab_budget,
            Box::new(|| {
                sales.finance(&ninety).unwrap();
            }),
        ),
        (
            "ratings (90 d)",
            tab_budget,
            Box::new(|| {
                audience.ratings(&ninety, None).unwrap();
            }),
        ),
        (
            "levels (90 d)",
            tab_budget,
            Box::new(|| {
                audience.levels(&ninety).unwrap();
            }),
        ),
        (
            "page-go (90 d)",
            tab_budget,
            Box::new(|| {
                audience.page_go(&ninety).unwrap();
            }),
        ),
        (
            "marketing (90 d)",
            tab_budget,
            Box::new(|| {
                audience.marketing(&ninety, None, page).unwrap();
            }),
        ),
        (
            "marketing (90 d, segment loyal)",
            tab_budget,
            Box::new(|| {
                audience
                    .marketing(&ninety, Some(Segment::Loyal), page)
                    .unwrap();
            }),
        ),
        (
            "control-tower",
            tab_budget,
            Box::new(|| {
                tower.view().unwrap();
            }),
        ),
        (
            "dashboard/full",
            tab_budget,
            Box::new(|| {
                sales.summary(&PeriodRequest::default()).unwrap();
                tower.dashboard().unwrap();
            }),
        ),
    ];
    println!("{:<34} {:>12} {:>10}", "figure", "median", "budget");
    for (name, budget, run) in &cases {
        let took = median(run.as_ref());
        let mark = if took > *budget { "  OVER" } else { "" };
        println!(
            "{name:<34} {:>9.1} ms {:>7} ms{mark}",
            took.as_secs_f64() * 1000.0,
            budget.as_millis()
        );
    }
}
