//! The server's background reminder pass, as `crm-server serve` spawns it: left running over
//! several ticks at a fixed clock, it enqueues a due reminder exactly once, and the delivery
//! worker sends that one message to a fake Telegram Bot API.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use actix_web::web;
use common::*;
use crm_core::Role;
use crm_infra::channels::fake_server::FakeHttp;
use crm_infra::SqliteReminderRepository;
use serde_json::json;
use std::time::Duration;

fn sql(app: &TestApp, sql: &str) {
    SqliteReminderRepository::new(app.db.clone())
        .execute_sql(sql)
        .expect(sql);
}

#[actix_web::test]
async fn the_reminder_scheduler_enqueues_a_due_reminder_once_over_many_ticks() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (master, _) = app.staff_token(Role::Master);
    sql(
        &app,
        "INSERT INTO products (id, kind, name, name_lower, price, unit, duration_minutes, \
           created_at, updated_at) VALUES (1, 'service', 'Стрижка', 'стрижка', 150000, 'шт', 60, 0, 0)",
    );
    let rules = send(
        &service,
        TestRequest::put()
            .uri("/api/v1/admin/communications/reminders/rules")
            .insert_header(bearer(&owner))
            .set_json(json!({"rules": [{"offset": "1h", "enabled": true,
                                         "template": "{client_name}, ждём вас в {time}"}]})),
    )
    .await;
    assert_eq!(rules.0, 200, "{}", rules.2);
    let anna = client(
        &service,
        &owner,
        json!({"full_name": "Анна", "telegram_id": 7001, "consent_personal_data": true}),
    )
    .await;
    // Booked a week ago for half an hour from now (15:30 in Moscow).
    let start = NOW + 1_800;
    sql(
        &app,
        &format!(
            "INSERT INTO appointments (client_id, service_id, employee_id, starts_at, ends_at, \
               status, source, created_by, created_at, updated_at) \
             VALUES ({anna}, 1, {master}, {s}, {e}, 'scheduled', 'admin', 'staff:1', {c}, {c})",
            s = start * 1_000,
            e = (start + 3_600) * 1_000,
            c = (NOW - 7 * 86_400) * 1_000,
        ),
    );

    let scheduler = crm_http::schedulers::spawn_reminder_scheduler(
        web::Data::new(app.state.clone()),
        Duration::from_millis(20),
    );
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    scheduler.abort();

    let fake = FakeHttp::start(vec![telegram_ok(1)]);
    let pass = app.deliver_due(&fake.base).await;
    assert_eq!((pass.claimed, pass.sent), (1, 1), "{pass:?}");
    let sent = fake.finish();
    assert_eq!(sent.len(), 1);
    let message = sent[0].json();
    assert_eq!(message["chat_id"], json!(7001));
    assert_eq!(message["text"], json!("Анна, ждём вас в 24.11.2026 15:30"));
}
