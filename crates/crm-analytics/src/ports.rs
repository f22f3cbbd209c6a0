//! The ports every analytics use case shares. Each area (sales, audience, control tower) adds
//! its own figures port in its own module; they all need the business's calendar.

use crm_core::RepoError;

/// Where the business lives in time: its IANA timezone from the system settings.
#[cfg_attr(test, mockall::automock)]
pub trait BusinessCalendar {
    /// The IANA timezone name (`Europe/Moscow` when none is set).
    fn timezone(&self) -> Result<String, RepoError>;
}

impl<T: BusinessCalendar + ?Sized> BusinessCalendar for std::sync::Arc<T> {
    fn timezone(&self) -> Result<String, RepoError> {
        (**self).timezone()
    }
}
