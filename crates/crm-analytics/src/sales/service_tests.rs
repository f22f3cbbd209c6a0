//! Unit tests of the sales analytics over mocked figures.

use super::*;
use crate::period::Granularity;
use crate::sales::model::{AppointmentCounts, ClientActivity, CustomerFigures, OperationSeries};
use crate::sales::ports::MockSalesFigures;
use crm_core::{FixedClock, RepoError};

/// The mocked figures with a fixed business timezone.
struct Store {
    figures: MockSalesFigures,
    timezone: &'static str,
}

impl BusinessCalendar for Store {
    fn timezone(&self) -> Result<String, RepoError> {
        Ok(self.timezone.to_owned())
    }
}

impl SalesFigures for Store {
    fn totals(&self, range: TimeRange, appointments: TimeRange) -> Result<SalesTotals, RepoError> {
        self.figures.totals(range, appointments)
    }
    fn client_activity(&self, range: TimeRange) -> Result<ClientActivity, RepoError> {
        self.figures.client_activity(range)
    }
    fn customers(&self, query: &CustomersQuery) -> Result<CustomerFigures, RepoError> {
        self.figures.customers(query)
    }
    fn operation_series(&self, query: &OperationsQuery) -> Result<OperationSeries, RepoError> {
        self.figures.operation_series(query)
    }
    fn finance(&self, buckets: &[DatedRange]) -> Result<Vec<FinanceFigures>, RepoError> {
        self.figures.finance(buckets)
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn service(figures: MockSalesFigures, timezone: &'static str) -> SalesAnalytics<Store, FixedClock> {
    SalesAnalytics::new(
        Store { figures, timezone },
        FixedClock::new(at("2026-11-24T12:00:00Z")),
    )
}

fn totals(purchases: i64, purchase_total: i64, refund_total: i64) -> SalesTotals {
    SalesTotals {
        sales: BucketSales {
            purchases,
            purchase_total,
            refunds: i64::from(refund_total > 0),
            refund_total,
        },
        new_clients: 2,
        points_accrued: 500,
        points_spent: 100,
        certificates_sold: 1,
        certificates_amount: 300_000,
        appointments: AppointmentCounts {
            scheduled: 3,
            completed: 1,
            no_show: 1,
            cancelled: 0,
            booked_minutes: 225,
            shift_minutes: 540,
        },
        ..SalesTotals::default()
    }
}

#[test]
fn the_summary_is_today_compared_with_yesterday_so_far() {
    let mut figures = MockSalesFigures::new();
    figures
        .expect_totals()
        .withf(|r, a| {
            r.from == at("2026-11-23T21:00:00Z")
                && a.from == r.from
                && a.to == at("2026-11-24T21:00:00Z")
        })
        .times(1)
        .returning(|_, _| Ok(totals(3, 3_000_00, 500_00)));
    figures
        .expect_totals()
        .withf(|r, a| {
            r.from == at("2026-11-22T21:00:00Z")
                && r.to == at("2026-11-23T12:00:00Z")
                && a.to == at("2026-11-23T21:00:00Z")
        })
        .times(1)
        .returning(|_, _| Ok(totals(2, 2_000_00, 0)));
    figures.expect_client_activity().times(2).returning(|_| {
        Ok(ClientActivity {
            active: 3,
            returning: 1,
        })
    });
    let summary = service(figures, "Europe/Moscow")
        .summary(&PeriodRequest::default())
        .unwrap();
    assert_eq!(summary.returning_clients, Compared::new(1, 1));
    assert_eq!(summary.period.preset, Some(Preset::Today));
    assert_eq!(summary.revenue, Compared::new(2_500_00, 2_000_00));
    assert_eq!(summary.revenue.change_percent, Some(25.0));
    assert_eq!(summary.operations, Compared::new(3, 2));
    assert_eq!(summary.average_check, Compared::new(1_000_00, 1_000_00));
    assert_eq!(summary.certificates_amount.current, 300_000);
    assert_eq!(summary.appointments_scheduled.current, 3);
    // 225 of 540 shift minutes booked; 1 no-show of 2 visits due.
    assert_eq!(summary.utilisation.current, Some(41.7));
    assert_eq!(summary.no_show_rate.current, Some(50.0));
    assert_eq!(summary.shift_minutes.current, 540);
}

#[test]
fn averages_with_no_purchases_are_zero_and_have_no_change() {
    let mut figures = MockSalesFigures::new();
    figures
        .expect_totals()
        .returning(|_, _| Ok(SalesTotals::default()));
    figures
        .expect_client_activity()
        .returning(|_| Ok(ClientActivity::default()));
    let summary = service(figures, "UTC")
        .summary(&PeriodRequest {
            preset: Some(Preset::Week),
            ..PeriodRequest::default()
        })
        .unwrap();
    assert_eq!(summary.average_check, Compared::new(0, 0));
    assert_eq!(summary.average_check.change_percent, None);
    assert_eq!(
        summary.utilisation.current, None,
        "no shifts: nothing to measure"
    );
    assert_eq!(summary.no_show_rate.previous, None);
}

#[test]
fn an_invalid_period_reaches_no_storage() {
    let figures = MockSalesFigures::new();
    let err = service(figures, "UTC")
        .summary(&PeriodRequest {
            from: Some("2026-11-10".into()),
            to: Some("2026-11-01".into()),
            ..PeriodRequest::default()
        })
        .unwrap_err();
    assert!(matches!(err, AnalyticsError::Validation(ref e) if e[0].field == "from"));
}

#[test]
fn lost_after_days_is_validated() {
    for bad in [0, -1, 731] {
        let err = service(MockSalesFigures::new(), "UTC")
            .customers(&PeriodRequest::default(), Some(bad))
            .unwrap_err();
        assert!(
            matches!(err, AnalyticsError::Validation(ref e) if e[0].field == "lost_after_days")
        );
    }
}

#[test]
fn customers_compute_cohort_shares_and_fill_every_band() {
    let mut figures = MockSalesFigures::new();
    figures
        .expect_customers()
        .withf(|q| {
            q.cohort_months.len() == COHORT_MONTHS
                && q.cohort_months[0].from == at("2025-12-01T00:00:00Z")
                && q.cohort_months[11].to == at("2026-12-01T00:00:00Z")
                && q.age_on == "2026-11-24"
                && q.lost_before == at("2026-08-26T12:00:00.001Z")
        })
        .returning(|q| {
            Ok(CustomerFigures {
                total_clients: 10,
                new_clients: 7,
                new_clients_previous: 5,
                lost_clients: 2,
                male: 3,
                female: 4,
                gender_unknown: 3,
                by_age: vec![(AgeBand::From25To34, 6), (AgeBand::Unknown, 4)],
                new_per_bucket: vec![1; q.buckets.len()],
                cohort_sizes: {
                    let mut sizes = vec![0; 12];
                    sizes[9] = 3;
                    sizes
                },
                retention: vec![(9, 10, 2), (9, 11, 1)],
            })
        });
    // The tab reads no sales totals: new clients come with its own figures.
    figures.expect_totals().never();
    figures.expect_client_activity().returning(|r| {
        Ok(ClientActivity {
            active: if r.from == at("2026-11-01T00:00:00Z") {
                5
            } else {
                4
            },
            returning: 2,
        })
    });
    let report = service(figures, "UTC")
        .customers(&PeriodRequest::default(), None)
        .unwrap();
    assert_eq!(report.lost_after_days, 90);
    assert_eq!(report.new_clients, Compared::new(7, 5));
    assert_eq!(report.active_clients, Compared::new(5, 4));
    assert_eq!(report.returning_clients, Compared::new(2, 2));
    assert_eq!(report.active_clients, Compared::new(5, 4));
    assert_eq!(report.returning_clients, Compared::new(2, 2));
    assert_eq!(report.by_age.len(), 7);
    assert_eq!(report.by_age[2], (AgeBand::From25To34, 6));
    assert_eq!(report.by_age[0], (AgeBand::Under18, 0));
    assert_eq!(report.new_per_bucket.len(), 24);
    let cohort = &report.cohorts[9];
    assert_eq!(cohort.month, "2026-09");
    assert_eq!(cohort.clients, 3);
    assert_eq!(cohort.retention.len(), 2);
    assert_eq!(cohort.retention[0].months_after, 1);
    assert_eq!(cohort.retention[0].share_percent, 66.7);
    assert_eq!(cohort.retention[1].share_percent, 33.3);
    assert_eq!(report.cohorts[0].retention[0].share_percent, 0.0);
    assert!(report.cohorts[11].retention.is_empty());
}

#[test]
fn operations_fill_every_hour_and_weekday() {
    let mut figures = MockSalesFigures::new();
    figures
        .expect_operation_series()
        .withf(|q| {
            // 1..24 November in Moscow: 24 whole local days, one offset each.
            q.segments.len() == 24
                && q.segments.iter().all(|s| s.offset_ms == 3 * 3_600_000)
                && q.segments[0].weekday == 7
        })
        .returning(|_| {
            Ok(OperationSeries {
                buckets: vec![],
                by_hour: vec![BucketSales {
                    purchases: 1,
                    purchase_total: 100,
                    refunds: 0,
                    refund_total: 0,
                }],
                by_weekday: vec![],
            })
        });
    figures
        .expect_totals()
        .returning(|_, _| Ok(totals(4, 1_000, 100)));
    let report = service(figures, "Europe/Moscow")
        .operations(&PeriodRequest::default())
        .unwrap();
    assert_eq!(report.by_hour.len(), 24);
    assert_eq!(report.by_hour[0].sales.purchases, 1);
    assert_eq!(report.by_weekday.len(), 7);
    assert_eq!(report.by_weekday[6].weekday, 7);
    assert_eq!(report.series.len(), 24);
    assert_eq!(report.revenue.current, 900);
    assert_eq!(report.average_check.current, 250);
    assert_eq!(report.refunds_amount.current, 100);
}

#[test]
fn finance_sums_the_buckets_and_dates_them_locally() {
    let mut figures = MockSalesFigures::new();
    figures
        .expect_finance()
        .withf(|b| {
            b.len() == 2
                && b[0].first_day == "2026-10-01"
                && b[0].end_day == "2026-11-01"
                && b[1].end_day == "2026-11-25"
        })
        .returning(|_| {
            Ok(vec![
                FinanceFigures {
                    purchase_cash: 1_000,
                    refund_cash: 100,
                    certificate_sales: 500,
                    cost_of_goods: 300,
                    payroll: 2_000,
                },
                FinanceFigures {
                    purchase_cash: 2_000,
                    ..FinanceFigures::default()
                },
            ])
        });
    let report = service(figures, "Europe/Moscow")
        .finance(&PeriodRequest {
            preset: Some(Preset::Quarter),
            granularity: Some(Granularity::Month),
            ..PeriodRequest::default()
        })
        .unwrap();
    assert_eq!(report.totals.cash_income(), 2_900);
    assert_eq!(report.totals.income(), 3_400);
    assert_eq!(report.totals.expenses(), 2_300);
    assert_eq!(report.totals.cash_flow(), 1_100);
    assert_eq!(report.series[0].figures.cash_flow(), -900);
}

#[test]
fn a_clock_change_splits_the_day_into_two_offsets() {
    let tz = timezone("Europe/Berlin");
    // 25 Oct 2026: 02:00 UTC+2 → 02:00 UTC+1 happens at 01:00 UTC.
    let segments = local_segments(at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z"), tz);
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0].to, at("2026-10-25T01:00:00Z"));
    assert_eq!(segments[0].offset_ms, 7_200_000);
    assert_eq!(segments[1].offset_ms, 3_600_000);
    assert!(segments.iter().all(|s| s.weekday == 7));
}

#[test]
fn storage_failures_pass_through() {
    let mut figures = MockSalesFigures::new();
    figures.expect_finance().returning(|_| Err(RepoError::Busy));
    let err = service(figures, "UTC")
        .finance(&PeriodRequest::default())
        .unwrap_err();
    assert_eq!(err, AnalyticsError::Storage(RepoError::Busy));
}
