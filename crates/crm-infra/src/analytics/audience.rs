//! The audience figures: [`AudienceFigures`] for [`SqliteAnalytics`] — ratings, levels, Mini
//! App page views, traffic channels, the funnel, RFM scores, campaign results and the revenue
//! history of the forecast.
//!
//! Every period condition is a range on an indexed BIGINT millisecond column; series group by a
//! CTE of bounds we computed (integers, so inlining them is safe), one query per list, never one
//! per bucket, client or campaign. The indexes behind them are in
//! `migrations/2026-11-24-000017_audience_analytics` (see `docs/marketing-analytics.md`).

use super::{rollups, SqliteAnalytics};
use crate::error::{stored_time, Failure};
use crm_analytics::audience::model::{
    CampaignResult, ChannelFigures, FunnelCounts, LevelHolders, LevelMoveCount, LevelRef,
    NewPageView, PageStat, RankedPayer, RankedReferrer, RfmCell, RfmScore, RfmThresholds,
    SegmentMember, ViewBucket, ViewCounts, Visitor,
};
use crm_analytics::audience::AudienceFigures;
use crm_analytics::period::Bucket;
use crm_core::{
    CampaignId, ClientId, LevelId, Money, Page, PageRequest, RepoError, Timestamp, TrafficChannelId,
};
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, RunQueryDsl};

/// A distinct visitor: the client id, or the anonymous visitor id (prefixed so the two never
/// collide).
const VISITOR: &str = "COALESCE('c' || client_id, 'v' || visitor_id)";

#[derive(QueryableByName)]
struct PayerRow {
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = BigInt)]
    purchases: i64,
    #[diesel(sql_type = BigInt)]
    net: i64,
}

#[derive(QueryableByName)]
struct ReferrerRow {
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = BigInt)]
    invited_total: i64,
    #[diesel(sql_type = BigInt)]
    invited_new: i64,
    #[diesel(sql_type = BigInt)]
    g1: i64,
    #[diesel(sql_type = BigInt)]
    g2: i64,
    #[diesel(sql_type = BigInt)]
    g3: i64,
    #[diesel(sql_type = BigInt)]
    g4: i64,
    #[diesel(sql_type = BigInt)]
    g5: i64,
    #[diesel(sql_type = BigInt)]
    g6: i64,
}

#[derive(QueryableByName)]
struct HolderRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    level_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    cashback_bp: Option<i64>,
    #[diesel(sql_type = BigInt)]
    archived: i64,
    #[diesel(sql_type = BigInt)]
    clients: i64,
}

#[derive(QueryableByName)]
struct MoveRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    from_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    from_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    from_cashback: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    to_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    to_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    to_cashback: Option<i64>,
    #[diesel(sql_type = BigInt)]
    changes: i64,
    #[diesel(sql_type = BigInt)]
    clients: i64,
}

fn level_ref(id: Option<i64>, name: Option<String>, cashback: Option<i64>) -> Option<LevelRef> {
    id.map(|id| LevelRef {
        id: LevelId(id),
        name: name.unwrap_or_default(),
        cashback_bp: cashback.unwrap_or(0),
    })
}

#[derive(QueryableByName)]
struct CountsRow {
    #[diesel(sql_type = BigInt)]
    views: i64,
    #[diesel(sql_type = BigInt)]
    visitors: i64,
}

#[derive(QueryableByName)]
struct PageRow {
    #[diesel(sql_type = Text)]
    page: String,
    #[diesel(sql_type = BigInt)]
    views: i64,
    #[diesel(sql_type = BigInt)]
    visitors: i64,
}

#[derive(QueryableByName)]
struct ChannelRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    code: Option<String>,
    #[diesel(sql_type = BigInt)]
    new_clients: i64,
    #[diesel(sql_type = BigInt)]
    converted: i64,
    #[diesel(sql_type = BigInt)]
    purchases: i64,
    #[diesel(sql_type = BigInt)]
    revenue: i64,
}

#[derive(QueryableByName)]
struct FunnelRow {
    #[diesel(sql_type = BigInt)]
    visitors: i64,
    #[diesel(sql_type = BigInt)]
    registrations: i64,
    #[diesel(sql_type = BigInt)]
    first_purchases: i64,
    #[diesel(sql_type = BigInt)]
    repeat_purchases: i64,
}

#[derive(QueryableByName)]
struct CellRow {
    #[diesel(sql_type = BigInt)]
    r: i64,
    #[diesel(sql_type = BigInt)]
    f: i64,
    #[diesel(sql_type = BigInt)]
    m: i64,
    #[diesel(sql_type = BigInt)]
    clients: i64,
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = BigInt)]
    r: i64,
    #[diesel(sql_type = BigInt)]
    f: i64,
    #[diesel(sql_type = BigInt)]
    m: i64,
}

#[derive(QueryableByName)]
struct TotalRow {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

#[derive(QueryableByName)]
struct CampaignRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    launched_at: i64,
    #[diesel(sql_type = BigInt)]
    recipients: i64,
    #[diesel(sql_type = BigInt)]
    sent: i64,
    #[diesel(sql_type = BigInt)]
    failed: i64,
    #[diesel(sql_type = BigInt)]
    opens: i64,
    #[diesel(sql_type = BigInt)]
    clicks: i64,
    #[diesel(sql_type = BigInt)]
    conversions: i64,
    #[diesel(sql_type = BigInt)]
    revenue: i64,
}

#[derive(QueryableByName)]
struct IndexedRow {
    #[diesel(sql_type = BigInt)]
    i: i64,
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
}

/// Top payers of `?1..?2`, `?3` rows: net purchases per client (the covering
/// `operations_purchases_cover` range), names by primary key for the top rows only.
const TOP_PAYERS: &str = "\
SELECT t.client_id AS client_id, c.full_name AS full_name, t.purchases AS purchases, \
       t.net AS net \
FROM (SELECT o.client_id AS client_id, SUM(o.refunded_total < o.total) AS purchases, \
             SUM(o.total - o.refunded_total) AS net \
      FROM operations o \
      WHERE o.kind = 'purchase' AND o.created_at >= ?1 AND o.created_at < ?2 \
      GROUP BY o.client_id HAVING net > 0 \
      ORDER BY net DESC, o.client_id LIMIT ?3) t \
JOIN clients c ON c.id = t.client_id \
ORDER BY t.net DESC, t.client_id";

/// Top referrers: invited in `?1..?2`, then ever, `?3` rows; their trees down to six
/// generations (as the referral programme counts them) for those rows only.
const TOP_REFERRERS: &str = "\
WITH RECURSIVE top AS ( \
  SELECT referrer_id AS id, COUNT(*) AS invited_total, \
         SUM(created_at >= ?1 AND created_at < ?2) AS invited_new \
  FROM clients WHERE referrer_id IS NOT NULL \
  GROUP BY referrer_id ORDER BY invited_new DESC, invited_total DESC, referrer_id LIMIT ?3), \
tree(root, id, generation) AS ( \
  SELECT t.id, c.id, 1 FROM top t JOIN clients c ON c.referrer_id = t.id \
  UNION ALL \
  SELECT tree.root, c.id, tree.generation + 1 FROM tree JOIN clients c ON c.referrer_id = tree.id \
  WHERE tree.generation < 6) \
SELECT t.id AS client_id, cl.full_name AS full_name, t.invited_total AS invited_total, \
       t.invited_new AS invited_new, \
       COALESCE(SUM(tree.generation = 1), 0) AS g1, COALESCE(SUM(tree.generation = 2), 0) AS g2, \
       COALESCE(SUM(tree.generation = 3), 0) AS g3, COALESCE(SUM(tree.generation = 4), 0) AS g4, \
       COALESCE(SUM(tree.generation = 5), 0) AS g5, COALESCE(SUM(tree.generation = 6), 0) AS g6 \
FROM top t JOIN clients cl ON cl.id = t.id LEFT JOIN tree ON tree.root = t.id \
GROUP BY t.id ORDER BY t.invited_new DESC, t.invited_total DESC, t.id";

/// Clients per level now: every level in use (archived ones only while held), and no level.
const LEVEL_HOLDERS: &str = "\
SELECT * FROM ( \
  SELECT l.id AS level_id, l.name AS name, l.cashback_bp AS cashback_bp, \
         (l.archived_at IS NOT NULL) AS archived, COUNT(c.id) AS clients \
  FROM loyalty_levels l LEFT JOIN clients c ON c.level_id = l.id \
  GROUP BY l.id HAVING l.archived_at IS NULL OR COUNT(c.id) > 0 \
  UNION ALL \
  SELECT NULL, NULL, NULL, 0, COUNT(*) FROM clients WHERE level_id IS NULL) \
ORDER BY level_id IS NOT NULL, cashback_bp, level_id";

/// Level changes of `?1..?2` per pair (the covering `client_level_changes_by_time`).
const LEVEL_MOVES: &str = "\
SELECT m.from_level_id AS from_id, fl.name AS from_name, fl.cashback_bp AS from_cashback, \
       m.to_level_id AS to_id, tl.name AS to_name, tl.cashback_bp AS to_cashback, \
       m.changes AS changes, m.clients AS clients \
FROM (SELECT from_level_id, to_level_id, COUNT(*) AS changes, \
             COUNT(DISTINCT client_id) AS clients \
      FROM client_level_changes WHERE at >= ?1 AND at < ?2 \
      GROUP BY from_level_id, to_level_id) m \
LEFT JOIN loyalty_levels fl ON fl.id = m.from_level_id \
LEFT JOIN loyalty_levels tl ON tl.id = m.to_level_id";

/// What each channel brought in `?1..?2`: registrations with their conversion, and purchases
/// by any of its clients (summed per buyer first, so each buyer's channel is read once); every
/// active channel listed, plus "no channel" when it has figures.
const CHANNELS: &str = "\
WITH fresh AS ( \
  SELECT traffic_channel_id AS ch, COUNT(*) AS clients, \
         SUM(first_purchase_at IS NOT NULL AND first_purchase_at < ?2) AS converted \
  FROM clients WHERE created_at >= ?1 AND created_at < ?2 GROUP BY traffic_channel_id), \
paid AS ( \
  SELECT c.traffic_channel_id AS ch, SUM(p.purchases) AS purchases, SUM(p.net) AS revenue \
  FROM (SELECT o.client_id AS client_id, SUM(o.refunded_total < o.total) AS purchases, \
               SUM(o.total - o.refunded_total) AS net \
        FROM operations o \
        WHERE o.kind = 'purchase' AND o.created_at >= ?1 AND o.created_at < ?2 \
        GROUP BY o.client_id) p \
  CROSS JOIN clients c ON c.id = p.client_id \
  GROUP BY c.traffic_channel_id), \
keys AS (SELECT ch FROM fresh UNION SELECT ch FROM paid \
         UNION SELECT id FROM traffic_channels WHERE archived_at IS NULL) \
SELECT k.ch AS id, t.name AS name, t.code AS code, \
       COALESCE(f.clients, 0) AS new_clients, COALESCE(f.converted, 0) AS converted, \
       COALESCE(p.purchases, 0) AS purchases, COALESCE(p.revenue, 0) AS revenue \
FROM keys k LEFT JOIN traffic_channels t ON t.id = k.ch \
LEFT JOIN fresh f ON f.ch IS k.ch LEFT JOIN paid p ON p.ch IS k.ch \
ORDER BY k.ch IS NULL, k.ch";

/// The funnel of `?1..?2` (the covering `page_views_by_time`, `clients_created_channel` and
/// `clients_rfm` ranges); a repeat buyer has a stored purchase count of two or more.
const FUNNEL: &str = "\
SELECT \
  (SELECT COUNT(DISTINCT COALESCE('c' || client_id, 'v' || visitor_id)) FROM page_views \
     WHERE at >= ?1 AND at < ?2) AS visitors, \
  (SELECT COUNT(*) FROM clients WHERE created_at >= ?1 AND created_at < ?2) AS registrations, \
  (SELECT COUNT(*) FROM clients WHERE first_purchase_at >= ?1 AND first_purchase_at < ?2) \
     AS first_purchases, \
  (SELECT COUNT(*) FROM clients WHERE first_purchase_at >= ?1 AND first_purchase_at < ?2 \
     AND purchase_count >= 2) AS repeat_purchases";

/// The RFM scores of clients who bought before `?7`: recency from `?1`/`?2` (R = 3 / 2),
/// frequency from `?3`/`?4` purchases, monetary from `?5`/`?6` spent (the covering
/// `clients_rfm`).
const SCORED: &str = "\
WITH scored AS ( \
  SELECT id, \
    CASE WHEN last_purchase_at >= ?1 THEN 3 WHEN last_purchase_at >= ?2 THEN 2 ELSE 1 END AS r, \
    CASE WHEN purchase_count >= ?3 THEN 3 WHEN purchase_count >= ?4 THEN 2 ELSE 1 END AS f, \
    CASE WHEN total_spent >= ?5 THEN 3 WHEN total_spent >= ?6 THEN 2 ELSE 1 END AS m \
  FROM clients WHERE first_purchase_at < ?7 AND purchase_count > 0) ";

/// Campaigns launched in `?1..?2` (latest `?3`) with their results; conversions and revenue
/// as the campaign statistics count them (a purchase by a recipient within the conversion
/// window after a message was sent, each purchase once, or a recorded conversion event). The
/// attributed purchases come from the `campaign_attributions` rollup (caught up just before),
/// their current net amounts by primary key.
const CAMPAIGNS: &str = "\
WITH c AS (SELECT id, name, status, launched_at FROM campaigns \
           WHERE launched_at >= ?1 AND launched_at < ?2 ORDER BY launched_at DESC, id DESC LIMIT ?3), \
d AS (SELECT campaign_id, COUNT(DISTINCT client_id) AS recipients, \
             SUM(status IN ('sent', 'delivered')) AS sent, SUM(status = 'failed') AS failed \
      FROM deliveries WHERE campaign_id IN (SELECT id FROM c) GROUP BY campaign_id), \
e AS (SELECT campaign_id, COUNT(DISTINCT CASE WHEN kind = 'open' THEN client_id END) AS opens, \
             COUNT(DISTINCT CASE WHEN kind = 'click' THEN client_id END) AS clicks \
      FROM campaign_events WHERE campaign_id IN (SELECT id FROM c) GROUP BY campaign_id), \
attributed AS MATERIALIZED ( \
  SELECT a.campaign_id AS campaign_id, a.client_id AS client_id, \
         o.total - o.refunded_total AS net \
  FROM campaign_attributions a CROSS JOIN operations o ON o.id = a.operation_id \
  WHERE a.campaign_id IN (SELECT id FROM c)), \
conv AS (SELECT campaign_id, COUNT(*) AS conversions FROM ( \
           SELECT campaign_id, client_id FROM attributed UNION \
           SELECT campaign_id, client_id FROM campaign_events \
           WHERE kind = 'conversion' AND campaign_id IN (SELECT id FROM c)) \
         GROUP BY campaign_id), \
rev AS (SELECT campaign_id, SUM(net) AS revenue FROM attributed GROUP BY campaign_id) \
SELECT c.id AS id, c.name AS name, c.status AS status, c.launched_at AS launched_at, \
       COALESCE(d.recipients, 0) AS recipients, COALESCE(d.sent, 0) AS sent, \
       COALESCE(d.failed, 0) AS failed, COALESCE(e.opens, 0) AS opens, \
       COALESCE(e.clicks, 0) AS clicks, COALESCE(conv.conversions, 0) AS conversions, \
       COALESCE(rev.revenue, 0) AS revenue \
FROM c LEFT JOIN d ON d.campaign_id = c.id LEFT JOIN e ON e.campaign_id = c.id \
LEFT JOIN conv ON conv.campaign_id = c.id LEFT JOIN rev ON rev.campaign_id = c.id \
ORDER BY c.launched_at DESC, c.id DESC";

/// `(i, lo, hi)` rows of a VALUES list: integers we computed.
fn bounds(ranges: impl Iterator<Item = (i64, i64)>) -> String {
    ranges
        .enumerate()
        .map(|(i, (lo, hi))| format!("({i}, {lo}, {hi})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sql` with the period's bounds bound as `?1` and `?2` (further binds follow).
fn in_period(
    sql: &str,
    from: Timestamp,
    to: Timestamp,
) -> BoxedSqlQuery<'static, Sqlite, SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<BigInt, _>(from.unix_millis())
        .bind::<BigInt, _>(to.unix_millis())
}

fn load_err(e: diesel::result::Error) -> RepoError {
    Failure::from(e).0
}

fn score(r: i64, f: i64, m: i64) -> RfmScore {
    let part = |v: i64| u8::try_from(v.clamp(1, 3)).unwrap_or(1);
    RfmScore {
        r: part(r),
        f: part(f),
        m: part(m),
    }
}

macro_rules! bind_rfm {
    ($query:expr, $t:expr, $end:expr) => {
        $query
            .bind::<BigInt, _>($t.recent_since($end))
            .bind::<BigInt, _>($t.lapsing_since($end))
            .bind::<BigInt, _>($t.frequent_purchases)
            .bind::<BigInt, _>($t.repeat_purchases)
            .bind::<BigInt, _>($t.high_spent.minor())
            .bind::<BigInt, _>($t.medium_spent.minor())
            .bind::<BigInt, _>($end.unix_millis())
    };
}

impl AudienceFigures for SqliteAnalytics {
    fn top_payers(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<RankedPayer>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<PayerRow> = in_period(TOP_PAYERS, from, to)
            .bind::<BigInt, _>(i64::from(limit))
            .load(&mut conn)
            .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| RankedPayer {
                client_id: ClientId(r.client_id),
                full_name: r.full_name,
                purchases: r.purchases,
                net_revenue: Money::from_minor(r.net),
            })
            .collect())
    }

    fn top_referrers(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<RankedReferrer>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<ReferrerRow> = in_period(TOP_REFERRERS, from, to)
            .bind::<BigInt, _>(i64::from(limit))
            .load(&mut conn)
            .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| RankedReferrer {
                client_id: ClientId(r.client_id),
                full_name: r.full_name,
                invited_total: r.invited_total,
                invited_new: r.invited_new,
                generations: [r.g1, r.g2, r.g3, r.g4, r.g5, r.g6],
            })
            .collect())
    }

    fn level_holders(&self) -> Result<Vec<LevelHolders>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<HolderRow> = diesel::sql_query(LEVEL_HOLDERS)
            .load(&mut conn)
            .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| LevelHolders {
                level: level_ref(r.level_id, r.name, r.cashback_bp),
                archived: r.archived != 0,
                clients: r.clients,
            })
            .collect())
    }

    fn level_moves(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<LevelMoveCount>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<MoveRow> = in_period(LEVEL_MOVES, from, to)
            .load(&mut conn)
            .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| LevelMoveCount {
                from: level_ref(r.from_id, r.from_name, r.from_cashback),
                to: level_ref(r.to_id, r.to_name, r.to_cashback),
                changes: r.changes,
                clients: r.clients,
            })
            .collect())
    }

    fn record_page_view(&self, view: &NewPageView) -> Result<(), RepoError> {
        let (client, visitor) = match &view.visitor {
            Visitor::Client(id) => (Some(id.get()), None),
            Visitor::Anonymous(id) => (None, Some(id.as_str())),
        };
        let mut conn = self.db.conn()?;
        diesel::sql_query(
            "INSERT INTO page_views (page, client_id, visitor_id, at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind::<Text, _>(&view.page)
        .bind::<Nullable<BigInt>, _>(client)
        .bind::<Nullable<Text>, _>(visitor)
        .bind::<BigInt, _>(view.at.unix_millis())
        .execute(&mut conn)
        .map_err(load_err)?;
        Ok(())
    }

    fn view_series(&self, buckets: &[Bucket]) -> Result<Vec<ViewBucket>, RepoError> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        let values = bounds(
            buckets
                .iter()
                .map(|b| (b.from.unix_millis(), b.to.unix_millis())),
        );
        let sql = format!(
            "WITH b(i, lo, hi) AS (VALUES {values}) \
             SELECT b.i AS i, COUNT(v.id) AS a, \
                    COUNT(DISTINCT COALESCE('c' || v.client_id, 'v' || v.visitor_id)) AS b \
             FROM b LEFT JOIN page_views v ON v.at >= b.lo AND v.at < b.hi \
             GROUP BY b.i ORDER BY b.i"
        );
        let mut conn = self.db.conn()?;
        let rows: Vec<IndexedRow> = diesel::sql_query(sql).load(&mut conn).map_err(load_err)?;
        Ok(buckets
            .iter()
            .enumerate()
            .map(|(i, bucket)| {
                let row = rows.iter().find(|r| r.i == i as i64);
                ViewBucket {
                    label: bucket.label.clone(),
                    from: bucket.from,
                    to: bucket.to,
                    counts: ViewCounts {
                        views: row.map_or(0, |r| r.a),
                        visitors: row.map_or(0, |r| r.b),
                    },
                }
            })
            .collect())
    }

    fn view_totals(&self, from: Timestamp, to: Timestamp) -> Result<ViewCounts, RepoError> {
        let mut conn = self.db.conn()?;
        let row: CountsRow = diesel::sql_query(format!(
            "SELECT COUNT(*) AS views, COUNT(DISTINCT {VISITOR}) AS visitors \
             FROM page_views WHERE at >= ?1 AND at < ?2"
        ))
        .bind::<BigInt, _>(from.unix_millis())
        .bind::<BigInt, _>(to.unix_millis())
        .get_result(&mut conn)
        .map_err(load_err)?;
        Ok(ViewCounts {
            views: row.views,
            visitors: row.visitors,
        })
    }

    fn top_pages(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<PageStat>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<PageRow> = diesel::sql_query(format!(
            "SELECT page, COUNT(*) AS views, COUNT(DISTINCT {VISITOR}) AS visitors \
             FROM page_views WHERE at >= ?1 AND at < ?2 \
             GROUP BY page ORDER BY views DESC, page LIMIT ?3"
        ))
        .bind::<BigInt, _>(from.unix_millis())
        .bind::<BigInt, _>(to.unix_millis())
        .bind::<BigInt, _>(i64::from(limit))
        .load(&mut conn)
        .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| PageStat {
                page: r.page,
                counts: ViewCounts {
                    views: r.views,
                    visitors: r.visitors,
                },
            })
            .collect())
    }

    fn channel_figures(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ChannelFigures>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<ChannelRow> = in_period(CHANNELS, from, to)
            .load(&mut conn)
            .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| ChannelFigures {
                channel: r.id.map(|id| {
                    (
                        TrafficChannelId(id),
                        r.name.unwrap_or_default(),
                        r.code.unwrap_or_default(),
                    )
                }),
                new_clients: r.new_clients,
                converted: r.converted,
                purchases: r.purchases,
                revenue: Money::from_minor(r.revenue),
            })
            .collect())
    }

    fn funnel(&self, from: Timestamp, to: Timestamp) -> Result<FunnelCounts, RepoError> {
        let mut conn = self.db.conn()?;
        let row: FunnelRow = in_period(FUNNEL, from, to)
            .get_result(&mut conn)
            .map_err(load_err)?;
        Ok(FunnelCounts {
            visitors: row.visitors,
            registrations: row.registrations,
            first_purchases: row.first_purchases,
            repeat_purchases: row.repeat_purchases,
        })
    }

    fn rfm_cells(
        &self,
        thresholds: &RfmThresholds,
        end: Timestamp,
    ) -> Result<Vec<RfmCell>, RepoError> {
        let mut conn = self.db.conn()?;
        let sql = format!(
            "{SCORED} SELECT r, f, m, COUNT(*) AS clients FROM scored GROUP BY r, f, m ORDER BY r, f, m"
        );
        let rows: Vec<CellRow> = bind_rfm!(diesel::sql_query(sql), thresholds, end)
            .load(&mut conn)
            .map_err(load_err)?;
        Ok(rows
            .into_iter()
            .map(|r| RfmCell {
                score: score(r.r, r.f, r.m),
                clients: r.clients,
            })
            .collect())
    }

    fn rfm_members(
        &self,
        thresholds: &RfmThresholds,
        end: Timestamp,
        scores: &[RfmScore],
        page: PageRequest,
    ) -> Result<Page<SegmentMember>, RepoError> {
        let codes = if scores.is_empty() {
            "-1".to_owned()
        } else {
            scores
                .iter()
                .map(|s| s.code().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let filter = format!("WHERE r * 100 + f * 10 + m IN ({codes})");
        let mut conn = self.db.conn()?;
        let total: TotalRow = bind_rfm!(
            diesel::sql_query(format!(
                "{SCORED} SELECT COUNT(*) AS total FROM scored {filter}"
            )),
            thresholds,
            end
        )
        .get_result(&mut conn)
        .map_err(load_err)?;
        let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
        let rows: Vec<MemberRow> = bind_rfm!(
            diesel::sql_query(format!(
                "{SCORED} SELECT s.id AS id, c.full_name AS full_name, s.r AS r, s.f AS f, \
                 s.m AS m FROM scored s JOIN clients c ON c.id = s.id {filter} \
                 ORDER BY s.id LIMIT ?8 OFFSET ?9"
            )),
            thresholds,
            end
        )
        .bind::<BigInt, _>(i64::from(page.limit()))
        .bind::<BigInt, _>(offset)
        .load(&mut conn)
        .map_err(load_err)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(|r| SegmentMember {
                    client_id: ClientId(r.id),
                    full_name: r.full_name,
                    score: score(r.r, r.f, r.m),
                })
                .collect(),
            total: u64::try_from(total.total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn campaign_results(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<CampaignResult>, RepoError> {
        let mut conn = self.db.conn()?;
        let window = rollups::conversion_window_hours(&mut conn).map_err(load_err)?;
        rollups::catch_up_campaign_attributions(&mut conn, window).map_err(load_err)?;
        let rows: Vec<CampaignRow> = in_period(CAMPAIGNS, from, to)
            .bind::<BigInt, _>(i64::from(limit))
            .load(&mut conn)
            .map_err(load_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(CampaignResult {
                    id: CampaignId(r.id),
                    launched_at: stored_time(r.launched_at, "campaign launched_at", r.id)?,
                    name: r.name,
                    status: r.status,
                    recipients: r.recipients,
                    sent: r.sent,
                    failed: r.failed,
                    opens: r.opens,
                    clicks: r.clicks,
                    conversions: r.conversions,
                    revenue: Money::from_minor(r.revenue),
                })
            })
            .collect()
    }

    fn revenue_by_window(
        &self,
        windows: &[(Timestamp, Timestamp)],
    ) -> Result<Vec<Money>, RepoError> {
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let values = bounds(
            windows
                .iter()
                .map(|(lo, hi)| (lo.unix_millis(), hi.unix_millis())),
        );
        let sql = format!(
            "WITH w(i, lo, hi) AS (VALUES {values}) \
             SELECT w.i AS i, COALESCE(SUM(o.total - o.refunded_total), 0) AS a, \
                    COUNT(o.id) AS b \
             FROM w LEFT JOIN operations o ON o.kind = 'purchase' \
               AND o.created_at >= w.lo AND o.created_at < w.hi \
             GROUP BY w.i ORDER BY w.i"
        );
        let mut conn = self.db.conn()?;
        let rows: Vec<IndexedRow> = diesel::sql_query(sql).load(&mut conn).map_err(load_err)?;
        Ok((0..windows.len())
            .map(|i| Money::from_minor(rows.iter().find(|r| r.i == i as i64).map_or(0, |r| r.a)))
            .collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "audience_tests.rs"]
mod tests;
