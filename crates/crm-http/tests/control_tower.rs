//! The control tower, the full dashboard and the promotion forecast through the real app, on
//! data the tests create through the API.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const TOWER: &str = "/api/v1/admin/analytics/control-tower";
const FORECAST: &str = "/api/v1/admin/analytics/promotion-forecast";
const DAY: i64 = 86_400;

async fn purchase<S, B>(service: &S, token: &str, client_id: i64, total: f64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = post(
        service,
        token,
        "/api/v1/admin/operations",
        json!({"client_id": client_id, "total": total}),
        None,
    )
    .await;
    assert_eq!(r.0, 201, "{}", r.1);
}

/// Three clients: two bought 70 days ago only (sleeping), one bought yesterday; a product with a
/// threshold of 5 and 2 in stock. Returns the owner's token (minted at `NOW`), the client ids
/// and the product id.
async fn seed<S, B>(app: &TestApp, service: &S) -> (String, [i64; 3], i64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    app.clock.set(at(NOW - 70 * DAY));
    let (_, old) = app.staff_token(Role::Owner);
    let a = client(
        service,
        &old,
        json!({"full_name": "Анна", "phone": "+79160000001",
               "consent_personal_data": true, "consent_marketing": true}),
    )
    .await;
    let b = client(
        service,
        &old,
        json!({"full_name": "Борис", "phone": "+79160000002",
               "consent_personal_data": true, "consent_marketing": true}),
    )
    .await;
    let c = client(service, &old, json!({"full_name": "Вера"})).await;
    purchase(service, &old, a, 100.0).await;
    purchase(service, &old, b, 100.0).await;
    app.clock.set(at(NOW - DAY));
    let (_, yesterday) = app.staff_token(Role::Owner);
    purchase(service, &yesterday, c, 400.0).await;
    app.clock.set(at(NOW));
    let (_, owner) = app.staff_token(Role::Owner);
    let product = post(
        service,
        &owner,
        "/api/v1/admin/products",
        json!({"name": "Шампунь", "price": 20, "unit": "pc", "low_stock_threshold": 5}),
        None,
    )
    .await;
    assert_eq!(product.0, 201, "{}", product.1);
    let product = product.2["id"].as_i64().unwrap();
    let store = post(
        service,
        &owner,
        "/api/v1/admin/products/locations",
        json!({"name": "Склад"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let receipt = post(
        service,
        &owner,
        &format!("/api/v1/admin/products/{product}/movements"),
        json!({"type": "receipt", "location_id": store, "quantity": 2}),
        None,
    )
    .await;
    assert_eq!(receipt.0, 201, "{}", receipt.1);
    (owner, [a, b, c], product)
}

#[actix_web::test]
async fn the_control_tower_derives_actions_from_data() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner, _, product) = seed(&app, &service).await;
    let (_, master) = app.staff_token(Role::Master);

    let (status, text, tower) = get(&service, &master, TOWER).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(tower["title"], "Центр управления");
    // Only yesterday's 400.00 is within 30 days.
    assert_eq!(tower["sales"]["revenue_30d"], 400.0);
    assert_eq!(tower["sales"]["purchases_30d"], 1);
    assert_eq!(tower["clients"]["total"], 3);
    assert_eq!(tower["clients"]["sleeping_60d"], 2);
    assert_eq!(tower["stock"]["below_threshold"], 1);
    assert_eq!(tower["stock"]["products"][0]["product_id"], product);
    assert_eq!(tower["stock"]["products"][0]["quantity"], "2");
    assert_eq!(tower["appointments"]["today"], 0);
    assert_eq!(tower["onboarding_goal_set"], false);

    let actions = tower["actions"].as_array().unwrap();
    let reactivation = actions
        .iter()
        .find(|a| a["code"] == "reactivate_sleeping_clients")
        .expect("reactivation action");
    assert_eq!(reactivation["count"], 2);
    assert_eq!(
        reactivation["title"],
        "2 клиента не приходили 60 дней — запустить реактивацию"
    );
    assert_eq!(reactivation["call"]["method"], "POST");
    assert_eq!(reactivation["call"]["path"], "/api/v1/admin/campaigns");
    let stock = actions
        .iter()
        .find(|a| a["code"] == "replenish_stock")
        .unwrap();
    assert_eq!(stock["priority"], "high");
    assert_eq!(
        stock["call"]["path"],
        format!("/api/v1/admin/products/{product}/movements")
    );
    assert!(actions.iter().any(|a| a["code"] == "set_onboarding_goal"));

    // The calls do what they say: the reactivation campaign is accepted as is, and its
    // audience holds exactly the sleeping clients with consent.
    let created = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        reactivation["call"]["body"].clone(),
        None,
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.1);
    let receipt = post(
        &service,
        &owner,
        stock["call"]["path"].as_str().unwrap(),
        stock["call"]["body"].clone(),
        None,
    )
    .await;
    assert_eq!(receipt.0, 201, "{}", receipt.1);
    let after = get(&service, &master, TOWER).await.2;
    assert_eq!(after["stock"]["below_threshold"], 0);
}

#[actix_web::test]
async fn processes_compute_kpis_and_take_changes() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner, _, _) = seed(&app, &service).await;
    let (_, cashier) = app.staff_token(Role::Cashier);

    let (status, text, list) = get(&service, &cashier, &format!("{TOWER}/processes")).await;
    assert_eq!(status, 200, "{text}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    let by = |code: &str| items.iter().find(|p| p["code"] == code).unwrap().clone();
    assert_eq!(by("reactivation")["value"], 2);
    assert_eq!(by("reactivation")["status"], "on_target");
    assert_eq!(by("stock_replenishment")["value"], 1);
    assert_eq!(by("stock_replenishment")["status"], "off_target");
    // No clients registered within 30 days (all 70 days ago).
    assert_eq!(by("new_client_activation")["value"], Value::Null);
    assert_eq!(by("new_client_activation")["status"], "no_data");
    // Three clients bought within 90 days, none twice.
    assert_eq!(by("repeat_visit")["value"], 0);
    assert!(
        by("reactivation")["triggers"][0]["call"]["body"]["audience"]["last_purchase_before"]
            .is_string()
    );

    let uri = format!("{TOWER}/processes/reactivation");
    let (status, text, changed) = put(
        &service,
        &owner,
        &uri,
        json!({"target": 1, "baseline": 5, "enabled": true}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(changed["target"], 1);
    assert_eq!(changed["baseline"], 5);
    assert_eq!(changed["status"], "off_target");
    let again = get(&service, &owner, &format!("{TOWER}/processes")).await.2;
    assert_eq!(again["items"][2]["target"], 1);

    assert_problem(
        &put(
            &service,
            &owner,
            &format!("{TOWER}/processes/nope"),
            json!({"target": 1}),
        )
        .await,
        404,
        "process_not_found",
    );
    assert_problem(
        &put(
            &service,
            &owner,
            &uri,
            json!({"target": 1, "colour": "red"}),
        )
        .await,
        422,
        "validation_failed",
    );
    let bad = put(
        &service,
        &owner,
        &format!("{TOWER}/processes/repeat_visit"),
        json!({"target": 10_001}),
    )
    .await;
    assert_problem(&bad, 422, "validation_failed");
    assert_eq!(bad.2["errors"][0]["field"], "target");
    assert_problem(
        &put(&service, &cashier, &uri, json!({"target": 3})).await,
        403,
        "forbidden",
    );
}

#[actix_web::test]
async fn the_policy_is_the_campaigns_touch_cap() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner, _, _) = seed(&app, &service).await;
    let (_, manager) = app.staff_token(Role::Manager);
    let uri = format!("{TOWER}/policy");

    let (status, text, policy) = get(&service, &manager, &uri).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(policy["touch_cap"], 3);
    assert_eq!(policy["touch_period_days"], 7);
    assert_eq!(policy["channel_priority"][0], "telegram");
    let q = &policy["quality"];
    assert_eq!(q["clients_total"], 3);
    assert_eq!(q["with_phone"]["count"], 2);
    assert_eq!(q["with_phone"]["share_bp"], 6_666);
    assert_eq!(q["with_marketing_consent"]["count"], 2);
    assert_eq!(q["duplicate_phone_groups"], 0);
    assert_eq!(q["duplicate_telegram_groups"], 0);

    let (status, text, changed) = put(
        &service,
        &owner,
        &uri,
        json!({"touch_cap": 5, "touch_period_days": 14, "channel_priority": ["sms", "telegram"]}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(changed["touch_cap"], 5);
    assert_eq!(changed["channel_priority"], json!(["sms", "telegram"]));
    let settings = get(&service, &owner, "/api/v1/admin/system-settings")
        .await
        .2;
    assert_eq!(settings["communications"]["marketing_touch_cap"], 5);
    assert_eq!(
        settings["communications"]["marketing_touch_period_days"],
        14
    );

    for body in [
        json!({"touch_cap": 1001}),
        json!({"touch_period_days": 0}),
        json!({"channel_priority": ["sms", "pigeon"]}),
        json!({"channel_priority": ["sms", "sms"]}),
        json!({"channel_priority": []}),
        json!({"touch_cap": 2, "colour": "red"}),
    ] {
        assert_problem(
            &put(&service, &owner, &uri, body).await,
            422,
            "validation_failed",
        );
    }
    // Nothing was written by the refused changes.
    let settings = get(&service, &owner, "/api/v1/admin/system-settings")
        .await
        .2;
    assert_eq!(settings["communications"]["marketing_touch_cap"], 5);
    assert_problem(
        &put(&service, &manager, &uri, json!({"touch_cap": 1})).await,
        403,
        "forbidden",
    );
}

#[actix_web::test]
async fn the_goal_wizard_is_required_then_tracks_progress() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner, [a, ..], _) = seed(&app, &service).await;
    let uri = format!("{TOWER}/onboarding-goal");

    let wizard = get(&service, &owner, &uri).await.2;
    assert_eq!(wizard["required"], true);
    assert_eq!(wizard["steps"].as_array().unwrap().len(), 3);
    let full = get(&service, &owner, "/api/v1/admin/dashboard/full")
        .await
        .2;
    assert!(full["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == "onboarding_goal_not_set"));

    for body in [
        json!({"metric": "profit", "target": 10}),
        json!({"metric": "revenue", "target": 0}),
        json!({"metric": "repeat_rate", "target": 101}),
        json!({"metric": "new_clients", "target": 2.5}),
        json!({"metric": "revenue", "target": 10, "start_date": "2027-03-01"}),
        json!({"metric": "revenue", "target": 10, "start_date": "24.11.2026"}),
        json!({"metric": "revenue", "target": 10, "extra": 1}),
    ] {
        assert_problem(
            &put(&service, &owner, &uri, body).await,
            422,
            "validation_failed",
        );
    }
    let (_, cashier) = app.staff_token(Role::Cashier);
    assert_problem(
        &put(
            &service,
            &cashier,
            &uri,
            json!({"metric": "revenue", "target": 10}),
        )
        .await,
        403,
        "forbidden",
    );

    // Revenue since 2026-11-20 (Moscow): yesterday's 400.00 plus 350.00 now.
    purchase(&service, &owner, a, 350.0).await;
    let (status, text, set) = put(
        &service,
        &owner,
        &uri,
        json!({"metric": "revenue", "target": 10000, "start_date": "2026-11-20"}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(set["required"], false);
    let goal = &set["goal"];
    assert_eq!(goal["metric"], "revenue");
    assert_eq!(goal["target"], 10000.0);
    assert_eq!(goal["current"], 750.0);
    assert_eq!(goal["progress_percent"], 7.5);
    assert_eq!(goal["days"], 90);
    assert_eq!(goal["start_date"], "2026-11-20");
    // 2026-11-20 00:00 Moscow = 2026-11-19T21:00Z; now is 2026-11-24T12:00Z: 4 whole days.
    assert_eq!(goal["days_elapsed"], 4);
    assert_eq!(goal["days_left"], 86);

    let full = get(&service, &owner, "/api/v1/admin/dashboard/full")
        .await
        .2;
    assert!(!full["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == "onboarding_goal_not_set"));
}

#[actix_web::test]
async fn outcomes_presets_and_endpoint_specs() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, master) = app.staff_token(Role::Master);

    let outcomes = get(&service, &master, &format!("{TOWER}/outcomes")).await.2;
    let items = outcomes["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert!(items
        .iter()
        .all(|o| !o["steps"].as_array().unwrap().is_empty()));
    assert!(items[0]["steps"][0]["command"].is_string());

    for vertical in ["salon", "clinic", "retail", "fitness"] {
        let (status, text, preset) =
            get(&service, &master, &format!("{TOWER}/presets/{vertical}")).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(preset["vertical"], vertical);
        assert_eq!(preset["processes"].as_array().unwrap().len(), 7);
    }
    let unknown = get(&service, &master, &format!("{TOWER}/presets/bakery")).await;
    assert_problem(&unknown, 404, "vertical_not_found");
    assert!(unknown.2["detail"]
        .as_str()
        .unwrap()
        .contains("salon, clinic, retail, fitness"));

    let apply = format!("{TOWER}/presets/clinic/apply");
    assert_problem(
        &post(&service, &master, &apply, json!({}), None).await,
        403,
        "forbidden",
    );
    let (status, text, applied) = post(&service, &owner, &apply, json!({}), None).await;
    assert_eq!(status, 200, "{text}");
    let no_shows = applied["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "no_show_reduction")
        .unwrap()
        .clone();
    assert_eq!(no_shows["target"], 500);
    let stock = applied["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "stock_replenishment")
        .unwrap()
        .clone();
    assert_eq!(stock["enabled"], false);
    assert_eq!(stock["status"], "disabled");
    assert_problem(
        &post(
            &service,
            &owner,
            &format!("{TOWER}/presets/bakery/apply"),
            json!({}),
            None,
        )
        .await,
        404,
        "vertical_not_found",
    );

    let (status, text, specs) = get(&service, &master, &format!("{TOWER}/endpoint-specs")).await;
    assert_eq!(status, 200, "{text}");
    assert!(specs["version"].is_string());
    let (_, _, openapi) = send(&service, TestRequest::get().uri("/openapi.json")).await;
    let endpoints = specs["endpoints"].as_array().unwrap();
    assert!(endpoints.len() >= 7);
    for e in endpoints {
        let path = e["path"].as_str().unwrap();
        let method = e["method"].as_str().unwrap().to_lowercase();
        assert!(
            openapi["paths"][path][&method].is_object(),
            "{method} {path} is not in /openapi.json"
        );
        assert!(
            !e["rules"].as_array().unwrap().is_empty(),
            "{path} has no rules"
        );
    }
}

#[actix_web::test]
async fn the_promotion_forecast_uses_the_history_and_shows_on_the_dashboard() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner, _, _) = seed(&app, &service).await;
    let (manager_id, manager) = app.staff_token(Role::Manager);
    let (_, cashier) = app.staff_token(Role::Cashier);

    // Before any forecast: the default one from the business's own averages.
    let (status, text, full) = get(&service, &cashier, "/api/v1/admin/dashboard/full").await;
    assert_eq!(status, 200, "{text}");
    assert!(full["summary"].is_object());
    let promotion = &full["promotion"];
    assert_eq!(promotion["promotion_forecast_is_default"], true);
    assert_eq!(promotion["promotion_forecast"]["created_by"], "system");
    // 3 purchases of 600.00 in 90 days.
    assert_eq!(promotion["promotion_forecast"]["average_check"], 200.0);
    assert_eq!(promotion["referral_programs"]["enabled"], true);
    assert_eq!(promotion["certificates"]["issued"], 0);
    let alerts = full["alerts"].as_array().unwrap();
    let low = alerts.iter().find(|a| a["code"] == "low_stock").unwrap();
    assert_eq!(low["count"], 1);
    assert!(!full["sections"].as_array().unwrap().is_empty());
    assert!(!full["promo_cards"].as_array().unwrap().is_empty());

    let body = json!({"kind": "discount", "value": 10, "duration_days": 90,
                      "channels": ["telegram"], "audience": {}});
    assert_problem(
        &post(&service, &cashier, FORECAST, body.clone(), None).await,
        403,
        "forbidden",
    );
    let (status, text, f) = post(&service, &manager, FORECAST, body, None).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(f["average_check"], 200.0);
    // No cost prices: no margin, profit or break-even; no past campaigns: no conversion.
    assert_eq!(f["margin_bp"], Value::Null);
    assert_eq!(f["profit"], Value::Null);
    assert_eq!(f["conversion_bp"], Value::Null);
    assert_eq!(f["break_even"]["purchases"], Value::Null);
    // Anna and Boris consented; each bought once in 90 days.
    assert_eq!(f["audience_size"], 2);
    assert_eq!(f["baseline_purchases"], 2);
    // Three first purchases in 90 days over 90 days of promotion, one purchase each.
    assert_eq!(f["expected_returning_clients"], 0);
    assert_eq!(f["expected_new_clients"], 3);
    assert_eq!(f["expected_purchases"], 3);
    assert_eq!(f["gross_revenue"], 600.0);
    assert_eq!(f["revenue"], 540.0);
    // 10 % of (3 + 2) × 200.00.
    assert_eq!(f["promotion_cost"], 100.0);
    assert_eq!(f["cost"], 100.0);
    assert!(!f["assumptions"].as_array().unwrap().is_empty());

    let full = get(&service, &owner, "/api/v1/admin/dashboard/full")
        .await
        .2;
    let shown = &full["promotion"]["promotion_forecast"];
    assert_eq!(full["promotion"]["promotion_forecast_is_default"], false);
    assert_eq!(shown["created_by"], format!("employee:{manager_id}"));
    assert_eq!(shown["expected_purchases"], 3);

    let bad = post(
        &service,
        &manager,
        FORECAST,
        json!({"kind": "gift", "value": 0, "duration_days": 0, "budget": -5,
               "channels": ["pigeon"]}),
        None,
    )
    .await;
    assert_problem(&bad, 422, "validation_failed");
    let fields: Vec<&str> = bad.2["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["kind", "value", "duration_days", "budget", "channels[0]"] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    assert_problem(
        &post(
            &service,
            &manager,
            FORECAST,
            json!({"kind": "discount", "value": 10, "duration_days": 400, "channels": ["sms"]}),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &post(
            &service,
            &manager,
            FORECAST,
            json!({"kind": "discount", "value": 10, "duration_days": 10, "channels": []}),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
}

#[actix_web::test]
async fn no_shows_and_unanswered_messages_raise_alerts_and_actions() {
    let app = TestApp::new();
    let service = app.service().await;
    // Booked yesterday for today 10:00 Moscow (07:00Z), inside the master's shift.
    app.clock.set(at(NOW - DAY));
    let (_, owner) = app.staff_token(Role::Owner);
    let (master_id, _) = app.staff_token(Role::Master);
    let haircut = post(
        &service,
        &owner,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Стрижка", "price": 1500, "duration_minutes": 45}),
        None,
    )
    .await;
    assert_eq!(haircut.0, 201, "{}", haircut.1);
    let shift = post(
        &service,
        &owner,
        &format!("/api/v1/admin/employees/{master_id}/schedule"),
        json!({"date": "2026-11-24", "start_time": "09:00", "end_time": "18:00"}),
        None,
    )
    .await;
    assert_eq!(shift.0, 201, "{}", shift.1);
    let anna = client(&service, &owner, json!({"full_name": "Анна"})).await;
    let booked = post(
        &service,
        &owner,
        "/api/v1/admin/appointments",
        json!({"client_id": anna, "service_id": haircut.2["id"], "employee_id": master_id,
               "starts_at": "2026-11-24T07:00:00Z"}),
        None,
    )
    .await;
    assert_eq!(booked.0, 201, "{}", booked.1);
    let id = booked.2["id"].as_i64().unwrap();

    app.clock.set(at(NOW));
    let (_, owner) = app.staff_token(Role::Owner);
    let no_show = send(
        &service,
        TestRequest::patch()
            .uri(&format!("/api/v1/admin/appointments/{id}/status"))
            .insert_header(bearer(&owner))
            .set_json(json!({"status": "no_show"})),
    )
    .await;
    assert_eq!(no_show.0, 200, "{}", no_show.1);
    let message = post(
        &service,
        &app.client_token(anna),
        "/api/v1/feedback/app/message",
        json!({"text": "Можно перенести запись?"}),
        None,
    )
    .await;
    assert!(message.0 < 300, "{}", message.1);

    let tower = get(&service, &owner, TOWER).await.2;
    assert_eq!(tower["appointments"]["today"], 1);
    assert_eq!(tower["appointments"]["no_shows_30d"], 1);
    assert_eq!(tower["appointments"]["no_show_rate_bp"], 10_000);
    assert_eq!(tower["appointments"]["no_shows_this_week"], 1);
    assert_eq!(tower["appointments"]["no_shows_previous_week"], 0);
    assert_eq!(tower["clients"]["unanswered_dialogues"], 1);
    let actions = tower["actions"].as_array().unwrap();
    let answer = actions
        .iter()
        .find(|a| a["code"] == "answer_client_messages")
        .unwrap();
    assert_eq!(answer["count"], 1);
    assert_eq!(answer["title"], "1 клиент ждёт ответа в диалогах");
    let no_shows = actions
        .iter()
        .find(|a| a["code"] == "reduce_no_shows")
        .unwrap();
    assert_eq!(no_shows["priority"], "high");
    // The call switches the reminders on as it says.
    assert_eq!(no_shows["call"]["method"], "PUT");
    let switched = put(
        &service,
        &owner,
        no_shows["call"]["path"].as_str().unwrap(),
        no_shows["call"]["body"].clone(),
    )
    .await;
    assert_eq!(switched.0, 200, "{}", switched.1);
    let processes = get(&service, &owner, &format!("{TOWER}/processes")).await.2;
    assert_eq!(processes["items"][3]["value"], 10_000);

    let full = get(&service, &owner, "/api/v1/admin/dashboard/full")
        .await
        .2;
    let alerts = full["alerts"].as_array().unwrap();
    let codes: Vec<&str> = alerts.iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"no_shows_rising"), "{codes:?}");
    assert!(codes.contains(&"unanswered_messages"), "{codes:?}");
}
