//! The control tower's reference content, in Russian: the seven processes (KPI, formula, default
//! target, SLA, triggers), the outcomes catalogue with event-storming steps, and the presets of
//! the verticals. Everything here is reference text and defaults; the figures come from data.

use super::model::{ApiCall, Direction, KpiUnit, ProcessCode, Trigger};
use crm_core::{Channel, Timestamp};

/// Days without a purchase after which a client is "sleeping".
pub const SLEEPING_DAYS: i64 = 60;

/// The fixed part of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessDefinition {
    /// The process.
    pub code: ProcessCode,
    /// Title.
    pub title: &'static str,
    /// KPI code.
    pub kpi_code: &'static str,
    /// KPI title.
    pub kpi_title: &'static str,
    /// Formula.
    pub formula: &'static str,
    /// Unit.
    pub unit: KpiUnit,
    /// Direction.
    pub direction: Direction,
    /// Default target.
    pub default_target: i64,
    /// SLA text.
    pub sla: &'static str,
    /// SLA hours.
    pub sla_hours: i64,
}

/// The definition of `code`.
pub fn definition(code: ProcessCode) -> ProcessDefinition {
    use Direction::*;
    use KpiUnit::*;
    let d =
        |title, kpi_code, kpi_title, formula, unit, direction, default_target, sla, sla_hours| {
            ProcessDefinition {
                code,
                title,
                kpi_code,
                kpi_title,
                formula,
                unit,
                direction,
                default_target,
                sla,
                sla_hours,
            }
        };
    match code {
        ProcessCode::NewClientActivation => d(
            "Активация новых клиентов",
            "first_purchase_rate_30d",
            "Доля новых клиентов с первой покупкой",
            "Клиенты, зарегистрированные за 30 дней и сделавшие покупку / все клиенты, зарегистрированные за 30 дней × 100%",
            BasisPoints,
            HigherIsBetter,
            5_000,
            "Приветственное предложение — в течение 24 часов после регистрации",
            24,
        ),
        ProcessCode::RepeatVisit => d(
            "Повторный визит",
            "repeat_rate_90d",
            "Доля повторных покупателей",
            "Клиенты с последней покупкой за 90 дней и двумя покупками или больше / клиенты с последней покупкой за 90 дней × 100%",
            BasisPoints,
            HigherIsBetter,
            4_000,
            "Напоминание о повторном визите — через 14 дней после покупки",
            336,
        ),
        ProcessCode::Reactivation => d(
            "Реактивация спящих клиентов",
            "sleeping_clients_60d",
            "Спящие клиенты (нет покупок 60 дней)",
            "Число клиентов с покупками, последняя из которых была раньше, чем 60 дней назад",
            Count,
            LowerIsBetter,
            50,
            "Реактивационная рассылка — раз в неделю по новым спящим клиентам",
            168,
        ),
        ProcessCode::NoShowReduction => d(
            "Снижение неявок",
            "no_show_rate_30d",
            "Доля неявок",
            "Записи за 30 дней со статусом «не пришёл» / (неявки + состоявшиеся записи) × 100%",
            BasisPoints,
            LowerIsBetter,
            1_000,
            "Напоминание о записи — за 24 часа и за 1 час до начала",
            24,
        ),
        ProcessCode::StockReplenishment => d(
            "Пополнение запасов",
            "low_stock_products",
            "Товары ниже минимального остатка",
            "Число активных товаров с заданным минимальным остатком, у которых остаток по всем складам ниже минимума",
            Count,
            LowerIsBetter,
            0,
            "Поступление — в течение 48 часов после падения ниже минимума",
            48,
        ),
        ProcessCode::FeedbackHandling => d(
            "Работа с отзывами",
            "feedback_answered_24h_rate_30d",
            "Доля обращений с ответом за 24 часа",
            "Жалобы, предложения и вопросы за 30 дней с ответом в течение 24 часов / все такие обращения за 30 дней × 100%",
            BasisPoints,
            HigherIsBetter,
            9_000,
            "Ответ на жалобу или вопрос — в течение 24 часов",
            24,
        ),
        ProcessCode::ReferralGrowth => d(
            "Рост по рекомендациям",
            "referred_clients_30d",
            "Новые клиенты по рекомендации за 30 дней",
            "Число клиентов, зарегистрированных за 30 дней, у которых указан пригласивший",
            Count,
            HigherIsBetter,
            10,
            "Приглашение поделиться ссылкой — после каждой второй покупки",
            720,
        ),
    }
}

/// A campaign body for `audience` (a JSON object's text) with `text`.
pub fn campaign_body(name: &str, audience: &str, text: &str) -> String {
    format!(
        r#"{{"name":"{name}","channels":["telegram"],"audience":{audience},"content":{{"text":"{text}"}},"schedule":{{"kind":"now"}}}}"#
    )
}

/// The call that launches a campaign.
pub fn campaign_call(name: &str, audience: &str, text: &str) -> ApiCall {
    ApiCall {
        method: "POST".to_owned(),
        path: "/api/v1/admin/campaigns".to_owned(),
        body: Some(campaign_body(name, audience, text)),
    }
}

/// The instant `days` days before `now`.
pub fn days_before(now: Timestamp, days: i64) -> Timestamp {
    now.plus_seconds(-days * 86_400)
}

/// The triggers of `code` at `now`.
pub fn triggers(code: ProcessCode, now: Timestamp) -> Vec<Trigger> {
    let campaign = |when: &str, action: &str, name: &str, audience: String, text: &str| Trigger {
        when: when.to_owned(),
        action: action.to_owned(),
        call: campaign_call(name, &audience, text),
    };
    match code {
        ProcessCode::NewClientActivation => vec![campaign(
            "Доля новых клиентов с первой покупкой ниже цели",
            "Рассылка приветственного предложения клиентам без покупок",
            "Приветственное предложение",
            r#"{"spent_max":0}"#.to_owned(),
            "{name}, ждём вас за первой покупкой — бонусы уже на вашем счёте!",
        )],
        ProcessCode::RepeatVisit => vec![campaign(
            "Доля повторных покупателей ниже цели",
            "Рассылка клиентам с одной покупкой за 90 дней",
            "Повторный визит",
            format!(
                r#"{{"last_purchase_after":"{}","spent_min":0.01}}"#,
                days_before(now, 90)
            ),
            "{name}, приходите снова — на вашем счёте {balance} баллов.",
        )],
        ProcessCode::Reactivation => vec![campaign(
            "Спящих клиентов больше цели",
            "Реактивационная рассылка клиентам без покупок 60 дней",
            "Реактивация",
            format!(
                r#"{{"last_purchase_before":"{}"}}"#,
                days_before(now, SLEEPING_DAYS)
            ),
            "{name}, мы соскучились! Приходите — для вас действует специальное предложение.",
        )],
        ProcessCode::NoShowReduction => vec![Trigger {
            when: "Доля неявок выше цели".to_owned(),
            action: "Включить напоминания о записи за 1 день и за 1 час".to_owned(),
            call: ApiCall {
                method: "PUT".to_owned(),
                path: "/api/v1/admin/communications/reminders/rules".to_owned(),
                body: Some(
                    r#"{"rules":[{"offset":"1d","enabled":true},{"offset":"1h","enabled":true}]}"#
                        .to_owned(),
                ),
            },
        }],
        ProcessCode::StockReplenishment => vec![Trigger {
            when: "Есть товары ниже минимального остатка".to_owned(),
            action: "Оформить поступление товара".to_owned(),
            call: ApiCall {
                method: "POST".to_owned(),
                path: "/api/v1/admin/products/{product_id}/movements".to_owned(),
                body: Some(r#"{"type":"receipt","location_id":1,"quantity":10}"#.to_owned()),
            },
        }],
        ProcessCode::FeedbackHandling => vec![Trigger {
            when: "Доля обращений с ответом за 24 часа ниже цели".to_owned(),
            action: "Открыть обращения без ответа".to_owned(),
            call: ApiCall {
                method: "GET".to_owned(),
                path: "/api/v1/admin/feedback".to_owned(),
                body: None,
            },
        }],
        ProcessCode::ReferralGrowth => vec![campaign(
            "Новых клиентов по рекомендации меньше цели",
            "Рассылка постоянным клиентам с приглашением поделиться ссылкой",
            "Приведи друга",
            r#"{"spent_min":0.01}"#.to_owned(),
            "{name}, пригласите друга — и получите бонусы за его покупки!",
        )],
    }
}

/// One event-storming step: command → event → policy → read model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StormingStep {
    /// The command.
    pub command: &'static str,
    /// The event it records.
    pub event: &'static str,
    /// The policy that reacts.
    pub policy: &'static str,
    /// The read model that shows it.
    pub read_model: &'static str,
}

/// A user outcome of a key process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The process.
    pub process: ProcessCode,
    /// What the user gets.
    pub outcome: &'static str,
    /// Who benefits.
    pub actor: &'static str,
    /// The steps.
    pub steps: Vec<StormingStep>,
}

/// The outcomes catalogue.
pub fn outcomes() -> Vec<Outcome> {
    let s = |command, event, policy, read_model| StormingStep {
        command,
        event,
        policy,
        read_model,
    };
    vec![
        Outcome {
            process: ProcessCode::NewClientActivation,
            outcome: "Новый клиент делает первую покупку в первые 30 дней",
            actor: "Клиент, владелец",
            steps: vec![
                s("Зарегистрировать клиента (POST /api/v1/admin/clients или вход в Mini App)", "Клиент зарегистрирован", "Начислить приветственный бонус", "Карточка клиента, баланс баллов"),
                s("Отправить приветственное предложение (POST /api/v1/admin/campaigns)", "Сообщение поставлено в очередь", "Соблюдать лимит касаний и согласия", "Статистика кампании"),
                s("Провести первую покупку (POST /api/v1/admin/operations)", "Покупка проведена", "Начислить кешбэк, вознаграждение пригласившему", "Сводка «Сегодня», KPI активации"),
            ],
        },
        Outcome {
            process: ProcessCode::RepeatVisit,
            outcome: "Клиент возвращается за второй покупкой",
            actor: "Клиент",
            steps: vec![
                s("Провести покупку", "Покупка проведена", "Через 14 дней напомнить о визите", "История покупок клиента"),
                s("Отправить напоминание (POST /api/v1/admin/campaigns)", "Сообщение доставлено", "Засчитать конверсию в окне кампании", "Результаты кампании, KPI повторных покупок"),
            ],
        },
        Outcome {
            process: ProcessCode::Reactivation,
            outcome: "Спящий клиент возвращается",
            actor: "Владелец, маркетолог",
            steps: vec![
                s("Найти клиентов без покупок 60 дней (GET /api/v1/admin/analytics/control-tower)", "Сегмент спящих посчитан", "При превышении цели предложить реактивацию", "Действия центра управления"),
                s("Запустить реактивацию (POST /api/v1/admin/campaigns)", "Кампания запущена", "Не больше лимита касаний за период", "Статистика кампании"),
                s("Клиент покупает (POST /api/v1/admin/operations)", "Покупка проведена", "Засчитать конверсию кампании", "KPI спящих клиентов"),
            ],
        },
        Outcome {
            process: ProcessCode::NoShowReduction,
            outcome: "Записанный клиент приходит вовремя",
            actor: "Клиент, мастер",
            steps: vec![
                s("Записать клиента (POST /api/v1/admin/appointments)", "Запись создана", "Запланировать напоминания по правилам", "Журнал записей"),
                s("Отправить напоминание (POST /api/v1/admin/communications/reminders/run)", "Напоминание поставлено в очередь", "Одно напоминание на запись и срок", "Доставки"),
                s("Отметить визит (PATCH /api/v1/admin/appointments/{appointment_id}/status)", "Визит состоялся или неявка", "Рост неявок — предупреждение на главной", "KPI неявок"),
            ],
        },
        Outcome {
            process: ProcessCode::StockReplenishment,
            outcome: "Товар не заканчивается",
            actor: "Администратор, склад",
            steps: vec![
                s("Продать товар (POST /api/v1/admin/operations с items)", "Остаток уменьшен", "Ниже минимума — предупреждение", "Остатки, центр управления"),
                s("Оформить поступление (POST /api/v1/admin/products/{product_id}/movements)", "Поступление записано", "Снять предупреждение", "Остатки и движения"),
            ],
        },
        Outcome {
            process: ProcessCode::FeedbackHandling,
            outcome: "Клиент получает ответ на обращение в течение суток",
            actor: "Клиент, администратор",
            steps: vec![
                s("Оставить отзыв или жалобу (POST /api/v1/feedback/app/message)", "Обращение получено", "Без ответа — в список действий", "Обращения без ответа"),
                s("Ответить (через диалоги)", "Ответ отправлен", "Засчитать в SLA 24 часа", "KPI работы с отзывами"),
            ],
        },
        Outcome {
            process: ProcessCode::ReferralGrowth,
            outcome: "Клиенты приводят друзей",
            actor: "Клиент",
            steps: vec![
                s("Настроить программу (PUT /api/v1/admin/referral-programs/config)", "Программа изменена", "Начислять вознаграждение по поколениям", "Реферальная программа"),
                s("Друг регистрируется по ссылке", "Клиент зарегистрирован с пригласившим", "Вознаграждение после покупки друга", "KPI рекомендаций, рейтинг клиентов"),
            ],
        },
    ]
}

/// A vertical's preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// The vertical's code.
    pub vertical: &'static str,
    /// Title.
    pub title: &'static str,
    /// What it stresses.
    pub description: &'static str,
    /// Processes: code, enabled, target.
    pub processes: Vec<(ProcessCode, bool, i64)>,
    /// Touch cap.
    pub touch_cap: u32,
    /// Touch period, days.
    pub touch_period_days: u32,
    /// Channel priority.
    pub channel_priority: Vec<Channel>,
    /// Days after which a client counts as sleeping for this vertical.
    pub sleeping_days: i64,
}

/// The verticals with presets.
pub const VERTICALS: [&str; 4] = ["salon", "clinic", "retail", "fitness"];

/// The preset of `vertical`, if there is one.
pub fn preset(vertical: &str) -> Option<Preset> {
    use Channel::*;
    use ProcessCode::*;
    let p = |title, description, processes, touch_cap, channel_priority, sleeping_days| Preset {
        vertical: VERTICALS
            .into_iter()
            .find(|v| *v == vertical)
            .unwrap_or("salon"),
        title,
        description,
        processes,
        touch_cap,
        touch_period_days: 7,
        channel_priority,
        sleeping_days,
    };
    match vertical {
        "salon" => Some(p(
            "Салон красоты",
            "Записи к мастерам: упор на неявки, повторный визит и отзывы",
            vec![
                (NewClientActivation, true, 6_000),
                (RepeatVisit, true, 5_000),
                (Reactivation, true, 30),
                (NoShowReduction, true, 800),
                (StockReplenishment, true, 0),
                (FeedbackHandling, true, 9_500),
                (ReferralGrowth, true, 15),
            ],
            3,
            vec![Telegram, AppPush, Sms, Email],
            45,
        )),
        "clinic" => Some(p(
            "Клиника",
            "Приёмы врачей: неявки и ответы на обращения важнее рассылок",
            vec![
                (NewClientActivation, true, 7_000),
                (RepeatVisit, true, 3_500),
                (Reactivation, true, 40),
                (NoShowReduction, true, 500),
                (StockReplenishment, false, 0),
                (FeedbackHandling, true, 9_800),
                (ReferralGrowth, false, 5),
            ],
            2,
            vec![Sms, Telegram, Email, AppPush],
            180,
        )),
        "retail" => Some(p(
            "Розничный магазин",
            "Продажи товаров: запасы, повторные покупки и реактивация",
            vec![
                (NewClientActivation, true, 4_000),
                (RepeatVisit, true, 3_000),
                (Reactivation, true, 100),
                (NoShowReduction, false, 1_000),
                (StockReplenishment, true, 0),
                (FeedbackHandling, true, 8_500),
                (ReferralGrowth, true, 20),
            ],
            4,
            vec![Telegram, Email, AppPush, Sms],
            60,
        )),
        "fitness" => Some(p(
            "Фитнес-клуб",
            "Абонементы и посещения: удержание и рекомендации",
            vec![
                (NewClientActivation, true, 7_500),
                (RepeatVisit, true, 7_000),
                (Reactivation, true, 25),
                (NoShowReduction, true, 1_500),
                (StockReplenishment, false, 0),
                (FeedbackHandling, true, 9_000),
                (ReferralGrowth, true, 25),
            ],
            3,
            vec![Telegram, AppPush, Email, Sms],
            30,
        )),
        _ => None,
    }
}

/// The default channel priority.
pub fn default_channel_priority() -> Vec<Channel> {
    vec![
        Channel::Telegram,
        Channel::AppPush,
        Channel::Max,
        Channel::Vk,
        Channel::Sms,
        Channel::Email,
    ]
}
