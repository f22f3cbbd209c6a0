//! Telegram sign-in, tokens and role guards through the real app.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use crm_http::auth::init_data;
use crm_staff::StaffRepository;
use serde_json::json;

fn verify_request(init_data: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/telegram/verify")
        .set_json(json!({ "init_data": init_data }))
}

#[actix_web::test]
async fn a_mini_app_user_becomes_a_client_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let data = init_data_for(555, "Мария", NOW - 10);
    let first = send(&service, verify_request(&data)).await;
    assert_eq!(first.0, 200, "{}", first.2);
    let body = &first.2;
    assert_eq!(body["role"], "client");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3_600);
    assert_eq!(body["client_created"], true);
    assert_eq!(body["client"]["telegram_id"], 555);
    assert_eq!(body["client"]["full_name"], "Мария");
    assert_eq!(body["client"]["telegram_username"], "u555");
    assert_eq!(body["client"]["points_balance"], 0.0);
    assert!(body["staff"].is_null());
    let client_id = body["client"]["id"].as_i64().expect("id");

    let second = send(&service, verify_request(&data)).await;
    assert_eq!(second.0, 200);
    assert_eq!(second.2["client_created"], false);
    assert_eq!(second.2["client"]["id"], client_id);

    // The token opens the app routes and shows the same client.
    let token = body["access_token"].as_str().expect("token");
    let me = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/app/me")
            .insert_header(bearer(token)),
    )
    .await;
    assert_eq!(me.0, 200);
    assert_eq!(me.2["id"], client_id);

    // ... but not the admin routes.
    let admin = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(token)),
    )
    .await;
    assert_problem(&admin, 403, "forbidden");
}

#[actix_web::test]
async fn the_verify_body_also_accepts_the_camel_case_name() {
    let app = TestApp::new();
    let service = app.service().await;
    let data = init_data_for(556, "Ann", NOW);
    let response = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/auth/telegram/verify")
            .set_json(json!({ "initData": data })),
    )
    .await;
    assert_eq!(response.0, 200, "{}", response.2);
}

#[actix_web::test]
async fn a_listed_owner_gets_an_owner_token_that_opens_admin_routes() {
    let app = TestApp::new();
    let service = app.service().await;
    let response = send(
        &service,
        verify_request(&init_data_for(OWNER_TG, "Ольга", NOW)),
    )
    .await;
    assert_eq!(response.0, 200, "{}", response.2);
    assert_eq!(response.2["role"], "owner");
    assert_eq!(response.2["staff"]["role"], "owner");
    assert_eq!(response.2["staff"]["full_name"], "Ольга");
    let token = response.2["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let list = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(list.0, 200, "{}", list.2);
    assert_eq!(list.2["total"], 1, "the owner is a client too");
    // The owner's token carries their client record, so app routes work too.
    let me = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/app/me")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(me.0, 200);
    assert_eq!(me.2["telegram_id"], OWNER_TG);

    // Signing in again finds the same owner, no second employee.
    let again = send(
        &service,
        verify_request(&init_data_for(OWNER_TG, "Ольга", NOW)),
    )
    .await;
    assert_eq!(
        again.2["staff"]["employee_id"],
        response.2["staff"]["employee_id"]
    );
}

#[actix_web::test]
async fn bad_init_data_is_refused_with_a_precise_code() {
    let app = TestApp::new();
    let service = app.service().await;
    let good = init_data_for(777, "Ivan", NOW);

    let tampered = good.replace("Ivan", "Ivan2");
    assert_problem(
        &send(&service, verify_request(&tampered)).await,
        401,
        "init_data_signature_invalid",
    );

    let no_hash: String = good
        .split('&')
        .filter(|kv| !kv.starts_with("hash="))
        .collect::<Vec<_>>()
        .join("&");
    assert_problem(
        &send(&service, verify_request(&no_hash)).await,
        401,
        "init_data_hash_missing",
    );

    let bad_date = init_data::sign(
        &[("auth_date", "test"), ("user", r#"{"id":777}"#)],
        BOT_TOKEN,
    );
    assert_problem(
        &send(&service, verify_request(&bad_date)).await,
        401,
        "init_data_auth_date_invalid",
    );

    let expired = init_data_for(777, "Ivan", NOW - 86_400 - 1);
    assert_problem(
        &send(&service, verify_request(&expired)).await,
        401,
        "init_data_expired",
    );

    let future = init_data_for(777, "Ivan", NOW + 300);
    assert_problem(
        &send(&service, verify_request(&future)).await,
        401,
        "init_data_from_the_future",
    );

    let other_bot = init_data::sign(
        &[
            ("auth_date", &NOW.to_string()),
            ("user", r#"{"id":777,"first_name":"Ivan"}"#),
        ],
        "987654321:another-bot-token-entirely",
    );
    assert_problem(
        &send(&service, verify_request(&other_bot)).await,
        401,
        "init_data_signature_invalid",
    );

    assert_problem(
        &send(&service, verify_request("")).await,
        401,
        "init_data_malformed",
    );

    // Nobody was created by any of these.
    let (_, owner) = app.staff_token(Role::Owner);
    let list = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&owner)),
    )
    .await;
    assert_eq!(list.2["total"], 0);
}

#[actix_web::test]
async fn a_signature_field_stays_in_the_signed_data() {
    let app = TestApp::new();
    let service = app.service().await;
    let user = r#"{"id":888,"first_name":"Sig"}"#;
    let signed = init_data::sign(
        &[
            ("auth_date", &NOW.to_string()),
            ("signature", "c2lnbmF0dXJlLWJ5LXRlbGVncmFt"),
            ("user", user),
        ],
        BOT_TOKEN,
    );
    let ok = send(&service, verify_request(&signed)).await;
    assert_eq!(ok.0, 200, "{}", ok.2);
    assert_eq!(ok.2["client"]["telegram_id"], 888);
    let altered = signed.replace("signature=c2", "signature=d2");
    assert_problem(
        &send(&service, verify_request(&altered)).await,
        401,
        "init_data_signature_invalid",
    );
}

#[actix_web::test]
async fn the_published_vectors_sign_in_at_their_time() {
    let vector_1 = "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2";
    let app = TestApp::with_bot_token(
        Some("5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"),
        at(1_662_771_650),
    );
    let service = app.service().await;
    let response = send(&service, verify_request(vector_1)).await;
    assert_eq!(response.0, 200, "{}", response.2);
    assert_eq!(response.2["client"]["telegram_id"], 279_058_397);
    assert_eq!(response.2["client"]["full_name"], "Vladislav Kibenko");
    // A day later the same data has expired: a replay is refused.
    app.clock.set(at(1_662_771_648 + 86_401));
    assert_problem(
        &send(&service, verify_request(vector_1)).await,
        401,
        "init_data_expired",
    );

    let vector_2 = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22en%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%7D&chat_instance=-3788475317572404878&chat_type=private&auth_date=1709144340&hash=371697738012ebd26a111ace4aff23ee265596cd64026c8c3677956a85ca1827";
    let app = TestApp::with_bot_token(
        Some("5768337691:AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU"),
        at(1_709_144_340),
    );
    let service = app.service().await;
    let response = send(&service, verify_request(vector_2)).await;
    assert_eq!(response.0, 200, "{}", response.2);
    assert_eq!(response.2["client"]["telegram_username"], "vdkfrost");
}

#[actix_web::test]
async fn without_a_bot_token_sign_in_is_unavailable_but_the_rest_works() {
    let app = TestApp::with_bot_token(None, at(NOW));
    let service = app.service().await;
    let response = send(&service, verify_request(&init_data_for(1, "A", NOW))).await;
    assert_problem(&response, 503, "telegram_not_configured");
    let (_, owner) = app.staff_token(Role::Owner);
    let list = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&owner)),
    )
    .await;
    assert_eq!(list.0, 200);
    let tma = send(
        &service,
        TestRequest::get().uri("/api/v1/app/me").insert_header((
            header::AUTHORIZATION,
            format!("tma {}", init_data_for(1, "A", NOW)),
        )),
    )
    .await;
    assert_problem(&tma, 503, "telegram_not_configured");
}

#[actix_web::test]
async fn app_routes_accept_tma_init_data_directly() {
    let app = TestApp::new();
    let service = app.service().await;
    let header_value = format!("tma {}", init_data_for(4242, "Пётр", NOW));
    let me = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/app/me")
            .insert_header((header::AUTHORIZATION, header_value.clone())),
    )
    .await;
    assert_eq!(me.0, 200, "{}", me.2);
    assert_eq!(me.2["telegram_id"], 4242);
    assert_eq!(me.2["full_name"], "Пётр");

    let tampered = header_value.replace("4242", "4243");
    let refused = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/app/me")
            .insert_header((header::AUTHORIZATION, tampered)),
    )
    .await;
    assert_problem(&refused, 401, "init_data_signature_invalid");

    // tma is not a staff credential.
    let admin = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header((header::AUTHORIZATION, header_value)),
    )
    .await;
    assert_problem(&admin, 401, "staff_token_required");
}

#[actix_web::test]
async fn admin_routes_refuse_missing_bad_expired_and_revoked_tokens() {
    let app = TestApp::new();
    let service = app.service().await;
    let list = || TestRequest::get().uri("/api/v1/admin/clients");

    assert_problem(&send(&service, list()).await, 401, "unauthenticated");
    assert_problem(
        &send(&service, list().insert_header(bearer("garbage"))).await,
        401,
        "token_invalid",
    );
    assert_problem(
        &send(
            &service,
            list().insert_header((header::AUTHORIZATION, "Basic dXNlcjpwYXNz")),
        )
        .await,
        401,
        "invalid_authorization",
    );
    assert_problem(
        &send(
            &service,
            list().insert_header((header::AUTHORIZATION, "Bearer")),
        )
        .await,
        401,
        "invalid_authorization",
    );

    let (employee_id, token) = app.staff_token(Role::Cashier);
    assert_eq!(
        send(&service, list().insert_header(bearer(&token))).await.0,
        200
    );

    app.clock.set(at(NOW + 3_601));
    assert_problem(
        &send(&service, list().insert_header(bearer(&token))).await,
        401,
        "token_expired",
    );
    app.clock.set(at(NOW));

    // Archiving the employee revokes the token at once.
    let archived = crm_infra::SqliteStaffRepository::new(app.db.clone())
        .archive(crm_core::EmployeeId(employee_id), at(NOW))
        .expect("archived");
    assert!(archived);
    assert_problem(
        &send(&service, list().insert_header(bearer(&token))).await,
        401,
        "staff_access_revoked",
    );
}

#[actix_web::test]
async fn roles_are_checked_per_action() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, master) = app.staff_token(Role::Master);
    let create = |token: &str| {
        TestRequest::post()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(token))
            .set_json(json!({"full_name": "Новый клиент"}))
    };
    assert_problem(&send(&service, create(&master)).await, 403, "forbidden");
    let read = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&master)),
    )
    .await;
    assert_eq!(read.0, 200, "a master may read the client base");
    let (_, cashier) = app.staff_token(Role::Cashier);
    assert_eq!(
        send(&service, create(&cashier)).await.0,
        201,
        "a cashier registers clients at the till"
    );
}

#[actix_web::test]
async fn simultaneous_first_sign_ins_create_one_client() {
    let app = TestApp::new();
    let service = app.service().await;
    let data = init_data_for(31_000, "Одновременный", NOW);
    let requests = (0..8).map(|_| send(&service, verify_request(&data)));
    let responses = futures_util::future::join_all(requests).await;
    assert!(responses.iter().all(|r| r.0 == 200), "{responses:?}");
    let ids: std::collections::HashSet<_> = responses
        .iter()
        .map(|r| r.2["client"]["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 1, "one client for one Telegram user");
    let created = responses
        .iter()
        .filter(|r| r.2["client_created"] == true)
        .count();
    assert_eq!(created, 1);
}
