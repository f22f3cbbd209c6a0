//! The audience figures and their pure rules: page-view validation, level movement direction,
//! RFM scoring and segment naming, and the revenue forecast.

use crate::model::Compared;
use crate::period::Granularity;
use crm_core::{
    CampaignId, ClientId, FieldError, LevelId, Money, Page, Timestamp, TrafficChannelId,
};

/// Longest page path a view may name.
pub const MAX_PAGE_CHARS: usize = 200;
/// Shortest anonymous visitor id.
pub const MIN_VISITOR_CHARS: usize = 8;
/// Longest anonymous visitor id.
pub const MAX_VISITOR_CHARS: usize = 64;
/// Rows of a rating by default.
pub const DEFAULT_RATING_LIMIT: u32 = 10;
/// Most rows of a rating.
pub const MAX_RATING_LIMIT: u32 = 100;
/// Pages shown in the page-go top list.
pub const TOP_PAGES: u32 = 10;
/// Most campaigns listed in the marketing tab (the latest launched first).
pub const MAX_CAMPAIGNS: u32 = 100;
/// How many past windows the revenue forecast reads.
pub const FORECAST_WINDOWS: usize = 12;
/// One day in milliseconds.
const DAY_MS: i64 = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Ratings

/// A client ranked by what they paid in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedPayer {
    /// The client.
    pub client_id: ClientId,
    /// Their full name.
    pub full_name: String,
    /// Purchases in the period not fully refunded.
    pub purchases: i64,
    /// Purchase totals in the period less what was refunded of them.
    pub net_revenue: Money,
}

/// A client ranked by the clients they invited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedReferrer {
    /// The client.
    pub client_id: ClientId,
    /// Their full name.
    pub full_name: String,
    /// Clients they invited directly, ever.
    pub invited_total: i64,
    /// Clients they invited directly who registered in the period.
    pub invited_new: i64,
    /// Members of their referral tree per generation, 1 (invited directly) to 6.
    pub generations: [i64; 6],
}

/// The ratings tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ratings {
    /// Top clients by net purchases in the period.
    pub by_payments: Vec<RankedPayer>,
    /// Top clients by recommendations.
    pub by_recommendations: Vec<RankedReferrer>,
}

// ---------------------------------------------------------------------------------------------
// Levels

/// A level as the movement figures need it: its id, name and rank key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRef {
    /// The level.
    pub id: LevelId,
    /// Its name.
    pub name: String,
    /// Cashback in basis points: with the id, the order levels are ranked by (the best
    /// reached level is the one with the highest cashback, then the highest id).
    pub cashback_bp: i64,
}

impl LevelRef {
    fn rank(&self) -> (i64, i64) {
        (self.cashback_bp, self.id.get())
    }
}

/// Clients holding a level now (`level` = `None`: no level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelHolders {
    /// The level, or none.
    pub level: Option<LevelRef>,
    /// Whether the level is archived (still held by some clients).
    pub archived: bool,
    /// Clients holding it.
    pub clients: i64,
}

/// How many level changes went from one level to another in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelMoveCount {
    /// The level before (`None`: no level).
    pub from: Option<LevelRef>,
    /// The level after (`None`: no level).
    pub to: Option<LevelRef>,
    /// Changes recorded.
    pub changes: i64,
    /// Distinct clients who made this change.
    pub clients: i64,
}

/// Whether a level change is a promotion or a demotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveDirection {
    /// To a better level (or from none to one).
    Up,
    /// To a worse level (or from one to none).
    Down,
}

impl MoveDirection {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            MoveDirection::Up => "up",
            MoveDirection::Down => "down",
        }
    }

    /// The direction of a change from `from` to `to`: no level ranks below every level; levels
    /// rank by cashback, then id (as the loyalty programme picks them).
    pub fn of(from: Option<&LevelRef>, to: Option<&LevelRef>) -> Self {
        let rank = |l: Option<&LevelRef>| l.map(LevelRef::rank);
        if rank(to) > rank(from) {
            MoveDirection::Up
        } else {
            MoveDirection::Down
        }
    }
}

/// One from → to pair with its direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelMove {
    /// The pair and its counts.
    pub pair: LevelMoveCount,
    /// Up or down.
    pub direction: MoveDirection,
}

/// The levels tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelsReport {
    /// Clients per level now, the "no level" row first.
    pub holders: Vec<LevelHolders>,
    /// Level changes in the period per pair, most frequent first.
    pub moves: Vec<LevelMove>,
    /// Changes up in the period.
    pub ups: i64,
    /// Changes down in the period.
    pub downs: i64,
}

impl LevelsReport {
    /// Classifies the pairs and sums the directions.
    pub fn new(holders: Vec<LevelHolders>, pairs: Vec<LevelMoveCount>) -> Self {
        let mut moves: Vec<LevelMove> = pairs
            .into_iter()
            .map(|pair| LevelMove {
                direction: MoveDirection::of(pair.from.as_ref(), pair.to.as_ref()),
                pair,
            })
            .collect();
        moves.sort_by_key(|m| std::cmp::Reverse(m.pair.changes));
        let sum = |d: MoveDirection| {
            moves
                .iter()
                .filter(|m| m.direction == d)
                .map(|m| m.pair.changes)
                .sum()
        };
        let ups = sum(MoveDirection::Up);
        let downs = sum(MoveDirection::Down);
        Self {
            holders,
            moves,
            ups,
            downs,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Page views

/// Who viewed a page: a signed-in client or an anonymous visitor id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visitor {
    /// A client of the Mini App.
    Client(ClientId),
    /// An anonymous visitor id chosen by the Mini App (8–64 of `A-Z a-z 0-9 _ -`).
    Anonymous(String),
}

/// A page view to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPageView {
    /// The page path, e.g. `/catalog`.
    pub page: String,
    /// Who viewed it.
    pub visitor: Visitor,
    /// When.
    pub at: Timestamp,
}

/// Checks a page path: 1–200 characters, starting with `/`, no whitespace or control
/// characters. Returns it trimmed of nothing (paths are stored as given).
pub fn validate_page(page: &str) -> Result<(), FieldError> {
    let chars = page.chars().count();
    if chars == 0 || chars > MAX_PAGE_CHARS {
        return Err(FieldError::new(
            "page",
            format!("must be 1 to {MAX_PAGE_CHARS} characters"),
        ));
    }
    if !page.starts_with('/') {
        return Err(FieldError::new(
            "page",
            "must be a path starting with /, like /catalog",
        ));
    }
    if page.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(
            "page",
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

/// Checks an anonymous visitor id: 8–64 characters of `A-Z a-z 0-9 _ -`.
pub fn validate_visitor_id(id: &str) -> Result<(), FieldError> {
    let ok = (MIN_VISITOR_CHARS..=MAX_VISITOR_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "visitor_id",
            format!(
                "must be {MIN_VISITOR_CHARS} to {MAX_VISITOR_CHARS} characters of A-Z, a-z, 0-9, _ and -"
            ),
        ))
    }
}

/// Views and unique visitors over a range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewCounts {
    /// Page views.
    pub views: i64,
    /// Distinct visitors (a client id or an anonymous visitor id).
    pub visitors: i64,
}

/// Views and unique visitors of one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewBucket {
    /// The bucket's label.
    pub label: String,
    /// Its start.
    pub from: Timestamp,
    /// Its end (excluded).
    pub to: Timestamp,
    /// The counts.
    pub counts: ViewCounts,
}

/// A page with its views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStat {
    /// The page path.
    pub page: String,
    /// The counts for this page.
    pub counts: ViewCounts,
}

/// The page-go tab.
#[derive(Debug, Clone, PartialEq)]
pub struct PageGoReport {
    /// Views in the period and the previous comparable one.
    pub views: Compared,
    /// Unique visitors in the period and the previous comparable one.
    pub visitors: Compared,
    /// Per bucket.
    pub series: Vec<ViewBucket>,
    /// The most viewed pages.
    pub top_pages: Vec<PageStat>,
}

// ---------------------------------------------------------------------------------------------
// Marketing

/// What one traffic channel (or no channel: `channel` = `None`) brought in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFigures {
    /// The channel (id, name, code), `None` for clients without one.
    pub channel: Option<(TrafficChannelId, String, String)>,
    /// Clients registered in the period.
    pub new_clients: i64,
    /// Of those, clients who made a first purchase before the period end.
    pub converted: i64,
    /// Purchases in the period by any client of the channel (not fully refunded).
    pub purchases: i64,
    /// Net purchase revenue in the period by any client of the channel.
    pub revenue: Money,
}

/// The funnel counts of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunnelCounts {
    /// Unique Mini App visitors (page views).
    pub visitors: i64,
    /// Clients registered.
    pub registrations: i64,
    /// Clients whose first purchase falls in the period.
    pub first_purchases: i64,
    /// Of those, clients with two or more purchases (not fully refunded) by now.
    pub repeat_purchases: i64,
}

/// One funnel step with the share of the previous step.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStep {
    /// `visit`, `registration`, `first_purchase`, `repeat_purchase`.
    pub step: &'static str,
    /// How many.
    pub count: i64,
    /// Percent of the previous step (one decimal), `None` for the first step or a zero base.
    pub conversion_percent: Option<f64>,
}

/// `part / whole` in percent with one decimal; `None` when `whole` is zero.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    Some((part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

impl FunnelCounts {
    /// The four steps in order.
    pub fn steps(&self) -> Vec<FunnelStep> {
        let counts = [
            ("visit", self.visitors),
            ("registration", self.registrations),
            ("first_purchase", self.first_purchases),
            ("repeat_purchase", self.repeat_purchases),
        ];
        counts
            .iter()
            .enumerate()
            .map(|(i, &(step, count))| FunnelStep {
                step,
                count,
                conversion_percent: i
                    .checked_sub(1)
                    .and_then(|prev| percent(count, counts[prev].1)),
            })
            .collect()
    }
}

/// The fixed RFM thresholds, relative to the period end. A score is 3 (best), 2 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmThresholds {
    /// R = 3 when the last purchase is at most this many days before the period end.
    pub recent_days: i64,
    /// R = 2 when it is at most this many days before (otherwise 1).
    pub lapsing_days: i64,
    /// F = 3 from this many purchases.
    pub frequent_purchases: i64,
    /// F = 2 from this many purchases (otherwise 1).
    pub repeat_purchases: i64,
    /// M = 3 from this total spent.
    pub high_spent: Money,
    /// M = 2 from this total spent (otherwise 1).
    pub medium_spent: Money,
}

impl Default for RfmThresholds {
    fn default() -> Self {
        Self {
            recent_days: 30,
            lapsing_days: 90,
            frequent_purchases: 5,
            repeat_purchases: 2,
            high_spent: Money::from_major(20_000),
            medium_spent: Money::from_major(5_000),
        }
    }
}

impl RfmThresholds {
    /// The instant from which a last purchase scores R = 3.
    pub fn recent_since(&self, end: Timestamp) -> i64 {
        end.unix_millis() - self.recent_days * DAY_MS
    }

    /// The instant from which a last purchase scores R ≥ 2.
    pub fn lapsing_since(&self, end: Timestamp) -> i64 {
        end.unix_millis() - self.lapsing_days * DAY_MS
    }
}

/// An RFM score: each part 1..=3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RfmScore {
    /// Recency.
    pub r: u8,
    /// Frequency.
    pub f: u8,
    /// Monetary.
    pub m: u8,
}

impl RfmScore {
    /// Every score, 111 to 333.
    pub fn all() -> Vec<RfmScore> {
        let mut out = Vec::with_capacity(27);
        for r in 1..=3 {
            for f in 1..=3 {
                for m in 1..=3 {
                    out.push(RfmScore { r, f, m });
                }
            }
        }
        out
    }

    /// The three-digit code (`r*100 + f*10 + m`).
    pub fn code(self) -> i64 {
        i64::from(self.r) * 100 + i64::from(self.f) * 10 + i64::from(self.m)
    }

    /// The segment this score names.
    pub fn segment(self) -> Segment {
        let RfmScore { r, f, m } = self;
        match r {
            3 if f + m >= 5 => Segment::Champions,
            3 | 2 if f >= 2 => Segment::Loyal,
            3 => Segment::New,
            2 => Segment::Promising,
            _ if f >= 2 || m == 3 => Segment::AtRisk,
            _ => Segment::Sleeping,
        }
    }
}

/// A named RFM segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Bought recently, often or a lot: R = 3 and F + M ≥ 5.
    Champions,
    /// Buy regularly and not long ago: R ≥ 2, F ≥ 2, not champions.
    Loyal,
    /// One purchase, recently: R = 3, F = 1.
    New,
    /// One purchase, a while ago: R = 2, F = 1.
    Promising,
    /// Used to buy often or a lot, gone quiet: R = 1 and (F ≥ 2 or M = 3).
    AtRisk,
    /// One small purchase long ago: R = 1, F = 1, M ≤ 2.
    Sleeping,
}

impl Segment {
    /// Every segment in display order.
    pub const ALL: [Segment; 6] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::New,
        Segment::Promising,
        Segment::AtRisk,
        Segment::Sleeping,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::Loyal => "loyal",
            Segment::New => "new",
            Segment::Promising => "promising",
            Segment::AtRisk => "at_risk",
            Segment::Sleeping => "sleeping",
        }
    }

    /// The rule in words.
    pub fn rule(self) -> &'static str {
        match self {
            Segment::Champions => "R = 3 and F + M >= 5",
            Segment::Loyal => "R >= 2 and F >= 2, not champions",
            Segment::New => "R = 3 and F = 1",
            Segment::Promising => "R = 2 and F = 1",
            Segment::AtRisk => "R = 1 and (F >= 2 or M = 3)",
            Segment::Sleeping => "R = 1, F = 1 and M <= 2",
        }
    }

    /// The scores that fall in this segment.
    pub fn scores(self) -> Vec<RfmScore> {
        RfmScore::all()
            .into_iter()
            .filter(|s| s.segment() == self)
            .collect()
    }
}

/// How many clients have one score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmCell {
    /// The score.
    pub score: RfmScore,
    /// Clients with it.
    pub clients: i64,
}

/// A segment with its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentCount {
    /// The segment.
    pub segment: Segment,
    /// Clients in it.
    pub clients: i64,
}

/// Sums the score cells into the named segments (every segment listed, zeros included).
pub fn segment_counts(cells: &[RfmCell]) -> Vec<SegmentCount> {
    Segment::ALL
        .iter()
        .map(|&segment| SegmentCount {
            segment,
            clients: cells
                .iter()
                .filter(|c| c.score.segment() == segment)
                .map(|c| c.clients)
                .sum(),
        })
        .collect()
}

/// A client of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMember {
    /// The client.
    pub client_id: ClientId,
    /// Their full name.
    pub full_name: String,
    /// Their score.
    pub score: RfmScore,
}

/// Results of a campaign launched in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignResult {
    /// The campaign.
    pub id: CampaignId,
    /// Its name.
    pub name: String,
    /// Its status code.
    pub status: String,
    /// When it was launched.
    pub launched_at: Timestamp,
    /// Distinct clients it was addressed to.
    pub recipients: i64,
    /// Messages sent or delivered.
    pub sent: i64,
    /// Messages that failed.
    pub failed: i64,
    /// Distinct clients who opened a message.
    pub opens: i64,
    /// Distinct clients who clicked a link.
    pub clicks: i64,
    /// Distinct clients converted (a purchase within the conversion window after a message
    /// was sent, or a recorded conversion event).
    pub conversions: i64,
    /// Net revenue of the attributed purchases.
    pub revenue: Money,
}

/// Net revenue of one past window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevenueWindow {
    /// Start.
    pub from: Timestamp,
    /// End (excluded).
    pub to: Timestamp,
    /// Net purchase revenue.
    pub revenue: Money,
}

/// The revenue forecast for the next period.
#[derive(Debug, Clone, PartialEq)]
pub struct RevenueForecast {
    /// The method's code: `linear_regression`.
    pub method: &'static str,
    /// The method in words.
    pub description: String,
    /// The next period's start (the current period's end).
    pub from: Timestamp,
    /// The next period's end (as long as the current period).
    pub to: Timestamp,
    /// The history the line was fitted to, oldest first.
    pub history: Vec<RevenueWindow>,
    /// The length of one window in days (1, 7 or 30 by the granularity).
    pub window_days: i64,
    /// How many windows the next period spans (its length over the window's).
    pub windows_ahead: f64,
    /// The fitted change of revenue per window, minor units.
    pub slope_minor: f64,
    /// The fitted revenue of the oldest window, minor units.
    pub intercept_minor: f64,
    /// The forecast revenue (never below zero).
    pub forecast: Money,
}

/// What the forecast reads: the history windows and the next period.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPlan {
    /// [`FORECAST_WINDOWS`] consecutive windows of the granularity's length, the last one
    /// ending at the period end, oldest first.
    pub windows: Vec<(Timestamp, Timestamp)>,
    /// The window length in days.
    pub window_days: i64,
    /// The next period: as long as this one, starting at its end.
    pub next: (Timestamp, Timestamp),
    /// The next period's length in windows.
    pub windows_ahead: f64,
}

/// The window length of a granularity, in days: a day, a week, or 30 days for a month.
pub fn window_days(granularity: Granularity) -> i64 {
    match granularity {
        Granularity::Day => 1,
        Granularity::Week => 7,
        Granularity::Month => 30,
    }
}

/// The history windows and the next period of the period `[from, to)` grouped by
/// `granularity`.
pub fn forecast_plan(from: Timestamp, to: Timestamp, granularity: Granularity) -> ForecastPlan {
    let days = window_days(granularity);
    let window = days * DAY_MS;
    let length = (to.unix_millis() - from.unix_millis()).max(1);
    let end = to.unix_millis();
    let at = |ms: i64| Timestamp::from_unix_millis(ms).unwrap_or(to);
    let windows = (0..FORECAST_WINDOWS as i64)
        .rev()
        .map(|k| (at(end - (k + 1) * window), at(end - k * window)))
        .collect();
    ForecastPlan {
        windows,
        window_days: days,
        next: (to, at(end + length)),
        windows_ahead: length as f64 / window as f64,
    }
}

/// Least-squares line through `(i, y_i)`, `i = 0..n`: `(slope, intercept)`.
pub fn linear_fit(values: &[i64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &v) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (v as f64 - mean_y);
        sxx += dx * dx;
    }
    let slope = if sxx == 0.0 { 0.0 } else { sxy / sxx };
    (slope, mean_y - slope * mean_x)
}

impl RevenueForecast {
    /// Fits a line through the history and sums it over the next period: for `N` windows
    /// ahead of `n` known ones, `N × (intercept + slope × (n + (N − 1) / 2))` — the exact sum
    /// of the line's next `N` values when `N` is whole.
    pub fn from_history(history: Vec<RevenueWindow>, plan: &ForecastPlan) -> Self {
        let values: Vec<i64> = history.iter().map(|w| w.revenue.minor()).collect();
        let (slope, intercept) = linear_fit(&values);
        let ahead = plan.windows_ahead;
        let predicted = ahead * (intercept + slope * (values.len() as f64 + (ahead - 1.0) / 2.0));
        let forecast = if predicted.is_finite() && predicted > 0.0 {
            Money::from_minor(predicted.round() as i64)
        } else {
            Money::ZERO
        };
        Self {
            method: "linear_regression",
            description: format!(
                "Least-squares line through the net purchase revenue of the last {} windows of \
                 {} day(s) (the last one ending at the period end), summed over the {:.2} \
                 windows of the next period; never below zero.",
                history.len(),
                plan.window_days,
                ahead
            ),
            from: plan.next.0,
            to: plan.next.1,
            history,
            window_days: plan.window_days,
            windows_ahead: (ahead * 10_000.0).round() / 10_000.0,
            slope_minor: (slope * 100.0).round() / 100.0,
            intercept_minor: (intercept * 100.0).round() / 100.0,
            forecast,
        }
    }
}

/// The marketing tab.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketingReport {
    /// Traffic channels.
    pub channels: Vec<ChannelFigures>,
    /// The funnel.
    pub funnel: Vec<FunnelStep>,
    /// The thresholds the RFM scores used.
    pub rfm_thresholds: RfmThresholds,
    /// Clients per segment.
    pub segments: Vec<SegmentCount>,
    /// The clients of the asked segment, when one was asked for.
    pub segment_clients: Option<(Segment, Page<SegmentMember>)>,
    /// Campaigns launched in the period.
    pub campaigns: Vec<CampaignResult>,
    /// The revenue forecast.
    pub forecast: RevenueForecast,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(id: i64, cashback_bp: i64) -> LevelRef {
        LevelRef {
            id: LevelId(id),
            name: format!("L{id}"),
            cashback_bp,
        }
    }

    #[test]
    fn level_moves_rank_by_cashback_then_id_and_none_is_lowest() {
        let (silver, gold) = (level(1, 300), level(2, 500));
        assert_eq!(MoveDirection::of(None, Some(&silver)), MoveDirection::Up);
        assert_eq!(
            MoveDirection::of(Some(&gold), Some(&silver)),
            MoveDirection::Down
        );
        assert_eq!(MoveDirection::of(Some(&gold), None), MoveDirection::Down);
        assert_eq!(
            MoveDirection::of(Some(&level(3, 500)), Some(&level(4, 500))),
            MoveDirection::Up
        );
        let report = LevelsReport::new(
            vec![],
            vec![
                LevelMoveCount {
                    from: None,
                    to: Some(silver.clone()),
                    changes: 2,
                    clients: 2,
                },
                LevelMoveCount {
                    from: Some(silver.clone()),
                    to: Some(gold.clone()),
                    changes: 3,
                    clients: 1,
                },
                LevelMoveCount {
                    from: Some(gold),
                    to: Some(silver),
                    changes: 1,
                    clients: 1,
                },
            ],
        );
        assert_eq!((report.ups, report.downs), (5, 1));
        assert_eq!(report.moves[0].pair.changes, 3, "most frequent first");
    }

    #[test]
    fn every_score_has_exactly_one_segment_and_the_rules_hold() {
        let s = |r, f, m| RfmScore { r, f, m }.segment();
        assert_eq!(s(3, 3, 3), Segment::Champions);
        assert_eq!(s(3, 2, 3), Segment::Champions);
        assert_eq!(s(3, 3, 1), Segment::Loyal);
        assert_eq!(s(2, 3, 3), Segment::Loyal);
        assert_eq!(s(3, 1, 3), Segment::New);
        assert_eq!(s(2, 1, 1), Segment::Promising);
        assert_eq!(s(1, 2, 1), Segment::AtRisk);
        assert_eq!(s(1, 1, 3), Segment::AtRisk);
        assert_eq!(s(1, 1, 2), Segment::Sleeping);
        let total: usize = Segment::ALL.iter().map(|g| g.scores().len()).sum();
        assert_eq!(total, 27);
        assert_eq!(RfmScore { r: 3, f: 2, m: 1 }.code(), 321);
    }

    #[test]
    fn segment_counts_sum_cells_and_list_empty_segments() {
        let cells = [
            RfmCell {
                score: RfmScore { r: 3, f: 3, m: 3 },
                clients: 2,
            },
            RfmCell {
                score: RfmScore { r: 3, f: 2, m: 3 },
                clients: 1,
            },
            RfmCell {
                score: RfmScore { r: 1, f: 1, m: 1 },
                clients: 4,
            },
        ];
        let counts = segment_counts(&cells);
        assert_eq!(counts.len(), 6);
        assert_eq!(counts[0].clients, 3);
        assert_eq!(counts[5].clients, 4);
        assert_eq!(counts[1].clients, 0);
    }

    #[test]
    fn validates_pages_and_visitor_ids() {
        assert!(validate_page("/catalog").is_ok());
        assert!(validate_page("").is_err());
        assert!(validate_page("catalog").is_err());
        assert!(validate_page("/a b").is_err());
        assert!(validate_page(&format!("/{}", "a".repeat(199))).is_ok());
        assert!(validate_page(&format!("/{}", "a".repeat(200))).is_err());
        assert!(validate_visitor_id("abc-DEF_1").is_ok());
        assert!(validate_visitor_id("short").is_err());
        assert!(validate_visitor_id(&"a".repeat(65)).is_err());
        assert!(validate_visitor_id("has space!").is_err());
        assert!(validate_visitor_id("кириллица1").is_err());
    }

    #[test]
    fn the_line_extends_the_trend_and_never_goes_below_zero() {
        let (slope, intercept) = linear_fit(&[100, 200, 300]);
        assert!((slope - 100.0).abs() < 1e-9);
        assert!((intercept - 100.0).abs() < 1e-9);
        let at = |s| Timestamp::from_unix_seconds(s).unwrap();
        let window = |revenue| RevenueWindow {
            from: at(0),
            to: at(1),
            revenue: Money::from_minor(revenue),
        };
        let day = 86_400;
        let start = 1_795_000_000;
        let plan = forecast_plan(at(start), at(start + 2 * day), Granularity::Day);
        assert_eq!(plan.windows.len(), FORECAST_WINDOWS);
        assert_eq!(plan.windows[11], (at(start + day), at(start + 2 * day)));
        assert_eq!(plan.windows[0].0, at(start + 2 * day - 12 * day));
        assert_eq!(plan.next, (at(start + 2 * day), at(start + 4 * day)));
        assert_eq!(plan.windows_ahead, 2.0);
        // 100, 200, 300 -> the next two windows 400 + 500.
        let up = RevenueForecast::from_history(vec![window(100), window(200), window(300)], &plan);
        assert_eq!(up.forecast, Money::from_minor(900));
        let down = RevenueForecast::from_history(vec![window(300), window(0)], &plan);
        assert_eq!(down.forecast, Money::ZERO);
        let weekly = forecast_plan(at(start), at(start + 14 * day), Granularity::Week);
        assert_eq!(weekly.window_days, 7);
        assert_eq!(weekly.windows_ahead, 2.0);
        assert_eq!(weekly.windows[11].0, at(start + 7 * day));
    }

    #[test]
    fn funnel_steps_are_shares_of_the_previous_step() {
        let steps = FunnelCounts {
            visitors: 8,
            registrations: 4,
            first_purchases: 3,
            repeat_purchases: 0,
        }
        .steps();
        assert_eq!(steps[0].conversion_percent, None);
        assert_eq!(steps[1].conversion_percent, Some(50.0));
        assert_eq!(steps[2].conversion_percent, Some(75.0));
        assert_eq!(steps[3].conversion_percent, Some(0.0));
        assert_eq!(percent(1, 0), None);
    }
}
