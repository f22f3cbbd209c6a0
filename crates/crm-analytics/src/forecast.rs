//! The promotion forecast: from a promotion's parameters (a discount or bonus points in percent
//! of the check, its duration, an optional budget, the channels and the audience) and the
//! business's own history of the last [`HISTORY_DAYS`] days, the expected returning and new
//! clients, purchases, revenue, cost, profit and the break-even point, with every assumption
//! named. Pure arithmetic on exact integers (money in minor units); the history figures come from
//! storage through [`crate::tower::ports::TowerStore::forecast_history`].
//!
//! The method, step by step:
//! 1. average check `A` = revenue / purchases of the window;
//! 2. margin `m` = (price − cost price) / price over the goods sold in the window whose product
//!    has a cost price; unknown (`None`) without such lines — no default is invented;
//! 3. conversion `c` = conversions / campaign messages sent or delivered in the window; unknown
//!    without past campaign messages (then no returning clients are expected from the mailing);
//! 4. returning clients `R` = audience (after consent) × `c`; new clients `W` = first-time buyers
//!    of the window scaled to the duration; purchases per client `f` = the window's purchases
//!    per buyer scaled to the duration, at least 1; expected purchases `P` = (`R` + `W`) × `f`;
//! 5. baseline purchases `B` = the audience's own purchases of the window scaled to the duration
//!    (they happen anyway and get the promotion too);
//! 6. gross revenue `G` = `P` × `A`; promotion cost `K` = (`P` + `B`) × `A` × percent (the
//!    discount given or the bonus points granted, one point = one unit of money); a budget caps
//!    `P` so that `K` stays within it; messages cost nothing (no message price is configured);
//! 7. revenue = `G` − the discount on `P` (a bonus does not reduce the receipts); profit (only
//!    with a known margin) = `G` × `m` − `K`;
//! 8. break-even: the extra purchases that pay for the promotion given on the baseline:
//!    `B` × percent / (`m` − percent), rounded up; never when the percent is not below the
//!    margin; the day it is reached at the expected pace, if within the promotion.

use crm_core::{Channel, FieldError, LevelId, Money, Validation};
use serde::{Deserialize, Serialize};

/// Days of history the forecast reads.
pub const HISTORY_DAYS: i64 = 90;
/// Longest promotion, days.
pub const MAX_DURATION_DAYS: u32 = 365;
/// Largest promotion percent, basis points (90 %).
pub const MAX_PERCENT_BP: i64 = 9_000;

/// What the promotion gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionKind {
    /// A discount in percent of the check.
    Discount,
    /// Bonus points in percent of the check.
    BonusPoints,
}

impl PromotionKind {
    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            PromotionKind::Discount => "discount",
            PromotionKind::BonusPoints => "bonus_points",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "discount" => Some(PromotionKind::Discount),
            "bonus_points" => Some(PromotionKind::BonusPoints),
            _ => None,
        }
    }
}

/// Who the promotion is offered to: clients at one of the levels and/or with one of the tags;
/// everybody when both are empty. Only clients with personal-data and marketing consent count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastAudience {
    /// Loyalty levels.
    pub level_ids: Vec<LevelId>,
    /// Client tags.
    pub tags: Vec<String>,
}

/// A promotion to forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionParameters {
    /// Discount or bonus points.
    pub kind: PromotionKind,
    /// The percent of the check, basis points (1..=9000).
    pub percent_bp: i64,
    /// How long the promotion runs, days (1..=365).
    pub duration_days: u32,
    /// The most the promotion may cost, if limited.
    pub budget: Option<Money>,
    /// The channels it is announced in (at least one, no duplicates).
    pub channels: Vec<Channel>,
    /// Who it is offered to.
    pub audience: ForecastAudience,
}

impl PromotionParameters {
    /// Checks the ranges; fields are named as in the request.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validation::new();
        if !(1..=MAX_PERCENT_BP).contains(&self.percent_bp) {
            v.add("value", "must be above 0 and at most 90 percent");
        }
        if !(1..=MAX_DURATION_DAYS).contains(&self.duration_days) {
            v.add("duration_days", "must be between 1 and 365");
        }
        if self.budget.is_some_and(|b| b.minor() <= 0) {
            v.add("budget", "must be above 0");
        }
        if self.channels.is_empty() {
            v.add("channels", "name at least one channel");
        }
        for (i, c) in self.channels.iter().enumerate() {
            if self.channels[..i].contains(c) {
                v.add(format!("channels[{i}]"), "is listed twice");
            }
        }
        for (i, t) in self.audience.tags.iter().enumerate() {
            if t.trim().is_empty() || t.chars().count() > 50 {
                v.add(format!("audience.tags[{i}]"), "must be 1 to 50 characters");
            }
        }
        if self.audience.level_ids.len() > 100 || self.audience.tags.len() > 100 {
            v.add("audience", "at most 100 levels and 100 tags");
        }
        v.finish()
    }
}

/// The business's history the forecast starts from (the last [`HISTORY_DAYS`] days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastHistory {
    /// Purchases.
    pub purchases: i64,
    /// Their revenue, minor units.
    pub revenue: i64,
    /// Distinct buyers.
    pub buyers: i64,
    /// Clients whose first purchase fell in the window.
    pub first_time_buyers: i64,
    /// Clients of the audience with personal-data and marketing consent.
    pub audience_size: i64,
    /// Purchases of those clients in the window.
    pub audience_purchases: i64,
    /// Goods sold with a known cost price: their value at the selling price, minor units.
    pub lines_price: i64,
    /// The same goods at the cost price, minor units.
    pub lines_cost: i64,
    /// Campaign messages sent or delivered in the window.
    pub campaign_messages: i64,
    /// Conversions of campaigns recorded in the window (a client per campaign).
    pub campaign_conversions: i64,
}

/// The break-even point of a promotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakEven {
    /// Extra purchases needed to pay for the promotion given on the baseline purchases;
    /// `None` when it never pays off (percent not below the margin) or the margin is unknown.
    pub purchases: Option<i64>,
    /// The day of the promotion it is reached at the expected pace; `None` if not within it.
    pub day: Option<i64>,
    /// Whether the expected purchases reach it.
    pub reached: bool,
}

/// The forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The average check of the window.
    pub average_check: Money,
    /// The margin, basis points, if known.
    pub margin_bp: Option<i64>,
    /// The conversion of past campaigns, basis points, if known.
    pub conversion_bp: Option<i64>,
    /// Clients the promotion reaches (audience after consent).
    pub audience_size: i64,
    /// Expected returning clients (from the mailing).
    pub returning_clients: i64,
    /// Expected new clients.
    pub new_clients: i64,
    /// Expected purchases by them.
    pub purchases: i64,
    /// Purchases the audience makes anyway in the same days.
    pub baseline_purchases: i64,
    /// Expected purchases × average check.
    pub gross_revenue: Money,
    /// Expected receipts: gross revenue less the discount.
    pub revenue: Money,
    /// The discount given or bonus points granted, on expected and baseline purchases.
    pub promotion_cost: Money,
    /// Message cost (no message price is configured: zero).
    pub message_cost: Money,
    /// Promotion cost + message cost.
    pub total_cost: Money,
    /// Gross revenue × margin − total cost, if the margin is known.
    pub profit: Option<Money>,
    /// The break-even point.
    pub break_even: BreakEven,
    /// Whether the budget capped the expected purchases.
    pub budget_limited: bool,
    /// The assumptions, in Russian.
    pub assumptions: Vec<String>,
}

fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn money(minor: i128) -> Money {
    Money::from_minor(clamp(minor))
}

/// Computes the forecast of `p` from `h`.
pub fn forecast(p: &PromotionParameters, h: &ForecastHistory) -> Forecast {
    let window = i128::from(HISTORY_DAYS);
    let days = i128::from(p.duration_days);
    let pct = i128::from(p.percent_bp);
    let mut assumptions = vec![format!(
        "История: последние {HISTORY_DAYS} дней — {} покупок на {} ₽, {} покупателей.",
        h.purchases,
        Money::from_minor(h.revenue),
        h.buyers
    )];
    let average = if h.purchases > 0 {
        i128::from(h.revenue) / i128::from(h.purchases)
    } else {
        assumptions.push("Покупок за период нет — средний чек и выручка равны нулю.".to_owned());
        0
    };
    let margin_bp = (h.lines_price > 0).then(|| {
        clamp(
            (i128::from(h.lines_price) - i128::from(h.lines_cost)) * 10_000
                / i128::from(h.lines_price),
        )
    });
    match margin_bp {
        Some(m) => assumptions.push(format!(
            "Маржа {}% — по себестоимости проданных товаров за период.",
            crm_core::Percent::from_basis_points(m.clamp(0, 10_000))
                .map_or_else(|| m.to_string(), |x| x.to_string())
        )),
        None => assumptions.push(
            "Себестоимость проданных товаров неизвестна — маржа, прибыль и точка безубыточности не рассчитываются."
                .to_owned(),
        ),
    }
    let conversion_bp = (h.campaign_messages > 0).then(|| {
        clamp(i128::from(h.campaign_conversions) * 10_000 / i128::from(h.campaign_messages))
    });
    match conversion_bp {
        Some(c) => assumptions.push(format!(
            "Конверсия рассылок {} из {} сообщений ({} б.п.) — по прошлым кампаниям.",
            h.campaign_conversions, h.campaign_messages, c
        )),
        None => assumptions.push(
            "Прошлых рассылок нет — возвращение клиентов по рассылке не прогнозируется.".to_owned(),
        ),
    }
    let returning = i128::from(h.audience_size) * i128::from(conversion_bp.unwrap_or(0)) / 10_000;
    let new = i128::from(h.first_time_buyers) * days / window;
    let per_client = if h.buyers > 0 {
        (i128::from(h.purchases) * days / (i128::from(h.buyers) * window)).max(1)
    } else {
        1
    };
    assumptions.push(format!(
        "Новые клиенты — в темпе первых покупок за период; покупок на клиента за {} дн.: {}.",
        p.duration_days, per_client
    ));
    let mut purchases = (returning + new) * per_client;
    let baseline = i128::from(h.audience_purchases) * days / window;
    assumptions.push(format!(
        "Аудитория после согласий: {} клиентов; без акции они сделали бы {} покупок — акция действует и на них.",
        h.audience_size, baseline
    ));
    assumptions.push("Стоимость сообщений не настроена — не учитывается.".to_owned());
    if p.kind == PromotionKind::BonusPoints {
        assumptions.push("Один бонусный балл равен одной денежной единице.".to_owned());
    }
    let cost_of = |n: i128| n * average * pct / 10_000;
    let mut budget_limited = false;
    let (mut returning, mut new) = (returning, new);
    if let Some(budget) = p.budget {
        let budget = i128::from(budget.minor());
        if cost_of(purchases + baseline) > budget {
            budget_limited = true;
            let per_purchase = average * pct / 10_000;
            let affordable = if per_purchase > 0 {
                budget / per_purchase
            } else {
                purchases + baseline
            };
            purchases = (affordable - baseline).clamp(0, purchases);
            let clients = purchases / per_client;
            returning = returning.min(clients);
            new = clients - returning;
            assumptions.push(format!(
                "Бюджет {} ₽ ограничивает акцию {} дополнительными покупками.",
                Money::from_minor(clamp(budget)),
                purchases
            ));
        }
    }
    let gross = purchases * average;
    let promotion_cost = cost_of(purchases + baseline);
    let revenue = match p.kind {
        PromotionKind::Discount => gross - cost_of(purchases),
        PromotionKind::BonusPoints => gross,
    };
    let profit = margin_bp.map(|m| money(gross * i128::from(m) / 10_000 - promotion_cost));
    let needed = margin_bp.and_then(|m| {
        let room = i128::from(m) - pct;
        (room > 0).then(|| {
            let num = baseline * pct;
            (num + room - 1) / room
        })
    });
    let day = match needed {
        Some(0) => Some(0),
        Some(n) if purchases >= n && purchases > 0 => {
            Some(((n * days + purchases - 1) / purchases).max(1))
        }
        _ => None,
    };
    Forecast {
        average_check: money(average),
        margin_bp,
        conversion_bp,
        audience_size: h.audience_size,
        returning_clients: clamp(returning),
        new_clients: clamp(new),
        purchases: clamp(purchases),
        baseline_purchases: clamp(baseline),
        gross_revenue: money(gross),
        revenue: money(revenue),
        promotion_cost: money(promotion_cost),
        message_cost: Money::ZERO,
        total_cost: money(promotion_cost),
        profit,
        break_even: BreakEven {
            purchases: needed.map(clamp),
            day: day.map(clamp),
            reached: needed.is_some_and(|n| purchases >= n),
        },
        budget_limited,
        assumptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(kind: PromotionKind, percent_bp: i64, days: u32) -> PromotionParameters {
        PromotionParameters {
            kind,
            percent_bp,
            duration_days: days,
            budget: None,
            channels: vec![Channel::Telegram],
            audience: ForecastAudience::default(),
        }
    }

    fn history() -> ForecastHistory {
        ForecastHistory {
            purchases: 90,
            revenue: 90 * 100_000,
            buyers: 30,
            first_time_buyers: 9,
            audience_size: 200,
            audience_purchases: 45,
            lines_price: 1_000_000,
            lines_cost: 600_000,
            campaign_messages: 100,
            campaign_conversions: 5,
        }
    }

    #[test]
    fn discount_forecast_is_exact() {
        let f = forecast(&params(PromotionKind::Discount, 1_000, 30), &history());
        assert_eq!(f.average_check, Money::from_minor(100_000));
        assert_eq!(f.margin_bp, Some(4_000));
        assert_eq!(f.conversion_bp, Some(500));
        // 200 × 5 % = 10 returning; 9 × 30 / 90 = 3 new; 90 × 30 / (30 × 90) = 1 per client.
        assert_eq!(
            (f.returning_clients, f.new_clients, f.purchases),
            (10, 3, 13)
        );
        // 45 × 30 / 90 = 15 baseline purchases.
        assert_eq!(f.baseline_purchases, 15);
        assert_eq!(f.gross_revenue, Money::from_minor(1_300_000));
        // 10 % off 13 purchases.
        assert_eq!(f.revenue, Money::from_minor(1_170_000));
        // 10 % of (13 + 15) × 1000.00.
        assert_eq!(f.promotion_cost, Money::from_minor(280_000));
        assert_eq!(f.total_cost, Money::from_minor(280_000));
        // 1 300 000 × 40 % − 280 000.
        assert_eq!(f.profit, Some(Money::from_minor(240_000)));
        // 15 × 1000 / (4000 − 1000) = 5 purchases, reached on day ceil(5 × 30 / 13) = 12.
        assert_eq!(
            f.break_even,
            BreakEven {
                purchases: Some(5),
                day: Some(12),
                reached: true
            }
        );
        assert!(!f.budget_limited);
    }

    #[test]
    fn a_percent_above_the_margin_never_breaks_even() {
        let f = forecast(&params(PromotionKind::BonusPoints, 5_000, 30), &history());
        assert_eq!(f.break_even.purchases, None);
        assert!(!f.break_even.reached);
        // A bonus does not reduce receipts.
        assert_eq!(f.revenue, f.gross_revenue);
        assert_eq!(f.profit, Some(Money::from_minor(520_000 - 1_400_000)));
    }

    #[test]
    fn unknown_margin_and_conversion_are_not_invented() {
        let h = ForecastHistory {
            lines_price: 0,
            lines_cost: 0,
            campaign_messages: 0,
            campaign_conversions: 0,
            ..history()
        };
        let f = forecast(&params(PromotionKind::Discount, 1_000, 30), &h);
        assert_eq!((f.margin_bp, f.conversion_bp, f.profit), (None, None, None));
        assert_eq!(f.returning_clients, 0);
        assert_eq!(f.break_even.purchases, None);
        assert!(f.assumptions.iter().any(|a| a.contains("Себестоимость")));
    }

    #[test]
    fn the_budget_caps_purchases() {
        let mut p = params(PromotionKind::Discount, 1_000, 30);
        // 100.00 per purchase; 2000.00 pays 20 purchases, 15 of them baseline.
        p.budget = Some(Money::from_minor(200_000));
        let f = forecast(&p, &history());
        assert!(f.budget_limited);
        assert_eq!(f.purchases, 5);
        assert_eq!(f.promotion_cost, Money::from_minor(200_000));
        assert_eq!(f.returning_clients + f.new_clients, 5);
    }

    #[test]
    fn no_history_gives_zero() {
        let f = forecast(
            &params(PromotionKind::Discount, 1_000, 7),
            &ForecastHistory::default(),
        );
        assert_eq!(f.gross_revenue, Money::ZERO);
        assert_eq!(f.purchases, 0);
    }

    #[test]
    fn validation_names_fields() {
        let mut p = params(PromotionKind::Discount, 0, 0);
        p.channels = vec![Channel::Sms, Channel::Sms];
        p.budget = Some(Money::ZERO);
        let fields: Vec<String> = p
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["value", "duration_days", "budget", "channels[1]"]);
        assert!(params(PromotionKind::Discount, 9_001, 1)
            .validate()
            .is_err());
        assert!(params(PromotionKind::Discount, 9_000, 365)
            .validate()
            .is_ok());
    }
}
