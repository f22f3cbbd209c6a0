//! Delivery: the pipeline every outbound message goes through — a queued row per recipient per
//! channel (written by a campaign launch, a group send, a reminder, a reply), a background worker
//! that claims due rows and sends them through a [`ChannelAdapter`], and the final status.
//!
//! This module is the contract between the producers of messages and the senders: producers
//! only enqueue [`NewDelivery`] rows through [`DeliveryQueue`]; the worker only reads and marks
//! them; adapters only turn an [`OutboundMessage`] into a provider call. Nothing is reported as
//! sent that the provider did not accept.

use crm_core::{CampaignId, Channel, ClientId, RepoError, Timestamp};
use serde::{Deserialize, Serialize};

/// Longest text a Telegram message may carry.
pub const TELEGRAM_TEXT_LIMIT: usize = 4_096;
/// How many times a temporary failure is retried before the delivery fails for good.
pub const MAX_ATTEMPTS: u32 = 5;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting to be sent (possibly after a retry delay).
    Queued,
    /// Claimed by the worker, being sent.
    Sending,
    /// Accepted by the provider.
    Sent,
    /// Confirmed delivered by the provider (where it reports that).
    Delivered,
    /// Given up; `reason` says why.
    Failed,
}

impl DeliveryStatus {
    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Sending,
            Self::Sent,
            Self::Delivered,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// A link button under a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// Label.
    pub text: String,
    /// http(s) link.
    pub url: String,
}

/// What produced a delivery (for stats and the dialogue history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliverySource {
    /// A campaign (with its id on the delivery).
    Campaign,
    /// A reply or group send from the dialogues.
    Dialogue,
    /// An appointment reminder.
    Reminder,
}

impl DeliverySource {
    /// The snake_case code stored.
    pub fn code(self) -> &'static str {
        match self {
            DeliverySource::Campaign => "campaign",
            DeliverySource::Dialogue => "dialogue",
            DeliverySource::Reminder => "reminder",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Campaign, Self::Dialogue, Self::Reminder]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A delivery to enqueue. `dedupe_key` makes enqueueing idempotent: a second row with the same
/// key is not created (e.g. `campaign:7:client:42:telegram:step:0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// What produced it.
    pub source: DeliverySource,
    /// The campaign, for campaign deliveries.
    pub campaign_id: Option<CampaignId>,
    /// The recipient client.
    pub client_id: ClientId,
    /// Through which channel.
    pub channel: Channel,
    /// The address on that channel: Telegram user id, e-mail, E.164 phone, or the messenger
    /// handle.
    pub recipient: String,
    /// The rendered text (placeholders already filled in).
    pub text: String,
    /// An image link, if any.
    pub image_url: Option<String>,
    /// Link buttons.
    pub buttons: Vec<Button>,
    /// Index in a chain of follow-up messages (0 = the first).
    pub step: u16,
    /// Not to be sent before this time (chains and scheduled sends).
    pub not_before: Timestamp,
    /// Uniqueness key of the delivery.
    pub dedupe_key: String,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Send attempts made.
    pub attempts: u32,
    /// Why it failed (or the last temporary error).
    pub reason: Option<String>,
    /// When the provider accepted it.
    pub sent_at: Option<Timestamp>,
    /// The provider's id for the message, if it gives one.
    pub provider_message_id: Option<String>,
    /// What was enqueued.
    pub message: NewDelivery,
    /// Enqueued at.
    pub created_at: Timestamp,
}

/// What an adapter sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// The delivery being sent (adapters may use it as an idempotency key with providers).
    pub delivery_id: i64,
    /// Channel.
    pub channel: Channel,
    /// Address on the channel.
    pub recipient: String,
    /// Text.
    pub text: String,
    /// Image link.
    pub image_url: Option<String>,
    /// Link buttons.
    pub buttons: Vec<Button>,
}

/// What the provider said when it accepted a message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SendReceipt {
    /// The provider's message id, if any.
    pub provider_message_id: Option<String>,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel has no configuration (no token, no server): the delivery fails with reason
    /// `channel_not_configured`.
    #[error("channel_not_configured")]
    NotConfigured,
    /// Worth retrying later (rate limit, 5xx, network); `retry_after_seconds` when the provider
    /// says how long to wait (Telegram's 429 `retry_after`).
    #[error("temporary: {reason}")]
    Temporary {
        /// Provider's wait hint.
        retry_after_seconds: Option<u64>,
        /// What happened.
        reason: String,
    },
    /// Will not succeed (blocked bot, invalid address, 4xx): fail now.
    #[error("permanent: {reason}")]
    Permanent {
        /// What happened.
        reason: String,
    },
}

/// Sends messages through one channel. Implementations live in `crm-infra`, each with a base URL
/// and credentials from the environment, so tests can point them at a local fake server.
#[async_trait::async_trait]
pub trait ChannelAdapter: Send + Sync {
    /// The channel this adapter serves.
    fn channel(&self) -> Channel;
    /// Sends one message.
    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError>;
}

/// Storage of the delivery queue.
#[cfg_attr(test, mockall::automock)]
pub trait DeliveryQueue {
    /// Enqueues deliveries, skipping those whose `dedupe_key` already exists; returns how many
    /// were created. Producers call it in batches (one short transaction each).
    fn enqueue(&self, deliveries: &[NewDelivery], at: Timestamp) -> Result<usize, RepoError>;

    /// Claims up to `limit` queued deliveries of `channel` due at `now` (`not_before` and any
    /// retry time passed), marking them `sending` so no other worker takes them.
    fn claim_due(
        &self,
        channel: Channel,
        limit: u32,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, RepoError>;

    /// Marks a delivery accepted by the provider.
    fn mark_sent(&self, id: i64, receipt: &SendReceipt, at: Timestamp) -> Result<(), RepoError>;

    /// Puts a delivery back in the queue after a temporary failure, not before `retry_at`.
    fn retry_later(&self, id: i64, reason: &str, retry_at: Timestamp) -> Result<(), RepoError>;

    /// Fails a delivery for good.
    fn mark_failed(&self, id: i64, reason: &str, at: Timestamp) -> Result<(), RepoError>;

    /// Returns deliveries stuck in `sending` since before `older_than` (a crash mid-send) to the
    /// queue; returns how many.
    fn release_stale(&self, older_than: Timestamp) -> Result<usize, RepoError>;
}

impl<T: DeliveryQueue + ?Sized> DeliveryQueue for std::sync::Arc<T> {
    fn enqueue(&self, deliveries: &[NewDelivery], at: Timestamp) -> Result<usize, RepoError> {
        (**self).enqueue(deliveries, at)
    }
    fn claim_due(
        &self,
        channel: Channel,
        limit: u32,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, RepoError> {
        (**self).claim_due(channel, limit, now)
    }
    fn mark_sent(&self, id: i64, receipt: &SendReceipt, at: Timestamp) -> Result<(), RepoError> {
        (**self).mark_sent(id, receipt, at)
    }
    fn retry_later(&self, id: i64, reason: &str, retry_at: Timestamp) -> Result<(), RepoError> {
        (**self).retry_later(id, reason, retry_at)
    }
    fn mark_failed(&self, id: i64, reason: &str, at: Timestamp) -> Result<(), RepoError> {
        (**self).mark_failed(id, reason, at)
    }
    fn release_stale(&self, older_than: Timestamp) -> Result<usize, RepoError> {
        (**self).release_stale(older_than)
    }
}

pub mod worker;

pub use worker::{DeliveryWorker, WorkerReport, WorkerSettings, CHANNEL_NOT_CONFIGURED};
