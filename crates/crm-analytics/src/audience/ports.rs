//! [`AudienceFigures`]: the stored figures the audience tabs read, and where page views are
//! written. Every period is `[from, to)` in exact instants.

use super::model::{
    CampaignResult, ChannelFigures, FunnelCounts, LevelHolders, LevelMoveCount, NewPageView,
    PageStat, RankedPayer, RankedReferrer, RfmCell, RfmScore, RfmThresholds, SegmentMember,
    ViewBucket, ViewCounts,
};
use crate::period::Bucket;
use crate::ports::BusinessCalendar;
use crm_core::{Money, Page, PageRequest, RepoError, Timestamp};

/// The audience figures in storage.
#[cfg_attr(test, mockall::automock)]
pub trait AudienceFigures {
    /// Top `limit` clients by net purchases in `[from, to)`, highest first.
    fn top_payers(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<RankedPayer>, RepoError>;

    /// Top `limit` clients by clients invited: most invited in `[from, to)` first, then most
    /// invited ever; with their referral tree per generation.
    fn top_referrers(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<RankedReferrer>, RepoError>;

    /// Clients per level now, "no level" included.
    fn level_holders(&self) -> Result<Vec<LevelHolders>, RepoError>;

    /// Level changes in `[from, to)` per from → to pair.
    fn level_moves(&self, from: Timestamp, to: Timestamp)
        -> Result<Vec<LevelMoveCount>, RepoError>;

    /// Stores a page view.
    fn record_page_view(&self, view: &NewPageView) -> Result<(), RepoError>;

    /// Views and unique visitors per bucket, in the buckets' order.
    fn view_series(&self, buckets: &[Bucket]) -> Result<Vec<ViewBucket>, RepoError>;

    /// Views and unique visitors in `[from, to)`.
    fn view_totals(&self, from: Timestamp, to: Timestamp) -> Result<ViewCounts, RepoError>;

    /// The `limit` most viewed pages in `[from, to)`.
    fn top_pages(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<PageStat>, RepoError>;

    /// What each traffic channel brought in `[from, to)`.
    fn channel_figures(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ChannelFigures>, RepoError>;

    /// The funnel counts of `[from, to)`.
    fn funnel(&self, from: Timestamp, to: Timestamp) -> Result<FunnelCounts, RepoError>;

    /// Clients with a purchase before `end`, counted per RFM score.
    fn rfm_cells(
        &self,
        thresholds: &RfmThresholds,
        end: Timestamp,
    ) -> Result<Vec<RfmCell>, RepoError>;

    /// The clients with one of `scores`, by id.
    fn rfm_members(
        &self,
        thresholds: &RfmThresholds,
        end: Timestamp,
        scores: &[RfmScore],
        page: PageRequest,
    ) -> Result<Page<SegmentMember>, RepoError>;

    /// The latest `limit` campaigns launched in `[from, to)` with their results.
    fn campaign_results(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<CampaignResult>, RepoError>;

    /// Net purchase revenue of each window, in order.
    fn revenue_by_window(
        &self,
        windows: &[(Timestamp, Timestamp)],
    ) -> Result<Vec<Money>, RepoError>;
}

impl<T: AudienceFigures + ?Sized> AudienceFigures for std::sync::Arc<T> {
    fn top_payers(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<RankedPayer>, RepoError> {
        (**self).top_payers(from, to, limit)
    }
    fn top_referrers(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<RankedReferrer>, RepoError> {
        (**self).top_referrers(from, to, limit)
    }
    fn level_holders(&self) -> Result<Vec<LevelHolders>, RepoError> {
        (**self).level_holders()
    }
    fn level_moves(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<LevelMoveCount>, RepoError> {
        (**self).level_moves(from, to)
    }
    fn record_page_view(&self, view: &NewPageView) -> Result<(), RepoError> {
        (**self).record_page_view(view)
    }
    fn view_series(&self, buckets: &[Bucket]) -> Result<Vec<ViewBucket>, RepoError> {
        (**self).view_series(buckets)
    }
    fn view_totals(&self, from: Timestamp, to: Timestamp) -> Result<ViewCounts, RepoError> {
        (**self).view_totals(from, to)
    }
    fn top_pages(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<PageStat>, RepoError> {
        (**self).top_pages(from, to, limit)
    }
    fn channel_figures(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ChannelFigures>, RepoError> {
        (**self).channel_figures(from, to)
    }
    fn funnel(&self, from: Timestamp, to: Timestamp) -> Result<FunnelCounts, RepoError> {
        (**self).funnel(from, to)
    }
    fn rfm_cells(
        &self,
        thresholds: &RfmThresholds,
        end: Timestamp,
    ) -> Result<Vec<RfmCell>, RepoError> {
        (**self).rfm_cells(thresholds, end)
    }
    fn rfm_members(
        &self,
        thresholds: &RfmThresholds,
        end: Timestamp,
        scores: &[RfmScore],
        page: PageRequest,
    ) -> Result<Page<SegmentMember>, RepoError> {
        (**self).rfm_members(thresholds, end, scores, page)
    }
    fn campaign_results(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<CampaignResult>, RepoError> {
        (**self).campaign_results(from, to, limit)
    }
    fn revenue_by_window(
        &self,
        windows: &[(Timestamp, Timestamp)],
    ) -> Result<Vec<Money>, RepoError> {
        (**self).revenue_by_window(windows)
    }
}

/// One store that answers the audience figures and the business calendar (the SQLite
/// analytics adapter does both), so the app holds one shared port for this area.
pub trait AudienceSource: AudienceFigures + BusinessCalendar {}

impl<T: AudienceFigures + BusinessCalendar + ?Sized> AudienceSource for T {}
