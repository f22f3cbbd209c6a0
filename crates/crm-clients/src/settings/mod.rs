//! System settings: the company profile (name, contacts, timezone, currency) and the loyalty
//! rules, changed field by field with an audit trail; and the loyalty levels as the admin panel
//! manages them.
//!
//! Purchase code reads what it needs through the ports: [`SettingsRepository::loyalty_rules`]
//! and [`LevelRepository::active_levels`].

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::SettingsError;
pub use model::{
    CommunicationSettings, CommunicationUpdate, CompanyProfile, CompanyUpdate, Currency,
    LevelRecord, LevelUpdate, LoyaltyRulesUpdate, NewLevel, SettingChange, SettingChangeRecord,
    SettingsUpdate, SettingsUpdatePlan, SystemSettings, ThresholdKind, Timezone,
};
pub use ports::{LevelRepository, SettingsRepository};
pub use service::{BusinessSettings, LoyaltyLevels};
