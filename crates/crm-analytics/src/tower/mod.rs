//! The control tower: one Russian-language centre over sales, appointments and stock with
//! prioritised actions derived from data; the seven reference processes with KPI, SLA, baseline,
//! target and triggers; the communication policy (touch cap shared with the campaigns, channel
//! priority, base quality); the 90-day goal wizard; the outcomes catalogue; the presets of the
//! verticals; and the full dashboard's alerts and promotion block.

pub mod catalogue;
pub mod model;
pub mod ports;
pub mod service;

pub use ports::{TowerPorts, TowerStore};
pub use service::{ControlTower, TowerError};
