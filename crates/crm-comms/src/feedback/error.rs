//! [`FeedbackError`]: why a feedback use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the feedback use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    /// No feedback with that id.
    #[error("feedback not found")]
    NotFound,
    /// No client with that id.
    #[error("client not found")]
    ClientNotFound,
    /// No product or service with that id.
    #[error("product not found")]
    ProductNotFound,
    /// No appointment with that id for this client.
    #[error("appointment not found")]
    AppointmentNotFound,
    /// The appointment cannot be rated: it was cancelled, the client did not come, or it has
    /// not started yet.
    #[error("an appointment that is {status} cannot be rated")]
    AppointmentNotRateable {
        /// Why: `cancelled`, `no_show` or `not_started`.
        status: &'static str,
    },
    /// No operation with that id for this client.
    #[error("operation not found")]
    OperationNotFound,
    /// One or more fields are invalid.
    #[error("invalid feedback: {0:?}")]
    Validation(Vec<FieldError>),
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for FeedbackError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => FeedbackError::NotFound,
            other => FeedbackError::Storage(other),
        }
    }
}

/// Why an answer was not recorded: the feedback use case refused, or sending it failed (the
/// sender's own error, e.g. a dialogue's consent or contact refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerFailure<E> {
    /// The feedback or the answer was refused before anything was sent, or recording failed.
    Feedback(FeedbackError),
    /// The message could not be sent; nothing was recorded.
    Send(E),
}

impl<E> From<FeedbackError> for AnswerFailure<E> {
    fn from(e: FeedbackError) -> Self {
        AnswerFailure::Feedback(e)
    }
}
