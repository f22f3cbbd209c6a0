//! [`AnalyticsError`]: why a use case of this crate refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of this crate's use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyticsError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// One or more fields are invalid.
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
}
