//! Messages and conversations against a real migrated SQLite file: inserts with the upkeep of
//! the conversation, every registry filter, the status of a reply following its delivery, group
//! batches, and the query plans of the registry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::clients::SqliteClientRepository;
use crate::deliveries::SqliteDeliveryQueue;
use crate::testing::{at, exec, fresh_db};
use crm_clients::{ClientProfile, ClientRepository, ContactHandles, NewClientRecord};
use crm_comms::delivery::{DeliveryQueue, DeliverySource, SendReceipt};
use crm_core::Actor;
use diesel::debug_query;
use schema::dialogues;

fn client(db: &Database, name: &str, telegram_id: Option<i64>) -> ClientId {
    let id = SqliteClientRepository::new(db.clone())
        .insert(&NewClientRecord {
            profile: ClientProfile {
                full_name: name.into(),
                phone: None,
                telegram_id: telegram_id.map(|t| crm_clients::TelegramId::new(t).unwrap()),
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
        .id;
    exec(
        db,
        &format!(
            "UPDATE clients SET consent_personal_data = 1 WHERE id = {}",
            id.get()
        ),
    );
    id
}

fn inbound(client: ClientId, text: &str) -> NewMessage {
    NewMessage {
        client_id: client,
        direction: Direction::Inbound,
        channel: Channel::Telegram,
        text: text.into(),
        author: None,
        source: MessageSource::App,
        group_send_id: None,
    }
}

fn outbound(client: ClientId, text: &str, source: MessageSource) -> (NewMessage, NewDelivery) {
    (
        NewMessage {
            client_id: client,
            direction: Direction::Outbound,
            channel: Channel::Telegram,
            text: text.into(),
            author: None,
            source,
            group_send_id: None,
        },
        NewDelivery {
            source: DeliverySource::Dialogue,
            campaign_id: None,
            client_id: client,
            channel: Channel::Telegram,
            recipient: "42".into(),
            text: text.into(),
            image_url: None,
            buttons: vec![],
            step: 0,
            not_before: at(0),
            dedupe_key: String::new(),
        },
    )
}

fn page() -> PageRequest {
    PageRequest::new(Some(50), None).unwrap()
}

fn unanswered(db: &Database, client: ClientId) -> Option<bool> {
    let mut conn = db.conn().unwrap();
    dialogues::table
        .find(client.get())
        .select(dialogues::unanswered)
        .first(&mut conn)
        .optional()
        .unwrap()
}

#[test]
fn messages_keep_the_conversation_summary_in_step() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Ann", Some(1));
    assert_eq!(unanswered(&db, ann), None);
    let first = repo.insert_inbound(&inbound(ann, "hi"), at(1_000)).unwrap();
    assert_eq!(first.status, MessageStatus::Received);
    assert_eq!(first.client_name, "Ann");
    assert_eq!(unanswered(&db, ann), Some(true));

    // A group send does not answer the client.
    let (m, mut d) = outbound(ann, "promo", MessageSource::GroupSend);
    d.dedupe_key = "dialogue:group:1:client:1".into();
    let send_id = repo
        .create_group_send(
            &NewGroupSend {
                channel: Channel::Telegram,
                purpose: "advertising".into(),
                text: "promo".into(),
                created_by: "system".into(),
            },
            at(1_500),
        )
        .unwrap();
    assert_eq!(
        repo.queue_group_batch(send_id, &[(m.clone(), d.clone())], at(1_500))
            .unwrap(),
        1
    );
    assert_eq!(
        repo.queue_group_batch(send_id, &[(m, d)], at(1_500))
            .unwrap(),
        0,
        "a batch retried writes nothing twice"
    );
    assert_eq!(unanswered(&db, ann), Some(true));

    let (m, d) = outbound(ann, "hello", MessageSource::AdminReply);
    let reply = repo.insert_outbound(&m, &d, at(2_000)).unwrap();
    assert_eq!(reply.status, MessageStatus::Queued);
    assert!(reply.delivery_id.is_some());
    assert_eq!(unanswered(&db, ann), Some(false));
    let conv = repo
        .list(
            &MessageFilter {
                client_id: Some(ann),
                ..MessageFilter::default()
            },
            page(),
        )
        .unwrap();
    assert_eq!(conv.total, 3);
    assert_eq!(conv.items[0].id, reply.id, "newest first");
    assert_eq!(conv.items[1].group_send_id, Some(send_id));

    // A second inbound message makes it unanswered again.
    repo.insert_inbound(&inbound(ann, "?"), at(3_000)).unwrap();
    assert_eq!(unanswered(&db, ann), Some(true));
}

#[test]
fn a_keyed_reply_is_written_once() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Ann", Some(1));
    let (m, mut d) = outbound(ann, "hello", MessageSource::AdminReply);
    d.dedupe_key = "dialogue:reply:1:key".into();
    let first = repo.insert_outbound(&m, &d, at(1_000)).unwrap();
    let second = repo.insert_outbound(&m, &d, at(2_000)).unwrap();
    assert_eq!(first.id, second.id);
    let mut conn = db.conn().unwrap();
    let deliveries: i64 = deliveries::table.count().get_result(&mut conn).unwrap();
    assert_eq!(deliveries, 1);
}

#[test]
fn the_message_follows_its_delivery() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let queue = SqliteDeliveryQueue::new(db.clone());
    let ann = client(&db, "Ann", Some(1));
    let (m, d) = outbound(ann, "one", MessageSource::AdminReply);
    let sent = repo.insert_outbound(&m, &d, at(1_000)).unwrap();
    let (m, d) = outbound(ann, "two", MessageSource::AdminReply);
    let failed = repo.insert_outbound(&m, &d, at(1_000)).unwrap();

    let claimed = queue.claim_due(Channel::Telegram, 10, at(2_000)).unwrap();
    assert_eq!(claimed.len(), 2);
    let status = |id: MessageId| {
        repo.list(
            &MessageFilter {
                client_id: Some(ann),
                ..MessageFilter::default()
            },
            page(),
        )
        .unwrap()
        .items
        .into_iter()
        .find(|m| m.id == id)
        .map(|m| (m.status, m.reason))
        .unwrap()
    };
    assert_eq!(status(sent.id).0, MessageStatus::Sending);
    queue
        .mark_sent(
            sent.delivery_id.unwrap(),
            &SendReceipt::default(),
            at(3_000),
        )
        .unwrap();
    queue
        .mark_failed(failed.delivery_id.unwrap(), "blocked", at(3_000))
        .unwrap();
    assert_eq!(status(sent.id), (MessageStatus::Sent, None));
    assert_eq!(
        status(failed.id),
        (MessageStatus::Failed, Some("blocked".into()))
    );
    let filter = MessageFilter {
        status: Some(MessageStatus::Failed),
        ..MessageFilter::default()
    };
    assert_eq!(repo.list(&filter, page()).unwrap().total, 1);
}

#[test]
fn every_registry_filter_matches() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let olga = client(&db, "Ольга Смирнова", Some(1));
    let ivan = client(&db, "Иван 100%_Кузнецов", Some(2));
    let o1 = repo.insert_inbound(&inbound(olga, "a"), at(1_000)).unwrap();
    let (m, d) = outbound(olga, "b", MessageSource::AdminReply);
    let o2 = repo.insert_outbound(&m, &d, at(2_000)).unwrap();
    let i1 = repo.insert_inbound(&inbound(ivan, "c"), at(3_000)).unwrap();
    let found = |filter: MessageFilter| -> Vec<MessageId> {
        repo.list(&filter, page())
            .unwrap()
            .items
            .into_iter()
            .map(|m| m.id)
            .collect()
    };
    let all = MessageFilter::default();
    assert_eq!(found(all.clone()), vec![i1.id, o2.id, o1.id]);
    assert_eq!(
        found(MessageFilter {
            name: Some("смир".into()),
            ..all.clone()
        }),
        vec![o2.id, o1.id]
    );
    assert_eq!(
        found(MessageFilter {
            name: Some("100%_".into()),
            ..all.clone()
        }),
        vec![i1.id],
        "wildcards are literal"
    );
    assert_eq!(
        found(MessageFilter {
            name: Some("0%k".into()),
            ..all.clone()
        }),
        vec![]
    );
    assert_eq!(
        found(MessageFilter {
            from: Some(at(2_000)),
            to: Some(at(3_000)),
            ..all.clone()
        }),
        vec![o2.id]
    );
    assert_eq!(
        found(MessageFilter {
            status: Some(MessageStatus::Queued),
            ..all.clone()
        }),
        vec![o2.id]
    );
    assert_eq!(
        found(MessageFilter {
            channel: Some(Channel::Email),
            ..all.clone()
        }),
        vec![]
    );
    assert_eq!(
        found(MessageFilter {
            direction: Some(Direction::Inbound),
            ..all.clone()
        }),
        vec![i1.id, o1.id]
    );
    assert_eq!(
        found(MessageFilter {
            client_id: Some(ivan),
            ..all.clone()
        }),
        vec![i1.id]
    );
    assert_eq!(
        found(MessageFilter {
            unanswered: true,
            ..all.clone()
        }),
        vec![i1.id]
    );
    let paged = repo
        .list(&all, PageRequest::new(Some(1), Some(1)).unwrap())
        .unwrap();
    assert_eq!((paged.total, paged.items.len()), (3, 1));
    assert_eq!(paged.items[0].id, o2.id);
}

#[test]
fn contacts_follow_the_channel() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Ann", Some(77));
    exec(
        &db,
        &format!(
            "UPDATE clients SET vk = '  ', email = 'ann@example.com' WHERE id = {}",
            ann.get()
        ),
    );
    let contact = |channel| repo.contact(ann, channel).unwrap().unwrap();
    assert_eq!(contact(Channel::Telegram).address.as_deref(), Some("77"));
    assert_eq!(
        contact(Channel::Email).address.as_deref(),
        Some("ann@example.com")
    );
    assert_eq!(contact(Channel::Vk).address, None, "blank is no contact");
    assert_eq!(contact(Channel::Sms).address, None);
    assert!(contact(Channel::Telegram).consent_personal_data);
    assert_eq!(
        repo.contact(ClientId(999), Channel::Telegram).unwrap(),
        None
    );
    assert!(repo.client_exists(ann).unwrap());
    assert!(!repo.client_exists(ClientId(999)).unwrap());
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// The query plan of a statement (unbound parameters read as NULL).
fn plan(db: &Database, sql: &str) -> Vec<String> {
    let sql = sql.split("-- binds").next().unwrap();
    let mut conn = db.conn().unwrap();
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect()
}

#[test]
fn every_filter_is_index_backed() {
    let (_dir, db) = fresh_db();
    let all = MessageFilter::default();
    let filters = [
        ("none", all.clone()),
        (
            "period",
            MessageFilter {
                from: Some(at(1)),
                to: Some(at(2)),
                ..all.clone()
            },
        ),
        (
            "name",
            MessageFilter {
                name: Some("ann".into()),
                ..all.clone()
            },
        ),
        (
            "status",
            MessageFilter {
                status: Some(MessageStatus::Sent),
                ..all.clone()
            },
        ),
        (
            "channel",
            MessageFilter {
                channel: Some(Channel::Email),
                ..all.clone()
            },
        ),
        (
            "direction",
            MessageFilter {
                direction: Some(Direction::Inbound),
                ..all.clone()
            },
        ),
        (
            "client",
            MessageFilter {
                client_id: Some(ClientId(1)),
                ..all.clone()
            },
        ),
        (
            "unanswered",
            MessageFilter {
                unanswered: true,
                ..all.clone()
            },
        ),
    ];
    for (what, filter) in filters {
        for sql in [
            debug_query::<Sqlite, _>(&page_query(&filter, page())).to_string(),
            debug_query::<Sqlite, _>(&count_query(&filter)).to_string(),
        ] {
            let steps = plan(&db, &sql);
            let on_messages: Vec<_> = steps.iter().filter(|s| s.contains("messages")).collect();
            assert!(!on_messages.is_empty(), "{what}: {steps:?}");
            for step in on_messages {
                assert!(
                    !step.starts_with("SCAN messages") || step.contains("INDEX"),
                    "{what}: unindexed scan in {steps:?}"
                );
            }
            if what != "none" {
                assert!(
                    steps.iter().any(|s| s.starts_with("SEARCH")),
                    "{what}: no index search in {steps:?}"
                );
            }
        }
    }
}
