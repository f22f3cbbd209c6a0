//! The port the sales analytics need from storage: plain integer aggregates over exact instant
//! ranges the service computed (storage never deals with timezones or calendars).

use crate::ports::BusinessCalendar;
use crate::sales::model::{
    ClientActivity, CustomerFigures, FinanceFigures, OperationSeries, SalesTotals,
};
use crm_core::{RepoError, Timestamp};

/// `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
}

/// A stretch of local time with one UTC offset (a local day, or part of one on a day the clock
/// changes), for hour-of-day and weekday grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSegment {
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
    /// The local offset from UTC in milliseconds.
    pub offset_ms: i64,
    /// The local weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i64,
}

/// What the customers tab asks storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomersQuery {
    /// The period.
    pub period: TimeRange,
    /// The previous comparable period (for the new-clients comparison).
    pub previous: TimeRange,
    /// Its buckets.
    pub buckets: Vec<TimeRange>,
    /// Clients whose last purchase is before this instant are lost.
    pub lost_before: Timestamp,
    /// The local date ages are computed at, `YYYY-MM-DD`.
    pub age_on: String,
    /// The cohort months, oldest first.
    pub cohort_months: Vec<TimeRange>,
    /// The business's timezone (IANA name) the cohort months are local months of.
    pub timezone: String,
}

/// What the operations tab asks storage for its series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsQuery {
    /// The buckets.
    pub buckets: Vec<TimeRange>,
    /// The period cut into stretches of one local offset, for hours and weekdays.
    pub segments: Vec<LocalSegment>,
}

/// A finance bucket: its instants and its local days (payroll runs are dated by day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedRange {
    /// The instants.
    pub range: TimeRange,
    /// First local day, `YYYY-MM-DD`, included.
    pub first_day: String,
    /// The local day after the last one, `YYYY-MM-DD`, excluded.
    pub end_day: String,
}

/// Storage of the sales figures.
#[cfg_attr(test, mockall::automock)]
pub trait SalesFigures {
    /// The period aggregates of `range`; appointments are counted over `appointments` (the
    /// range extended to the end of its last local day, so today's later bookings count).
    fn totals(&self, range: TimeRange, appointments: TimeRange) -> Result<SalesTotals, RepoError>;

    /// The clients who bought in `range`, and how many of them had bought before it.
    fn client_activity(&self, range: TimeRange) -> Result<ClientActivity, RepoError>;

    /// The customers tab's figures.
    fn customers(&self, query: &CustomersQuery) -> Result<CustomerFigures, RepoError>;

    /// The operations tab's series.
    fn operation_series(&self, query: &OperationsQuery) -> Result<OperationSeries, RepoError>;

    /// The finance tab's money per bucket, in bucket order.
    fn finance(&self, buckets: &[DatedRange]) -> Result<Vec<FinanceFigures>, RepoError>;
}

impl<T: SalesFigures + ?Sized> SalesFigures for std::sync::Arc<T> {
    fn totals(&self, range: TimeRange, appointments: TimeRange) -> Result<SalesTotals, RepoError> {
        (**self).totals(range, appointments)
    }

    fn client_activity(&self, range: TimeRange) -> Result<ClientActivity, RepoError> {
        (**self).client_activity(range)
    }

    fn customers(&self, query: &CustomersQuery) -> Result<CustomerFigures, RepoError> {
        (**self).customers(query)
    }

    fn operation_series(&self, query: &OperationsQuery) -> Result<OperationSeries, RepoError> {
        (**self).operation_series(query)
    }

    fn finance(&self, buckets: &[DatedRange]) -> Result<Vec<FinanceFigures>, RepoError> {
        (**self).finance(buckets)
    }
}

/// One adapter answering both the figures and the business calendar (what the HTTP state
/// holds).
pub trait SalesStore: SalesFigures + BusinessCalendar + Send + Sync {}

impl<T: SalesFigures + BusinessCalendar + Send + Sync + ?Sized> SalesStore for T {}
