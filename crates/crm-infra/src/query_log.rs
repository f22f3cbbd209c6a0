//! A query recorder for tests (feature `test-support`): while recording is on, every pooled
//! connection notes the SQL text of each statement it runs (without bind values), and
//! [`explain`] shows SQLite's plan for a recorded statement. The index guard of the HTTP tests
//! uses it to find list, filter and analytics queries that scan a large table.
//!
//! Every pooled connection gets the recorder when it is opened; the recorder does nothing but
//! read one flag while recording is off. Builds without `test-support` do not contain it.

use crate::db::Database;
use crate::error::map_diesel_error;
use crm_core::RepoError;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection as _, QueryableByName, RunQueryDsl, SqliteConnection};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Whether statements are being recorded now.
static RECORDING: AtomicBool = AtomicBool::new(false);

/// The statements recorded since the last [`start`], in the order they ran.
static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The separator Diesel puts between a statement and its bind values in its text form.
const BINDS_MARKER: &str = " -- binds: ";

fn statements() -> MutexGuard<'static, Vec<String>> {
    STATEMENTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Clears what was recorded and starts recording the statements of every pooled connection.
pub fn start() {
    statements().clear();
    RECORDING.store(true, Ordering::SeqCst);
}

/// Stops recording and returns the statements recorded since [`start`].
pub fn stop() -> Vec<String> {
    RECORDING.store(false, Ordering::SeqCst);
    std::mem::take(&mut *statements())
}

/// Returns the statements recorded so far and clears the record; recording goes on.
pub fn take() -> Vec<String> {
    std::mem::take(&mut *statements())
}

/// The recorder installed on each pooled connection.
struct Recorder;

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if !RECORDING.load(Ordering::Relaxed) {
            return;
        }
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            let sql = text
                .rfind(BINDS_MARKER)
                .map_or(text.as_str(), |at| &text[..at])
                .trim();
            if !sql.is_empty() {
                statements().push(sql.to_owned());
            }
        }
    }
}

/// Puts the recorder on a freshly opened connection (called by the pool's customizer).
pub(crate) fn attach(conn: &mut SqliteConnection) {
    conn.set_instrumentation(Recorder);
}

/// One row of `EXPLAIN QUERY PLAN`.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PlanRow {
    /// The node's id.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The id of the parent node (0 at the top).
    #[diesel(sql_type = BigInt)]
    pub parent: i64,
    /// What SQLite does at this step, e.g. `SCAN clients` or
    /// `SEARCH operations USING INDEX operations_by_client (client_id=?)`.
    #[diesel(sql_type = Text)]
    pub detail: String,
}

/// SQLite's plan for `sql` (a recorded statement; its `?` parameters stay unbound) on `db`.
pub fn explain(db: &Database, sql: &str) -> Result<Vec<PlanRow>, RepoError> {
    let mut conn = db.conn()?;
    let was = RECORDING.swap(false, Ordering::SeqCst);
    let plan = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(&mut conn)
        .map_err(map_diesel_error);
    RECORDING.store(was, Ordering::SeqCst);
    plan
}

/// Runs a batch of SQL statements on `db` (test set-up that no repository does).
pub fn execute_batch(db: &Database, sql: &str) -> Result<(), RepoError> {
    use diesel::connection::SimpleConnection;
    let mut conn = db.conn()?;
    conn.batch_execute(sql).map_err(map_diesel_error)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{exec, fresh_db};

    #[test]
    fn records_statements_without_binds_and_explains_them() {
        let (_dir, db) = fresh_db();
        start();
        exec(&db, "SELECT count(*) FROM clients WHERE id = 7");
        let recorded = stop();
        assert!(
            recorded
                .iter()
                .any(|s| s.contains("FROM clients WHERE id = 7")),
            "{recorded:?}"
        );
        assert!(recorded.iter().all(|s| !s.contains("-- binds")));
        // Other tests of this binary run in parallel on their own databases: look for this
        // statement only, not for an empty record.
        exec(&db, "SELECT 1 AS off_marker");
        assert!(
            !take().iter().any(|s| s.contains("off_marker")),
            "nothing is recorded while off"
        );
        let plan = explain(&db, "SELECT * FROM clients WHERE id = ?").unwrap();
        assert!(
            plan.iter()
                .any(|row| row.detail.starts_with("SEARCH clients")),
            "{plan:?}"
        );
        assert!(explain(&db, "SELECT * FROM no_such_table").is_err());
    }
}
