//! Bodies of the ratings, levels, page-go and marketing tabs and of the Mini App's page-view
//! tracking. Money is a decimal number in major units like the rest of the API; counts are
//! whole numbers; percentages have one decimal.

use crate::dto::period::PeriodResponse;
use crm_analytics::audience::model::{
    CampaignResult, ChannelFigures, FunnelStep, LevelHolders, LevelMove, LevelRef, LevelsReport,
    MarketingReport, PageGoReport, PageStat, RankedPayer, RankedReferrer, Ratings, RevenueForecast,
    RevenueWindow, RfmScore, RfmThresholds, Segment, SegmentCount, SegmentMember, ViewBucket,
};
use crm_analytics::model::Compared;
use crm_analytics::period::Period;
use crm_core::{Money, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// The ratings tab's own query parameters (besides the period).
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct RatingsQuery {
    /// Rows per rating: 1 to 100, default 10.
    pub limit: Option<u32>,
}

/// An RFM segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum SegmentCode {
    /// R = 3 and F + M ≥ 5.
    Champions,
    /// R ≥ 2 and F ≥ 2, not champions.
    Loyal,
    /// R = 3 and F = 1.
    New,
    /// R = 2 and F = 1.
    Promising,
    /// R = 1 and (F ≥ 2 or M = 3).
    AtRisk,
    /// R = 1, F = 1 and M ≤ 2.
    Sleeping,
}

impl From<SegmentCode> for Segment {
    fn from(code: SegmentCode) -> Self {
        match code {
            SegmentCode::Champions => Segment::Champions,
            SegmentCode::Loyal => Segment::Loyal,
            SegmentCode::New => Segment::New,
            SegmentCode::Promising => Segment::Promising,
            SegmentCode::AtRisk => Segment::AtRisk,
            SegmentCode::Sleeping => Segment::Sleeping,
        }
    }
}

impl From<Segment> for SegmentCode {
    fn from(segment: Segment) -> Self {
        match segment {
            Segment::Champions => SegmentCode::Champions,
            Segment::Loyal => SegmentCode::Loyal,
            Segment::New => SegmentCode::New,
            Segment::Promising => SegmentCode::Promising,
            Segment::AtRisk => SegmentCode::AtRisk,
            Segment::Sleeping => SegmentCode::Sleeping,
        }
    }
}

/// The marketing tab's own query parameters (besides the period).
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct MarketingQuery {
    /// An RFM segment whose clients to list in `segment_clients`.
    pub segment: Option<SegmentCode>,
    /// Clients per page of the segment: 1 to 500, default 50.
    pub limit: Option<u32>,
    /// Clients of the segment skipped.
    pub offset: Option<u64>,
}

/// A page view from a signed-in client of the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct PageViewRequest {
    /// The page path, 1–200 characters starting with `/`, e.g. `/catalog`.
    pub page: String,
    /// An anonymous visitor id the app may have used before sign-in; ignored for a signed-in
    /// client (the client is the visitor).
    pub visitor_id: Option<String>,
}

/// A page view from an anonymous visitor of the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AnonymousPageViewRequest {
    /// The page path, 1–200 characters starting with `/`, e.g. `/catalog`.
    pub page: String,
    /// The visitor id the app keeps for this device: 8–64 characters of `A-Z a-z 0-9 _ -`.
    pub visitor_id: String,
}

/// The answer to a recorded page view.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PageViewRecorded {
    /// Always true: the view was stored.
    pub recorded: bool,
}

/// A count with the previous comparable period's count.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ComparedCount {
    /// This period.
    pub current: i64,
    /// The previous comparable period.
    pub previous: i64,
    /// The change in percent, one decimal; null when the previous count is zero.
    pub change_percent: Option<f64>,
}

impl From<Compared> for ComparedCount {
    fn from(c: Compared) -> Self {
        Self {
            current: c.current,
            previous: c.previous,
            change_percent: c.change_percent,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ratings

/// A client ranked by payments.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PayerRow {
    /// The client's id.
    pub client_id: i64,
    /// The client's full name.
    pub full_name: String,
    /// Purchases in the period not fully refunded.
    pub purchases: i64,
    /// Purchase totals in the period less what was refunded of them.
    pub net_revenue: Money,
}

impl From<RankedPayer> for PayerRow {
    fn from(p: RankedPayer) -> Self {
        Self {
            client_id: p.client_id.get(),
            full_name: p.full_name,
            purchases: p.purchases,
            net_revenue: p.net_revenue,
        }
    }
}

/// A client ranked by recommendations.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ReferrerRow {
    /// The client's id.
    pub client_id: i64,
    /// The client's full name.
    pub full_name: String,
    /// Clients they invited directly (their `referrer_id` is this client), ever.
    pub invited_total: i64,
    /// Of those, clients registered in the period.
    pub invited_new: i64,
    /// Members of their referral tree per generation: index 0 is generation 1 (invited
    /// directly) … index 5 is generation 6.
    pub generations: Vec<i64>,
}

impl From<RankedReferrer> for ReferrerRow {
    fn from(r: RankedReferrer) -> Self {
        Self {
            client_id: r.client_id.get(),
            full_name: r.full_name,
            invited_total: r.invited_total,
            invited_new: r.invited_new,
            generations: r.generations.to_vec(),
        }
    }
}

/// The ratings tab.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RatingsResponse {
    /// The period.
    pub period: PeriodResponse,
    /// Top clients by net purchases in the period, highest first.
    pub by_payments: Vec<PayerRow>,
    /// Top clients by recommendations: most invited in the period first, then most invited
    /// ever.
    pub by_recommendations: Vec<ReferrerRow>,
}

impl From<(Period, Ratings)> for RatingsResponse {
    fn from((period, r): (Period, Ratings)) -> Self {
        Self {
            period: (&period).into(),
            by_payments: r.by_payments.into_iter().map(Into::into).collect(),
            by_recommendations: r.by_recommendations.into_iter().map(Into::into).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Levels

/// A level.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LevelInfo {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its cashback in percent (levels rank by cashback, then id).
    pub cashback_percent: f64,
}

fn level_info(level: Option<LevelRef>) -> Option<LevelInfo> {
    level.map(|l| LevelInfo {
        id: l.id.get(),
        name: l.name,
        cashback_percent: l.cashback_bp as f64 / 100.0,
    })
}

/// Clients holding one level now.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LevelHoldersRow {
    /// The level; null for clients without a level.
    pub level: Option<LevelInfo>,
    /// Whether the level is archived (listed only while clients still hold it).
    pub archived: bool,
    /// Clients holding it.
    pub clients: i64,
}

impl From<LevelHolders> for LevelHoldersRow {
    fn from(h: LevelHolders) -> Self {
        Self {
            level: level_info(h.level),
            archived: h.archived,
            clients: h.clients,
        }
    }
}

/// Level changes from one level to another in the period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LevelMoveRow {
    /// The level before; null for no level.
    pub from: Option<LevelInfo>,
    /// The level after; null for no level.
    pub to: Option<LevelInfo>,
    /// `up` (a better level, or a first one) or `down`.
    pub direction: String,
    /// Changes recorded.
    pub changes: i64,
    /// Distinct clients who made the change.
    pub clients: i64,
}

impl From<LevelMove> for LevelMoveRow {
    fn from(m: LevelMove) -> Self {
        Self {
            direction: m.direction.code().to_owned(),
            from: level_info(m.pair.from),
            to: level_info(m.pair.to),
            changes: m.pair.changes,
            clients: m.pair.clients,
        }
    }
}

/// The levels tab.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LevelsResponse {
    /// The period.
    pub period: PeriodResponse,
    /// Clients per level now; the "no level" row first, then by cashback.
    pub levels: Vec<LevelHoldersRow>,
    /// Level changes in the period per from → to pair, most frequent first.
    pub movement: Vec<LevelMoveRow>,
    /// Changes up in the period.
    pub ups: i64,
    /// Changes down in the period.
    pub downs: i64,
}

impl From<(Period, LevelsReport)> for LevelsResponse {
    fn from((period, r): (Period, LevelsReport)) -> Self {
        Self {
            period: (&period).into(),
            levels: r.holders.into_iter().map(Into::into).collect(),
            movement: r.moves.into_iter().map(Into::into).collect(),
            ups: r.ups,
            downs: r.downs,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Page-go

/// Views and unique visitors of one bucket.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ViewBucketRow {
    /// Local label: `2026-11-24`, `2026-W48` or `2026-11`.
    pub label: String,
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
    /// Page views.
    pub views: i64,
    /// Distinct visitors (a client or an anonymous visitor id).
    pub visitors: i64,
}

impl From<ViewBucket> for ViewBucketRow {
    fn from(b: ViewBucket) -> Self {
        Self {
            label: b.label,
            from: b.from,
            to: b.to,
            views: b.counts.views,
            visitors: b.counts.visitors,
        }
    }
}

/// A page with its views in the period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PageRow {
    /// The page path.
    pub page: String,
    /// Views.
    pub views: i64,
    /// Distinct visitors.
    pub visitors: i64,
}

impl From<PageStat> for PageRow {
    fn from(p: PageStat) -> Self {
        Self {
            page: p.page,
            views: p.counts.views,
            visitors: p.counts.visitors,
        }
    }
}

/// The page-go tab: views and unique visitors of the Mini App.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PageGoResponse {
    /// The period.
    pub period: PeriodResponse,
    /// Page views in the period, with the previous comparable period.
    pub views: ComparedCount,
    /// Distinct visitors in the whole period (not the sum of the buckets), with the previous
    /// comparable period.
    pub visitors: ComparedCount,
    /// Views and distinct visitors per bucket.
    pub series: Vec<ViewBucketRow>,
    /// The ten most viewed pages.
    pub top_pages: Vec<PageRow>,
}

impl From<(Period, PageGoReport)> for PageGoResponse {
    fn from((period, r): (Period, PageGoReport)) -> Self {
        Self {
            period: (&period).into(),
            views: r.views.into(),
            visitors: r.visitors.into(),
            series: r.series.into_iter().map(Into::into).collect(),
            top_pages: r.top_pages.into_iter().map(Into::into).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Marketing

/// What one traffic channel brought in the period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ChannelRow {
    /// The channel's id; null for clients without a channel.
    pub channel_id: Option<i64>,
    /// Its name; null for clients without a channel.
    pub name: Option<String>,
    /// Its code; null for clients without a channel.
    pub code: Option<String>,
    /// Clients registered in the period.
    pub new_clients: i64,
    /// Of those, clients who made a first purchase before the period end.
    pub converted: i64,
    /// `converted / new_clients` in percent; null without new clients.
    pub conversion_percent: Option<f64>,
    /// Purchases in the period by any client of the channel (not fully refunded).
    pub purchases: i64,
    /// Net purchase revenue in the period by any client of the channel.
    pub revenue: Money,
}

impl From<ChannelFigures> for ChannelRow {
    fn from(c: ChannelFigures) -> Self {
        let (channel_id, name, code) = match c.channel {
            Some((id, name, code)) => (Some(id.get()), Some(name), Some(code)),
            None => (None, None, None),
        };
        Self {
            channel_id,
            name,
            code,
            new_clients: c.new_clients,
            converted: c.converted,
            conversion_percent: crm_analytics::audience::model::percent(c.converted, c.new_clients),
            purchases: c.purchases,
            revenue: c.revenue,
        }
    }
}

/// One step of the funnel.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FunnelStepRow {
    /// `visit` (distinct Mini App visitors), `registration` (clients created),
    /// `first_purchase` (clients whose first purchase falls in the period), `repeat_purchase`
    /// (of those, clients with two or more purchases, not fully refunded, by now).
    pub step: String,
    /// How many.
    pub count: i64,
    /// Percent of the previous step; null for the first step or a zero base.
    pub conversion_percent: Option<f64>,
}

impl From<FunnelStep> for FunnelStepRow {
    fn from(s: FunnelStep) -> Self {
        Self {
            step: s.step.to_owned(),
            count: s.count,
            conversion_percent: s.conversion_percent,
        }
    }
}

/// The fixed RFM thresholds, relative to the period end.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RfmThresholdsResponse {
    /// R = 3 when the last purchase is at most this many days before the period end.
    pub recent_days: i64,
    /// R = 2 when it is at most this many days before (otherwise R = 1).
    pub lapsing_days: i64,
    /// F = 3 from this many purchases.
    pub frequent_purchases: i64,
    /// F = 2 from this many purchases (otherwise F = 1).
    pub repeat_purchases: i64,
    /// M = 3 from this total spent.
    pub high_spent: Money,
    /// M = 2 from this total spent (otherwise M = 1).
    pub medium_spent: Money,
}

impl From<RfmThresholds> for RfmThresholdsResponse {
    fn from(t: RfmThresholds) -> Self {
        Self {
            recent_days: t.recent_days,
            lapsing_days: t.lapsing_days,
            frequent_purchases: t.frequent_purchases,
            repeat_purchases: t.repeat_purchases,
            high_spent: t.high_spent,
            medium_spent: t.medium_spent,
        }
    }
}

/// An RFM segment with its clients count.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SegmentRow {
    /// The segment.
    pub segment: SegmentCode,
    /// The rule on the R, F, M scores (each 1 to 3).
    pub rule: String,
    /// Clients in it.
    pub clients: i64,
}

impl From<SegmentCount> for SegmentRow {
    fn from(s: SegmentCount) -> Self {
        Self {
            segment: s.segment.into(),
            rule: s.segment.rule().to_owned(),
            clients: s.clients,
        }
    }
}

/// An RFM score.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RfmScoreResponse {
    /// Recency, 1 to 3.
    pub r: u8,
    /// Frequency, 1 to 3.
    pub f: u8,
    /// Monetary, 1 to 3.
    pub m: u8,
}

impl From<RfmScore> for RfmScoreResponse {
    fn from(s: RfmScore) -> Self {
        Self {
            r: s.r,
            f: s.f,
            m: s.m,
        }
    }
}

/// A client of a segment.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SegmentMemberRow {
    /// The client's id.
    pub client_id: i64,
    /// The client's full name.
    pub full_name: String,
    /// Their score.
    pub score: RfmScoreResponse,
}

impl From<SegmentMember> for SegmentMemberRow {
    fn from(m: SegmentMember) -> Self {
        Self {
            client_id: m.client_id.get(),
            full_name: m.full_name,
            score: m.score.into(),
        }
    }
}

/// One page of a segment's clients, by id.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SegmentClientsPage {
    /// The segment.
    pub segment: SegmentCode,
    /// The clients of this page.
    pub items: Vec<SegmentMemberRow>,
    /// Clients in the segment.
    pub total: u64,
    /// The page size used.
    pub limit: u32,
    /// The offset used.
    pub offset: u64,
}

/// Results of a campaign launched in the period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CampaignRow {
    /// The campaign's id.
    pub campaign_id: i64,
    /// Its name.
    pub name: String,
    /// Its status.
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
    /// Distinct clients converted: a purchase within the conversion window after a message
    /// was sent, or a recorded conversion.
    pub conversions: i64,
    /// Net revenue of the attributed purchases.
    pub revenue: Money,
}

impl From<CampaignResult> for CampaignRow {
    fn from(c: CampaignResult) -> Self {
        Self {
            campaign_id: c.id.get(),
            name: c.name,
            status: c.status,
            launched_at: c.launched_at,
            recipients: c.recipients,
            sent: c.sent,
            failed: c.failed,
            opens: c.opens,
            clicks: c.clicks,
            conversions: c.conversions,
            revenue: c.revenue,
        }
    }
}

/// Net revenue of one past window.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RevenueWindowRow {
    /// Start.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
    /// Net purchase revenue.
    pub revenue: Money,
}

impl From<RevenueWindow> for RevenueWindowRow {
    fn from(w: RevenueWindow) -> Self {
        Self {
            from: w.from,
            to: w.to,
            revenue: w.revenue,
        }
    }
}

/// The revenue forecast for the next period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ForecastResponse {
    /// The method: `linear_regression`.
    pub method: String,
    /// The method and its inputs in words.
    pub description: String,
    /// The next period's start (this period's end).
    pub from: Timestamp,
    /// The next period's end (as long as this period).
    pub to: Timestamp,
    /// The inputs: net revenue of the 12 windows of `window_days` days, the last ending at
    /// the period end, oldest first.
    pub history: Vec<RevenueWindowRow>,
    /// The window length in days: 1, 7 or 30 by the granularity (day, week, month).
    pub window_days: i64,
    /// How many windows the next period spans.
    pub windows_ahead: f64,
    /// The fitted change of revenue per window, in minor units (kopecks).
    pub slope_minor: f64,
    /// The fitted revenue of the oldest window, in minor units.
    pub intercept_minor: f64,
    /// The forecast net revenue of the next period (never below zero).
    pub forecast: Money,
}

impl From<RevenueForecast> for ForecastResponse {
    fn from(f: RevenueForecast) -> Self {
        Self {
            method: f.method.to_owned(),
            description: f.description,
            from: f.from,
            to: f.to,
            history: f.history.into_iter().map(Into::into).collect(),
            window_days: f.window_days,
            windows_ahead: f.windows_ahead,
            slope_minor: f.slope_minor,
            intercept_minor: f.intercept_minor,
            forecast: f.forecast,
        }
    }
}

/// The marketing tab.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct MarketingResponse {
    /// The period.
    pub period: PeriodResponse,
    /// Traffic channels (every active one, and clients without a channel when they have
    /// figures).
    pub channels: Vec<ChannelRow>,
    /// The funnel visit → registration → first purchase → repeat purchase.
    pub funnel: Vec<FunnelStepRow>,
    /// The RFM thresholds used.
    pub rfm_thresholds: RfmThresholdsResponse,
    /// Clients with a purchase before the period end per RFM segment.
    pub segments: Vec<SegmentRow>,
    /// The clients of the segment asked for with `segment`; null otherwise.
    pub segment_clients: Option<SegmentClientsPage>,
    /// Campaigns launched in the period (the latest 100), latest first.
    pub campaigns: Vec<CampaignRow>,
    /// The revenue forecast for the next period.
    pub forecast: ForecastResponse,
}

impl From<(Period, MarketingReport)> for MarketingResponse {
    fn from((period, r): (Period, MarketingReport)) -> Self {
        Self {
            period: (&period).into(),
            channels: r.channels.into_iter().map(Into::into).collect(),
            funnel: r.funnel.into_iter().map(Into::into).collect(),
            rfm_thresholds: r.rfm_thresholds.into(),
            segments: r.segments.into_iter().map(Into::into).collect(),
            segment_clients: r.segment_clients.map(|(segment, page)| SegmentClientsPage {
                segment: segment.into(),
                items: page.items.into_iter().map(Into::into).collect(),
                total: page.total,
                limit: page.limit,
                offset: page.offset,
            }),
            campaigns: r.campaigns.into_iter().map(Into::into).collect(),
            forecast: r.forecast.into(),
        }
    }
}
