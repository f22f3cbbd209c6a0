//! System settings through the real app over a real SQLite file: defaults, partial audited
//! changes, roles and bad input.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::{ClientId, Clock, Role};
use serde_json::{json, Value};

const SETTINGS: &str = "/api/v1/admin/system-settings";
const HISTORY: &str = "/api/v1/admin/system-settings/history";

fn put(token: &str, body: Value) -> TestRequest {
    TestRequest::put()
        .uri(SETTINGS)
        .insert_header(bearer(token))
        .set_json(body)
}

fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(bearer(token))
}

#[actix_web::test]
async fn every_staff_role_reads_the_defaults() {
    let app = TestApp::new();
    let service = app.service().await;
    for role in Role::STAFF {
        let (_, token) = app.staff_token(role);
        let (status, _, body) = send(&service, get(SETTINGS, &token)).await;
        assert_eq!(status, 200, "{role}: {body}");
        assert_eq!(
            body,
            json!({
                "company": {"name": "", "legal_name": null, "phone": null, "email": null,
                            "address": null, "website": null, "timezone": "Europe/Moscow",
                            "currency": "RUB"},
                "loyalty": {"base_cashback": 5.0, "max_points_share": 30.0,
                            "welcome_bonus": 0.0, "points_expiry_days": null,
                            "points_deferral_days": 0, "refund_claws_back_referrals": true},
                "communications": {"marketing_touch_cap": 3, "marketing_touch_period_days": 7,
                                   "conversion_window_hours": 72},
                "booking": {"min_notice_minutes": 60, "horizon_days": 60, "slot_step_minutes": 15},
                "updated_at": null,
                "updated_by": null
            })
        );
    }
}

#[actix_web::test]
async fn an_owner_changes_only_what_is_named_and_every_change_is_audited() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner_id, owner) = app.staff_token(Role::Owner);
    let (admin_id, admin) = app.staff_token(Role::Admin);

    let (status, _, body) = send(
        &service,
        put(
            &owner,
            json!({
                "company": {"name": " Кофейня «Зерно» ", "phone": "8 916 123-45-67",
                            "email": "Info@Zerno.RU", "timezone": "Asia/Yekaterinburg",
                            "currency": "USD", "website": "https://zerno.example"},
                "loyalty": {"base_cashback": 7.5, "points_expiry_days": 365,
                            "welcome_bonus": "100.50"}
            }),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["company"]["name"], "Кофейня «Зерно»");
    assert_eq!(body["company"]["phone"], "+79161234567");
    assert_eq!(body["company"]["email"], "Info@zerno.ru");
    assert_eq!(body["company"]["timezone"], "Asia/Yekaterinburg");
    assert_eq!(body["company"]["currency"], "USD");
    assert_eq!(body["company"]["legal_name"], Value::Null);
    assert_eq!(body["loyalty"]["base_cashback"], 7.5);
    assert_eq!(body["loyalty"]["max_points_share"], 30.0, "kept");
    assert_eq!(body["loyalty"]["welcome_bonus"], 100.5);
    assert_eq!(body["loyalty"]["points_expiry_days"], 365);
    assert_eq!(body["updated_at"], "2026-11-24T12:00:00Z");
    assert_eq!(body["updated_by"], format!("employee:{owner_id}"));

    // A second change by the admin, half an hour later: null clears, the rest stays.
    app.clock.set(at(NOW + 1_800));
    let (status, _, body) = send(
        &service,
        put(
            &admin,
            json!({"company": {"website": null},
                   "loyalty": {"points_expiry_days": null, "base_cashback": 7.5,
                               "refund_claws_back_referrals": false}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["company"]["website"], Value::Null);
    assert_eq!(body["company"]["timezone"], "Asia/Yekaterinburg");
    assert_eq!(body["loyalty"]["points_expiry_days"], Value::Null);
    assert_eq!(body["loyalty"]["refund_claws_back_referrals"], false);
    assert_eq!(body["updated_by"], format!("employee:{admin_id}"));
    let (_, _, stored) = send(&service, get(SETTINGS, &owner)).await;
    assert_eq!(stored, body, "GET shows what PUT returned");

    let (status, _, history) = send(&service, get(HISTORY, &admin)).await;
    assert_eq!(status, 200, "{history}");
    // 9 fields in the first change, 3 in the second (base_cashback did not change).
    assert_eq!(history["total"], 12);
    assert_eq!(history["limit"], 50);
    let items = history["items"].as_array().unwrap();
    let fields: Vec<_> = items.iter().map(|i| i["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        [
            "loyalty.refund_claws_back_referrals",
            "loyalty.points_expiry_days",
            "company.website",
            "loyalty.points_expiry_days",
            "loyalty.welcome_bonus",
            "loyalty.base_cashback",
            "company.currency",
            "company.timezone",
            "company.website",
            "company.email",
            "company.phone",
            "company.name",
        ]
    );
    assert_eq!(items[0]["old_value"], true);
    assert_eq!(items[0]["new_value"], false);
    assert_eq!(items[0]["actor"], format!("employee:{admin_id}"));
    assert_eq!(items[0]["at"], "2026-11-24T12:30:00Z");
    assert_eq!(items[1]["old_value"], 365);
    assert_eq!(items[1]["new_value"], Value::Null);
    assert_eq!(items[5]["old_value"], 5.0);
    assert_eq!(items[5]["new_value"], 7.5);
    assert_eq!(items[4]["new_value"], 100.5);
    assert_eq!(items[10]["old_value"], Value::Null);
    assert_eq!(items[10]["new_value"], "+79161234567");
    assert_eq!(items[11]["old_value"], "");
    assert_eq!(items[11]["new_value"], "Кофейня «Зерно»");
    assert_eq!(items[11]["actor"], format!("employee:{owner_id}"));
    assert_eq!(items[11]["at"], "2026-11-24T12:00:00Z");

    let (_, _, page) = send(
        &service,
        get(&format!("{HISTORY}?limit=2&offset=1"), &owner),
    )
    .await;
    assert_eq!(page["total"], 12);
    assert_eq!(page["offset"], 1);
    let fields: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["loyalty.points_expiry_days", "company.website"]);

    // A change that changes nothing writes nothing.
    let (status, _, _) = send(
        &service,
        put(&owner, json!({"loyalty": {"base_cashback": 7.5}})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, history) = send(&service, get(HISTORY, &owner)).await;
    assert_eq!(history["total"], 12);
}

#[actix_web::test]
async fn only_owners_and_admins_change_settings_or_read_their_history() {
    let app = TestApp::new();
    let service = app.service().await;
    let change = json!({"loyalty": {"base_cashback": 10}});
    for role in [Role::Manager, Role::Cashier, Role::Master] {
        let (_, token) = app.staff_token(role);
        assert_problem(
            &send(&service, put(&token, change.clone())).await,
            403,
            "forbidden",
        );
        assert_problem(
            &send(&service, get(HISTORY, &token)).await,
            403,
            "forbidden",
        );
    }
    let (client_token, _) = app
        .state
        .auth
        .tokens
        .issue_client(ClientId(1), app.clock.now())
        .unwrap();
    assert_problem(
        &send(&service, get(SETTINGS, &client_token)).await,
        403,
        "forbidden",
    );
    assert_problem(
        &send(&service, put(&client_token, change.clone())).await,
        403,
        "forbidden",
    );
    assert_problem(
        &send(&service, TestRequest::get().uri(SETTINGS)).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &send(&service, TestRequest::put().uri(SETTINGS).set_json(change)).await,
        401,
        "unauthenticated",
    );
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, _, body) = send(&service, get(SETTINGS, &owner)).await;
    assert_eq!(body["loyalty"]["base_cashback"], 5.0, "nothing changed");
}

#[actix_web::test]
async fn bad_input_is_refused_field_by_field_and_changes_nothing() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"loyalty": {"base_cashback": 100.01, "max_points_share": 101}}),
            vec!["loyalty.base_cashback", "loyalty.max_points_share"],
        ),
        (
            json!({"loyalty": {"base_cashback": 5.555, "welcome_bonus": 1.001}}),
            vec!["loyalty.base_cashback", "loyalty.welcome_bonus"],
        ),
        (
            json!({"loyalty": {"welcome_bonus": -5, "points_expiry_days": 0,
                               "points_deferral_days": 366}}),
            vec![
                "loyalty.welcome_bonus",
                "loyalty.points_expiry_days",
                "loyalty.points_deferral_days",
            ],
        ),
        (
            json!({"company": {"timezone": "Mars/Olympus"}}),
            vec!["company.timezone"],
        ),
        (
            json!({"company": {"timezone": "Europe/Moscow", "currency": "rub"}}),
            vec!["company.currency"],
        ),
        (
            json!({"company": {"currency": "RUBL"}}),
            vec!["company.currency"],
        ),
        (
            json!({"company": {"name": "", "phone": "call me", "email": "nope"}}),
            vec!["company.name", "company.phone", "company.email"],
        ),
        (
            json!({"loyalty": {"cashback": 5}}),
            vec!["loyalty.cashback"],
        ),
        (
            json!({"company": {"name": "A"}, "version": 3}),
            vec!["version"],
        ),
        (
            json!({"loyalty": {"base_cashback": true}}),
            vec!["loyalty.base_cashback"],
        ),
    ];
    for (body, fields) in cases {
        let response = send(&service, put(&owner, body.clone())).await;
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
        TestRequest::put()
            .uri(SETTINGS)
            .insert_header(bearer(&owner))
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"loyalty\": {"),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");

    let (_, _, body) = send(&service, get(SETTINGS, &owner)).await;
    assert_eq!(body["updated_at"], Value::Null, "nothing was written");
    let (_, _, history) = send(&service, get(HISTORY, &owner)).await;
    assert_eq!(history["total"], 0);
    let bad_page = send(&service, get(&format!("{HISTORY}?limit=0"), &owner)).await;
    assert_problem(&bad_page, 422, "validation_failed");
}

#[actix_web::test]
async fn communication_settings_are_validated_audited_and_applied() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (status, _, body) = send(
        &service,
        put(
            &owner,
            json!({"communications": {"marketing_touch_cap": 1_001,
                                      "marketing_touch_period_days": 0,
                                      "conversion_window_hours": 2_161}}),
        ),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "communications.marketing_touch_cap",
            "communications.marketing_touch_period_days",
            "communications.conversion_window_hours"
        ]
    );
    let (status, _, body) = send(
        &service,
        put(
            &owner,
            json!({"communications": {"marketing_touch_cap": 0, "conversion_window_hours": 24,
                                      "marketing_touch_period_days": 7}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["communications"],
        json!({"marketing_touch_cap": 0, "marketing_touch_period_days": 7,
               "conversion_window_hours": 24})
    );
    assert_eq!(body["loyalty"]["base_cashback"], 5.0, "kept");
    let (_, _, history) = send(&service, get(HISTORY, &owner)).await;
    let audited: Vec<(&str, &Value, &Value)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap(),
                &c["old_value"],
                &c["new_value"],
            )
        })
        .collect();
    assert_eq!(audited.len(), 2, "{history}");
    assert!(audited.contains(&("communications.marketing_touch_cap", &json!(3), &json!(0))));
    assert!(audited.contains(&(
        "communications.conversion_window_hours",
        &json!(72),
        &json!(24)
    )));
    let (_, _, read) = send(&service, get(SETTINGS, &owner)).await;
    assert_eq!(read["communications"]["marketing_touch_cap"], 0);
}
