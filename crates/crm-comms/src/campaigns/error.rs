//! [`CampaignError`]: why a campaign use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the campaign use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    /// No campaign with that id.
    #[error("campaign not found")]
    NotFound,
    /// No delivery with that id (or not one of this campaign / client).
    #[error("delivery not found")]
    DeliveryNotFound,
    /// One or more fields are invalid.
    #[error("invalid campaign: {0:?}")]
    Validation(Vec<FieldError>),
    /// A wizard step came before the steps it needs.
    #[error("{0}")]
    StepOutOfOrder(String),
    /// The campaign was launched (or closed) and can no longer be changed or launched.
    #[error("{0}")]
    NotEditable(String),
    /// The requested status change is not allowed from the campaign's current status.
    #[error("{0}")]
    InvalidTransition(String),
    /// Nobody would receive the campaign after consent, contact and cap filtering.
    #[error("the audience is empty after consent, contact and frequency filtering")]
    EmptyAudience,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for CampaignError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => CampaignError::NotFound,
            other => CampaignError::Storage(other),
        }
    }
}
