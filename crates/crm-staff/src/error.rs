//! [`StaffError`]: why a staff use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of staff use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    /// No active employee with that id.
    #[error("employee not found")]
    NotFound,
    /// Invalid input.
    #[error("invalid employee: {0:?}")]
    Validation(Vec<FieldError>),
    /// The Telegram id already belongs to another active employee.
    #[error("{field} is already used by another employee")]
    Duplicate {
        /// The clashing field.
        field: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for StaffError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => StaffError::NotFound,
            RepoError::Conflict {
                field: Some(field), ..
            } => StaffError::Duplicate { field },
            other => StaffError::Storage(other),
        }
    }
}
