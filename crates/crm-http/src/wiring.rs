//! Wiring: the one place that builds an [`AppState`] over the SQLite adapters, shared by the
//! server's composition root and the HTTP tests so both run exactly the same ports.

use crate::state::{AppState, AuthSettings, RosterPorts, SharedClock};
use crm_infra::{
    Database, SqliteCampaignRepository, SqliteCertificateRepository, SqliteClientRepository,
    SqliteDeliveryQueue, SqliteInventoryRepository, SqliteLevelRepository, SqliteLoyaltyProgramme,
    SqliteOperationRepository, SqlitePointsMaintenance, SqliteRoster, SqliteSettingsRepository,
    SqliteStaffRepository, SqliteTrafficChannelRepository,
};
use std::sync::Arc;

/// Builds the application state over `db`: every port backed by its SQLite adapter, with the
/// given clock and auth settings; `/ready` pings the database.
pub fn sqlite_state(db: &Database, clock: SharedClock, auth: AuthSettings) -> AppState {
    let ping = db.clone();
    AppState {
        clients: Arc::new(SqliteClientRepository::new(db.clone())),
        staff: Arc::new(SqliteStaffRepository::new(db.clone())),
        settings: Arc::new(SqliteSettingsRepository::new(db.clone())),
        levels: Arc::new(SqliteLevelRepository::new(db.clone())),
        traffic: Arc::new(SqliteTrafficChannelRepository::new(db.clone())),
        operations: Arc::new(SqliteOperationRepository::new(db.clone())),
        programme: Arc::new(SqliteLoyaltyProgramme::new(db.clone())),
        referrals: Arc::new(SqliteLoyaltyProgramme::new(db.clone())),
        certificates: Arc::new(SqliteCertificateRepository::new(db.clone())),
        points: Arc::new(SqlitePointsMaintenance::new(db.clone())),
        roster: RosterPorts {
            repo: Arc::new(SqliteRoster::new(db.clone())),
            revenue: Arc::new(SqliteRoster::new(db.clone())),
            timezone: Arc::new(SqliteRoster::new(db.clone())),
        },
        inventory: Arc::new(SqliteInventoryRepository::new(db.clone())),
        campaigns: Arc::new(SqliteCampaignRepository::new(db.clone())),
        news: Arc::new(crm_infra::SqliteNewsRepository::new(db.clone())),
        delivery_queue: Arc::new(SqliteDeliveryQueue::new(db.clone())),
        dialogues: Arc::new(crm_infra::SqliteDialogueRepository::new(db.clone())),
        feedback: Arc::new(crm_infra::SqliteFeedbackRepository::new(db.clone())),
        reminders: Arc::new(crm_infra::SqliteReminderRepository::new(db.clone())),
        sales_figures: Arc::new(crm_infra::SqliteAnalytics::new(db.clone())),
        audience_figures: Arc::new(crm_infra::SqliteAnalytics::new(db.clone())),
        tower: Arc::new(crm_infra::SqliteAnalytics::new(db.clone())),
        appointments: Arc::new(crm_infra::SqliteAppointmentRepository::new(db.clone())),
        clock,
        readiness: Arc::new(move || ping.ping().map_err(|e| e.to_string())),
        auth,
    }
}
