//! The client repository against a real migrated SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::SqliteClientRepository;
use crate::testing::{at, exec, fresh_db};
use crm_clients::model::parse_date;
use crm_clients::{
    Client, ClientProfile, ClientQuery, ClientRepository, ClientSearch, ClientSort,
    ClientSortField, ClientUpdatePlan, ConsentChanges, ConsentKind, ConsentSet, ConsentState,
    ContactHandles, Email, Gender, NewClientRecord, Tag, TelegramId,
};
use crm_core::{
    Actor, ClientId, EmployeeId, LevelId, Money, PageRequest, Phone, Points, RepoError,
    TrafficChannelId,
};
use std::sync::{Arc, Barrier};

const T0: i64 = 1_790_000_000_123;
const DAY: i64 = 86_400_000;

fn profile(name: &str) -> ClientProfile {
    ClientProfile {
        full_name: name.to_owned(),
        phone: None,
        telegram_id: None,
        telegram_username: None,
        email: None,
        birthday: None,
        gender: None,
        handles: ContactHandles::default(),
        tags: Vec::new(),
        referrer_id: None,
        traffic_channel_id: None,
        notes: None,
    }
}

fn phone(text: &str) -> Option<Phone> {
    Some(Phone::parse(text).unwrap())
}

fn telegram(id: i64) -> Option<TelegramId> {
    Some(TelegramId::new(id).unwrap())
}

fn tags(names: &[&str]) -> Vec<Tag> {
    names.iter().map(|t| Tag::parse(t).unwrap()).collect()
}

/// A registration at `millis` with the given consent answers, as the domain would plan it.
fn record(profile: ClientProfile, changes: ConsentChanges, millis: i64) -> NewClientRecord {
    let mut consents = ConsentSet::default();
    let consent_events = consents.apply(&changes, at(millis));
    NewClientRecord {
        profile,
        consents,
        consent_events,
        actor: Actor::Employee(EmployeeId(3)),
        source: "admin".to_owned(),
        at: at(millis),
    }
}

fn plain(name: &str) -> NewClientRecord {
    record(profile(name), ConsentChanges::default(), T0)
}

fn repo() -> (tempfile::TempDir, crate::Database, SqliteClientRepository) {
    let (dir, db) = fresh_db();
    let repo = SqliteClientRepository::new(db.clone());
    (dir, db, repo)
}

fn add_channel(db: &crate::Database, code: &str, archived: bool) -> TrafficChannelId {
    let archived_at = if archived { "1" } else { "NULL" };
    exec(
        db,
        &format!(
            "INSERT INTO traffic_channels (name, code, archived_at, created_at, updated_at) \
             VALUES ('Channel {code}', '{code}', {archived_at}, 0, 0)"
        ),
    );
    TrafficChannelId(last_id(db, "traffic_channels"))
}

fn add_level(db: &crate::Database, name: &str) -> LevelId {
    exec(
        db,
        &format!(
            "INSERT INTO loyalty_levels (name, created_at, updated_at) VALUES ('{name}', 0, 0)"
        ),
    );
    LevelId(last_id(db, "loyalty_levels"))
}

#[derive(diesel::QueryableByName)]
struct Value {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

fn scalar(db: &crate::Database, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    let mut conn = db.conn().unwrap();
    diesel::sql_query(sql)
        .get_result::<Value>(&mut conn)
        .unwrap()
        .value
}

fn last_id(db: &crate::Database, table: &str) -> i64 {
    scalar(db, &format!("SELECT max(id) AS value FROM {table}"))
}

fn ids(clients: &[Client]) -> Vec<i64> {
    clients.iter().map(|c| c.id.get()).collect()
}

#[test]
fn insert_and_get_round_trip_every_field() {
    let (_dir, db, repo) = repo();
    let referrer = repo.insert(&plain("Referrer")).unwrap();
    let channel = add_channel(&db, "spring", false);
    let full = ClientProfile {
        full_name: "Анна Петрова".to_owned(),
        phone: phone("+7 916 123-45-67"),
        telegram_id: telegram(279_058_397),
        telegram_username: Some("anna_p".to_owned()),
        email: Some(Email::parse("Anna@Example.com").unwrap()),
        birthday: Some(parse_date("birthday", "1990-02-28").unwrap()),
        gender: Some(Gender::Female),
        handles: ContactHandles {
            vk: Some("id123".to_owned()),
            instagram: Some("anna.insta".to_owned()),
            facebook: Some("anna.fb".to_owned()),
            max: Some("anna-max".to_owned()),
        },
        // Stored as a set and read back sorted.
        tags: tags(&["vip", "regular"]),
        referrer_id: Some(referrer.id),
        traffic_channel_id: Some(channel),
        notes: Some("likes tea\nand cake".to_owned()),
    };
    let changes = ConsentChanges {
        personal_data: Some(true),
        marketing: Some(false),
        sms: Some(true),
        ..Default::default()
    };
    let inserted = repo.insert(&record(full.clone(), changes, T0 + 5)).unwrap();

    let expected_profile = ClientProfile {
        tags: tags(&["regular", "vip"]),
        ..full
    };
    assert_eq!(inserted.profile, expected_profile);
    assert_eq!(inserted.version, 0);
    assert_eq!(inserted.created_at, at(T0 + 5));
    assert_eq!(inserted.updated_at, at(T0 + 5));
    let given = |ms| ConsentState {
        given: true,
        changed_at: Some(at(ms)),
    };
    assert_eq!(
        inserted.consents,
        ConsentSet {
            personal_data: given(T0 + 5),
            marketing: ConsentState {
                given: false,
                changed_at: Some(at(T0 + 5))
            },
            sms: given(T0 + 5),
            app_push: ConsentState::default(),
            email: ConsentState::default(),
        }
    );
    assert_eq!(inserted.loyalty, Default::default());
    assert_eq!(
        inserted.profile.phone.as_ref().unwrap().as_str(),
        "+79161234567"
    );

    let fetched = repo.get(inserted.id).unwrap().unwrap();
    assert_eq!(fetched, inserted);
    assert_eq!(
        repo.find_by_telegram_id(279_058_397).unwrap(),
        Some(inserted.clone())
    );
    assert_eq!(repo.find_by_telegram_id(1).unwrap(), None);
    assert_eq!(repo.get(ClientId(9_999)).unwrap(), None);

    // The storage forms: lower-cased search name, ISO birthday, gender code, E.164 phone.
    let mut conn = db.conn().unwrap();
    use diesel::RunQueryDsl;
    let mut stored = |column: &str| {
        diesel::sql_query(format!(
            "SELECT {column} AS value FROM clients WHERE id = {}",
            inserted.id
        ))
        .get_result::<Text>(&mut conn)
        .unwrap()
        .value
    };
    assert_eq!(stored("search_name"), "анна петрова");
    assert_eq!(stored("birthday"), "1990-02-28");
    assert_eq!(stored("gender"), "female");
    assert_eq!(stored("phone"), "+79161234567");
    assert_eq!(stored("email"), "Anna@example.com");
}

#[test]
fn loyalty_figures_are_read_and_never_written_by_card_changes() {
    let (_dir, db, repo) = repo();
    let level = add_level(&db, "Gold");
    let client = repo.insert(&plain("Вера")).unwrap();
    exec(
        &db,
        &format!(
            "UPDATE clients SET level_id = {level}, points_balance = 12345, total_spent = 1999900, \
             purchase_count = 7, first_purchase_at = {first}, last_purchase_at = {last} \
             WHERE id = {id}",
            level = level.get(),
            first = T0 - 30 * DAY,
            last = T0 - DAY,
            id = client.id
        ),
    );
    let read = repo.get(client.id).unwrap().unwrap();
    assert_eq!(read.loyalty.level_id, Some(level));
    assert_eq!(read.loyalty.points_balance, Points::from_minor(12_345));
    assert_eq!(read.loyalty.total_spent, Money::from_minor(1_999_900));
    assert_eq!(read.loyalty.purchase_count, 7);
    assert_eq!(read.loyalty.first_purchase_at, Some(at(T0 - 30 * DAY)));
    assert_eq!(read.loyalty.last_purchase_at, Some(at(T0 - DAY)));

    let updated = repo
        .update(&ClientUpdatePlan {
            id: client.id,
            expected_version: 0,
            profile: profile("Вера Новая"),
            consents: read.consents,
            consent_events: Vec::new(),
            actor: Actor::System,
            source: "admin".to_owned(),
            at: at(T0 + 1),
        })
        .unwrap()
        .unwrap();
    assert_eq!(updated.loyalty, read.loyalty);
}

#[test]
fn consent_events_are_audited_and_history_is_newest_first() {
    let (_dir, _db, repo) = repo();
    let changes = ConsentChanges {
        personal_data: Some(true),
        marketing: Some(true),
        ..Default::default()
    };
    let client = repo.insert(&record(profile("Олег"), changes, T0)).unwrap();
    let history = repo.consent_history(client.id, 50).unwrap();
    assert_eq!(history.len(), 2);
    assert!(history
        .iter()
        .all(|e| e.actor == Actor::Employee(EmployeeId(3))
            && e.source == "admin"
            && e.at == at(T0)
            && e.given));
    // Inserted in ConsentKind::ALL order, so newest first is the reverse.
    assert_eq!(
        history.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![ConsentKind::Marketing, ConsentKind::PersonalData]
    );

    let mut consents = client.consents;
    let withdrawn = consents.apply(
        &ConsentChanges {
            marketing: Some(false),
            ..Default::default()
        },
        at(T0 + DAY),
    );
    repo.update(&ClientUpdatePlan {
        id: client.id,
        expected_version: client.version,
        profile: client.profile.clone(),
        consents,
        consent_events: withdrawn,
        actor: Actor::Client(client.id),
        source: "mini_app".to_owned(),
        at: at(T0 + DAY),
    })
    .unwrap()
    .unwrap();

    let history = repo.consent_history(client.id, 50).unwrap();
    assert_eq!(history.len(), 3);
    let newest = &history[0];
    assert_eq!(newest.kind, ConsentKind::Marketing);
    assert!(!newest.given);
    assert_eq!(newest.actor, Actor::Client(client.id));
    assert_eq!(newest.source, "mini_app");
    assert_eq!(newest.at, at(T0 + DAY));
    assert_eq!(
        repo.consent_history(client.id, 1).unwrap(),
        vec![newest.clone()]
    );
    let stored = repo.get(client.id).unwrap().unwrap();
    assert_eq!(
        stored.consents.marketing,
        ConsentState {
            given: false,
            changed_at: Some(at(T0 + DAY))
        }
    );
    assert!(repo
        .consent_history(ClientId(9_999), 50)
        .unwrap()
        .is_empty());
}

#[test]
fn unique_clashes_name_the_field_and_leave_nothing_behind() {
    let (_dir, db, repo) = repo();
    let mut first = profile("Первый");
    first.phone = phone("+79161234567");
    first.telegram_id = telegram(42);
    let first = repo
        .insert(&record(first, ConsentChanges::default(), T0))
        .unwrap();

    let mut same_phone = profile("Второй");
    same_phone.phone = phone("8 916 123 45 67");
    same_phone.tags = tags(&["vip"]);
    let with_consent = ConsentChanges {
        personal_data: Some(true),
        ..Default::default()
    };
    match repo.insert(&record(same_phone, with_consent, T0)) {
        Err(RepoError::Conflict { field, .. }) => assert_eq!(field.as_deref(), Some("phone")),
        other => panic!("expected a phone conflict, got {other:?}"),
    }

    let mut same_telegram = profile("Третий");
    same_telegram.telegram_id = telegram(42);
    match repo.insert(&record(same_telegram, ConsentChanges::default(), T0)) {
        Err(RepoError::Conflict { field, .. }) => {
            assert_eq!(field.as_deref(), Some("telegram_id"));
        }
        other => panic!("expected a telegram_id conflict, got {other:?}"),
    }

    // The failed transactions rolled back their tags and consent events too.
    assert_eq!(scalar(&db, "SELECT count(*) AS value FROM clients"), 1);
    assert_eq!(scalar(&db, "SELECT count(*) AS value FROM client_tags"), 0);
    assert_eq!(
        scalar(&db, "SELECT count(*) AS value FROM client_consent_events"),
        0
    );

    // An update onto a taken phone clashes the same way.
    let other = repo.insert(&plain("Четвёртый")).unwrap();
    let mut taken = other.profile.clone();
    taken.phone = first.profile.phone.clone();
    let clash = repo.update(&ClientUpdatePlan {
        id: other.id,
        expected_version: other.version,
        profile: taken,
        consents: other.consents,
        consent_events: Vec::new(),
        actor: Actor::System,
        source: "admin".to_owned(),
        at: at(T0 + 1),
    });
    assert!(
        matches!(&clash, Err(RepoError::Conflict { field: Some(f), .. }) if f == "phone"),
        "{clash:?}"
    );
    assert_eq!(repo.get(other.id).unwrap().unwrap().version, 0);
}

#[test]
fn a_missing_referrer_is_a_foreign_key_conflict() {
    let (_dir, _db, repo) = repo();
    let mut orphan = profile("Сирота");
    orphan.referrer_id = Some(ClientId(777));
    let result = repo.insert(&record(orphan, ConsentChanges::default(), T0));
    assert!(
        matches!(result, Err(RepoError::Conflict { field: None, .. })),
        "{result:?}"
    );
}

#[test]
fn updates_are_guarded_by_the_version() {
    let (_dir, db, repo) = repo();
    let mut card = profile("Мария");
    card.phone = phone("+79160000001");
    card.notes = Some("old".to_owned());
    card.tags = tags(&["vip", "regular"]);
    let client = repo
        .insert(&record(card, ConsentChanges::default(), T0))
        .unwrap();

    let mut changed = client.profile.clone();
    changed.full_name = "Мария Иванова".to_owned();
    changed.phone = None;
    changed.notes = None;
    changed.gender = Some(Gender::Female);
    changed.tags = tags(&["new", "vip"]);
    let plan = |expected_version| ClientUpdatePlan {
        id: client.id,
        expected_version,
        profile: changed.clone(),
        consents: client.consents,
        consent_events: Vec::new(),
        actor: Actor::Employee(EmployeeId(1)),
        source: "admin".to_owned(),
        at: at(T0 + DAY),
    };

    assert_eq!(repo.update(&plan(5)).unwrap(), None);
    let untouched = repo.get(client.id).unwrap().unwrap();
    assert_eq!(untouched, client, "a stale update changes nothing");

    let updated = repo.update(&plan(0)).unwrap().unwrap();
    assert_eq!(updated.version, 1);
    assert_eq!(updated.profile, changed);
    assert_eq!(updated.profile.tags, tags(&["new", "vip"]));
    assert_eq!(updated.profile.phone, None);
    assert_eq!(updated.profile.notes, None);
    assert_eq!(updated.created_at, at(T0));
    assert_eq!(updated.updated_at, at(T0 + DAY));
    assert_eq!(repo.get(client.id).unwrap().unwrap(), updated);
    assert_eq!(
        scalar(
            &db,
            &format!(
                "SELECT count(*) AS value FROM client_tags WHERE client_id = {}",
                client.id
            )
        ),
        2
    );

    // The same plan again is now stale.
    assert_eq!(repo.update(&plan(0)).unwrap(), None);
    // A client that does not exist is reported the same way.
    let mut ghost = plan(0);
    ghost.id = ClientId(9_999);
    assert_eq!(repo.update(&ghost).unwrap(), None);
}

/// Four clients with distinct traits for the filter tests.
struct Base {
    anna: Client,
    boris: Client,
    anna_s: Client,
    john: Client,
    gold: LevelId,
    channel: TrafficChannelId,
}

fn base(db: &crate::Database, repo: &SqliteClientRepository) -> Base {
    let gold = add_level(db, "Gold");
    let silver = add_level(db, "Silver");
    let channel = add_channel(db, "promo", false);

    let mut anna = profile("Анна Петрова");
    anna.phone = phone("+79161234567");
    anna.telegram_id = telegram(1001);
    anna.tags = tags(&["vip"]);
    anna.traffic_channel_id = Some(channel);
    let anna = repo
        .insert(&record(
            anna,
            ConsentChanges {
                personal_data: Some(true),
                marketing: Some(true),
                ..Default::default()
            },
            T0,
        ))
        .unwrap();

    let mut boris = profile("Борис Иванов");
    boris.phone = phone("+79031112233");
    boris.telegram_id = telegram(2002);
    boris.tags = tags(&["regular"]);
    let boris = repo
        .insert(&record(boris, ConsentChanges::default(), T0))
        .unwrap();

    let mut anna_s = profile("анна Сидорова");
    anna_s.tags = tags(&["vip", "regular"]);
    let anna_s = repo
        .insert(&record(
            anna_s,
            ConsentChanges {
                email: Some(true),
                ..Default::default()
            },
            T0,
        ))
        .unwrap();

    let john = repo.insert(&plain("John 50%_off")).unwrap();

    for (client, level, last, spent) in [
        (&anna, gold, Some(T0 - 10 * DAY), 5_000),
        (&boris, silver, Some(T0 - 200 * DAY), 9_000),
    ] {
        exec(
            db,
            &format!(
                "UPDATE clients SET level_id = {}, last_purchase_at = {}, total_spent = {spent}, \
                 purchase_count = 1 WHERE id = {}",
                level.get(),
                last.map_or("NULL".to_owned(), |t| t.to_string()),
                client.id
            ),
        );
    }
    Base {
        anna,
        boris,
        anna_s,
        john,
        gold,
        channel,
    }
}

fn list_ids(repo: &SqliteClientRepository, query: ClientQuery) -> Vec<i64> {
    let page = repo.list(&query, PageRequest::default()).unwrap();
    assert_eq!(page.total, page.items.len() as u64);
    ids(&page.items)
}

fn search(text: &str) -> ClientQuery {
    ClientQuery {
        search: ClientSearch::parse(text),
        sort: ClientSort {
            field: ClientSortField::CreatedAt,
            descending: false,
        },
        ..Default::default()
    }
}

#[test]
fn search_finds_names_in_any_case_phones_and_telegram_ids() {
    let (_dir, db, repo) = repo();
    let b = base(&db, &repo);
    let [anna, boris, anna_s, john] = [&b.anna, &b.boris, &b.anna_s, &b.john].map(|c| c.id.get());

    assert_eq!(list_ids(&repo, search("анна")), vec![anna, anna_s]);
    assert_eq!(list_ids(&repo, search("АННА")), vec![anna, anna_s]);
    assert_eq!(list_ids(&repo, search("ПЕТР")), vec![anna]);
    assert_eq!(list_ids(&repo, search("иванов")), vec![boris]);
    assert_eq!(list_ids(&repo, search("john")), vec![john]);
    // Phone digits, also in the domestic 8-prefixed spelling.
    assert_eq!(list_ids(&repo, search("916123")), vec![anna]);
    assert_eq!(list_ids(&repo, search("8 916 123-45-67")), vec![anna]);
    assert_eq!(list_ids(&repo, search("+7 903")), vec![boris]);
    // An exact Telegram id.
    assert_eq!(list_ids(&repo, search("2002")), vec![boris]);
    assert_eq!(list_ids(&repo, search("1001")), vec![anna]);
    assert!(
        list_ids(&repo, search("100")).is_empty(),
        "telegram ids match exactly"
    );
    // LIKE wildcards in the text are literal characters.
    assert_eq!(list_ids(&repo, search("%")), vec![john]);
    assert_eq!(list_ids(&repo, search("_")), vec![john]);
    assert_eq!(list_ids(&repo, search("50%_")), vec![john]);
    assert!(list_ids(&repo, search("\\")).is_empty());
    assert!(list_ids(&repo, search("нет такого")).is_empty());
}

#[test]
fn each_filter_narrows_the_list() {
    let (_dir, db, repo) = repo();
    let b = base(&db, &repo);
    let [anna, boris, anna_s, john] = [&b.anna, &b.boris, &b.anna_s, &b.john].map(|c| c.id.get());
    let ascending = ClientSort {
        field: ClientSortField::CreatedAt,
        descending: false,
    };
    let q = |query: ClientQuery| {
        list_ids(
            &repo,
            ClientQuery {
                sort: ascending,
                ..query
            },
        )
    };

    assert_eq!(q(ClientQuery::default()), vec![anna, boris, anna_s, john]);
    assert_eq!(
        q(ClientQuery {
            level_id: Some(b.gold),
            ..Default::default()
        }),
        vec![anna]
    );
    assert_eq!(
        q(ClientQuery {
            tag: Some(Tag::parse("vip").unwrap()),
            ..Default::default()
        }),
        vec![anna, anna_s]
    );
    assert_eq!(
        q(ClientQuery {
            tag: Some(Tag::parse("regular").unwrap()),
            ..Default::default()
        }),
        vec![boris, anna_s]
    );
    assert_eq!(
        q(ClientQuery {
            traffic_channel_id: Some(b.channel),
            ..Default::default()
        }),
        vec![anna]
    );
    assert_eq!(
        q(ClientQuery {
            consent: Some(ConsentKind::Marketing),
            ..Default::default()
        }),
        vec![anna]
    );
    assert_eq!(
        q(ClientQuery {
            consent: Some(ConsentKind::Email),
            ..Default::default()
        }),
        vec![anna_s]
    );
    assert!(q(ClientQuery {
        consent: Some(ConsentKind::Sms),
        ..Default::default()
    })
    .is_empty());
    assert_eq!(
        q(ClientQuery {
            purchased_since: Some(at(T0 - 30 * DAY)),
            ..Default::default()
        }),
        vec![anna]
    );
    assert_eq!(
        q(ClientQuery {
            last_purchase_before: Some(at(T0 - 30 * DAY)),
            ..Default::default()
        }),
        vec![boris]
    );
    assert_eq!(
        q(ClientQuery {
            never_purchased: true,
            ..Default::default()
        }),
        vec![anna_s, john]
    );
    // Filters combine with AND, the search included.
    assert_eq!(
        q(ClientQuery {
            tag: Some(Tag::parse("vip").unwrap()),
            ..search("анна")
        }),
        vec![anna, anna_s]
    );
    assert_eq!(
        q(ClientQuery {
            never_purchased: true,
            ..search("анна")
        }),
        vec![anna_s]
    );
    // Listed clients carry their tags.
    let page = repo
        .list(
            &ClientQuery {
                sort: ascending,
                ..Default::default()
            },
            PageRequest::default(),
        )
        .unwrap();
    assert_eq!(page.items[2].profile.tags, tags(&["regular", "vip"]));
    assert_eq!(page.items[0].profile.tags, tags(&["vip"]));
    assert!(page.items[3].profile.tags.is_empty());
}

#[test]
fn sorts_break_ties_by_id_and_pages_do_not_overlap() {
    let (_dir, db, repo) = repo();
    let mut ids_in_order = Vec::new();
    for (name, spent) in [
        ("Вика", 300),
        ("алла", 100),
        ("Борис", 300),
        ("Яна", 100),
        ("Аня", 300),
    ] {
        let client = repo.insert(&plain(name)).unwrap();
        exec(
            &db,
            &format!(
                "UPDATE clients SET total_spent = {spent} WHERE id = {}",
                client.id
            ),
        );
        ids_in_order.push(client.id.get());
    }
    let [vika, alla, boris, yana, anya] = <[i64; 5]>::try_from(ids_in_order.clone()).unwrap();
    let sorted = |field, descending| {
        list_ids(
            &repo,
            ClientQuery {
                sort: ClientSort { field, descending },
                ..Default::default()
            },
        )
    };
    assert_eq!(
        sorted(ClientSortField::TotalSpent, false),
        vec![alla, yana, vika, boris, anya]
    );
    assert_eq!(
        sorted(ClientSortField::TotalSpent, true),
        vec![anya, boris, vika, yana, alla]
    );
    assert_eq!(sorted(ClientSortField::CreatedAt, false), ids_in_order);
    assert_eq!(
        sorted(ClientSortField::CreatedAt, true),
        ids_in_order.iter().rev().copied().collect::<Vec<_>>()
    );
    // By the lower-cased name, so «алла» sorts with «Аня», not after «Я».
    assert_eq!(
        sorted(ClientSortField::FullName, false),
        vec![alla, anya, boris, vika, yana]
    );
    assert_eq!(
        sorted(ClientSortField::FullName, true),
        vec![yana, vika, boris, anya, alla]
    );
    // Equal figures everywhere: the id decides, in the requested direction.
    assert_eq!(
        sorted(ClientSortField::PointsBalance, true),
        vec![anya, yana, boris, alla, vika]
    );
    assert_eq!(sorted(ClientSortField::PurchaseCount, false), ids_in_order);
    assert_eq!(sorted(ClientSortField::LastPurchaseAt, false), ids_in_order);

    let query = ClientQuery {
        sort: ClientSort {
            field: ClientSortField::TotalSpent,
            descending: true,
        },
        ..Default::default()
    };
    let mut paged = Vec::new();
    for offset in [0, 2, 4] {
        let page = repo
            .list(&query, PageRequest::new(Some(2), Some(offset)).unwrap())
            .unwrap();
        assert_eq!(page.total, 5);
        assert_eq!(page.limit, 2);
        assert_eq!(page.offset, offset);
        paged.extend(ids(&page.items));
    }
    assert_eq!(paged, vec![anya, boris, vika, yana, alla]);
    let beyond = repo
        .list(&query, PageRequest::new(Some(2), Some(10)).unwrap())
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 5);
}

#[test]
fn concurrent_first_sign_ins_create_exactly_one_client() {
    let (dir, db, _repo) = repo();
    let path = db.path().to_owned();
    drop(db);
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let path = path.clone();
            std::thread::spawn(move || {
                // Each thread has its own pool, like separate processes would.
                let db = crate::Database::open(path.to_str(), 1).unwrap();
                let repo = SqliteClientRepository::new(db);
                let mut card = profile(&format!("Mini App user {i}"));
                card.telegram_id = telegram(555_000);
                let rec = record(card, ConsentChanges::default(), T0);
                barrier.wait();
                repo.insert_or_get_by_telegram_id(&rec).unwrap()
            })
        })
        .collect();
    let results: Vec<(Client, bool)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    let first_id = results[0].0.id;
    assert!(results.iter().all(|(client, _)| client.id == first_id));

    let db = crate::Database::open(path.to_str(), 1).unwrap();
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) AS value FROM clients WHERE telegram_id = 555000"
        ),
        1
    );
    // A later sign-in finds the same client.
    let repo = SqliteClientRepository::new(db);
    let mut card = profile("again");
    card.telegram_id = telegram(555_000);
    let (again, created) = repo
        .insert_or_get_by_telegram_id(&record(card, ConsentChanges::default(), T0))
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, first_id);
    drop(dir);
}

#[test]
fn existence_checks_and_channel_codes() {
    let (_dir, db, repo) = repo();
    let client = repo.insert(&plain("Есть")).unwrap();
    assert!(repo.exists(client.id).unwrap());
    assert!(!repo.exists(ClientId(client.id.get() + 1)).unwrap());

    let live = add_channel(&db, "live", false);
    let archived = add_channel(&db, "old", true);
    assert_eq!(repo.traffic_channel_by_code("live").unwrap(), Some(live));
    assert_eq!(repo.traffic_channel_by_code("old").unwrap(), None);
    assert_eq!(repo.traffic_channel_by_code("nope").unwrap(), None);
    assert!(repo.traffic_channel_exists(live).unwrap());
    assert!(repo.traffic_channel_exists(archived).unwrap());
    assert!(!repo.traffic_channel_exists(TrafficChannelId(999)).unwrap());
}

#[test]
fn a_write_locked_database_reports_busy() {
    use diesel::connection::SimpleConnection;
    let (dir, db) = fresh_db();
    let path = db.path().to_owned();
    // One pooled connection whose busy timeout is cut short, so the test need not wait 5 s.
    let impatient = crate::Database::open(path.to_str(), 1).unwrap();
    impatient
        .conn()
        .unwrap()
        .batch_execute("PRAGMA busy_timeout = 50;")
        .unwrap();
    let repo = SqliteClientRepository::new(impatient);

    let mut holder = db.conn().unwrap();
    holder.batch_execute("BEGIN IMMEDIATE;").unwrap();
    assert_eq!(repo.insert(&plain("Ждущий")), Err(RepoError::Busy));
    holder.batch_execute("ROLLBACK;").unwrap();
    assert_eq!(
        repo.insert(&plain("Дождался")).unwrap().profile.full_name,
        "Дождался"
    );
    drop(dir);
}
