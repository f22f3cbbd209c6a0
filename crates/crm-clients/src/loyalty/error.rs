//! [`OperationError`]: why a purchase, refund or look-up was refused.

use crm_core::{FieldError, Money, Points, RepoError};

/// The failures of the loyalty engine's use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperationError {
    /// The client named does not exist.
    #[error("no such client")]
    ClientNotFound,
    /// No such operation.
    #[error("operation not found")]
    NotFound,
    /// Invalid input.
    #[error("invalid operation: {0:?}")]
    Validation(Vec<FieldError>),
    /// More points than may be spent.
    #[error("at most {allowed} points may be spent")]
    TooManyPoints {
        /// The allowed maximum.
        allowed: Points,
    },
    /// The cashier's expected cash disagrees with the computation.
    #[error("cash to pay is {computed}, not {stated}")]
    CashMismatch {
        /// What the request stated.
        stated: Money,
        /// What the computation gives.
        computed: Money,
    },
    /// Only purchases can be refunded.
    #[error("only a purchase can be refunded")]
    NotAPurchase,
    /// The refund is larger than what is left of the purchase.
    #[error("at most {left} can be refunded")]
    RefundExceedsPurchase {
        /// What is left to refund.
        left: Money,
    },
    /// The certificate cannot pay.
    #[error("the certificate cannot pay: {0}")]
    CertificateRefused(crate::certificates::CertificateRefusal),
    /// The payment code is unknown, used or expired.
    #[error("the payment code is invalid or expired")]
    PaymentCodeInvalid,
    /// Spending points needs the client's payment code (or an owner/admin).
    #[error("spending points needs the client's payment code")]
    PaymentCodeRequired,
    /// The idempotency key was used for a different request.
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    /// Concurrent changes kept the operation from committing after retries.
    #[error("the client's balance changed concurrently; retry")]
    ConcurrentChange,
    /// A line of goods cannot be sold; nothing was recorded.
    #[error("item {} cannot be sold: {:?}", .0.index, .0.problem)]
    SaleLineRefused(super::operations::SaleLineRefusal),
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for OperationError {
    fn from(e: RepoError) -> Self {
        OperationError::Storage(e)
    }
}
