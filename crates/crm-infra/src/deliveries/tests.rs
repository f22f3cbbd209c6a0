//! The delivery queue against a real migrated SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::clients::SqliteClientRepository;
use crate::testing::{at, exec, fresh_db};
use crm_clients::{ClientProfile, ClientRepository, ContactHandles, NewClientRecord};
use crm_core::Actor;
use std::collections::HashSet;
use std::sync::{Arc, Barrier};

fn client(db: &Database, name: &str) -> ClientId {
    SqliteClientRepository::new(db.clone())
        .insert(&NewClientRecord {
            profile: ClientProfile {
                full_name: name.into(),
                phone: None,
                telegram_id: None,
                telegram_username: None,
                email: None,
                birthday: None,
                gender: None,
                handles: ContactHandles::default(),
                tags: vec![],
                referrer_id: None,
                traffic_channel_id: None,
                notes: None,
            },
            consents: Default::default(),
            consent_events: vec![],
            actor: Actor::System,
            source: "admin".into(),
            at: at(1),
        })
        .unwrap()
        .id
}

fn delivery(client: ClientId, channel: Channel, key: &str, not_before: i64) -> NewDelivery {
    NewDelivery {
        source: DeliverySource::Campaign,
        campaign_id: Some(CampaignId(7)),
        client_id: client,
        channel,
        recipient: "42".into(),
        text: format!("hello {key}"),
        image_url: Some("https://example.com/a.png".into()),
        buttons: vec![Button {
            text: "Open".into(),
            url: "https://example.com".into(),
        }],
        step: 1,
        not_before: at(not_before),
        dedupe_key: key.into(),
    }
}

fn status_of(db: &Database, id: i64) -> (String, i64, Option<String>, i64) {
    let mut conn = db.conn().unwrap();
    deliveries::table
        .find(id)
        .select((
            deliveries::status,
            deliveries::attempts,
            deliveries::reason,
            deliveries::not_before,
        ))
        .first(&mut conn)
        .unwrap()
}

#[test]
fn enqueue_is_idempotent_by_dedupe_key() {
    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    let batch: Vec<_> = (0..1_200)
        .map(|i| delivery(c, Channel::Telegram, &format!("k{i}"), 10))
        .collect();
    assert_eq!(queue.enqueue(&batch, at(5)).unwrap(), 1_200);
    assert_eq!(queue.enqueue(&batch, at(6)).unwrap(), 0);
    let mut more = batch[..10].to_vec();
    more.push(delivery(c, Channel::Telegram, "new", 10));
    assert_eq!(queue.enqueue(&more, at(7)).unwrap(), 1);
    assert_eq!(queue.enqueue(&[], at(7)).unwrap(), 0);
    assert_eq!(
        exec(&db, "UPDATE deliveries SET updated_at = updated_at"),
        1_201
    );

    let claimed = queue.claim_due(Channel::Telegram, 1, at(10)).unwrap();
    let d = &claimed[0];
    assert_eq!(d.status, DeliveryStatus::Sending);
    assert_eq!(d.attempts, 1);
    assert_eq!(d.message, batch[0]);
    assert_eq!(d.created_at, at(5));
}

#[test]
fn claims_only_due_rows_of_the_channel_oldest_first() {
    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    queue
        .enqueue(
            &[
                delivery(c, Channel::Telegram, "late", 500),
                delivery(c, Channel::Telegram, "b", 20),
                delivery(c, Channel::Telegram, "a", 10),
                delivery(c, Channel::Email, "mail", 10),
            ],
            at(1),
        )
        .unwrap();
    let claimed = queue.claim_due(Channel::Telegram, 10, at(100)).unwrap();
    let keys: Vec<_> = claimed
        .iter()
        .map(|d| d.message.dedupe_key.as_str())
        .collect();
    assert_eq!(keys, ["a", "b"]);
    assert!(queue
        .claim_due(Channel::Telegram, 10, at(100))
        .unwrap()
        .is_empty());
    assert!(queue
        .claim_due(Channel::Sms, 10, at(1_000))
        .unwrap()
        .is_empty());
    assert_eq!(
        queue.claim_due(Channel::Telegram, 0, at(1_000)).unwrap(),
        vec![]
    );
    let late = queue.claim_due(Channel::Telegram, 10, at(500)).unwrap();
    assert_eq!(late.len(), 1);
}

#[test]
fn two_claimers_never_get_the_same_row() {
    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    let batch: Vec<_> = (0..400)
        .map(|i| delivery(c, Channel::Vk, &format!("k{i}"), 1))
        .collect();
    queue.enqueue(&batch, at(1)).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let queue = queue.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut ids = Vec::new();
                loop {
                    let claimed = queue.claim_due(Channel::Vk, 7, at(10)).unwrap();
                    if claimed.is_empty() {
                        break ids;
                    }
                    ids.extend(claimed.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let all: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let unique: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 400);
    assert_eq!(unique.len(), 400);
}

#[test]
fn retry_waits_until_its_time_and_final_statuses_stick() {
    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    queue
        .enqueue(&[delivery(c, Channel::Telegram, "a", 10)], at(1))
        .unwrap();
    let id = queue.claim_due(Channel::Telegram, 5, at(10)).unwrap()[0].id;
    queue.retry_later(id, "temporary: 429", at(5_000)).unwrap();
    assert_eq!(
        status_of(&db, id),
        ("queued".into(), 1, Some("temporary: 429".into()), 5_000)
    );
    assert!(queue
        .claim_due(Channel::Telegram, 5, at(4_999))
        .unwrap()
        .is_empty());
    let again = queue.claim_due(Channel::Telegram, 5, at(5_000)).unwrap();
    assert_eq!(again[0].attempts, 2);
    queue
        .mark_sent(
            id,
            &SendReceipt {
                provider_message_id: Some("m1".into()),
            },
            at(5_001),
        )
        .unwrap();
    let mut conn = db.conn().unwrap();
    let row: (String, Option<i64>, Option<String>, Option<String>) = deliveries::table
        .find(id)
        .select((
            deliveries::status,
            deliveries::sent_at,
            deliveries::provider_message_id,
            deliveries::reason,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(row, ("sent".into(), Some(5_001), Some("m1".into()), None));
    // A closed row is not reopened or failed by a late result.
    queue.mark_failed(id, "late", at(6_000)).unwrap();
    queue.retry_later(id, "late", at(6_000)).unwrap();
    assert_eq!(status_of(&db, id).0, "sent");
    assert_eq!(queue.mark_failed(999, "x", at(1)), Err(RepoError::NotFound));
    assert_eq!(
        queue.mark_sent(999, &SendReceipt::default(), at(1)),
        Err(RepoError::NotFound)
    );
}

#[test]
fn mark_failed_keeps_the_reason() {
    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    queue
        .enqueue(&[delivery(c, Channel::Max, "a", 10)], at(1))
        .unwrap();
    let id = queue.claim_due(Channel::Max, 5, at(10)).unwrap()[0].id;
    queue
        .mark_failed(id, "channel_not_configured", at(11))
        .unwrap();
    assert_eq!(
        status_of(&db, id),
        (
            "failed".into(),
            1,
            Some("channel_not_configured".into()),
            10
        )
    );
    assert!(queue
        .claim_due(Channel::Max, 5, at(1_000))
        .unwrap()
        .is_empty());
}

#[test]
fn stale_claims_go_back_to_the_queue() {
    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    queue
        .enqueue(
            &[
                delivery(c, Channel::Email, "old", 10),
                delivery(c, Channel::Email, "fresh", 10),
            ],
            at(1),
        )
        .unwrap();
    let old = queue.claim_due(Channel::Email, 1, at(100)).unwrap()[0].id;
    let fresh = queue.claim_due(Channel::Email, 1, at(200)).unwrap()[0].id;
    assert_eq!(queue.release_stale(at(150)).unwrap(), 1);
    assert_eq!(status_of(&db, old).0, "queued");
    assert_eq!(status_of(&db, fresh).0, "sending");
    let reclaimed = queue.claim_due(Channel::Email, 5, at(300)).unwrap();
    assert_eq!(reclaimed.len(), 1);
    assert_eq!(reclaimed[0].id, old);
    assert_eq!(reclaimed[0].attempts, 2);
    assert_eq!(queue.release_stale(at(150)).unwrap(), 0);
}

#[tokio::test]
async fn the_worker_sends_through_telegram_and_closes_the_rows() {
    use crate::channels::fake_server::FakeHttp;
    use crate::channels::{ChannelsConfig, TelegramConfig};
    use crm_comms::delivery::{DeliveryWorker, WorkerSettings};

    let (_dir, db) = fresh_db();
    let queue = SqliteDeliveryQueue::new(db.clone());
    let c = client(&db, "Ann");
    let mut first = delivery(c, Channel::Telegram, "t1", 10);
    first.image_url = None;
    first.buttons = vec![];
    first.recipient = "1001".into();
    let mut second = first.clone();
    second.dedupe_key = "t2".into();
    second.recipient = "1002".into();
    let third = delivery(c, Channel::Sms, "s1", 10);
    queue.enqueue(&[first, second, third], at(1)).unwrap();
    let server = FakeHttp::start(vec![
        (200, r#"{"ok":true,"result":{"message_id":77}}"#.into()),
        (
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#.into(),
        ),
    ]);
    let config = ChannelsConfig {
        telegram: Some(TelegramConfig {
            api_base: server.base.clone(),
            bot_token: "42:T".into(),
        }),
        ..ChannelsConfig::default()
    };
    let adapters = config.adapters().unwrap();
    let worker = DeliveryWorker::new(queue.clone(), WorkerSettings::default());
    let report = worker.run_once(&adapters, at(10_000)).await;
    assert_eq!(
        (report.claimed, report.sent, report.retried, report.failed),
        (3, 1, 1, 1)
    );
    let requests = server.finish();
    assert_eq!(requests[0].path, "/bot42:T/sendMessage");
    assert_eq!(requests[0].json()["chat_id"], serde_json::json!(1001));
    assert_eq!(requests[1].json()["chat_id"], serde_json::json!(1002));
    let mut conn = db.conn().unwrap();
    type Row = (String, String, Option<String>, i64, Option<String>);
    let rows: Vec<Row> = deliveries::table
        .order(deliveries::id)
        .select((
            deliveries::dedupe_key,
            deliveries::status,
            deliveries::reason,
            deliveries::not_before,
            deliveries::provider_message_id,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("t1".into(), "sent".into(), None, 10, Some("77".into())),
            (
                "t2".into(),
                "queued".into(),
                Some("temporary: Too Many Requests: retry after 3".into()),
                13_000,
                None
            ),
            (
                "s1".into(),
                "failed".into(),
                Some("channel_not_configured".into()),
                10,
                None
            ),
        ]
    );
}
