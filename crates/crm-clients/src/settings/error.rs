//! [`SettingsError`]: why a settings or levels use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the settings and levels use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// One or more fields are invalid.
    #[error("invalid settings: {0:?}")]
    Validation(Vec<FieldError>),
    /// No level with that id.
    #[error("level not found")]
    LevelNotFound,
    /// The settings changed while this update was being made, more often than retries allow.
    #[error("the settings were changed concurrently; retry")]
    ConcurrentChange,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for SettingsError {
    fn from(e: RepoError) -> Self {
        SettingsError::Storage(e)
    }
}
