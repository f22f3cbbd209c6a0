//! The worker over a mocked queue and fake adapters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::delivery::{
    DeliverySource, DeliveryStatus, MockDeliveryQueue, NewDelivery, SendReceipt,
};
use crm_core::ClientId;
use mockall::predicate::{always, eq};
use std::sync::Mutex;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds).unwrap()
}

fn delivery(id: i64, channel: Channel, attempts: u32) -> Delivery {
    Delivery {
        id,
        status: DeliveryStatus::Sending,
        attempts,
        reason: None,
        sent_at: None,
        provider_message_id: None,
        message: NewDelivery {
            source: DeliverySource::Campaign,
            campaign_id: None,
            client_id: ClientId(1),
            channel,
            recipient: format!("r{id}"),
            text: format!("text {id}"),
            image_url: None,
            buttons: vec![],
            step: 0,
            not_before: at(0),
            dedupe_key: format!("k{id}"),
        },
        created_at: at(0),
    }
}

/// Answers with the scripted outcomes in turn and records what it was asked to send.
struct FakeAdapter {
    channel: Channel,
    outcomes: Mutex<Vec<Result<SendReceipt, SendError>>>,
    sent: Mutex<Vec<OutboundMessage>>,
}

impl FakeAdapter {
    fn new(channel: Channel, outcomes: Vec<Result<SendReceipt, SendError>>) -> Arc<Self> {
        Arc::new(Self {
            channel,
            outcomes: Mutex::new(outcomes),
            sent: Mutex::new(vec![]),
        })
    }
}

#[async_trait::async_trait]
impl ChannelAdapter for FakeAdapter {
    fn channel(&self) -> Channel {
        self.channel
    }
    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        self.sent.lock().unwrap().push(message.clone());
        self.outcomes.lock().unwrap().remove(0)
    }
}

fn temporary(after: Option<u64>) -> Result<SendReceipt, SendError> {
    Err(SendError::Temporary {
        retry_after_seconds: after,
        reason: "429".into(),
    })
}

/// A queue with nothing due except `due` on `channel`.
fn queue_with(channel: Channel, limit: u32, due: Vec<Delivery>) -> MockDeliveryQueue {
    let mut queue = MockDeliveryQueue::new();
    let mut due = Some(due);
    queue.expect_claim_due().returning(move |c, l, _| {
        if c == channel {
            assert_eq!(l, limit);
            Ok(due.take().unwrap_or_default())
        } else {
            Ok(vec![])
        }
    });
    queue
}

#[tokio::test]
async fn sends_and_marks_sent_within_the_rate_limit() {
    let mut queue = queue_with(
        Channel::Telegram,
        25,
        vec![
            delivery(1, Channel::Telegram, 1),
            delivery(2, Channel::Telegram, 1),
        ],
    );
    queue
        .expect_mark_sent()
        .with(
            eq(1),
            eq(SendReceipt {
                provider_message_id: Some("m1".into()),
            }),
            eq(at(100)),
        )
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue
        .expect_mark_sent()
        .with(eq(2), always(), eq(at(100)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let adapter = FakeAdapter::new(
        Channel::Telegram,
        vec![
            Ok(SendReceipt {
                provider_message_id: Some("m1".into()),
            }),
            Ok(SendReceipt::default()),
        ],
    );
    let adapters: Vec<Arc<dyn ChannelAdapter>> = vec![adapter.clone()];
    let worker = DeliveryWorker::new(queue, WorkerSettings::default());
    let report = worker.run_once(&adapters, at(100)).await;
    assert_eq!(report.claimed, 2);
    assert_eq!(report.sent, 2);
    assert!(report.errors.is_empty());
    let sent = adapter.sent.lock().unwrap();
    assert_eq!(sent[0].recipient, "r1");
    assert_eq!(sent[0].delivery_id, 1);
    assert_eq!(sent[1].text, "text 2");
}

#[tokio::test]
async fn per_channel_rate_limits_are_configurable() {
    let queue = queue_with(Channel::Email, 3, vec![]);
    let settings = WorkerSettings {
        default_rate_limit: 7,
        rate_limits: BTreeMap::from([(Channel::Email, 3)]),
        ..WorkerSettings::default()
    };
    assert_eq!(settings.rate_limit(Channel::Sms), 7);
    let worker = DeliveryWorker::new(queue, settings);
    let report = worker.run_once(&[], at(1)).await;
    assert!(report.is_idle());
}

#[tokio::test]
async fn temporary_errors_back_off_exponentially_or_as_the_provider_says() {
    let mut queue = queue_with(
        Channel::Telegram,
        25,
        vec![
            delivery(1, Channel::Telegram, 1),
            delivery(2, Channel::Telegram, 3),
            delivery(3, Channel::Telegram, 2),
        ],
    );
    // 30 s after the first attempt, 120 s after the third; the provider's 7 s wins.
    queue
        .expect_retry_later()
        .with(eq(1), eq("temporary: 429"), eq(at(1_030)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue
        .expect_retry_later()
        .with(eq(2), always(), eq(at(1_120)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue
        .expect_retry_later()
        .with(eq(3), always(), eq(at(1_007)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let adapters: Vec<Arc<dyn ChannelAdapter>> = vec![FakeAdapter::new(
        Channel::Telegram,
        vec![temporary(None), temporary(None), temporary(Some(7))],
    )];
    let worker = DeliveryWorker::new(queue, WorkerSettings::default());
    let report = worker.run_once(&adapters, at(1_000)).await;
    assert_eq!(report.retried, 3);
    assert_eq!(report.failed, 0);
}

#[test]
fn backoff_is_capped() {
    let settings = WorkerSettings::default();
    assert_eq!(settings.backoff_seconds(1), 30);
    assert_eq!(settings.backoff_seconds(2), 60);
    assert_eq!(settings.backoff_seconds(4), 240);
    assert_eq!(settings.backoff_seconds(100), 3_600);
    assert_eq!(settings.backoff_seconds(0), 30);
}

#[tokio::test]
async fn gives_up_after_max_attempts_and_on_permanent_errors() {
    let mut queue = queue_with(
        Channel::Vk,
        20,
        vec![
            delivery(1, Channel::Vk, MAX_ATTEMPTS),
            delivery(2, Channel::Vk, 1),
            delivery(3, Channel::Vk, 1),
        ],
    );
    queue
        .expect_mark_failed()
        .with(eq(1), eq("temporary: 429"), eq(at(5)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue
        .expect_mark_failed()
        .with(
            eq(2),
            eq("Forbidden: bot was blocked by the user"),
            eq(at(5)),
        )
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue
        .expect_mark_failed()
        .with(eq(3), eq(CHANNEL_NOT_CONFIGURED), eq(at(5)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue.expect_retry_later().never();
    let adapters: Vec<Arc<dyn ChannelAdapter>> = vec![FakeAdapter::new(
        Channel::Vk,
        vec![
            temporary(Some(1)),
            Err(SendError::Permanent {
                reason: "Forbidden: bot was blocked by the user".into(),
            }),
            Err(SendError::NotConfigured),
        ],
    )];
    let worker = DeliveryWorker::new(queue, WorkerSettings::default());
    let report = worker.run_once(&adapters, at(5)).await;
    assert_eq!(report.failed, 3);
    assert_eq!(report.sent, 0);
}

#[tokio::test]
async fn a_channel_without_an_adapter_fails_its_deliveries() {
    let mut queue = queue_with(Channel::Sms, 20, vec![delivery(9, Channel::Sms, 1)]);
    queue
        .expect_mark_failed()
        .with(eq(9), eq(CHANNEL_NOT_CONFIGURED), eq(at(5)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    queue.expect_mark_sent().never();
    let worker = DeliveryWorker::new(queue, WorkerSettings::default());
    let report = worker.run_once(&[], at(5)).await;
    assert_eq!((report.claimed, report.failed), (1, 1));
}

#[tokio::test]
async fn storage_errors_are_reported_and_the_pass_goes_on() {
    let mut queue = MockDeliveryQueue::new();
    queue
        .expect_claim_due()
        .returning(|channel, _, _| match channel {
            Channel::Telegram => Err(RepoError::Busy),
            Channel::Email => Ok(vec![delivery(4, Channel::Email, 1)]),
            _ => Ok(vec![]),
        });
    queue
        .expect_mark_sent()
        .returning(|_, _, _| Err(RepoError::Unavailable("disk".into())));
    let adapters: Vec<Arc<dyn ChannelAdapter>> = vec![FakeAdapter::new(
        Channel::Email,
        vec![Ok(SendReceipt::default())],
    )];
    let worker = DeliveryWorker::new(queue, WorkerSettings::default());
    let report = worker.run_once(&adapters, at(5)).await;
    assert_eq!(report.errors.len(), 2);
    assert_eq!(report.sent, 0);
    assert!(!report.is_idle());
}

#[test]
fn releases_claims_older_than_the_stale_limit() {
    let mut queue = MockDeliveryQueue::new();
    queue
        .expect_release_stale()
        .with(eq(at(10_000 - 1_800)))
        .times(1)
        .returning(|_| Ok(2));
    queue
        .expect_release_stale()
        .with(eq(at(500)))
        .times(1)
        .returning(|_| Ok(1));
    let worker = DeliveryWorker::new(queue, WorkerSettings::default());
    assert_eq!(worker.release_stale(at(10_000)).unwrap(), 2);
    assert_eq!(worker.recover(at(500)).unwrap(), 1);
}
