//! [`RepoError`]: what a storage port reports when it cannot do what was asked.

/// A storage failure, independent of the engine behind the port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or consistency rule refused the write; `field` names the clashing field
    /// when known.
    #[error("conflict on {field:?}: {message}")]
    Conflict {
        /// The field whose value clashes, e.g. `phone`.
        field: Option<String>,
        /// What clashed, for people.
        message: String,
    },
    /// The database is busy (locked by another writer beyond the timeout); retry later.
    #[error("storage busy")]
    Busy,
    /// The database cannot be reached or failed; the cause is for logs only.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}
