//! The roster: employee cards with pay terms, categories, timesheets, planned shifts, payroll
//! runs, the change history of every card and the accruals export.
//!
//! [`service::Roster`] holds the use cases over the [`ports`]; [`payroll`] is the pure pay
//! arithmetic and [`history`] the pure per-field diff of a card. Rules are written down in
//! `docs/staff.md`.

pub mod error;
pub mod history;
pub mod model;
pub mod payroll;
pub mod ports;
pub mod service;

pub use error::RosterError;
pub use model::*;
pub use service::Roster;
