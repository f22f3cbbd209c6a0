//! Errors of the adapters: [`InfraError`] for start-up (URL, pool, migrations) and the one
//! mapping of Diesel and pool errors into the ports' [`RepoError`].

use crm_core::{RepoError, Timestamp};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Why the database could not be opened or brought up to date at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InfraError {
    /// `DATABASE_URL` is not a SQLite file this service can use.
    #[error("invalid DATABASE_URL: {0}")]
    InvalidDatabaseUrl(String),
    /// The connection pool could not be built or a connection could not be opened.
    #[error("database pool: {0}")]
    Pool(String),
    /// A migration failed.
    #[error("database migration: {0}")]
    Migration(String),
    /// The file system refused (e.g. the data directory could not be created).
    #[error("database file: {0}")]
    Io(String),
}

/// A [`RepoError`] that Diesel errors convert into, so `?` works inside transactions.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) RepoError);

impl From<DieselError> for Failure {
    fn from(error: DieselError) -> Self {
        Failure(map_diesel_error(error))
    }
}

impl From<RepoError> for Failure {
    fn from(error: RepoError) -> Self {
        Failure(error)
    }
}

impl From<Failure> for RepoError {
    fn from(failure: Failure) -> Self {
        failure.0
    }
}

/// The one mapping of a Diesel error into a [`RepoError`]: missing row → `NotFound`, unique
/// clash → `Conflict` naming the column, foreign key or CHECK clash (a guard such as `points_balance >= 0`) → `Conflict` without a field, a locked
/// or busy database → `Busy`, anything else → `Unavailable` with the cause for the logs.
pub(crate) fn map_diesel_error(error: DieselError) -> RepoError {
    match error {
        DieselError::NotFound => RepoError::NotFound,
        DieselError::DatabaseError(kind, info) => {
            let message = info.message().to_owned();
            match kind {
                DatabaseErrorKind::UniqueViolation => {
                    let field = unique_violation_column(&message);
                    let message = match &field {
                        Some(field) => format!("{field} is already in use"),
                        None => message,
                    };
                    RepoError::Conflict { field, message }
                }
                DatabaseErrorKind::ForeignKeyViolation | DatabaseErrorKind::CheckViolation => {
                    RepoError::Conflict {
                        field: None,
                        message,
                    }
                }
                _ if is_busy(&message) => RepoError::Busy,
                _ => RepoError::Unavailable(message),
            }
        }
        other => {
            let message = other.to_string();
            if is_busy(&message) {
                RepoError::Busy
            } else {
                RepoError::Unavailable(message)
            }
        }
    }
}

/// A pool checkout that failed (timeout, or the file cannot be opened).
pub(crate) fn map_pool_error(error: diesel::r2d2::PoolError) -> RepoError {
    RepoError::Unavailable(format!("no database connection: {error}"))
}

/// A stored value that the domain refuses: the data were changed behind the service's back.
pub(crate) fn corrupt(what: &str, id: i64) -> RepoError {
    RepoError::Unavailable(format!("stored {what} of row {id} is invalid"))
}

/// A stored instant (UTC millis), or the row is corrupt.
pub(crate) fn stored_time(millis: i64, what: &str, id: i64) -> Result<Timestamp, RepoError> {
    Timestamp::from_unix_millis(millis).ok_or_else(|| corrupt(what, id))
}

fn is_busy(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("database is locked") || message.contains("busy")
}

/// The column of SQLite's `UNIQUE constraint failed: clients.phone` (`phone`). A clash on
/// several columns at once names no single field, so it gives `None`, like an index on an
/// expression (`UNIQUE constraint failed: index 'name'`).
fn unique_violation_column(message: &str) -> Option<String> {
    let columns = message.split_once("UNIQUE constraint failed:")?.1.trim();
    if columns.is_empty() || columns.contains(',') || columns.starts_with("index ") {
        return None;
    }
    let column = columns.rsplit('.').next()?.trim();
    (!column.is_empty()).then(|| column.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &'static str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn unique_clashes_name_the_column() {
        assert_eq!(
            map_diesel_error(database_error(
                DatabaseErrorKind::UniqueViolation,
                "UNIQUE constraint failed: clients.phone"
            )),
            RepoError::Conflict {
                field: Some("phone".into()),
                message: "phone is already in use".into()
            }
        );
        assert_eq!(
            unique_violation_column("UNIQUE constraint failed: employees.telegram_id"),
            Some("telegram_id".into())
        );
        assert_eq!(
            unique_violation_column(
                "UNIQUE constraint failed: client_tags.client_id, client_tags.tag"
            ),
            None
        );
        assert_eq!(
            unique_violation_column("UNIQUE constraint failed: index 'by_lower_name'"),
            None
        );
    }

    #[test]
    fn other_errors_map_by_kind_and_message() {
        assert_eq!(map_diesel_error(DieselError::NotFound), RepoError::NotFound);
        assert_eq!(
            map_diesel_error(database_error(
                DatabaseErrorKind::ForeignKeyViolation,
                "FOREIGN KEY constraint failed"
            )),
            RepoError::Conflict {
                field: None,
                message: "FOREIGN KEY constraint failed".into()
            }
        );
        assert_eq!(
            map_diesel_error(database_error(
                DatabaseErrorKind::Unknown,
                "database is locked"
            )),
            RepoError::Busy
        );
        assert_eq!(
            map_diesel_error(database_error(
                DatabaseErrorKind::CheckViolation,
                "CHECK constraint failed: points_balance >= 0"
            )),
            RepoError::Conflict {
                field: None,
                message: "CHECK constraint failed: points_balance >= 0".into()
            }
        );
        assert!(matches!(
            map_diesel_error(DieselError::BrokenTransactionManager),
            RepoError::Unavailable(_)
        ));
    }
}
