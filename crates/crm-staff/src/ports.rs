//! The ports staff use cases need from storage.

use crate::model::{Employee, NewEmployee};
use crm_core::{EmployeeId, RepoError, Timestamp};

/// Storage of employees.
#[cfg_attr(test, mockall::automock)]
pub trait StaffRepository {
    /// The active employee with this Telegram id.
    fn find_active_by_telegram_id(&self, telegram_id: i64) -> Result<Option<Employee>, RepoError>;

    /// One employee, archived or not.
    fn get(&self, id: EmployeeId) -> Result<Option<Employee>, RepoError>;

    /// Stores a new employee; a clash of active Telegram ids is `Conflict` on `telegram_id`.
    fn insert(&self, employee: &NewEmployee) -> Result<Employee, RepoError>;

    /// Archives an active employee at `at`; `false` if there was no active employee with `id`.
    fn archive(&self, id: EmployeeId, at: Timestamp) -> Result<bool, RepoError>;
}

impl<T: StaffRepository + ?Sized> StaffRepository for std::sync::Arc<T> {
    fn find_active_by_telegram_id(&self, telegram_id: i64) -> Result<Option<Employee>, RepoError> {
        (**self).find_active_by_telegram_id(telegram_id)
    }
    fn get(&self, id: EmployeeId) -> Result<Option<Employee>, RepoError> {
        (**self).get(id)
    }
    fn insert(&self, employee: &NewEmployee) -> Result<Employee, RepoError> {
        (**self).insert(employee)
    }
    fn archive(&self, id: EmployeeId, at: Timestamp) -> Result<bool, RepoError> {
        (**self).archive(id, at)
    }
}
