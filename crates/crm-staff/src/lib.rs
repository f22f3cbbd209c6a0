//! Staff: the people who run the business and what each may do.
//!
//! The foundation holds who an employee is (name, Telegram id, role, archived or not), the
//! first-owner bootstrap, and the look-ups sign-in and the staff guard need. The [`roster`]
//! sub-area manages the full employee card (pay terms, category, hire date), categories,
//! timesheets, planned shifts, payroll runs, the per-field change history and the accruals
//! export. Storage is reached through [`ports::StaffRepository`] and [`roster::ports`].

pub mod error;
pub mod model;
pub mod ports;
pub mod roster;
pub mod service;

pub use error::StaffError;
pub use model::{Employee, NewEmployee};
pub use ports::StaffRepository;
pub use service::StaffAccess;
