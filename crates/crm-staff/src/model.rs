//! Employees as sign-in and the staff guard see them.

use crm_core::{EmployeeId, FieldError, Role, Timestamp};

/// An employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    /// Id.
    pub id: EmployeeId,
    /// Full name.
    pub full_name: String,
    /// Telegram user id, if they sign in through Telegram.
    pub telegram_id: Option<i64>,
    /// What they may do (never `Role::Client`).
    pub role: Role,
    /// Archived employees cannot sign in and their tokens stop working.
    pub archived_at: Option<Timestamp>,
    /// Hired into the system.
    pub created_at: Timestamp,
}

impl Employee {
    /// Whether the employee works here now.
    pub fn is_active(&self) -> bool {
        self.archived_at.is_none()
    }
}

/// Command: add an employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmployee {
    /// Full name, 1–200 characters.
    pub full_name: String,
    /// Telegram user id.
    pub telegram_id: Option<i64>,
    /// A staff role.
    pub role: Role,
    /// When.
    pub at: Timestamp,
}

impl NewEmployee {
    /// Checks the command: a name, a positive Telegram id, a staff role.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name_chars = self.full_name.trim().chars().count();
        if name_chars == 0 || name_chars > 200 {
            errors.push(FieldError::new("full_name", "must be 1 to 200 characters"));
        }
        if self.telegram_id.is_some_and(|id| id <= 0) {
            errors.push(FieldError::new(
                "telegram_id",
                "must be a positive Telegram user id",
            ));
        }
        if !self.role.is_staff() {
            errors.push(FieldError::new("role", "must be a staff role"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
