//! The referral programme through the real app: variants, configuration, client standing,
//! and the rewards purchases pay under it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::json;

#[actix_web::test]
async fn the_configuration_drives_variants_rewards_and_standings() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, cashier) = app.staff_token(Role::Cashier);

    let start = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/referral-programs")
            .insert_header(bearer(&cashier)),
    )
    .await;
    assert_eq!(start.0, 200, "{}", start.2);
    assert_eq!(start.2["config"]["generations"], json!([5.0]));
    let active: Vec<_> = start.2["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["active"] == true)
        .map(|v| v["code"].clone())
        .collect();
    assert_eq!(active, [json!("bring_a_friend")]);

    let put = |token: &str, body: serde_json::Value| {
        TestRequest::put()
            .uri("/api/v1/admin/referral-programs/config")
            .insert_header(bearer(token))
            .set_json(body)
    };
    assert_problem(
        &send(&service, put(&cashier, json!({"generations": [5, 3]}))).await,
        403,
        "forbidden",
    );
    for bad in [
        json!({"generations": []}),
        json!({"generations": [1, 1, 1, 1, 1, 1, 1]}),
        json!({"generations": [60, 50]}),
        json!({"generations": [5.555]}),
        json!({"reward_type": "gold"}),
        json!({"depth": 3}),
    ] {
        let result = send(&service, put(&owner, bad.clone())).await;
        assert_eq!(result.0, 422, "{bad}: {}", result.2);
    }
    let changed = send(&service, put(&owner, json!({"generations": [5, 3, 1]}))).await;
    assert_eq!(changed.0, 200, "{}", changed.2);
    assert_eq!(changed.2["generations"], json!([5.0, 3.0, 1.0]));
    assert_eq!(changed.2["reward_type"], "points");
    assert!(changed.2["updated_by"]
        .as_str()
        .unwrap()
        .starts_with("employee:"));
    let config = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/referral-programs/config")
            .insert_header(bearer(&cashier)),
    )
    .await;
    assert_eq!(config.2["generations"], json!([5.0, 3.0, 1.0]));

    // A chain of four: the buyer's purchase rewards three generations.
    let create = |name: &str, referrer: Option<i64>| {
        TestRequest::post()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&owner))
            .set_json(json!({"full_name": name, "referrer_id": referrer}))
    };
    let a = send(&service, create("A", None)).await.2["id"]
        .as_i64()
        .unwrap();
    let b = send(&service, create("B", Some(a))).await.2["id"]
        .as_i64()
        .unwrap();
    let c = send(&service, create("C", Some(b))).await.2["id"]
        .as_i64()
        .unwrap();
    let d = send(&service, create("D", Some(c))).await.2["id"]
        .as_i64()
        .unwrap();
    let purchase = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/admin/operations")
            .insert_header(bearer(&cashier))
            .set_json(json!({"client_id": d, "total": 1000})),
    )
    .await;
    assert_eq!(purchase.0, 201, "{}", purchase.2);
    let rewards: Vec<_> = purchase.2["referral_rewards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["client_id"].as_i64().unwrap(),
                r["amount"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rewards, [(c, 50.0), (b, 30.0), (a, 10.0)]);

    let info = send(
        &service,
        TestRequest::get()
            .uri(&format!(
                "/api/v1/admin/referral-programs/client-info?client_id={a}"
            ))
            .insert_header(bearer(&cashier)),
    )
    .await;
    assert_eq!(info.0, 200, "{}", info.2);
    assert_eq!(info.2["total_earned"], 10.0);
    let generations = info.2["generations"].as_array().unwrap();
    assert_eq!(generations.len(), 6);
    assert_eq!(generations[0]["members"], 1);
    assert_eq!(generations[0]["first_members"][0]["client_id"], b);
    assert_eq!(generations[2]["members"], 1);
    assert_eq!(generations[2]["buyers"], 1);
    assert_eq!(generations[2]["earned"], 10.0);
    assert_eq!(generations[3]["members"], 0);

    // A loop of recommendations is refused: A may not be recommended by D.
    let cycle = send(
        &service,
        TestRequest::put()
            .uri(&format!("/api/v1/admin/clients/{a}"))
            .insert_header(bearer(&owner))
            .set_json(json!({"referrer_id": d})),
    )
    .await;
    assert_problem(&cycle, 422, "validation_failed");
    assert_eq!(cycle.2["errors"][0]["field"], "referrer_id");

    let unknown = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/referral-programs/client-info?client_id=424242")
            .insert_header(bearer(&cashier)),
    )
    .await;
    assert_problem(&unknown, 422, "client_not_found");
    let missing_param = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/referral-programs/client-info")
            .insert_header(bearer(&cashier)),
    )
    .await;
    assert_problem(&missing_param, 400, "invalid_query");

    // Money rewards are payable amounts, not points.
    assert_eq!(
        send(&service, put(&owner, json!({"reward_type": "money"})))
            .await
            .0,
        200
    );
    let before = send(
        &service,
        TestRequest::get()
            .uri(&format!("/api/v1/admin/clients/{c}"))
            .insert_header(bearer(&owner)),
    )
    .await
    .2["points_balance"]
        .clone();
    let second = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/admin/operations")
            .insert_header(bearer(&cashier))
            .set_json(json!({"client_id": d, "total": 100})),
    )
    .await;
    assert_eq!(second.2["reward_type"], "money");
    assert_eq!(second.2["referral_rewards"][0]["amount"], 5.0);
    let after = send(
        &service,
        TestRequest::get()
            .uri(&format!("/api/v1/admin/clients/{c}"))
            .insert_header(bearer(&owner)),
    )
    .await
    .2["points_balance"]
        .clone();
    assert_eq!(
        before, after,
        "a money reward does not touch the points balance"
    );
}
