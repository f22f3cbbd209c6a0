//! [`DeliveryWorker`]: one pass of the background sender over the [`DeliveryQueue`].
//!
//! Per channel it claims at most that channel's rate limit of due deliveries, sends each through
//! the channel's [`ChannelAdapter`] and closes it: accepted → `sent`; a temporary error → back
//! to the queue after an exponential backoff (or the provider's `retry_after`), and `failed`
//! once [`MAX_ATTEMPTS`] attempts were made; a permanent error → `failed` with the provider's
//! reason; no configuration (or no adapter at all) → `failed` with `channel_not_configured`.
//! Called once a second, the limits are messages per second per channel.

use super::{ChannelAdapter, Delivery, DeliveryQueue, OutboundMessage, SendError, MAX_ATTEMPTS};
use crm_core::{Channel, RepoError, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The reason of deliveries whose channel has no configuration.
pub const CHANNEL_NOT_CONFIGURED: &str = "channel_not_configured";

/// How the worker paces and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSettings {
    /// Deliveries claimed per channel per pass, unless the channel has its own limit.
    pub default_rate_limit: u32,
    /// Per-channel limits (messages per pass).
    pub rate_limits: BTreeMap<Channel, u32>,
    /// The wait after the first temporary failure; doubled after each further one.
    pub base_backoff_seconds: u64,
    /// The longest wait between attempts.
    pub max_backoff_seconds: u64,
    /// A claim older than this is taken for a lost send (a crash, another instance that died)
    /// and released by [`DeliveryWorker::release_stale`]; far longer than any pass can take.
    pub stale_after_seconds: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            default_rate_limit: 20,
            // The Bot API allows about 30 messages a second to different chats.
            rate_limits: BTreeMap::from([(Channel::Telegram, 25)]),
            base_backoff_seconds: 30,
            max_backoff_seconds: 3_600,
            stale_after_seconds: 1_800,
        }
    }
}

impl WorkerSettings {
    /// The limit of a channel.
    pub fn rate_limit(&self, channel: Channel) -> u32 {
        self.rate_limits
            .get(&channel)
            .copied()
            .unwrap_or(self.default_rate_limit)
    }

    /// The wait before the next try after `attempts` attempts failed temporarily:
    /// `base · 2^(attempts-1)`, capped at the maximum.
    pub fn backoff_seconds(&self, attempts: u32) -> u64 {
        let doublings = attempts.saturating_sub(1).min(32);
        self.base_backoff_seconds
            .saturating_mul(1_u64 << doublings)
            .min(self.max_backoff_seconds)
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Deliveries claimed.
    pub claimed: usize,
    /// Accepted by the provider and marked `sent`.
    pub sent: usize,
    /// Put back for a later try.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
    /// Storage errors met (the pass goes on with the next channel or delivery).
    pub errors: Vec<String>,
}

impl WorkerReport {
    /// Whether the pass did anything worth a log line.
    pub fn is_idle(&self) -> bool {
        self.claimed == 0 && self.errors.is_empty()
    }
}

/// The background sender, over a queue.
#[derive(Debug, Clone)]
pub struct DeliveryWorker<Q> {
    queue: Q,
    settings: WorkerSettings,
}

impl<Q: DeliveryQueue> DeliveryWorker<Q> {
    /// A worker over `queue`.
    pub fn new(queue: Q, settings: WorkerSettings) -> Self {
        Self { queue, settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    /// Returns every delivery claimed before `started_at` to the queue: at start-up, the claims
    /// of a process that crashed mid-send (one server process sends at a time).
    pub fn recover(&self, started_at: Timestamp) -> Result<usize, RepoError> {
        self.queue.release_stale(started_at)
    }

    /// Returns deliveries claimed more than `stale_after_seconds` before `now` to the queue;
    /// call it now and then.
    pub fn release_stale(&self, now: Timestamp) -> Result<usize, RepoError> {
        let stale_after = i64::try_from(self.settings.stale_after_seconds).unwrap_or(i64::MAX);
        self.queue.release_stale(now.plus_seconds(-stale_after))
    }

    /// One pass over every channel: claims, sends and closes what is due at `now`. A channel
    /// without an adapter in `adapters` fails its due deliveries with `channel_not_configured`.
    pub async fn run_once(
        &self,
        adapters: &[Arc<dyn ChannelAdapter>],
        now: Timestamp,
    ) -> WorkerReport {
        let mut report = WorkerReport::default();
        for channel in Channel::ALL {
            let limit = self.settings.rate_limit(channel);
            let claimed = match self.queue.claim_due(channel, limit, now) {
                Ok(claimed) => claimed,
                Err(e) => {
                    report.errors.push(format!("claim {channel}: {e}"));
                    continue;
                }
            };
            report.claimed += claimed.len();
            let adapter = adapters.iter().find(|a| a.channel() == channel);
            for delivery in claimed {
                let outcome = match adapter {
                    Some(adapter) => adapter.send(&outbound(&delivery)).await,
                    None => Err(SendError::NotConfigured),
                };
                self.close(&delivery, outcome, now, &mut report);
            }
        }
        report
    }

    fn close(
        &self,
        delivery: &Delivery,
        outcome: Result<super::SendReceipt, SendError>,
        now: Timestamp,
        report: &mut WorkerReport,
    ) {
        let id = delivery.id;
        let written = match outcome {
            Ok(receipt) => self
                .queue
                .mark_sent(id, &receipt, now)
                .map(|()| report.sent += 1),
            Err(SendError::NotConfigured) => self
                .queue
                .mark_failed(id, CHANNEL_NOT_CONFIGURED, now)
                .map(|()| report.failed += 1),
            Err(SendError::Permanent { reason }) => self
                .queue
                .mark_failed(id, &reason, now)
                .map(|()| report.failed += 1),
            Err(error @ SendError::Temporary { .. }) => {
                let reason = error.to_string();
                if delivery.attempts >= MAX_ATTEMPTS {
                    self.queue
                        .mark_failed(id, &reason, now)
                        .map(|()| report.failed += 1)
                } else {
                    let wait = match error {
                        SendError::Temporary {
                            retry_after_seconds: Some(seconds),
                            ..
                        } => seconds.max(1),
                        _ => self.settings.backoff_seconds(delivery.attempts),
                    };
                    let wait = i64::try_from(wait).unwrap_or(i64::MAX);
                    self.queue
                        .retry_later(id, &reason, now.plus_seconds(wait))
                        .map(|()| report.retried += 1)
                }
            }
        };
        if let Err(e) = written {
            report.errors.push(format!("delivery {id}: {e}"));
        }
    }
}

/// What the adapter gets of a claimed delivery.
fn outbound(delivery: &Delivery) -> OutboundMessage {
    OutboundMessage {
        delivery_id: delivery.id,
        channel: delivery.message.channel,
        recipient: delivery.message.recipient.clone(),
        text: delivery.message.text.clone(),
        image_url: delivery.message.image_url.clone(),
        buttons: delivery.message.buttons.clone(),
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
