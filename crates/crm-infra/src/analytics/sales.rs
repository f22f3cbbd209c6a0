//! The sales figures: [`SalesFigures`] for [`SqliteAnalytics`] — aggregates over `operations`,
//! `clients`, `points_ledger`, `certificates`, `appointments`, `stock_movements` and payroll.
//!
//! Every period condition is a range on an indexed BIGINT millisecond column; series group by
//! a CTE of the bucket bounds the service computed (integers and `YYYY-MM-DD` dates we made,
//! so inlining them is safe), one query per figure family, never one per bucket or client.
//! The indexes behind them are in `migrations/2026-11-24-000016_sales_analytics` (and
//! `..._000030_shifts_by_start` for utilisation).

use super::{bought_between, rollups, SqliteAnalytics};
use crate::error::map_diesel_error;
use crm_analytics::period::timezone;
use crm_analytics::sales::model::{
    AgeBand, AppointmentCounts, BucketSales, ClientActivity, CustomerFigures, FinanceFigures,
    OperationSeries, SalesTotals,
};
use crm_analytics::sales::ports::{
    CustomersQuery, DatedRange, LocalSegment, OperationsQuery, SalesFigures, TimeRange,
};
use crm_core::RepoError;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{QueryableByName, RunQueryDsl};

#[derive(QueryableByName)]
struct SalesRow {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = BigInt)]
    purchases: i64,
    #[diesel(sql_type = BigInt)]
    purchase_total: i64,
    #[diesel(sql_type = BigInt)]
    refunds: i64,
    #[diesel(sql_type = BigInt)]
    refund_total: i64,
}

impl SalesRow {
    fn sales(&self) -> BucketSales {
        BucketSales {
            purchases: self.purchases,
            purchase_total: self.purchase_total,
            refunds: self.refunds,
            refund_total: self.refund_total,
        }
    }
}

#[derive(QueryableByName)]
struct OperationTotalsRow {
    #[diesel(sql_type = BigInt)]
    purchases: i64,
    #[diesel(sql_type = BigInt)]
    purchase_total: i64,
    #[diesel(sql_type = BigInt)]
    refunds: i64,
    #[diesel(sql_type = BigInt)]
    refund_total: i64,
    #[diesel(sql_type = BigInt)]
    purchase_cash: i64,
    #[diesel(sql_type = BigInt)]
    refund_cash: i64,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct PairRow {
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
}

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    m: i64,
}

#[derive(QueryableByName)]
struct DemographyRow {
    #[diesel(sql_type = Text)]
    gender: String,
    #[diesel(sql_type = BigInt)]
    age: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct KeyedCountRow {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = BigInt)]
    m: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct FinanceRow {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = BigInt)]
    purchase_cash: i64,
    #[diesel(sql_type = BigInt)]
    refund_cash: i64,
    #[diesel(sql_type = BigInt)]
    certificate_sales: i64,
    #[diesel(sql_type = BigInt)]
    cost_of_goods: i64,
    #[diesel(sql_type = BigInt)]
    payroll: i64,
}

/// The operations aggregate of a period (one covering-index range scan).
pub(crate) const OPERATION_TOTALS_SQL: &str = "SELECT \
     COALESCE(SUM(kind = 'purchase'), 0) AS purchases, \
     COALESCE(SUM(CASE WHEN kind = 'purchase' THEN total ELSE 0 END), 0) AS purchase_total, \
     COALESCE(SUM(kind = 'refund'), 0) AS refunds, \
     COALESCE(SUM(CASE WHEN kind = 'refund' THEN total ELSE 0 END), 0) AS refund_total, \
     COALESCE(SUM(CASE WHEN kind = 'purchase' THEN cash ELSE 0 END), 0) AS purchase_cash, \
     COALESCE(SUM(CASE WHEN kind = 'refund' THEN cash ELSE 0 END), 0) AS refund_cash \
     FROM operations WHERE created_at >= ?1 AND created_at < ?2";

/// Distinct clients who bought in `?1..?2` (`a`) and those of them whose first purchase was
/// before it (`b`), from the clients' purchase span ([`bought_between`]).
pub(crate) fn client_activity_sql() -> String {
    format!(
        "SELECT COUNT(*) AS a, COALESCE(SUM(c.first_purchase_at < ?1), 0) AS b FROM clients c \
         WHERE {}",
        bought_between("?1", "?2")
    )
}

/// Clients created in the range.
pub(crate) const NEW_CLIENTS_SQL: &str =
    "SELECT COUNT(*) AS n FROM clients WHERE created_at >= ?1 AND created_at < ?2";

/// Points accrued (`a`) and spent (`b`) in the range, both net of refunds.
pub(crate) const POINTS_SQL: &str = "SELECT \
     COALESCE(SUM(CASE \
         WHEN kind IN ('welcome_bonus', 'cashback', 'referral_reward') THEN amount \
         WHEN kind = 'adjustment' AND amount > 0 THEN amount \
         WHEN kind IN ('refund_clawback', 'referral_clawback') THEN amount \
         ELSE 0 END), 0) AS a, \
     COALESCE(SUM(CASE WHEN kind IN ('spend', 'refund_return') THEN -amount ELSE 0 END), 0) AS b \
     FROM points_ledger WHERE created_at >= ?1 AND created_at < ?2";

/// Certificates issued in the range: count (`a`) and sold prices (`b`).
pub(crate) const CERTIFICATES_SQL: &str = "SELECT COUNT(*) AS a, COALESCE(SUM(price), 0) AS b \
     FROM certificates WHERE issued_at >= ?1 AND issued_at < ?2";

/// Appointments starting in the range by status, with their booked minutes (`m`).
pub(crate) const APPOINTMENTS_SQL: &str = "SELECT status, COUNT(*) AS n, \
     COALESCE(SUM(ends_at - starts_at), 0) / 60000 AS m FROM appointments \
     WHERE starts_at >= ?1 AND starts_at < ?2 GROUP BY status";

/// Minutes of the planned shifts starting in the range.
pub(crate) const SHIFT_MINUTES_SQL: &str = "SELECT COALESCE(SUM(ends_at - starts_at), 0) / 60000 \
     AS n FROM shifts WHERE starts_at >= ?1 AND starts_at < ?2";

fn failed(e: diesel::result::Error) -> RepoError {
    map_diesel_error(e)
}

fn pair(conn: &mut SqliteConnection, sql: &str, range: TimeRange) -> Result<PairRow, RepoError> {
    diesel::sql_query(sql)
        .bind::<BigInt, _>(range.from.unix_millis())
        .bind::<BigInt, _>(range.to.unix_millis())
        .get_result(conn)
        .map_err(failed)
}

fn count(conn: &mut SqliteConnection, sql: &str, range: TimeRange) -> Result<i64, RepoError> {
    diesel::sql_query(sql)
        .bind::<BigInt, _>(range.from.unix_millis())
        .bind::<BigInt, _>(range.to.unix_millis())
        .get_result::<CountRow>(conn)
        .map(|r| r.n)
        .map_err(failed)
}

/// `VALUES (0, lo, hi), (1, lo, hi), …` of ranges (computed integers only).
fn range_values(ranges: &[TimeRange]) -> String {
    let rows: Vec<String> = ranges
        .iter()
        .enumerate()
        .map(|(i, r)| format!("({i}, {}, {})", r.from.unix_millis(), r.to.unix_millis()))
        .collect();
    rows.join(", ")
}

/// A `YYYY-MM-DD` literal, refusing anything else (it is inlined into SQL).
fn day_literal(day: &str) -> Result<String, RepoError> {
    let ok = day.len() == 10
        && day.chars().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if ok {
        Ok(format!("'{day}'"))
    } else {
        Err(RepoError::Unavailable(format!("not a date: {day:?}")))
    }
}

/// Places `rows` keyed by `k` into a vector of `len` defaults.
fn by_key<T: Default + Clone>(len: usize, rows: impl IntoIterator<Item = (i64, T)>) -> Vec<T> {
    let mut out = vec![T::default(); len];
    for (k, value) in rows {
        if let Some(slot) = usize::try_from(k).ok().and_then(|k| out.get_mut(k)) {
            *slot = value;
        }
    }
    out
}

/// The customers tab's gender and age figures of clients created before `to`.
pub(crate) const DEMOGRAPHY_SQL: &str = "SELECT COALESCE(gender, '') AS gender, \
     CASE WHEN birthday IS NULL OR length(birthday) <> 10 THEN -1 \
     ELSE CAST(substr(?2, 1, 4) AS INTEGER) - CAST(substr(birthday, 1, 4) AS INTEGER) \
          - (substr(?2, 6, 5) < substr(birthday, 6, 5)) END AS age, \
     COUNT(*) AS n FROM clients WHERE created_at < ?1 GROUP BY 1, 2";

/// New clients per bucket.
pub(crate) fn new_clients_series_sql(buckets: &[TimeRange]) -> String {
    format!(
        "WITH b(i, lo, hi) AS (VALUES {}) SELECT b.i AS k, 0 AS m, COUNT(c.id) AS n \
         FROM b LEFT JOIN clients c ON c.created_at >= b.lo AND c.created_at < b.hi \
         GROUP BY b.i",
        range_values(buckets)
    )
}

/// Cohort sizes: the clients whose first purchase falls in each month (the
/// `clients.first_purchase_at` index, one range count per month).
pub(crate) fn cohort_sizes_sql(months: &[TimeRange]) -> String {
    format!(
        "WITH m(i, lo, hi) AS (VALUES {}) SELECT m.i AS k, -1 AS m, \
         (SELECT COUNT(*) FROM clients c WHERE c.first_purchase_at >= m.lo \
          AND c.first_purchase_at < m.hi) AS n FROM m",
        range_values(months)
    )
}

/// Retention from the purchase-months rollup: the clients of cohort month `k` (a month key,
/// `?1..=?2`) who bought in a later month `m` up to `?2` — at most 144 counted rows.
pub(crate) const COHORT_RETENTION_SQL: &str = "SELECT cohort AS k, month AS m, clients AS n \
     FROM cohort_month_clients WHERE cohort >= ?1 AND cohort <= ?2 AND month > cohort \
     AND month <= ?2";

/// Purchases and refunds per range (bucket or local hour), each figure a correlated aggregate
/// over one index range — no sorting of the period's rows.
pub(crate) fn range_sales_sql(ranges: &[TimeRange]) -> String {
    let sum = |kind: &str, what: &str| {
        format!(
            "(SELECT {what} FROM operations o WHERE o.kind = '{kind}' \
             AND o.created_at >= r.lo AND o.created_at < r.hi)"
        )
    };
    format!(
        "WITH r(i, lo, hi) AS (VALUES {}) SELECT r.i AS k, {} AS purchases, \
         {} AS purchase_total, {} AS refunds, {} AS refund_total FROM r",
        range_values(ranges),
        sum("purchase", "COUNT(*)"),
        sum("purchase", "COALESCE(SUM(o.total), 0)"),
        sum("refund", "COUNT(*)"),
        sum("refund", "COALESCE(SUM(o.total), 0)"),
    )
}

/// One local hour of the period: its instants, hour of day and weekday.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HourSlice {
    pub(crate) range: TimeRange,
    pub(crate) hour: usize,
    pub(crate) weekday: usize,
}

/// Cuts the stretches of one UTC offset into local hours.
pub(crate) fn hour_slices(segments: &[LocalSegment]) -> Vec<HourSlice> {
    const HOUR: i64 = 3_600_000;
    let mut out = Vec::new();
    for s in segments {
        let (mut lo, hi) = (s.from.unix_millis(), s.to.unix_millis());
        let weekday = usize::try_from(s.weekday - 1).unwrap_or(0).min(6);
        while lo < hi {
            let local = lo + s.offset_ms;
            let next = (local - local.rem_euclid(HOUR) + HOUR - s.offset_ms).min(hi);
            let hour = usize::try_from(local.rem_euclid(86_400_000) / HOUR).unwrap_or(0);
            if let (Some(from), Some(to)) = (
                crm_core::Timestamp::from_unix_millis(lo),
                crm_core::Timestamp::from_unix_millis(next),
            ) {
                out.push(HourSlice {
                    range: TimeRange { from, to },
                    hour,
                    weekday,
                });
            }
            lo = next;
        }
    }
    out
}

/// Money in and out per finance bucket.
pub(crate) fn finance_sql(buckets: &[DatedRange]) -> Result<String, RepoError> {
    let mut rows = Vec::with_capacity(buckets.len());
    for (i, b) in buckets.iter().enumerate() {
        rows.push(format!(
            "({i}, {}, {}, {}, {})",
            b.range.from.unix_millis(),
            b.range.to.unix_millis(),
            day_literal(&b.first_day)?,
            day_literal(&b.end_day)?
        ));
    }
    Ok(format!(
        "WITH b(i, lo, hi, d0, d1) AS (VALUES {}) SELECT b.i AS k, \
         (SELECT COALESCE(SUM(CASE WHEN o.kind = 'purchase' THEN o.cash ELSE 0 END), 0) \
             FROM operations o WHERE o.created_at >= b.lo AND o.created_at < b.hi) \
             AS purchase_cash, \
         (SELECT COALESCE(SUM(CASE WHEN o.kind = 'refund' THEN o.cash ELSE 0 END), 0) \
             FROM operations o WHERE o.created_at >= b.lo AND o.created_at < b.hi) \
             AS refund_cash, \
         (SELECT COALESCE(SUM(c.price), 0) FROM certificates c \
             WHERE c.issued_at >= b.lo AND c.issued_at < b.hi) AS certificate_sales, \
         (SELECT COALESCE(SUM((m.quantity * m.unit_cost + 500) / 1000), 0) \
             FROM stock_movements m WHERE m.kind = 'receipt' \
             AND m.created_at >= b.lo AND m.created_at < b.hi \
             AND m.unit_cost IS NOT NULL) AS cost_of_goods, \
         (SELECT COALESCE(SUM(r.amount), 0) FROM payroll_runs p \
             JOIN payroll_results r ON r.run_id = p.id \
             WHERE p.period_to >= b.d0 AND p.period_to < b.d1) AS payroll \
         FROM b ORDER BY b.i",
        rows.join(", ")
    ))
}

impl SalesFigures for SqliteAnalytics {
    fn totals(
        &self,
        range: TimeRange,
        appointments_range: TimeRange,
    ) -> Result<SalesTotals, RepoError> {
        let mut conn = self.db.conn()?;
        let ops: OperationTotalsRow = diesel::sql_query(OPERATION_TOTALS_SQL)
            .bind::<BigInt, _>(range.from.unix_millis())
            .bind::<BigInt, _>(range.to.unix_millis())
            .get_result(&mut conn)
            .map_err(failed)?;
        let new_clients = count(&mut conn, NEW_CLIENTS_SQL, range)?;
        let points = pair(&mut conn, POINTS_SQL, range)?;
        let certificates = pair(&mut conn, CERTIFICATES_SQL, range)?;
        let statuses: Vec<StatusRow> = diesel::sql_query(APPOINTMENTS_SQL)
            .bind::<BigInt, _>(appointments_range.from.unix_millis())
            .bind::<BigInt, _>(appointments_range.to.unix_millis())
            .load(&mut conn)
            .map_err(failed)?;
        let mut appointments = AppointmentCounts {
            shift_minutes: count(&mut conn, SHIFT_MINUTES_SQL, appointments_range)?,
            ..AppointmentCounts::default()
        };
        for row in statuses {
            if row.status != "cancelled" {
                appointments.booked_minutes += row.m;
            }
            match row.status.as_str() {
                "scheduled" => appointments.scheduled = row.n,
                "completed" => appointments.completed = row.n,
                "no_show" => appointments.no_show = row.n,
                "cancelled" => appointments.cancelled = row.n,
                _ => {}
            }
        }
        Ok(SalesTotals {
            sales: BucketSales {
                purchases: ops.purchases,
                purchase_total: ops.purchase_total,
                refunds: ops.refunds,
                refund_total: ops.refund_total,
            },
            purchase_cash: ops.purchase_cash,
            refund_cash: ops.refund_cash,
            new_clients,
            points_accrued: points.a,
            points_spent: points.b,
            certificates_sold: certificates.a,
            certificates_amount: certificates.b,
            appointments,
        })
    }

    fn client_activity(&self, range: TimeRange) -> Result<ClientActivity, RepoError> {
        let mut conn = self.db.conn()?;
        let row = pair(&mut conn, &client_activity_sql(), range)?;
        Ok(ClientActivity {
            active: row.a,
            returning: row.b,
        })
    }

    fn customers(&self, query: &CustomersQuery) -> Result<CustomerFigures, RepoError> {
        let mut conn = self.db.conn()?;
        let to = query.period.to.unix_millis();
        let total_clients =
            diesel::sql_query("SELECT COUNT(*) AS n FROM clients WHERE created_at < ?1")
                .bind::<BigInt, _>(to)
                .get_result::<CountRow>(&mut conn)
                .map_err(failed)?
                .n;
        let new_clients = count(&mut conn, NEW_CLIENTS_SQL, query.period)?;
        let new_clients_previous = count(&mut conn, NEW_CLIENTS_SQL, query.previous)?;
        let lost_clients =
            diesel::sql_query("SELECT COUNT(*) AS n FROM clients WHERE last_purchase_at < ?1")
                .bind::<BigInt, _>(query.lost_before.unix_millis())
                .get_result::<CountRow>(&mut conn)
                .map_err(failed)?
                .n;
        let demography: Vec<DemographyRow> = diesel::sql_query(DEMOGRAPHY_SQL)
            .bind::<BigInt, _>(to)
            .bind::<Text, _>(&query.age_on)
            .load(&mut conn)
            .map_err(failed)?;
        let mut figures = CustomerFigures {
            total_clients,
            new_clients,
            new_clients_previous,
            lost_clients,
            ..CustomerFigures::default()
        };
        for row in demography {
            match row.gender.as_str() {
                "male" => figures.male += row.n,
                "female" => figures.female += row.n,
                _ => figures.gender_unknown += row.n,
            }
            let band = AgeBand::of_age((row.age >= 0).then_some(row.age));
            match figures.by_age.iter_mut().find(|(b, _)| *b == band) {
                Some((_, n)) => *n += row.n,
                None => figures.by_age.push((band, row.n)),
            }
        }
        if !query.buckets.is_empty() {
            let sql = new_clients_series_sql(&query.buckets);
            let rows: Vec<KeyedCountRow> =
                diesel::sql_query(sql).load(&mut conn).map_err(failed)?;
            figures.new_per_bucket =
                by_key(query.buckets.len(), rows.into_iter().map(|r| (r.k, r.n)));
        }
        if !query.cohort_months.is_empty() {
            let sizes: Vec<KeyedCountRow> =
                diesel::sql_query(cohort_sizes_sql(&query.cohort_months))
                    .load(&mut conn)
                    .map_err(failed)?;
            figures.cohort_sizes = by_key(
                query.cohort_months.len(),
                sizes.into_iter().map(|r| (r.k, r.n)),
            );
            rollups::catch_up_purchase_months(&mut conn, &query.timezone).map_err(failed)?;
            let tz = timezone(&query.timezone);
            let keys: Vec<i64> = query
                .cohort_months
                .iter()
                .map(|m| rollups::month_key(m.from, tz))
                .collect();
            let index = |key: i64| keys.iter().position(|k| *k == key);
            if let (Some(first), Some(last)) = (keys.first(), keys.last()) {
                let rows: Vec<KeyedCountRow> = diesel::sql_query(COHORT_RETENTION_SQL)
                    .bind::<BigInt, _>(*first)
                    .bind::<BigInt, _>(*last)
                    .load(&mut conn)
                    .map_err(failed)?;
                for row in rows {
                    if let (Some(ci), Some(mi)) = (index(row.k), index(row.m)) {
                        figures.retention.push((ci, mi, row.n));
                    }
                }
            }
        }
        Ok(figures)
    }

    fn operation_series(&self, query: &OperationsQuery) -> Result<OperationSeries, RepoError> {
        let mut series = OperationSeries {
            buckets: vec![BucketSales::default(); query.buckets.len()],
            by_hour: vec![BucketSales::default(); 24],
            by_weekday: vec![BucketSales::default(); 7],
        };
        // One pass over local hours; buckets, hours and weekdays are sums of them (buckets are
        // whole local days, so every hour falls in exactly one).
        let slices = hour_slices(&query.segments);
        if slices.is_empty() {
            return Ok(series);
        }
        let ranges: Vec<TimeRange> = slices.iter().map(|s| s.range).collect();
        let mut conn = self.db.conn()?;
        let rows: Vec<SalesRow> = diesel::sql_query(range_sales_sql(&ranges))
            .load(&mut conn)
            .map_err(failed)?;
        for row in rows {
            let Some(slice) = usize::try_from(row.k).ok().and_then(|k| slices.get(k)) else {
                continue;
            };
            let sales = row.sales();
            if let Some(h) = series.by_hour.get_mut(slice.hour) {
                *h = h.plus(sales);
            }
            if let Some(d) = series.by_weekday.get_mut(slice.weekday) {
                *d = d.plus(sales);
            }
            let at = slice.range.from;
            let bucket = query.buckets.iter().position(|b| b.from <= at && at < b.to);
            if let Some(b) = bucket.and_then(|i| series.buckets.get_mut(i)) {
                *b = b.plus(sales);
            }
        }
        Ok(series)
    }

    fn finance(&self, buckets: &[DatedRange]) -> Result<Vec<FinanceFigures>, RepoError> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        let sql = finance_sql(buckets)?;
        let mut conn = self.db.conn()?;
        let found: Vec<FinanceRow> = diesel::sql_query(sql).load(&mut conn).map_err(failed)?;
        Ok(by_key(
            buckets.len(),
            found.into_iter().map(|r| {
                (
                    r.k,
                    FinanceFigures {
                        purchase_cash: r.purchase_cash,
                        refund_cash: r.refund_cash,
                        certificate_sales: r.certificate_sales,
                        cost_of_goods: r.cost_of_goods,
                        payroll: r.payroll,
                    },
                )
            }),
        ))
    }
}

#[cfg(test)]
#[path = "sales_tests.rs"]
mod tests;
