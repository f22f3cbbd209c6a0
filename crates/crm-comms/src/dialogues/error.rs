//! [`DialogueError`]: why a dialogue use case refused or failed.

use crm_core::{Channel, ClientId, FieldError, RepoError};

/// The failures of the dialogue use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogueError {
    /// No client with that id.
    #[error("client not found")]
    ClientNotFound,
    /// Some clients of an explicit list do not exist.
    #[error("unknown clients: {0:?}")]
    UnknownClients(Vec<ClientId>),
    /// The client has not given the consent the message needs (personal data for a reply).
    #[error("the client has not consented to the processing of personal data")]
    NoConsent,
    /// The client has no address on the chosen channel.
    #[error("the client has no contact for the {channel} channel")]
    NoContact {
        /// The channel asked for.
        channel: Channel,
    },
    /// A group send would reach nobody (no recipients given, or none left to address).
    #[error("the group send has no recipients")]
    NoRecipients,
    /// The `Idempotency-Key` was used for a different group send.
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyKeyReused,
    /// The group send made under this `Idempotency-Key` is still being queued.
    #[error("the group send with this Idempotency-Key is still being queued")]
    GroupSendInProgress,
    /// One or more fields are invalid.
    #[error("invalid message: {0:?}")]
    Validation(Vec<FieldError>),
    /// Storage failed.
    #[error(transparent)]
    Repo(RepoError),
}

impl From<RepoError> for DialogueError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => DialogueError::ClientNotFound,
            other => DialogueError::Repo(other),
        }
    }
}
