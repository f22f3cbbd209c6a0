//! Manual accruals and withdrawals, the welcome bonus and points expiry through the real app.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const DAY: i64 = 86_400;

async fn set_loyalty<S, B>(service: &S, owner: &str, loyalty: Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let saved = send(
        service,
        TestRequest::put()
            .uri("/api/v1/admin/system-settings")
            .insert_header(bearer(owner))
            .set_json(json!({ "loyalty": loyalty })),
    )
    .await;
    assert_eq!(saved.0, 200, "{}", saved.2);
}

async fn new_client<S, B>(service: &S, token: &str, name: &str) -> (i64, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let created = post(
        service,
        token,
        "/api/v1/admin/clients",
        json!({ "full_name": name }),
        None,
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.2);
    (created.2["id"].as_i64().unwrap(), created.2)
}

/// The balance on the card, the sum of the ledger's amounts and the sum of the lots' remaining
/// parts, in hundredths.
async fn books<S, B>(service: &S, token: &str, client: i64) -> (i64, i64, i64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let hundredths = |v: &Value| (v.as_f64().unwrap() * 100.0).round() as i64;
    let card = get(service, token, &format!("/api/v1/admin/clients/{client}")).await;
    let ledger = get(
        service,
        token,
        &format!("/api/v1/admin/clients/{client}/ledger?limit=500"),
    )
    .await;
    let items = ledger.2["items"].as_array().unwrap();
    (
        hundredths(&card.2["points_balance"]),
        items.iter().map(|e| hundredths(&e["amount"])).sum(),
        items.iter().map(|e| hundredths(&e["remaining"])).sum(),
    )
}

#[actix_web::test]
async fn owners_accrue_and_withdraw_points_with_a_reason() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner_id, owner) = app.staff_token(Role::Owner);
    set_loyalty(&service, &owner, json!({"points_expiry_days": 30})).await;
    let (anna, _) = new_client(&service, &owner, "Анна").await;
    let uri = format!("/api/v1/admin/clients/{anna}/points");

    let accrued = post(
        &service,
        &owner,
        &uri,
        json!({"amount": 150.5, "reason": "Compensation for a late order"}),
        None,
    )
    .await;
    assert_eq!(accrued.0, 201, "{}", accrued.2);
    let entry = &accrued.2["entry"];
    assert_eq!(entry["kind"], "adjustment");
    assert_eq!(entry["amount"], 150.5);
    assert_eq!(entry["remaining"], 150.5);
    assert_eq!(entry["reason"], "Compensation for a late order");
    assert_eq!(entry["actor"], format!("employee:{owner_id}"));
    assert_eq!(entry["available_at"], "2026-11-24T12:00:00Z");
    assert_eq!(entry["expires_at"], "2026-12-24T12:00:00Z");
    assert_eq!(entry["operation_id"], Value::Null);
    assert_eq!(accrued.2["points_balance"], 150.5);
    assert_eq!(accrued.2["replayed"], false);

    let (_, admin) = app.staff_token(Role::Admin);
    let withdrawn = post(
        &service,
        &admin,
        &uri,
        json!({"amount": "-50.25", "reason": "Accrued twice by mistake"}),
        None,
    )
    .await;
    assert_eq!(withdrawn.0, 201, "{}", withdrawn.2);
    assert_eq!(withdrawn.2["entry"]["amount"], -50.25);
    assert_eq!(withdrawn.2["entry"]["remaining"], 0.0);
    assert_eq!(withdrawn.2["entry"]["expires_at"], Value::Null);
    assert_eq!(withdrawn.2["points_balance"], 100.25);

    let too_many = post(
        &service,
        &owner,
        &uri,
        json!({"amount": -100.26, "reason": "Too much"}),
        None,
    )
    .await;
    assert_problem(&too_many, 422, "too_many_points");
    assert_eq!(too_many.2["errors"][0]["field"], "amount");
    assert!(
        too_many.2["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("100.25"),
        "{}",
        too_many.2
    );
    assert_eq!(
        books(&service, &owner, anna).await,
        (100_25, 100_25, 100_25)
    );

    let ledger = get(
        &service,
        &owner,
        &format!("/api/v1/admin/clients/{anna}/ledger"),
    )
    .await;
    let kinds: Vec<_> = ledger.2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["amount"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("adjustment".to_owned(), -50.25),
            ("adjustment".to_owned(), 150.5)
        ]
    );
}

#[actix_web::test]
async fn only_owners_and_admins_adjust_or_expire() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (anna, _) = new_client(&service, &owner, "Анна").await;
    let uri = format!("/api/v1/admin/clients/{anna}/points");
    for role in [Role::Manager, Role::Cashier, Role::Master] {
        let (_, token) = app.staff_token(role);
        let refused = post(
            &service,
            &token,
            &uri,
            json!({"amount": 10, "reason": "Gift"}),
            None,
        )
        .await;
        assert_problem(&refused, 403, "forbidden");
        let refused = post(
            &service,
            &token,
            "/api/v1/admin/loyalty/expire-points",
            json!({}),
            None,
        )
        .await;
        assert_problem(&refused, 403, "forbidden");
    }
    let anonymous = send(
        &service,
        TestRequest::post()
            .uri(&uri)
            .set_json(json!({"amount": 10, "reason": "Gift"})),
    )
    .await;
    assert_problem(&anonymous, 401, "unauthenticated");
    assert_eq!(books(&service, &owner, anna).await, (0, 0, 0));
}

#[actix_web::test]
async fn invalid_adjustments_name_the_field() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (anna, _) = new_client(&service, &owner, "Анна").await;
    let uri = format!("/api/v1/admin/clients/{anna}/points");
    let cases = [
        (json!({"amount": 0, "reason": "Nothing"}), "amount"),
        (json!({"amount": 1.234, "reason": "Too precise"}), "amount"),
        (json!({"amount": "abc", "reason": "Not a number"}), "amount"),
        (json!({"amount": -1e13, "reason": "Too large"}), "amount"),
        (json!({"amount": 5, "reason": " ab "}), "reason"),
        (json!({"amount": 5, "reason": "x".repeat(501)}), "reason"),
        (json!({"amount": 5}), "reason"),
        (json!({"reason": "No amount"}), "amount"),
        (
            json!({"amount": 5, "reason": "Gift", "points_balance": 5}),
            "points_balance",
        ),
    ];
    for (body, field) in cases {
        let refused = post(&service, &owner, &uri, body.clone(), None).await;
        assert_problem(&refused, 422, "validation_failed");
        assert_eq!(
            refused.2["errors"][0]["field"], field,
            "{body}: {}",
            refused.2
        );
    }
    let nobody = post(
        &service,
        &owner,
        "/api/v1/admin/clients/999999/points",
        json!({"amount": 5, "reason": "Gift"}),
        None,
    )
    .await;
    assert_problem(&nobody, 404, "client_not_found");
    let bad_path = post(
        &service,
        &owner,
        "/api/v1/admin/clients/abc/points",
        json!({"amount": 5, "reason": "Gift"}),
        None,
    )
    .await;
    assert_problem(&bad_path, 404, "not_found");
    let long_key = post(
        &service,
        &owner,
        &uri,
        json!({"amount": 5, "reason": "Gift"}),
        Some(&"k".repeat(129)),
    )
    .await;
    assert_problem(&long_key, 422, "validation_failed");
    assert_eq!(long_key.2["errors"][0]["field"], "idempotency_key");
    assert_eq!(books(&service, &owner, anna).await, (0, 0, 0));
}

#[actix_web::test]
async fn an_idempotency_key_replays_the_stored_result() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (anna, _) = new_client(&service, &owner, "Анна").await;
    let uri = format!("/api/v1/admin/clients/{anna}/points");
    let body = json!({"amount": 25, "reason": "Birthday gift"});
    let first = post(&service, &owner, &uri, body.clone(), Some("gift-1")).await;
    assert_eq!(first.0, 201, "{}", first.2);
    let other = post(
        &service,
        &owner,
        &uri,
        json!({"amount": 5, "reason": "Another gift"}),
        None,
    )
    .await;
    assert_eq!(other.2["points_balance"], 30.0);
    let again = post(&service, &owner, &uri, body, Some("gift-1")).await;
    assert_eq!(again.0, 201, "{}", again.2);
    assert_eq!(again.2["replayed"], true);
    assert_eq!(again.2["entry"], first.2["entry"]);
    assert_eq!(
        again.2["points_balance"], 25.0,
        "the stored result, as it was"
    );
    let reused = post(
        &service,
        &owner,
        &uri,
        json!({"amount": 26, "reason": "Birthday gift"}),
        Some("gift-1"),
    )
    .await;
    assert_problem(&reused, 409, "idempotency_key_reused");
    assert_eq!(books(&service, &owner, anna).await, (30_00, 30_00, 30_00));
}

#[actix_web::test]
async fn new_clients_get_the_welcome_bonus_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (anna, card) = new_client(&service, &owner, "Анна").await;
    assert_eq!(card["points_balance"], 0.0, "no bonus in the default rules");
    set_loyalty(
        &service,
        &owner,
        json!({"welcome_bonus": 100, "points_expiry_days": 30, "points_deferral_days": 0}),
    )
    .await;
    assert_eq!(
        books(&service, &owner, anna).await,
        (0, 0, 0),
        "clients that existed before get nothing"
    );

    let (_, cashier) = app.staff_token(Role::Cashier);
    let (boris, card) = new_client(&service, &cashier, "Борис").await;
    assert_eq!(
        card["points_balance"], 100.0,
        "the created card shows the bonus"
    );
    let ledger = get(
        &service,
        &owner,
        &format!("/api/v1/admin/clients/{boris}/ledger"),
    )
    .await;
    assert_eq!(ledger.2["total"], 1);
    let bonus = &ledger.2["items"][0];
    assert_eq!(bonus["kind"], "welcome_bonus");
    assert_eq!(bonus["amount"], 100.0);
    assert_eq!(bonus["actor"], "system");
    assert_eq!(bonus["expires_at"], "2026-12-24T12:00:00Z");

    // First Mini App sign-in creates the client with the bonus; later ones do not repeat it.
    let verify = |user: i64| {
        TestRequest::post()
            .uri("/api/v1/auth/telegram/verify")
            .set_json(json!({"init_data": init_data_for(user, "Вера", NOW)}))
    };
    let first = send(&service, verify(7001)).await;
    assert_eq!(first.0, 200, "{}", first.2);
    assert_eq!(first.2["client_created"], true);
    assert_eq!(first.2["client"]["points_balance"], 100.0);
    let vera = first.2["client"]["id"].as_i64().unwrap();
    let second = send(&service, verify(7001)).await;
    assert_eq!(second.2["client_created"], false);
    assert_eq!(second.2["client"]["points_balance"], 100.0);
    assert_eq!(
        books(&service, &owner, vera).await,
        (100_00, 100_00, 100_00)
    );

    // `tma` straight on an app route creates the client with the bonus, too.
    let me = send(
        &service,
        TestRequest::get().uri("/api/v1/app/me").insert_header((
            header::AUTHORIZATION,
            format!("tma {}", init_data_for(7002, "Глеб", NOW)),
        )),
    )
    .await;
    assert_eq!(me.0, 200, "{}", me.2);
    assert_eq!(me.2["points_balance"], 100.0);
    let again = send(
        &service,
        TestRequest::get().uri("/api/v1/app/me").insert_header((
            header::AUTHORIZATION,
            format!("tma {}", init_data_for(7002, "Глеб", NOW)),
        )),
    )
    .await;
    assert_eq!(again.2["points_balance"], 100.0);
    let gleb = me.2["id"].as_i64().unwrap();
    assert_eq!(
        books(&service, &owner, gleb).await,
        (100_00, 100_00, 100_00)
    );
}

#[actix_web::test]
async fn earned_points_expire_after_thirty_days_and_only_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    set_loyalty(
        &service,
        &owner,
        json!({"base_cashback": 5, "points_expiry_days": 30, "points_deferral_days": 0}),
    )
    .await;
    let (anna, _) = new_client(&service, &owner, "Анна").await;
    let bought = post(
        &service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": anna, "total": 1000}),
        None,
    )
    .await;
    assert_eq!(bought.0, 201, "{}", bought.2);
    assert_eq!(bought.2["cashback"], 50.0);
    let spend = json!({"client_id": anna, "total": 1000, "points_to_spend": 50});

    app.clock.set(at(NOW + 29 * DAY));
    let (_, owner) = app.staff_token(Role::Owner); // tokens live an hour
    let day29 = post(
        &service,
        &owner,
        "/api/v1/admin/operations/calc",
        spend.clone(),
        None,
    )
    .await;
    assert_eq!(day29.0, 200, "spendable on day 29: {}", day29.2);
    assert_eq!(day29.2["spendable_points"], 50.0);
    let nothing = post(
        &service,
        &owner,
        "/api/v1/admin/loyalty/expire-points",
        json!({}),
        None,
    )
    .await;
    assert_eq!(nothing.0, 200, "{}", nothing.2);
    assert_eq!(nothing.2, json!({"lots": 0, "points": 0.0, "clients": 0}));

    app.clock.set(at(NOW + 31 * DAY));
    let (_, owner) = app.staff_token(Role::Owner);
    let day31 = post(
        &service,
        &owner,
        "/api/v1/admin/operations/calc",
        spend,
        None,
    )
    .await;
    assert_problem(&day31, 422, "too_many_points");
    let withdraw = post(
        &service,
        &owner,
        &format!("/api/v1/admin/clients/{anna}/points"),
        json!({"amount": -1, "reason": "Expired points are not spendable"}),
        None,
    )
    .await;
    assert_problem(&withdraw, 422, "too_many_points");

    let expired = post(
        &service,
        &owner,
        "/api/v1/admin/loyalty/expire-points",
        json!({}),
        None,
    )
    .await;
    assert_eq!(expired.0, 200, "{}", expired.2);
    assert_eq!(expired.2, json!({"lots": 1, "points": 50.0, "clients": 1}));
    assert_eq!(books(&service, &owner, anna).await, (0, 0, 0));
    let ledger = get(
        &service,
        &owner,
        &format!("/api/v1/admin/clients/{anna}/ledger"),
    )
    .await;
    assert_eq!(ledger.2["items"][0]["kind"], "expiry");
    assert_eq!(ledger.2["items"][0]["amount"], -50.0);
    assert_eq!(ledger.2["items"][0]["actor"], "system");

    let twice = post(
        &service,
        &owner,
        "/api/v1/admin/loyalty/expire-points",
        json!({}),
        None,
    )
    .await;
    assert_eq!(twice.2, json!({"lots": 0, "points": 0.0, "clients": 0}));
    assert_eq!(books(&service, &owner, anna).await, (0, 0, 0));
}

#[actix_web::test]
async fn concurrent_retries_with_one_key_write_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (anna, _) = new_client(&service, &owner, "Анна").await;
    let uri = format!("/api/v1/admin/clients/{anna}/points");
    let results = futures_util::future::join_all((0..12).map(|_| {
        post(
            &service,
            &owner,
            &uri,
            json!({"amount": 7, "reason": "Retried gift"}),
            Some("same-key"),
        )
    }))
    .await;
    assert!(results.iter().all(|r| r.0 == 201), "{results:?}");
    assert_eq!(
        results.iter().filter(|r| r.2["replayed"] == false).count(),
        1
    );
    let ids: std::collections::HashSet<_> = results
        .iter()
        .map(|r| r.2["entry"]["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(books(&service, &owner, anna).await, (7_00, 7_00, 7_00));
}
