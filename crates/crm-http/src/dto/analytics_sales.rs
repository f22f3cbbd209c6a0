//! The customers, operations and finance tabs of the analytics: query parameters and the
//! responses. Money and points are decimal numbers in major units; counts whole numbers.

use crate::dto::dashboard::{ComparedCount, ComparedMoney, ComparedPoints};
use crate::dto::period::{BucketResponse, PeriodResponse};
use crm_analytics::sales::{
    BucketSales, CohortRetention, CustomersReport, FinanceFigures, FinanceReport, OperationsReport,
};
use crm_core::{Money, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// The customers tab's own parameter (besides the period).
#[derive(Debug, Default, Clone, Deserialize, Apiv2Schema)]
pub struct CustomersQuery {
    /// A client whose last purchase is more than this many days before the period's end is
    /// lost: 1..=730, default 90.
    pub lost_after_days: Option<i64>,
}

/// Clients by gender.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct GenderResponse {
    /// Men.
    pub male: i64,
    /// Women.
    pub female: i64,
    /// Not given.
    pub unknown: i64,
}

/// Clients in one age band.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AgeBandResponse {
    /// `under_18`, `18_24`, `25_34`, `35_44`, `45_54`, `55_plus` or `unknown` (no birthday).
    pub band: String,
    /// Clients in it.
    pub clients: i64,
}

/// New clients in one bucket.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewClientsBucket {
    /// The bucket.
    pub bucket: BucketResponse,
    /// Clients created in it.
    pub clients: i64,
}

/// One month of a cohort's retention.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RetentionMonthResponse {
    /// Months after the cohort's month (1 = the next month).
    pub months_after: i64,
    /// Clients of the cohort who bought in that month.
    pub clients: i64,
    /// Their share of the cohort in percent, one decimal (0 for an empty cohort).
    pub share_percent: f64,
}

/// Clients grouped by the local month of their first purchase.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CohortResponse {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Its start.
    pub from: Timestamp,
    /// Its end, excluded.
    pub to: Timestamp,
    /// Clients whose first purchase falls in the month.
    pub clients: i64,
    /// Each following month up to the last cohort month.
    pub retention: Vec<RetentionMonthResponse>,
}

impl From<CohortRetention> for CohortResponse {
    fn from(c: CohortRetention) -> Self {
        Self {
            month: c.month,
            from: c.from,
            to: c.to,
            clients: c.clients,
            retention: c
                .retention
                .into_iter()
                .map(|r| RetentionMonthResponse {
                    months_after: r.months_after,
                    clients: r.clients,
                    share_percent: r.share_percent,
                })
                .collect(),
        }
    }
}

/// The customers tab.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CustomersResponse {
    /// The period.
    pub period: PeriodResponse,
    /// The "lost" threshold used, in days.
    pub lost_after_days: i64,
    /// Clients in the base at the period's end (created before it).
    pub total_clients: i64,
    /// Clients created in the period.
    pub new_clients: ComparedCount,
    /// Clients who bought in the period and whose first purchase was before it.
    pub returning_clients: ComparedCount,
    /// Clients who bought in the period.
    pub active_clients: ComparedCount,
    /// Clients with purchases whose last purchase is more than `lost_after_days` days before
    /// the period's end.
    pub lost_clients: i64,
    /// The base (created before the period's end) by gender.
    pub by_gender: GenderResponse,
    /// The base by age at the period's last local day, every band listed.
    pub by_age: Vec<AgeBandResponse>,
    /// New clients per bucket.
    pub new_clients_series: Vec<NewClientsBucket>,
    /// Cohorts of the 12 local months up to the period's end, oldest first.
    pub cohorts: Vec<CohortResponse>,
}

impl From<CustomersReport> for CustomersResponse {
    fn from(r: CustomersReport) -> Self {
        Self {
            period: PeriodResponse::from(&r.period),
            lost_after_days: r.lost_after_days,
            total_clients: r.total_clients,
            new_clients: r.new_clients.into(),
            returning_clients: r.returning_clients.into(),
            active_clients: r.active_clients.into(),
            lost_clients: r.lost_clients,
            by_gender: GenderResponse {
                male: r.male,
                female: r.female,
                unknown: r.gender_unknown,
            },
            by_age: r
                .by_age
                .into_iter()
                .map(|(band, clients)| AgeBandResponse {
                    band: band.code().to_owned(),
                    clients,
                })
                .collect(),
            new_clients_series: r
                .new_per_bucket
                .iter()
                .map(|(bucket, clients)| NewClientsBucket {
                    bucket: bucket.into(),
                    clients: *clients,
                })
                .collect(),
            cohorts: r.cohorts.into_iter().map(Into::into).collect(),
        }
    }
}

/// Sales over one group (bucket, hour or weekday).
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SalesFiguresResponse {
    /// Purchases made.
    pub purchases: i64,
    /// Purchase totals minus refunds made in the group.
    pub revenue: Money,
    /// Purchase totals divided by purchases (half up); 0 without purchases.
    pub average_check: Money,
    /// Refunds made.
    pub refunds: i64,
    /// Refunded amount.
    pub refunds_amount: Money,
}

impl From<BucketSales> for SalesFiguresResponse {
    fn from(s: BucketSales) -> Self {
        Self {
            purchases: s.purchases,
            revenue: Money::from_minor(s.revenue()),
            average_check: Money::from_minor(s.average_check()),
            refunds: s.refunds,
            refunds_amount: Money::from_minor(s.refund_total),
        }
    }
}

/// Sales in one bucket.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OperationsBucketResponse {
    /// The bucket.
    pub bucket: BucketResponse,
    /// Its sales.
    pub sales: SalesFiguresResponse,
}

/// Sales at one local hour of day.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct HourResponse {
    /// 0..=23, in the business's timezone.
    pub hour: i64,
    /// Its sales.
    pub sales: SalesFiguresResponse,
}

/// Sales on one local weekday.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct WeekdayResponse {
    /// 1 = Monday … 7 = Sunday, in the business's timezone.
    pub weekday: i64,
    /// Its sales.
    pub sales: SalesFiguresResponse,
}

/// The operations tab.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OperationsTabResponse {
    /// The period.
    pub period: PeriodResponse,
    /// Purchases made.
    pub purchases: ComparedCount,
    /// Purchase totals minus refunds made in the period.
    pub revenue: ComparedMoney,
    /// Purchase totals divided by purchases (half up); 0 without purchases.
    pub average_check: ComparedMoney,
    /// Points accrued (rewards net of refund clawbacks).
    pub points_accrued: ComparedPoints,
    /// Points spent on purchases net of points refunds gave back.
    pub points_spent: ComparedPoints,
    /// Refunds made.
    pub refunds: ComparedCount,
    /// Refunded amount.
    pub refunds_amount: ComparedMoney,
    /// Per bucket.
    pub series: Vec<OperationsBucketResponse>,
    /// Per local hour of day: 24 entries, 0 first.
    pub by_hour: Vec<HourResponse>,
    /// Per local weekday: 7 entries, Monday first.
    pub by_weekday: Vec<WeekdayResponse>,
}

impl From<OperationsReport> for OperationsTabResponse {
    fn from(r: OperationsReport) -> Self {
        Self {
            period: PeriodResponse::from(&r.period),
            purchases: r.purchases.into(),
            revenue: r.revenue.into(),
            average_check: r.average_check.into(),
            points_accrued: r.points_accrued.into(),
            points_spent: r.points_spent.into(),
            refunds: r.refunds.into(),
            refunds_amount: r.refunds_amount.into(),
            series: r
                .series
                .into_iter()
                .map(|b| OperationsBucketResponse {
                    bucket: (&b.bucket).into(),
                    sales: b.sales.into(),
                })
                .collect(),
            by_hour: r
                .by_hour
                .into_iter()
                .map(|h| HourResponse {
                    hour: h.hour,
                    sales: h.sales.into(),
                })
                .collect(),
            by_weekday: r
                .by_weekday
                .into_iter()
                .map(|d| WeekdayResponse {
                    weekday: d.weekday,
                    sales: d.sales.into(),
                })
                .collect(),
        }
    }
}

/// Income of a range.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct IncomeResponse {
    /// Cash paid for purchases minus cash given back by refunds.
    pub cash_from_purchases: Money,
    /// Sold prices of the gift certificates issued.
    pub certificate_sales: Money,
    /// The sum.
    pub total: Money,
}

/// Expenses of a range.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ExpensesResponse {
    /// Stock receipts: quantity × unit cost (receipts without a cost count 0).
    pub cost_of_goods: Money,
    /// Payroll accrued by the runs whose period ends in the range.
    pub payroll: Money,
    /// The sum.
    pub total: Money,
}

/// Money in and out of a range.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FinanceFiguresResponse {
    /// Income.
    pub income: IncomeResponse,
    /// Expenses.
    pub expenses: ExpensesResponse,
    /// Income minus expenses.
    pub cash_flow: Money,
}

impl From<FinanceFigures> for FinanceFiguresResponse {
    fn from(f: FinanceFigures) -> Self {
        Self {
            income: IncomeResponse {
                cash_from_purchases: Money::from_minor(f.cash_income()),
                certificate_sales: Money::from_minor(f.certificate_sales),
                total: Money::from_minor(f.income()),
            },
            expenses: ExpensesResponse {
                cost_of_goods: Money::from_minor(f.cost_of_goods),
                payroll: Money::from_minor(f.payroll),
                total: Money::from_minor(f.expenses()),
            },
            cash_flow: Money::from_minor(f.cash_flow()),
        }
    }
}

/// Money of one bucket.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FinanceBucketResponse {
    /// The bucket.
    pub bucket: BucketResponse,
    /// Its money.
    pub figures: FinanceFiguresResponse,
}

/// The finance tab.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FinanceTabResponse {
    /// The period.
    pub period: PeriodResponse,
    /// The whole period.
    pub totals: FinanceFiguresResponse,
    /// Per bucket: the cash flow by period.
    pub series: Vec<FinanceBucketResponse>,
}

impl From<FinanceReport> for FinanceTabResponse {
    fn from(r: FinanceReport) -> Self {
        Self {
            period: PeriodResponse::from(&r.period),
            totals: r.totals.into(),
            series: r
                .series
                .into_iter()
                .map(|b| FinanceBucketResponse {
                    bucket: (&b.bucket).into(),
                    figures: b.figures.into(),
                })
                .collect(),
        }
    }
}
