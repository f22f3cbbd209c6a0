//! Traffic channels through the real app over a real SQLite file: definitions, roles, the
//! unique code, attribution of new clients and the per-channel client count.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::{ClientId, Clock, Role};
use crm_http::auth::init_data;
use serde_json::{json, Value};

const CHANNELS: &str = "/api/v1/admin/traffic-channels";

fn post(token: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(CHANNELS)
        .insert_header(bearer(token))
        .set_json(body)
}

fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(bearer(token))
}

/// Signs a Mini App user in for the first time with a `start_param`.
fn verify_with_start_param(user_id: i64, start_param: &str) -> TestRequest {
    let user = json!({"id": user_id, "first_name": "Гость"}).to_string();
    let data = init_data::sign(
        &[
            ("auth_date", &NOW.to_string()),
            ("start_param", start_param),
            ("user", &user),
        ],
        BOT_TOKEN,
    );
    TestRequest::post()
        .uri("/api/v1/auth/telegram/verify")
        .set_json(json!({ "init_data": data }))
}

#[actix_web::test]
async fn a_manager_defines_channels_and_codes_are_unique() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (status, _, insta) = send(
        &service,
        post(
            &manager,
            json!({"name": " Instagram ", "code": "insta_bio",
                   "link": "https://t.me/zerno_bot/app?startapp=insta_bio",
                   "utm_source": "instagram", "utm_medium": "bio", "utm_campaign": "  "}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{insta}");
    assert_eq!(
        insta,
        json!({"id": insta["id"], "name": "Instagram", "code": "insta_bio",
               "link": "https://t.me/zerno_bot/app?startapp=insta_bio",
               "utm_source": "instagram", "utm_medium": "bio", "utm_campaign": null,
               "clients": 0, "purchases": 0, "revenue": 0.0, "archived_at": null,
               "created_at": "2026-11-24T12:00:00Z", "updated_at": "2026-11-24T12:00:00Z"})
    );

    let duplicate = send(
        &service,
        post(&manager, json!({"name": "Again", "code": "insta_bio"})),
    )
    .await;
    assert_problem(&duplicate, 409, "duplicate_traffic_channel");
    assert_eq!(duplicate.2["errors"][0]["field"], "code");

    let (_, _, vk) = send(
        &service,
        post(&manager, json!({"name": "VK", "code": "vk"})),
    )
    .await;
    let vk_id = vk["id"].as_i64().unwrap();
    let clash = send(
        &service,
        TestRequest::put()
            .uri(&format!("{CHANNELS}/{vk_id}"))
            .insert_header(bearer(&manager))
            .set_json(json!({"code": "insta_bio"})),
    )
    .await;
    assert_problem(&clash, 409, "duplicate_traffic_channel");

    let (status, _, changed) = send(
        &service,
        TestRequest::put()
            .uri(&format!("{CHANNELS}/{vk_id}"))
            .insert_header(bearer(&manager))
            .set_json(json!({"name": "ВКонтакте", "utm_source": "vk", "link": null})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "ВКонтакте");
    assert_eq!(changed["code"], "vk");
    assert_eq!(changed["utm_source"], "vk");

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"name": "A", "code": "Insta"}), vec!["code"]),
        (json!({"name": "", "code": "a b"}), vec!["name", "code"]),
        (
            json!({"name": "A", "code": "a", "link": "t.me/bot"}),
            vec!["link"],
        ),
        (
            json!({"name": "A", "code": "a", "clients": 5}),
            vec!["clients"],
        ),
        (json!({"name": "A"}), vec!["code"]),
    ];
    for (body, fields) in cases {
        let response = send(&service, post(&manager, body.clone())).await;
        assert_problem(&response, 422, "validation_failed");
        let got: Vec<_> = response.2["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(CHANNELS)
            .insert_header(bearer(&manager))
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"name\": "),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");

    let missing = send(
        &service,
        TestRequest::put()
            .uri(&format!("{CHANNELS}/999"))
            .insert_header(bearer(&manager))
            .set_json(json!({"name": "X"})),
    )
    .await;
    assert_problem(&missing, 404, "traffic_channel_not_found");
}

#[actix_web::test]
async fn cashiers_read_channels_but_do_not_define_them() {
    let app = TestApp::new();
    let service = app.service().await;
    let body = json!({"name": "VK", "code": "vk"});
    for role in [Role::Cashier, Role::Master] {
        let (_, token) = app.staff_token(role);
        assert_problem(
            &send(&service, post(&token, body.clone())).await,
            403,
            "forbidden",
        );
        let (status, _, page) = send(&service, get(CHANNELS, &token)).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 0);
    }
    let (client_token, _) = app
        .state
        .auth
        .tokens
        .issue_client(ClientId(1), app.clock.now())
        .unwrap();
    assert_problem(
        &send(&service, get(CHANNELS, &client_token)).await,
        403,
        "forbidden",
    );
    assert_problem(
        &send(&service, TestRequest::post().uri(CHANNELS).set_json(body)).await,
        401,
        "unauthenticated",
    );
}

#[actix_web::test]
async fn the_list_counts_the_clients_each_channel_brought() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let (_, _, insta) = send(
        &service,
        post(&admin, json!({"name": "Instagram", "code": "insta"})),
    )
    .await;
    let (_, _, vk) = send(&service, post(&admin, json!({"name": "VK", "code": "vk"}))).await;
    let (_, _, flyers) = send(
        &service,
        post(&admin, json!({"name": "Листовки", "code": "flyers"})),
    )
    .await;
    let insta_id = insta["id"].as_i64().unwrap();
    let vk_id = vk["id"].as_i64().unwrap();

    // Two clients registered by hand with a channel, one without.
    for (name, channel) in [
        ("Анна", Some(insta_id)),
        ("Борис", Some(insta_id)),
        ("Вера", None),
    ] {
        let (status, _, body) = send(
            &service,
            TestRequest::post()
                .uri("/api/v1/admin/clients")
                .insert_header(bearer(&admin))
                .set_json(json!({"full_name": name, "traffic_channel_id": channel})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // One attributed by the Mini App start_param at first sign-in.
    let (status, _, signed_in) = send(&service, verify_with_start_param(700_001, "vk")).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["client"]["traffic_channel_id"], vk_id);

    let (status, _, page) = send(&service, get(CHANNELS, &admin)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 3);
    let figures: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].clone(),
                c["clients"].clone(),
                c["purchases"].clone(),
                c["revenue"].clone(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (json!("insta"), json!(2), json!(0), json!(0.0)),
            (json!("vk"), json!(1), json!(0), json!(0.0)),
            (json!("flyers"), json!(0), json!(0), json!(0.0)),
        ]
    );

    // Archiving: out of the list, its code attributes nobody new, its clients stay.
    let (status, _, archived) = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{CHANNELS}/{vk_id}"))
            .insert_header(bearer(&admin)),
    )
    .await;
    assert_eq!(status, 200, "{archived}");
    assert_eq!(archived["archived_at"], "2026-11-24T12:00:00Z");
    assert_eq!(archived["clients"], 1);
    let (_, _, signed_in) = send(&service, verify_with_start_param(700_002, "vk")).await;
    assert_eq!(signed_in["client"]["traffic_channel_id"], Value::Null);
    let (_, _, page) = send(&service, get(&format!("{CHANNELS}?limit=1"), &admin)).await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["limit"], 1);
    assert_eq!(page["items"][0]["code"], "insta");
    let (_, _, page) = send(
        &service,
        get(
            &format!("{CHANNELS}?include_archived=true&offset=1"),
            &admin,
        ),
    )
    .await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"][0]["code"], "vk");
    assert_eq!(page["items"][0]["clients"], 1);
    assert_eq!(page["items"][1]["code"], flyers["code"]);
}
