//! The dialogues registry's performance budget, measured: an ignored benchmark that builds
//! 100k clients with Russian names and a year of 1M messages (both directions, every channel,
//! every status; about 15% of the conversations unanswered) with `INSERT … SELECT` statements
//! in one transaction (the `messages_tally_*` triggers run for every row, as in production),
//! runs `ANALYZE` as the demo load does, then times the registry's page and total through the
//! real repository for each single filter, a deep page by the `before` cursor and a client's
//! conversation — the median of five runs each. It prints a table and fails if any median is
//! over the budget of 20 ms. Run it in release:
//! `cargo test -p crm-infra --release dialogues_budget -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::SqliteDialogueRepository;
use crate::testing::fresh_db;
use crm_comms::dialogues::{DialogueRepository, Direction, MessageFilter, MessageStatus};
use crm_core::{Channel, ClientId, MessageId, PageRequest, Timestamp};
use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use std::time::{Duration, Instant};

/// 2026-11-24T12:00:00Z, the benchmark's "now".
const NOW: i64 = 1_795_521_600_000;
const DAY: i64 = 86_400_000;
const CLIENTS: i64 = 100_000;
/// Clients with a conversation (the others never wrote).
const TALKING: i64 = 60_000;
const MESSAGES: i64 = 1_000_000;
/// The budget of every registry read (page and total), in milliseconds.
const BUDGET_MS: u64 = 20;

/// Surnames: 13 of 20 contain "ов", as in a real Russian client base.
const SURNAMES: [&str; 20] = [
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Волков",
    "Морозов",
    "Новиков",
    "Козлов",
    "Павлов",
    "Орлов",
    "Егоров",
    "Лебедев",
    "Ким",
    "Шевченко",
    "Бондаренко",
    "Мельник",
    "Ткачук",
    "Зайцев",
];

/// First names, "Алёна" and "Матрёна" among them.
const FIRST_NAMES: [&str; 16] = [
    "Алёна",
    "Матрёна",
    "Анна",
    "Мария",
    "Ольга",
    "Елена",
    "Пётр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Никита",
    "Ирина",
    "Татьяна",
    "Юлия",
    "Фёдор",
    "Артём",
];

fn values(names: &[&str]) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("({i}, '{n}', '{}')", n.to_lowercase().replace('ё', "е")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn build(db: &crate::db::Database) {
    let start = NOW - 365 * DAY;
    let step = 365 * DAY / MESSAGES;
    let n = |count: i64| {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})")
    };
    let mut conn = db.conn().unwrap();
    conn.batch_execute(&format!(
        "BEGIN; \
             CREATE TEMP TABLE surnames (k INTEGER PRIMARY KEY, name TEXT, search TEXT); \
             CREATE TEMP TABLE first_names (k INTEGER PRIMARY KEY, name TEXT, search TEXT); \
             INSERT INTO surnames VALUES {}; INSERT INTO first_names VALUES {}; \
             {} INSERT INTO clients (id, full_name, search_name, telegram_id, \
             consent_personal_data, created_at, updated_at) \
             SELECT i, CASE WHEN i % 1000 = 7 THEN 'Голенищев-Кутузов' ELSE s.name END \
             || ' ' || f.name, CASE WHEN i % 1000 = 7 THEN 'голенищев-кутузов' ELSE s.search \
             END || ' ' || f.search, 1000000 + i, 1, {start}, {start} FROM n \
             JOIN surnames s ON s.k = (i * 37) % 20 JOIN first_names f ON f.k = (i * 11) % 16; \
             {}, d(i, direction) AS (SELECT i, CASE WHEN (i * 7919) % 100 < \
             CASE WHEN i > {MESSAGES} - {TALKING} THEN 15 ELSE 50 END \
             THEN 'inbound' ELSE 'outbound' END FROM n) \
             INSERT INTO messages (id, client_id, direction, channel, text, source, status, \
             created_at, updated_at) \
             SELECT i, 1 + i % {TALKING}, d.direction, \
             CASE WHEN (i * 31) % 20 < 10 THEN 'telegram' WHEN (i * 31) % 20 < 13 THEN 'email' \
             WHEN (i * 31) % 20 < 15 THEN 'sms' WHEN (i * 31) % 20 < 17 THEN 'vk' \
             WHEN (i * 31) % 20 = 17 THEN 'max' WHEN (i * 31) % 20 = 18 THEN 'app_push' \
             ELSE 'instagram' END, 'Добрый день! Запишите меня, пожалуйста, на субботу.', \
             CASE d.direction WHEN 'inbound' THEN 'app' ELSE 'admin_reply' END, \
             CASE WHEN d.direction = 'inbound' THEN 'received' \
             WHEN (i * 13) % 20 < 12 THEN 'delivered' WHEN (i * 13) % 20 < 16 THEN 'sent' \
             WHEN (i * 13) % 20 < 18 THEN 'failed' WHEN (i * 13) % 20 = 18 THEN 'queued' \
             ELSE 'sending' END, {start} + i * {step}, {start} + i * {step} \
             FROM d; \
             INSERT INTO dialogues (client_id, last_message_id, last_direction, \
             last_message_at, last_inbound_message_id, last_inbound_at, unanswered) \
             SELECT m.client_id, m.id, m.direction, m.created_at, li.id, li.created_at, \
             m.direction = 'inbound' \
             FROM (SELECT client_id, MAX(id) AS id FROM messages GROUP BY client_id) l \
             JOIN messages m ON m.id = l.id \
             LEFT JOIN (SELECT client_id, MAX(id) AS id FROM messages \
             WHERE direction = 'inbound' GROUP BY client_id) lin ON lin.client_id = l.client_id \
             LEFT JOIN messages li ON li.id = lin.id; \
             COMMIT; ANALYZE;",
        values(&SURNAMES),
        values(&FIRST_NAMES),
        n(CLIENTS),
        n(MESSAGES),
    ))
    .unwrap();
}

/// The registry's statements before this budget (one `count(*)` and one page over `messages`
/// joined to `clients` with every filter in the WHERE, paged by offset), for the "before"
/// column.
fn former_statements(filter: &MessageFilter, offset: u64) -> [String; 2] {
    let mut conditions = String::new();
    if let Some(from) = filter.from {
        conditions.push_str(&format!(
            " AND messages.created_at >= {}",
            from.unix_millis()
        ));
    }
    if let Some(to) = filter.to {
        conditions.push_str(&format!(" AND messages.created_at < {}", to.unix_millis()));
    }
    if let Some(status) = filter.status {
        conditions.push_str(&format!(" AND messages.status = '{}'", status.code()));
    }
    if let Some(channel) = filter.channel {
        conditions.push_str(&format!(" AND messages.channel = '{}'", channel.code()));
    }
    if let Some(direction) = filter.direction {
        conditions.push_str(&format!(" AND messages.direction = '{}'", direction.code()));
    }
    if let Some(client) = filter.client_id {
        conditions.push_str(&format!(" AND messages.client_id = {}", client.get()));
    }
    if let Some(name) = &filter.name {
        conditions.push_str(&format!(
            " AND messages.client_id IN (SELECT c.id FROM clients c WHERE c.search_name \
             LIKE '%{name}%' ESCAPE '\\')"
        ));
    }
    if filter.unanswered {
        conditions.push_str(
            " AND messages.id IN (SELECT d.last_inbound_message_id FROM dialogues d \
             WHERE d.unanswered = 1)",
        );
    }
    [
        format!("SELECT COUNT(*) FROM messages WHERE 1 = 1{conditions}"),
        format!(
            "SELECT messages.*, clients.full_name FROM messages \
             INNER JOIN clients ON clients.id = messages.client_id WHERE 1 = 1{conditions} \
             ORDER BY messages.created_at DESC, messages.id DESC LIMIT 50 OFFSET {offset}"
        ),
    ]
}

/// Runs `f` five times and returns the median.
fn median(f: &dyn Fn()) -> Duration {
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    runs.sort();
    runs[2]
}

fn t(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis).unwrap()
}

#[test]
#[ignore = "builds 1M messages; run in release with --ignored --nocapture"]
fn dialogues_budget() {
    let (_dir, db) = fresh_db();
    let started = Instant::now();
    build(&db);
    println!("built in {:.1} s", started.elapsed().as_secs_f64());
    if let Some(path) = std::env::var_os("DIALOGUES_BUDGET_KEEP") {
        // A copy of the database to study plans with the sqlite3 shell.
        let path = path.to_string_lossy().replace('\'', "''");
        let mut conn = db.conn().unwrap();
        conn.batch_execute(&format!("VACUUM INTO '{path}'"))
            .unwrap();
    }
    let repo = SqliteDialogueRepository::new(db.clone());
    let page = PageRequest::new(Some(50), None).unwrap();
    let all = MessageFilter::default();
    // A business day in Moscow (UTC+3), 40 days ago.
    let day_start = (NOW / DAY - 40) * DAY - 3 * 3_600_000;
    let client = ClientId(12_345);
    let cases: Vec<(&str, MessageFilter, PageRequest)> = vec![
        ("no filter", all.clone(), page),
        (
            "one date",
            MessageFilter {
                from: Some(t(day_start)),
                to: Some(t(day_start + DAY)),
                ..all.clone()
            },
            page,
        ),
        (
            "period (30 days)",
            MessageFilter {
                from: Some(t(day_start - 30 * DAY)),
                to: Some(t(day_start)),
                ..all.clone()
            },
            page,
        ),
        (
            "period (the whole year)",
            MessageFilter {
                from: Some(t(NOW - 366 * DAY + 5_000)),
                to: Some(t(NOW - 7_000)),
                ..all.clone()
            },
            page,
        ),
        (
            "name common (\"ов\")",
            MessageFilter {
                name: Some("ов".into()),
                ..all.clone()
            },
            page,
        ),
        (
            "name rare (\"кутузов\")",
            MessageFilter {
                name: Some("кутузов".into()),
                ..all.clone()
            },
            page,
        ),
        (
            "status received",
            MessageFilter {
                status: Some(MessageStatus::Received),
                ..all.clone()
            },
            page,
        ),
        (
            "channel telegram",
            MessageFilter {
                channel: Some(Channel::Telegram),
                ..all.clone()
            },
            page,
        ),
        (
            "direction outbound",
            MessageFilter {
                direction: Some(Direction::Outbound),
                ..all.clone()
            },
            page,
        ),
        (
            "client_id",
            MessageFilter {
                client_id: Some(client),
                ..all.clone()
            },
            page,
        ),
        (
            "unanswered",
            MessageFilter {
                unanswered: true,
                ..all.clone()
            },
            page,
        ),
        (
            "deep page (before, 900k down)",
            MessageFilter {
                before: Some(MessageId(MESSAGES - 900_000)),
                ..all.clone()
            },
            page,
        ),
        (
            "offset 10 000 (the cap)",
            all.clone(),
            PageRequest::new(Some(50), Some(10_000)).unwrap(),
        ),
    ];
    let mut over = Vec::new();
    let mut conn = db.conn().unwrap();
    println!(
        "{:<32} {:>12} {:>10} {:>9} {:>8}",
        "registry read", "before", "after", "total", "budget"
    );
    let mut report = |name: &str, former: Duration, took: Duration, total: u64| {
        let mark = if took > Duration::from_millis(BUDGET_MS) {
            over.push(name.to_owned());
            "  OVER"
        } else {
            ""
        };
        println!(
            "{name:<32} {:>9.1} ms {:>7.1} ms {total:>9} {BUDGET_MS:>5} ms{mark}",
            former.as_secs_f64() * 1000.0,
            took.as_secs_f64() * 1000.0
        );
    };
    let mut former = |filter: &MessageFilter, page: PageRequest| {
        // The deep page was an offset before the cursor.
        let offset = if filter.before.is_some() {
            900_000
        } else {
            page.offset()
        };
        let filter = MessageFilter {
            before: None,
            ..filter.clone()
        };
        let statements = former_statements(&filter, offset);
        let mut runs: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                for sql in &statements {
                    conn.batch_execute(sql).unwrap();
                }
                start.elapsed()
            })
            .collect();
        runs.sort();
        runs[2]
    };
    for (name, filter, page) in &cases {
        let found = repo.list(filter, *page).unwrap();
        assert!(!found.items.is_empty(), "{name}: an empty page");
        let took = median(&|| {
            repo.list(filter, *page).unwrap();
        });
        let before = former(filter, *page);
        report(name, before, took, found.total);
    }
    // A client's conversation, as the service reads it: the client exists, then the page.
    let conversation = MessageFilter {
        client_id: Some(client),
        ..all.clone()
    };
    let took = median(&|| {
        assert!(repo.client_exists(client).unwrap());
        repo.list(&conversation, page).unwrap();
    });
    let total = repo.list(&conversation, page).unwrap().total;
    let before = former(&conversation, page);
    report("conversation", before, took, total);
    // The planner's statistics, for the plan test (`every_filter_is_index_backed`).
    if std::env::var_os("DIALOGUES_BUDGET_STATS").is_some() {
        #[derive(diesel::QueryableByName)]
        struct Stat {
            #[diesel(sql_type = diesel::sql_types::Text)]
            row: String,
        }
        let stats: Vec<Stat> = diesel::sql_query(
            "SELECT printf('(%Q, %Q, %Q)', tbl, idx, stat) AS row FROM sqlite_stat1 \
             WHERE tbl IN ('messages', 'clients', 'dialogues', 'message_tallies', \
             'client_message_counts') ORDER BY tbl, idx",
        )
        .load(&mut conn)
        .unwrap();
        let rows: Vec<String> = stats.into_iter().map(|s| s.row).collect();
        println!(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES {};",
            rows.join(", ")
        );
    }
    assert!(
        over.is_empty(),
        "over the budget of {BUDGET_MS} ms (median of 5): {over:?}"
    );
}
