//! Campaigns and communications through the real app: the wizard, consent filtering per
//! channel, idempotent launch, bad input, roles, tracking and statistics.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_comms::delivery::SendReceipt;
use crm_core::{Channel, Role};
use crm_infra::channels::fake_server::FakeHttp;
use serde_json::{json, Value};

const WIZARD: &str = "/api/v1/admin/communications/workflows";

fn content(text: &str) -> Value {
    json!({
        "text": text,
        "buttons": [{"text": "Shop", "url": "https://shop.example/sale"}]
    })
}

#[actix_web::test]
async fn the_wizard_filters_by_consent_and_contact_and_launches_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let full = |name: &str, tg: i64, email: &str| {
        json!({"full_name": name, "telegram_id": tg, "email": email,
               "consent_personal_data": true, "consent_marketing": true, "consent_email": true})
    };
    let ann = client(&service, &owner, full("Ann", 501, "ann@example.com")).await;
    let bob = client(
        &service,
        &owner,
        json!({"full_name": "Bob", "telegram_id": 502, "consent_personal_data": true,
               "consent_marketing": true}),
    )
    .await;
    // No marketing consent: transactional only.
    let cid = client(
        &service,
        &owner,
        json!({"full_name": "Cid", "telegram_id": 503, "email": "cid@example.com",
               "consent_personal_data": true}),
    )
    .await;
    // Consents but no contact at all.
    let dan = client(
        &service,
        &owner,
        json!({"full_name": "Dan", "consent_personal_data": true, "consent_marketing": true,
               "consent_email": true}),
    )
    .await;

    let (status, _, campaign) = post(
        &service,
        &owner,
        WIZARD,
        json!({"name": "Black Friday"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{campaign}");
    assert_eq!(campaign["status"], "draft");
    assert_eq!(campaign["wizard_step"], 0);
    let id = campaign["id"].as_i64().unwrap();
    let step = |n: &str| format!("{WIZARD}/{id}/{n}");

    // Steps out of order: 409.
    assert_problem(
        &put(&service, &owner, &step("step-2-content"), content("Hi")).await,
        409,
        "wizard_step_out_of_order",
    );
    assert_problem(
        &get(&service, &owner, &step("step-4-confirmation")).await,
        409,
        "wizard_step_out_of_order",
    );

    let (status, _, body) = put(
        &service,
        &owner,
        &step("step-1-audience"),
        json!({"purpose": "advertising", "channels": ["telegram", "email"],
               "audience": {"client_ids": [ann, bob, cid, dan]}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["wizard_step"], 1);
    // Telegram's limit counts the opt-out footer.
    let (status, _, body) = put(
        &service,
        &owner,
        &step("step-2-content"),
        content(&"x".repeat(4_096)),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "content.text");
    let (status, _, body) = put(
        &service,
        &owner,
        &step("step-2-content"),
        content("Hello {name}, you have {balance} points"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_problem(
        &put(
            &service,
            &owner,
            &step("step-3-schedule"),
            json!({"kind": "at", "start_at": "2020-01-01T00:00:00Z"}),
        )
        .await,
        422,
        "validation_failed",
    );
    let (status, _, body) = put(
        &service,
        &owner,
        &step("step-3-schedule"),
        json!({"kind": "now"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["wizard_step"], 3);

    let (status, _, confirmation) = get(&service, &owner, &step("step-4-confirmation")).await;
    assert_eq!(status, 200, "{confirmation}");
    let telegram = &confirmation["channels"][0];
    assert_eq!(telegram["channel"], "telegram");
    assert_eq!(telegram["matching"], 4);
    assert_eq!(telegram["without_consent"], 1); // Cid
    assert_eq!(telegram["without_contact"], 1); // Dan
    assert_eq!(telegram["recipients"], 2); // Ann, Bob
    let email = &confirmation["channels"][1];
    assert_eq!(email["without_consent"], 2); // Bob (no e-mail consent), Cid
    assert_eq!(email["without_contact"], 1); // Dan
    assert_eq!(email["recipients"], 1); // Ann
    assert_eq!(confirmation["recipients"], 3);
    assert_eq!(confirmation["messages"], 3);
    let preview = confirmation["preview"][0]["text"].as_str().unwrap();
    assert!(
        preview.starts_with("Hello Анна, you have 150 points"),
        "{preview}"
    );
    assert!(preview.contains("Отписаться"), "{preview}");

    // A cashier may not launch.
    let (_, cashier) = app.staff_token(Role::Cashier);
    assert_problem(
        &post(&service, &cashier, &step("step-4-confirm"), json!({}), None).await,
        403,
        "forbidden",
    );
    assert_problem(
        &post(
            &service,
            &cashier,
            &format!("/api/v1/admin/communications/{id}/launch"),
            json!({}),
            None,
        )
        .await,
        403,
        "forbidden",
    );

    let (status, _, launched) =
        post(&service, &owner, &step("step-4-confirm"), json!({}), None).await;
    assert_eq!(status, 200, "{launched}");
    assert_eq!(launched["enqueued"], 3);
    assert_eq!(launched["campaign"]["status"], "running");
    // Launching again creates nothing new; the wizard is closed.
    let (status, _, again) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/launch"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["enqueued"], 0);
    assert_problem(
        &post(&service, &owner, &step("step-4-confirm"), json!({}), None).await,
        409,
        "campaign_launched",
    );
    assert_problem(
        &put(&service, &owner, &step("step-2-content"), content("Hi")).await,
        409,
        "campaign_launched",
    );

    // Exactly who is queued on which channel: the stats see three messages to two clients.
    let (status, _, stats) = get(&service, &owner, &step("step-5-stats")).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["recipients"], 2);
    assert_eq!(stats["messages"], 3);
    assert_eq!(stats["queued"], 3);

    // The worker's side of the contract: send the Telegram messages.
    let queue = app.state.delivery_queue.clone();
    let now = app.state.clock.now();
    let claimed = queue.claim_due(Channel::Telegram, 10, now).unwrap();
    let mut recipients: Vec<i64> = claimed.iter().map(|d| d.message.client_id.get()).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, vec![ann, bob]);
    assert!(claimed[0].message.buttons[0].url.contains("crm_click="));
    for d in &claimed {
        queue.mark_sent(d.id, &SendReceipt::default(), now).unwrap();
    }
    let ann_delivery = claimed
        .iter()
        .find(|d| d.message.client_id.get() == ann)
        .unwrap();

    // Tracking: by delivery, by click token, and from the Mini App.
    let (status, _, tracked) = post(
        &service,
        &owner,
        "/api/v1/admin/communications/track",
        json!({"event": "open", "delivery_id": ann_delivery.id}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{tracked}");
    assert_eq!(tracked["client_id"], ann);
    assert_eq!(tracked["campaign_id"], id);
    let token = format!("{id}-{bob}");
    let (status, _, body) = post(
        &service,
        &owner,
        "/api/v1/admin/communications/track",
        json!({"event": "click", "token": token, "url": "https://shop.example/sale"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let ann_token = app.client_token(ann);
    let (status, _, body) = post(
        &service,
        &ann_token,
        "/api/v1/app/communications/track",
        json!({"event": "conversion", "campaign_id": id}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Ann may not report Bob's delivery.
    let bob_delivery = claimed
        .iter()
        .find(|d| d.message.client_id.get() == bob)
        .unwrap();
    assert_problem(
        &post(
            &service,
            &ann_token,
            "/api/v1/app/communications/track",
            json!({"event": "open", "delivery_id": bob_delivery.id}),
            None,
        )
        .await,
        404,
        "delivery_not_found",
    );

    let (status, _, stats) = get(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/stats"),
    )
    .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["sent"], 2);
    assert_eq!(stats["queued"], 1);
    assert_eq!(stats["opened"], 1);
    assert_eq!(stats["clicked"], 1);
    assert_eq!(stats["converted"], 1);
    assert_eq!(stats["open_rate"], 0.5);
    assert_eq!(stats["delivery_rate"], 1.0);

    // Lists: the campaign is active; it shows in /campaigns too.
    let (_, _, active) = get(&service, &owner, "/api/v1/admin/communications").await;
    assert_eq!(active["section"], "active");
    assert_eq!(active["items"][0]["id"], id);
    let (_, _, archive) = get(
        &service,
        &owner,
        "/api/v1/admin/communications?section=archive",
    )
    .await;
    assert_eq!(archive["total"], 0);
    let (_, _, all) = get(&service, &owner, "/api/v1/admin/campaigns").await;
    assert_eq!(all["total"], 1);
}

#[actix_web::test]
async fn bad_input_is_refused_with_clear_errors() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let nobody_reachable = client(
        &service,
        &manager,
        json!({"full_name": "No Mail", "telegram_id": 700, "consent_personal_data": true,
               "consent_marketing": true, "consent_email": true}),
    )
    .await;
    let base = |channels: Value, audience: Value, content: Value| json!({"name": "Promo", "channels": channels, "audience": audience, "content": content});

    // Unknown client in the list.
    let (status, _, body) = post(
        &service,
        &manager,
        "/api/v1/admin/campaigns",
        base(
            json!(["telegram"]),
            json!({"client_ids": [9999]}),
            content("Hi"),
        ),
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "audience.client_ids");
    // Links must be http(s); the image too.
    let (status, _, body) = post(
        &service,
        &manager,
        "/api/v1/admin/campaigns",
        base(
            json!(["telegram"]),
            json!({}),
            json!({"text": "Hi", "image_url": "file:///etc/passwd",
                   "buttons": [{"text": "x", "url": "javascript:alert(1)"}]}),
        ),
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"content.image_url") && fields.contains(&"content.buttons[0].url"));
    // No channel, unknown channel, unknown field.
    assert_problem(
        &post(
            &service,
            &manager,
            "/api/v1/admin/campaigns",
            base(json!([]), json!({}), content("Hi")),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    let (status, _, _) = post(
        &service,
        &manager,
        "/api/v1/admin/campaigns",
        base(json!(["pigeon"]), json!({}), content("Hi")),
        None,
    )
    .await;
    assert_eq!(status, 422);

    // A channel nobody in the audience has a contact for: empty audience, nothing enqueued.
    let (status, _, created) = post(
        &service,
        &manager,
        "/api/v1/admin/communications",
        base(
            json!(["email"]),
            json!({"client_ids": [nobody_reachable]}),
            content("Hi"),
        ),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_problem(
        &post(
            &service,
            &manager,
            &format!("/api/v1/admin/communications/{id}/launch"),
            json!({}),
            None,
        )
        .await,
        422,
        "empty_audience",
    );
    let (_, _, stats) = get(
        &service,
        &manager,
        &format!("/api/v1/admin/communications/{id}/stats"),
    )
    .await;
    assert_eq!(stats["messages"], 0);
    assert_eq!(stats["status"], "draft");

    // Editing a draft through PUT /campaigns/{id}; unknown campaigns are 404.
    let (status, _, body) = put(
        &service,
        &manager,
        &format!("/api/v1/admin/campaigns/{id}"),
        base(json!(["telegram"]), json!({}), content("Hi again")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["channels"], json!(["telegram"]));
    assert_problem(
        &put(
            &service,
            &manager,
            "/api/v1/admin/campaigns/999",
            base(json!(["telegram"]), json!({}), content("Hi")),
        )
        .await,
        404,
        "campaign_not_found",
    );
    assert_problem(
        &post(
            &service,
            &manager,
            "/api/v1/admin/communications/999/launch",
            json!({}),
            None,
        )
        .await,
        404,
        "campaign_not_found",
    );

    // Tracking an unknown delivery or campaign.
    assert_problem(
        &post(
            &service,
            &manager,
            "/api/v1/admin/communications/track",
            json!({"event": "open", "campaign_id": id, "delivery_id": 424242}),
            None,
        )
        .await,
        404,
        "delivery_not_found",
    );
    assert_problem(
        &post(
            &service,
            &manager,
            "/api/v1/admin/communications/track",
            json!({"event": "open", "campaign_id": 999, "client_id": nobody_reachable}),
            None,
        )
        .await,
        404,
        "campaign_not_found",
    );
    let (status, _, _) = post(
        &service,
        &manager,
        "/api/v1/admin/communications/track",
        json!({"event": "open", "campaign_id": id, "client_id": 9999}),
        None,
    )
    .await;
    assert_eq!(status, 422);
    // A cashier may read but not create.
    let (_, cashier) = app.staff_token(Role::Cashier);
    assert_problem(
        &post(&service, &cashier, WIZARD, json!({"name": "x"}), None).await,
        403,
        "forbidden",
    );
    let (status, _, _) = get(&service, &cashier, "/api/v1/admin/campaigns").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn opting_out_takes_effect_at_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let ann = client(
        &service,
        &owner,
        json!({"full_name": "Ann", "telegram_id": 801, "consent_personal_data": true,
               "consent_marketing": true}),
    )
    .await;
    let bob = client(
        &service,
        &owner,
        json!({"full_name": "Bob", "telegram_id": 802, "consent_personal_data": true,
               "consent_marketing": true}),
    )
    .await;
    let (_, _, created) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        json!({"name": "Later", "channels": ["telegram"], "content": {"text": "Sale"},
               "schedule": {"kind": "at", "start_at": "2026-11-25T10:00:00Z"}}),
        None,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let (status, _, launched) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/launch"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{launched}");
    assert_eq!(launched["campaign"]["status"], "scheduled");
    assert_eq!(launched["enqueued"], 2);

    let token = app.client_token(ann);
    let (status, _, body) = post(
        &service,
        &token,
        "/api/v1/app/communications/opt-out",
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cancelled_deliveries"], 1);
    let (_, _, me) = get(&service, &token, "/api/v1/app/me").await;
    assert_eq!(me["consent_marketing"], false, "{me}");
    assert_eq!(me["consent_history"][0]["consent"], "marketing");
    assert_eq!(me["consent_history"][0]["source"], "mini_app");
    let (_, _, stats) = get(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/stats"),
    )
    .await;
    assert_eq!(stats["failed"], 1);
    assert_eq!(stats["queued"], 1);
    // Staff withdrawing Bob's marketing consent cancels his message too.
    let (status, _, body) = send(
        &service,
        TestRequest::put()
            .uri(&format!("/api/v1/admin/clients/{bob}"))
            .insert_header(bearer(&owner))
            .set_json(json!({"consent_marketing": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, stats) = get(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/stats"),
    )
    .await;
    assert_eq!(stats["failed"], 2);
    assert_eq!(stats["queued"], 0);
}

#[actix_web::test]
async fn withdrawing_a_channel_consent_cancels_that_channels_messages() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let full = |name: &str, tg: i64, email: &str| {
        json!({"full_name": name, "telegram_id": tg, "email": email,
               "consent_personal_data": true, "consent_marketing": true,
               "consent_email": true})
    };
    let ann = client(&service, &owner, full("Ann", 811, "ann@example.com")).await;
    let bob = client(&service, &owner, full("Bob", 812, "bob@example.com")).await;
    let (_, _, created) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        json!({"name": "Later", "channels": ["telegram", "email"],
               "content": {"text": "Sale"},
               "schedule": {"kind": "at", "start_at": "2026-11-25T10:00:00Z"}}),
        None,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let (status, _, launched) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/launch"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{launched}");
    assert_eq!(launched["enqueued"], 4);
    let stats_uri = format!("/api/v1/admin/communications/{id}/stats");

    // Ann withdraws her e-mail consent in the Mini App: only her e-mail is cancelled.
    let token = app.client_token(ann);
    let (status, _, body) = put(
        &service,
        &token,
        "/api/v1/app/me/consents",
        json!({"consent_email": false}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, stats) = get(&service, &owner, &stats_uri).await;
    assert_eq!(
        (stats["failed"].clone(), stats["queued"].clone()),
        (json!(1), json!(3))
    );

    // Staff withdraw Bob's e-mail consent: his e-mail goes too, Telegram stays queued.
    let (status, _, body) = put(
        &service,
        &owner,
        &format!("/api/v1/admin/clients/{bob}"),
        json!({"consent_email": false}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, stats) = get(&service, &owner, &stats_uri).await;
    assert_eq!(
        (stats["failed"].clone(), stats["queued"].clone()),
        (json!(2), json!(2))
    );
    let due = app
        .state
        .delivery_queue
        .claim_due(Channel::Email, 10, at(1_800_000_000))
        .unwrap();
    assert!(due.is_empty(), "{} e-mails still due", due.len());
}

#[actix_web::test]
async fn campaigns_are_cancelled_archived_and_completed_by_status() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    for (name, tg) in [("Ann", 901), ("Bob", 902)] {
        client(
            &service,
            &owner,
            json!({"full_name": name, "telegram_id": tg, "consent_personal_data": true,
                   "consent_marketing": true}),
        )
        .await;
    }
    let create = |schedule: Value| {
        json!({"name": "Sale", "channels": ["telegram"], "content": {"text": "Sale"},
               "schedule": schedule})
    };
    let (_, _, later) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        create(json!({"kind": "at", "start_at": "2026-11-25T10:00:00Z"})),
        None,
    )
    .await;
    let later = later["id"].as_i64().unwrap();
    let uri = format!("/api/v1/admin/campaigns/{later}");
    let (status, _, launched) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{later}/launch"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{launched}");
    assert_eq!(launched["enqueued"], 2);

    // Forbidden transitions and mixed bodies are refused with clear errors.
    let refused = put(&service, &owner, &uri, json!({"status": "archived"})).await;
    assert_problem(&refused, 409, "invalid_status_transition");
    assert!(
        refused.2["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("scheduled"),
        "{}",
        refused.2
    );
    assert_problem(
        &put(&service, &owner, &uri, json!({"status": "running"})).await,
        409,
        "invalid_status_transition",
    );
    assert_problem(
        &put(
            &service,
            &owner,
            &uri,
            json!({"status": "cancelled", "name": "x"}),
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &put(&service, &owner, &uri, json!({})).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &put(
            &service,
            &owner,
            "/api/v1/admin/campaigns/999",
            json!({"status": "cancelled"}),
        )
        .await,
        404,
        "campaign_not_found",
    );

    // Cancelling fails the queued messages; the campaign moves to the archive section.
    let (status, _, body) = put(&service, &owner, &uri, json!({"status": "cancelled"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["section"], "archive");
    let (_, _, stats) = get(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{later}/stats"),
    )
    .await;
    assert_eq!(
        (stats["queued"].clone(), stats["failed"].clone()),
        (json!(0), json!(2))
    );
    assert!(app
        .state
        .delivery_queue
        .claim_due(Channel::Telegram, 10, at(1_800_000_000))
        .unwrap()
        .is_empty());
    assert_problem(
        &put(&service, &owner, &uri, json!({"status": "cancelled"})).await,
        409,
        "invalid_status_transition",
    );
    let (status, _, body) = put(&service, &owner, &uri, json!({"status": "archived"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "archived");

    // A running campaign completes once nothing is queued or sending any more.
    let (_, _, now) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        create(json!({"kind": "now"})),
        None,
    )
    .await;
    let now_id = now["id"].as_i64().unwrap();
    post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{now_id}/launch"),
        json!({}),
        None,
    )
    .await;
    let (_, _, active) = get(&service, &owner, "/api/v1/admin/communications").await;
    assert_eq!(active["items"][0]["status"], "running", "{active}");
    let queue = app.state.delivery_queue.clone();
    let sent_at = app.state.clock.now();
    for d in queue.claim_due(Channel::Telegram, 10, sent_at).unwrap() {
        queue
            .mark_sent(d.id, &SendReceipt::default(), sent_at)
            .unwrap();
    }
    let (_, _, archive) = get(
        &service,
        &owner,
        "/api/v1/admin/communications?section=archive",
    )
    .await;
    assert_eq!(archive["items"][0]["id"], now_id, "{archive}");
    assert_eq!(archive["items"][0]["status"], "completed");
    let (status, _, body) = put(
        &service,
        &owner,
        &format!("/api/v1/admin/campaigns/{now_id}"),
        json!({"status": "archived"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "archived");
}

#[actix_web::test]
async fn birthday_filters_use_the_business_timezone() {
    // 2026-11-24T22:00:00Z: the 24th in UTC, already the 25th in Moscow (the default).
    let app = TestApp::with_bot_token(None, at(1_795_557_600));
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    client(
        &service,
        &owner,
        json!({"full_name": "Ann", "telegram_id": 951, "birthday": "1990-11-26",
               "consent_personal_data": true}),
    )
    .await;
    let (status, _, created) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        json!({"name": "Birthday", "purpose": "transactional", "channels": ["telegram"],
               "audience": {"birthday_within_days": 2}, "content": {"text": "Soon!"}}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let uri = format!("{WIZARD}/{id}/step-4-confirmation");
    let (status, _, confirmation) = get(&service, &owner, &uri).await;
    assert_eq!(status, 200, "{confirmation}");
    assert_eq!(confirmation["recipients"], 1, "{confirmation}");
    // With the business in UTC the two days are the 24th and 25th: nobody.
    let (status, _, body) = put(
        &service,
        &owner,
        "/api/v1/admin/system-settings",
        json!({"company": {"timezone": "UTC"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, confirmation) = get(&service, &owner, &uri).await;
    assert_eq!(confirmation["recipients"], 0, "{confirmation}");
}

#[actix_web::test]
async fn recurring_campaigns_send_each_occurrence_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    client(
        &service,
        &owner,
        json!({"full_name": "Ann", "telegram_id": 961, "consent_personal_data": true,
               "consent_marketing": true}),
    )
    .await;
    // NOW is 2026-11-24T12:00:00Z; the first occurrence is an hour later, then daily.
    let (status, _, created) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        json!({"name": "Daily deal", "channels": ["telegram"], "content": {"text": "Deal"},
               "schedule": {"kind": "daily", "start_at": "2026-11-24T13:00:00Z"}}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, _, launched) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/launch"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(launched["campaign"]["status"], "scheduled", "{launched}");
    assert_eq!(launched["enqueued"], 1);
    let stats_uri = format!("/api/v1/admin/communications/{id}/stats");
    let scheduler_pass = |seconds: i64| {
        app.clock.set(at(seconds));
        app.state.campaigns().schedule_recurring().unwrap()
    };
    // The first occurrence came with the launch; the campaign is running from its start.
    assert_eq!(scheduler_pass(NOW + 3_600 + 30), 0);
    // The next day's occurrence is enqueued once, however often the pass runs (restarts too).
    assert_eq!(scheduler_pass(NOW + 3_600 + 86_400 + 30), 1);
    assert_eq!(scheduler_pass(NOW + 3_600 + 86_400 + 90), 0);
    // A day later the first token has expired: sign in again.
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, _, stats) = get(&service, &owner, &stats_uri).await;
    assert_eq!(stats["messages"], 2, "{stats}");
    assert_eq!(stats["status"], "running");
    // Recurring campaigns do not complete on their own; cancelling stops the occurrences.
    let (status, _, body) = put(
        &service,
        &owner,
        &format!("/api/v1/admin/campaigns/{id}"),
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(scheduler_pass(NOW + 3_600 + 2 * 86_400 + 30), 0);
}

#[actix_web::test]
async fn a_message_too_long_once_personalised_is_skipped_not_queued() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let consenting = |name: &str, tg: i64| json!({"full_name": name, "telegram_id": tg, "consent_personal_data": true});
    let ann = client(&service, &owner, consenting("Ann", 971)).await;
    // 4 080 + 17 = 4 097 characters once `{name}` is filled: over Telegram's 4 096.
    let long_name = "Б".repeat(17);
    let long = client(&service, &owner, consenting(&long_name, 972)).await;
    let (status, _, created) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        json!({"name": "Long letter", "purpose": "transactional", "channels": ["telegram"],
               "audience": {"client_ids": [ann, long]},
               "content": {"text": format!("{}{{name}}", "x".repeat(4_080))}}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let launch_uri = format!("/api/v1/admin/communications/{id}/launch");
    let (status, _, launched) = post(&service, &owner, &launch_uri, json!({}), None).await;
    assert_eq!(status, 200, "{launched}");
    assert_eq!(launched["enqueued"], 1, "{launched}");
    assert_eq!(launched["skipped_too_long"], 1, "{launched}");
    assert_eq!(launched["channels"][0]["recipients"], 2);
    // A repeated launch neither queues nor counts it again.
    let (_, _, again) = post(&service, &owner, &launch_uri, json!({}), None).await;
    assert_eq!(
        (
            again["enqueued"].as_i64(),
            again["skipped_too_long"].as_i64()
        ),
        (Some(0), Some(0))
    );

    let (status, _, stats) = get(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{id}/stats"),
    )
    .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["messages"], 1, "{stats}");
    assert_eq!(stats["recipients"], 1);
    assert_eq!(stats["skipped_too_long"], 1);

    // No delivery row for the long-named client: the worker finds only Ann's, and the Bot API
    // receives exactly that one message, within the limit.
    let fake = FakeHttp::start(vec![telegram_ok(1)]);
    let report = app.deliver_due(&fake.base).await;
    assert_eq!(
        (report.claimed, report.sent, report.failed),
        (1, 1, 0),
        "{report:?}"
    );
    let requests = fake.finish();
    assert_eq!(requests.len(), 1);
    let sent = requests[0].json();
    assert_eq!(sent["chat_id"].to_string().trim_matches('"'), "971");
    let text = sent["text"].as_str().unwrap();
    assert_eq!(text.chars().count(), 4_083);
    assert!(text.ends_with("xAnn"));
}
