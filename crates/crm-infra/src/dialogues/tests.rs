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
use diesel::connection::SimpleConnection;
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
                idempotency_key: None,
                fingerprint: "promo".into(),
            },
            at(1_500),
        )
        .unwrap()
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
fn plan(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(conn)
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect()
}

/// The planner's statistics of a business with 100k clients and a year of 1M messages (from
/// `ANALYZE` of the `dialogues_budget` database), so that the plans below are the plans of
/// that size whatever the few rows stored here.
const STATS: &str = "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('client_message_counts', 'client_message_counts', '60000 1'),
    ('clients', 'clients_search_name', '100000 1220'),
    ('dialogues', 'dialogues_unanswered', '9000 1'),
    ('dialogues', 'dialogues_unanswered_by_time', '9000 1 1'),
    ('dialogues', 'sqlite_autoindex_dialogues_1', '60000 1'),
    ('message_tallies', 'message_tallies', '6954 19 4 1 1'),
    ('messages', 'messages_by_channel', '1000000 142858 1 1'),
    ('messages', 'messages_by_client', '1000000 17 1 1'),
    ('messages', 'messages_by_direction', '1000000 500000 1 1'),
    ('messages', 'messages_by_group_send', '0 0'),
    ('messages', 'messages_by_status', '1000000 166667 1 1'),
    ('messages', 'messages_by_time', '1000000 1 1'),
    ('messages', 'sqlite_autoindex_messages_1', '1000000 1000000');";

/// The steps of a plan that read rows without an index range or search.
fn full_reads(steps: &[String]) -> Vec<&String> {
    steps
        .iter()
        .filter(|s| s.starts_with("SCAN") && *s != "SCAN CONSTANT ROW")
        .collect()
}

#[test]
fn every_filter_is_index_backed() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Анна Петрова", Some(1));
    let ivan = client(&db, "Иван Кузнецов", Some(2));
    for (i, who) in [ann, ivan, ann, ivan].into_iter().enumerate() {
        let at_ms = 1_000 + i64::try_from(i).unwrap() * 1_000;
        repo.insert_inbound(&inbound(who, "hi"), at(at_ms)).unwrap();
    }
    let (m, d) = outbound(ann, "hello", MessageSource::AdminReply);
    repo.insert_outbound(&m, &d, at(9_000)).unwrap();
    // One connection: the statistics are read per connection.
    let mut conn = db.conn().unwrap();
    // As a new server's database (never analysed), then with the statistics of a large one.
    check_plans(&mut conn, "no statistics");
    conn.batch_execute(&format!(
        "ANALYZE; DELETE FROM sqlite_stat1; {STATS} ANALYZE sqlite_schema;"
    ))
    .unwrap();
    check_plans(&mut conn, "1M messages");
}

/// Checks the plan of every registry statement for every single filter (see
/// [`every_filter_is_index_backed`]).
fn check_plans(conn: &mut SqliteConnection, stats: &str) {
    let all = MessageFilter::default();
    let cursor = Some(registry::Cursor { at: 5_000, id: 3 });
    let filters = [
        ("none", all.clone()),
        (
            "date",
            MessageFilter {
                from: Some(at(86_400_000 * 20_000 - 10_800_000)),
                to: Some(at(86_400_000 * 20_001 - 10_800_000)),
                ..all.clone()
            },
        ),
        (
            "period",
            MessageFilter {
                from: Some(at(1_000)),
                to: Some(at(86_400_000 * 30_000)),
                ..all.clone()
            },
        ),
        (
            "name",
            MessageFilter {
                name: Some("ов".into()),
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
    let mut check = |what: &str, statement: &registry::Statement, allowed_scan: &[&str]| {
        let what = format!("{stats}: {what}");
        let steps = plan(conn, &statement.inlined());
        for step in &steps {
            assert!(
                !step.contains("TEMP B-TREE") || allowed_scan.contains(&"TEMP B-TREE"),
                "{what}: a sort in {steps:?} of {}",
                statement.sql
            );
        }
        for step in full_reads(&steps) {
            assert!(
                allowed_scan.iter().any(|a| step.starts_with(a)),
                "{what}: an unintended scan {step:?} in {steps:?} of {}",
                statement.sql
            );
        }
        steps
    };
    for (what, filter) in &filters {
        for cursor in [None, cursor] {
            let what = format!("{what}{}", if cursor.is_some() { " before" } else { "" });
            // The page, by each walk that applies to the filter.
            let walks: &[registry::Walk] = if filter.unanswered {
                &[registry::Walk::Unanswered]
            } else if filter.name.is_some() {
                &[registry::Walk::Messages, registry::Walk::NamedClients]
            } else {
                &[registry::Walk::Messages]
            };
            for walk in walks {
                let statement = registry::page_statement(filter, cursor, page(), *walk);
                // `SCAN p`: the page's picked ids (at most LIMIT rows).
                let allowed: &[&str] = match walk {
                    // Newest first through the time index alone, stopping at LIMIT: the
                    // intended walk of the unfiltered registry.
                    registry::Walk::Messages if filter == &all => {
                        &["SCAN p", "SCAN m USING COVERING INDEX messages_by_time"]
                    }
                    // A common name: newest first, the client's name checked per row.
                    registry::Walk::Messages if filter.name.is_some() => {
                        &["SCAN p", "SCAN m USING INDEX messages_by_time"]
                    }
                    registry::Walk::Messages => &["SCAN p"],
                    // A rare name: its clients in one pass over `client_message_counts`,
                    // their few messages sorted.
                    registry::Walk::NamedClients => &["SCAN p", "SCAN s", "TEMP B-TREE"],
                    // The partial index holds the unanswered conversations only, in order.
                    registry::Walk::Unanswered => &[
                        "SCAN p",
                        "SCAN d USING COVERING INDEX dialogues_unanswered_by_time",
                        "SCAN d USING INDEX dialogues_unanswered_by_time",
                    ],
                };
                let steps = check(&format!("{what} page {walk:?}"), &statement, allowed);
                assert!(
                    steps.iter().any(|s| s.contains("messages_by_")
                        || s.contains("dialogues_unanswered_by_time")
                        || s.contains("INTEGER PRIMARY KEY")),
                    "{what}: {steps:?}"
                );
            }
        }
        // The total, as the repository reads it.
        let statements = match registry::total_kind(filter) {
            registry::Total::Tallies => vec![registry::tallies_statement(filter, None, None)],
            registry::Total::Client => vec![registry::client_total_statement(1)],
            registry::Total::Named => vec![registry::named_total_statement("ов".into())],
            registry::Total::Rows(walk) => vec![registry::count_statement(filter, walk)],
        };
        for statement in statements {
            let allowed: &[&str] = if statement.sql.contains("message_tallies") {
                // The tallies: a few dozen rows a day.
                &["SCAN t"]
            } else if filter.name.is_some() {
                // The clients with a conversation, one pass.
                &["SCAN k"]
            } else if filter.unanswered {
                // The partial index: the unanswered conversations only.
                &["SCAN d USING COVERING INDEX dialogues_unanswered"]
            } else {
                &[]
            };
            check(&format!("{what} total"), &statement, allowed);
        }
    }
    // The partial days at the ends of a period are counted on a time range of an index.
    let edge = registry::count_statement(&filters[1].1, registry::Walk::Messages);
    let steps = check("date edge", &edge, &[]);
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("SEARCH m") && s.contains("created_at>")),
        "{steps:?}"
    );
}

#[test]
fn totals_match_the_rows_under_every_filter() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Анна Петрова", Some(1));
    let ivan = client(&db, "Иван Кузнецов", Some(2));
    let lev = client(&db, "Лев Ким", Some(3));
    const DAY: i64 = 86_400_000;
    let base = 20_000 * DAY;
    // Messages over five days at different hours; every third reply fails.
    for i in 0..60_i64 {
        let who = [ann, ivan, lev][usize::try_from(i % 3).unwrap()];
        let when = at(base + (i % 5) * DAY + (i * 7_919) % DAY);
        if i % 2 == 0 {
            repo.insert_inbound(&inbound(who, "hi"), when).unwrap();
        } else {
            let (m, d) = outbound(who, "hello", MessageSource::AdminReply);
            let sent = repo.insert_outbound(&m, &d, when).unwrap();
            if i % 3 == 0 {
                // The delivery fails: the trigger moves the message (and its tally).
                exec(
                    &db,
                    &format!(
                        "UPDATE deliveries SET status = 'failed', reason = 'blocked' \
                         WHERE id = {}",
                        sent.delivery_id.unwrap()
                    ),
                );
            }
        }
    }
    let all = MessageFilter::default();
    let mut filters = vec![all.clone()];
    for (from, to) in [
        (None, Some(base + 2 * DAY)),
        (Some(base + DAY + 5), None),
        (Some(base + 3_600_000), Some(base + 4 * DAY - 1)),
        (Some(base + DAY), Some(base + 3 * DAY)),
        (Some(base + DAY - 1), Some(base + DAY + 1)),
        (Some(base + 2 * DAY + 7), Some(base + 3 * DAY + 9)),
    ] {
        for status in [
            None,
            Some(MessageStatus::Failed),
            Some(MessageStatus::Received),
        ] {
            filters.push(MessageFilter {
                from: from.map(at),
                to: to.map(at),
                status,
                ..all.clone()
            });
        }
    }
    for name in ["ов", "анна", "ким", "nobody"] {
        filters.push(MessageFilter {
            name: Some(name.into()),
            ..all.clone()
        });
        filters.push(MessageFilter {
            name: Some(name.into()),
            direction: Some(Direction::Outbound),
            ..all.clone()
        });
    }
    filters.push(MessageFilter {
        channel: Some(Channel::Telegram),
        direction: Some(Direction::Inbound),
        ..all.clone()
    });
    filters.push(MessageFilter {
        client_id: Some(ivan),
        ..all.clone()
    });
    filters.push(MessageFilter {
        client_id: Some(ivan),
        status: Some(MessageStatus::Queued),
        ..all.clone()
    });
    filters.push(MessageFilter {
        unanswered: true,
        ..all.clone()
    });
    filters.push(MessageFilter {
        unanswered: true,
        name: Some("ов".into()),
        ..all.clone()
    });
    let everything = repo
        .list(&all, PageRequest::new(Some(500), None).unwrap())
        .unwrap()
        .items;
    for filter in filters {
        let found = repo
            .list(&filter, PageRequest::new(Some(500), None).unwrap())
            .unwrap();
        let expected: Vec<MessageId> = everything
            .iter()
            .filter(|m| {
                filter.from.is_none_or(|f| m.created_at >= f)
                    && filter.to.is_none_or(|t| m.created_at < t)
                    && filter.status.is_none_or(|s| m.status == s)
                    && filter.channel.is_none_or(|c| m.channel == c)
                    && filter.direction.is_none_or(|d| m.direction == d)
                    && filter.client_id.is_none_or(|c| m.client_id == c)
                    && filter
                        .name
                        .as_ref()
                        .is_none_or(|n| m.client_name.to_lowercase().contains(n.as_str()))
            })
            .map(|m| m.id)
            .collect();
        let ids: Vec<MessageId> = found.items.iter().map(|m| m.id).collect();
        if !filter.unanswered {
            assert_eq!(ids, expected, "{filter:?}");
        }
        assert_eq!(found.total, u64::try_from(ids.len()).unwrap(), "{filter:?}");
    }
}

#[test]
fn the_before_cursor_pages_on_from_a_message() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Анна Петрова", Some(1));
    let ivan = client(&db, "Иван Кузнецов", Some(2));
    // Two messages share each instant: the id breaks the tie.
    for i in 0..20_i64 {
        let who = if i % 2 == 0 { ann } else { ivan };
        repo.insert_inbound(&inbound(who, "hi"), at(1_000 + (i / 2) * 1_000))
            .unwrap();
    }
    let all = MessageFilter::default();
    for filter in [
        all.clone(),
        MessageFilter {
            name: Some("анна".into()),
            ..all.clone()
        },
        MessageFilter {
            client_id: Some(ivan),
            ..all.clone()
        },
        MessageFilter {
            unanswered: true,
            ..all.clone()
        },
    ] {
        let whole: Vec<MessageId> = repo
            .list(&filter, page())
            .unwrap()
            .items
            .into_iter()
            .map(|m| m.id)
            .collect();
        let mut walked = Vec::new();
        let mut before = None;
        loop {
            let found = repo
                .list(
                    &MessageFilter {
                        before,
                        ..filter.clone()
                    },
                    PageRequest::new(Some(3), None).unwrap(),
                )
                .unwrap();
            assert_eq!(found.total, u64::try_from(whole.len()).unwrap());
            walked.extend(found.items.iter().map(|m| m.id));
            match found.items.last() {
                Some(last) if found.items.len() == 3 => before = Some(last.id),
                _ => break,
            }
        }
        assert_eq!(walked, whole, "{filter:?}");
    }
    let missing = repo.list(
        &MessageFilter {
            before: Some(MessageId(999)),
            ..all.clone()
        },
        page(),
    );
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
}

#[test]
fn a_name_reads_the_same_by_either_walk() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Анна Петрова", Some(1));
    let ivan = client(&db, "Иван Кузнецов", Some(2));
    for i in 0..12_i64 {
        let who = if i % 3 == 0 { ann } else { ivan };
        repo.insert_inbound(&inbound(who, "hi"), at(1_000 + (i % 4) * 1_000))
            .unwrap();
    }
    let mut conn = db.conn().unwrap();
    for name in ["ов", "анна", "кузн"] {
        let filter = MessageFilter {
            name: Some(name.into()),
            ..MessageFilter::default()
        };
        let read = |conn: &mut SqliteConnection, walk| -> Vec<i64> {
            let mut rows = registry::page_statement(&filter, None, page(), walk)
                .query()
                .load::<MessageRow>(conn)
                .unwrap();
            rows.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
            rows.into_iter().map(|r| r.id).collect()
        };
        let by_time = read(&mut conn, registry::Walk::Messages);
        assert!(!by_time.is_empty());
        assert_eq!(
            by_time,
            read(&mut conn, registry::Walk::NamedClients),
            "{name}"
        );
    }
    // A common name is walked newest first, a rare one read client by client.
    assert!(registry::walk_by_time(650_000, 1_000_000, 50));
    assert!(!registry::walk_by_time(1_000, 1_000_000, 50));
}

#[test]
fn a_group_send_key_is_taken_once_and_finds_the_finished_outcome() {
    use crm_comms::dialogues::ports::GroupSendCounts;
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db);
    let send = NewGroupSend {
        channel: Channel::Telegram,
        purpose: "transactional".into(),
        text: "hi".into(),
        created_by: "staff:1".into(),
        idempotency_key: Some("k1".into()),
        fingerprint: "f1".into(),
    };
    let id = repo.create_group_send(&send, at(1_000)).unwrap().unwrap();
    assert_eq!(repo.create_group_send(&send, at(1_001)).unwrap(), None);
    let running = repo.find_group_send("k1").unwrap().unwrap();
    assert_eq!((running.fingerprint.as_str(), running.report), ("f1", None));
    let counts = GroupSendCounts {
        requested: 3,
        queued: 1,
        skipped_no_consent: 1,
        skipped_no_contact: 0,
        skipped_capped: 0,
        skipped_too_long: 1,
    };
    repo.finish_group_send(id, &counts, at(1_100)).unwrap();
    let done = repo.find_group_send("k1").unwrap().unwrap().report.unwrap();
    assert_eq!(
        (
            done.group_send_id,
            done.requested,
            done.queued,
            done.skipped_too_long
        ),
        (id, 3, 1, 1)
    );
    assert_eq!(repo.find_group_send("k2").unwrap(), None);
    let unkeyed = NewGroupSend {
        idempotency_key: None,
        ..send
    };
    assert!(repo
        .create_group_send(&unkeyed, at(1_200))
        .unwrap()
        .is_some());
    assert!(repo
        .create_group_send(&unkeyed, at(1_300))
        .unwrap()
        .is_some());
}

#[test]
fn a_renamed_client_is_found_by_the_new_name() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Анна Петрова", Some(1));
    let sent = repo.insert_inbound(&inbound(ann, "hi"), at(1_000)).unwrap();
    exec(
        &db,
        &format!(
            "UPDATE clients SET full_name = 'Анна Соколова', search_name = 'анна соколова' \
             WHERE id = {}",
            ann.get()
        ),
    );
    let named = |name: &str| {
        repo.list(
            &MessageFilter {
                name: Some(name.into()),
                ..MessageFilter::default()
            },
            page(),
        )
        .unwrap()
    };
    let found = named("сокол");
    assert_eq!((found.total, found.items[0].id), (1, sent.id));
    assert_eq!(named("петров").total, 0);
}

#[test]
fn a_group_batch_queued_twice_stores_its_messages_once_and_counts_them() {
    let (_dir, db) = fresh_db();
    let repo = SqliteDialogueRepository::new(db.clone());
    let ann = client(&db, "Ann", Some(1));
    let bob = client(&db, "Bob", Some(2));
    let new_send = |key: &str| NewGroupSend {
        channel: Channel::Telegram,
        purpose: "transactional".into(),
        text: "hi".into(),
        created_by: "staff:1".into(),
        idempotency_key: Some(key.into()),
        fingerprint: "f".into(),
    };
    let send_id = repo
        .create_group_send(&new_send("k1"), at(1_000))
        .unwrap()
        .unwrap();
    let other_id = repo
        .create_group_send(&new_send("k2"), at(1_000))
        .unwrap()
        .unwrap();
    let pair = |send: i64, who: ClientId| {
        let (mut m, mut d) = outbound(who, "hi", MessageSource::GroupSend);
        m.group_send_id = Some(send);
        d.dedupe_key = format!("dialogue:group:{send}:client:{}", who.get());
        (m, d)
    };
    let stored = repo.find_group_send("k1").unwrap().unwrap();
    assert_eq!(
        (stored.id, stored.created_at, stored.report),
        (send_id, at(1_000), None)
    );
    assert_eq!(repo.count_group_messages(send_id).unwrap(), 0);

    // The interrupted run queued Ann; the resumed run queues the whole batch again.
    assert_eq!(
        repo.queue_group_batch(send_id, &[pair(send_id, ann)], at(1_100))
            .unwrap(),
        1
    );
    let batch = [pair(send_id, ann), pair(send_id, bob)];
    assert_eq!(
        repo.queue_group_batch(send_id, &batch, at(200_000))
            .unwrap(),
        1
    );
    assert_eq!(
        repo.queue_group_batch(send_id, &batch, at(200_001))
            .unwrap(),
        0
    );
    repo.queue_group_batch(other_id, &[pair(other_id, ann)], at(1_200))
        .unwrap();
    assert_eq!(repo.count_group_messages(send_id).unwrap(), 2);
    assert_eq!(repo.count_group_messages(other_id).unwrap(), 1);
    assert_eq!(repo.count_group_messages(other_id + 1).unwrap(), 0);
    let conv = repo
        .list(
            &MessageFilter {
                client_id: Some(ann),
                ..MessageFilter::default()
            },
            page(),
        )
        .unwrap();
    assert_eq!(
        conv.items
            .iter()
            .filter(|m| m.group_send_id == Some(send_id))
            .count(),
        1,
        "Ann has one message of the send"
    );
    let mut conn = db.conn().unwrap();
    let deliveries: i64 = deliveries::table
        .filter(deliveries::dedupe_key.like(format!("dialogue:group:{send_id}:client:%")))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(deliveries, 2);
    // The count reads the group send's index, not the table.
    let steps = plan(
        &mut conn,
        "SELECT COUNT(*) FROM messages WHERE messages.group_send_id = ?1",
    );
    assert!(
        steps.iter().any(|s| s.contains("messages_by_group_send")) && full_reads(&steps).is_empty(),
        "{steps:?}"
    );
}
