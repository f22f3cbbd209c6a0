//! [`ControlTower`]: the control tower's use cases over [`TowerStore`], the business calendar
//! and the clock: the view with its actions, the processes, the policy, the goal wizard, the
//! presets, the promotion forecast and the full dashboard's alerts and promotion block.

use super::catalogue::{self, campaign_call, days_before, definition, Preset, SLEEPING_DAYS};
use super::model::{
    check_range, Action, Alert, ApiCall, Direction, FiguresWindow, Goal, GoalMetric, GoalProgress,
    GoalRequest, GoalState, PolicyPlan, PolicyUpdate, PolicyView, Priority, ProcessCode,
    ProcessOverride, ProcessStatus, ProcessUpdate, ProcessView, PromotionFigures, StoredForecast,
    TowerFigures, TowerView,
};
use super::ports::TowerStore;
use crate::forecast::{
    forecast, ForecastAudience, PromotionKind, PromotionParameters, HISTORY_DAYS,
};
use crate::period::{local_date, local_day_start, timezone};
use crate::ports::BusinessCalendar;
use crm_core::{Channel, Clock, FieldError, RepoError, Timestamp, Validation};
use time::{Date, Duration};

/// Days of the onboarding goal.
pub const GOAL_DAYS: i64 = 90;
/// Largest touch cap.
pub const MAX_TOUCH_CAP: i64 = 1_000;
/// Longest touch period, days.
pub const MAX_TOUCH_PERIOD_DAYS: i64 = 365;

/// The failures of the control tower's use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TowerError {
    /// No process has that code.
    #[error("no process {0}")]
    ProcessNotFound(String),
    /// No preset for that vertical.
    #[error("no preset for {0}")]
    UnknownVertical(String),
    /// Invalid input.
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
}

/// The full dashboard's part that the control tower computes.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardBlock {
    /// The figures.
    pub figures: TowerFigures,
    /// Alerts generated from data.
    pub alerts: Vec<Alert>,
    /// Certificates and referral programme.
    pub promotion: PromotionFigures,
    /// The latest forecast, or a default one from the business's own averages.
    pub forecast: StoredForecast,
    /// Whether `forecast` is the default one.
    pub forecast_is_default: bool,
}

/// The control tower's use cases.
pub struct ControlTower<S, K, C> {
    store: S,
    calendar: K,
    clock: C,
}

/// The Russian plural of `n` among "один", "два", "пять" forms.
pub fn plural<'a>(n: i64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (n10, n100) = (n.abs() % 10, n.abs() % 100);
    if n10 == 1 && n100 != 11 {
        one
    } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
        few
    } else {
        many
    }
}

fn ratio_bp(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| part.saturating_mul(10_000) / whole)
}

/// The KPI of `code` from `f`.
pub fn kpi_value(code: ProcessCode, f: &TowerFigures) -> Option<i64> {
    match code {
        ProcessCode::NewClientActivation => ratio_bp(f.new_clients_30d_buyers, f.new_clients_30d),
        ProcessCode::RepeatVisit => ratio_bp(f.repeat_clients_90d, f.active_clients_90d),
        ProcessCode::Reactivation => Some(f.sleeping_clients_60d),
        ProcessCode::NoShowReduction => ratio_bp(f.no_shows_30d, f.no_shows_30d + f.completed_30d),
        ProcessCode::StockReplenishment => Some(f.low_stock_count),
        ProcessCode::FeedbackHandling => ratio_bp(f.feedback_30d_answered_in_time, f.feedback_30d),
        ProcessCode::ReferralGrowth => Some(f.referred_clients_30d),
    }
}

/// The processes with their KPIs from `f`, overrides applied.
pub fn process_views(
    f: &TowerFigures,
    overrides: &[ProcessOverride],
    now: Timestamp,
) -> Vec<ProcessView> {
    ProcessCode::ALL
        .into_iter()
        .map(|code| {
            let d = definition(code);
            let o = overrides.iter().find(|o| o.code == code);
            let target = o.map_or(d.default_target, |o| o.target);
            let enabled = o.is_none_or(|o| o.enabled);
            let value = kpi_value(code, f);
            let status = match (enabled, value) {
                (false, _) => ProcessStatus::Disabled,
                (true, None) => ProcessStatus::NoData,
                (true, Some(v)) => {
                    let ok = match d.direction {
                        Direction::HigherIsBetter => v >= target,
                        Direction::LowerIsBetter => v <= target,
                    };
                    if ok {
                        ProcessStatus::OnTarget
                    } else {
                        ProcessStatus::OffTarget
                    }
                }
            };
            ProcessView {
                code,
                title: d.title.to_owned(),
                kpi_code: d.kpi_code.to_owned(),
                kpi_title: d.kpi_title.to_owned(),
                formula: d.formula.to_owned(),
                unit: d.unit,
                direction: d.direction,
                value,
                baseline: o.and_then(|o| o.baseline),
                target,
                sla: d.sla.to_owned(),
                sla_hours: d.sla_hours,
                triggers: catalogue::triggers(code, now),
                enabled,
                status,
            }
        })
        .collect()
}

fn off_target(processes: &[ProcessView], code: ProcessCode) -> bool {
    processes
        .iter()
        .any(|p| p.code == code && p.status == ProcessStatus::OffTarget)
}

fn get(path: &str) -> ApiCall {
    ApiCall {
        method: "GET".to_owned(),
        path: path.to_owned(),
        body: None,
    }
}

/// The prioritised actions from `f`, most urgent first (ties: larger count first).
pub fn derive_actions(
    f: &TowerFigures,
    processes: &[ProcessView],
    goal_set: bool,
    now: Timestamp,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut push = |code: &str,
                    title: String,
                    recommendation: &str,
                    count: i64,
                    priority: Priority,
                    process: Option<ProcessCode>,
                    call: ApiCall| {
        actions.push(Action {
            code: code.to_owned(),
            title,
            recommendation: recommendation.to_owned(),
            count,
            priority,
            process,
            call,
        })
    };
    let urgent = |code| {
        if off_target(processes, code) {
            Priority::High
        } else {
            Priority::Medium
        }
    };
    if !goal_set {
        push(
            "set_onboarding_goal",
            "Цель на 90 дней не задана — пройдите мастер цели".to_owned(),
            "Выберите метрику (выручка, новые клиенты, доля повторных покупок или средний чек) и целевое значение: центр управления будет отслеживать прогресс.",
            1,
            Priority::High,
            None,
            ApiCall {
                method: "PUT".to_owned(),
                path: "/api/v1/admin/analytics/control-tower/onboarding-goal".to_owned(),
                body: Some(r#"{"metric":"revenue","target":500000}"#.to_owned()),
            },
        );
    }
    if f.sleeping_clients_60d > 0 {
        let n = f.sleeping_clients_60d;
        push(
            "reactivate_sleeping_clients",
            format!(
                "{n} {} не {} {SLEEPING_DAYS} дней — запустить реактивацию",
                plural(n, "клиент", "клиента", "клиентов"),
                plural(n, "приходил", "приходили", "приходили")
            ),
            "Запустите реактивационную рассылку с персональным предложением клиентам без покупок 60 дней.",
            n,
            urgent(ProcessCode::Reactivation),
            Some(ProcessCode::Reactivation),
            campaign_call(
                "Реактивация",
                &format!(
                    r#"{{"last_purchase_before":"{}"}}"#,
                    days_before(now, SLEEPING_DAYS)
                ),
                "{name}, мы соскучились! Приходите — для вас действует специальное предложение.",
            ),
        );
    }
    if f.low_stock_count > 0 {
        let n = f.low_stock_count;
        let first = f.low_stock.first();
        push(
            "replenish_stock",
            format!(
                "{n} {} ниже минимального остатка — оформить поступление",
                plural(n, "товар", "товара", "товаров")
            ),
            "Закажите товар у поставщика и оформите поступление на склад.",
            n,
            Priority::High,
            Some(ProcessCode::StockReplenishment),
            ApiCall {
                method: "POST".to_owned(),
                path: first.map_or_else(
                    || "/api/v1/admin/products/{product_id}/movements".to_owned(),
                    |p| format!("/api/v1/admin/products/{}/movements", p.product_id),
                ),
                body: Some(format!(
                    r#"{{"type":"receipt","location_id":{},"quantity":10}}"#,
                    first.and_then(|p| p.location_id).unwrap_or(1)
                )),
            },
        );
    }
    if f.unanswered_dialogues > 0 {
        let n = f.unanswered_dialogues;
        push(
            "answer_client_messages",
            format!(
                "{n} {} {} ответа в диалогах",
                plural(n, "клиент", "клиента", "клиентов"),
                plural(n, "ждёт", "ждут", "ждут")
            ),
            "Ответьте клиентам: неотвеченные сообщения снижают повторные визиты.",
            n,
            Priority::High,
            None,
            get("/api/v1/admin/dialogues/messages"),
        );
    }
    if f.unanswered_feedback > 0 {
        let n = f.unanswered_feedback;
        push(
            "answer_feedback",
            format!("{n} {} без ответа", plural(n, "отзыв", "отзыва", "отзывов")),
            "Ответьте на отзывы и жалобы в течение 24 часов.",
            n,
            urgent(ProcessCode::FeedbackHandling),
            Some(ProcessCode::FeedbackHandling),
            get("/api/v1/admin/feedback"),
        );
    }
    if f.no_shows_week > f.no_shows_prev_week || off_target(processes, ProcessCode::NoShowReduction)
    {
        push(
            "reduce_no_shows",
            format!(
                "Неявок за неделю: {} (неделей раньше: {}) — включить напоминания",
                f.no_shows_week, f.no_shows_prev_week
            ),
            "Включите напоминания о записи за день и за час до начала.",
            f.no_shows_week,
            urgent(ProcessCode::NoShowReduction),
            Some(ProcessCode::NoShowReduction),
            catalogue::triggers(ProcessCode::NoShowReduction, now)
                .into_iter()
                .next()
                .map_or_else(
                    || get("/api/v1/admin/communications/reminders/rules"),
                    |t| t.call,
                ),
        );
    }
    let inactive_new = f.new_clients_30d - f.new_clients_30d_buyers;
    if inactive_new > 0 {
        push(
            "activate_new_clients",
            format!(
                "{inactive_new} {} без первой покупки за 30 дней — отправить приветственное предложение",
                plural(inactive_new, "новый клиент", "новых клиента", "новых клиентов")
            ),
            "Отправьте приветственное предложение клиентам без покупок.",
            inactive_new,
            urgent(ProcessCode::NewClientActivation),
            Some(ProcessCode::NewClientActivation),
            campaign_call(
                "Приветственное предложение",
                r#"{"spent_max":0}"#,
                "{name}, ждём вас за первой покупкой — бонусы уже на вашем счёте!",
            ),
        );
    }
    if f.failed_deliveries_24h > 0 {
        let n = f.failed_deliveries_24h;
        push(
            "check_failed_deliveries",
            format!(
                "{n} {} за сутки — проверить каналы",
                plural(
                    n,
                    "сообщение не доставлено",
                    "сообщения не доставлены",
                    "сообщений не доставлено"
                )
            ),
            "Проверьте настройки каналов и контакты клиентов.",
            n,
            Priority::Medium,
            None,
            get("/api/v1/admin/communications"),
        );
    }
    if let Some(id) = f.first_awaiting_campaign {
        let n = f.campaigns_awaiting_confirmation;
        push(
            "confirm_campaign",
            format!(
                "{n} {} подтверждения",
                plural(n, "кампания ждёт", "кампании ждут", "кампаний ждут")
            ),
            "Проверьте и подтвердите кампанию в мастере рассылок.",
            n,
            Priority::Medium,
            None,
            get(&format!(
                "/api/v1/admin/communications/workflows/{id}/step-4-confirmation"
            )),
        );
    }
    if f.birthdays_7d > 0 {
        let n = f.birthdays_7d;
        push(
            "congratulate_birthdays",
            format!(
                "{n} {} день рождения в ближайшие 7 дней — поздравить",
                plural(
                    n,
                    "клиент празднует",
                    "клиента празднуют",
                    "клиентов празднуют"
                )
            ),
            "Отправьте поздравление с подарочными баллами.",
            n,
            Priority::Low,
            None,
            campaign_call(
                "Поздравление с днём рождения",
                r#"{"birthday_within_days":7}"#,
                "{name}, с днём рождения! Дарим вам бонусы.",
            ),
        );
    }
    if f.referred_clients_30d == 0 && off_target(processes, ProcessCode::ReferralGrowth) {
        push(
            "grow_referrals",
            "Нет новых клиентов по рекомендации за 30 дней — напомнить о программе".to_owned(),
            "Пригласите постоянных клиентов поделиться ссылкой.",
            0,
            Priority::Low,
            Some(ProcessCode::ReferralGrowth),
            campaign_call(
                "Приведи друга",
                r#"{"spent_min":0.01}"#,
                "{name}, пригласите друга — и получите бонусы за его покупки!",
            ),
        );
    }
    actions.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.count.cmp(&a.count)));
    actions
}

/// The dashboard alerts from `f`.
pub fn derive_alerts(f: &TowerFigures, goal_set: bool) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let mut push = |code: &str, severity: &str, title: String, count: i64, link: String| {
        alerts.push(Alert {
            code: code.to_owned(),
            severity: severity.to_owned(),
            title,
            count,
            link,
        })
    };
    if !goal_set {
        push(
            "onboarding_goal_not_set",
            "warning",
            "Задайте цель на 90 дней".to_owned(),
            1,
            "/api/v1/admin/analytics/control-tower/onboarding-goal".to_owned(),
        );
    }
    if f.low_stock_count > 0 {
        push(
            "low_stock",
            "warning",
            format!("Товаров ниже минимального остатка: {}", f.low_stock_count),
            f.low_stock_count,
            "/api/v1/admin/products".to_owned(),
        );
    }
    if f.no_shows_week > f.no_shows_prev_week {
        push(
            "no_shows_rising",
            "warning",
            format!(
                "Неявок больше: {} за неделю против {} неделей раньше",
                f.no_shows_week, f.no_shows_prev_week
            ),
            f.no_shows_week,
            "/api/v1/admin/appointments".to_owned(),
        );
    }
    if f.unanswered_dialogues > 0 {
        push(
            "unanswered_messages",
            "warning",
            format!("Клиентов ждут ответа: {}", f.unanswered_dialogues),
            f.unanswered_dialogues,
            "/api/v1/admin/dialogues/messages".to_owned(),
        );
    }
    if f.failed_deliveries_24h > 0 {
        push(
            "failed_deliveries",
            "critical",
            format!("Не доставлено за сутки: {}", f.failed_deliveries_24h),
            f.failed_deliveries_24h,
            "/api/v1/admin/communications".to_owned(),
        );
    }
    if f.birthdays_7d > 0 {
        push(
            "birthdays_soon",
            "info",
            format!("Дни рождения в ближайшие 7 дней: {}", f.birthdays_7d),
            f.birthdays_7d,
            "/api/v1/admin/clients".to_owned(),
        );
    }
    if let Some(id) = f.first_awaiting_campaign {
        push(
            "campaign_awaiting_confirmation",
            "info",
            format!(
                "Кампаний ждут подтверждения: {}",
                f.campaigns_awaiting_confirmation
            ),
            f.campaigns_awaiting_confirmation,
            format!("/api/v1/admin/communications/workflows/{id}/step-4-confirmation"),
        );
    }
    alerts
}

/// The parameters of the default forecast: a 10 % discount for 14 days to everybody by
/// Telegram.
pub fn default_parameters() -> PromotionParameters {
    PromotionParameters {
        kind: PromotionKind::Discount,
        percent_bp: 1_000,
        duration_days: 14,
        budget: None,
        channels: vec![Channel::Telegram],
        audience: ForecastAudience::default(),
    }
}

/// Checks a goal request at local date `today`.
pub fn validate_goal(
    request: &GoalRequest,
    today: Date,
    actor: &str,
    at: Timestamp,
) -> Result<Goal, Vec<FieldError>> {
    let mut v = Validation::new();
    let metric = GoalMetric::from_code(request.metric.trim());
    if metric.is_none() {
        v.add(
            "metric",
            "must be one of revenue, new_clients, repeat_rate, average_check",
        );
    }
    let max = match metric {
        Some(GoalMetric::RepeatRate) => 10_000,
        Some(GoalMetric::NewClients) => 1_000_000,
        _ => 100_000_000_000_000,
    };
    if !(1..=max).contains(&request.target) {
        v.add("target", format!("must be above 0 and at most {max}"));
    }
    let start = match request.start_date.as_deref() {
        None => today,
        Some(text) => super::model::parse_date(text).unwrap_or_else(|| {
            v.add("start_date", "must be a date YYYY-MM-DD");
            today
        }),
    };
    if start < today - Duration::days(GOAL_DAYS) || start > today + Duration::days(30) {
        v.add(
            "start_date",
            "must be within the last 90 days or the next 30 days",
        );
    }
    v.finish()?;
    Ok(Goal {
        metric: metric.unwrap_or(GoalMetric::Revenue),
        target: request.target,
        start_date: start,
        days: GOAL_DAYS,
        set_by: actor.to_owned(),
        set_at: at,
    })
}

/// Checks a policy change against the current values and builds the plan.
pub fn plan_policy(
    update: &PolicyUpdate,
    cap: u32,
    period: u32,
) -> Result<PolicyPlan, Vec<FieldError>> {
    let mut v = Validation::new();
    let new_cap = update.touch_cap.unwrap_or(i64::from(cap));
    if !(0..=MAX_TOUCH_CAP).contains(&new_cap) {
        v.add(
            "touch_cap",
            format!("must be between 0 and {MAX_TOUCH_CAP}"),
        );
    }
    let new_period = update.touch_period_days.unwrap_or(i64::from(period));
    if !(1..=MAX_TOUCH_PERIOD_DAYS).contains(&new_period) {
        v.add(
            "touch_period_days",
            format!("must be between 1 and {MAX_TOUCH_PERIOD_DAYS}"),
        );
    }
    let mut channels = Vec::new();
    if let Some(codes) = &update.channel_priority {
        if codes.is_empty() {
            v.add("channel_priority", "name at least one channel");
        }
        for (i, code) in codes.iter().enumerate() {
            match Channel::from_code(code.trim()) {
                None => v.add(
                    format!("channel_priority[{i}]"),
                    format!("unknown channel {code:?}"),
                ),
                Some(c) if channels.contains(&c) => {
                    v.add(format!("channel_priority[{i}]"), "is listed twice")
                }
                Some(c) => channels.push(c),
            }
        }
    }
    v.finish()?;
    Ok(PolicyPlan {
        touch_cap: (cap, u32::try_from(new_cap).unwrap_or(cap)),
        touch_period_days: (period, u32::try_from(new_period).unwrap_or(period)),
        channel_priority: update.channel_priority.as_ref().map(|_| channels),
    })
}

impl<S: TowerStore, K: BusinessCalendar, C: Clock> ControlTower<S, K, C> {
    /// The use cases over `store`, `calendar` and `clock`.
    pub fn new(store: S, calendar: K, clock: C) -> Self {
        Self {
            store,
            calendar,
            clock,
        }
    }

    fn today(&self) -> Result<(Date, &'static time_tz::Tz), TowerError> {
        let tz = timezone(&self.calendar.timezone()?);
        Ok((local_date(self.clock.now(), tz), tz))
    }

    fn window(&self) -> Result<FiguresWindow, TowerError> {
        let now = self.clock.now();
        let (today, tz) = self.today()?;
        let birthdays = (0..7)
            .map(|d| {
                let date = today + Duration::days(d);
                format!("{:02}-{:02}", u8::from(date.month()), date.day())
            })
            .collect();
        Ok(FiguresWindow {
            now,
            today_from: local_day_start(today, tz),
            today_to: local_day_start(today + Duration::days(1), tz),
            week_to: local_day_start(today + Duration::days(7), tz),
            birthdays,
        })
    }

    /// The control tower: figures, processes and the prioritised actions.
    pub fn view(&self) -> Result<TowerView, TowerError> {
        let window = self.window()?;
        let figures = self.store.figures(&window)?;
        let processes = process_views(&figures, &self.store.overrides()?, window.now);
        let goal_set = self.store.goal()?.is_some();
        let actions = derive_actions(&figures, &processes, goal_set, window.now);
        Ok(TowerView {
            figures,
            processes,
            actions,
            goal_set,
            at: window.now,
        })
    }

    /// The processes with their KPIs.
    pub fn processes(&self) -> Result<Vec<ProcessView>, TowerError> {
        let window = self.window()?;
        let figures = self.store.figures(&window)?;
        Ok(process_views(
            &figures,
            &self.store.overrides()?,
            window.now,
        ))
    }

    /// Changes a process's baseline, target or enabled; unknown code → not found.
    pub fn update_process(
        &self,
        code: &str,
        update: ProcessUpdate,
        actor: &str,
    ) -> Result<ProcessView, TowerError> {
        let code = ProcessCode::from_code(code)
            .ok_or_else(|| TowerError::ProcessNotFound(code.to_owned()))?;
        let d = definition(code);
        let mut errors = Vec::new();
        if let Some(b) = update.baseline {
            errors.extend(check_range(d.unit, "baseline", b).err());
        }
        if let Some(t) = update.target {
            errors.extend(check_range(d.unit, "target", t).err());
        }
        if !errors.is_empty() {
            return Err(TowerError::Validation(errors));
        }
        let current = self.store.overrides()?;
        let old = current.iter().find(|o| o.code == code);
        let new = ProcessOverride {
            code,
            baseline: update.baseline.or(old.and_then(|o| o.baseline)),
            target: update
                .target
                .unwrap_or(old.map_or(d.default_target, |o| o.target)),
            enabled: update.enabled.unwrap_or(old.is_none_or(|o| o.enabled)),
        };
        self.store.save_overrides(&[new], actor, self.clock.now())?;
        self.processes()?
            .into_iter()
            .find(|p| p.code == code)
            .ok_or(TowerError::ProcessNotFound(code.code().to_owned()))
    }

    /// The policy with the quality figures.
    pub fn policy(&self) -> Result<PolicyView, TowerError> {
        let stored = self.store.policy()?;
        Ok(PolicyView {
            touch_cap: stored.touch_cap,
            touch_period_days: stored.touch_period_days,
            channel_priority: stored
                .channel_priority
                .unwrap_or_else(catalogue::default_channel_priority),
            quality: self.store.quality()?,
        })
    }

    /// Changes the policy; nothing is written when a field is invalid.
    pub fn update_policy(
        &self,
        update: &PolicyUpdate,
        actor: &str,
    ) -> Result<PolicyView, TowerError> {
        let stored = self.store.policy()?;
        let plan = plan_policy(update, stored.touch_cap, stored.touch_period_days)
            .map_err(TowerError::Validation)?;
        self.store.save_policy(&plan, actor, self.clock.now())?;
        self.policy()
    }

    /// The goal wizard's state: required, or the goal with its progress.
    pub fn goal(&self) -> Result<GoalState, TowerError> {
        let Some(goal) = self.store.goal()? else {
            return Ok(GoalState::Required);
        };
        let (_, tz) = self.today()?;
        let now = self.clock.now();
        let from = local_day_start(goal.start_date, tz);
        let ends_at = local_day_start(goal.start_date + Duration::days(goal.days), tz);
        // Up to now inclusive (a purchase recorded this millisecond counts).
        let up_to_now = Timestamp::from_unix_millis(now.unix_millis() + 1).unwrap_or(now);
        let to = if up_to_now < ends_at {
            up_to_now
        } else {
            ends_at
        };
        let current = if to > from {
            self.store.goal_value(goal.metric, from, to)?.unwrap_or(0)
        } else {
            0
        };
        let elapsed = ((now.unix_millis() - from.unix_millis()) / 86_400_000).clamp(0, goal.days);
        let on_track = if goal.metric.cumulative() {
            i128::from(current) * i128::from(goal.days)
                >= i128::from(goal.target) * i128::from(elapsed)
        } else {
            current >= goal.target
        };
        let progress_percent =
            (i128::from(current) * 1_000 / i128::from(goal.target.max(1))) as f64 / 10.0;
        Ok(GoalState::Set(GoalProgress {
            ends_at,
            current,
            progress_percent,
            days_elapsed: elapsed,
            days_left: goal.days - elapsed,
            on_track,
            goal,
        }))
    }

    /// Sets the goal.
    pub fn set_goal(&self, request: &GoalRequest, actor: &str) -> Result<GoalState, TowerError> {
        let (today, _) = self.today()?;
        let goal = validate_goal(request, today, actor, self.clock.now())
            .map_err(TowerError::Validation)?;
        self.store.save_goal(&goal)?;
        self.goal()
    }

    /// The preset of `vertical`.
    pub fn preset(&self, vertical: &str) -> Result<Preset, TowerError> {
        catalogue::preset(vertical).ok_or_else(|| TowerError::UnknownVertical(vertical.to_owned()))
    }

    /// Writes the preset's targets and switches into the processes (baselines kept).
    pub fn apply_preset(
        &self,
        vertical: &str,
        actor: &str,
    ) -> Result<Vec<ProcessView>, TowerError> {
        let preset = self.preset(vertical)?;
        let current = self.store.overrides()?;
        let overrides: Vec<ProcessOverride> = preset
            .processes
            .iter()
            .map(|(code, enabled, target)| ProcessOverride {
                code: *code,
                baseline: current
                    .iter()
                    .find(|o| o.code == *code)
                    .and_then(|o| o.baseline),
                target: *target,
                enabled: *enabled,
            })
            .collect();
        self.store
            .save_overrides(&overrides, actor, self.clock.now())?;
        self.processes()
    }

    fn compute_forecast(
        &self,
        parameters: PromotionParameters,
        actor: &str,
    ) -> Result<StoredForecast, TowerError> {
        let now = self.clock.now();
        let history = self.store.forecast_history(
            &parameters.audience,
            days_before(now, HISTORY_DAYS),
            now,
        )?;
        Ok(StoredForecast {
            forecast: forecast(&parameters, &history),
            parameters,
            created_by: actor.to_owned(),
            created_at: now,
        })
    }

    /// Forecasts a promotion and stores it as the latest.
    pub fn forecast(
        &self,
        parameters: PromotionParameters,
        actor: &str,
    ) -> Result<StoredForecast, TowerError> {
        parameters.validate().map_err(TowerError::Validation)?;
        let stored = self.compute_forecast(parameters, actor)?;
        self.store.save_forecast(&stored)?;
        Ok(stored)
    }

    /// The full dashboard's alerts, promotion block and forecast.
    pub fn dashboard(&self) -> Result<DashboardBlock, TowerError> {
        let window = self.window()?;
        let figures = self.store.figures(&window)?;
        let goal_set = self.store.goal()?.is_some();
        let (forecast, forecast_is_default) = match self.store.latest_forecast()? {
            Some(f) => (f, false),
            None => (self.compute_forecast(default_parameters(), "system")?, true),
        };
        Ok(DashboardBlock {
            alerts: derive_alerts(&figures, goal_set),
            promotion: self.store.promotion(window.now)?,
            figures,
            forecast,
            forecast_is_default,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ForecastHistory;
    use crate::ports::MockBusinessCalendar;
    use crate::tower::model::{QualityFigures, StoredPolicy};
    use crate::tower::ports::MockTowerStore;
    use crm_core::FixedClock;

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-24T12:00:00Z").unwrap()
    }

    fn calendar() -> MockBusinessCalendar {
        let mut c = MockBusinessCalendar::new();
        c.expect_timezone().returning(|| Ok("UTC".to_owned()));
        c
    }

    fn tower(
        store: MockTowerStore,
    ) -> ControlTower<MockTowerStore, MockBusinessCalendar, FixedClock> {
        ControlTower::new(store, calendar(), FixedClock::new(now()))
    }

    fn figures() -> TowerFigures {
        TowerFigures {
            new_clients_30d: 10,
            new_clients_30d_buyers: 4,
            active_clients_90d: 20,
            repeat_clients_90d: 10,
            sleeping_clients_60d: 12,
            no_shows_30d: 1,
            completed_30d: 9,
            no_shows_week: 3,
            no_shows_prev_week: 1,
            low_stock_count: 2,
            low_stock: vec![crate::tower::model::LowStock {
                product_id: 7,
                name: "Шампунь".to_owned(),
                quantity: 1_000,
                threshold: 5_000,
                location_id: Some(3),
            }],
            ..TowerFigures::default()
        }
    }

    #[test]
    fn kpis_come_from_the_figures() {
        let f = figures();
        assert_eq!(kpi_value(ProcessCode::NewClientActivation, &f), Some(4_000));
        assert_eq!(kpi_value(ProcessCode::RepeatVisit, &f), Some(5_000));
        assert_eq!(kpi_value(ProcessCode::Reactivation, &f), Some(12));
        assert_eq!(kpi_value(ProcessCode::NoShowReduction, &f), Some(1_000));
        assert_eq!(kpi_value(ProcessCode::StockReplenishment, &f), Some(2));
        assert_eq!(kpi_value(ProcessCode::FeedbackHandling, &f), None);
        let views = process_views(&f, &[], now());
        assert_eq!(views.len(), 7);
        // 40 % < 50 % target.
        assert_eq!(views[0].status, ProcessStatus::OffTarget);
        // 50 % ≥ 40 % target.
        assert_eq!(views[1].status, ProcessStatus::OnTarget);
        assert_eq!(views[5].status, ProcessStatus::NoData);
        let off = process_views(
            &f,
            &[ProcessOverride {
                code: ProcessCode::Reactivation,
                baseline: Some(30),
                target: 5,
                enabled: false,
            }],
            now(),
        );
        assert_eq!(off[2].status, ProcessStatus::Disabled);
        assert_eq!((off[2].baseline, off[2].target), (Some(30), 5));
    }

    #[test]
    fn actions_are_prioritised_and_carry_their_call() {
        let f = figures();
        let views = process_views(&f, &[], now());
        let actions = derive_actions(&f, &views, false, now());
        let codes: Vec<&str> = actions.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                // High: off-target activation (6 clients), low stock (2), the goal (1).
                "activate_new_clients",
                "replenish_stock",
                "set_onboarding_goal",
                // Medium: 12 sleeping clients (on target), 3 no-shows rising.
                "reactivate_sleeping_clients",
                "reduce_no_shows",
                // Low: no referrals against a target of 10.
                "grow_referrals",
            ]
        );
        let reactivation = actions
            .iter()
            .find(|a| a.code == "reactivate_sleeping_clients")
            .unwrap();
        assert_eq!(
            reactivation.title,
            "12 клиентов не приходили 60 дней — запустить реактивацию"
        );
        assert_eq!(reactivation.call.path, "/api/v1/admin/campaigns");
        assert!(reactivation
            .call
            .body
            .as_deref()
            .unwrap()
            .contains(r#""last_purchase_before":"2026-09-25T12:00:00Z""#));
        let stock = actions
            .iter()
            .find(|a| a.code == "replenish_stock")
            .unwrap();
        assert_eq!(stock.call.path, "/api/v1/admin/products/7/movements");
        assert!(stock
            .call
            .body
            .as_deref()
            .unwrap()
            .contains(r#""location_id":3"#));
    }

    #[test]
    fn russian_plurals() {
        assert_eq!(plural(1, "клиент", "клиента", "клиентов"), "клиент");
        assert_eq!(plural(3, "клиент", "клиента", "клиентов"), "клиента");
        assert_eq!(plural(11, "клиент", "клиента", "клиентов"), "клиентов");
        assert_eq!(plural(21, "клиент", "клиента", "клиентов"), "клиент");
    }

    #[test]
    fn alerts_from_data() {
        let alerts = derive_alerts(&figures(), true);
        let codes: Vec<&str> = alerts.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["low_stock", "no_shows_rising"]);
        assert_eq!(
            derive_alerts(&TowerFigures::default(), false)[0].code,
            "onboarding_goal_not_set"
        );
    }

    #[test]
    fn an_unknown_process_is_not_found_and_ranges_are_checked() {
        let store = MockTowerStore::new();
        let t = tower(store);
        assert_eq!(
            t.update_process("nope", ProcessUpdate::default(), "employee:1"),
            Err(TowerError::ProcessNotFound("nope".to_owned()))
        );
        let err = t
            .update_process(
                "repeat_visit",
                ProcessUpdate {
                    target: Some(10_001),
                    baseline: Some(-1),
                    enabled: None,
                },
                "employee:1",
            )
            .unwrap_err();
        assert!(matches!(err, TowerError::Validation(ref e) if e.len() == 2));
    }

    #[test]
    fn updating_a_process_keeps_what_is_not_named() {
        let mut store = MockTowerStore::new();
        store.expect_overrides().returning(|| {
            Ok(vec![ProcessOverride {
                code: ProcessCode::Reactivation,
                baseline: Some(40),
                target: 20,
                enabled: true,
            }])
        });
        store
            .expect_save_overrides()
            .withf(|o, _, _| {
                o == [ProcessOverride {
                    code: ProcessCode::Reactivation,
                    baseline: Some(40),
                    target: 15,
                    enabled: true,
                }]
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        store.expect_figures().returning(|_| Ok(figures()));
        let view = tower(store)
            .update_process(
                "reactivation",
                ProcessUpdate {
                    target: Some(15),
                    ..ProcessUpdate::default()
                },
                "employee:1",
            )
            .unwrap();
        assert_eq!(view.value, Some(12));
    }

    #[test]
    fn policy_validation_writes_nothing() {
        let mut store = MockTowerStore::new();
        store.expect_policy().returning(|| {
            Ok(StoredPolicy {
                touch_cap: 3,
                touch_period_days: 7,
                channel_priority: None,
            })
        });
        store.expect_save_policy().never();
        let err = tower(store)
            .update_policy(
                &PolicyUpdate {
                    touch_cap: Some(1_001),
                    touch_period_days: Some(0),
                    channel_priority: Some(vec!["sms".into(), "pigeon".into(), "sms".into()]),
                },
                "employee:1",
            )
            .unwrap_err();
        let TowerError::Validation(errors) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "touch_cap",
                "touch_period_days",
                "channel_priority[1]",
                "channel_priority[2]"
            ]
        );
    }

    #[test]
    fn policy_defaults_to_the_catalogue_priority() {
        let mut store = MockTowerStore::new();
        store.expect_policy().returning(|| {
            Ok(StoredPolicy {
                touch_cap: 2,
                touch_period_days: 5,
                channel_priority: None,
            })
        });
        store
            .expect_quality()
            .returning(|| Ok(QualityFigures::default()));
        let view = tower(store).policy().unwrap();
        assert_eq!(view.channel_priority[0], Channel::Telegram);
        assert_eq!((view.touch_cap, view.touch_period_days), (2, 5));
    }

    #[test]
    fn the_goal_is_required_until_set_and_tracks_progress() {
        let mut store = MockTowerStore::new();
        store.expect_goal().times(1).returning(|| Ok(None));
        assert_eq!(tower(store).goal().unwrap(), GoalState::Required);

        let mut store = MockTowerStore::new();
        store.expect_goal().returning(|| {
            Ok(Some(Goal {
                metric: GoalMetric::Revenue,
                target: 9_000_000,
                start_date: time::macros::date!(2026 - 11 - 14),
                days: 90,
                set_by: "employee:1".into(),
                set_at: Timestamp::parse("2026-11-14T00:00:00Z").unwrap(),
            }))
        });
        store
            .expect_goal_value()
            .withf(|m, from, to| {
                *m == GoalMetric::Revenue
                    && *from == Timestamp::parse("2026-11-14T00:00:00Z").unwrap()
                    && *to == Timestamp::parse("2026-11-24T12:00:00.001Z").unwrap()
            })
            .returning(|_, _, _| Ok(Some(1_500_000)));
        let GoalState::Set(p) = tower(store).goal().unwrap() else {
            panic!("set")
        };
        assert_eq!(p.current, 1_500_000);
        assert_eq!(p.days_elapsed, 10);
        assert_eq!(p.days_left, 80);
        assert_eq!(p.progress_percent, 16.6);
        // 10 days of 90 expect 1 000 000.
        assert!(p.on_track);
    }

    #[test]
    fn goal_validation_names_fields() {
        let today = time::macros::date!(2026 - 11 - 24);
        let bad = GoalRequest {
            metric: "profit".into(),
            target: 0,
            start_date: Some("2027-01-24".into()),
        };
        let fields: Vec<String> = validate_goal(&bad, today, "x", now())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["metric", "target", "start_date"]);
        let rate = GoalRequest {
            metric: "repeat_rate".into(),
            target: 10_001,
            start_date: None,
        };
        assert!(validate_goal(&rate, today, "x", now()).is_err());
    }

    #[test]
    fn presets_write_targets_and_unknown_verticals_are_refused() {
        let mut store = MockTowerStore::new();
        store.expect_overrides().returning(|| Ok(vec![]));
        store
            .expect_save_overrides()
            .withf(|o, _, _| {
                o.len() == 7
                    && o[3]
                        == ProcessOverride {
                            code: ProcessCode::NoShowReduction,
                            baseline: None,
                            target: 500,
                            enabled: true,
                        }
                    && !o[4].enabled
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        store.expect_figures().returning(|_| Ok(figures()));
        let t = tower(store);
        let views = t.apply_preset("clinic", "employee:1").unwrap();
        assert_eq!(views.len(), 7);
        assert_eq!(
            t.preset("bakery").unwrap_err(),
            TowerError::UnknownVertical("bakery".into())
        );
        for v in catalogue::VERTICALS {
            let p = t.preset(v).unwrap();
            assert_eq!(p.vertical, v);
            assert_eq!(p.processes.len(), 7);
        }
    }

    #[test]
    fn the_forecast_reads_90_days_and_is_stored() {
        let mut store = MockTowerStore::new();
        store
            .expect_forecast_history()
            .withf(|_, from, to| {
                *to == now() && *from == Timestamp::parse("2026-08-26T12:00:00Z").unwrap()
            })
            .returning(|_, _, _| {
                Ok(ForecastHistory {
                    purchases: 10,
                    revenue: 1_000_000,
                    buyers: 10,
                    ..ForecastHistory::default()
                })
            });
        store.expect_save_forecast().times(1).returning(|_| Ok(()));
        let stored = tower(store)
            .forecast(default_parameters(), "employee:1")
            .unwrap();
        assert_eq!(stored.forecast.average_check.minor(), 100_000);

        let store = MockTowerStore::new();
        let mut bad = default_parameters();
        bad.duration_days = 0;
        assert!(matches!(
            tower(store).forecast(bad, "employee:1"),
            Err(TowerError::Validation(_))
        ));
    }
}
