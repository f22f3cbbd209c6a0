//! [`AppState`]: the ports and settings every handler reaches through `web::Data`.

use crate::auth::jwt::TokenKeys;
use crate::certificate_codes::RandomCertificateCodes;
use crm_clients::certificates::{CertificateRepository, Certificates};
use crm_clients::loyalty::adjustments::{PointsMaintenance, PointsUpkeep};
use crm_clients::loyalty::ports::{
    LoyaltyProgramme, OperationRepository, ReferralProgrammeRepository,
};
use crm_clients::loyalty::{Checkout, ReferralProgrammes};
use crm_clients::settings::{BusinessSettings, LevelRepository, LoyaltyLevels, SettingsRepository};
use crm_clients::traffic::{TrafficChannelRepository, TrafficChannels};
use crm_clients::{ClientBase, ClientRepository};
use crm_comms::appointments::{AppointmentRepository, Appointments};
use crm_comms::campaigns::{CampaignRepository, Campaigns};
use crm_comms::delivery::DeliveryQueue;
use crm_comms::dialogues::{DialogueRepository, Dialogues};
use crm_core::Clock;
use crm_inventory::{Inventory, LocationRepository, ProductRepository, StockLedger};
use crm_staff::roster::ports::{AttributedRevenue, BusinessTimezone, RosterRepository};
use crm_staff::roster::Roster;
use crm_staff::{StaffAccess, StaffRepository};
use std::sync::Arc;

/// A shared client repository.
pub type SharedClients = Arc<dyn ClientRepository + Send + Sync>;
/// A shared settings repository.
pub type SharedSettings = Arc<dyn SettingsRepository + Send + Sync>;
/// A shared loyalty level repository.
pub type SharedLevels = Arc<dyn LevelRepository + Send + Sync>;
/// A shared traffic channel repository.
pub type SharedTrafficChannels = Arc<dyn TrafficChannelRepository + Send + Sync>;
/// A shared staff repository.
pub type SharedStaff = Arc<dyn StaffRepository + Send + Sync>;
/// Shared storage of operations and the points ledger.
pub type SharedOperations = Arc<dyn OperationRepository + Send + Sync>;
/// The shared loyalty programme in force.
pub type SharedProgramme = Arc<dyn LoyaltyProgramme + Send + Sync>;
/// Shared storage of the referral programme.
pub type SharedReferrals = Arc<dyn ReferralProgrammeRepository + Send + Sync>;
/// Shared storage of certificate types and issued certificates.
pub type SharedCertificates = Arc<dyn CertificateRepository + Send + Sync>;
/// Shared storage of manual adjustments, welcome bonuses and points expiry.
pub type SharedPoints = Arc<dyn PointsMaintenance + Send + Sync>;
/// Shared storage of the roster (cards, categories, timesheets, shifts, payroll, history).
pub type SharedRoster = Arc<dyn RosterRepository + Send + Sync>;
/// The shared source of revenue attributed to employees.
pub type SharedRevenue = Arc<dyn AttributedRevenue + Send + Sync>;
/// The shared reader of the business's timezone.
pub type SharedTimezone = Arc<dyn BusinessTimezone + Send + Sync>;
/// Storage of goods, services, locations and the stock ledger: one adapter for the three ports.
pub trait InventoryStore:
    ProductRepository + LocationRepository + StockLedger + Send + Sync
{
}
impl<T: ProductRepository + LocationRepository + StockLedger + Send + Sync> InventoryStore for T {}
/// Shared storage of goods, services, locations and stock.
pub type SharedInventory = Arc<dyn InventoryStore>;
/// Shared storage of campaigns, their audience, tracking and statistics.
pub type SharedCampaigns = Arc<dyn CampaignRepository + Send + Sync>;
/// Shared storage of news posts, their tracking and statistics.
pub type SharedNews = Arc<dyn crm_comms::news::NewsRepository + Send + Sync>;
/// The shared delivery queue every outbound message is enqueued in.
pub type SharedDeliveryQueue = Arc<dyn DeliveryQueue + Send + Sync>;
/// Shared storage of messages, conversations and group sends.
pub type SharedDialogues = Arc<dyn DialogueRepository + Send + Sync>;
/// Shared storage of reminder rules and recorded reminders.
pub type SharedReminders = Arc<dyn crm_comms::reminders::ReminderRepository + Send + Sync>;
/// Shared storage of the sales figures, with the business's calendar.
pub type SharedSalesFigures = Arc<dyn crm_analytics::sales::SalesStore>;
/// Shared storage of the audience figures (ratings, levels, page views, marketing), with the
/// business's calendar.
pub type SharedAudienceFigures = Arc<dyn crm_analytics::audience::AudienceSource + Send + Sync>;
/// Shared storage of appointments and what booking reads.
pub type SharedAppointments = Arc<dyn AppointmentRepository + Send + Sync>;
/// Shared storage of feedback: ratings, complaints, suggestions, questions and answers.
pub type SharedFeedback = Arc<dyn crm_comms::feedback::FeedbackRepository + Send + Sync>;
/// Shared storage of the control tower (figures, processes, policy, goal, forecasts), with the
/// business's calendar.
pub type SharedTower = Arc<dyn crm_analytics::tower::TowerPorts + Send + Sync>;
/// A shared clock.
pub type SharedClock = Arc<dyn Clock>;
/// Checks that storage answers (for `/ready`).
pub type ReadinessCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The ports of the staff roster.
#[derive(Clone)]
pub struct RosterPorts {
    /// Roster storage.
    pub repo: SharedRoster,
    /// Revenue attributed to employees (piecework).
    pub revenue: SharedRevenue,
    /// The business's timezone (shifts, payroll periods).
    pub timezone: SharedTimezone,
}

/// How sign-in and tokens work.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The bot token; `None` turns initData sign-in off (503).
    pub bot_token: Option<String>,
    /// Token keys.
    pub tokens: TokenKeys,
    /// Oldest initData accepted, in seconds.
    pub init_data_max_age_seconds: i64,
    /// Telegram ids that become owners on first sign-in.
    pub owner_telegram_ids: Vec<i64>,
}

/// HTTP-level settings of the app factory.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest JSON body.
    pub body_limit_bytes: usize,
    /// Allowed CORS origins (`*` for any; empty for same origin only).
    pub cors_allow_origins: Vec<String>,
    /// Failed payment-code attempts, shared by every worker.
    pub code_attempts: Arc<crate::attempts::FailedAttempts>,
    /// Messages per client from the Mini App, shared by every worker.
    pub message_limit: Arc<crate::rate_limit::RateLimiter>,
    /// Sign-ins per address and Mini App writes per client, shared by every worker.
    pub request_limits: Arc<crate::rate_limit::RequestLimits>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 256 * 1024,
            cors_allow_origins: Vec::new(),
            code_attempts: Arc::default(),
            message_limit: Arc::default(),
            request_limits: Arc::default(),
        }
    }
}

/// Everything handlers need.
#[derive(Clone)]
pub struct AppState {
    /// Client storage.
    pub clients: SharedClients,
    /// Staff storage.
    pub staff: SharedStaff,
    /// System settings storage.
    pub settings: SharedSettings,
    /// Loyalty level storage.
    pub levels: SharedLevels,
    /// Traffic channel storage.
    pub traffic: SharedTrafficChannels,
    /// Operations and the points ledger.
    pub operations: SharedOperations,
    /// The loyalty programme in force.
    pub programme: SharedProgramme,
    /// The referral programme's configuration and standings.
    pub referrals: SharedReferrals,
    /// Certificate types and issued certificates.
    pub certificates: SharedCertificates,
    /// Manual adjustments, welcome bonuses and points expiry.
    pub points: SharedPoints,
    /// The staff roster.
    pub roster: RosterPorts,
    /// Goods, services, locations and stock.
    pub inventory: SharedInventory,
    /// Campaigns (communications).
    pub campaigns: SharedCampaigns,
    /// News posts, their tracking and statistics.
    pub news: SharedNews,
    /// The delivery queue campaigns enqueue their messages in.
    pub delivery_queue: SharedDeliveryQueue,
    /// Messages and conversations with clients.
    pub dialogues: SharedDialogues,
    /// Reminder rules and recorded reminders.
    pub reminders: SharedReminders,
    /// Sales figures: the dashboard summary and the customers, operations and finance tabs.
    pub sales_figures: SharedSalesFigures,
    /// Audience figures: the ratings, levels, page-go and marketing tabs and page views.
    pub audience_figures: SharedAudienceFigures,
    /// Appointments and online booking.
    pub appointments: SharedAppointments,
    /// Feedback and its answers.
    pub feedback: SharedFeedback,
    /// The control tower's storage.
    pub tower: SharedTower,
    /// Time.
    pub clock: SharedClock,
    /// Readiness probe.
    pub readiness: ReadinessCheck,
    /// Auth settings.
    pub auth: AuthSettings,
}

impl AppState {
    /// The client base's use cases.
    pub fn client_base(&self) -> ClientBase<SharedClients, SharedClock> {
        ClientBase::new(self.clients.clone(), self.clock.clone())
    }

    /// The system settings use cases.
    pub fn business_settings(&self) -> BusinessSettings<SharedSettings, SharedClock> {
        BusinessSettings::new(self.settings.clone(), self.clock.clone())
    }

    /// The loyalty level use cases.
    pub fn loyalty_levels(&self) -> LoyaltyLevels<SharedLevels, SharedClock> {
        LoyaltyLevels::new(self.levels.clone(), self.clock.clone())
    }

    /// Goods, services and stock use cases.
    pub fn inventory(
        &self,
    ) -> Inventory<SharedInventory, SharedInventory, SharedInventory, SharedClock> {
        Inventory::new(
            self.inventory.clone(),
            self.inventory.clone(),
            self.inventory.clone(),
            self.clock.clone(),
        )
    }

    /// The traffic channel use cases.
    pub fn traffic_channels(&self) -> TrafficChannels<SharedTrafficChannels, SharedClock> {
        TrafficChannels::new(self.traffic.clone(), self.clock.clone())
    }

    /// The cashier's use cases: purchases, refunds, operations.
    pub fn checkout(
        &self,
    ) -> Checkout<SharedClients, SharedOperations, SharedProgramme, SharedClock> {
        Checkout::new(
            self.clients.clone(),
            self.operations.clone(),
            self.programme.clone(),
            self.clock.clone(),
        )
    }

    /// The referral programme's use cases.
    pub fn referral_programmes(
        &self,
    ) -> ReferralProgrammes<SharedReferrals, SharedClients, SharedClock> {
        ReferralProgrammes::new(
            self.referrals.clone(),
            self.clients.clone(),
            self.clock.clone(),
        )
    }

    /// The certificate use cases: types, sales, look-up, the list; codes from the system's
    /// random generator.
    pub fn gift_certificates(
        &self,
    ) -> Certificates<SharedCertificates, RandomCertificateCodes, SharedClock> {
        Certificates::new(
            self.certificates.clone(),
            RandomCertificateCodes::new(),
            self.clock.clone(),
        )
    }

    /// The points upkeep use cases: manual adjustments, the welcome bonus, expiry.
    pub fn points_upkeep(&self) -> PointsUpkeep<SharedPoints, SharedProgramme, SharedClock> {
        PointsUpkeep::new(
            self.points.clone(),
            self.programme.clone(),
            self.clock.clone(),
        )
    }

    /// The roster's use cases: cards, categories, timesheets, shifts, payroll, history, export.
    pub fn roster(&self) -> Roster<SharedRoster, SharedRevenue, SharedTimezone, SharedClock> {
        Roster::new(
            self.roster.repo.clone(),
            self.roster.revenue.clone(),
            self.roster.timezone.clone(),
            self.clock.clone(),
        )
    }

    /// The campaign use cases: campaigns, the wizard, launch, tracking, statistics.
    pub fn campaigns(&self) -> Campaigns<SharedCampaigns, SharedDeliveryQueue, SharedClock> {
        Campaigns::new(
            self.campaigns.clone(),
            self.delivery_queue.clone(),
            self.clock.clone(),
        )
    }

    /// The dialogue use cases: messages, replies, the registry, group sends (segments,
    /// consents and contacts read through the campaigns' audience query).
    pub fn dialogues(&self) -> Dialogues<SharedDialogues, SharedCampaigns, SharedClock> {
        Dialogues::new(
            self.dialogues.clone(),
            self.campaigns.clone(),
            self.clock.clone(),
        )
    }

    /// The reminder use cases: the rules and the reminder run.
    pub fn reminders(&self) -> crm_comms::reminders::Reminders<SharedReminders, SharedClock> {
        crm_comms::reminders::Reminders::new(self.reminders.clone(), self.clock.clone())
    }

    /// The feedback use cases: ratings, complaints, the list, the averages, answers.
    pub fn feedback(&self) -> crm_comms::feedback::FeedbackBook<SharedFeedback, SharedClock> {
        crm_comms::feedback::FeedbackBook::new(self.feedback.clone(), self.clock.clone())
    }

    /// The sales analytics: the dashboard summary and the customers, operations and finance
    /// tabs.
    pub fn sales_analytics(
        &self,
    ) -> crm_analytics::sales::SalesAnalytics<SharedSalesFigures, SharedClock> {
        crm_analytics::sales::SalesAnalytics::new(self.sales_figures.clone(), self.clock.clone())
    }

    /// The control tower's use cases: the view, processes, policy, goal, presets, forecast.
    pub fn control_tower(
        &self,
    ) -> crm_analytics::tower::ControlTower<SharedTower, SharedTower, SharedClock> {
        crm_analytics::tower::ControlTower::new(
            self.tower.clone(),
            self.tower.clone(),
            self.clock.clone(),
        )
    }

    /// The audience analytics: the ratings, levels, page-go and marketing tabs and the Mini
    /// App's page-view tracking.
    pub fn audience_analytics(
        &self,
    ) -> crm_analytics::audience::AudienceAnalytics<SharedAudienceFigures, SharedClock> {
        crm_analytics::audience::AudienceAnalytics::new(
            self.audience_figures.clone(),
            self.clock.clone(),
        )
    }

    /// The appointment use cases: booking (admin and app), the diary, status changes, slots.
    pub fn appointments(&self) -> Appointments<SharedAppointments, SharedClock> {
        Appointments::new(self.appointments.clone(), self.clock.clone())
    }

    /// The news use cases: posts, the feed, tracking, statistics.
    pub fn news(&self) -> crm_comms::news::News<SharedNews, SharedClock> {
        crm_comms::news::News::new(self.news.clone(), self.clock.clone())
    }

    /// Staff access use cases.
    pub fn staff_access(&self) -> StaffAccess<SharedStaff, SharedClock> {
        StaffAccess::new(self.staff.clone(), self.clock.clone())
    }
}
