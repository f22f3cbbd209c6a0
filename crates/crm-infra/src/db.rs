//! The SQLite database: where it lives (`DATABASE_URL`), the connection pool with its pragmas,
//! the embedded migrations and the readiness ping.

use crate::error::{map_diesel_error, map_pool_error, InfraError};
use crm_core::RepoError;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection as _, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use parking_lot::{Mutex, MutexGuard};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where the database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_PATH: &str = "./data/app.db";

/// How long a caller waits for a free pooled connection before giving up.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a purchase or refund waits for its turn at the write gate (as long as SQLite's
/// `busy_timeout`).
pub(crate) const WRITE_GATE_WAIT: Duration = Duration::from_secs(5);

/// The migrations of `migrations/`, compiled into the binary.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// A pooled SQLite connection.
pub(crate) type Connection = PooledConnection<ConnectionManager<SqliteConnection>>;

/// Turns `DATABASE_URL` into the path of the SQLite file.
///
/// Accepted: nothing or an empty text (→ [`DEFAULT_DATABASE_PATH`]), a plain path
/// (`data/app.db`, `/abs/app.db`), `sqlite://PATH`, SQLAlchemy's `sqlite:///REL` (three
/// slashes: relative) and `sqlite:////ABS` (four slashes: absolute), and `sqlite:PATH`. A
/// `?query` suffix is ignored. Relative paths are relative to the working directory. An
/// in-memory database (`:memory:`) and every other scheme (`postgres://...`) are refused:
/// the service needs one file that every pooled connection shares.
pub fn database_path(url: Option<&str>) -> Result<PathBuf, InfraError> {
    let raw = url.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Ok(PathBuf::from(DEFAULT_DATABASE_PATH));
    }
    let without_query = raw.split_once('?').map_or(raw, |(path, _)| path);
    let path = match without_query.strip_prefix("sqlite:") {
        Some(rest) => match rest.strip_prefix("//") {
            // `sqlite:////ABS`: the fourth slash starts an absolute path.
            Some(after) if after.starts_with("//") => &after[1..],
            // `sqlite:///REL`: the third slash only separates an empty host.
            Some(after) => after.strip_prefix('/').unwrap_or(after),
            None => rest,
        },
        None => without_query,
    };
    if path.is_empty() {
        return Err(InfraError::InvalidDatabaseUrl(format!(
            "`{raw}` names no file; use e.g. sqlite://./data/app.db"
        )));
    }
    if path == ":memory:" || path.starts_with("file::memory:") {
        return Err(InfraError::InvalidDatabaseUrl(
            "an in-memory database is not supported: every pooled connection must see the \
             same data; give a file path such as ./data/app.db"
                .to_owned(),
        ));
    }
    if let Some(scheme) = url_scheme(path) {
        return Err(InfraError::InvalidDatabaseUrl(format!(
            "unsupported scheme `{scheme}:` in `{raw}`; only SQLite files are supported, \
             e.g. sqlite://./data/app.db or a plain path"
        )));
    }
    Ok(PathBuf::from(path))
}

/// The scheme of a URL-like text (`postgres` of `postgres://...`). One letter is not a scheme,
/// so a Windows drive (`C:\data`) stays a path.
fn url_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (valid && scheme.len() > 1).then_some(scheme)
}

/// Settings every pooled connection gets when it is opened.
///
/// - `busy_timeout = 5000`: a writer waits up to 5 s for another one instead of failing at once.
/// - `journal_mode = WAL`: readers do not block the writer and the writer does not block them.
/// - `synchronous = NORMAL`: in WAL mode this loses no committed transaction when the process
///   crashes; only a power loss or OS crash may roll back the last few commits (the database
///   stays consistent). That is the trade chosen for a CRM: `FULL` would fsync on every commit.
/// - `foreign_keys = ON`: SQLite enforces `REFERENCES` only when asked, per connection.
#[derive(Debug, Clone, Copy)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        #[cfg(any(test, feature = "test-support"))]
        crate::query_log::attach(conn);
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The database: a pool of SQLite connections to one file. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    path: Arc<Path>,
    write_gate: Arc<Mutex<()>>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .field("pool_size", &self.pool.max_size())
            .finish()
    }
}

impl Database {
    /// Opens (creating the parent directory and the file if missing) with a pool of
    /// `pool_size` connections, each with the pragmas of a well-behaved SQLite service.
    pub fn open(url: Option<&str>, pool_size: u32) -> Result<Database, InfraError> {
        if pool_size == 0 {
            return Err(InfraError::Pool(
                "the pool needs at least one connection".to_owned(),
            ));
        }
        let path = database_path(url)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                InfraError::Io(format!("cannot create directory {}: {e}", parent.display()))
            })?;
        }
        let file = path.to_str().ok_or_else(|| {
            InfraError::InvalidDatabaseUrl(format!("{} is not valid UTF-8", path.display()))
        })?;
        // Switch the file to WAL once, on a single connection: the mode is persistent, and
        // doing it here keeps the pool's connections from racing for the exclusive lock the
        // switch needs (a fresh file would otherwise log "database is locked" at start-up).
        let mut first = SqliteConnection::establish(file)
            .map_err(|e| InfraError::Pool(format!("cannot open {}: {e}", path.display())))?;
        first
            .batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
            .map_err(|e| {
                InfraError::Pool(format!("cannot switch {} to WAL: {e}", path.display()))
            })?;
        drop(first);
        let manager = ConnectionManager::<SqliteConnection>::new(file);
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(CONNECTION_TIMEOUT)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(manager)
            .map_err(|e| InfraError::Pool(format!("cannot open {}: {e}", path.display())))?;
        Ok(Database {
            pool,
            path: Arc::from(path),
            write_gate: Arc::new(Mutex::new(())),
        })
    }

    /// Runs pending embedded migrations; returns the versions applied now (empty when the
    /// database was already up to date).
    pub fn run_migrations(&self) -> Result<Vec<String>, InfraError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| InfraError::Pool(e.to_string()))?;
        let applied: Vec<String> = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| InfraError::Migration(e.to_string()))?
            .iter()
            .map(ToString::to_string)
            .collect();
        crate::staff::refresh_name_search(&mut conn)
            .map_err(|e| InfraError::Migration(e.to_string()))?;
        Ok(applied)
    }

    /// `SELECT 1` on a pooled connection; for the readiness probe.
    pub fn ping(&self) -> Result<(), crm_core::RepoError> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map_err(map_diesel_error)?;
        Ok(())
    }

    /// Writes a consistent copy of the live database to the new file `target` with
    /// `VACUUM INTO` (safe while the server writes: the copy is one read transaction's
    /// snapshot, compacted, in rollback-journal mode and without `-wal`/`-shm` files) and
    /// returns its size in bytes. An existing `target` is refused, never overwritten.
    pub fn backup(&self, target: &Path) -> Result<u64, InfraError> {
        if target.exists() {
            return Err(InfraError::Io(format!(
                "{} already exists; choose a new file (a backup never overwrites one)",
                target.display()
            )));
        }
        let text = target
            .to_str()
            .ok_or_else(|| InfraError::Io(format!("{} is not valid UTF-8", target.display())))?;
        let mut conn = self
            .pool
            .get()
            .map_err(|e| InfraError::Pool(e.to_string()))?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(text)
            .execute(&mut conn)
            .map_err(|e| InfraError::Io(format!("cannot back up to {}: {e}", target.display())))?;
        std::fs::metadata(target)
            .map(|meta| meta.len())
            .map_err(|e| InfraError::Io(format!("cannot read {}: {e}", target.display())))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The gate of this process's purchase and refund transactions: take it before checking
    /// out the connection that writes, drop it after the commit. Writers then queue here and
    /// the next one starts the moment the previous one commits, instead of SQLite's busy
    /// handler sleeping 1, 2, 5, 10… ms between retries of `BEGIN IMMEDIATE` (under 32
    /// concurrent purchases those sleeps cost most of the throughput and the p99). Readers never
    /// take it; other processes and other writers still meet `busy_timeout`. A writer waits at
    /// most [`WRITE_GATE_WAIT`] for its turn and is then told the database is busy (503 with
    /// `Retry-After`), so a long lock held elsewhere never queues requests without bound.
    pub(crate) fn write_gate(&self) -> Result<MutexGuard<'_, ()>, RepoError> {
        self.write_gate
            .try_lock_for(WRITE_GATE_WAIT)
            .ok_or(RepoError::Busy)
    }

    /// A pooled connection, waiting at most the pool's connection timeout.
    pub(crate) fn conn(&self) -> Result<Connection, RepoError> {
        self.pool.get().map_err(map_pool_error)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use diesel::sql_types::{BigInt, Text};
    use diesel::QueryableByName;

    fn path(url: &str) -> Result<PathBuf, InfraError> {
        database_path(Some(url))
    }

    #[test]
    fn accepts_every_documented_url_form() {
        let cases = [
            ("data/app.db", "data/app.db"),
            ("/abs/app.db", "/abs/app.db"),
            ("./data/app.db", "./data/app.db"),
            ("sqlite://./data/app.db", "./data/app.db"),
            ("sqlite://data/app.db", "data/app.db"),
            ("sqlite:///../data/app.db", "../data/app.db"),
            ("sqlite:///./data/app.db", "./data/app.db"),
            ("sqlite:///data/app.db", "data/app.db"),
            ("sqlite:////var/lib/crm/app.db", "/var/lib/crm/app.db"),
            ("sqlite:data/app.db", "data/app.db"),
            ("sqlite:/abs/app.db", "/abs/app.db"),
            ("sqlite://./data/app.db?mode=rwc", "./data/app.db"),
            ("data/app.db?cache=shared", "data/app.db"),
            ("  sqlite://./data/app.db  ", "./data/app.db"),
        ];
        for (url, expected) in cases {
            assert_eq!(path(url), Ok(PathBuf::from(expected)), "{url}");
        }
    }

    #[test]
    fn defaults_when_unset_or_empty() {
        let default = Ok(PathBuf::from("./data/app.db"));
        assert_eq!(database_path(None), default);
        assert_eq!(database_path(Some("")), default);
        assert_eq!(database_path(Some("   ")), default);
    }

    #[test]
    fn refuses_memory_and_other_schemes() {
        for url in [
            ":memory:",
            "sqlite::memory:",
            "sqlite://:memory:",
            "file::memory:?cache=shared",
            "postgres://user:pw@localhost/crm",
            "mysql://localhost/crm",
            "file:data/app.db",
            "sqlite://",
            "sqlite:",
            "sqlite:///",
            "?mode=ro",
        ] {
            match path(url) {
                Err(InfraError::InvalidDatabaseUrl(message)) => {
                    assert!(!message.is_empty(), "{url}");
                }
                other => panic!("{url} gave {other:?}"),
            }
        }
        let Err(InfraError::InvalidDatabaseUrl(message)) = path("postgres://localhost/crm") else {
            panic!("postgres accepted");
        };
        assert!(message.contains("postgres"), "{message}");
        let Err(InfraError::InvalidDatabaseUrl(message)) = path(":memory:") else {
            panic!(":memory: accepted");
        };
        assert!(message.contains("in-memory"), "{message}");
    }

    #[test]
    fn open_creates_the_directory_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/app.db");
        assert!(!file.parent().unwrap().exists());
        // SQLAlchemy's four-slash form of an absolute path (`sqlite:////tmp/...`).
        let url = format!("sqlite:///{}", file.display());
        let db = Database::open(Some(&url), 2).unwrap();
        assert!(file.is_file(), "{} was not created", file.display());
        assert_eq!(db.path(), file.as_path());
        db.ping().unwrap();
    }

    #[test]
    fn a_zero_pool_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.db");
        assert!(matches!(
            Database::open(file.to_str(), 0),
            Err(InfraError::Pool(_))
        ));
    }

    #[derive(QueryableByName)]
    struct JournalMode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }

    #[derive(QueryableByName)]
    struct Pragma {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }

    /// Reads an integer pragma through its table-valued function, whose column is `column`.
    fn pragma(conn: &mut Connection, name: &str, column: &str) -> i64 {
        diesel::sql_query(format!("SELECT {column} AS value FROM pragma_{name}"))
            .get_result::<Pragma>(conn)
            .unwrap()
            .value
    }

    #[test]
    fn every_pooled_connection_has_the_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("app.db").to_str(), 3).unwrap();
        // Hold all three at once, so each one is a distinct pooled connection.
        let mut conns: Vec<Connection> = (0..3).map(|_| db.conn().unwrap()).collect();
        for conn in &mut conns {
            let mode = diesel::sql_query("PRAGMA journal_mode")
                .get_result::<JournalMode>(conn)
                .unwrap();
            assert_eq!(mode.journal_mode, "wal");
            assert_eq!(pragma(conn, "foreign_keys", "foreign_keys"), 1);
            assert_eq!(pragma(conn, "busy_timeout", "timeout"), 5000);
            // NORMAL is 1 (OFF 0, FULL 2, EXTRA 3).
            assert_eq!(pragma(conn, "synchronous", "synchronous"), 1);
        }
    }

    #[test]
    fn migrations_apply_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("app.db").to_str(), 2).unwrap();
        let first = db.run_migrations().unwrap();
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
            .unwrap()
            .filter(|entry| entry.as_ref().is_ok_and(|e| e.path().is_dir()))
            .count();
        assert_eq!(first.len(), on_disk, "every migration applies: {first:?}");
        assert_eq!(first.first().map(String::as_str), Some("20261124000001"));
        assert_eq!(db.run_migrations().unwrap(), Vec::<String>::new());
        // A second pool on the same file sees the schema as current, too.
        let again = Database::open(dir.path().join("app.db").to_str(), 1).unwrap();
        assert!(again.run_migrations().unwrap().is_empty());
        let mut conn = db.conn().unwrap();
        let tables = diesel::sql_query(
            "SELECT count(*) AS value FROM sqlite_master WHERE type = 'table' AND name IN \
             ('clients', 'client_tags', 'client_consent_events', 'employees', \
              'loyalty_levels', 'traffic_channels')",
        )
        .get_result::<Pragma>(&mut conn)
        .unwrap();
        assert_eq!(tables.value, 6);
    }
}
