//! Appointment reminders through the real app: the rules (read, partial change, bad input,
//! roles) and the run moved across the offsets with a fixed clock, counting what a fake
//! Telegram Bot API receives.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use crm_infra::channels::fake_server::FakeHttp;
use crm_infra::SqliteReminderRepository;
use serde_json::{json, Value};

const RULES: &str = "/api/v1/admin/communications/reminders/rules";
const RUN: &str = "/api/v1/admin/communications/reminders/run";
const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

async fn put<S, B>(service: &S, token: &str, body: Value) -> (u16, String, Value)
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
        TestRequest::put()
            .uri(RULES)
            .insert_header(bearer(token))
            .set_json(body),
    )
    .await
}

async fn run<S, B>(service: &S, token: &str) -> Value
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = post(service, token, RUN, json!({}), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn sql(app: &TestApp, sql: &str) {
    SqliteReminderRepository::new(app.db.clone())
        .execute_sql(sql)
        .expect(sql);
}

/// A service and a point of sale with an address; returns nothing (ids 1).
fn service_and_location(app: &TestApp) {
    sql(
        app,
        "INSERT INTO products (id, kind, name, name_lower, price, unit, duration_minutes, \
           created_at, updated_at) VALUES (1, 'service', 'Стрижка', 'стрижка', 150000, 'шт', 60, 0, 0)",
    );
    sql(
        app,
        "INSERT INTO locations (id, kind, name, address, created_at) \
         VALUES (1, 'point_of_sale', 'Салон', 'Тверская, 1', 0)",
    );
}

/// An appointment written directly (seconds), returning its id.
fn appointment(
    app: &TestApp,
    id: i64,
    client: i64,
    master: i64,
    starts_at: i64,
    status: &str,
    created_at: i64,
) -> i64 {
    sql(
        app,
        &format!(
            "INSERT INTO appointments (id, client_id, service_id, employee_id, location_id, \
               starts_at, ends_at, status, source, created_by, created_at, updated_at) \
             VALUES ({id}, {client}, 1, {master}, 1, {s}, {e}, '{status}', 'admin', 'staff:1', \
               {c}, {c})",
            s = starts_at * 1_000,
            e = (starts_at + HOUR) * 1_000,
            c = created_at * 1_000,
        ),
    );
    id
}

/// The Telegram messages one delivery pass sends, expecting exactly `n`.
async fn delivered(app: &TestApp, n: usize) -> Vec<Value> {
    let fake = FakeHttp::start((0..n).map(|i| telegram_ok(i as i64 + 1)).collect());
    let report = app.deliver_due(&fake.base).await;
    assert_eq!(report.sent, n, "{report:?}");
    assert_eq!(report.claimed, n, "{report:?}");
    fake.finish().iter().map(|r| r.json()).collect()
}

#[actix_web::test]
async fn reminders_go_once_per_offset_as_the_clock_moves() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (master, _) = app.staff_token(Role::Master);
    service_and_location(&app);

    // All four rules on, one template to check the rendering.
    let template = "{client_name}: {service} у {master}, {time}, {address}";
    let (status, _, rules) = put(
        &service,
        &owner,
        json!({"rules": [
            {"offset": "1w", "enabled": true, "template": template},
            {"offset": "4h", "enabled": true, "template": template},
            {"offset": "1d", "template": template},
            {"offset": "1h", "template": template}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{rules}");
    assert!(rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["enabled"] == json!(true) && r["template"] == json!(template)));

    let anna = client(
        &service,
        &owner,
        json!({"full_name": "Анна", "telegram_id": 7001, "consent_personal_data": true}),
    )
    .await;
    let boris = client(
        &service,
        &owner,
        json!({"full_name": "Борис", "telegram_id": 7002}),
    )
    .await;
    let vera = client(
        &service,
        &owner,
        json!({"full_name": "Вера", "phone": "+79160000003", "consent_personal_data": true}),
    )
    .await;

    // 2026-12-02T12:00Z, 15:00 in Moscow.
    let start = NOW + 8 * DAY;
    appointment(&app, 1, anna, master, start, "scheduled", NOW);
    appointment(&app, 2, anna, master, start, "cancelled", NOW);
    appointment(&app, 3, anna, master, start, "completed", NOW);
    // Made half an hour before the start: every reminder's moment had passed.
    appointment(
        &app,
        4,
        anna,
        master,
        start + 60,
        "scheduled",
        start - 1_800,
    );
    let no_consent = appointment(&app, 5, boris, master, start, "scheduled", NOW);
    let no_contact = appointment(&app, 6, vera, master, start, "scheduled", NOW);

    // Before the week's moment: nothing.
    app.clock.set(at(start - 7 * DAY - 60));
    let (_, owner) = app.staff_token(Role::Owner);
    let report = run(&service, &owner).await;
    assert_eq!(report["queued"], json!(0), "{report}");
    assert_eq!(report["skipped"], json!([]));

    let expected = "Анна: Стрижка у Test master, 02.12.2026 15:00, Тверская, 1";
    for (offset, before) in [("1w", 7 * DAY), ("1d", DAY), ("4h", 4 * HOUR), ("1h", HOUR)] {
        app.clock.set(at(start - before));
        let (_, owner) = app.staff_token(Role::Owner);
        let report = run(&service, &owner).await;
        assert_eq!(report["queued"], json!(1), "{offset}: {report}");
        assert_eq!(report["by_offset"][offset]["queued"], json!(1), "{report}");
        assert_eq!(report["by_offset"][offset]["skipped"], json!(2), "{report}");
        let mut skipped = report["skipped"].as_array().unwrap().clone();
        skipped.sort_by_key(|s| s["appointment_id"].as_i64());
        assert_eq!(
            skipped,
            vec![
                json!({"appointment_id": no_consent, "offset": offset, "reason": "no_consent"}),
                json!({"appointment_id": no_contact, "offset": offset, "reason": "no_contact"}),
            ]
        );
        // A second run at the same moment finds nothing new and reports no skip again.
        let again = run(&service, &owner).await;
        assert_eq!(again["queued"], json!(0), "{again}");
        assert_eq!(again["skipped"], json!([]), "{again}");

        let messages = delivered(&app, 1).await;
        assert_eq!(messages[0]["chat_id"], json!(7001), "{offset}");
        assert_eq!(messages[0]["text"], json!(expected), "{offset}");
    }

    // At the start and after: nothing more, and nothing left to deliver.
    app.clock.set(at(start + 60));
    let (_, owner) = app.staff_token(Role::Owner);
    let report = run(&service, &owner).await;
    assert_eq!(report["queued"], json!(0));
    let fake = FakeHttp::start(vec![]);
    let pass = app.deliver_due(&fake.base).await;
    assert_eq!(pass.claimed, 0, "{pass:?}");
    fake.finish();
}

#[actix_web::test]
async fn disabled_rules_send_nothing_and_a_late_booking_gets_only_later_reminders() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (master, _) = app.staff_token(Role::Master);
    service_and_location(&app);
    let anna = client(
        &service,
        &owner,
        json!({"full_name": "Анна", "telegram_id": 7001, "consent_personal_data": true}),
    )
    .await;
    // Booked 2 days ahead (after the week's moment): by default 1d and 1h are on, 1w and 4h off.
    let start = NOW + 2 * DAY;
    appointment(&app, 1, anna, master, start, "scheduled", NOW);
    for (before, queued) in [(7 * DAY, 0), (DAY, 1), (4 * HOUR, 0), (HOUR, 1)] {
        app.clock.set(at(start - before));
        let (_, owner) = app.staff_token(Role::Owner);
        let report = run(&service, &owner).await;
        assert_eq!(report["queued"], json!(queued), "{before}: {report}");
        delivered(&app, queued as usize).await;
    }
}

#[actix_web::test]
async fn bad_rules_are_refused_and_nothing_is_written() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (status, _, before) = get(&service, &owner, RULES).await;
    assert_eq!(status, 200);
    assert_eq!(before["rules"].as_array().unwrap().len(), 4);
    assert_eq!(before["rules"][0]["offset"], json!("1h"));
    assert_eq!(before["rules"][3]["offset"], json!("1w"));

    let cases = [
        (
            json!({"rules": [{"offset": "2h", "enabled": true}]}),
            "rules[0].offset",
        ),
        (
            json!({"rules": [{"offset": "1h", "channel": "pigeon"}]}),
            "rules[0].channel",
        ),
        (
            json!({"rules": [{"offset": "1d", "enabled": false},
                             {"offset": "1h", "template": "Привет, {name}"}]}),
            "rules[1].template",
        ),
        (
            json!({"rules": [{"offset": "1d", "template": "   "}]}),
            "rules[0].template",
        ),
        (
            json!({"rules": [{"offset": "1w", "channel": "sms", "template": "я".repeat(671)}]}),
            "rules[0].template",
        ),
        (
            json!({"rules": [{"offset": "1w", "enabled": true}, {"offset": "1w", "enabled": false}]}),
            "rules[1].offset",
        ),
        (json!({"rules": []}), "rules"),
        (
            json!({"rules": [{"offset": "1h", "colour": "red"}]}),
            "rules[0]",
        ),
    ];
    for (body, field) in cases {
        let result = put(&service, &owner, body.clone()).await;
        assert_eq!(result.0, 422, "{body}: {}", result.2);
        let errors = result.2["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors
                .iter()
                .any(|e| e["field"].as_str().unwrap_or_default().starts_with(field)),
            "{body}: {}",
            result.2
        );
    }
    let unknown = put(
        &service,
        &owner,
        json!({"rules": [{"offset": "1h", "template": "{client_name} {balance}"}]}),
    )
    .await;
    assert_problem(&unknown, 422, "validation_failed");
    assert!(unknown.2.to_string().contains("{balance}"), "{}", unknown.2);

    let (_, _, after) = get(&service, &owner, RULES).await;
    assert_eq!(after, before);
}

#[actix_web::test]
async fn a_partial_change_keeps_the_other_fields_and_rules() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (_, _, before) = get(&service, &manager, RULES).await;
    let (status, _, after) = put(
        &service,
        &manager,
        json!({"rules": [{"offset": "4h", "enabled": true}]}),
    )
    .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["rules"][1]["enabled"], json!(true));
    assert_eq!(
        after["rules"][1]["template"],
        before["rules"][1]["template"]
    );
    assert_eq!(after["rules"][1]["channel"], json!("telegram"));
    assert!(after["rules"][1]["updated_by"].is_string());
    assert!(after["rules"][1]["updated_at"].is_string());
    for i in [0, 2, 3] {
        assert_eq!(after["rules"][i], before["rules"][i]);
    }
    let (_, _, read) = get(&service, &manager, RULES).await;
    assert_eq!(read, after);
}

#[actix_web::test]
async fn only_managing_roles_change_rules_and_run() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, _, before) = get(&service, &owner, RULES).await;
    for role in [Role::Cashier, Role::Master] {
        let (_, token) = app.staff_token(role);
        let (status, _, _) = get(&service, &token, RULES).await;
        assert_eq!(status, 200);
        let result = put(
            &service,
            &token,
            json!({"rules": [{"offset": "1w", "enabled": true}]}),
        )
        .await;
        assert_problem(&result, 403, "forbidden");
        let result = post(&service, &token, RUN, json!({}), None).await;
        assert_problem(&result, 403, "forbidden");
    }
    let (_, admin) = app.staff_token(Role::Admin);
    let report = run(&service, &admin).await;
    assert_eq!(report["queued"], json!(0));
    assert_eq!(
        report["by_offset"]["1w"],
        json!({"queued": 0, "skipped": 0})
    );
    let (_, _, after) = get(&service, &owner, RULES).await;
    assert_eq!(after, before);
    let anonymous = send(&service, TestRequest::get().uri(RULES)).await;
    assert_eq!(anonymous.0, 401);
}

#[actix_web::test]
async fn the_rules_and_the_run_are_documented_with_their_codes() {
    let app = TestApp::new();
    let service = app.service().await;
    let (status, _, doc) = send(&service, TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(status, 200);
    let text = doc.to_string();
    for path in [RULES, RUN] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(text.contains(r#"["1h","4h","1d","1w"]"#), "offset codes");
    assert!(text.contains(r#""by_offset""#));
}

#[actix_web::test]
async fn after_downtime_only_the_reminder_of_the_current_window_goes() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (master, _) = app.staff_token(Role::Master);
    service_and_location(&app);
    let (status, _, rules) = put(
        &service,
        &owner,
        json!({"rules": [
            {"offset": "1w", "enabled": true},
            {"offset": "1d", "enabled": true},
            {"offset": "4h", "enabled": true},
            {"offset": "1h", "enabled": true}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{rules}");
    let anna = client(
        &service,
        &owner,
        json!({"full_name": "Анна", "telegram_id": 7001, "consent_personal_data": true}),
    )
    .await;
    let boris = client(
        &service,
        &owner,
        json!({"full_name": "Борис", "telegram_id": 7002, "consent_personal_data": true}),
    )
    .await;
    // Both booked more than a week ago; no run happened since (the server was down).
    appointment(
        &app,
        1,
        anna,
        master,
        NOW + 1_800,
        "scheduled",
        NOW - 8 * DAY,
    );
    appointment(
        &app,
        2,
        boris,
        master,
        NOW + 5 * HOUR,
        "scheduled",
        NOW - 8 * DAY,
    );

    let report = run(&service, &owner).await;
    assert_eq!(report["queued"], json!(2), "{report}");
    assert_eq!(report["by_offset"]["1h"]["queued"], json!(1), "{report}");
    assert_eq!(report["by_offset"]["1d"]["queued"], json!(1), "{report}");
    assert_eq!(report["by_offset"]["4h"]["queued"], json!(0), "{report}");
    assert_eq!(report["by_offset"]["1w"]["queued"], json!(0), "{report}");
    let mut messages = delivered(&app, 2).await;
    messages.sort_by_key(|m| m["chat_id"].as_i64());
    assert_eq!(messages[0]["chat_id"], json!(7001));
    assert!(
        messages[0]["text"].as_str().unwrap().contains("через час"),
        "{}",
        messages[0]
    );
    assert_eq!(messages[1]["chat_id"], json!(7002));
    assert!(
        messages[1]["text"].as_str().unwrap().contains("завтра"),
        "{}",
        messages[1]
    );
    let again = run(&service, &owner).await;
    assert_eq!(again["queued"], json!(0), "{again}");

    // An hour later the second one enters the 4h window and gets that reminder too.
    app.clock.set(at(NOW + HOUR));
    let (_, owner) = app.staff_token(Role::Owner);
    let report = run(&service, &owner).await;
    assert_eq!(report["by_offset"]["4h"]["queued"], json!(1), "{report}");
    assert_eq!(report["queued"], json!(1), "{report}");
    delivered(&app, 1).await;
}
