//! [`SalesAnalytics`]: the dashboard summary and the customers, operations and finance tabs.

use crate::error::AnalyticsError;
use crate::model::{Compared, ComparedRate};
use crate::period::{
    buckets, local_date, local_day_start, local_time, timezone, Granularity, Period, PeriodRequest,
    Preset,
};
use crate::ports::BusinessCalendar;
use crate::sales::model::{
    AgeBand, BucketSales, ClientActivity, CohortRetention, CustomersReport, FinanceBucket,
    FinanceFigures, FinanceReport, HourSales, OperationsBucket, OperationsReport, RetentionMonth,
    SalesTotals, Summary, WeekdaySales,
};
use crate::sales::ports::{
    CustomersQuery, DatedRange, LocalSegment, OperationsQuery, SalesFigures, TimeRange,
};
use crate::service::{both, resolve_period};
use crm_core::{Clock, FieldError, Timestamp};
use time::{Date, Month};
use time_tz::Tz;

/// Default of the customers tab's "lost after" threshold, in days.
pub const DEFAULT_LOST_AFTER_DAYS: i64 = 90;
/// Largest "lost after" threshold, in days.
pub const MAX_LOST_AFTER_DAYS: i64 = 730;
/// How many first-purchase months the cohort table covers.
pub const COHORT_MONTHS: usize = 12;

/// The sales analytics use cases.
pub struct SalesAnalytics<F, C> {
    figures: F,
    clock: C,
}

impl<F: SalesFigures + BusinessCalendar, C: Clock> SalesAnalytics<F, C> {
    /// Builds the use cases over a figures store (which also knows the business's timezone).
    pub fn new(figures: F, clock: C) -> Self {
        Self { figures, clock }
    }

    fn period(&self, request: &PeriodRequest) -> Result<Period, AnalyticsError> {
        resolve_period(&self.figures, request, self.clock.now())
    }

    fn both_totals(&self, period: &Period) -> Result<(SalesTotals, SalesTotals), AnalyticsError> {
        let tz = timezone(&period.timezone);
        // Appointments: to the end of the period's last local day (today's later bookings
        // count), and the previous period as long, never past this one's start.
        let last_day = local_date(last_instant(period), tz);
        let day_end = local_day_start(last_day.next_day().unwrap_or(last_day), tz).max(period.to);
        let length = day_end.unix_millis() - period.from.unix_millis();
        let previous_end = Timestamp::from_unix_millis(period.previous_from.unix_millis() + length)
            .unwrap_or(period.from)
            .min(period.from)
            .max(period.previous_to);
        let current = self.figures.totals(
            TimeRange {
                from: period.from,
                to: period.to,
            },
            TimeRange {
                from: period.from,
                to: day_end,
            },
        )?;
        let previous = self.figures.totals(
            TimeRange {
                from: period.previous_from,
                to: period.previous_to,
            },
            TimeRange {
                from: period.previous_from,
                to: previous_end,
            },
        )?;
        Ok((current, previous))
    }

    fn both_activities(
        &self,
        period: &Period,
    ) -> Result<(ClientActivity, ClientActivity), AnalyticsError> {
        let current = self.figures.client_activity(TimeRange {
            from: period.from,
            to: period.to,
        })?;
        let previous = self.figures.client_activity(TimeRange {
            from: period.previous_from,
            to: period.previous_to,
        })?;
        Ok((current, previous))
    }

    /// The dashboard summary ("Сегодня"): `today` unless the request names another period;
    /// every figure with the previous comparable period.
    pub fn summary(&self, request: &PeriodRequest) -> Result<Summary, AnalyticsError> {
        let mut request = request.clone();
        if request.preset.is_none() && request.from.is_none() && request.to.is_none() {
            request.preset = Some(Preset::Today);
        }
        let period = self.period(&request)?;
        let (c, p) = self.both_totals(&period)?;
        let (ca, pa) = self.both_activities(&period)?;
        let pair = |f: fn(&SalesTotals) -> i64| Compared::new(f(&c), f(&p));
        Ok(Summary {
            revenue: pair(|t| t.sales.revenue()),
            operations: pair(|t| t.sales.purchases),
            average_check: pair(|t| t.sales.average_check()),
            new_clients: pair(|t| t.new_clients),
            returning_clients: Compared::new(ca.returning, pa.returning),
            points_accrued: pair(|t| t.points_accrued),
            points_spent: pair(|t| t.points_spent),
            certificates_sold: pair(|t| t.certificates_sold),
            certificates_amount: pair(|t| t.certificates_amount),
            appointments_scheduled: pair(|t| t.appointments.scheduled),
            appointments_completed: pair(|t| t.appointments.completed),
            appointments_no_show: pair(|t| t.appointments.no_show),
            appointments_cancelled: pair(|t| t.appointments.cancelled),
            appointments_booked_minutes: pair(|t| t.appointments.booked_minutes),
            shift_minutes: pair(|t| t.appointments.shift_minutes),
            utilisation: ComparedRate::new(
                (c.appointments.booked_minutes, c.appointments.shift_minutes),
                (p.appointments.booked_minutes, p.appointments.shift_minutes),
            ),
            no_show_rate: ComparedRate::new(
                (
                    c.appointments.no_show,
                    c.appointments.completed + c.appointments.no_show,
                ),
                (
                    p.appointments.no_show,
                    p.appointments.completed + p.appointments.no_show,
                ),
            ),
            period,
        })
    }

    /// The customers tab; `lost_after_days` (default 90) must be 1..=730.
    pub fn customers(
        &self,
        request: &PeriodRequest,
        lost_after_days: Option<i64>,
    ) -> Result<CustomersReport, AnalyticsError>
    where
        F: Sync,
    {
        let lost_after_days = lost_after_days.unwrap_or(DEFAULT_LOST_AFTER_DAYS);
        if !(1..=MAX_LOST_AFTER_DAYS).contains(&lost_after_days) {
            return Err(AnalyticsError::Validation(vec![FieldError::new(
                "lost_after_days",
                format!("must be a whole number of days from 1 to {MAX_LOST_AFTER_DAYS}"),
            )]));
        }
        let period = self.period(request)?;
        let tz = timezone(&period.timezone);
        let last_day = local_date(last_instant(&period), tz);
        let months = cohort_months(last_day, tz);
        let query = CustomersQuery {
            period: TimeRange {
                from: period.from,
                to: period.to,
            },
            previous: TimeRange {
                from: period.previous_from,
                to: period.previous_to,
            },
            buckets: ranges(&period),
            lost_before: Timestamp::from_unix_millis(
                period.to.unix_millis() - lost_after_days * 86_400_000,
            )
            .unwrap_or(period.from),
            age_on: day_text(last_day),
            cohort_months: months
                .iter()
                .map(|m| TimeRange {
                    from: m.from,
                    to: m.to,
                })
                .collect(),
            timezone: period.timezone.clone(),
        };
        let (figures, activities) = both(
            || self.figures.customers(&query).map_err(AnalyticsError::from),
            || self.both_activities(&period),
        );
        let (figures, (ca, pa)) = (figures?, activities?);
        let by_age = AgeBand::ALL
            .iter()
            .map(|band| {
                let n = figures
                    .by_age
                    .iter()
                    .filter(|(b, _)| b == band)
                    .map(|(_, n)| *n)
                    .sum();
                (*band, n)
            })
            .collect();
        let new_per_bucket = period
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    b.clone(),
                    figures.new_per_bucket.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        let cohorts = months
            .iter()
            .enumerate()
            .map(|(ci, month)| {
                let size = figures.cohort_sizes.get(ci).copied().unwrap_or(0);
                let retention = (ci + 1..months.len())
                    .map(|mi| {
                        let clients = figures
                            .retention
                            .iter()
                            .filter(|(c, m, _)| *c == ci && *m == mi)
                            .map(|(_, _, n)| *n)
                            .sum();
                        RetentionMonth {
                            months_after: (mi - ci) as i64,
                            clients,
                            share_percent: share(clients, size),
                        }
                    })
                    .collect();
                CohortRetention {
                    month: month.label.clone(),
                    from: month.from,
                    to: month.to,
                    clients: size,
                    retention,
                }
            })
            .collect();
        Ok(CustomersReport {
            lost_after_days,
            total_clients: figures.total_clients,
            new_clients: Compared::new(figures.new_clients, figures.new_clients_previous),
            returning_clients: Compared::new(ca.returning, pa.returning),
            active_clients: Compared::new(ca.active, pa.active),
            lost_clients: figures.lost_clients,
            male: figures.male,
            female: figures.female,
            gender_unknown: figures.gender_unknown,
            by_age,
            new_per_bucket,
            cohorts,
            period,
        })
    }

    /// The operations tab.
    pub fn operations(&self, request: &PeriodRequest) -> Result<OperationsReport, AnalyticsError>
    where
        F: Sync,
    {
        let period = self.period(request)?;
        let tz = timezone(&period.timezone);
        let query = OperationsQuery {
            buckets: ranges(&period),
            segments: local_segments(period.from, period.to, tz),
        };
        // The series and the totals are independent reads: one on a second thread (its own
        // pooled connection).
        let (series, totals) = both(
            || {
                self.figures
                    .operation_series(&query)
                    .map_err(AnalyticsError::from)
            },
            || self.both_totals(&period),
        );
        let (series, (c, p)) = (series?, totals?);
        let pair = |f: fn(&SalesTotals) -> i64| Compared::new(f(&c), f(&p));
        let at = |list: &[BucketSales], i: usize| list.get(i).copied().unwrap_or_default();
        Ok(OperationsReport {
            purchases: pair(|t| t.sales.purchases),
            revenue: pair(|t| t.sales.revenue()),
            average_check: pair(|t| t.sales.average_check()),
            points_accrued: pair(|t| t.points_accrued),
            points_spent: pair(|t| t.points_spent),
            refunds: pair(|t| t.sales.refunds),
            refunds_amount: pair(|t| t.sales.refund_total),
            series: period
                .buckets
                .iter()
                .enumerate()
                .map(|(i, b)| OperationsBucket {
                    bucket: b.clone(),
                    sales: at(&series.buckets, i),
                })
                .collect(),
            by_hour: (0..24)
                .map(|h| HourSales {
                    hour: h as i64,
                    sales: at(&series.by_hour, h),
                })
                .collect(),
            by_weekday: (0..7)
                .map(|d| WeekdaySales {
                    weekday: d as i64 + 1,
                    sales: at(&series.by_weekday, d),
                })
                .collect(),
            period,
        })
    }

    /// The finance tab: income, expenses and cash flow per bucket and in total.
    pub fn finance(&self, request: &PeriodRequest) -> Result<FinanceReport, AnalyticsError> {
        let period = self.period(request)?;
        let tz = timezone(&period.timezone);
        let dated: Vec<DatedRange> = period
            .buckets
            .iter()
            .map(|b| {
                let first = local_date(b.from, tz);
                let last = local_date(
                    Timestamp::from_unix_millis(b.to.unix_millis() - 1).unwrap_or(b.from),
                    tz,
                );
                DatedRange {
                    range: TimeRange {
                        from: b.from,
                        to: b.to,
                    },
                    first_day: day_text(first),
                    end_day: day_text(last.next_day().unwrap_or(last)),
                }
            })
            .collect();
        let figures = self.figures.finance(&dated)?;
        let series: Vec<FinanceBucket> = period
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| FinanceBucket {
                bucket: b.clone(),
                figures: figures.get(i).copied().unwrap_or_default(),
            })
            .collect();
        let totals = series
            .iter()
            .fold(FinanceFigures::default(), |sum, b| sum.plus(b.figures));
        Ok(FinanceReport {
            totals,
            series,
            period,
        })
    }
}

/// The share `part / whole` in percent with one decimal; 0 when `whole` is 0.
fn share(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    ((part as f64) * 1000.0 / (whole as f64)).round() / 10.0
}

fn ranges(period: &Period) -> Vec<TimeRange> {
    period
        .buckets
        .iter()
        .map(|b| TimeRange {
            from: b.from,
            to: b.to,
        })
        .collect()
}

fn last_instant(period: &Period) -> Timestamp {
    Timestamp::from_unix_millis(period.to.unix_millis() - 1).unwrap_or(period.from)
}

/// `YYYY-MM-DD`.
fn day_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The [`COHORT_MONTHS`] local calendar months ending with the month of `last_day`, as buckets.
fn cohort_months(last_day: Date, tz: &Tz) -> Vec<crate::period::Bucket> {
    let index = last_day.year() * 12 + i32::from(u8::from(last_day.month())) - 1;
    let month_of = |i: i32| {
        let month = Month::try_from(u8::try_from(i.rem_euclid(12) + 1).unwrap_or(1))
            .unwrap_or(Month::January);
        Date::from_calendar_date(i.div_euclid(12), month, 1).unwrap_or(last_day)
    };
    let first = month_of(index - (COHORT_MONTHS as i32 - 1));
    let end = month_of(index + 1);
    buckets(
        local_day_start(first, tz),
        local_day_start(end, tz),
        Granularity::Month,
        tz,
    )
    .unwrap_or_default()
}

fn offset_ms(at: Timestamp, tz: &Tz) -> i64 {
    i64::from(local_time(at, tz).offset().whole_seconds()) * 1000
}

/// `[from, to)` cut into local days, and a day further cut where its UTC offset changes, each
/// stretch with its offset and local weekday.
pub fn local_segments(from: Timestamp, to: Timestamp, tz: &Tz) -> Vec<LocalSegment> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    let mut day = local_date(from, tz);
    let last = local_date(
        Timestamp::from_unix_millis(to.unix_millis() - 1).unwrap_or(from),
        tz,
    );
    while day <= last {
        let Some(next) = day.next_day() else { break };
        let lo = local_day_start(day, tz).max(from);
        let hi = local_day_start(next, tz).min(to);
        let weekday = i64::from(day.weekday().number_from_monday());
        let mut start = lo;
        while start < hi {
            let offset = offset_ms(start, tz);
            let end_offset = offset_ms(
                Timestamp::from_unix_millis(hi.unix_millis() - 1).unwrap_or(start),
                tz,
            );
            let end = if end_offset == offset {
                hi
            } else {
                // The first instant with another offset (the clock change), by bisection.
                let (mut a, mut b) = (start.unix_millis(), hi.unix_millis() - 1);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    let probe = Timestamp::from_unix_millis(mid).unwrap_or(start);
                    if offset_ms(probe, tz) == offset {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                Timestamp::from_unix_millis(b).unwrap_or(hi)
            };
            out.push(LocalSegment {
                from: start,
                to: end,
                offset_ms: offset,
                weekday,
            });
            start = end;
        }
        day = next;
    }
    out
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
