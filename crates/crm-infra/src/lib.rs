//! Adapters of the CRM: the outside world behind the domain crates' ports.
//!
//! This crate owns the SQLite database — where it lives ([`database_path`]), the connection pool
//! with its pragmas, the migrations embedded from `migrations/` ([`Database`]) — and the Diesel
//! repositories that implement the domain ports (Diesel errors become [`crm_core::RepoError`]s
//! here and nowhere else):
//!
//! - [`crm_clients`] — [`SqliteClientRepository`], [`SqliteSettingsRepository`],
//!   [`SqliteLevelRepository`], [`SqliteTrafficChannelRepository`],
//!   [`SqliteCertificateRepository`], and [`SqliteOperationRepository`],
//!   [`SqliteLoyaltyProgramme`], [`SqlitePointsMaintenance`] for the loyalty engine;
//! - [`crm_staff`] — [`SqliteStaffRepository`] and [`SqliteRoster`];
//! - [`crm_inventory`] — [`SqliteInventoryRepository`];
//! - [`crm_comms`] — [`SqliteCampaignRepository`], [`SqliteDeliveryQueue`],
//!   [`SqliteNewsRepository`], [`SqliteDialogueRepository`], [`SqliteAppointmentRepository`],
//!   [`SqliteReminderRepository`], [`SqliteFeedbackRepository`];
//! - [`crm_analytics`] — [`SqliteAnalytics`], SQL aggregates over everything the others store.
//!
//! [`SystemClock`] is the real [`crm_core::Clock`]. The [`channels`] module holds the channel
//! adapters of the delivery worker (Telegram, SMTP, VK, MAX and signed webhooks) and
//! [`channels::ChannelsConfig`], their configuration from the environment.
//!
//! Repositories are synchronous (SQLite is) and check a pooled connection out per call, so a
//! web server runs them on its blocking pool and shares one clone of each as app state.

mod analytics;
mod appointments;
mod campaigns;
mod certificates;
pub mod channels;
mod clients;
mod clock;
mod db;
mod deliveries;
pub mod demo;
mod dialogues;
mod error;
mod feedback;
mod inventory;
mod levels;
mod news;
mod operations;
#[cfg(any(test, feature = "test-support"))]
pub mod query_log;
mod reminders;
mod schema;
mod settings;
mod staff;
#[cfg(test)]
mod testing;
mod traffic;

pub use analytics::SqliteAnalytics;
pub use appointments::SqliteAppointmentRepository;
pub use campaigns::SqliteCampaignRepository;
pub use certificates::SqliteCertificateRepository;
pub use clients::SqliteClientRepository;
pub use clock::SystemClock;
pub use db::{database_path, Database, DEFAULT_DATABASE_PATH};
pub use deliveries::SqliteDeliveryQueue;
pub use dialogues::SqliteDialogueRepository;
pub use error::InfraError;
pub use feedback::SqliteFeedbackRepository;
pub use inventory::SqliteInventoryRepository;
pub use levels::SqliteLevelRepository;
pub use news::SqliteNewsRepository;
pub use operations::{SqliteLoyaltyProgramme, SqliteOperationRepository, SqlitePointsMaintenance};
pub use reminders::SqliteReminderRepository;
pub use settings::SqliteSettingsRepository;
pub use staff::{SqliteRoster, SqliteStaffRepository};
pub use traffic::SqliteTrafficChannelRepository;
