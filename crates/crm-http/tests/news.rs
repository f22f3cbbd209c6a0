//! The news feed through the real app: posts created, listed, filtered, edited and archived by
//! staff, the Mini App's feed (client token and `tma`), scheduled posts, tracking from staff
//! and the app, every bad input, and exact statistics with attributed purchases.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// Percent-encodes a query value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn iso(seconds: i64) -> String {
    at(seconds).to_string()
}

async fn create<S, B>(service: &S, token: &str, body: Value) -> Value
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, created) = post(service, token, "/api/v1/admin/news", body, None).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn add_client<S, B>(service: &S, token: &str, name: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, created) = post(
        service,
        token,
        "/api/v1/admin/clients",
        json!({"full_name": name}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect()
}

fn tma(user_id: i64, name: &str, auth_date: i64) -> (header::HeaderName, String) {
    (
        header::AUTHORIZATION,
        format!("tma {}", init_data_for(user_id, name, auth_date)),
    )
}

#[actix_web::test]
async fn staff_create_list_filter_edit_and_archive_posts() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let draft = create(
        &service,
        &owner,
        json!({"title": " Скидки НЕДЕЛИ ", "body": "Всё по 100 ₽",
               "image_url": "https://cdn.example/sale.png"}),
    )
    .await;
    assert_eq!(draft["title"], "Скидки НЕДЕЛИ");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["pinned"], false);
    assert_eq!(draft["publish_at"], Value::Null);
    assert_eq!(draft["buttons"], json!([]));
    assert_eq!(draft["created_at"], iso(NOW));
    let pinned = create(
        &service,
        &owner,
        json!({"title": "Новый кофе", "body": "Попробуйте", "status": "published",
               "pinned": true,
               "buttons": [{"text": "Меню", "url": "https://cafe.example/menu"}]}),
    )
    .await;
    assert_eq!(pinned["status"], "published");
    assert_eq!(pinned["publish_at"], iso(NOW));
    assert_eq!(pinned["scheduled"], false);
    assert_eq!(pinned["buttons"][0]["url"], "https://cafe.example/menu");
    let scheduled = create(
        &service,
        &owner,
        json!({"title": "Завтра акция", "body": "Скоро", "status": "published",
               "publish_at": iso(NOW + HOUR)}),
    )
    .await;
    assert_eq!(scheduled["scheduled"], true);
    assert_eq!(scheduled["publish_at"], iso(NOW + HOUR));

    let all = get(&service, &owner, "/api/v1/admin/news").await;
    assert_eq!(all.0, 200, "{}", all.2);
    assert_eq!(all.2["total"], 3);
    assert_eq!(
        titles(&all.2),
        ["Завтра акция", "Новый кофе", "Скидки НЕДЕЛИ"],
        "newest first"
    );
    for (query, expected) in [
        ("status=draft", vec!["Скидки НЕДЕЛИ"]),
        ("status=published", vec!["Новый кофе"]),
        ("status=scheduled", vec!["Завтра акция"]),
        ("status=archived", vec![]),
        ("pinned=true", vec!["Новый кофе"]),
        ("pinned=false", vec!["Завтра акция", "Скидки НЕДЕЛИ"]),
        (&format!("q={}", enc("скидки")), vec!["Скидки НЕДЕЛИ"]),
        (&format!("q={}", enc("КОФЕ")), vec!["Новый кофе"]),
        (&format!("from={}", enc(&iso(NOW + 1))), vec![]),
        (
            &format!("from={}&to={}", enc(&iso(NOW - 1)), enc(&iso(NOW))),
            vec!["Завтра акция", "Новый кофе", "Скидки НЕДЕЛИ"],
        ),
        ("limit=1&offset=1", vec!["Новый кофе"]),
    ] {
        let found = get(&service, &owner, &format!("/api/v1/admin/news?{query}")).await;
        assert_eq!(found.0, 200, "{query}: {}", found.2);
        assert_eq!(titles(&found.2), expected, "{query}");
    }
    let paged = get(&service, &owner, "/api/v1/admin/news?limit=1&offset=1").await;
    assert_eq!(paged.2["total"], 3);
    assert_eq!(paged.2["limit"], 1);
    let bad_from = get(&service, &owner, "/api/v1/admin/news?from=yesterday").await;
    assert_problem(&bad_from, 422, "validation_failed");
    assert_eq!(bad_from.2["errors"][0]["field"], "from");
    let backwards = get(
        &service,
        &owner,
        &format!(
            "/api/v1/admin/news?from={}&to={}",
            enc(&iso(NOW)),
            enc(&iso(NOW - 1))
        ),
    )
    .await;
    assert_problem(&backwards, 422, "validation_failed");
    let bad_status = get(&service, &owner, "/api/v1/admin/news?status=live").await;
    assert_eq!(bad_status.0, 400, "{}", bad_status.2);
    let bad_limit = get(&service, &owner, "/api/v1/admin/news?limit=501").await;
    assert_problem(&bad_limit, 422, "validation_failed");

    // Edit: a partial change keeps the rest; image_url null removes the image.
    let uri = format!("/api/v1/admin/news/{}", draft["id"]);
    let edited = put(
        &service,
        &owner,
        &uri,
        json!({"body": "Всё по 99 ₽", "image_url": null, "pinned": true}),
    )
    .await;
    assert_eq!(edited.0, 200, "{}", edited.2);
    assert_eq!(edited.2["title"], "Скидки НЕДЕЛИ");
    assert_eq!(edited.2["body"], "Всё по 99 ₽");
    assert_eq!(edited.2["image_url"], Value::Null);
    assert_eq!(edited.2["pinned"], true);
    assert_eq!(edited.2["status"], "draft");
    // Publish, archive (keeps the publish time, leaves the feed), publish again later.
    let published = put(&service, &owner, &uri, json!({"status": "published"})).await;
    assert_eq!(published.2["publish_at"], iso(NOW));
    let archived = put(&service, &owner, &uri, json!({"status": "archived"})).await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    assert_eq!(archived.2["status"], "archived");
    assert_eq!(archived.2["publish_at"], iso(NOW));
    let client = app.client_token(add_client(&service, &owner, "Анна").await);
    let feed = get(&service, &client, "/api/v1/app/news").await;
    assert_eq!(titles(&feed.2), ["Новый кофе"]);
    let only_archived = get(&service, &owner, "/api/v1/admin/news?status=archived").await;
    assert_eq!(titles(&only_archived.2), ["Скидки НЕДЕЛИ"]);
    app.clock.set(at(NOW + 60));
    let owner = app.staff_token(Role::Owner).1;
    let again = put(&service, &owner, &uri, json!({"status": "published"})).await;
    assert_eq!(again.2["publish_at"], iso(NOW + 60));
    let back = put(&service, &owner, &uri, json!({"status": "draft"})).await;
    assert_eq!(back.2["publish_at"], Value::Null);
    let dated = put(
        &service,
        &owner,
        &uri,
        json!({"status": "archived", "publish_at": iso(NOW)}),
    )
    .await;
    assert_problem(&dated, 422, "validation_failed");
    assert_eq!(dated.2["errors"][0]["field"], "publish_at");
    let unknown = put(
        &service,
        &owner,
        "/api/v1/admin/news/999",
        json!({"pinned": true}),
    )
    .await;
    assert_problem(&unknown, 404, "news_post_not_found");
    let junk_id = put(&service, &owner, "/api/v1/admin/news/abc", json!({})).await;
    assert_eq!(junk_id.0, 404);
}

#[actix_web::test]
async fn a_cashier_reads_posts_but_may_not_create_or_edit_them() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let post_ = create(&service, &manager, json!({"title": "T", "body": "B"})).await;
    let denied = post(
        &service,
        &cashier,
        "/api/v1/admin/news",
        json!({"title": "T", "body": "B"}),
        None,
    )
    .await;
    assert_problem(&denied, 403, "forbidden");
    let edit = put(
        &service,
        &cashier,
        &format!("/api/v1/admin/news/{}", post_["id"]),
        json!({"title": "X"}),
    )
    .await;
    assert_problem(&edit, 403, "forbidden");
    let list = get(&service, &cashier, "/api/v1/admin/news").await;
    assert_eq!(list.0, 200);
    assert_eq!(titles(&list.2), ["T"], "nothing else was written");
    let anonymous = send(&service, TestRequest::get().uri("/api/v1/admin/news")).await;
    assert_problem(&anonymous, 401, "unauthenticated");
    let client = app.client_token(add_client(&service, &manager, "Анна").await);
    let as_client = get(&service, &client, "/api/v1/admin/news").await;
    assert_problem(&as_client, 403, "forbidden");
}

#[actix_web::test]
async fn bad_posts_are_rejected_and_nothing_is_written() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let button = |text: &str, url: &str| json!({"text": text, "url": url});
    let cases = [
        (json!({"title": "", "body": "B"}), "title"),
        (json!({"title": "   ", "body": "B"}), "title"),
        (json!({"title": "я".repeat(201), "body": "B"}), "title"),
        (json!({"title": "T", "body": ""}), "body"),
        (json!({"title": "T", "body": "ж".repeat(4097)}), "body"),
        (
            json!({"title": "T", "body": "B", "image_url": "ftp://x.example/a.png"}),
            "image_url",
        ),
        (
            json!({"title": "T", "body": "B", "image_url": "/relative.png"}),
            "image_url",
        ),
        (
            json!({"title": "T", "body": "B", "buttons": [button("Go", "javascript:alert(1)")]}),
            "buttons[0].url",
        ),
        (
            json!({"title": "T", "body": "B", "buttons": [button("", "https://a.example")]}),
            "buttons[0].text",
        ),
        (
            json!({"title": "T", "body": "B",
                   "buttons": [button(&"x".repeat(65), "https://a.example")]}),
            "buttons[0].text",
        ),
        (
            json!({"title": "T", "body": "B",
                   "buttons": vec![button("Go", "https://a.example"); 9]}),
            "buttons",
        ),
        (
            json!({"title": "T", "body": "B", "status": "archived"}),
            "status",
        ),
        (
            json!({"title": "T", "body": "B", "status": "live"}),
            "status",
        ),
        (
            json!({"title": "T", "body": "B", "publish_at": iso(NOW)}),
            "publish_at",
        ),
        (
            json!({"title": "T", "body": "B", "status": "published", "publish_at": "tomorrow"}),
            "publish_at",
        ),
        (json!({"title": "T", "body": "B", "author": "me"}), "author"),
        (json!({"body": "B"}), "title"),
    ];
    for (body, field) in cases {
        let result = post(&service, &owner, "/api/v1/admin/news", body.clone(), None).await;
        assert_problem(&result, 422, "validation_failed");
        assert!(
            result.2["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{body} should name {field}: {}",
            result.2
        );
    }
    let malformed = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/admin/news")
            .insert_header(bearer(&owner))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"title\": "),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");
    // 8 buttons, 200 characters and 4096 characters are accepted.
    let longest = create(
        &service,
        &owner,
        json!({"title": "я".repeat(200), "body": "ж".repeat(4096),
               "buttons": vec![button("Go", "https://a.example"); 8]}),
    )
    .await;
    let uri = format!("/api/v1/admin/news/{}", longest["id"]);
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"image_url": "mailto:a@b.c"}), "image_url"),
        (
            json!({"buttons": vec![button("Go", "https://a.example"); 9]}),
            "buttons",
        ),
        (json!({"status": "deleted"}), "status"),
    ] {
        let result = put(&service, &owner, &uri, body).await;
        assert_problem(&result, 422, "validation_failed");
        assert_eq!(result.2["errors"][0]["field"], field, "{}", result.2);
    }
    let list = get(&service, &owner, "/api/v1/admin/news").await;
    assert_eq!(list.2["total"], 1, "only the valid post was stored");
    assert_eq!(list.2["items"][0]["title"], "я".repeat(200));
    assert_eq!(list.2["items"][0]["buttons"].as_array().unwrap().len(), 8);
}

#[actix_web::test]
async fn the_app_feed_by_tma_or_client_token_shows_scheduled_posts_on_time() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    create(
        &service,
        &owner,
        json!({"title": "Old", "body": "B", "status": "published", "publish_at": iso(NOW - 2 * HOUR)}),
    )
    .await;
    create(
        &service,
        &owner,
        json!({"title": "Recent", "body": "B", "status": "published", "publish_at": iso(NOW - HOUR)}),
    )
    .await;
    create(
        &service,
        &owner,
        json!({"title": "Pinned", "body": "B", "status": "published", "pinned": true,
               "publish_at": iso(NOW - 3 * HOUR)}),
    )
    .await;
    create(
        &service,
        &owner,
        json!({"title": "Later", "body": "B", "status": "published", "publish_at": iso(NOW + 2 * HOUR)}),
    )
    .await;
    create(
        &service,
        &owner,
        json!({"title": "Draft", "body": "B", "pinned": true}),
    )
    .await;

    let by_tma = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/app/news")
            .insert_header(tma(777, "Вера", NOW)),
    )
    .await;
    assert_eq!(by_tma.0, 200, "{}", by_tma.2);
    assert_eq!(titles(&by_tma.2), ["Pinned", "Recent", "Old"]);
    assert_eq!(by_tma.2["total"], 3);
    let client = app.client_token(add_client(&service, &owner, "Анна").await);
    let by_token = get(&service, &client, "/api/v1/app/news?limit=1&offset=1").await;
    assert_eq!(titles(&by_token.2), ["Recent"]);
    assert_eq!(by_token.2["total"], 3);
    let anonymous = send(&service, TestRequest::get().uri("/api/v1/app/news")).await;
    assert_problem(&anonymous, 401, "unauthenticated");
    let bad_page = get(&service, &client, "/api/v1/app/news?limit=0").await;
    assert_problem(&bad_page, 422, "validation_failed");

    app.clock.set(at(NOW + 2 * HOUR));
    let client = app.client_token(1);
    let later = get(&service, &client, "/api/v1/app/news").await;
    assert_eq!(titles(&later.2), ["Pinned", "Later", "Recent", "Old"]);
    assert_eq!(later.2["items"][1]["scheduled"], false);
}

async fn track_as<S, B>(
    service: &S,
    auth: (header::HeaderName, String),
    uri: &str,
    body: Value,
) -> (u16, String, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    send(
        service,
        TestRequest::post()
            .uri(uri)
            .insert_header(auth)
            .set_json(body),
    )
    .await
}

const ADMIN_TRACK: &str = "/api/v1/admin/news/track";
const APP_TRACK: &str = "/api/v1/app/news/track";

#[actix_web::test]
async fn tracking_from_staff_and_the_app_and_every_bad_report() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, master) = app.staff_token(Role::Master);
    let anna = add_client(&service, &owner, "Анна").await;
    let boris = add_client(&service, &owner, "Борис").await;
    let visible = create(
        &service,
        &owner,
        json!({"title": "P", "body": "B", "status": "published"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let later = create(
        &service,
        &owner,
        json!({"title": "S", "body": "B", "status": "published", "publish_at": iso(NOW + HOUR)}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let draft = create(&service, &owner, json!({"title": "D", "body": "B"})).await["id"]
        .as_i64()
        .unwrap();
    let anna_token = app.client_token(anna);

    // The app: the signed-in client's events, by token or tma, on either route.
    let own = track_as(
        &service,
        bearer(&anna_token),
        APP_TRACK,
        json!({"news_post_id": visible, "event": "view"}),
    )
    .await;
    assert_eq!(own.0, 201, "{}", own.2);
    assert_eq!(own.2["client_id"], anna);
    assert_eq!(own.2["event"], "view");
    assert_eq!(own.2["at"], iso(NOW));
    let same_client = track_as(
        &service,
        bearer(&anna_token),
        ADMIN_TRACK,
        json!({"news_post_id": visible, "event": "click", "client_id": anna}),
    )
    .await;
    assert_eq!(same_client.0, 201, "{}", same_client.2);
    assert_eq!(same_client.2["client_id"], anna);
    let by_tma = track_as(
        &service,
        tma(555, "Вера", NOW),
        ADMIN_TRACK,
        json!({"news_post_id": visible, "event": "transition", "visitor_id": "tg-web_1"}),
    )
    .await;
    assert_eq!(by_tma.0, 201, "{}", by_tma.2);
    assert!(by_tma.2["client_id"]
        .as_i64()
        .is_some_and(|c| c != anna && c != boris));
    assert_eq!(by_tma.2["visitor_id"], "tg-web_1");
    // Staff: a client or a visitor, any existing post (a draft too).
    let staff_visitor = track_as(
        &service,
        bearer(&master),
        ADMIN_TRACK,
        json!({"news_post_id": visible, "event": "add_to_cart", "visitor_id": "anon-1"}),
    )
    .await;
    assert_eq!(staff_visitor.0, 201, "{}", staff_visitor.2);
    assert_eq!(staff_visitor.2["client_id"], Value::Null);
    let staff_draft = track_as(
        &service,
        bearer(&master),
        ADMIN_TRACK,
        json!({"news_post_id": draft, "event": "booking", "client_id": boris}),
    )
    .await;
    assert_eq!(staff_draft.0, 201, "{}", staff_draft.2);

    let stats_uri = format!("/api/v1/admin/news/{visible}/stats");
    let before = get(&service, &owner, &stats_uri).await.2;

    // Every bad report: a clear 4xx and nothing stored.
    let foreign = track_as(
        &service,
        bearer(&anna_token),
        ADMIN_TRACK,
        json!({"news_post_id": visible, "event": "view", "client_id": boris}),
    )
    .await;
    assert_problem(&foreign, 403, "forbidden");
    let foreign_app = track_as(
        &service,
        bearer(&anna_token),
        APP_TRACK,
        json!({"news_post_id": visible, "event": "view", "client_id": boris}),
    )
    .await;
    assert_problem(&foreign_app, 403, "forbidden");
    for hidden in [later, draft, 9_999] {
        let result = track_as(
            &service,
            bearer(&anna_token),
            APP_TRACK,
            json!({"news_post_id": hidden, "event": "view"}),
        )
        .await;
        assert_problem(&result, 404, "news_post_not_found");
    }
    let unknown_post = track_as(
        &service,
        bearer(&owner),
        ADMIN_TRACK,
        json!({"news_post_id": 9_999, "event": "view", "client_id": anna}),
    )
    .await;
    assert_problem(&unknown_post, 404, "news_post_not_found");
    let unknown_client = track_as(
        &service,
        bearer(&owner),
        ADMIN_TRACK,
        json!({"news_post_id": visible, "event": "view", "client_id": 9_999}),
    )
    .await;
    assert_problem(&unknown_client, 404, "client_not_found");
    let a_purchase = post(
        &service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": boris, "total": 100}),
        None,
    )
    .await;
    assert_eq!(a_purchase.0, 201, "{}", a_purchase.2);
    let boris_purchase = a_purchase.2["id"].as_i64().unwrap();
    for (body, field) in [
        (
            json!({"news_post_id": visible, "event": "open", "client_id": anna}),
            "event",
        ),
        (
            json!({"news_post_id": visible, "event": "view"}),
            "client_id",
        ),
        (
            json!({"news_post_id": visible, "event": "view", "visitor_id": "has space"}),
            "visitor_id",
        ),
        (
            json!({"news_post_id": visible, "event": "view", "visitor_id": "x".repeat(65)}),
            "visitor_id",
        ),
        (
            json!({"news_post_id": visible, "event": "view", "visitor_id": ""}),
            "visitor_id",
        ),
        (
            json!({"news_post_id": visible, "event": "view", "client_id": boris,
                   "operation_id": boris_purchase}),
            "operation_id",
        ),
        (
            json!({"news_post_id": visible, "event": "purchase", "client_id": anna,
                   "operation_id": boris_purchase}),
            "operation_id",
        ),
        (
            json!({"news_post_id": visible, "event": "purchase", "client_id": anna,
                   "operation_id": 9_999}),
            "operation_id",
        ),
        (
            json!({"news_post_id": visible, "event": "purchase", "visitor_id": "v",
                   "operation_id": boris_purchase}),
            "operation_id",
        ),
        (json!({"event": "view", "client_id": anna}), "news_post_id"),
        (
            json!({"news_post_id": visible, "event": "view", "client_id": anna, "x": 1}),
            "x",
        ),
    ] {
        let result = track_as(&service, bearer(&owner), ADMIN_TRACK, body.clone()).await;
        assert_problem(&result, 422, "validation_failed");
        assert_eq!(
            result.2["errors"][0]["field"], field,
            "{body}: {}",
            result.2
        );
    }
    let unknown_event_app = track_as(
        &service,
        bearer(&anna_token),
        APP_TRACK,
        json!({"news_post_id": visible, "event": "like"}),
    )
    .await;
    assert_problem(&unknown_event_app, 422, "validation_failed");
    assert_eq!(unknown_event_app.2["errors"][0]["field"], "event");
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(ADMIN_TRACK)
            .insert_header(bearer(&owner))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"news_post_id\": 1,"),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");
    let anonymous = send(
        &service,
        TestRequest::post()
            .uri(ADMIN_TRACK)
            .set_json(json!({"news_post_id": visible, "event": "view", "visitor_id": "v"})),
    )
    .await;
    assert_problem(&anonymous, 401, "unauthenticated");
    let anonymous_malformed = send(
        &service,
        TestRequest::post()
            .uri(ADMIN_TRACK)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"news_post_id\": 1,"),
    )
    .await;
    assert_problem(&anonymous_malformed, 401, "unauthenticated");
    let staff_on_app = track_as(
        &service,
        bearer(&owner),
        APP_TRACK,
        json!({"news_post_id": visible, "event": "view"}),
    )
    .await;
    assert_eq!(staff_on_app.0, 403, "{}", staff_on_app.2);

    let after = get(&service, &owner, &stats_uri).await.2;
    assert_eq!(before, after, "no rejected report was stored");
    assert_eq!(after["events"]["view"]["count"], 1);
    assert_eq!(after["events"]["click"]["count"], 1);
    assert_eq!(after["events"]["transition"]["count"], 1);
    assert_eq!(after["events"]["add_to_cart"]["unique"], 1);
}

/// Records a purchase at the app's clock with a fresh owner token; returns its id.
async fn buy<S, B>(app: &TestApp, service: &S, client: i64, total: f64) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let owner = app.staff_token(Role::Owner).1;
    let result = post(
        service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": total}),
        None,
    )
    .await;
    assert_eq!(result.0, 201, "{}", result.2);
    result.2["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn stats_count_events_actors_rates_and_attributed_revenue_exactly() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let anna = add_client(&service, &owner, "Анна").await;
    let boris = add_client(&service, &owner, "Борис").await;
    let vera = add_client(&service, &owner, "Вера").await;
    let post_id = create(
        &service,
        &owner,
        json!({"title": "P", "body": "B", "status": "published"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let staff_track = |body: Value| {
        let owner = owner.clone();
        let service = &service;
        async move {
            let result = track_as(service, bearer(&owner), ADMIN_TRACK, body).await;
            assert_eq!(result.0, 201, "{}", result.2);
        }
    };
    // Anna: two views and a click (from the app); Boris: a view; visitor v1 twice, v2 once.
    staff_track(json!({"news_post_id": post_id, "event": "view", "client_id": anna})).await;
    staff_track(json!({"news_post_id": post_id, "event": "view", "client_id": anna})).await;
    let click = track_as(
        &service,
        bearer(&app.client_token(anna)),
        APP_TRACK,
        json!({"news_post_id": post_id, "event": "click"}),
    )
    .await;
    assert_eq!(click.0, 201, "{}", click.2);
    staff_track(json!({"news_post_id": post_id, "event": "view", "client_id": boris})).await;
    staff_track(json!({"news_post_id": post_id, "event": "view", "visitor_id": "v1"})).await;
    staff_track(json!({"news_post_id": post_id, "event": "view", "visitor_id": "v1"})).await;
    staff_track(json!({"news_post_id": post_id, "event": "view", "visitor_id": "v2"})).await;

    // A day later: Anna buys 1000 (200 refunded); Vera, who never saw the post, buys too.
    app.clock.set(at(NOW + DAY));
    let inside = buy(&app, &service, anna, 1000.0).await;
    let owner = app.staff_token(Role::Owner).1;
    let refund = post(
        &service,
        &owner,
        &format!("/api/v1/admin/operations/{inside}/refund"),
        json!({"amount": 200}),
        Some("refund-1"),
    )
    .await;
    assert_eq!(refund.0, 201, "{}", refund.2);
    buy(&app, &service, vera, 999.0).await;
    // The app names Anna's purchase: it is already attributed and counts once.
    let named = track_as(
        &service,
        bearer(&app.client_token(anna)),
        APP_TRACK,
        json!({"news_post_id": post_id, "event": "purchase", "operation_id": inside}),
    )
    .await;
    assert_eq!(named.0, 201, "{}", named.2);
    assert_eq!(named.2["operation_id"], inside);
    // Ten days on: Anna buys 500 (outside 7 days, inside 30).
    app.clock.set(at(NOW + 10 * DAY));
    buy(&app, &service, anna, 500.0).await;
    // Twenty days on: Boris buys 300, named by a purchase event; it lies outside 7 days of his
    // view, so naming it does not attribute it (inside 30 days it counts).
    app.clock.set(at(NOW + 20 * DAY));
    let boris_purchase = buy(&app, &service, boris, 300.0).await;
    let owner = app.staff_token(Role::Owner).1;
    let result = track_as(
        &service,
        bearer(&owner),
        ADMIN_TRACK,
        json!({"news_post_id": post_id, "event": "purchase", "client_id": boris,
               "operation_id": boris_purchase}),
    )
    .await;
    assert_eq!(result.0, 201, "{}", result.2);

    let stats = get(
        &service,
        &owner,
        &format!("/api/v1/admin/news/{post_id}/stats"),
    )
    .await;
    assert_eq!(stats.0, 200, "{}", stats.2);
    // By hand, 7-day window (everyone's first touch is at NOW):
    // - viewers {Анна, Борис, v1, v2} = 4 unique; clickers {Анна} = 1; purchase events: Анна's
    //   and Борис's = 2 unique.
    // - attributed purchases: Анна's 1000 at NOW+1d (net 1000 - 200 = 800). Анна's 500 at
    //   NOW+10d and Борис's 300 at NOW+20d are outside [NOW, NOW+7d); Вера never touched the
    //   post. So purchases = 1, revenue = 800.
    // - purchasers = {Анна} = 1 (Борис's purchase event names a purchase outside the window).
    // - view_to_click = viewers who clicked / viewers = 1/4 = 0.25.
    // - click_to_purchase = purchasers who clicked / clickers = 1/1 = 1.0.
    // - view_to_purchase = purchasers who viewed / viewers = 1/4 = 0.25.
    assert_eq!(
        stats.2,
        json!({
            "news_post_id": post_id,
            "window_days": 7,
            "events": {
                "view": {"count": 6, "unique": 4},
                "transition": {"count": 0, "unique": 0},
                "click": {"count": 1, "unique": 1},
                "add_to_cart": {"count": 0, "unique": 0},
                "booking": {"count": 0, "unique": 0},
                "purchase": {"count": 2, "unique": 2},
            },
            "purchasers": 1,
            "view_to_click": 0.25,
            "click_to_purchase": 1.0,
            "view_to_purchase": 0.25,
            "purchases": 1,
            "revenue": 800.0,
        })
    );
    let wide = get(
        &service,
        &owner,
        &format!("/api/v1/admin/news/{post_id}/stats?window_days=30"),
    )
    .await;
    // 30 days: Анна's 1000 (net 800) and 500, Борис's 300 → 3 purchases, 1600; purchasers
    // {Анна, Борис} = 2; purchasers who viewed 2/4 = 0.5; who clicked 1/1 = 1.0.
    assert_eq!(wide.2["purchases"], 3);
    assert_eq!(wide.2["revenue"], 1600.0);
    assert_eq!(wide.2["window_days"], 30);
    assert_eq!(wide.2["purchasers"], 2);
    assert_eq!(wide.2["view_to_purchase"], 0.5);
    assert_eq!(wide.2["click_to_purchase"], 1.0);
    for bad in ["0", "91", "x"] {
        let result = get(
            &service,
            &owner,
            &format!("/api/v1/admin/news/{post_id}/stats?window_days={bad}"),
        )
        .await;
        assert!(
            result.0 == 422 || result.0 == 400,
            "{bad}: {} {}",
            result.0,
            result.2
        );
    }
    let unknown = get(&service, &owner, "/api/v1/admin/news/9999/stats").await;
    assert_problem(&unknown, 404, "news_post_not_found");
}

#[actix_web::test]
async fn a_named_purchase_made_before_the_post_was_published_is_refused() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let anna = add_client(&service, &owner, "Анна").await;
    let before = buy(&app, &service, anna, 100.0).await;
    app.clock.set(at(NOW + DAY));
    let owner = app.staff_token(Role::Owner).1;
    let post_id = create(
        &service,
        &owner,
        json!({"title": "P", "body": "B", "status": "published"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let refused = track_as(
        &service,
        bearer(&owner),
        ADMIN_TRACK,
        json!({"news_post_id": post_id, "event": "purchase", "client_id": anna,
               "operation_id": before}),
    )
    .await;
    assert_problem(&refused, 422, "validation_failed");
    assert_eq!(refused.2["errors"][0]["field"], "operation_id");
    let after = buy(&app, &service, anna, 200.0).await;
    let accepted = track_as(
        &service,
        bearer(&owner),
        ADMIN_TRACK,
        json!({"news_post_id": post_id, "event": "purchase", "client_id": anna,
               "operation_id": after}),
    )
    .await;
    assert_eq!(accepted.0, 201, "{}", accepted.2);
    let stats = get(
        &service,
        &owner,
        &format!("/api/v1/admin/news/{post_id}/stats"),
    )
    .await;
    assert_eq!(stats.2["events"]["purchase"]["count"], 1, "{}", stats.2);
}

#[actix_web::test]
async fn an_edit_from_a_stale_version_is_refused_with_409() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let created = create(
        &service,
        &owner,
        json!({"title": "Первая", "body": "Текст"}),
    )
    .await;
    assert_eq!(created["version"], 1);
    let uri = format!("/api/v1/admin/news/{}", created["id"]);
    // Two editors load version 1; the first saves, the second is refused.
    let first = put(
        &service,
        &owner,
        &uri,
        json!({"title": "Правка А", "version": 1}),
    )
    .await;
    assert_eq!(first.0, 200, "{}", first.2);
    assert_eq!(first.2["version"], 2);
    let second = put(
        &service,
        &owner,
        &uri,
        json!({"title": "Правка Б", "version": 1}),
    )
    .await;
    assert_problem(&second, 409, "version_conflict");
    let (_, _, list) = get(&service, &owner, "/api/v1/admin/news").await;
    assert_eq!(list["items"][0]["title"], "Правка А", "nothing written");
    assert_eq!(list["items"][0]["version"], 2);
    // With the current version it goes through; without a version the last writer wins.
    let retried = put(
        &service,
        &owner,
        &uri,
        json!({"title": "Правка Б", "version": 2}),
    )
    .await;
    assert_eq!((retried.0, retried.2["version"].clone()), (200, json!(3)));
    let blind = put(&service, &owner, &uri, json!({"pinned": true})).await;
    assert_eq!((blind.0, blind.2["version"].clone()), (200, json!(4)));
    assert_problem(
        &put(&service, &owner, &uri, json!({"title": "x", "version": 0})).await,
        422,
        "validation_failed",
    );
    let junk = put(
        &service,
        &owner,
        &uri,
        json!({"title": "x", "version": "one"}),
    )
    .await;
    assert_problem(&junk, 422, "validation_failed");
    assert_eq!(junk.2["errors"][0]["field"], "version", "{}", junk.2);
}
