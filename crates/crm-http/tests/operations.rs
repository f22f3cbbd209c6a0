//! Purchases, previews, refunds, idempotency and the points ledger through the real app.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::json;

#[actix_web::test]
async fn a_purchase_rewards_the_client_and_the_recommender() {
    let app = TestApp::new();
    let service = app.service().await;
    let (cashier_id, token) = app.staff_token(Role::Cashier);
    let anna = post(
        &service,
        &token,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна", "phone": "+79160000001"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let boris = post(
        &service,
        &token,
        "/api/v1/admin/clients",
        json!({"full_name": "Борис", "referrer_id": anna}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();

    let quote = post(
        &service,
        &token,
        "/api/v1/admin/operations/calc",
        json!({"client_id": boris, "total": 1999.90}),
        None,
    )
    .await;
    assert_eq!(quote.0, 200, "{}", quote.2);
    assert_eq!(quote.2["cash"], 1999.9);
    assert_eq!(
        quote.2["cashback"], 99.99,
        "5 % of 1999.90 is 99.995, rounded down"
    );
    assert_eq!(quote.2["referral_rewards"][0]["client_id"], anna);
    assert_eq!(quote.2["referral_rewards"][0]["amount"], 99.99);
    assert_eq!(quote.2["max_points"], 0.0, "no points yet");
    let nothing = get(&service, &token, "/api/v1/admin/operations").await;
    assert_eq!(nothing.2["total"], 0, "a preview records nothing");

    let recorded = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"client_id": boris, "total": 1999.90, "receipt_number": "R-1"}),
        None,
    )
    .await;
    assert_eq!(recorded.0, 201, "{}", recorded.2);
    let op = &recorded.2;
    assert_eq!(op["kind"], "purchase");
    assert_eq!(op["total"], 1999.9);
    assert_eq!(op["cash"], 1999.9);
    assert_eq!(op["cashback"], 99.99);
    assert_eq!(op["employee_id"], cashier_id);
    assert_eq!(op["receipt_number"], "R-1");
    assert_eq!(op["recorded_by"], format!("employee:{cashier_id}"));
    assert_eq!(op["replayed"], false);

    let card = get(&service, &token, &format!("/api/v1/admin/clients/{boris}"))
        .await
        .2;
    assert_eq!(card["points_balance"], 99.99);
    assert_eq!(card["total_spent"], 1999.9);
    assert_eq!(card["purchase_count"], 1);
    assert_eq!(card["last_purchase_at"], "2026-11-24T12:00:00Z");
    let ledger = get(
        &service,
        &token,
        &format!("/api/v1/admin/clients/{anna}/ledger"),
    )
    .await
    .2;
    assert_eq!(ledger["total"], 1);
    assert_eq!(ledger["items"][0]["kind"], "referral_reward");
    assert_eq!(ledger["items"][0]["amount"], 99.99);
    assert_eq!(ledger["items"][0]["generation"], 1);
    assert_eq!(ledger["items"][0]["source_client_id"], boris);

    // Spending: 30 % of the check at most, and never more than the balance.
    let by_phone = post(
        &service,
        &token,
        "/api/v1/admin/operations/calc",
        json!({"phone": "8 916 000-00-01", "total": 100}),
        None,
    )
    .await;
    assert_eq!(by_phone.2["client_id"], anna);
    let without_code = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"client_id": boris, "total": 100, "points_to_spend": 30}),
        None,
    )
    .await;
    assert_problem(&without_code, 422, "payment_code_required");
    assert_eq!(without_code.2["errors"][0]["field"], "payment_code");
    let code = post(
        &service,
        &app.client_token(boris),
        "/api/v1/app/payment-code",
        json!({}),
        None,
    )
    .await;
    assert_eq!(code.0, 201, "{}", code.2);
    assert_eq!(code.2["valid_seconds"], 300);
    assert_eq!(code.2["expires_at"], "2026-11-24T12:05:00Z");
    let code = code.2["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let too_many = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"payment_code": code, "total": 100, "points_to_spend": 31}),
        None,
    )
    .await;
    assert_problem(&too_many, 422, "too_many_points");
    assert_eq!(too_many.2["errors"][0]["field"], "points_to_spend");
    assert_eq!(too_many.2["errors"][0]["message"], "must be at most 30");
    let spend = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"payment_code": code, "total": 100, "points_to_spend": 30, "cash": 70}),
        None,
    )
    .await;
    assert_eq!(spend.0, 201, "{}", spend.2);
    assert_eq!(spend.2["client_id"], boris);
    let reused = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"payment_code": code, "total": 10}),
        None,
    )
    .await;
    assert_problem(&reused, 422, "payment_code_invalid");
    assert_eq!(spend.2["points"], 30.0);
    assert_eq!(spend.2["cashback"], 3.5);
    let card = get(&service, &token, &format!("/api/v1/admin/clients/{boris}"))
        .await
        .2;
    assert_eq!(card["points_balance"], 73.49, "99.99 - 30 + 3.50");
}

#[actix_web::test]
async fn bad_purchases_are_refused_by_field_and_write_nothing() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let client = post(
        &service,
        &token,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let cases = [
        (
            json!({"client_id": client, "total": -5}),
            422,
            "validation_failed",
            "total",
        ),
        (
            json!({"client_id": client, "total": 0}),
            422,
            "validation_failed",
            "total",
        ),
        (
            json!({"client_id": client, "total": 10.555}),
            422,
            "validation_failed",
            "total",
        ),
        (
            json!({"client_id": client, "total": "abc"}),
            422,
            "validation_failed",
            "total",
        ),
        (
            json!({"client_id": client, "total": 1e30}),
            422,
            "validation_failed",
            "total",
        ),
        (
            json!({"client_id": client, "total": 10, "points_to_spend": -1}),
            422,
            "validation_failed",
            "points_to_spend",
        ),
        (
            json!({"client_id": client, "total": 10, "points_to_spend": 20}),
            422,
            "too_many_points",
            "points_to_spend",
        ),
        (
            json!({"client_id": 999_999, "total": 10}),
            422,
            "client_not_found",
            "client_id",
        ),
        (json!({"total": 10}), 422, "validation_failed", "client_id"),
        (
            json!({"client_id": client, "telegram_id": 5, "total": 10}),
            422,
            "validation_failed",
            "client_id",
        ),
        (
            json!({"phone": "nope", "total": 10}),
            422,
            "validation_failed",
            "phone",
        ),
        (
            json!({"client_id": client, "total": 10, "cash": 9}),
            422,
            "cash_mismatch",
            "cash",
        ),
        (
            json!({"client_id": client, "total": 10, "cashback": 500}),
            422,
            "validation_failed",
            "cashback",
        ),
        (
            json!({"client_id": client, "total": 10, "employee_id": 4242}),
            422,
            "validation_failed",
            "employee_id",
        ),
        (
            json!({"client_id": client, "total": 10, "receipt_number": "x".repeat(65)}),
            422,
            "validation_failed",
            "receipt_number",
        ),
    ];
    for (body, status, code, field) in cases {
        let result = post(
            &service,
            &token,
            "/api/v1/admin/operations",
            body.clone(),
            None,
        )
        .await;
        assert_problem(&result, status, code);
        assert_eq!(
            result.2["errors"][0]["field"], field,
            "{body}: {}",
            result.2
        );
    }
    let list = get(&service, &token, "/api/v1/admin/operations").await;
    assert_eq!(list.2["total"], 0);
    let card = get(&service, &token, &format!("/api/v1/admin/clients/{client}"))
        .await
        .2;
    assert_eq!(card["points_balance"], 0.0);
    assert_eq!(card["purchase_count"], 0);
}

#[actix_web::test]
async fn an_idempotency_key_records_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Cashier);
    let client = post(
        &service,
        &token,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let body = json!({"client_id": client, "total": 500});
    let first = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        body.clone(),
        Some("till-1-receipt-77"),
    )
    .await;
    let second = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        body.clone(),
        Some("till-1-receipt-77"),
    )
    .await;
    assert_eq!(first.0, 201);
    assert_eq!(second.0, 201);
    assert_eq!(first.2["id"], second.2["id"]);
    assert_eq!(second.2["replayed"], true);
    let other = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 501}),
        Some("till-1-receipt-77"),
    )
    .await;
    assert_problem(&other, 409, "idempotency_key_reused");
    let concurrent = futures_util::future::join_all((0..50).map(|_| {
        post(
            &service,
            &token,
            "/api/v1/admin/operations",
            json!({"client_id": client, "total": 7}),
            Some("burst"),
        )
    }))
    .await;
    let ids: std::collections::HashSet<_> = concurrent.iter().map(|r| r.2["id"].as_i64()).collect();
    assert!(
        concurrent.iter().all(|r| r.0 == 201),
        "{:?}",
        concurrent.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert_eq!(ids.len(), 1);
    let list = get(
        &service,
        &token,
        &format!("/api/v1/admin/operations?client_id={client}"),
    )
    .await;
    assert_eq!(list.2["total"], 2);
    let card = get(&service, &token, &format!("/api/v1/admin/clients/{client}"))
        .await
        .2;
    assert_eq!(
        card["points_balance"], 25.35,
        "5 % of 500 + 5 % of 7, once each"
    );
}

#[actix_web::test]
async fn concurrent_spends_never_overdraw() {
    let app = TestApp::new();
    let service = app.service().await;
    // An admin may spend points without the client's code.
    let (_, token) = app.staff_token(Role::Admin);
    let client = post(
        &service,
        &token,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    // 5 % of 2000 = 100 points; then no cashback, so exactly ten spends of 10 fit.
    assert_eq!(
        post(
            &service,
            &token,
            "/api/v1/admin/operations",
            json!({"client_id": client, "total": 2000}),
            None
        )
        .await
        .0,
        201
    );
    let (_, owner) = app.staff_token(Role::Owner);
    let no_cashback = send(
        &service,
        TestRequest::put()
            .uri("/api/v1/admin/system-settings")
            .insert_header(bearer(&owner))
            .set_json(json!({"loyalty": {"base_cashback": 0}})),
    )
    .await;
    assert_eq!(no_cashback.0, 200, "{}", no_cashback.2);
    let results = futures_util::future::join_all((0..50).map(|_| {
        post(
            &service,
            &token,
            "/api/v1/admin/operations",
            json!({"client_id": client, "total": 100, "points_to_spend": 10}),
            None,
        )
    }))
    .await;
    let ok = results.iter().filter(|r| r.0 == 201).count() as f64;
    assert!(
        results
            .iter()
            .all(|r| r.0 == 201 || r.0 == 422 || r.0 == 409),
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert_eq!(ok, 10.0, "100 points cover exactly ten spends of 10");
    let card = get(&service, &token, &format!("/api/v1/admin/clients/{client}"))
        .await
        .2;
    let balance = card["points_balance"].as_f64().unwrap();
    assert_eq!(balance, 0.0);
    let ledger = get(
        &service,
        &token,
        &format!("/api/v1/admin/clients/{client}/ledger?limit=500"),
    )
    .await
    .2;
    let sum: f64 = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_f64().unwrap())
        .sum();
    assert!(
        (sum - balance).abs() < 0.001,
        "ledger {sum} vs balance {balance}"
    );
}

#[actix_web::test]
async fn refunds_are_partial_or_full_and_bounded() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Manager);
    let client = post(
        &service,
        &token,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let purchase = post(
        &service,
        &token,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 1000}),
        None,
    )
    .await
    .2;
    let id = purchase["id"].as_i64().unwrap();
    let uri = format!("/api/v1/admin/operations/{id}/refund");
    let partial = post(
        &service,
        &token,
        &uri,
        json!({"amount": 400, "comment": "вернул один товар"}),
        Some("r1"),
    )
    .await;
    assert_eq!(partial.0, 201, "{}", partial.2);
    assert_eq!(partial.2["kind"], "refund");
    assert_eq!(partial.2["purchase_id"], id);
    assert_eq!(partial.2["total"], 400.0);
    assert_eq!(partial.2["cash"], 400.0);
    assert_eq!(partial.2["cashback"], 20.0);
    let again = post(
        &service,
        &token,
        &uri,
        json!({"amount": 400, "comment": "вернул один товар"}),
        Some("r1"),
    )
    .await;
    assert_eq!(
        again.2["id"], partial.2["id"],
        "a repeated refund is the same refund"
    );
    let original = get(&service, &token, &format!("/api/v1/admin/operations/{id}"))
        .await
        .2;
    assert_eq!(original["refunded_total"], 400.0);
    assert_eq!(original["refundable"], 600.0);
    let too_much = post(&service, &token, &uri, json!({"amount": 600.01}), None).await;
    assert_problem(&too_much, 422, "refund_exceeds_purchase");
    assert_eq!(too_much.2["errors"][0]["field"], "amount");
    let rest = post(&service, &token, &uri, json!({}), None).await;
    assert_eq!(rest.0, 201);
    assert_eq!(rest.2["total"], 600.0);
    let card = get(&service, &token, &format!("/api/v1/admin/clients/{client}"))
        .await
        .2;
    assert_eq!(card["points_balance"], 0.0);
    assert_eq!(card["total_spent"], 0.0);
    assert_eq!(card["purchase_count"], 0);
    let nothing_left = post(&service, &token, &uri, json!({}), None).await;
    assert_problem(&nothing_left, 422, "refund_exceeds_purchase");
    let refund_id = rest.2["id"].as_i64().unwrap();
    let of_refund = post(
        &service,
        &token,
        &format!("/api/v1/admin/operations/{refund_id}/refund"),
        json!({}),
        None,
    )
    .await;
    assert_problem(&of_refund, 422, "not_a_purchase");
    let missing = post(
        &service,
        &token,
        "/api/v1/admin/operations/999999/refund",
        json!({}),
        None,
    )
    .await;
    assert_problem(&missing, 404, "operation_not_found");

    let refunds = get(&service, &token, "/api/v1/admin/operations?type=refund").await;
    assert_eq!(refunds.2["total"], 2);
    let window = get(
        &service,
        &token,
        "/api/v1/admin/operations?from=2026-11-24T11:00:00Z&to=2026-11-24T13:00:00%2B00:00",
    )
    .await;
    assert_eq!(window.2["total"], 3);
    let empty = get(
        &service,
        &token,
        "/api/v1/admin/operations?from=2026-11-25T00:00:00Z",
    )
    .await;
    assert_eq!(empty.2["total"], 0);
    assert_problem(
        &get(&service, &token, "/api/v1/admin/operations?type=gift").await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(&service, &token, "/api/v1/admin/operations?from=yesterday").await,
        400,
        "invalid_query",
    );
    assert_problem(
        &get(&service, &token, "/api/v1/admin/operations/abc").await,
        404,
        "not_found",
    );
}

#[actix_web::test]
async fn masters_read_but_do_not_record() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, master) = app.staff_token(Role::Master);
    let client = post(
        &service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let refused = post(
        &service,
        &master,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 10}),
        None,
    )
    .await;
    assert_problem(&refused, 403, "forbidden");
    assert_eq!(
        get(&service, &master, "/api/v1/admin/operations").await.0,
        200
    );
    assert_problem(
        &send(&service, TestRequest::get().uri("/api/v1/admin/operations")).await,
        401,
        "unauthenticated",
    );
}

#[actix_web::test]
async fn payment_codes_expire_and_cannot_be_guessed() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, cashier) = app.staff_token(Role::Cashier);
    let client = post(
        &service,
        &cashier,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let client_token = app.client_token(client);
    let first = post(
        &service,
        &client_token,
        "/api/v1/app/payment-code",
        json!({}),
        None,
    )
    .await
    .2["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = post(
        &service,
        &client_token,
        "/api/v1/app/payment-code",
        json!({}),
        None,
    )
    .await
    .2["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let calc = |code: &str| json!({"payment_code": code, "total": 100});
    if first != second {
        let old = post(
            &service,
            &cashier,
            "/api/v1/admin/operations/calc",
            calc(&first),
            None,
        )
        .await;
        assert_problem(&old, 422, "payment_code_invalid");
    }
    let found = post(
        &service,
        &cashier,
        "/api/v1/admin/operations/calc",
        calc(&second),
        None,
    )
    .await;
    assert_eq!(found.0, 200, "{}", found.2);
    assert_eq!(found.2["client_id"], client);
    app.clock.set(at(NOW + 301));
    let expired = post(
        &service,
        &cashier,
        "/api/v1/admin/operations/calc",
        calc(&second),
        None,
    )
    .await;
    assert_problem(&expired, 422, "payment_code_invalid");

    let (_, guesser) = app.staff_token(Role::Cashier);
    let mut statuses = Vec::new();
    for guess in 0..12 {
        let result = post(
            &service,
            &guesser,
            "/api/v1/admin/operations/calc",
            calc(&format!("{guess:06}")),
            None,
        )
        .await;
        statuses.push(result.0);
    }
    assert!(statuses[..9].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[11], 429, "{statuses:?}");
    let limited = post(
        &service,
        &guesser,
        "/api/v1/admin/operations/calc",
        calc("123456"),
        None,
    )
    .await;
    assert_problem(&limited, 429, "too_many_attempts");
    assert_problem(
        &post(
            &service,
            &cashier,
            "/api/v1/app/payment-code",
            json!({}),
            None,
        )
        .await,
        403,
        "forbidden",
    );
}

#[actix_web::test]
async fn a_certificate_pays_first_and_a_refund_gives_it_back() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let kind = post(
        &service,
        &owner,
        "/api/v1/admin/certificates/types",
        json!({"name": "Подарок 1000", "nominal": 1000, "price": 900, "validity_days": 30}),
        None,
    )
    .await;
    assert_eq!(kind.0, 201, "{}", kind.2);
    let sold = post(
        &service,
        &cashier,
        "/api/v1/admin/certificates",
        json!({"type_id": kind.2["id"]}),
        None,
    )
    .await;
    assert_eq!(sold.0, 201, "{}", sold.2);
    let code = sold.2["code"].as_str().unwrap().to_lowercase();
    let client = post(
        &service,
        &cashier,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();

    let quote = post(
        &service,
        &cashier,
        "/api/v1/admin/operations/calc",
        json!({"client_id": client, "total": 400, "certificate_code": code}),
        None,
    )
    .await;
    assert_eq!(quote.0, 200, "{}", quote.2);
    assert_eq!(quote.2["certificate_amount"], 400.0);
    assert_eq!(quote.2["certificate_balance"], 1000.0);
    assert_eq!(quote.2["cash"], 0.0);
    assert_eq!(quote.2["cashback"], 0.0, "a certificate earns no cashback");

    let first = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 400, "certificate_code": code}),
        None,
    )
    .await;
    assert_eq!(first.0, 201, "{}", first.2);
    assert_eq!(first.2["certificate_amount"], 400.0);
    assert_eq!(first.2["certificate_id"], sold.2["id"]);
    let second = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 1000, "certificate_code": code}),
        None,
    )
    .await;
    assert_eq!(second.0, 201, "{}", second.2);
    assert_eq!(second.2["certificate_amount"], 600.0);
    assert_eq!(second.2["cash"], 400.0);
    let spent = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 10, "certificate_code": code}),
        None,
    )
    .await;
    assert_problem(&spent, 422, "certificate_redeemed");
    assert_eq!(spent.2["errors"][0]["field"], "certificate_code");

    let refund_uri = format!("/api/v1/admin/operations/{}/refund", first.2["id"]);
    let refund = post(&service, &cashier, &refund_uri, json!({}), None).await;
    assert_eq!(refund.0, 201, "{}", refund.2);
    assert_eq!(refund.2["certificate_amount"], 400.0);
    let card = get(
        &service,
        &cashier,
        &format!("/api/v1/admin/certificates/{code}"),
    )
    .await;
    assert_eq!(
        card.2["balance"], 400.0,
        "the refunded part is back on the certificate"
    );

    let unknown = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 10, "certificate_code": "AAAA-AAAA-AAAA-AAAA"}),
        None,
    )
    .await;
    assert_problem(&unknown, 422, "certificate_not_found");
    let malformed = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 10, "certificate_code": "!"}),
        None,
    )
    .await;
    assert_problem(&malformed, 422, "validation_failed");
    assert_eq!(malformed.2["errors"][0]["field"], "certificate_code");
    app.clock.set(at(NOW + 31 * 86_400));
    let (_, cashier) = app.staff_token(Role::Cashier);
    let expired = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 10, "certificate_code": code}),
        None,
    )
    .await;
    assert_problem(&expired, 422, "certificate_expired");
}
