//! The news repository against a real migrated SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testing::{at, exec, fresh_db};
use crm_comms::news::model::search_key;
use diesel::sql_types::Text;

/// 2026-11-24T12:00:00Z in millis.
const NOW: i64 = 1_795_521_600_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn record(title: &str, status: NewsStatus, pinned: bool, publish_at: Option<i64>) -> NewsRecord {
    NewsRecord {
        title: title.into(),
        title_lower: search_key(title),
        body: "Текст".into(),
        image_url: None,
        buttons: vec![NewsButton {
            text: "Go".into(),
            url: "https://shop.example".into(),
        }],
        status,
        pinned,
        publish_at: publish_at.map(at),
    }
}

fn add(repo: &SqliteNewsRepository, r: NewsRecord, created: i64) -> NewsPostId {
    repo.insert(&r, "employee:1", at(created))
        .expect("insert")
        .id
}

fn page(limit: u32, offset: u64) -> PageRequest {
    PageRequest::new(Some(limit), Some(offset)).expect("page")
}

fn titles(page: &Page<NewsPost>) -> Vec<&str> {
    page.items.iter().map(|p| p.title.as_str()).collect()
}

#[test]
fn the_feed_is_pinned_first_then_newest_and_shows_scheduled_posts_on_time() {
    let (_dir, db) = fresh_db();
    let repo = SqliteNewsRepository::new(db);
    let published = NewsStatus::Published;
    add(
        &repo,
        record("A", published, false, Some(NOW - 3 * HOUR)),
        NOW - 9 * HOUR,
    );
    add(
        &repo,
        record("B", published, false, Some(NOW - HOUR)),
        NOW - 8 * HOUR,
    );
    add(
        &repo,
        record("C", published, true, Some(NOW - 2 * HOUR)),
        NOW - 7 * HOUR,
    );
    add(
        &repo,
        record("D", published, false, Some(NOW + HOUR)),
        NOW - 6 * HOUR,
    );
    add(
        &repo,
        record("E", NewsStatus::Draft, true, None),
        NOW - 5 * HOUR,
    );
    add(
        &repo,
        record("F", NewsStatus::Archived, true, Some(NOW - HOUR)),
        NOW - 4 * HOUR,
    );

    let now = repo.feed(at(NOW), page(50, 0)).expect("feed");
    assert_eq!(titles(&now), ["C", "B", "A"]);
    assert_eq!(now.total, 3);
    let paged = repo.feed(at(NOW), page(1, 1)).expect("feed");
    assert_eq!(titles(&paged), ["B"]);
    assert_eq!(paged.total, 3);
    let later = repo.feed(at(NOW + HOUR), page(50, 0)).expect("feed");
    assert_eq!(titles(&later), ["C", "D", "B", "A"]);
    let first = &now.items[0];
    assert!(first.pinned);
    assert_eq!(first.buttons[0].url, "https://shop.example");
}

#[test]
fn the_admin_list_filters_by_status_pin_title_and_period_newest_first() {
    let (_dir, db) = fresh_db();
    let repo = SqliteNewsRepository::new(db);
    let published = NewsStatus::Published;
    add(
        &repo,
        record("Скидки НЕДЕЛИ", published, false, Some(NOW - HOUR)),
        NOW - 3 * DAY,
    );
    add(
        &repo,
        record("Новый 100% кофе", published, true, Some(NOW + HOUR)),
        NOW - 2 * DAY,
    );
    add(
        &repo,
        record("Черновик скидок", NewsStatus::Draft, false, None),
        NOW - DAY,
    );
    let archived = add(&repo, record("Old", NewsStatus::Archived, false, None), NOW);

    let list = |filter: NewsFilter| {
        let filter = NewsFilter {
            now: Some(at(NOW)),
            ..filter
        };
        let found = repo.list(&filter, page(50, 0)).expect("list");
        assert_eq!(found.total as usize, found.items.len());
        found.items.into_iter().map(|p| p.title).collect::<Vec<_>>()
    };
    assert_eq!(
        list(NewsFilter::default()),
        ["Old", "Черновик скидок", "Новый 100% кофе", "Скидки НЕДЕЛИ"]
    );
    let status = |s| NewsFilter {
        status: Some(s),
        ..NewsFilter::default()
    };
    assert_eq!(list(status(NewsStatusFilter::Published)), ["Скидки НЕДЕЛИ"]);
    assert_eq!(
        list(status(NewsStatusFilter::Scheduled)),
        ["Новый 100% кофе"]
    );
    assert_eq!(list(status(NewsStatusFilter::Draft)), ["Черновик скидок"]);
    assert_eq!(list(status(NewsStatusFilter::Archived)), ["Old"]);
    let pinned = NewsFilter {
        pinned: Some(true),
        ..NewsFilter::default()
    };
    assert_eq!(list(pinned), ["Новый 100% кофе"]);
    let q = |text: &str| NewsFilter {
        title_fragment: Some(search_key(text)),
        ..NewsFilter::default()
    };
    assert_eq!(list(q("СКИД")), ["Черновик скидок", "Скидки НЕДЕЛИ"]);
    assert_eq!(list(q("100%")), ["Новый 100% кофе"]);
    assert!(
        list(q("_")).is_empty(),
        "a LIKE wildcard in the query is literal"
    );
    let period = NewsFilter {
        created_from: Some(at(NOW - 2 * DAY)),
        created_to: Some(at(NOW - DAY)),
        ..NewsFilter::default()
    };
    assert_eq!(list(period), ["Черновик скидок", "Новый 100% кофе"]);

    let mut changed = record("Old again", NewsStatus::Published, false, Some(NOW));
    changed.image_url = Some("https://cdn.example/x.png".into());
    let updated = repo
        .update(archived, &changed, None, at(NOW + 1))
        .expect("update")
        .expect("exists");
    assert_eq!(updated.status, NewsStatus::Published);
    assert_eq!(updated.version, 2, "every change raises the version");
    assert_eq!(
        repo.update(archived, &changed, Some(1), at(NOW + 2))
            .expect("update"),
        None,
        "a stale version writes nothing"
    );
    let guarded = repo
        .update(archived, &changed, Some(2), at(NOW + 3))
        .expect("update")
        .expect("at version 2");
    assert_eq!((guarded.version, guarded.updated_at), (3, at(NOW + 3)));
    assert_eq!(updated.updated_at, at(NOW + 1));
    assert_eq!(updated.created_at, at(NOW));
    assert_eq!(
        repo.update(NewsPostId(999), &changed, None, at(NOW))
            .expect("update"),
        None
    );
}

fn add_client(db: &Database, id: i64) {
    exec(
        db,
        &format!(
            "INSERT INTO clients (id, full_name, search_name, created_at, updated_at) \
             VALUES ({id}, 'Client {id}', 'client {id}', 0, 0)"
        ),
    );
}

fn purchase(db: &Database, id: i64, client: i64, total: i64, refunded: i64, when: i64) {
    exec(
        db,
        &format!(
            "INSERT INTO operations (id, kind, client_id, total, refunded_total, reward_type, \
             actor, created_at) VALUES ({id}, 'purchase', {client}, {total}, {refunded}, \
             'points', 'employee:1', {when})"
        ),
    );
}

fn event(
    repo: &SqliteNewsRepository,
    post: NewsPostId,
    kind: NewsEventKind,
    client: Option<i64>,
    visitor: Option<&str>,
    operation: Option<i64>,
    when: i64,
) {
    repo.record_event(&NewNewsEvent {
        news_post_id: post,
        event: kind,
        client_id: client.map(ClientId),
        visitor_id: visitor.map(str::to_owned),
        operation_id: operation.map(OperationId),
        at: at(when),
    })
    .expect("event");
}

#[test]
fn stats_count_events_and_actors_and_attribute_purchases_once_within_the_window() {
    let (_dir, db) = fresh_db();
    let repo = SqliteNewsRepository::new(db.clone());
    let post = add(
        &repo,
        record("P", NewsStatus::Published, false, Some(NOW)),
        NOW,
    );
    let other = add(
        &repo,
        record("Other", NewsStatus::Published, false, Some(NOW)),
        NOW,
    );
    for client in 1..=4 {
        add_client(&db, client);
    }
    let t0 = NOW + HOUR;
    use NewsEventKind::{Booking, Click, Purchase, View};
    // Client 1: three views and a click; client 2 one view; two visitors, one twice; a view
    // with both a client and a visitor counts as the client's.
    event(&repo, post, View, Some(1), None, None, t0);
    event(&repo, post, View, Some(1), None, None, t0 + HOUR);
    event(&repo, post, View, Some(1), Some("v1"), None, t0 + 2 * HOUR);
    event(&repo, post, Click, Some(1), None, None, t0 + 3 * HOUR);
    event(&repo, post, View, Some(2), None, None, t0);
    event(&repo, post, View, None, Some("v1"), None, t0);
    event(&repo, post, View, None, Some("v1"), None, t0);
    event(&repo, post, View, None, Some("v2"), None, t0);
    event(&repo, post, Booking, None, Some("v2"), None, t0);
    // Client 3 only saw another post; client 4 only bought.
    event(&repo, other, View, Some(3), None, None, t0);

    purchase(&db, 10, 1, 100_00, 10_00, t0 - HOUR); // before the first touch: not attributed
    purchase(&db, 11, 1, 200_00, 20_00, t0 + DAY); // inside the window: net 180.00
    purchase(&db, 12, 1, 50_00, 0, t0 + 8 * DAY); // outside 7 days, inside 30
    purchase(&db, 13, 2, 70_00, 0, t0 + 20 * DAY); // outside the window, but named below
    purchase(&db, 14, 3, 999_00, 0, t0 + DAY); // another post's viewer
    purchase(&db, 15, 4, 999_00, 0, t0 + DAY); // no events at all
    event(&repo, post, Purchase, Some(1), None, Some(11), t0 + DAY); // already attributed
    event(
        &repo,
        post,
        Purchase,
        Some(2),
        None,
        Some(13),
        t0 + 20 * DAY,
    );
    event(&repo, post, Purchase, None, Some("v2"), None, t0 + DAY);

    let stats = repo.stats(post, 7).expect("stats");
    let figures = |k| {
        let f = stats.figures(k);
        (f.count, f.unique)
    };
    assert_eq!(figures(View), (7, 4));
    assert_eq!(figures(Click), (1, 1));
    assert_eq!(figures(Booking), (1, 1));
    assert_eq!(figures(NewsEventKind::Transition), (0, 0));
    assert_eq!(figures(Purchase), (3, 3));
    assert_eq!(stats.events.len(), 6);
    // Within 7 days of each first touch (t0 for everyone): only purchase 11 (client 1);
    // purchase 13 is named by client 2's event but lies 20 days on, so it does not count.
    assert_eq!(stats.purchases, 1);
    assert_eq!(stats.revenue, Money::from_minor(180_00));
    // Purchasers: client 1 (purchase 11) and v2 (a purchase event naming no operation, a day
    // after its view); not client 2.
    assert_eq!(stats.purchasers, 2);
    // Viewers {c1, c2, v1, v2}, clickers {c1}: 1 of 4 viewers clicked; the clicker bought
    // (1 of 1); purchasers who viewed: c1 and v2, 2 of 4.
    assert_eq!(stats.viewers_who_clicked, 1);
    assert_eq!(stats.purchasers_who_clicked, 1);
    assert_eq!(stats.purchasers_who_viewed, 2);
    assert_eq!(stats.view_to_click(), 0.25);
    assert_eq!(stats.click_to_purchase(), 1.0);
    assert_eq!(stats.view_to_purchase(), 0.5);

    let wide = repo.stats(post, 30).expect("stats");
    assert_eq!(wide.purchases, 3);
    assert_eq!(wide.revenue, Money::from_minor(180_00 + 50_00 + 70_00));
    assert_eq!(
        wide.purchasers, 3,
        "client 2's purchase lies within 30 days"
    );

    let quiet = repo.stats(other, 7).expect("stats");
    assert_eq!(quiet.purchases, 1);
    assert_eq!(quiet.revenue, Money::from_minor(999_00));
    assert_eq!(
        quiet.figures(View),
        EventFigures {
            event: View,
            count: 1,
            unique: 1
        }
    );
}

#[test]
fn a_purchase_event_checks_its_client_and_operation() {
    let (_dir, db) = fresh_db();
    let repo = SqliteNewsRepository::new(db.clone());
    add_client(&db, 1);
    add_client(&db, 2);
    purchase(&db, 5, 1, 10_00, 0, NOW);
    assert_eq!(
        repo.purchase_client(OperationId(5)),
        Ok(Some((ClientId(1), at(NOW))))
    );
    assert_eq!(repo.purchase_client(OperationId(6)), Ok(None));
    assert_eq!(repo.client_exists(ClientId(2)), Ok(true));
    assert_eq!(repo.client_exists(ClientId(3)), Ok(false));
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn plan_of(db: &Database, sql: &str) -> String {
    let mut conn = db.conn().expect("connection");
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(&mut conn)
        .expect(sql)
        .into_iter()
        .map(|r| r.detail)
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn the_feed_and_the_stats_are_index_backed() {
    let (_dir, db) = fresh_db();
    let bind = |sql: &str| {
        sql.replace("?1", "1")
            .replace("?2", "604800000")
            .replace("?3", "0")
    };
    let feed = plan_of(&db, &bind(FEED));
    assert!(feed.contains("USING INDEX news_posts_feed"), "{feed}");
    assert!(
        !feed.contains("TEMP B-TREE"),
        "the feed is read in index order: {feed}"
    );
    let count = plan_of(&db, &bind(FEED_COUNT));
    assert!(count.contains("news_posts_feed"), "{count}");
    let figures = plan_of(&db, &bind(EVENT_FIGURES));
    assert!(figures.contains("news_events_by_post"), "{figures}");
    assert!(!figures.contains("SCAN news_events"), "{figures}");
    let stats = plan_of(&db, &bind(STATS));
    assert!(stats.contains("news_events_by_post"), "{stats}");
    assert!(!stats.contains("SCAN news_events"), "{stats}");
    assert!(!stats.contains("SCAN o"), "{stats}");
    assert!(!stats.contains("SCAN operations"), "{stats}");
    assert!(
        stats
            .split("; ")
            .any(|step| step.starts_with("SEARCH o USING") && step.contains("(client_id=?")),
        "operations are read per touched client: {stats}"
    );
    assert!(!stats.contains("operations_by_kind"), "{stats}");
}
