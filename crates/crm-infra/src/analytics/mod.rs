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
