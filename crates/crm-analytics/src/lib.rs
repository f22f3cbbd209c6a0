//! Analytics: the dashboard ("Сегодня" and the full payload), the statistics tabs, the control
//! tower with its processes, policy, goal wizard and presets, and the promotion forecast — every
//! figure computed from stored data, in the business's timezone.
//!
//! - [`period`]: presets, local-date ranges, the previous comparable period and buckets;
//! - [`sales`]: the "Сегодня" summary and the customers, operations and finance tabs;
//! - [`audience`]: the ratings, levels, page-go and marketing tabs;
//! - [`tower`]: the control tower, its processes, policy, goal, outcomes, presets and the full
//!   dashboard's alerts;
//! - [`forecast`]: the promotion forecast from the business's own history.
//!
//! Every area reads its figures through its own port; the crate depends on nothing that does
//! I/O.

pub mod audience;
pub mod error;
pub mod forecast;
pub mod model;
pub mod period;
pub mod ports;
pub mod sales;
pub mod service;
pub mod tower;

pub use error::AnalyticsError;
