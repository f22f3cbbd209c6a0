//! [`AudienceAnalytics`]: the use cases of the ratings, levels, page-go and marketing tabs and
//! the Mini App's page-view tracking.

use super::model::{
    forecast_plan, segment_counts, validate_page, validate_visitor_id, LevelsReport,
    MarketingReport, NewPageView, PageGoReport, Ratings, RevenueForecast, RevenueWindow,
    RfmThresholds, Segment, Visitor, DEFAULT_RATING_LIMIT, MAX_CAMPAIGNS, MAX_RATING_LIMIT,
    TOP_PAGES,
};
use super::ports::AudienceFigures;
use crate::error::AnalyticsError;
use crate::model::Compared;
use crate::period::{Period, PeriodRequest};
use crate::ports::BusinessCalendar;
use crate::service::{both, resolve_period};
use crm_core::{Clock, FieldError, PageRequest};

/// The audience use cases over a store of figures (that also knows the business's timezone)
/// and a clock.
#[derive(Debug, Clone)]
pub struct AudienceAnalytics<S, C> {
    store: S,
    clock: C,
    thresholds: RfmThresholds,
}

impl<S: AudienceFigures + BusinessCalendar, C: Clock> AudienceAnalytics<S, C> {
    /// The use cases with the default RFM thresholds.
    pub fn new(store: S, clock: C) -> Self {
        Self {
            store,
            clock,
            thresholds: RfmThresholds::default(),
        }
    }

    fn period(&self, request: &PeriodRequest) -> Result<Period, AnalyticsError> {
        resolve_period(&self.store, request, self.clock.now())
    }

    /// The ratings tab: top `limit` (default 10, at most 100) clients by payments and by
    /// recommendations.
    pub fn ratings(
        &self,
        request: &PeriodRequest,
        limit: Option<u32>,
    ) -> Result<(Period, Ratings), AnalyticsError> {
        let limit = limit.unwrap_or(DEFAULT_RATING_LIMIT);
        if !(1..=MAX_RATING_LIMIT).contains(&limit) {
            return Err(AnalyticsError::Validation(vec![FieldError::new(
                "limit",
                format!("must be between 1 and {MAX_RATING_LIMIT}"),
            )]));
        }
        let period = self.period(request)?;
        let ratings = Ratings {
            by_payments: self.store.top_payers(period.from, period.to, limit)?,
            by_recommendations: self.store.top_referrers(period.from, period.to, limit)?,
        };
        Ok((period, ratings))
    }

    /// The levels tab: clients per level now and the movement in the period.
    pub fn levels(
        &self,
        request: &PeriodRequest,
    ) -> Result<(Period, LevelsReport), AnalyticsError> {
        let period = self.period(request)?;
        let holders = self.store.level_holders()?;
        let moves = self.store.level_moves(period.from, period.to)?;
        Ok((period, LevelsReport::new(holders, moves)))
    }

    /// The page-go tab: views and unique visitors per bucket and for the period (compared with
    /// the previous one), and the most viewed pages.
    pub fn page_go(
        &self,
        request: &PeriodRequest,
    ) -> Result<(Period, PageGoReport), AnalyticsError> {
        let period = self.period(request)?;
        let current = self.store.view_totals(period.from, period.to)?;
        let previous = self
            .store
            .view_totals(period.previous_from, period.previous_to)?;
        let report = PageGoReport {
            views: Compared::new(current.views, previous.views),
            visitors: Compared::new(current.visitors, previous.visitors),
            series: self.store.view_series(&period.buckets)?,
            top_pages: self.store.top_pages(period.from, period.to, TOP_PAGES)?,
        };
        Ok((period, report))
    }

    /// Records a page view of the Mini App now. An anonymous visitor id is validated; a
    /// client needs none.
    pub fn record_page_view(&self, page: String, visitor: Visitor) -> Result<(), AnalyticsError> {
        let mut errors = Vec::new();
        if let Err(e) = validate_page(&page) {
            errors.push(e);
        }
        if let Visitor::Anonymous(id) = &visitor {
            if let Err(e) = validate_visitor_id(id) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(AnalyticsError::Validation(errors));
        }
        self.store.record_page_view(&NewPageView {
            page,
            visitor,
            at: self.clock.now(),
        })?;
        Ok(())
    }

    /// The marketing tab; with `segment`, the page of its clients.
    pub fn marketing(
        &self,
        request: &PeriodRequest,
        segment: Option<Segment>,
        page: PageRequest,
    ) -> Result<(Period, MarketingReport), AnalyticsError>
    where
        S: Sync,
    {
        let period = self.period(request)?;
        let (from, to) = (period.from, period.to);
        let plan = forecast_plan(from, to, period.granularity);
        // The parts are independent reads: the channels (the heaviest, a pass over the
        // period's purchases) on a second thread with its own pooled connection, the rest here
        // — the tab takes about half as long on two cores.
        let (second, first) = both(
            || Ok(self.store.channel_figures(from, to)?),
            || {
                let segment_clients = match segment {
                    Some(segment) => Some((
                        segment,
                        self.store
                            .rfm_members(&self.thresholds, to, &segment.scores(), page)?,
                    )),
                    None => None,
                };
                Ok((
                    self.store.campaign_results(from, to, MAX_CAMPAIGNS)?,
                    self.store.rfm_cells(&self.thresholds, to)?,
                    self.store.funnel(from, to)?,
                    self.store.revenue_by_window(&plan.windows)?,
                    segment_clients,
                ))
            },
        );
        let channels = second?;
        let (campaigns, cells, funnel, revenue, segment_clients) = first?;
        let history = plan
            .windows
            .iter()
            .zip(revenue)
            .map(|(&(from, to), revenue)| RevenueWindow { from, to, revenue })
            .collect();
        let report = MarketingReport {
            channels,
            funnel: funnel.steps(),
            rfm_thresholds: self.thresholds,
            segments: segment_counts(&cells),
            segment_clients,
            campaigns,
            forecast: RevenueForecast::from_history(history, &plan),
        };
        Ok((period, report))
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::*;
    use super::super::ports::MockAudienceFigures;
    use super::*;
    use crate::period::Bucket;
    use crate::ports::MockBusinessCalendar;
    use crm_core::{ClientId, FixedClock, Money, Page, RepoError, Timestamp};

    /// The mocks of both ports behind one store.
    struct Store {
        figures: MockAudienceFigures,
        calendar: MockBusinessCalendar,
    }

    impl BusinessCalendar for Store {
        fn timezone(&self) -> Result<String, RepoError> {
            self.calendar.timezone()
        }
    }

    impl AudienceFigures for Store {
        fn top_payers(
            &self,
            f: Timestamp,
            t: Timestamp,
            l: u32,
        ) -> Result<Vec<RankedPayer>, RepoError> {
            self.figures.top_payers(f, t, l)
        }
        fn top_referrers(
            &self,
            f: Timestamp,
            t: Timestamp,
            l: u32,
        ) -> Result<Vec<RankedReferrer>, RepoError> {
            self.figures.top_referrers(f, t, l)
        }
        fn level_holders(&self) -> Result<Vec<LevelHolders>, RepoError> {
            self.figures.level_holders()
        }
        fn level_moves(
            &self,
            f: Timestamp,
            t: Timestamp,
        ) -> Result<Vec<LevelMoveCount>, RepoError> {
            self.figures.level_moves(f, t)
        }
        fn record_page_view(&self, v: &NewPageView) -> Result<(), RepoError> {
            self.figures.record_page_view(v)
        }
        fn view_series(&self, b: &[Bucket]) -> Result<Vec<ViewBucket>, RepoError> {
            self.figures.view_series(b)
        }
        fn view_totals(&self, f: Timestamp, t: Timestamp) -> Result<ViewCounts, RepoError> {
            self.figures.view_totals(f, t)
        }
        fn top_pages(
            &self,
            f: Timestamp,
            t: Timestamp,
            l: u32,
        ) -> Result<Vec<PageStat>, RepoError> {
            self.figures.top_pages(f, t, l)
        }
        fn channel_figures(
            &self,
            f: Timestamp,
            t: Timestamp,
        ) -> Result<Vec<ChannelFigures>, RepoError> {
            self.figures.channel_figures(f, t)
        }
        fn funnel(&self, f: Timestamp, t: Timestamp) -> Result<FunnelCounts, RepoError> {
            self.figures.funnel(f, t)
        }
        fn rfm_cells(&self, th: &RfmThresholds, e: Timestamp) -> Result<Vec<RfmCell>, RepoError> {
            self.figures.rfm_cells(th, e)
        }
        fn rfm_members(
            &self,
            th: &RfmThresholds,
            e: Timestamp,
            s: &[RfmScore],
            p: PageRequest,
        ) -> Result<Page<SegmentMember>, RepoError> {
            self.figures.rfm_members(th, e, s, p)
        }
        fn campaign_results(
            &self,
            f: Timestamp,
            t: Timestamp,
            l: u32,
        ) -> Result<Vec<CampaignResult>, RepoError> {
            self.figures.campaign_results(f, t, l)
        }
        fn revenue_by_window(&self, w: &[(Timestamp, Timestamp)]) -> Result<Vec<Money>, RepoError> {
            self.figures.revenue_by_window(w)
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-24T12:00:00Z").unwrap()
    }

    fn store() -> Store {
        let mut calendar = MockBusinessCalendar::new();
        calendar
            .expect_timezone()
            .returning(|| Ok("UTC".to_owned()));
        Store {
            figures: MockAudienceFigures::new(),
            calendar,
        }
    }

    fn service(store: Store) -> AudienceAnalytics<Store, FixedClock> {
        AudienceAnalytics::new(store, FixedClock::new(now()))
    }

    #[test]
    fn ratings_refuse_a_bad_limit_before_reading_anything() {
        let s = service(store());
        for limit in [0, 101] {
            let err = s
                .ratings(&PeriodRequest::default(), Some(limit))
                .unwrap_err();
            assert!(matches!(err, AnalyticsError::Validation(ref e) if e[0].field == "limit"));
        }
    }

    #[test]
    fn ratings_read_the_resolved_period_with_the_default_limit() {
        let mut st = store();
        st.figures
            .expect_top_payers()
            .withf(|from, to, limit| {
                *from == Timestamp::parse("2026-11-01T00:00:00Z").unwrap()
                    && *to > *from
                    && *limit == 10
            })
            .returning(|_, _, _| {
                Ok(vec![RankedPayer {
                    client_id: ClientId(7),
                    full_name: "Anna".into(),
                    purchases: 2,
                    net_revenue: Money::from_major(300),
                }])
            });
        st.figures
            .expect_top_referrers()
            .returning(|_, _, _| Ok(vec![]));
        let (period, ratings) = service(st)
            .ratings(&PeriodRequest::default(), None)
            .unwrap();
        assert_eq!(period.timezone, "Etc/UTC");
        assert_eq!(ratings.by_payments[0].net_revenue, Money::from_major(300));
    }

    #[test]
    fn page_views_are_validated_and_stored_at_the_clock() {
        let mut st = store();
        st.figures
            .expect_record_page_view()
            .withf(|v| {
                v.page == "/catalog" && v.at == now() && v.visitor == Visitor::Client(ClientId(3))
            })
            .times(1)
            .returning(|_| Ok(()));
        let s = service(st);
        s.record_page_view("/catalog".into(), Visitor::Client(ClientId(3)))
            .unwrap();
        let err = s
            .record_page_view(String::new(), Visitor::Anonymous("bad id".into()))
            .unwrap_err();
        let AnalyticsError::Validation(errors) = err else {
            panic!("validation expected");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["page", "visitor_id"]);
    }

    #[test]
    fn marketing_names_segments_forecasts_and_pages_one_segment() {
        let mut st = store();
        st.figures.expect_rfm_cells().returning(|_, _| {
            Ok(vec![RfmCell {
                score: RfmScore { r: 1, f: 3, m: 3 },
                clients: 4,
            }])
        });
        st.figures
            .expect_rfm_members()
            .withf(|_, _, scores, page| {
                scores.iter().all(|s| s.segment() == Segment::AtRisk)
                    && !scores.is_empty()
                    && page.limit() == 2
            })
            .returning(|_, _, _, page| {
                Ok(Page {
                    items: vec![],
                    total: 4,
                    limit: page.limit(),
                    offset: page.offset(),
                })
            });
        st.figures
            .expect_revenue_by_window()
            .withf(|w| w.len() == FORECAST_WINDOWS)
            .returning(|w| {
                Ok((0..w.len() as i64)
                    .map(|i| Money::from_minor(1_000 + 100 * i))
                    .collect())
            });
        st.figures
            .expect_channel_figures()
            .returning(|_, _| Ok(vec![]));
        st.figures.expect_funnel().returning(|_, _| {
            Ok(FunnelCounts {
                visitors: 10,
                registrations: 5,
                first_purchases: 2,
                repeat_purchases: 1,
            })
        });
        st.figures
            .expect_campaign_results()
            .returning(|_, _, _| Ok(vec![]));
        let ten_days = PeriodRequest {
            from: Some("2026-11-01".into()),
            to: Some("2026-11-10".into()),
            ..PeriodRequest::default()
        };
        let (period, report) = service(st)
            .marketing(
                &ten_days,
                Some(Segment::AtRisk),
                PageRequest::new(Some(2), None).unwrap(),
            )
            .unwrap();
        let at_risk = report
            .segments
            .iter()
            .find(|s| s.segment == Segment::AtRisk)
            .unwrap();
        assert_eq!(at_risk.clients, 4);
        assert_eq!(report.segment_clients.unwrap().1.total, 4);
        assert_eq!(report.forecast.method, "linear_regression");
        // 1000 + 100 i over 12 days; the next 10 days: 10 × (1000 + 100 × (12 + 4.5)).
        assert_eq!(report.forecast.forecast, Money::from_minor(26_500));
        assert_eq!(report.forecast.from, period.to);
        assert_eq!(report.funnel[2].conversion_percent, Some(40.0));
    }
}
