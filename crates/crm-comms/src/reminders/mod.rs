//! Appointment reminders: a rule per offset before the start (1 hour, 4 hours, 1 day, 1 week),
//! each enabled or not with a channel and a template, and the reminder run that enqueues every
//! due reminder through the delivery queue exactly once per appointment and offset — or records
//! once why it was skipped.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::ReminderError;
pub use model::{
    DueReminder, LocalTime, OffsetCounts, ReminderOffset, ReminderOutcome, ReminderRule,
    ReminderSend, RuleChange, RunReport, SkipReason, SkippedReminder,
};
pub use ports::ReminderRepository;
pub use service::Reminders;
