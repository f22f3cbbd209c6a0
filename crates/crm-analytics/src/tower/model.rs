//! The control tower's values: the figures read from storage, the reference processes with
//! their KPIs and overrides, the prioritised actions, the communication policy, the 90-day goal
//! and the promotion block of the full dashboard.

use crate::forecast::{Forecast, PromotionParameters};
use crm_core::{Channel, FieldError, Money, Timestamp};
use serde::{Deserialize, Serialize};
use time::Date;

/// The instants the control tower's figures are computed at (the service derives them from the
/// clock in the business's timezone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresWindow {
    /// Now.
    pub now: Timestamp,
    /// The start of today (local midnight).
    pub today_from: Timestamp,
    /// The start of tomorrow.
    pub today_to: Timestamp,
    /// The start of the day seven days after today (the next-7-days horizon).
    pub week_to: Timestamp,
    /// The next seven birthdays as `MM-DD`, today first.
    pub birthdays: Vec<String>,
}

/// A product whose stock is below its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStock {
    /// The product's id.
    pub product_id: i64,
    /// Its name.
    pub name: String,
    /// Stock over every location, thousandths of the unit.
    pub quantity: i64,
    /// The threshold, thousandths of the unit.
    pub threshold: i64,
    /// A location that holds it (the lowest stock first), if any.
    pub location_id: Option<i64>,
}

/// Everything the control tower and the dashboard alerts read, computed by SQL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TowerFigures {
    /// Purchases today: revenue (minor units) and count.
    pub revenue_today: i64,
    /// Purchases today.
    pub purchases_today: i64,
    /// Revenue of the last 30 days.
    pub revenue_30d: i64,
    /// Purchases of the last 30 days.
    pub purchases_30d: i64,
    /// Revenue of the 30 days before those.
    pub revenue_prev_30d: i64,
    /// Clients in the base.
    pub clients_total: i64,
    /// Clients registered in the last 30 days.
    pub new_clients_30d: i64,
    /// Of them, those who made a purchase.
    pub new_clients_30d_buyers: i64,
    /// Clients whose last purchase is within 90 days.
    pub active_clients_90d: i64,
    /// Of them, those with two purchases or more.
    pub repeat_clients_90d: i64,
    /// Clients who bought before and not in the last 60 days.
    pub sleeping_clients_60d: i64,
    /// Appointments starting today (not cancelled).
    pub appointments_today: i64,
    /// Appointments starting in the next 7 days from today (not cancelled).
    pub appointments_next_7_days: i64,
    /// No-shows among appointments started in the last 30 days.
    pub no_shows_30d: i64,
    /// Completed appointments started in the last 30 days.
    pub completed_30d: i64,
    /// No-shows of appointments started in the last 7 days.
    pub no_shows_week: i64,
    /// No-shows of appointments started 14..7 days ago.
    pub no_shows_prev_week: i64,
    /// Products below their threshold (up to 20, lowest stock first).
    pub low_stock: Vec<LowStock>,
    /// How many products are below their threshold.
    pub low_stock_count: i64,
    /// Conversations whose last client message has no reply.
    pub unanswered_dialogues: i64,
    /// Feedback without an answer.
    pub unanswered_feedback: i64,
    /// Complaints, suggestions and questions of the last 30 days.
    pub feedback_30d: i64,
    /// Of them, answered within 24 hours.
    pub feedback_30d_answered_in_time: i64,
    /// Clients registered in the last 30 days with a referrer.
    pub referred_clients_30d: i64,
    /// Deliveries failed in the last 24 hours.
    pub failed_deliveries_24h: i64,
    /// Clients with a birthday in the next 7 days.
    pub birthdays_7d: i64,
    /// Draft campaigns whose wizard was started and not confirmed.
    pub campaigns_awaiting_confirmation: i64,
    /// The oldest of them.
    pub first_awaiting_campaign: Option<i64>,
}

/// The seven reference processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessCode {
    /// A new client makes the first purchase.
    NewClientActivation,
    /// A client comes again.
    RepeatVisit,
    /// Sleeping clients come back.
    Reactivation,
    /// Fewer booked clients fail to come.
    NoShowReduction,
    /// Goods are restocked before they run out.
    StockReplenishment,
    /// Client feedback is answered in time.
    FeedbackHandling,
    /// Clients bring clients.
    ReferralGrowth,
}

impl ProcessCode {
    /// Every process, in catalogue order.
    pub const ALL: [ProcessCode; 7] = [
        ProcessCode::NewClientActivation,
        ProcessCode::RepeatVisit,
        ProcessCode::Reactivation,
        ProcessCode::NoShowReduction,
        ProcessCode::StockReplenishment,
        ProcessCode::FeedbackHandling,
        ProcessCode::ReferralGrowth,
    ];

    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            ProcessCode::NewClientActivation => "new_client_activation",
            ProcessCode::RepeatVisit => "repeat_visit",
            ProcessCode::Reactivation => "reactivation",
            ProcessCode::NoShowReduction => "no_show_reduction",
            ProcessCode::StockReplenishment => "stock_replenishment",
            ProcessCode::FeedbackHandling => "feedback_handling",
            ProcessCode::ReferralGrowth => "referral_growth",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// The unit of a KPI value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    /// A share in basis points (0..=10000).
    BasisPoints,
    /// A count (0..=1000000).
    Count,
}

impl KpiUnit {
    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            KpiUnit::BasisPoints => "basis_points",
            KpiUnit::Count => "count",
        }
    }

    /// The values a baseline or target may take.
    pub fn range(self) -> std::ops::RangeInclusive<i64> {
        match self {
            KpiUnit::BasisPoints => 0..=10_000,
            KpiUnit::Count => 0..=1_000_000,
        }
    }
}

/// Which way a KPI should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (the target is a minimum).
    HigherIsBetter,
    /// Less is better (the target is a maximum).
    LowerIsBetter,
}

impl Direction {
    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
        }
    }
}

/// An API call that does something: method, path and an example JSON body (as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCall {
    /// HTTP method.
    pub method: String,
    /// Path (the documented template or a concrete path).
    pub path: String,
    /// Example JSON body, if the call takes one.
    pub body: Option<String>,
}

/// What starts automatically when a KPI crosses its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// When (Russian).
    pub when: String,
    /// What starts (Russian).
    pub action: String,
    /// The call that starts it.
    pub call: ApiCall,
}

/// A stored change of a process: baseline, target, enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessOverride {
    /// The process.
    pub code: ProcessCode,
    /// The baseline, if set.
    pub baseline: Option<i64>,
    /// The target.
    pub target: i64,
    /// Whether its triggers run.
    pub enabled: bool,
}

/// Command: change a process. Only what is named changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessUpdate {
    /// New baseline.
    pub baseline: Option<i64>,
    /// New target.
    pub target: Option<i64>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

/// Where a process stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessStatus {
    /// The KPI meets the target.
    OnTarget,
    /// The KPI misses the target.
    OffTarget,
    /// Not enough data for the KPI.
    NoData,
    /// The process is switched off.
    Disabled,
}

impl ProcessStatus {
    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            ProcessStatus::OnTarget => "on_target",
            ProcessStatus::OffTarget => "off_target",
            ProcessStatus::NoData => "no_data",
            ProcessStatus::Disabled => "disabled",
        }
    }
}

/// A reference process with its KPI computed from data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessView {
    /// The process.
    pub code: ProcessCode,
    /// Title (Russian).
    pub title: String,
    /// KPI code.
    pub kpi_code: String,
    /// KPI title (Russian).
    pub kpi_title: String,
    /// How the KPI is computed (Russian).
    pub formula: String,
    /// The KPI's unit.
    pub unit: KpiUnit,
    /// Which way it should move.
    pub direction: Direction,
    /// The current value; `None` when there is nothing to compute it from.
    pub value: Option<i64>,
    /// The baseline, if set.
    pub baseline: Option<i64>,
    /// The target.
    pub target: i64,
    /// The service level (Russian).
    pub sla: String,
    /// The service level in hours.
    pub sla_hours: i64,
    /// The automatic actions.
    pub triggers: Vec<Trigger>,
    /// Whether the triggers run.
    pub enabled: bool,
    /// Against the target.
    pub status: ProcessStatus,
}

/// How urgent an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Do it today.
    High,
    /// Do it this week.
    Medium,
    /// When there is time.
    Low,
}

impl Priority {
    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

/// An action the control tower recommends, derived from data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Stable code of the kind of action.
    pub code: String,
    /// Title with the count (Russian).
    pub title: String,
    /// What to do (Russian).
    pub recommendation: String,
    /// The count behind it.
    pub count: i64,
    /// How urgent.
    pub priority: Priority,
    /// The process it belongs to, if any.
    pub process: Option<ProcessCode>,
    /// The call that does it.
    pub call: ApiCall,
}

/// A dashboard alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Stable code.
    pub code: String,
    /// `critical`, `warning` or `info`.
    pub severity: String,
    /// Text (Russian).
    pub title: String,
    /// The count behind it.
    pub count: i64,
    /// The API path to open.
    pub link: String,
}

/// The control tower's view.
#[derive(Debug, Clone, PartialEq)]
pub struct TowerView {
    /// The figures it is built from.
    pub figures: TowerFigures,
    /// The processes.
    pub processes: Vec<ProcessView>,
    /// The actions, most urgent first.
    pub actions: Vec<Action>,
    /// Whether the 90-day goal is set.
    pub goal_set: bool,
    /// When computed.
    pub at: Timestamp,
}

/// The stored part of the communication policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    /// Most advertising messages per client per period (`system_settings.marketing_touch_cap`).
    pub touch_cap: u32,
    /// The period, days (`system_settings.marketing_touch_period_days`).
    pub touch_period_days: u32,
    /// The channel priority, if ever set.
    pub channel_priority: Option<Vec<Channel>>,
}

/// Base quality figures of the client base.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QualityFigures {
    /// Clients.
    pub clients_total: i64,
    /// With a phone.
    pub with_phone: i64,
    /// With personal-data consent.
    pub with_personal_data_consent: i64,
    /// With personal-data and marketing consent.
    pub with_marketing_consent: i64,
    /// Groups of clients whose phones have the same digits.
    pub duplicate_phone_groups: i64,
    /// Clients in those groups.
    pub duplicate_phone_clients: i64,
    /// Groups of clients with the same Telegram id.
    pub duplicate_telegram_groups: i64,
}

/// The policy with the quality controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    /// Touch cap.
    pub touch_cap: u32,
    /// Touch period, days.
    pub touch_period_days: u32,
    /// Channel priority, most preferred first.
    pub channel_priority: Vec<Channel>,
    /// Quality figures.
    pub quality: QualityFigures,
}

/// Command: change the policy. Only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyUpdate {
    /// New touch cap (0..=1000).
    pub touch_cap: Option<i64>,
    /// New period (1..=365).
    pub touch_period_days: Option<i64>,
    /// New channel priority as channel codes.
    pub channel_priority: Option<Vec<String>>,
}

/// What storage writes for a policy change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPlan {
    /// The touch cap before and after.
    pub touch_cap: (u32, u32),
    /// The period before and after.
    pub touch_period_days: (u32, u32),
    /// The new channel priority, if changed.
    pub channel_priority: Option<Vec<Channel>>,
}

/// The goal metrics of the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalMetric {
    /// Revenue of purchases over the goal's days (money).
    Revenue,
    /// Clients registered over the goal's days.
    NewClients,
    /// Share of buyers with two purchases or more (basis points).
    RepeatRate,
    /// Average check (money).
    AverageCheck,
}

impl GoalMetric {
    /// Every metric.
    pub const ALL: [GoalMetric; 4] = [
        GoalMetric::Revenue,
        GoalMetric::NewClients,
        GoalMetric::RepeatRate,
        GoalMetric::AverageCheck,
    ];

    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            GoalMetric::Revenue => "revenue",
            GoalMetric::NewClients => "new_clients",
            GoalMetric::RepeatRate => "repeat_rate",
            GoalMetric::AverageCheck => "average_check",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The unit of its values: `money` (minor units), `count` or `basis_points`.
    pub fn unit(self) -> &'static str {
        match self {
            GoalMetric::Revenue | GoalMetric::AverageCheck => "money",
            GoalMetric::NewClients => "count",
            GoalMetric::RepeatRate => "basis_points",
        }
    }

    /// Title (Russian).
    pub fn title(self) -> &'static str {
        match self {
            GoalMetric::Revenue => "Выручка за 90 дней",
            GoalMetric::NewClients => "Новые клиенты за 90 дней",
            GoalMetric::RepeatRate => "Доля повторных покупателей",
            GoalMetric::AverageCheck => "Средний чек",
        }
    }

    /// Whether the value accumulates over the days (progress is expected to grow linearly).
    pub fn cumulative(self) -> bool {
        matches!(self, GoalMetric::Revenue | GoalMetric::NewClients)
    }
}

/// The 90-day goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// The metric.
    pub metric: GoalMetric,
    /// The target in the metric's unit.
    pub target: i64,
    /// The first local day.
    pub start_date: Date,
    /// How many days (90).
    pub days: i64,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: Timestamp,
}

/// Command: set the goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalRequest {
    /// Metric code.
    pub metric: String,
    /// Target in the metric's unit (money and counts > 0; basis points 1..=10000).
    pub target: i64,
    /// The first day as `YYYY-MM-DD`; today when absent.
    pub start_date: Option<String>,
}

/// The goal with its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress {
    /// The goal.
    pub goal: Goal,
    /// The end (exclusive) instant.
    pub ends_at: Timestamp,
    /// Value so far.
    pub current: i64,
    /// current / target in percent, one decimal.
    pub progress_percent: f64,
    /// Days elapsed (0..=days).
    pub days_elapsed: i64,
    /// Days left.
    pub days_left: i64,
    /// Whether the value keeps pace with the target (linear for cumulative metrics).
    pub on_track: bool,
}

/// The goal wizard's state.
#[derive(Debug, Clone, PartialEq)]
pub enum GoalState {
    /// No goal yet: the wizard is required.
    Required,
    /// A goal with its progress.
    Set(GoalProgress),
}

/// A stored promotion forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredForecast {
    /// The parameters.
    pub parameters: PromotionParameters,
    /// The result.
    pub forecast: Forecast,
    /// Who asked.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// A certificate type on sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateTypeFigure {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Nominal.
    pub nominal: Money,
    /// Price.
    pub price: Money,
    /// Validity, days.
    pub validity_days: i64,
    /// Certificates of the type issued.
    pub issued: i64,
}

/// The promotion block's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromotionFigures {
    /// Active certificate types.
    pub certificate_types: Vec<CertificateTypeFigure>,
    /// Certificates issued.
    pub certificates_issued: i64,
    /// Of them active (balance left, not expired).
    pub certificates_active: i64,
    /// Sum of their prices (sold for).
    pub certificates_sold_sum: i64,
    /// Sum of nominals.
    pub certificates_nominal_sum: i64,
    /// Unused balance of active certificates.
    pub certificates_balance_sum: i64,
    /// Whether the referral programme is on.
    pub referral_enabled: bool,
    /// Rewards per generation, basis points.
    pub referral_generations_bp: Vec<i64>,
    /// `points` or `money`.
    pub referral_reward_type: String,
    /// Clients brought by referrers.
    pub referred_clients: i64,
}

/// Checks a value against a unit's range, naming `field`.
pub fn check_range(unit: KpiUnit, field: &str, value: i64) -> Result<(), FieldError> {
    let range = unit.range();
    if range.contains(&value) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must be between {} and {} ({})",
                range.start(),
                range.end(),
                unit.code()
            ),
        ))
    }
}

/// Parses a local date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).ok()
}

/// Formats a local date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
