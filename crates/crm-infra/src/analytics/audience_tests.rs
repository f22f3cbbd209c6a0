//! The audience figures against a real SQLite file with the real migrations; purchases and
//! refunds go through the checkout use cases so that level changes are the ones production
//! writes.

use super::*;
use crate::clients::SqliteClientRepository;
use crate::testing::{exec, fresh_db};
use crate::{Database, SqliteLoyaltyProgramme, SqliteOperationRepository};
use crm_analytics::period::Bucket;
use crm_clients::loyalty::operations::{ClientRef, PurchaseRequest, RefundRequest};
use crm_clients::loyalty::Checkout;
use crm_clients::ClientRepository;
use crm_clients::{ClientProfile, ContactHandles, NewClientRecord};
use crm_core::{Actor, FixedClock, OperationId, Points};
use diesel::sql_types::Text;
use std::sync::Arc;

const NOW: i64 = 1_795_521_600_000;
const DAY: i64 = 86_400_000;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(ms).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    db: Database,
    clock: Arc<FixedClock>,
    analytics: SqliteAnalytics,
}

impl World {
    fn new() -> Self {
        let (dir, db) = fresh_db();
        Self {
            analytics: SqliteAnalytics::new(db.clone()),
            _dir: dir,
            db,
            clock: Arc::new(FixedClock::new(t(NOW))),
        }
    }

    fn client(&self, name: &str, referrer: Option<ClientId>, created: i64) -> ClientId {
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
                at: t(created),
            })
            .unwrap()
            .id
    }

    fn buy(&self, client: ClientId, major: i64, at: i64) -> OperationId {
        self.clock.set(t(at));
        let checkout = Checkout::new(
            SqliteClientRepository::new(self.db.clone()),
            SqliteOperationRepository::new(self.db.clone()),
            SqliteLoyaltyProgramme::new(self.db.clone()),
            self.clock.clone(),
        );
        let request = PurchaseRequest {
            client: ClientRef::Id(client),
            total: Money::from_major(major),
            points_to_spend: Points::ZERO,
            certificate_code: None,
            expected_cash: None,
            employee_id: None,
            location_id: None,
            receipt_number: None,
            comment: None,
            spending_without_code_allowed: true,
            items: Vec::new(),
        };
        checkout
            .purchase(&request, None, Actor::System)
            .unwrap()
            .0
            .id
    }

    fn refund(&self, purchase: OperationId, at: i64) {
        self.clock.set(t(at));
        let checkout = Checkout::new(
            SqliteClientRepository::new(self.db.clone()),
            SqliteOperationRepository::new(self.db.clone()),
            SqliteLoyaltyProgramme::new(self.db.clone()),
            self.clock.clone(),
        );
        checkout
            .refund(
                &RefundRequest {
                    purchase_id: purchase,
                    amount: None,
                    employee_id: None,
                    comment: None,
                },
                None,
                Actor::System,
            )
            .unwrap();
    }
}

#[test]
fn ratings_rank_payers_by_net_purchases_and_referrers_with_generations() {
    let w = World::new();
    let root = w.client("Корень", None, NOW - 100 * DAY);
    let child = w.client("Ребёнок", Some(root), NOW - 50 * DAY);
    let grandchild = w.client("Внук", Some(child), NOW - 2 * DAY);
    let second = w.client("Второй", Some(root), NOW - 3 * DAY);
    w.buy(root, 1_000, NOW - 40 * DAY); // before the period
    w.buy(child, 300, NOW - 5 * DAY);
    let refunded = w.buy(child, 200, NOW - 4 * DAY);
    w.refund(refunded, NOW - 4 * DAY + 1_000);
    w.buy(grandchild, 400, NOW - DAY);
    w.buy(second, 100, NOW - DAY);
    let (from, to) = (t(NOW - 10 * DAY), t(NOW + 1));

    let payers = w.analytics.top_payers(from, to, 10).unwrap();
    let got: Vec<_> = payers
        .iter()
        .map(|p| (p.client_id, p.purchases, p.net_revenue.minor()))
        .collect();
    assert_eq!(
        got,
        [
            (grandchild, 1, 400_00),
            (child, 1, 300_00),
            (second, 1, 100_00)
        ]
    );
    assert_eq!(w.analytics.top_payers(from, to, 1).unwrap().len(), 1);

    let referrers = w.analytics.top_referrers(from, to, 10).unwrap();
    assert_eq!(referrers.len(), 2);
    assert_eq!(referrers[0].client_id, root);
    assert_eq!(referrers[0].full_name, "Корень");
    assert_eq!(
        (referrers[0].invited_total, referrers[0].invited_new),
        (2, 1)
    );
    assert_eq!(referrers[0].generations, [2, 1, 0, 0, 0, 0]);
    assert_eq!(referrers[1].client_id, child);
    assert_eq!(referrers[1].generations, [1, 0, 0, 0, 0, 0]);
}

#[test]
fn a_purchase_crossing_a_threshold_records_the_level_change_and_a_refund_the_fall() {
    let w = World::new();
    exec(&w.db, "INSERT INTO loyalty_levels (id, name, threshold_kind, threshold, cashback_bp, created_at, updated_at) VALUES (1, 'Серебро', 'total_spent', 100000, 300, 0, 0), (2, 'Золото', 'total_spent', 500000, 700, 0, 0)");
    let anna = w.client("Анна", None, NOW - 30 * DAY);
    let boris = w.client("Борис", None, NOW - 30 * DAY);
    w.client("Вера", None, NOW - 30 * DAY);
    w.buy(anna, 2_000, NOW - 3 * DAY); // none -> silver
    w.buy(anna, 100, NOW - 3 * DAY + 1); // no change
    let big = w.buy(anna, 4_000, NOW - 2 * DAY); // silver -> gold
    w.refund(big, NOW - DAY); // gold -> silver
    w.buy(boris, 6_000, NOW - DAY); // none -> gold

    let moves = w.analytics.level_moves(t(NOW - 10 * DAY), t(NOW)).unwrap();
    let mut got: Vec<_> = moves
        .iter()
        .map(|m| {
            (
                m.from.as_ref().map(|l| l.id.get()),
                m.to.as_ref().map(|l| l.id.get()),
                m.changes,
                m.clients,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (None, Some(1), 1, 1),
            (None, Some(2), 1, 1),
            (Some(1), Some(2), 1, 1),
            (Some(2), Some(1), 1, 1)
        ]
    );
    // Only the changes inside the range.
    let recent = w.analytics.level_moves(t(NOW - DAY), t(NOW)).unwrap();
    assert_eq!(recent.iter().map(|m| m.changes).sum::<i64>(), 2);
    let stored: i64 = {
        let mut conn = w.db.conn().unwrap();
        diesel::sql_query("SELECT COUNT(*) AS total FROM client_level_changes")
            .get_result::<TotalRow>(&mut conn)
            .unwrap()
            .total
    };
    assert_eq!(stored, 4, "a purchase that keeps the level records nothing");

    let holders = w.analytics.level_holders().unwrap();
    let got: Vec<_> = holders
        .iter()
        .map(|h| (h.level.as_ref().map(|l| l.name.as_str()), h.clients))
        .collect();
    assert_eq!(got, [(None, 1), (Some("Серебро"), 1), (Some("Золото"), 1)]);
}

#[test]
fn page_views_count_views_and_unique_visitors_per_bucket_and_page() {
    let w = World::new();
    let anna = w.client("Анна", None, NOW - DAY);
    let view = |page: &str, visitor: Visitor, at: i64| {
        w.analytics
            .record_page_view(&NewPageView {
                page: page.into(),
                visitor,
                at: t(at),
            })
            .unwrap();
    };
    let anon = || Visitor::Anonymous("visitor-0001".into());
    view("/catalog", Visitor::Client(anna), NOW - 2 * DAY);
    view("/catalog", Visitor::Client(anna), NOW - 2 * DAY + 1);
    view("/news", anon(), NOW - 2 * DAY + 2);
    view("/catalog", anon(), NOW - DAY);
    view(
        "/catalog",
        Visitor::Anonymous("visitor-0002".into()),
        NOW - DAY,
    );
    view("/old", anon(), NOW - 20 * DAY);

    let buckets = vec![
        Bucket {
            label: "d1".into(),
            from: t(NOW - 2 * DAY),
            to: t(NOW - DAY),
        },
        Bucket {
            label: "d2".into(),
            from: t(NOW - DAY),
            to: t(NOW),
        },
    ];
    let series = w.analytics.view_series(&buckets).unwrap();
    let got: Vec<_> = series
        .iter()
        .map(|b| (b.label.as_str(), b.counts.views, b.counts.visitors))
        .collect();
    assert_eq!(got, [("d1", 3, 2), ("d2", 2, 2)]);
    let totals = w.analytics.view_totals(t(NOW - 2 * DAY), t(NOW)).unwrap();
    assert_eq!((totals.views, totals.visitors), (5, 3));
    let pages = w.analytics.top_pages(t(NOW - 2 * DAY), t(NOW), 10).unwrap();
    let got: Vec<_> = pages
        .iter()
        .map(|p| (p.page.as_str(), p.counts.views, p.counts.visitors))
        .collect();
    assert_eq!(got, [("/catalog", 4, 3), ("/news", 1, 1)]);
}

#[test]
fn channels_funnel_rfm_and_forecast_history_count_exactly() {
    let w = World::new();
    exec(&w.db, "INSERT INTO traffic_channels (id, name, code, created_at, updated_at) VALUES (1, 'Instagram', 'insta', 0, 0), (2, 'Листовки', 'flyer', 0, 0)");
    let old = w.client("Старый", None, NOW - 400 * DAY);
    let a = w.client("Новый А", None, NOW - 5 * DAY);
    let b = w.client("Новый Б", None, NOW - 4 * DAY);
    let c = w.client("Новый В", None, NOW - 3 * DAY);
    exec(
        &w.db,
        &format!(
            "UPDATE clients SET traffic_channel_id = 1 WHERE id IN ({}, {}, {})",
            a.get(),
            b.get(),
            old.get()
        ),
    );
    w.buy(old, 30_000, NOW - 200 * DAY);
    w.buy(old, 100, NOW - 6 * DAY);
    w.buy(a, 500, NOW - 4 * DAY);
    w.buy(a, 700, NOW - 2 * DAY);
    w.buy(c, 200, NOW - DAY);
    w.analytics
        .record_page_view(&NewPageView {
            page: "/".into(),
            visitor: Visitor::Anonymous("someone-1".into()),
            at: t(NOW - DAY),
        })
        .unwrap();
    let (from, to) = (t(NOW - 10 * DAY), t(NOW));

    let channels = w.analytics.channel_figures(from, to).unwrap();
    let got: Vec<_> = channels
        .iter()
        .map(|c| {
            (
                c.channel.as_ref().map(|ch| ch.2.as_str()),
                c.new_clients,
                c.converted,
                c.purchases,
                c.revenue.minor(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("insta"), 2, 1, 3, 1_300_00),
            (Some("flyer"), 0, 0, 0, 0),
            (None, 1, 1, 1, 200_00)
        ]
    );

    let funnel = w.analytics.funnel(from, to).unwrap();
    assert_eq!(
        funnel,
        FunnelCounts {
            visitors: 1,
            registrations: 3,
            first_purchases: 2,
            repeat_purchases: 1
        }
    );

    // old: last 6 days ago (R3), 2 purchases (F2), 30 100 spent (M3) -> 323;
    // a: R3 F2 M1 (1 200) -> 321; c: R3 F1 M1 -> 311.
    let thresholds = RfmThresholds::default();
    let cells = w.analytics.rfm_cells(&thresholds, to).unwrap();
    let got: Vec<_> = cells.iter().map(|c| (c.score.code(), c.clients)).collect();
    assert_eq!(got, [(311, 1), (321, 1), (323, 1)]);
    let champions = w
        .analytics
        .rfm_members(
            &thresholds,
            to,
            &crm_analytics::audience::model::Segment::Champions.scores(),
            PageRequest::default(),
        )
        .unwrap();
    assert_eq!(champions.total, 1);
    assert_eq!(champions.items[0].client_id, old);
    // 200 days before the end nobody had bought yet but "old".
    let earlier = w
        .analytics
        .rfm_cells(&thresholds, t(NOW - 150 * DAY))
        .unwrap();
    assert_eq!(earlier.iter().map(|c| c.clients).sum::<i64>(), 1);

    let revenue = w
        .analytics
        .revenue_by_window(&[(t(NOW - 300 * DAY), t(NOW - 10 * DAY)), (from, to)])
        .unwrap();
    assert_eq!(
        revenue,
        [Money::from_major(30_000), Money::from_major(1_500)]
    );
}

#[test]
fn campaign_results_count_deliveries_events_and_attributed_purchases() {
    let w = World::new();
    let anna = w.client("Анна", None, NOW - 30 * DAY);
    let boris = w.client("Борис", None, NOW - 30 * DAY);
    let sent = NOW - 3 * DAY;
    exec(&w.db, &format!("INSERT INTO campaigns (id, name, status, created_by, created_at, updated_at, launched_at) VALUES (1, 'Осень', 'completed', 'test', 0, 0, {sent}), (2, 'Старая', 'completed', 'test', 0, 0, {})", NOW - 100 * DAY));
    exec(&w.db, &format!("INSERT INTO deliveries (id, source, campaign_id, client_id, channel, recipient, text, status, not_before, sent_at, dedupe_key, created_at, updated_at) VALUES \
        (1, 'campaign', 1, {a}, 'telegram', '1', 'x', 'sent', {sent}, {sent}, 'k1', {sent}, {sent}), \
        (2, 'campaign', 1, {a}, 'email', 'a@x', 'x', 'failed', {sent}, NULL, 'k2', {sent}, {sent}), \
        (3, 'campaign', 1, {b}, 'telegram', '2', 'x', 'delivered', {sent}, {sent}, 'k3', {sent}, {sent})",
        a = anna.get(), b = boris.get()));
    exec(&w.db, &format!("INSERT INTO campaign_events (campaign_id, delivery_id, client_id, kind, source, at) VALUES \
        (1, 1, {a}, 'open', 'test', {sent}), (1, 1, {a}, 'open', 'test', {sent}), (1, 3, {b}, 'open', 'test', {sent}), (1, 3, {b}, 'click', 'test', {sent})",
        a = anna.get(), b = boris.get()));
    w.buy(anna, 500, sent + 3_600_000); // inside the 72 h window
    w.buy(anna, 100, sent + 80 * 3_600_000); // outside it

    let results = w
        .analytics
        .campaign_results(t(NOW - 10 * DAY), t(NOW), 100)
        .unwrap();
    assert_eq!(results.len(), 1, "only campaigns launched in the period");
    let r = &results[0];
    assert_eq!(r.name, "Осень");
    assert_eq!(
        (
            r.recipients,
            r.sent,
            r.failed,
            r.opens,
            r.clicks,
            r.conversions
        ),
        (2, 2, 1, 2, 1, 1)
    );
    assert_eq!(r.revenue, Money::from_major(500));

    // Later purchases, refunds and a wider window are seen on the next read (the rollup of
    // attributions catches up, the net amounts are read live, a window change rebuilds it).
    w.buy(boris, 300, sent + 2 * 3_600_000);
    exec(
        &w.db,
        &format!(
            "UPDATE operations SET refunded_total = 10000 WHERE client_id = {} AND total = 50000",
            anna.get()
        ),
    );
    let read = || {
        w.analytics
            .campaign_results(t(NOW - 10 * DAY), t(NOW), 100)
            .unwrap()
            .remove(0)
    };
    let r = read();
    assert_eq!(r.conversions, 2);
    assert_eq!(r.revenue, Money::from_major(400 + 300));
    exec(
        &w.db,
        "UPDATE system_settings SET conversion_window_hours = 100",
    );
    let r = read();
    assert_eq!(r.conversions, 2);
    assert_eq!(r.revenue, Money::from_major(400 + 100 + 300));
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn plan(db: &Database, sql: &str) -> Vec<String> {
    let mut conn = db.conn().unwrap();
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .bind::<BigInt, _>(NOW - 90 * DAY)
        .bind::<BigInt, _>(NOW)
        .bind::<BigInt, _>(10_i64)
        .load::<PlanRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect()
}

#[test]
fn period_aggregates_search_indexes_instead_of_scanning_operations_or_page_views() {
    let (_dir, db) = fresh_db();
    let series = format!(
        "WITH b(i, lo, hi) AS (VALUES (0, {}, {}), (1, {}, {})) \
         SELECT b.i, COUNT(v.id), COUNT(DISTINCT {VISITOR}) FROM b \
         LEFT JOIN page_views v ON v.at >= b.lo AND v.at < b.hi GROUP BY b.i",
        NOW - 2 * DAY,
        NOW - DAY,
        NOW - DAY,
        NOW
    );
    let totals =
        format!("SELECT COUNT(*), COUNT(DISTINCT {VISITOR}) FROM page_views WHERE at >= ?1 AND at < ?2 AND ?3 > 0");
    let revenue = format!(
        "WITH w(i, lo, hi) AS (VALUES (0, {}, {})) SELECT w.i, SUM(o.total) FROM w \
         LEFT JOIN operations o ON o.kind = 'purchase' AND o.created_at >= w.lo \
         AND o.created_at < w.hi WHERE ?1 < ?2 AND ?3 > 0 GROUP BY w.i",
        NOW - DAY,
        NOW
    );
    let moves = format!("{LEVEL_MOVES} LIMIT ?3");
    for (name, sql) in [
        ("top payers", TOP_PAYERS.to_owned()),
        ("channels", format!("{CHANNELS} LIMIT ?3")),
        ("funnel", format!("{FUNNEL} LIMIT ?3")),
        ("campaigns", CAMPAIGNS.to_owned()),
        ("level moves", moves),
        (
            "view series",
            format!("{series} LIMIT ?3 OFFSET ?1 - ?2 + ?2 - ?1"),
        ),
        ("view totals", totals),
        ("revenue windows", revenue),
    ] {
        let details = plan(&db, &sql);
        for d in &details {
            let scans_big_table = d.starts_with("SCAN")
                && [
                    "operations",
                    "page_views",
                    " o",
                    " v",
                    "client_level_changes",
                ]
                .iter()
                .any(|t| d.contains(t) && !d.contains("USING INTEGER PRIMARY KEY"));
            assert!(!scans_big_table, "{name} scans: {details:?}");
            let open_ended = d.contains("operations_purchases_cover")
                && !d.contains("created_at>? AND created_at<?");
            assert!(!open_ended, "{name} reads all purchases: {details:?}");
        }
        assert!(
            details.iter().any(|d| d.contains("INDEX")),
            "{name} uses an index: {details:?}"
        );
    }
}
