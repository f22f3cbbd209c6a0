//! Traffic channels: where clients come from. A channel has a unique code, which is the Mini
//! App `start_param` that attributes a client signing in for the first time (see
//! [`crate::ClientBase::sign_in_from_telegram`]), a link and UTM tags; the admin list shows
//! how many clients, purchases and how much revenue each channel brought.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::TrafficError;
pub use model::{
    ChannelCode, ChannelDefinition, ChannelReport, ChannelStats, ChannelUpdate, TrafficChannel,
};
pub use ports::TrafficChannelRepository;
pub use service::TrafficChannels;
