//! Test fixtures: a fresh migrated database in a temporary directory, and small helpers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::db::Database;
use crm_core::Timestamp;
use diesel::RunQueryDsl;
use tempfile::TempDir;

/// A real SQLite file in a new temporary directory, migrated. Keep the `TempDir` alive for as
/// long as the database is used.
pub(crate) fn fresh_db() -> (TempDir, Database) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Database::open(dir.path().join("data/app.db").to_str(), 4).expect("open");
    db.run_migrations().expect("migrations");
    (dir, db)
}

/// An instant in UTC milliseconds.
pub(crate) fn at(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis).expect("valid time")
}

/// Runs raw SQL, for set-up that no repository method does (loyalty figures, archiving).
pub(crate) fn exec(db: &Database, sql: &str) -> usize {
    let mut conn = db.conn().expect("connection");
    diesel::sql_query(sql).execute(&mut conn).expect(sql)
}
