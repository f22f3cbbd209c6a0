//! What the sales analytics report: the summary and the three tabs, plus the plain aggregates
//! storage answers with.

use crate::model::{Compared, ComparedRate};
use crate::period::{Bucket, Period};
use crm_core::Timestamp;

/// Sums of sales over one range (a period, a bucket, an hour of day or a weekday).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketSales {
    /// Purchases made.
    pub purchases: i64,
    /// Sum of their totals (minor units).
    pub purchase_total: i64,
    /// Refunds made.
    pub refunds: i64,
    /// Sum of the refunded amounts (minor units).
    pub refund_total: i64,
}

impl BucketSales {
    /// Revenue: purchase totals minus refunds made in the same range.
    pub fn revenue(&self) -> i64 {
        self.purchase_total - self.refund_total
    }

    /// The average purchase total, rounded half up to a minor unit; 0 without purchases.
    pub fn average_check(&self) -> i64 {
        average(self.purchase_total, self.purchases)
    }

    /// The sums of two ranges.
    pub fn plus(self, other: BucketSales) -> BucketSales {
        BucketSales {
            purchases: self.purchases + other.purchases,
            purchase_total: self.purchase_total + other.purchase_total,
            refunds: self.refunds + other.refunds,
            refund_total: self.refund_total + other.refund_total,
        }
    }
}

/// `sum / count` rounded half away from zero; 0 when `count` is 0.
pub fn average(sum: i64, count: i64) -> i64 {
    if count <= 0 {
        return 0;
    }
    let half = count / 2;
    if sum >= 0 {
        (sum + half) / count
    } else {
        (sum - half) / count
    }
}

/// The period aggregates behind the summary and the tabs' totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SalesTotals {
    /// Purchases and refunds.
    pub sales: BucketSales,
    /// Cash part of the purchases (minor units).
    pub purchase_cash: i64,
    /// Cash given back by the refunds (minor units).
    pub refund_cash: i64,
    /// Clients created.
    pub new_clients: i64,
    /// Points credited as rewards, net of the clawbacks of refunds.
    pub points_accrued: i64,
    /// Points spent on purchases, net of the points refunds gave back.
    pub points_spent: i64,
    /// Certificates issued (sold).
    pub certificates_sold: i64,
    /// Sum of their sold prices (minor units).
    pub certificates_amount: i64,
    /// Appointments starting in the range, by status.
    pub appointments: AppointmentCounts,
}

/// Who bought in a range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientActivity {
    /// Distinct clients with a purchase.
    pub active: i64,
    /// Those of them whose first purchase was before the range.
    pub returning: i64,
}

/// Appointments starting in a range, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppointmentCounts {
    /// Still scheduled.
    pub scheduled: i64,
    /// Completed.
    pub completed: i64,
    /// The client did not come.
    pub no_show: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Minutes booked: the durations of the appointments that were not cancelled (scheduled,
    /// completed and no-shows alike hold a master's time).
    pub booked_minutes: i64,
    /// Minutes of the masters' planned shifts starting in the range.
    pub shift_minutes: i64,
}

/// The dashboard summary ("Сегодня"), each figure with the previous comparable period.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The period.
    pub period: Period,
    /// Revenue: purchase totals minus refunds made in the period (minor units).
    pub revenue: Compared,
    /// Purchases made.
    pub operations: Compared,
    /// The average purchase total (minor units).
    pub average_check: Compared,
    /// Clients created.
    pub new_clients: Compared,
    /// Clients who bought in the period and had bought before it.
    pub returning_clients: Compared,
    /// Points accrued (minor units of points).
    pub points_accrued: Compared,
    /// Points spent (minor units of points).
    pub points_spent: Compared,
    /// Certificates sold.
    pub certificates_sold: Compared,
    /// Sum of the certificates' sold prices (minor units).
    pub certificates_amount: Compared,
    /// Appointments scheduled (still open).
    pub appointments_scheduled: Compared,
    /// Appointments completed.
    pub appointments_completed: Compared,
    /// Appointments the client missed.
    pub appointments_no_show: Compared,
    /// Appointments cancelled.
    pub appointments_cancelled: Compared,
    /// Minutes of appointments not cancelled.
    pub appointments_booked_minutes: Compared,
    /// Minutes of planned shifts.
    pub shift_minutes: Compared,
    /// Utilisation: booked minutes ÷ shift minutes.
    pub utilisation: ComparedRate,
    /// No-show rate: no-shows ÷ (completed + no-shows), the visits that were due.
    pub no_show_rate: ComparedRate,
}

/// An age band of clients, from their birthday at the period's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeBand {
    /// Under 18.
    Under18,
    /// 18 to 24.
    From18To24,
    /// 25 to 34.
    From25To34,
    /// 35 to 44.
    From35To44,
    /// 45 to 54.
    From45To54,
    /// 55 and older.
    From55,
    /// No birthday known.
    Unknown,
}

impl AgeBand {
    /// Every band, youngest first, unknown last.
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Under18,
        AgeBand::From18To24,
        AgeBand::From25To34,
        AgeBand::From35To44,
        AgeBand::From45To54,
        AgeBand::From55,
        AgeBand::Unknown,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Under18 => "under_18",
            AgeBand::From18To24 => "18_24",
            AgeBand::From25To34 => "25_34",
            AgeBand::From35To44 => "35_44",
            AgeBand::From45To54 => "45_54",
            AgeBand::From55 => "55_plus",
            AgeBand::Unknown => "unknown",
        }
    }

    /// The band of an age in whole years (`None`: unknown).
    pub fn of_age(age: Option<i64>) -> AgeBand {
        match age {
            None => AgeBand::Unknown,
            Some(a) if a < 18 => AgeBand::Under18,
            Some(a) if a < 25 => AgeBand::From18To24,
            Some(a) if a < 35 => AgeBand::From25To34,
            Some(a) if a < 45 => AgeBand::From35To44,
            Some(a) if a < 55 => AgeBand::From45To54,
            Some(_) => AgeBand::From55,
        }
    }
}

/// What storage answers for the customers tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFigures {
    /// Clients created before the period's end.
    pub total_clients: i64,
    /// Clients created in the period.
    pub new_clients: i64,
    /// Clients created in the previous comparable period.
    pub new_clients_previous: i64,
    /// Clients with purchases whose last purchase is before the "lost" threshold.
    pub lost_clients: i64,
    /// Clients by gender: male, female, not given.
    pub male: i64,
    /// Women.
    pub female: i64,
    /// Gender not given.
    pub gender_unknown: i64,
    /// Clients per age band (each band at most once; missing bands are zero).
    pub by_age: Vec<(AgeBand, i64)>,
    /// New clients per bucket, in bucket order.
    pub new_per_bucket: Vec<i64>,
    /// Clients per cohort month, in month order.
    pub cohort_sizes: Vec<i64>,
    /// `(cohort index, month index, clients)`: clients of the cohort who bought in that later
    /// month.
    pub retention: Vec<(usize, usize, i64)>,
}

/// One month of a cohort's retention.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionMonth {
    /// Months after the cohort's month (1 = the next month).
    pub months_after: i64,
    /// Clients of the cohort who bought in that month.
    pub clients: i64,
    /// Their share of the cohort, percent with one decimal.
    pub share_percent: f64,
}

/// Clients grouped by the month of their first purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRetention {
    /// The month, e.g. `2026-11`.
    pub month: String,
    /// Its start.
    pub from: Timestamp,
    /// Its end, excluded.
    pub to: Timestamp,
    /// Clients whose first purchase falls in the month.
    pub clients: i64,
    /// Each following month up to the last cohort month.
    pub retention: Vec<RetentionMonth>,
}

/// The customers tab.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomersReport {
    /// The period.
    pub period: Period,
    /// The "lost" threshold in days.
    pub lost_after_days: i64,
    /// Clients created before the period's end.
    pub total_clients: i64,
    /// Clients created in the period.
    pub new_clients: Compared,
    /// Clients who bought in the period and had bought before it.
    pub returning_clients: Compared,
    /// Clients who bought in the period.
    pub active_clients: Compared,
    /// Clients whose last purchase is more than `lost_after_days` before the period's end.
    pub lost_clients: i64,
    /// Men.
    pub male: i64,
    /// Women.
    pub female: i64,
    /// Gender not given.
    pub gender_unknown: i64,
    /// Clients per age band, every band listed.
    pub by_age: Vec<(AgeBand, i64)>,
    /// New clients per bucket.
    pub new_per_bucket: Vec<(Bucket, i64)>,
    /// Cohorts of the last 12 months up to the period's end.
    pub cohorts: Vec<CohortRetention>,
}

/// What storage answers for the operations tab's series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationSeries {
    /// Per bucket, in bucket order.
    pub buckets: Vec<BucketSales>,
    /// Per local hour of day 0..=23 (index = hour).
    pub by_hour: Vec<BucketSales>,
    /// Per local weekday, Monday first (index 0 = Monday).
    pub by_weekday: Vec<BucketSales>,
}

/// One bucket of the operations series.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationsBucket {
    /// The bucket.
    pub bucket: Bucket,
    /// Its sums.
    pub sales: BucketSales,
}

/// Sales at one local hour of day.
#[derive(Debug, Clone, PartialEq)]
pub struct HourSales {
    /// 0..=23.
    pub hour: i64,
    /// The sums.
    pub sales: BucketSales,
}

/// Sales on one local weekday.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekdaySales {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// The sums.
    pub sales: BucketSales,
}

/// The operations tab.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationsReport {
    /// The period.
    pub period: Period,
    /// Purchases made.
    pub purchases: Compared,
    /// Revenue (minor units).
    pub revenue: Compared,
    /// Average check (minor units).
    pub average_check: Compared,
    /// Points accrued.
    pub points_accrued: Compared,
    /// Points spent.
    pub points_spent: Compared,
    /// Refunds made.
    pub refunds: Compared,
    /// Refunded amount (minor units).
    pub refunds_amount: Compared,
    /// Per bucket.
    pub series: Vec<OperationsBucket>,
    /// Per local hour of day, 24 entries.
    pub by_hour: Vec<HourSales>,
    /// Per local weekday, 7 entries, Monday first.
    pub by_weekday: Vec<WeekdaySales>,
}

/// Money in and out over a range (minor units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FinanceFigures {
    /// Cash paid for purchases.
    pub purchase_cash: i64,
    /// Cash given back by refunds.
    pub refund_cash: i64,
    /// Sold prices of the certificates issued.
    pub certificate_sales: i64,
    /// Cost of goods received into stock.
    pub cost_of_goods: i64,
    /// Payroll accrued.
    pub payroll: i64,
}

impl FinanceFigures {
    /// Cash from purchases net of refunds.
    pub fn cash_income(&self) -> i64 {
        self.purchase_cash - self.refund_cash
    }

    /// All income.
    pub fn income(&self) -> i64 {
        self.cash_income() + self.certificate_sales
    }

    /// All expenses.
    pub fn expenses(&self) -> i64 {
        self.cost_of_goods + self.payroll
    }

    /// Income minus expenses.
    pub fn cash_flow(&self) -> i64 {
        self.income() - self.expenses()
    }

    /// The sum of two ranges.
    pub fn plus(self, other: FinanceFigures) -> FinanceFigures {
        FinanceFigures {
            purchase_cash: self.purchase_cash + other.purchase_cash,
            refund_cash: self.refund_cash + other.refund_cash,
            certificate_sales: self.certificate_sales + other.certificate_sales,
            cost_of_goods: self.cost_of_goods + other.cost_of_goods,
            payroll: self.payroll + other.payroll,
        }
    }
}

/// One bucket of the finance series.
#[derive(Debug, Clone, PartialEq)]
pub struct FinanceBucket {
    /// The bucket.
    pub bucket: Bucket,
    /// Its money.
    pub figures: FinanceFigures,
}

/// The finance tab.
#[derive(Debug, Clone, PartialEq)]
pub struct FinanceReport {
    /// The period.
    pub period: Period,
    /// The whole period.
    pub totals: FinanceFigures,
    /// Per bucket.
    pub series: Vec<FinanceBucket>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_up_and_survive_zero_counts() {
        assert_eq!(average(1000, 3), 333);
        assert_eq!(average(1001, 2), 501);
        assert_eq!(average(500, 0), 0);
        assert_eq!(average(-5, 2), -3);
    }

    #[test]
    fn age_bands_have_closed_bounds() {
        assert_eq!(AgeBand::of_age(Some(17)), AgeBand::Under18);
        assert_eq!(AgeBand::of_age(Some(18)), AgeBand::From18To24);
        assert_eq!(AgeBand::of_age(Some(34)), AgeBand::From25To34);
        assert_eq!(AgeBand::of_age(Some(55)), AgeBand::From55);
        assert_eq!(AgeBand::of_age(None), AgeBand::Unknown);
    }
}
