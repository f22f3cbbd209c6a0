//! [`ClientError`]: why a client use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the client base's use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No client with that id.
    #[error("client not found")]
    NotFound,
    /// One or more fields are invalid.
    #[error("invalid client: {0:?}")]
    Validation(Vec<FieldError>),
    /// A unique field (phone, Telegram ID) already belongs to another client.
    #[error("{field} is already used by another client")]
    Duplicate {
        /// `phone` or `telegram_id`.
        field: String,
    },
    /// The client changed while this update was being made, more often than retries allow.
    #[error("the client was changed concurrently; retry")]
    ConcurrentChange,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl ClientError {
    /// A single-field validation error.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<RepoError> for ClientError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ClientError::NotFound,
            RepoError::Conflict {
                field: Some(field), ..
            } => ClientError::Duplicate { field },
            other => ClientError::Storage(other),
        }
    }
}
