//! [`TrafficError`]: why a traffic channel use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the traffic channel use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrafficError {
    /// No channel with that id.
    #[error("traffic channel not found")]
    NotFound,
    /// One or more fields are invalid.
    #[error("invalid traffic channel: {0:?}")]
    Validation(Vec<FieldError>),
    /// A unique field (the code) already belongs to another channel.
    #[error("{field} is already used by another traffic channel")]
    Duplicate {
        /// `code`.
        field: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for TrafficError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => TrafficError::NotFound,
            RepoError::Conflict {
                field: Some(field), ..
            } => TrafficError::Duplicate { field },
            other => TrafficError::Storage(other),
        }
    }
}
