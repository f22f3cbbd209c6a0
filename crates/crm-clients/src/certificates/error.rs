//! [`CertificateError`]: why a certificate use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of the certificate use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// No certificate with that code (or the code is not well-formed).
    #[error("certificate not found")]
    NotFound,
    /// No certificate type with that id (the type addressed by a path).
    #[error("certificate type not found")]
    TypeNotFound,
    /// A sale names a type that does not exist.
    #[error("no certificate type with this id")]
    UnknownType,
    /// A sale names an archived type: it is no longer on sale.
    #[error("the certificate type is archived and cannot be sold")]
    TypeArchived,
    /// A sale names an owner that is not a client.
    #[error("no client with this id")]
    UnknownOwner,
    /// One or more fields are invalid.
    #[error("invalid certificate: {0:?}")]
    Validation(Vec<FieldError>),
    /// No unused code could be drawn (the generator failed or kept clashing).
    #[error("no unused certificate code could be generated")]
    CodeUnavailable,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for CertificateError {
    fn from(e: RepoError) -> Self {
        CertificateError::Storage(e)
    }
}
