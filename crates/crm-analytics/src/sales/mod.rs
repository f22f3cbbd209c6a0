//! Sales analytics: the dashboard summary ("Сегодня") and the customers, operations and finance
//! tabs — every figure an SQL aggregate over stored operations, clients, the points ledger,
//! certificates, appointments, stock receipts and payroll, for a period in the business's
//! timezone.
//!
//! [`SalesAnalytics`] resolves the period, derives the exact instants storage needs (buckets,
//! local days with their UTC offset, cohort months) and asks the [`SalesFigures`] port for plain
//! integer aggregates; averages, comparisons and shares are computed here.

pub mod model;
pub mod ports;
pub mod service;

pub use model::{
    AgeBand, AppointmentCounts, BucketSales, CohortRetention, CustomersReport, FinanceBucket,
    FinanceFigures, FinanceReport, HourSales, OperationsBucket, OperationsReport, RetentionMonth,
    Summary, WeekdaySales,
};
pub use ports::{SalesFigures, SalesStore};
pub use service::SalesAnalytics;
