//! [`AppointmentError`]: why an appointment use case refused or failed.

use crate::appointments::model::AppointmentStatus;
use crm_core::{FieldError, RepoError};

/// The failures of the appointment use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentError {
    /// No appointment with that id (or not the client's own).
    #[error("appointment not found")]
    NotFound,
    /// One or more fields are invalid (unknown client, service or employee included).
    #[error("invalid appointment: {0:?}")]
    Validation(Vec<FieldError>),
    /// Another scheduled appointment of the employee overlaps the slot.
    #[error("the employee already has an appointment at this time")]
    SlotTaken,
    /// The client already has another scheduled appointment (with any master) overlapping
    /// the slot.
    #[error("the client already has an appointment at this time")]
    ClientBusy,
    /// Completed or no-show asked for before the appointment's start.
    #[error("the appointment has not started yet")]
    NotStarted,
    /// The status change is not allowed from the current status.
    #[error("an appointment cannot go from {from} to {to}")]
    InvalidTransition {
        /// The stored status.
        from: AppointmentStatus,
        /// The status asked for.
        to: AppointmentStatus,
    },
    /// The status changed meanwhile (a concurrent change won).
    #[error("the appointment's status changed meanwhile")]
    ConcurrentChange,
    /// The appointment has already started; the client can no longer cancel it.
    #[error("the appointment has already started")]
    AlreadyStarted,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for AppointmentError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => AppointmentError::NotFound,
            other => AppointmentError::Storage(other),
        }
    }
}
