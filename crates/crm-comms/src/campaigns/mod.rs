//! Campaigns: one model behind `/campaigns`, `/communications` and the five-step wizard — an
//! audience (segment filters over clients), channels, content with placeholders and a chain of
//! follow-ups, a schedule and a purpose — launched by enqueueing one delivery per recipient per
//! channel per step through [`crate::delivery::DeliveryQueue`], with consent rules, the
//! touch-frequency cap, tracking and statistics.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::CampaignError;
pub use model::{
    Audience, Campaign, CampaignDraft, CampaignStats, CampaignStatus, ChannelReach, Content,
    FollowUp, Purpose, Recipient, Schedule, ScheduleKind, Section, TrackKind, TrackedEvent,
    WizardStep,
};
pub use ports::CampaignRepository;
pub use service::{Campaigns, Confirmation, LaunchReport, TrackRequest};
