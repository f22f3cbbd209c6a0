//! [`ReminderError`]: why a reminder use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the reminder use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReminderError {
    /// One or more rule fields are invalid; nothing was written.
    #[error("invalid reminder rules: {0:?}")]
    Validation(Vec<FieldError>),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
}
