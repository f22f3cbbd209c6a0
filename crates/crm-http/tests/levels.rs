//! Loyalty levels through the real app over a real SQLite file.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::{ClientId, Clock, Role};
use serde_json::{json, Value};

const LEVELS: &str = "/api/v1/admin/loyalty-levels";

fn post(token: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(LEVELS)
        .insert_header(bearer(token))
        .set_json(body)
}

fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(bearer(token))
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn levels_are_defined_listed_changed_and_archived() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let (_, cashier) = app.staff_token(Role::Cashier);

    let (status, _, gold) = send(
        &service,
        post(
            &admin,
            json!({"name": " Золото ", "threshold_kind": "total_spent", "threshold": 50000.5,
                   "cashback": 7.5, "max_points_share": 50}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{gold}");
    assert_eq!(
        gold,
        json!({"id": gold["id"], "name": "Золото", "threshold_kind": "total_spent",
               "threshold": 50000.5, "cashback": 7.5, "max_points_share": 50.0,
               "archived_at": null})
    );
    let (status, _, regular) = send(
        &service,
        post(
            &admin,
            json!({"name": "Постоянный", "threshold_kind": "purchase_count", "threshold": 10,
                   "cashback": "4"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{regular}");
    assert_eq!(regular["threshold"], json!(10), "a count is a whole number");
    assert_eq!(regular["max_points_share"], Value::Null);

    let (status, _, page) = send(&service, get(LEVELS, &cashier)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 2);
    assert_eq!(names(&page), ["Постоянный", "Золото"]);

    // Partial change: the threshold is read in the level's kind; null clears the share.
    let gold_id = gold["id"].as_i64().unwrap();
    let (status, _, changed) = send(
        &service,
        TestRequest::put()
            .uri(&format!("{LEVELS}/{gold_id}"))
            .insert_header(bearer(&admin))
            .set_json(json!({"threshold": "60000", "max_points_share": null})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["threshold"], 60000.0);
    assert_eq!(changed["max_points_share"], Value::Null);
    assert_eq!(changed["cashback"], 7.5);
    assert_eq!(changed["name"], "Золото");
    let (status, _, changed) = send(
        &service,
        TestRequest::put()
            .uri(&format!("{LEVELS}/{gold_id}"))
            .insert_header(bearer(&admin))
            .set_json(json!({"threshold_kind": "referrals", "threshold": 3})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["threshold_kind"], "referrals");
    assert_eq!(changed["threshold"], json!(3));

    let (status, _, archived) = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{LEVELS}/{gold_id}"))
            .insert_header(bearer(&admin)),
    )
    .await;
    assert_eq!(status, 200, "{archived}");
    assert_eq!(archived["archived_at"], "2026-11-24T12:00:00Z");
    let (_, _, page) = send(&service, get(LEVELS, &cashier)).await;
    assert_eq!(names(&page), ["Постоянный"]);
    assert_eq!(page["total"], 1);
    let (_, _, page) = send(
        &service,
        get(&format!("{LEVELS}?include_archived=true"), &cashier),
    )
    .await;
    assert_eq!(names(&page), ["Постоянный", "Золото"]);

    for (method, code) in [("PUT", "level_not_found"), ("DELETE", "level_not_found")] {
        let request = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(&format!("{LEVELS}/999"))
            .insert_header(bearer(&admin))
            .set_json(json!({"name": "X"}));
        assert_problem(&send(&service, request).await, 404, code);
    }
    let request = TestRequest::delete()
        .uri(&format!("{LEVELS}/abc"))
        .insert_header(bearer(&admin));
    assert_problem(&send(&service, request).await, 404, "not_found");
}

#[actix_web::test]
async fn only_owners_and_admins_define_levels() {
    let app = TestApp::new();
    let service = app.service().await;
    let body = json!({"name": "A", "threshold_kind": "total_spent", "threshold": 0, "cashback": 3});
    for role in [Role::Manager, Role::Cashier, Role::Master] {
        let (_, token) = app.staff_token(role);
        assert_problem(
            &send(&service, post(&token, body.clone())).await,
            403,
            "forbidden",
        );
        let request = TestRequest::delete()
            .uri(&format!("{LEVELS}/1"))
            .insert_header(bearer(&token));
        assert_problem(&send(&service, request).await, 403, "forbidden");
    }
    let (client_token, _) = app
        .state
        .auth
        .tokens
        .issue_client(ClientId(1), app.clock.now())
        .unwrap();
    assert_problem(
        &send(&service, get(LEVELS, &client_token)).await,
        403,
        "forbidden",
    );
    assert_problem(
        &send(&service, TestRequest::get().uri(LEVELS)).await,
        401,
        "unauthenticated",
    );
    let (_, owner) = app.staff_token(Role::Owner);
    let (status, _, created) = send(&service, post(&owner, body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["threshold"], 0.0);
}

#[actix_web::test]
async fn bad_level_input_names_the_fields() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"name": "A", "threshold_kind": "total_spent", "threshold": 1.001,
                   "cashback": 100.5}),
            vec!["threshold", "cashback"],
        ),
        (
            json!({"name": "", "threshold_kind": "visits", "threshold": 1, "cashback": 5,
                   "max_points_share": 120}),
            vec!["name", "threshold_kind", "max_points_share"],
        ),
        (
            json!({"name": "A", "threshold_kind": "purchase_count", "threshold": 2.5,
                   "cashback": 5}),
            vec!["threshold"],
        ),
        (
            json!({"name": "A", "threshold_kind": "referrals", "threshold": -1, "cashback": 5}),
            vec!["threshold"],
        ),
        (
            json!({"name": "A", "threshold_kind": "referrals", "threshold": 1, "cashback": 5,
                   "min_total_spent": 100}),
            vec!["min_total_spent"],
        ),
        (
            json!({"name": "A", "threshold_kind": "referrals", "threshold": 1}),
            vec!["cashback"],
        ),
    ];
    for (body, fields) in cases {
        let response = send(&service, post(&owner, body.clone())).await;
        assert_problem(&response, 422, "validation_failed");
        let got: Vec<_> = response.2["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let (_, _, page) = send(&service, get(LEVELS, &owner)).await;
    assert_eq!(page["total"], 0, "nothing was stored");

    let (_, _, level) = send(
        &service,
        post(
            &owner,
            json!({"name": "A", "threshold_kind": "purchase_count", "threshold": 5, "cashback": 5}),
        ),
    )
    .await;
    let id = level["id"].as_i64().unwrap();
    let response = send(
        &service,
        TestRequest::put()
            .uri(&format!("{LEVELS}/{id}"))
            .insert_header(bearer(&owner))
            .set_json(json!({"threshold_kind": "total_spent"})),
    )
    .await;
    assert_problem(&response, 422, "validation_failed");
    assert_eq!(response.2["errors"][0]["field"], "threshold");
}
