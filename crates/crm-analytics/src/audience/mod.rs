//! The audience tabs: ratings (top clients by payments and by recommendations), levels (clients
//! per level and the movement between levels), page-go (views and unique visitors of the Mini
//! App, with the tracking of page views) and marketing (traffic channels, the funnel, RFM
//! segments, campaign results and the revenue forecast).
//!
//! `model` holds the figures and the pure rules (RFM scoring and naming, level movement
//! direction, the forecast), `ports` the storage port [`AudienceFigures`], `service` the use
//! cases [`AudienceAnalytics`].

pub mod model;
pub mod ports;
pub mod service;

pub use ports::{AudienceFigures, AudienceSource};
pub use service::AudienceAnalytics;
