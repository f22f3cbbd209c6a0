//! [`NewsError`]: why a news use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the news use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewsError {
    /// No post with that id (or, from the Mini App, not one visible in the feed now).
    #[error("news post not found")]
    NotFound,
    /// The client named does not exist.
    #[error("client not found")]
    ClientNotFound,
    /// The caller may not report for someone else.
    #[error("{0}")]
    Forbidden(String),
    /// The post was changed since the version the edit was made from.
    #[error("the news post is at version {current}, not the one the change was made from")]
    VersionConflict {
        /// The stored version.
        current: i64,
    },
    /// One or more fields are invalid.
    #[error("invalid news request: {0:?}")]
    Validation(Vec<FieldError>),
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl NewsError {
    /// A validation error on one field.
    pub fn field(field: &str, message: &str) -> Self {
        NewsError::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<RepoError> for NewsError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => NewsError::NotFound,
            other => NewsError::Storage(other),
        }
    }
}
