//! Staff: the people who run the business and what each may do.
//!
//! The foundation holds who an employee is (name, Telegram id, role, archived or not), the
//! first-owner bootstrap, and the look-ups sign-in and the staff guard need. Categories,
//! timesheets, schedules, payroll, change history and exports grow here as their own
//! sub-areas. Storage is reached through [`ports::StaffRepository`].

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::StaffError;
pub use model::{Employee, NewEmployee};
pub use ports::StaffRepository;
pub use service::StaffAccess;
