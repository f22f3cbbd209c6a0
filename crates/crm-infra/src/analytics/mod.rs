//! Analytics storage: [`SqliteAnalytics`] answers the figures ports of `crm-analytics` with SQL
//! aggregates over what the other parts store (operations, clients, certificates, stock,
//! payroll, campaigns, deliveries, messages, appointments, feedback, page views). Each area has
//! its own file with its own `impl`; this module holds the shared adapter and the calendar.
//!
//! Periods arrive as exact instants (`crm_analytics::period`), so every query is a range
//! condition on an indexed BIGINT millisecond column.

use crate::db::Database;
use crate::error::Failure;
use crate::schema::system_settings;
use crm_analytics::period::DEFAULT_TIMEZONE;
use crm_analytics::ports::BusinessCalendar;
use crm_core::RepoError;
use diesel::prelude::*;

mod audience;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod budget_tests;
pub mod rollups;
mod sales;
mod tower;

/// The analytics adapter over the database.
#[derive(Debug, Clone)]
pub struct SqliteAnalytics {
    pub(crate) db: Database,
}

impl SqliteAnalytics {
    /// An adapter over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The condition on `clients c` that the client bought in `[from, to)` (`from` and `to` are
/// SQL expressions: placeholders or integer literals we computed).
///
/// A client bought in the range exactly when their purchases overlap it: the last purchase is
/// at or after its start, the first before its end, and one of them falls inside (no probe
/// needed) or a purchase between them does (one probe of the client's purchases). Read from the
/// covering `clients_activity` range, so a period ending now costs one index range and no
/// probe at all.
pub(crate) fn bought_between(from: &str, to: &str) -> String {
    format!(
        "c.last_purchase_at >= {from} AND c.first_purchase_at < {to} \
         AND (c.last_purchase_at < {to} OR c.first_purchase_at >= {from} OR EXISTS (SELECT 1 \
         FROM operations o WHERE o.client_id = c.id AND o.kind = 'purchase' \
         AND o.created_at >= {from} AND o.created_at < {to}))"
    )
}

impl BusinessCalendar for SqliteAnalytics {
    fn timezone(&self) -> Result<String, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(system_settings::table
            .select(system_settings::timezone)
            .first::<String>(&mut conn)
            .optional()
            .map_err(|e| Failure::from(e).0)?
            .unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::fresh_db;

    #[test]
    fn reads_the_business_timezone() {
        let (_dir, db) = fresh_db();
        let analytics = SqliteAnalytics::new(db);
        assert_eq!(analytics.timezone().unwrap(), "Europe/Moscow");
    }
}
