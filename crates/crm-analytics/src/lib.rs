//! Analytics: the dashboard ("Сегодня" and the full payload), the statistics tabs, the control
//! tower with its processes, policy, goal wizard and presets, and the promotion forecast — every
//! figure computed from stored data, in the business's timezone.
//!
//! This crate is a skeleton today: its models, ports and use cases arrive with the issue that
//! builds this part of the product. It already has the shape every domain crate shares —
//! `model`, `ports`, `service`, `error` — and depends on nothing that does I/O.

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
