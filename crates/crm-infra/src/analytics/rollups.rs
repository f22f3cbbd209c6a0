//! Analytics rollups: small tables derived from the operations log so that a tab reads a few
//! hundred rows instead of probing every purchase of a year.
//!
//! `client_purchase_months` holds, per client, each local calendar month (in the business's
//! timezone) they bought in, with the month of their first purchase; `cohort_month_clients`
//! counts them per (cohort, month), so the cohort retention of the customers tab reads at most
//! 144 rows.
//!
//! `campaign_attributions` holds each purchase a campaign is credited with: a purchase by a
//! recipient within the conversion window after one of the campaign's messages was sent (each
//! purchase once per campaign). The marketing tab reads the attributions of its campaigns and
//! the purchases' current net amounts (refunds included) by primary key.
//!
//! Each rollup is caught up before it is read, inside one immediate transaction: the purchases
//! past its watermark (the last operation id read) are added, so it is exact at the moment of
//! reading whatever wrote the operations (the checkout, an import, the demo generator). Each
//! remembers the basis it was cut by — the business's timezone for the months, the conversion
//! window for the attributions — and a change of that setting rebuilds it from the start.

use crate::schema::system_settings;
use crm_analytics::period::{local_date, timezone, DEFAULT_TIMEZONE};
use crm_core::Timestamp;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::SqliteConnection;
use std::collections::{BTreeMap, BTreeSet};
use time_tz::Tz;

/// The name of the purchase-months rollup in `analytics_rollups`.
const PURCHASE_MONTHS: &str = "purchase_months";

/// The name of the campaign-attributions rollup in `analytics_rollups`.
const CAMPAIGN_ATTRIBUTIONS: &str = "campaign_attributions";

/// Purchases read per statement while catching up.
const BATCH: i64 = 20_000;

/// Rows per multi-row insert (three integers each, well under SQLite's bound-variable limit;
/// the values are integers we computed, so they are written into the statement).
const INSERT_ROWS: usize = 500;

/// The local calendar month of `at` in `tz`: `year * 12 + month - 1`.
pub(crate) fn month_key(at: Timestamp, tz: &Tz) -> i64 {
    let date = local_date(at, tz);
    i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1
}

#[derive(QueryableByName)]
struct StateRow {
    #[diesel(sql_type = BigInt)]
    watermark: i64,
    #[diesel(sql_type = Text)]
    basis: String,
}

#[derive(QueryableByName)]
struct AddedRow {
    #[diesel(sql_type = BigInt)]
    cohort: i64,
    #[diesel(sql_type = BigInt)]
    month: i64,
}

#[derive(QueryableByName)]
struct MaxRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
}

#[derive(QueryableByName)]
struct PurchaseRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = BigInt)]
    at: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    first: Option<i64>,
}

fn key_of(millis: i64, tz: &Tz) -> Option<i64> {
    Timestamp::from_unix_millis(millis).map(|at| month_key(at, tz))
}

/// Runs one rollup's catch-up in an immediate transaction: reads its state, clears it with
/// `reset` when its basis changed, then hands `step` the operation ids `(after, up_to]` still to
/// read and saves the new watermark. Returns what `step` returned (0 when there was nothing).
fn catch_up(
    conn: &mut SqliteConnection,
    name: &str,
    basis: &str,
    reset: &str,
    mut step: impl FnMut(&mut SqliteConnection, i64, i64) -> QueryResult<u64>,
) -> QueryResult<u64> {
    conn.immediate_transaction(|conn| {
        let state: Option<StateRow> =
            diesel::sql_query("SELECT watermark, basis FROM analytics_rollups WHERE name = ?1")
                .bind::<Text, _>(name)
                .get_result(conn)
                .optional()?;
        let watermark = match state {
            Some(state) if state.basis == basis => state.watermark,
            _ => {
                conn.batch_execute(reset)?;
                0
            }
        };
        let last: MaxRow =
            diesel::sql_query("SELECT MAX(id) AS id FROM operations").get_result(conn)?;
        let last = last.id.unwrap_or(0).max(watermark);
        let read = if last > watermark {
            step(conn, watermark, last)?
        } else {
            0
        };
        diesel::sql_query(
            "INSERT INTO analytics_rollups (name, watermark, basis) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET watermark = excluded.watermark, \
             basis = excluded.basis",
        )
        .bind::<Text, _>(name)
        .bind::<BigInt, _>(last)
        .bind::<Text, _>(basis)
        .execute(conn)?;
        Ok(read)
    })
}

/// Brings `client_purchase_months` up to date with `operations` for the business timezone
/// `timezone_name`; returns how many purchases were read.
pub(crate) fn catch_up_purchase_months(
    conn: &mut SqliteConnection,
    timezone_name: &str,
) -> QueryResult<u64> {
    let tz = timezone(timezone_name);
    catch_up(
        conn,
        PURCHASE_MONTHS,
        timezone_name,
        "DELETE FROM client_purchase_months; DELETE FROM cohort_month_clients;",
        |conn, mut after, up_to| {
            let mut read = 0_u64;
            loop {
                let batch: Vec<PurchaseRow> = diesel::sql_query(
                    "SELECT o.id AS id, o.client_id AS client_id, o.created_at AS at, \
                     c.first_purchase_at AS first \
                     FROM operations o CROSS JOIN clients c ON c.id = o.client_id \
                     WHERE o.id > ?1 AND o.id <= ?2 AND o.kind = 'purchase' \
                     ORDER BY o.id LIMIT ?3",
                )
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(up_to)
                .bind::<BigInt, _>(BATCH)
                .load(conn)?;
                let Some(end) = batch.last().map(|row| row.id) else {
                    return Ok(read);
                };
                read += batch.len() as u64;
                let rows: BTreeSet<(i64, i64, i64)> = batch
                    .iter()
                    .filter_map(|row| {
                        let month = key_of(row.at, tz)?;
                        let cohort = key_of(row.first.unwrap_or(row.at), tz)?.min(month);
                        Some((row.client_id, month, cohort))
                    })
                    .collect();
                let rows: Vec<_> = rows.into_iter().collect();
                // The (client, month) pairs that are new, counted per (cohort, month).
                let mut counts: BTreeMap<(i64, i64), i64> = BTreeMap::new();
                for chunk in rows.chunks(INSERT_ROWS) {
                    let values = chunk
                        .iter()
                        .map(|(client, month, cohort)| format!("({client},{month},{cohort})"))
                        .collect::<Vec<_>>()
                        .join(",");
                    let added: Vec<AddedRow> = diesel::sql_query(format!(
                        "INSERT OR IGNORE INTO client_purchase_months (client_id, month, cohort) \
                         VALUES {values} RETURNING cohort, month"
                    ))
                    .load(conn)?;
                    for row in added {
                        *counts.entry((row.cohort, row.month)).or_default() += 1;
                    }
                }
                let counts: Vec<_> = counts.into_iter().collect();
                for chunk in counts.chunks(INSERT_ROWS) {
                    let values = chunk
                        .iter()
                        .map(|((cohort, month), n)| format!("({cohort},{month},{n})"))
                        .collect::<Vec<_>>()
                        .join(",");
                    diesel::sql_query(format!(
                        "INSERT INTO cohort_month_clients (cohort, month, clients) \
                         VALUES {values} ON CONFLICT (cohort, month) \
                         DO UPDATE SET clients = clients + excluded.clients"
                    ))
                    .execute(conn)?;
                }
                if (batch.len() as i64) < BATCH {
                    return Ok(read);
                }
                after = end;
            }
        },
    )
}

/// Brings `campaign_attributions` up to date with `operations` for a conversion window of
/// `window_hours`; returns how many attributions were added. One statement per catch-up: each
/// new purchase's campaign messages to its buyer are one range of the `deliveries_client_sent`
/// index.
pub(crate) fn catch_up_campaign_attributions(
    conn: &mut SqliteConnection,
    window_hours: i64,
) -> QueryResult<u64> {
    catch_up(
        conn,
        CAMPAIGN_ATTRIBUTIONS,
        &window_hours.to_string(),
        "DELETE FROM campaign_attributions",
        |conn, after, up_to| {
            let added = diesel::sql_query(
                "INSERT OR IGNORE INTO campaign_attributions (campaign_id, operation_id, \
                 client_id) \
                 SELECT dl.campaign_id, o.id, o.client_id \
                 FROM operations o CROSS JOIN deliveries dl ON dl.client_id = o.client_id \
                 AND dl.campaign_id IS NOT NULL AND dl.sent_at <= o.created_at \
                 AND dl.sent_at > o.created_at - ?3 AND dl.status IN ('sent', 'delivered') \
                 WHERE o.id > ?1 AND o.id <= ?2 AND o.kind = 'purchase'",
            )
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(up_to)
            .bind::<BigInt, _>(window_hours.saturating_mul(3_600_000))
            .execute(conn)?;
            Ok(added as u64)
        },
    )
}

/// Catches every rollup up with what is stored, in the business's current timezone (for bulk
/// loads such as the demo generator, so the first reader does not pay for the backlog).
pub fn catch_up_all(conn: &mut SqliteConnection) -> QueryResult<()> {
    let zone = system_settings::table
        .select(system_settings::timezone)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned());
    catch_up_purchase_months(conn, &zone)?;
    let window = conversion_window_hours(conn)?;
    catch_up_campaign_attributions(conn, window)?;
    Ok(())
}

/// The business's conversion window in hours (72 when no settings are stored).
pub(crate) fn conversion_window_hours(conn: &mut SqliteConnection) -> QueryResult<i64> {
    Ok(system_settings::table
        .select(system_settings::conversion_window_hours)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(72))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{exec, fresh_db};

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        client_id: i64,
        #[diesel(sql_type = BigInt)]
        month: i64,
        #[diesel(sql_type = BigInt)]
        cohort: i64,
    }

    fn rows(conn: &mut SqliteConnection) -> Vec<(i64, i64, i64)> {
        diesel::sql_query(
            "SELECT client_id, month, cohort FROM client_purchase_months ORDER BY client_id, month",
        )
        .load::<Row>(conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.client_id, r.month, r.cohort))
        .collect()
    }

    /// 2026-01-31T22:30:00Z: still January in UTC, already February in Moscow (UTC+3).
    const JAN_31_LATE: i64 = 1_769_898_600_000;
    /// 2026-03-10T10:00:00Z.
    const MARCH_10: i64 = 1_773_136_800_000;

    fn purchase(db: &crate::db::Database, client: i64, at: i64) {
        exec(
            db,
            &format!(
                "INSERT INTO operations (client_id, kind, total, cash, reward_type, actor, \
                 created_at) VALUES ({client}, 'purchase', 1000, 1000, 'points', 'test', {at})"
            ),
        );
    }

    fn client(db: &crate::db::Database, id: i64, first_purchase_at: i64) {
        exec(
            db,
            &format!(
                "INSERT INTO clients (id, full_name, search_name, first_purchase_at, created_at, \
                 updated_at) VALUES ({id}, 'Client {id}', 'client {id}', {first_purchase_at}, 0, 0)"
            ),
        );
    }

    #[test]
    fn months_are_local_counted_once_and_rebuilt_on_a_timezone_change() {
        let (_dir, db) = fresh_db();
        client(&db, 1, JAN_31_LATE);
        client(&db, 2, MARCH_10);
        purchase(&db, 1, JAN_31_LATE);
        purchase(&db, 1, MARCH_10);
        purchase(&db, 1, MARCH_10 + 1000);
        purchase(&db, 2, MARCH_10);
        let mut conn = db.conn().unwrap();
        let feb = 2026 * 12 + 1;
        let mar = 2026 * 12 + 2;
        assert_eq!(
            catch_up_purchase_months(&mut conn, "Europe/Moscow").unwrap(),
            4
        );
        assert_eq!(
            rows(&mut conn),
            vec![(1, feb, feb), (1, mar, feb), (2, mar, mar)]
        );
        // Nothing new: nothing read.
        assert_eq!(
            catch_up_purchase_months(&mut conn, "Europe/Moscow").unwrap(),
            0
        );
        // A later purchase is picked up past the watermark.
        purchase(&db, 2, MARCH_10 + 40 * 86_400_000);
        assert_eq!(
            catch_up_purchase_months(&mut conn, "Europe/Moscow").unwrap(),
            1
        );
        assert_eq!(rows(&mut conn).len(), 4);
        // In UTC the late January purchase is January's: everything is re-cut.
        assert_eq!(catch_up_purchase_months(&mut conn, "UTC").unwrap(), 5);
        let jan = 2026 * 12;
        assert_eq!(rows(&mut conn)[0], (1, jan, jan));
        assert_eq!(rows(&mut conn)[1], (1, mar, jan));
        // The counts agree with the rows: per (cohort, month), each client once.
        let counts: Vec<(i64, i64, i64)> = diesel::sql_query(
            "SELECT cohort AS client_id, month, clients AS cohort FROM cohort_month_clients \
             ORDER BY cohort, month",
        )
        .load::<Row>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.client_id, r.month, r.cohort))
        .collect();
        assert_eq!(
            counts,
            vec![
                (jan, jan, 1),
                (jan, mar, 1),
                (mar, mar, 1),
                (mar, 2026 * 12 + 3, 1)
            ]
        );
    }
}
