//! [`RosterError`]: why a roster use case refused or failed.

use crm_core::{FieldError, RepoError};

/// The failures of roster use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// The last active owner cannot be archived.
    #[error("the last active owner cannot be archived")]
    LastOwner,
    /// The employee is the master of scheduled appointments that have not started yet.
    #[error("the employee has {count} upcoming appointments")]
    UpcomingAppointments {
        /// How many.
        count: i64,
    },
    /// No employee with that id.
    #[error("employee not found")]
    EmployeeNotFound,
    /// No category with that id.
    #[error("category not found")]
    CategoryNotFound,
    /// Invalid input.
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// A named category does not exist (422 on `category_id`).
    #[error("unknown category")]
    UnknownCategory,
    /// Named employees do not exist (422 on `employee_ids`).
    #[error("unknown employees: {0:?}")]
    UnknownEmployees(Vec<i64>),
    /// A unique field clashes with another employee's or category's.
    #[error("{field} is already used")]
    Duplicate {
        /// The clashing field.
        field: String,
    },
    /// The category is still used by this many active employees.
    #[error("category used by {count} employees")]
    CategoryInUse {
        /// How many.
        count: i64,
    },
    /// The employee already has an entry for that day.
    #[error("timesheet entry exists for that day")]
    DayTaken,
    /// The shift overlaps another of the employee's shifts.
    #[error("shift overlaps shift {other_id}")]
    ShiftOverlaps {
        /// The overlapped shift.
        other_id: i64,
    },
    /// The period's run is closed.
    #[error("payroll run {run_id} is closed")]
    RunClosed {
        /// The closed run.
        run_id: i64,
    },
    /// The caller may not do this (e.g. an admin granting the owner role).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The employee is archived.
    #[error("employee archived")]
    Archived,
    /// Someone else changed the card meanwhile, three times over.
    #[error("concurrent change")]
    ConcurrentChange,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for RosterError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Conflict {
                field: Some(field), ..
            } => RosterError::Duplicate { field },
            other => RosterError::Storage(other),
        }
    }
}

impl From<Vec<FieldError>> for RosterError {
    fn from(e: Vec<FieldError>) -> Self {
        RosterError::Validation(e)
    }
}
