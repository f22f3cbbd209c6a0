//! Control tower bodies: the Russian-language view with its actions, the processes, the policy,
//! the 90-day goal, the outcomes catalogue, the presets, the endpoint specs, the promotion
//! forecast and the full dashboard.

use crate::dto::common::DecimalInput;
use crate::dto::dashboard::SummaryResponse;
use crm_analytics::forecast::{
    BreakEven, Forecast, ForecastAudience, PromotionKind, PromotionParameters,
};
use crm_analytics::period::change_percent;
use crm_analytics::tower::catalogue::{Outcome, Preset};
use crm_analytics::tower::model::{
    Action, Alert, ApiCall, GoalProgress, GoalRequest, GoalState, LowStock, PolicyUpdate,
    PolicyView, ProcessUpdate, ProcessView, StoredForecast, TowerView,
};
use crm_analytics::tower::service::DashboardBlock;
use crm_core::{Channel, FieldError, LevelId, Money, Percent, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// An API call that does the recommended thing.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ApiCallResponse {
    /// HTTP method.
    pub method: String,
    /// Path (a concrete path, or the documented template with `{…}` parameters).
    pub path: String,
    /// An example JSON body, if the call takes one.
    pub body: Option<serde_json::Value>,
}

impl From<ApiCall> for ApiCallResponse {
    fn from(c: ApiCall) -> Self {
        Self {
            method: c.method,
            path: c.path,
            body: c.body.and_then(|b| serde_json::from_str(&b).ok()),
        }
    }
}

/// A recommended action derived from data.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ActionResponse {
    /// Stable code of the kind of action.
    pub code: String,
    /// Title with the count behind it (Russian).
    pub title: String,
    /// What to do (Russian).
    pub recommendation: String,
    /// The count behind it.
    pub count: i64,
    /// `high`, `medium` or `low`.
    pub priority: String,
    /// The reference process it belongs to, if any.
    pub process_code: Option<String>,
    /// The API call that does it.
    pub call: ApiCallResponse,
}

impl From<Action> for ActionResponse {
    fn from(a: Action) -> Self {
        Self {
            code: a.code,
            title: a.title,
            recommendation: a.recommendation,
            count: a.count,
            priority: a.priority.code().to_owned(),
            process_code: a.process.map(|p| p.code().to_owned()),
            call: a.call.into(),
        }
    }
}

/// Sales block of the control tower.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TowerSales {
    /// Заголовок блока.
    pub title: String,
    /// Revenue of today's purchases.
    pub revenue_today: Money,
    /// Purchases today.
    pub purchases_today: i64,
    /// Today's average check (0 without purchases).
    pub average_check_today: Money,
    /// Revenue of the last 30 days.
    pub revenue_30d: Money,
    /// Purchases of the last 30 days.
    pub purchases_30d: i64,
    /// Revenue of the 30 days before those.
    pub revenue_previous_30d: Money,
    /// Change of the 30-day revenue, percent (null when the previous is zero).
    pub revenue_change_percent: Option<f64>,
}

/// Appointments block of the control tower.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TowerAppointments {
    /// Заголовок блока.
    pub title: String,
    /// Appointments today (not cancelled).
    pub today: i64,
    /// Appointments from today through the next 7 days (not cancelled).
    pub next_7_days: i64,
    /// No-shows among appointments of the last 30 days.
    pub no_shows_30d: i64,
    /// Completed appointments of the last 30 days.
    pub completed_30d: i64,
    /// No-shows / (no-shows + completed), basis points; null without such appointments.
    pub no_show_rate_bp: Option<i64>,
    /// No-shows in the last 7 days.
    pub no_shows_this_week: i64,
    /// No-shows 14..7 days ago.
    pub no_shows_previous_week: i64,
}

/// A product below its low-stock threshold.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LowStockResponse {
    /// Product id.
    pub product_id: i64,
    /// Name.
    pub name: String,
    /// Stock over all locations, as a decimal string of the unit.
    pub quantity: String,
    /// The threshold, as a decimal string of the unit.
    pub threshold: String,
    /// A location holding it (lowest stock first).
    pub location_id: Option<i64>,
}

fn thousandths(q: i64) -> String {
    let sign = if q < 0 { "-" } else { "" };
    let q = q.unsigned_abs();
    let (int, frac) = (q / 1_000, q % 1_000);
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{}", format!("{frac:03}").trim_end_matches('0'))
    }
}

impl From<LowStock> for LowStockResponse {
    fn from(l: LowStock) -> Self {
        Self {
            product_id: l.product_id,
            name: l.name,
            quantity: thousandths(l.quantity),
            threshold: thousandths(l.threshold),
            location_id: l.location_id,
        }
    }
}

/// Stock block of the control tower.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TowerStock {
    /// Заголовок блока.
    pub title: String,
    /// Products below their threshold.
    pub below_threshold: i64,
    /// Up to 20 of them, lowest stock first.
    pub products: Vec<LowStockResponse>,
}

/// Clients block of the control tower.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TowerClients {
    /// Заголовок блока.
    pub title: String,
    /// Clients in the base.
    pub total: i64,
    /// Registered in the last 30 days.
    pub new_30d: i64,
    /// Bought before and not in the last 60 days.
    pub sleeping_60d: i64,
    /// Conversations waiting for a reply.
    pub unanswered_dialogues: i64,
    /// Feedback without an answer.
    pub unanswered_feedback: i64,
}

/// The control tower: one Russian-language view.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TowerResponse {
    /// Заголовок.
    pub title: String,
    /// When computed.
    pub generated_at: Timestamp,
    /// Продажи.
    pub sales: TowerSales,
    /// Записи.
    pub appointments: TowerAppointments,
    /// Склад.
    pub stock: TowerStock,
    /// Клиенты.
    pub clients: TowerClients,
    /// Processes missing their target.
    pub processes_off_target: i64,
    /// Whether the 90-day goal is set.
    pub onboarding_goal_set: bool,
    /// Recommended actions, most urgent first.
    pub actions: Vec<ActionResponse>,
}

impl From<TowerView> for TowerResponse {
    fn from(v: TowerView) -> Self {
        let f = &v.figures;
        let avg = if f.purchases_today > 0 {
            f.revenue_today / f.purchases_today
        } else {
            0
        };
        let attended = f.no_shows_30d + f.completed_30d;
        Self {
            title: "Центр управления".to_owned(),
            generated_at: v.at,
            sales: TowerSales {
                title: "Продажи".to_owned(),
                revenue_today: Money::from_minor(f.revenue_today),
                purchases_today: f.purchases_today,
                average_check_today: Money::from_minor(avg),
                revenue_30d: Money::from_minor(f.revenue_30d),
                purchases_30d: f.purchases_30d,
                revenue_previous_30d: Money::from_minor(f.revenue_prev_30d),
                revenue_change_percent: change_percent(f.revenue_30d, f.revenue_prev_30d),
            },
            appointments: TowerAppointments {
                title: "Записи".to_owned(),
                today: f.appointments_today,
                next_7_days: f.appointments_next_7_days,
                no_shows_30d: f.no_shows_30d,
                completed_30d: f.completed_30d,
                no_show_rate_bp: (attended > 0).then(|| f.no_shows_30d * 10_000 / attended),
                no_shows_this_week: f.no_shows_week,
                no_shows_previous_week: f.no_shows_prev_week,
            },
            stock: TowerStock {
                title: "Склад".to_owned(),
                below_threshold: f.low_stock_count,
                products: f.low_stock.iter().cloned().map(Into::into).collect(),
            },
            clients: TowerClients {
                title: "Клиенты".to_owned(),
                total: f.clients_total,
                new_30d: f.new_clients_30d,
                sleeping_60d: f.sleeping_clients_60d,
                unanswered_dialogues: f.unanswered_dialogues,
                unanswered_feedback: f.unanswered_feedback,
            },
            processes_off_target: v
                .processes
                .iter()
                .filter(|p| p.status.code() == "off_target")
                .count() as i64,
            onboarding_goal_set: v.goal_set,
            actions: v.actions.into_iter().map(Into::into).collect(),
        }
    }
}

/// An automatic action of a process.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TriggerResponse {
    /// When it starts (Russian).
    pub when: String,
    /// What starts (Russian).
    pub action: String,
    /// The call that starts it.
    pub call: ApiCallResponse,
}

/// A reference process with its KPI computed from data.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProcessResponse {
    /// Process code.
    pub code: String,
    /// Title (Russian).
    pub title: String,
    /// KPI code.
    pub kpi_code: String,
    /// KPI title (Russian).
    pub kpi_title: String,
    /// How the KPI is computed (Russian).
    pub formula: String,
    /// `basis_points` (0..=10000) or `count` (0..=1000000): the unit of value, baseline, target.
    pub unit: String,
    /// `higher_is_better` or `lower_is_better`.
    pub direction: String,
    /// The current value from data; null when there is nothing to compute it from.
    pub value: Option<i64>,
    /// The baseline, if set.
    pub baseline: Option<i64>,
    /// The target.
    pub target: i64,
    /// Service level (Russian).
    pub sla: String,
    /// Service level, hours.
    pub sla_hours: i64,
    /// What starts automatically when the KPI misses the target.
    pub triggers: Vec<TriggerResponse>,
    /// Whether the triggers run.
    pub enabled: bool,
    /// `on_target`, `off_target`, `no_data` or `disabled`.
    pub status: String,
}

impl From<ProcessView> for ProcessResponse {
    fn from(p: ProcessView) -> Self {
        Self {
            code: p.code.code().to_owned(),
            title: p.title,
            kpi_code: p.kpi_code,
            kpi_title: p.kpi_title,
            formula: p.formula,
            unit: p.unit.code().to_owned(),
            direction: p.direction.code().to_owned(),
            value: p.value,
            baseline: p.baseline,
            target: p.target,
            sla: p.sla,
            sla_hours: p.sla_hours,
            triggers: p
                .triggers
                .into_iter()
                .map(|t| TriggerResponse {
                    when: t.when,
                    action: t.action,
                    call: t.call.into(),
                })
                .collect(),
            enabled: p.enabled,
            status: p.status.code().to_owned(),
        }
    }
}

/// The processes.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProcessesResponse {
    /// The seven reference processes.
    pub items: Vec<ProcessResponse>,
}

/// The process in the path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct ProcessPath {
    /// Process code.
    pub process_code: String,
}

/// A change of a process: only what is named changes.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ProcessUpdateRequest {
    /// New baseline in the KPI's unit.
    pub baseline: Option<i64>,
    /// New target in the KPI's unit.
    pub target: Option<i64>,
    /// Enable or disable the process's triggers.
    pub enabled: Option<bool>,
}

impl From<ProcessUpdateRequest> for ProcessUpdate {
    fn from(r: ProcessUpdateRequest) -> Self {
        Self {
            baseline: r.baseline,
            target: r.target,
            enabled: r.enabled,
        }
    }
}

/// A share with its count.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ShareResponse {
    /// Clients.
    pub count: i64,
    /// Of all clients, basis points (null without clients).
    pub share_bp: Option<i64>,
}

/// Base quality controls of the client base.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct QualityResponse {
    /// Clients in the base.
    pub clients_total: i64,
    /// With a phone.
    pub with_phone: ShareResponse,
    /// With personal-data consent.
    pub with_personal_data_consent: ShareResponse,
    /// With personal-data and marketing consent (reachable by advertising).
    pub with_marketing_consent: ShareResponse,
    /// Groups of clients whose phones have the same last ten digits (should be 0).
    pub duplicate_phone_groups: i64,
    /// Clients in those groups.
    pub duplicate_phone_clients: i64,
    /// Groups of clients sharing a Telegram id (should be 0).
    pub duplicate_telegram_groups: i64,
}

/// The communication policy with the quality controls.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PolicyResponse {
    /// Most advertising messages per client per period (0 = no cap): the same setting as
    /// `communications.marketing_touch_cap` of the system settings.
    pub touch_cap: u32,
    /// The cap's period, days (`communications.marketing_touch_period_days`).
    pub touch_period_days: u32,
    /// Channel codes, most preferred first.
    pub channel_priority: Vec<Channel>,
    /// Quality controls.
    pub quality: QualityResponse,
}

impl From<PolicyView> for PolicyResponse {
    fn from(p: PolicyView) -> Self {
        let q = p.quality;
        let share = |n: i64| ShareResponse {
            count: n,
            share_bp: (q.clients_total > 0).then(|| n * 10_000 / q.clients_total),
        };
        Self {
            touch_cap: p.touch_cap,
            touch_period_days: p.touch_period_days,
            channel_priority: p.channel_priority,
            quality: QualityResponse {
                clients_total: q.clients_total,
                with_phone: share(q.with_phone),
                with_personal_data_consent: share(q.with_personal_data_consent),
                with_marketing_consent: share(q.with_marketing_consent),
                duplicate_phone_groups: q.duplicate_phone_groups,
                duplicate_phone_clients: q.duplicate_phone_clients,
                duplicate_telegram_groups: q.duplicate_telegram_groups,
            },
        }
    }
}

/// A policy change: only what is named changes.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// Touch cap (0..=1000; 0 = no cap).
    pub touch_cap: Option<i64>,
    /// Touch period, days (1..=365).
    pub touch_period_days: Option<i64>,
    /// Channel codes, most preferred first (known, no duplicates).
    pub channel_priority: Option<Vec<String>>,
}

impl From<PolicyRequest> for PolicyUpdate {
    fn from(r: PolicyRequest) -> Self {
        Self {
            touch_cap: r.touch_cap,
            touch_period_days: r.touch_period_days,
            channel_priority: r.channel_priority,
        }
    }
}

/// A step of the goal wizard.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct WizardStep {
    /// Step number.
    pub step: u8,
    /// What to do (Russian).
    pub title: String,
    /// The field of the PUT body it fills.
    pub field: String,
    /// Allowed values, if fixed.
    pub options: Vec<String>,
}

/// The goal with its progress.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct GoalResponse {
    /// Metric code.
    pub metric: String,
    /// Metric title (Russian).
    pub metric_title: String,
    /// `money`, `count` or `basis_points`.
    pub unit: String,
    /// Target (money as a decimal; counts and basis points as integers).
    pub target: serde_json::Value,
    /// First day (local date).
    pub start_date: String,
    /// Days.
    pub days: i64,
    /// The end (exclusive).
    pub ends_at: Timestamp,
    /// The value so far (same unit as target).
    pub current: serde_json::Value,
    /// current / target, percent.
    pub progress_percent: f64,
    /// Days elapsed.
    pub days_elapsed: i64,
    /// Days left.
    pub days_left: i64,
    /// Whether the value keeps pace with the target.
    pub on_track: bool,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: Timestamp,
}

/// The goal wizard.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OnboardingGoalResponse {
    /// True while no goal is set (the dashboard shows an alert).
    pub required: bool,
    /// Мастер цели (Russian title).
    pub title: String,
    /// The wizard's steps.
    pub steps: Vec<WizardStep>,
    /// The goal with its progress, once set.
    pub goal: Option<GoalResponse>,
}

fn unit_value(unit: &str, v: i64) -> serde_json::Value {
    if unit == "money" {
        serde_json::to_value(Money::from_minor(v)).unwrap_or(serde_json::Value::Null)
    } else {
        serde_json::Value::from(v)
    }
}

fn goal_response(p: GoalProgress) -> GoalResponse {
    let unit = p.goal.metric.unit();
    GoalResponse {
        metric: p.goal.metric.code().to_owned(),
        metric_title: p.goal.metric.title().to_owned(),
        unit: unit.to_owned(),
        target: unit_value(unit, p.goal.target),
        start_date: crm_analytics::tower::model::format_date(p.goal.start_date),
        days: p.goal.days,
        ends_at: p.ends_at,
        current: unit_value(unit, p.current),
        progress_percent: p.progress_percent,
        days_elapsed: p.days_elapsed,
        days_left: p.days_left,
        on_track: p.on_track,
        set_by: p.goal.set_by,
        set_at: p.goal.set_at,
    }
}

impl From<GoalState> for OnboardingGoalResponse {
    fn from(s: GoalState) -> Self {
        let step = |step, title: &str, field: &str, options: &[&str]| WizardStep {
            step,
            title: title.to_owned(),
            field: field.to_owned(),
            options: options.iter().map(|o| (*o).to_owned()).collect(),
        };
        let steps = vec![
            step(
                1,
                "Выберите метрику цели на 90 дней",
                "metric",
                &["revenue", "new_clients", "repeat_rate", "average_check"],
            ),
            step(
                2,
                "Задайте целевое значение (деньги — рубли, доля — проценты, клиенты — число)",
                "target",
                &[],
            ),
            step(
                3,
                "Выберите дату начала (по умолчанию — сегодня)",
                "start_date",
                &[],
            ),
        ];
        match s {
            GoalState::Required => Self {
                required: true,
                title: "Мастер цели на 90 дней".to_owned(),
                steps,
                goal: None,
            },
            GoalState::Set(p) => Self {
                required: false,
                title: "Мастер цели на 90 дней".to_owned(),
                steps,
                goal: Some(goal_response(p)),
            },
        }
    }
}

/// The 90-day goal to set.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct OnboardingGoalRequest {
    /// `revenue`, `new_clients`, `repeat_rate` or `average_check`.
    pub metric: String,
    /// Target: money in rubles (e.g. 500000.00), the repeat rate in percent (e.g. 35.5), new
    /// clients as a whole number.
    pub target: DecimalInput,
    /// First day, `YYYY-MM-DD` in the business's timezone (default today; within the last 90
    /// days or the next 30).
    pub start_date: Option<String>,
}

impl OnboardingGoalRequest {
    /// The domain command; the target is converted into the metric's unit.
    pub fn into_request(self) -> Result<GoalRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = self.target.0.trim().to_owned();
        let target = match self.metric.trim() {
            "new_clients" => text
                .parse::<i64>()
                .map_err(|_| "must be a whole number".to_owned()),
            "repeat_rate" => Percent::parse(&text)
                .map(|p| p.basis_points())
                .map_err(|e| e.to_string()),
            _ => Money::parse(&text)
                .map(Money::minor)
                .map_err(|e| e.to_string()),
        };
        let target = target.unwrap_or_else(|e| {
            errors.push(FieldError::new("target", e));
            0
        });
        if errors.is_empty() {
            Ok(GoalRequest {
                metric: self.metric,
                target,
                start_date: self.start_date,
            })
        } else {
            Err(errors)
        }
    }
}

/// An event-storming step.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StormingStepResponse {
    /// Команда.
    pub command: String,
    /// Событие.
    pub event: String,
    /// Политика (что происходит в ответ).
    pub policy: String,
    /// Модель чтения (где это видно).
    pub read_model: String,
}

/// A user outcome of a key process.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OutcomeResponse {
    /// The process code.
    pub process_code: String,
    /// The process title (Russian).
    pub process_title: String,
    /// The outcome (Russian).
    pub outcome: String,
    /// Who benefits (Russian).
    pub actor: String,
    /// Command → event → policy → read model.
    pub steps: Vec<StormingStepResponse>,
}

impl From<Outcome> for OutcomeResponse {
    fn from(o: Outcome) -> Self {
        Self {
            process_code: o.process.code().to_owned(),
            process_title: crm_analytics::tower::catalogue::definition(o.process)
                .title
                .to_owned(),
            outcome: o.outcome.to_owned(),
            actor: o.actor.to_owned(),
            steps: o
                .steps
                .into_iter()
                .map(|s| StormingStepResponse {
                    command: s.command.to_owned(),
                    event: s.event.to_owned(),
                    policy: s.policy.to_owned(),
                    read_model: s.read_model.to_owned(),
                })
                .collect(),
        }
    }
}

/// The outcomes catalogue.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OutcomesResponse {
    /// The outcomes, one or more per key process.
    pub items: Vec<OutcomeResponse>,
}

/// The vertical in the path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct VerticalPath {
    /// `salon`, `clinic`, `retail` or `fitness`.
    pub vertical: String,
}

/// A process's setting in a preset.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PresetProcess {
    /// Process code.
    pub process_code: String,
    /// KPI code.
    pub kpi_code: String,
    /// Whether the process is on.
    pub enabled: bool,
    /// Default target in the KPI's unit.
    pub target: i64,
}

/// Settings a preset recommends.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PresetSettings {
    /// Touch cap.
    pub touch_cap: u32,
    /// Touch period, days.
    pub touch_period_days: u32,
    /// Channel priority.
    pub channel_priority: Vec<Channel>,
    /// Days without a purchase after which a client counts as sleeping.
    pub sleeping_days: i64,
}

/// A vertical's preset.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PresetResponse {
    /// The vertical.
    pub vertical: String,
    /// Title (Russian).
    pub title: String,
    /// What it stresses (Russian).
    pub description: String,
    /// KPI set with default targets.
    pub processes: Vec<PresetProcess>,
    /// Recommended settings.
    pub settings: PresetSettings,
    /// How to apply it.
    pub apply: ApiCallResponse,
}

impl From<Preset> for PresetResponse {
    fn from(p: Preset) -> Self {
        Self {
            vertical: p.vertical.to_owned(),
            title: p.title.to_owned(),
            description: p.description.to_owned(),
            processes: p
                .processes
                .iter()
                .map(|(code, enabled, target)| PresetProcess {
                    process_code: code.code().to_owned(),
                    kpi_code: crm_analytics::tower::catalogue::definition(*code)
                        .kpi_code
                        .to_owned(),
                    enabled: *enabled,
                    target: *target,
                })
                .collect(),
            settings: PresetSettings {
                touch_cap: p.touch_cap,
                touch_period_days: p.touch_period_days,
                channel_priority: p.channel_priority,
                sleeping_days: p.sleeping_days,
            },
            apply: ApiCallResponse {
                method: "POST".to_owned(),
                path: format!(
                    "/api/v1/admin/analytics/control-tower/presets/{}/apply",
                    p.vertical
                ),
                body: None,
            },
        }
    }
}

/// An error case of an endpoint.
#[derive(Debug, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct EndpointException {
    /// HTTP status.
    pub status: u16,
    /// Problem `code`.
    pub code: String,
    /// When it happens.
    pub when: String,
}

/// The specification of one large endpoint.
#[derive(Debug, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// HTTP method.
    pub method: String,
    /// Path as in `/openapi.json`.
    pub path: String,
    /// Title.
    pub title: String,
    /// Business rules.
    pub rules: Vec<String>,
    /// Exceptions.
    pub exceptions: Vec<EndpointException>,
    /// Example request body.
    pub example_request: Option<serde_json::Value>,
    /// Example response body.
    pub example_response: Option<serde_json::Value>,
}

/// The endpoint specs document (`docs/endpoint-specs.json`).
#[derive(Debug, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpecsResponse {
    /// Document version.
    pub version: String,
    /// What it covers.
    pub description: String,
    /// The endpoints.
    pub endpoints: Vec<EndpointSpec>,
}

/// Who the promotion is offered to; everybody (with consent) when both lists are empty.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastAudienceBody {
    /// Loyalty levels.
    pub level_ids: Vec<LevelId>,
    /// Client tags (any of them).
    pub tags: Vec<String>,
}

/// A promotion to forecast.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ForecastRequest {
    /// `discount` or `bonus_points`.
    pub kind: String,
    /// Percent of the check (above 0, at most 90; two decimals).
    pub value: DecimalInput,
    /// Days (1..=365).
    pub duration_days: i64,
    /// The most it may cost (optional).
    pub budget: Option<DecimalInput>,
    /// Channels (at least one; known codes, no duplicates).
    pub channels: Vec<String>,
    /// Audience (default: everybody with consent).
    #[serde(default)]
    pub audience: ForecastAudienceBody,
}

impl ForecastRequest {
    /// The domain parameters; conversion errors name the field.
    pub fn into_parameters(self) -> Result<PromotionParameters, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = PromotionKind::from_code(self.kind.trim()).unwrap_or_else(|| {
            errors.push(FieldError::new("kind", "must be discount or bonus_points"));
            PromotionKind::Discount
        });
        let percent_bp = Percent::parse(self.value.0.trim())
            .map(|p| p.basis_points())
            .unwrap_or_else(|e| {
                errors.push(FieldError::new("value", e.to_string()));
                1
            });
        let duration_days = u32::try_from(self.duration_days).unwrap_or(0);
        let budget = match self.budget {
            None => None,
            Some(b) => match Money::parse(b.0.trim()) {
                Ok(m) => Some(m),
                Err(e) => {
                    errors.push(FieldError::new("budget", e.to_string()));
                    None
                }
            },
        };
        let mut channels = Vec::new();
        for (i, c) in self.channels.iter().enumerate() {
            match Channel::from_code(c.trim()) {
                Some(ch) => channels.push(ch),
                None => errors.push(FieldError::new(
                    format!("channels[{i}]"),
                    format!("unknown channel {c:?}"),
                )),
            }
        }
        let parameters = PromotionParameters {
            kind,
            percent_bp,
            duration_days,
            budget,
            channels,
            audience: ForecastAudience {
                level_ids: self.audience.level_ids,
                tags: self.audience.tags,
            },
        };
        if let Err(more) = parameters.validate() {
            errors.extend(more.into_iter().filter(|e| {
                // A channel already refused as unknown is not reported again as missing.
                e.field != "channels" || self.channels.is_empty()
            }));
        }
        if errors.is_empty() {
            Ok(parameters)
        } else {
            Err(errors)
        }
    }
}

/// The break-even point.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct BreakEvenResponse {
    /// Extra purchases that pay for the promotion given on the baseline purchases; null when it
    /// never pays off (percent not below the margin) or the margin is unknown.
    pub purchases: Option<i64>,
    /// The promotion day it is reached at the expected pace; null if not within it.
    pub day: Option<i64>,
    /// Whether the expected purchases reach it.
    pub reached: bool,
}

impl From<BreakEven> for BreakEvenResponse {
    fn from(b: BreakEven) -> Self {
        Self {
            purchases: b.purchases,
            day: b.day,
            reached: b.reached,
        }
    }
}

/// The parameters a forecast was computed for.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ForecastParametersResponse {
    /// `discount` or `bonus_points`.
    pub kind: String,
    /// Percent of the check (always present for a valid promotion).
    pub value: Option<Percent>,
    /// Days.
    pub duration_days: u32,
    /// Budget, if limited.
    pub budget: Option<Money>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Audience levels.
    pub level_ids: Vec<LevelId>,
    /// Audience tags.
    pub tags: Vec<String>,
}

/// A promotion forecast.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ForecastResponse {
    /// The parameters.
    pub parameters: ForecastParametersResponse,
    /// The method (Russian).
    pub method: String,
    /// Average check of the last 90 days.
    pub average_check: Money,
    /// Margin from cost prices of goods sold, basis points; null when unknown.
    pub margin_bp: Option<i64>,
    /// Conversion of past campaign messages, basis points; null without past campaigns.
    pub conversion_bp: Option<i64>,
    /// Clients reached (audience with personal-data and marketing consent).
    pub audience_size: i64,
    /// Expected returning clients.
    pub expected_returning_clients: i64,
    /// Expected new clients.
    pub expected_new_clients: i64,
    /// Expected purchases by them.
    pub expected_purchases: i64,
    /// Purchases the audience makes anyway during the promotion.
    pub baseline_purchases: i64,
    /// Expected purchases × average check.
    pub gross_revenue: Money,
    /// Expected receipts (gross revenue less the discount).
    pub revenue: Money,
    /// Discount given or bonus points granted (expected and baseline purchases).
    pub promotion_cost: Money,
    /// Message cost (no message price is configured: 0).
    pub message_cost: Money,
    /// Total cost.
    pub cost: Money,
    /// Gross revenue × margin − cost; null when the margin is unknown.
    pub profit: Option<Money>,
    /// The break-even point.
    pub break_even: BreakEvenResponse,
    /// Whether the budget capped the purchases.
    pub budget_limited: bool,
    /// Assumptions (Russian).
    pub assumptions: Vec<String>,
    /// Who asked (`system` for the default forecast).
    pub created_by: String,
    /// When computed.
    pub created_at: Timestamp,
}

/// The method, named in every forecast.
pub const FORECAST_METHOD: &str = "Средний чек, маржа и конверсия прошлых рассылок за 90 дней; \
    возвращающиеся клиенты = аудитория с согласиями × конверсия; новые — в темпе первых покупок; \
    безубыточность — дополнительные покупки, окупающие скидку на покупки, которые были бы и без акции.";

impl From<StoredForecast> for ForecastResponse {
    fn from(s: StoredForecast) -> Self {
        let f: Forecast = s.forecast;
        let p = s.parameters;
        Self {
            parameters: ForecastParametersResponse {
                kind: p.kind.code().to_owned(),
                value: Percent::from_basis_points(p.percent_bp),
                duration_days: p.duration_days,
                budget: p.budget,
                channels: p.channels,
                level_ids: p.audience.level_ids,
                tags: p.audience.tags,
            },
            method: FORECAST_METHOD.to_owned(),
            average_check: f.average_check,
            margin_bp: f.margin_bp,
            conversion_bp: f.conversion_bp,
            audience_size: f.audience_size,
            expected_returning_clients: f.returning_clients,
            expected_new_clients: f.new_clients,
            expected_purchases: f.purchases,
            baseline_purchases: f.baseline_purchases,
            gross_revenue: f.gross_revenue,
            revenue: f.revenue,
            promotion_cost: f.promotion_cost,
            message_cost: f.message_cost,
            cost: f.total_cost,
            profit: f.profit,
            break_even: f.break_even.into(),
            budget_limited: f.budget_limited,
            assumptions: f.assumptions,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}

/// A dashboard alert.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AlertResponse {
    /// Stable code: `low_stock`, `no_shows_rising`, `unanswered_messages`, `failed_deliveries`,
    /// `birthdays_soon`, `campaign_awaiting_confirmation`, `onboarding_goal_not_set`.
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

impl From<Alert> for AlertResponse {
    fn from(a: Alert) -> Self {
        Self {
            code: a.code,
            severity: a.severity,
            title: a.title,
            count: a.count,
            link: a.link,
        }
    }
}

/// A promo card of the home screen.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PromoCard {
    /// Stable code.
    pub code: String,
    /// Title (Russian).
    pub title: String,
    /// The figure on the card (text).
    pub value: String,
    /// The API path to open.
    pub link: String,
}

/// A section link of the home screen.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SectionLink {
    /// Stable code.
    pub code: String,
    /// Title (Russian).
    pub title: String,
    /// The API path the front end opens.
    pub path: String,
}

/// A certificate type on sale.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CertificateTypeSummary {
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
    /// Certificates of this type issued.
    pub issued: i64,
}

/// Issued certificates.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CertificatesSummary {
    /// Issued.
    pub issued: i64,
    /// Active (balance left, not expired).
    pub active: i64,
    /// Sum of their sale prices.
    pub sold_sum: Money,
    /// Sum of their nominals.
    pub nominal_sum: Money,
    /// Unused balance of the active ones.
    pub balance_sum: Money,
}

/// The configured referral programme.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ReferralSummary {
    /// Whether it is on.
    pub enabled: bool,
    /// Reward per generation, nearest first.
    pub generations: Vec<Percent>,
    /// `points` or `money`.
    pub reward_type: String,
    /// Clients brought by referrers.
    pub referred_clients: i64,
}

/// The promotion block of the full dashboard.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PromotionBlock {
    /// Certificate types on sale.
    pub certificate_types: Vec<CertificateTypeSummary>,
    /// Certificates: counts and sums.
    pub certificates: CertificatesSummary,
    /// The referral programme.
    pub referral_programs: ReferralSummary,
    /// The latest forecast, or a default one from the business's own averages.
    pub promotion_forecast: ForecastResponse,
    /// Whether `promotion_forecast` is the default one (10 % discount for 14 days to everybody).
    pub promotion_forecast_is_default: bool,
}

/// The full dashboard.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct DashboardFullResponse {
    /// The summary ("Сегодня").
    pub summary: SummaryResponse,
    /// Alerts generated from data.
    pub alerts: Vec<AlertResponse>,
    /// Promo cards.
    pub promo_cards: Vec<PromoCard>,
    /// Section links.
    pub sections: Vec<SectionLink>,
    /// Certificates, referral programme and promotion forecast.
    pub promotion: PromotionBlock,
}

impl DashboardFullResponse {
    /// The full dashboard from the summary and the control tower's block.
    pub fn new(summary: SummaryResponse, block: DashboardBlock) -> Self {
        let p = block.promotion;
        let f = &block.figures;
        let card = |code: &str, title: &str, value: String, link: &str| PromoCard {
            code: code.to_owned(),
            title: title.to_owned(),
            value,
            link: link.to_owned(),
        };
        let forecast: ForecastResponse = block.forecast.into();
        let promo_cards = vec![
            card(
                "certificates",
                "Подарочные сертификаты",
                format!(
                    "Продано: {} на {} ₽",
                    p.certificates_issued,
                    Money::from_minor(p.certificates_sold_sum)
                ),
                "/api/v1/admin/certificates",
            ),
            card(
                "referral_program",
                "Приведи друга",
                format!("Клиентов по рекомендации: {}", p.referred_clients),
                "/api/v1/admin/referral-programs",
            ),
            card(
                "promotion_forecast",
                "Прогноз акции",
                format!(
                    "{} покупок, выручка {} ₽",
                    forecast.expected_purchases, forecast.revenue
                ),
                "/api/v1/admin/analytics/promotion-forecast",
            ),
            card(
                "control_tower",
                "Центр управления",
                format!("Спящих клиентов: {}", f.sleeping_clients_60d),
                "/api/v1/admin/analytics/control-tower",
            ),
        ];
        let link = |code: &str, title: &str, path: &str| SectionLink {
            code: code.to_owned(),
            title: title.to_owned(),
            path: path.to_owned(),
        };
        let sections = vec![
            link("clients", "Клиенты", "/api/v1/admin/clients"),
            link("operations", "Операции", "/api/v1/admin/operations"),
            link("products", "Товары и склад", "/api/v1/admin/products"),
            link("appointments", "Записи", "/api/v1/admin/appointments"),
            link("campaigns", "Рассылки", "/api/v1/admin/campaigns"),
            link("dialogues", "Диалоги", "/api/v1/admin/dialogues/messages"),
            link("feedback", "Отзывы", "/api/v1/admin/feedback"),
            link("news", "Новости", "/api/v1/admin/news"),
            link("certificates", "Сертификаты", "/api/v1/admin/certificates"),
            link("employees", "Сотрудники", "/api/v1/admin/employees"),
            link(
                "analytics",
                "Центр управления",
                "/api/v1/admin/analytics/control-tower",
            ),
            link("settings", "Настройки", "/api/v1/admin/system-settings"),
        ];
        Self {
            summary,
            alerts: block.alerts.into_iter().map(Into::into).collect(),
            promo_cards,
            sections,
            promotion: PromotionBlock {
                certificate_types: p
                    .certificate_types
                    .into_iter()
                    .map(|t| CertificateTypeSummary {
                        id: t.id,
                        name: t.name,
                        nominal: t.nominal,
                        price: t.price,
                        validity_days: t.validity_days,
                        issued: t.issued,
                    })
                    .collect(),
                certificates: CertificatesSummary {
                    issued: p.certificates_issued,
                    active: p.certificates_active,
                    sold_sum: Money::from_minor(p.certificates_sold_sum),
                    nominal_sum: Money::from_minor(p.certificates_nominal_sum),
                    balance_sum: Money::from_minor(p.certificates_balance_sum),
                },
                referral_programs: ReferralSummary {
                    enabled: p.referral_enabled,
                    generations: p
                        .referral_generations_bp
                        .iter()
                        .filter_map(|bp| Percent::from_basis_points(*bp))
                        .collect(),
                    reward_type: p.referral_reward_type,
                    referred_clients: p.referred_clients,
                },
                promotion_forecast: forecast,
                promotion_forecast_is_default: block.forecast_is_default,
            },
        }
    }
}
