//! Dialogues through the real app: a client's message via `tma` (the client is created on
//! first contact) and the unanswered registry, a reply that reaches a fake Telegram Bot API and
//! turns `sent`, the registry's filters, group sends by ids and by tag, a group send
//! interrupted mid-way resumed under its key, every bad input with nothing written, the rate
//! limit and the roles.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_comms::campaigns::model::Purpose;
use crm_comms::delivery::{DeliverySource, NewDelivery};
use crm_comms::dialogues::ports::NewGroupSend;
use crm_comms::dialogues::{
    DialogueRepository, Direction, GroupRecipients, GroupSend, MessageSource, NewMessage,
};
use crm_core::{Channel, ClientId, EmployeeId, Role};
use crm_infra::channels::fake_server::FakeHttp;
use crm_infra::SqliteDialogueRepository;
use serde_json::{json, Value};

const APP_MESSAGE: &str = "/api/v1/feedback/app/message";
const REGISTRY: &str = "/api/v1/admin/dialogues/messages";
const GROUP: &str = "/api/v1/admin/dialogues/send-group";

fn reply_uri(client: i64) -> String {
    format!("/api/v1/admin/dialogues/{client}/reply")
}

fn conversation_uri(client: i64) -> String {
    format!("/api/v1/admin/dialogues/{client}/messages")
}

/// Sends a message as the client behind `token`.
async fn write<S, B>(service: &S, token: &str, text: &str) -> (u16, String, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    post(service, token, APP_MESSAGE, json!({"text": text}), None).await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_new_telegram_user_writes_and_shows_as_unanswered() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let init = init_data_for(777_001, "Мария", NOW);
    let (status, _, message) = send(
        &service,
        TestRequest::post()
            .uri(APP_MESSAGE)
            .insert_header(("Authorization", format!("tma {init}")))
            .set_json(json!({"text": "  Здравствуйте! Есть запись на завтра?  "})),
    )
    .await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(message["direction"], "inbound");
    assert_eq!(message["channel"], "telegram");
    assert_eq!(message["status"], "received");
    assert_eq!(message["source"], "app");
    assert_eq!(message["text"], "Здравствуйте! Есть запись на завтра?");
    let client_id = message["client_id"].as_i64().unwrap();

    // The same Telegram user is the same client.
    let (status, _, again) = send(
        &service,
        TestRequest::post()
            .uri(APP_MESSAGE)
            .insert_header(("Authorization", format!("tma {init}")))
            .set_json(json!({"text": "Алло?"})),
    )
    .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["client_id"], client_id);

    let (status, _, page) = get(&service, &owner, &format!("{REGISTRY}?unanswered=true")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1, "only the latest inbound message: {page}");
    assert_eq!(page["items"][0]["id"], again["id"]);
    assert_eq!(page["items"][0]["client_name"], "Мария");

    // A client created from Telegram has not consented yet: a reply is refused, nothing sent.
    assert_problem(
        &post(
            &service,
            &owner,
            &reply_uri(client_id),
            json!({"channel": "telegram", "text": "Да"}),
            None,
        )
        .await,
        422,
        "no_consent",
    );
    let (_, _, conv) = get(&service, &owner, &conversation_uri(client_id)).await;
    assert_eq!(conv["total"], 2, "{conv}");
}

#[actix_web::test]
async fn a_reply_reaches_telegram_and_turns_sent() {
    let app = TestApp::new();
    let service = app.service().await;
    let (manager_id, manager) = app.staff_token(Role::Manager);
    let anna = client(
        &service,
        &manager,
        json!({"full_name": "Анна Петрова", "telegram_id": 424_242, "consent_personal_data": true}),
    )
    .await;
    let token = app.client_token(anna);
    let (status, _, inbound) = write(&service, &token, "Когда вы открыты?").await;
    assert_eq!(status, 201, "{inbound}");

    let (status, _, reply) = post(
        &service,
        &manager,
        &reply_uri(anna),
        json!({"channel": "telegram", "text": "С 10 до 22, ждём вас!"}),
        Some("reply-1"),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["direction"], "outbound");
    assert_eq!(reply["status"], "queued");
    assert_eq!(reply["source"], "admin_reply");
    assert_eq!(reply["author_employee_id"], manager_id);
    assert!(reply["delivery_id"].as_i64().is_some());

    // A retried request with the same key sends nothing twice.
    let (status, _, retried) = post(
        &service,
        &manager,
        &reply_uri(anna),
        json!({"channel": "telegram", "text": "С 10 до 22, ждём вас!"}),
        Some("reply-1"),
    )
    .await;
    assert_eq!(status, 201, "{retried}");
    assert_eq!(retried["id"], reply["id"]);

    // Answered: no longer in the unanswered registry.
    let (_, _, unanswered) = get(&service, &manager, &format!("{REGISTRY}?unanswered=true")).await;
    assert_eq!(unanswered["total"], 0, "{unanswered}");

    let fake = FakeHttp::start(vec![telegram_ok(1)]);
    let report = app.deliver_due(&fake.base).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let requests = fake.finish();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].path.ends_with("/sendMessage"),
        "{}",
        requests[0].path
    );
    let sent = requests[0].json();
    assert_eq!(sent["chat_id"].to_string().trim_matches('"'), "424242");
    assert_eq!(sent["text"], "С 10 до 22, ждём вас!");

    let (_, _, conv) = get(&service, &manager, &conversation_uri(anna)).await;
    assert_eq!(conv["total"], 2, "{conv}");
    assert_eq!(conv["items"][0]["id"], reply["id"], "newest first");
    assert_eq!(conv["items"][0]["status"], "sent");
    assert_eq!(conv["items"][1]["status"], "received");
    let (_, _, sent_page) = get(&service, &manager, &format!("{REGISTRY}?status=sent")).await;
    assert_eq!(ids(&sent_page), vec![reply["id"].as_i64().unwrap()]);
}

#[actix_web::test]
async fn the_registry_filters_by_name_status_channel_date_and_direction() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let olga = client(
        &service,
        &owner,
        json!({"full_name": "Ольга Смирнова", "telegram_id": 9001, "email": "olga@example.com",
               "consent_personal_data": true}),
    )
    .await;
    let ivan = client(
        &service,
        &owner,
        json!({"full_name": "Иван Кузнецов", "telegram_id": 9002, "consent_personal_data": true}),
    )
    .await;
    let (_, _, olga_msg) = write(&service, &app.client_token(olga), "Привет").await;
    let (_, _, email_reply) = post(
        &service,
        &owner,
        &reply_uri(olga),
        json!({"channel": "email", "text": "Ответ письмом"}),
        None,
    )
    .await;
    assert_eq!(email_reply["status"], "queued", "{email_reply}");
    // 22:00 UTC is already the 25th in Moscow (the default business timezone).
    app.clock.set(at(NOW + 10 * 3600));
    // Tokens live an hour: new ones after moving the clock.
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let (_, _, ivan_msg) = write(&service, &app.client_token(ivan), "Добрый вечер").await;
    assert_eq!(ivan_msg["status"], "received", "{ivan_msg}");

    let q = |query: &str| format!("{REGISTRY}?{query}");
    let cashier_sees = get(&service, &cashier, &q("")).await;
    assert_eq!(cashier_sees.0, 200, "every staff role reads");
    assert_eq!(cashier_sees.2["total"], 3);
    let newest_first = ids(&cashier_sees.2);
    assert_eq!(newest_first[0], ivan_msg["id"].as_i64().unwrap());

    // Name: a case-insensitive Cyrillic substring, encoded in the URL.
    let (status, _, by_name) = get(&service, &owner, &q("name=%D0%A1%D0%9C%D0%98%D0%A0")).await;
    assert_eq!(status, 200, "{by_name}");
    assert_eq!(by_name["total"], 2, "СМИР matches Смирнова: {by_name}");
    assert!(by_name["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["client_name"] == "Ольга Смирнова"));
    let (_, _, by_status) = get(&service, &owner, &q("status=queued")).await;
    assert_eq!(ids(&by_status), vec![email_reply["id"].as_i64().unwrap()]);
    let (_, _, by_channel) = get(&service, &owner, &q("channel=email")).await;
    assert_eq!(ids(&by_channel), vec![email_reply["id"].as_i64().unwrap()]);
    let (_, _, inbound) = get(&service, &owner, &q("direction=inbound")).await;
    assert_eq!(inbound["total"], 2);
    let (_, _, day_24) = get(&service, &owner, &q("date=2026-11-24")).await;
    assert_eq!(day_24["total"], 2, "{day_24}");
    let (_, _, day_25) = get(&service, &owner, &q("date=2026-11-25")).await;
    assert_eq!(ids(&day_25), vec![ivan_msg["id"].as_i64().unwrap()]);
    let (_, _, period) = get(
        &service,
        &owner,
        &q("from=2026-11-24T00:00:00Z&to=2026-11-24T13:00:00Z"),
    )
    .await;
    assert_eq!(period["total"], 2, "{period}");
    let (_, _, of_ivan) = get(&service, &owner, &q(&format!("client_id={ivan}"))).await;
    assert_eq!(of_ivan["total"], 1);
    let (_, _, unanswered) = get(&service, &owner, &q("unanswered=true")).await;
    assert_eq!(
        ids(&unanswered),
        vec![ivan_msg["id"].as_i64().unwrap()],
        "Olga got a reply"
    );
    let (_, _, paged) = get(&service, &owner, &q("limit=1&offset=1")).await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged["total"], 3);
    assert_eq!(olga_msg["client_id"], olga);

    // Bad filters: 4xx.
    assert_problem(
        &get(&service, &owner, &q("date=24.11.2026")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(&service, &owner, &q("date=2026-02-30")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(&service, &owner, &q("from=yesterday")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(
            &service,
            &owner,
            &q("from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z"),
        )
        .await,
        422,
        "validation_failed",
    );
    assert_eq!(get(&service, &owner, &q("status=lost")).await.0, 400);
    assert_problem(
        &get(&service, &owner, &q("limit=501")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(&service, &owner, &conversation_uri(999_999)).await,
        404,
        "client_not_found",
    );
}

#[actix_web::test]
async fn group_sends_queue_per_consent_and_contact() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let marketing = |name: &str, tg: Option<i64>, tags: &[&str]| {
        json!({"full_name": name, "telegram_id": tg, "tags": tags,
               "consent_personal_data": true, "consent_marketing": true})
    };
    let a = client(&service, &admin, marketing("VIP A", Some(6001), &["vip"])).await;
    let b = client(&service, &admin, marketing("VIP B", Some(6002), &["vip"])).await;
    // VIP without a Telegram id: no contact.
    let c = client(&service, &admin, marketing("VIP C", None, &["vip"])).await;
    // VIP without marketing consent: skipped for advertising, queued for transactional.
    let d = client(
        &service,
        &admin,
        json!({"full_name": "VIP D", "telegram_id": 6004, "tags": ["vip"],
               "consent_personal_data": true}),
    )
    .await;
    let _other = client(&service, &admin, marketing("Regular", Some(6005), &[])).await;

    let (status, _, by_tag) = post(
        &service,
        &admin,
        GROUP,
        json!({"channel": "telegram", "text": "Закрытая распродажа для VIP",
               "segment": {"tags": ["vip"]}}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{by_tag}");
    assert_eq!(by_tag["requested"], 4);
    assert_eq!(by_tag["queued"], 2);
    assert_eq!(by_tag["skipped"]["no_consent"], 1);
    assert_eq!(by_tag["skipped"]["no_contact"], 1);
    let group_id = by_tag["group_send_id"].as_i64().unwrap();
    let (_, _, conv) = get(&service, &admin, &conversation_uri(a)).await;
    assert_eq!(conv["items"][0]["source"], "group_send");
    assert_eq!(conv["items"][0]["group_send_id"], group_id);
    assert!(
        conv["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Отписаться"),
        "advertising carries the opt-out footer"
    );

    let (status, _, by_ids) = post(
        &service,
        &admin,
        GROUP,
        json!({"channel": "telegram", "text": "Ваш заказ готов", "purpose": "transactional",
               "client_ids": [b, c, d, b]}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{by_ids}");
    assert_eq!(by_ids["requested"], 3);
    assert_eq!(by_ids["queued"], 2);
    assert_eq!(by_ids["skipped"]["no_consent"], 0);
    assert_eq!(by_ids["skipped"]["no_contact"], 1);
    let (_, _, d_conv) = get(&service, &admin, &conversation_uri(d)).await;
    assert_eq!(d_conv["items"][0]["text"], "Ваш заказ готов");

    let fake = FakeHttp::start(vec![
        telegram_ok(1),
        telegram_ok(2),
        telegram_ok(3),
        telegram_ok(4),
    ]);
    let report = app.deliver_due(&fake.base).await;
    assert_eq!(report.sent, 4, "{report:?}");
    assert_eq!(fake.finish().len(), 4);
    let (_, _, sent) = get(&service, &admin, &format!("{REGISTRY}?status=sent")).await;
    assert_eq!(sent["total"], 4);
}

#[actix_web::test]
async fn bad_input_is_refused_and_nothing_is_written() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let kim = client(
        &service,
        &owner,
        json!({"full_name": "Ким", "telegram_id": 3003, "consent_personal_data": true}),
    )
    .await;
    let token = app.client_token(kim);

    // The client's message: empty, blank, too long, unknown fields.
    assert_problem(&write(&service, &token, "").await, 422, "validation_failed");
    assert_problem(
        &write(&service, &token, "   ").await,
        422,
        "validation_failed",
    );
    assert_problem(
        &write(&service, &token, &"я".repeat(4_097)).await,
        422,
        "validation_failed",
    );
    let (status, _, _) = post(
        &service,
        &token,
        APP_MESSAGE,
        json!({"text": "x", "at": 1}),
        None,
    )
    .await;
    assert!((400..500).contains(&status));
    assert_eq!(write(&service, "not-a-token", "Привет").await.0, 401);

    // Replies: text limits per channel, unknown client, no contact, role.
    let reply = |text: String, channel: &str| json!({"channel": channel, "text": text});
    assert_problem(
        &post(
            &service,
            &owner,
            &reply_uri(kim),
            reply(String::new(), "telegram"),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &post(
            &service,
            &owner,
            &reply_uri(kim),
            reply("x".repeat(4_097), "telegram"),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &post(
            &service,
            &owner,
            &reply_uri(999_999),
            reply("Привет".into(), "telegram"),
            None,
        )
        .await,
        404,
        "client_not_found",
    );
    let no_contact = post(
        &service,
        &owner,
        &reply_uri(kim),
        reply("Привет".into(), "email"),
        None,
    )
    .await;
    assert_problem(&no_contact, 422, "no_contact");
    assert_eq!(no_contact.2["errors"][0]["field"], "channel");
    assert!(no_contact.2["detail"].as_str().unwrap().contains("email"));
    assert_problem(
        &post(
            &service,
            &owner,
            &reply_uri(kim),
            reply("Привет".into(), "fax"),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &post(
            &service,
            &cashier,
            &reply_uri(kim),
            reply("Привет".into(), "telegram"),
            None,
        )
        .await,
        403,
        "forbidden",
    );

    // Group sends: no recipients, empty segment result, unknown ids, both, too long, role.
    let group = |extra: Value| {
        let mut body = json!({"channel": "telegram", "text": "Акция"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    assert_problem(
        &post(&service, &owner, GROUP, group(json!({})), None).await,
        422,
        "no_recipients",
    );
    assert_problem(
        &post(
            &service,
            &owner,
            GROUP,
            group(json!({"client_ids": []})),
            None,
        )
        .await,
        422,
        "no_recipients",
    );
    assert_problem(
        &post(
            &service,
            &owner,
            GROUP,
            group(json!({"segment": {"tags": ["nobody"]}})),
            None,
        )
        .await,
        422,
        "no_recipients",
    );
    let unknown = post(
        &service,
        &owner,
        GROUP,
        group(json!({"client_ids": [kim, 999_998]})),
        None,
    )
    .await;
    assert_problem(&unknown, 404, "unknown_clients");
    assert!(unknown.2["detail"].as_str().unwrap().contains("999998"));
    assert_problem(
        &post(
            &service,
            &owner,
            GROUP,
            group(json!({"client_ids": [kim], "segment": {"tags": ["vip"]}})),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &post(
            &service,
            &owner,
            GROUP,
            json!({"channel": "telegram", "text": "x".repeat(4_090), "client_ids": [kim]}),
            None,
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &post(
            &service,
            &cashier,
            GROUP,
            group(json!({"client_ids": [kim]})),
            None,
        )
        .await,
        403,
        "forbidden",
    );

    // Nothing was written by any of these.
    let (_, _, all) = get(&service, &owner, REGISTRY).await;
    assert_eq!(all["total"], 0, "{all}");
}

#[actix_web::test]
async fn the_client_is_rate_limited() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let lea = client(
        &service,
        &owner,
        json!({"full_name": "Лея", "telegram_id": 5005}),
    )
    .await;
    let token = app.client_token(lea);
    for i in 0..crm_http::rate_limit::DEFAULT_MESSAGES {
        let (status, _, body) = write(&service, &token, &format!("Сообщение {i}")).await;
        assert_eq!(status, 201, "{body}");
    }
    let response = actix_web::test::call_service(
        &service,
        TestRequest::post()
            .uri(APP_MESSAGE)
            .insert_header(bearer(&token))
            .set_json(json!({"text": "Ещё одно"}))
            .to_request(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=600).contains(&retry));
    let body: Value = serde_json::from_slice(&actix_web::test::read_body(response).await).unwrap();
    assert_eq!(body["code"], "too_many_messages");
    let (_, _, all) = get(&service, &owner, &format!("{REGISTRY}?client_id={lea}")).await;
    assert_eq!(all["total"], crm_http::rate_limit::DEFAULT_MESSAGES as u64);
    // Another client is not affected.
    let other = client(
        &service,
        &owner,
        json!({"full_name": "Рей", "telegram_id": 5006}),
    )
    .await;
    assert_eq!(
        write(&service, &app.client_token(other), "Привет").await.0,
        201
    );
}

#[actix_web::test]
async fn a_reply_over_sms_follows_the_sms_limit() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let kim = client(
        &service,
        &owner,
        json!({"full_name": "Ким", "phone": "+79160000001", "consent_personal_data": true}),
    )
    .await;
    // 10 concatenated segments of 67 UCS-2 characters: 670 characters.
    let over = post(
        &service,
        &owner,
        &reply_uri(kim),
        json!({"channel": "sms", "text": "я".repeat(671)}),
        None,
    )
    .await;
    assert_problem(&over, 422, "validation_failed");
    assert_eq!(over.2["errors"][0]["field"], "text", "{}", over.2);
    let message = over.2["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("sms limit of 670"), "{message}");
    let (_, _, nothing) = get(&service, &owner, &conversation_uri(kim)).await;
    assert_eq!(nothing["total"], 0, "nothing written: {nothing}");

    let (status, _, sent) = post(
        &service,
        &owner,
        &reply_uri(kim),
        json!({"channel": "sms", "text": "я".repeat(670)}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["channel"], "sms");
    assert_eq!(sent["text"].as_str().unwrap().chars().count(), 670);
}

#[actix_web::test]
async fn a_group_send_skips_clients_whose_personalised_text_is_too_long() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let person = |name: &str, tg: i64| json!({"full_name": name, "telegram_id": tg, "consent_personal_data": true});
    let ann = client(&service, &admin, person("Ann", 7101)).await;
    // 4080 + 28 characters = 4108, over Telegram's 4096.
    let long = client(
        &service,
        &admin,
        person("Анна-Мария Константинопольская", 7102),
    )
    .await;
    let text = format!("{}{{name}}", "x".repeat(4_080));
    let (status, _, report) = post(
        &service,
        &admin,
        GROUP,
        json!({"channel": "telegram", "purpose": "transactional", "text": text,
               "client_ids": [ann, long]}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["requested"], 2);
    assert_eq!(report["queued"], 1);
    assert_eq!(
        report["skipped"],
        json!({"no_consent": 0, "no_contact": 0, "capped": 0, "too_long": 1})
    );
    let (_, _, to_ann) = get(&service, &admin, &conversation_uri(ann)).await;
    assert_eq!(to_ann["total"], 1);
    assert_eq!(
        to_ann["items"][0]["text"],
        format!("{}Ann", "x".repeat(4_080))
    );
    let (_, _, to_long) = get(&service, &admin, &conversation_uri(long)).await;
    assert_eq!(to_long["total"], 0, "never queued: {to_long}");

    let fake = FakeHttp::start(vec![telegram_ok(1)]);
    let delivered = app.deliver_due(&fake.base).await;
    assert_eq!(delivered.sent, 1, "{delivered:?}");
    let requests = fake.finish();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json()["chat_id"], json!(7101));
}

#[actix_web::test]
async fn a_group_send_retried_with_its_idempotency_key_sends_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let a = client(
        &service,
        &admin,
        json!({"full_name": "A", "telegram_id": 7201, "consent_personal_data": true}),
    )
    .await;
    let b = client(
        &service,
        &admin,
        json!({"full_name": "B", "telegram_id": 7202, "consent_personal_data": true}),
    )
    .await;
    let body = json!({"channel": "telegram", "purpose": "transactional",
                      "text": "Ваш заказ готов", "client_ids": [a, b]});
    let (status, _, first) = post(&service, &admin, GROUP, body.clone(), Some("send-1")).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["queued"], 2);
    // The same key and body: the first answer again, nothing queued twice.
    let (status, _, again) = post(&service, &admin, GROUP, body.clone(), Some("send-1")).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again, first);
    // The ids in another order are the same request.
    let reordered = json!({"channel": "telegram", "purpose": "transactional",
                           "text": "Ваш заказ готов", "client_ids": [b, a, b]});
    let (status, _, same) = post(&service, &admin, GROUP, reordered, Some("send-1")).await;
    assert_eq!(status, 201, "{same}");
    assert_eq!(same, first);
    // The same key with another body: 409, nothing sent.
    let other = json!({"channel": "telegram", "purpose": "transactional",
                       "text": "Другой текст", "client_ids": [a, b]});
    assert_problem(
        &post(&service, &admin, GROUP, other.clone(), Some("send-1")).await,
        409,
        "idempotency_key_reused",
    );
    let (_, _, registry) = get(&service, &admin, REGISTRY).await;
    assert_eq!(registry["total"], 2, "{registry}");
    // Another key is another send.
    let (status, _, second) = post(&service, &admin, GROUP, other, Some("send-2")).await;
    assert_eq!(status, 201, "{second}");
    assert_ne!(second["group_send_id"], first["group_send_id"]);

    let fake = FakeHttp::start(vec![
        telegram_ok(1),
        telegram_ok(2),
        telegram_ok(3),
        telegram_ok(4),
    ]);
    let delivered = app.deliver_due(&fake.base).await;
    assert_eq!(delivered.sent, 4, "{delivered:?}");
    assert_eq!(fake.finish().len(), 4);
}

#[actix_web::test]
async fn an_interrupted_group_send_resumes_under_its_key_after_two_minutes() {
    let app = TestApp::new();
    let service = app.service().await;
    let (employee, admin) = app.staff_token(Role::Admin);
    let consenting = |name: &str, tg: i64| json!({"full_name": name, "telegram_id": tg, "consent_personal_data": true});
    let a = client(&service, &admin, consenting("A", 7301)).await;
    let b = client(&service, &admin, consenting("B", 7302)).await;
    let c = client(
        &service,
        &admin,
        json!({"full_name": "C", "telegram_id": 7303}),
    )
    .await;
    let body = json!({"channel": "telegram", "purpose": "transactional",
                      "text": "Ваш заказ готов", "client_ids": [a, b, c]});

    // The state a server stopped mid-way leaves: the send stored under its key, unfinished,
    // with A's message queued by the first batch.
    let repo = SqliteDialogueRepository::new(app.db.clone());
    let fingerprint = GroupSend {
        channel: Channel::Telegram,
        text: "Ваш заказ готов".into(),
        purpose: Purpose::Transactional,
        recipients: GroupRecipients::Clients(vec![ClientId(a), ClientId(b), ClientId(c)]),
    }
    .fingerprint();
    let send_id = repo
        .create_group_send(
            &NewGroupSend {
                channel: Channel::Telegram,
                purpose: "transactional".into(),
                text: "Ваш заказ готов".into(),
                created_by: format!("staff:{employee}"),
                idempotency_key: Some("send-7".into()),
                fingerprint,
            },
            at(NOW),
        )
        .unwrap()
        .unwrap();
    let first_batch = (
        NewMessage {
            client_id: ClientId(a),
            direction: Direction::Outbound,
            channel: Channel::Telegram,
            text: "Ваш заказ готов".into(),
            author: Some(EmployeeId(employee)),
            source: MessageSource::GroupSend,
            group_send_id: Some(send_id),
        },
        NewDelivery {
            source: DeliverySource::Dialogue,
            campaign_id: None,
            client_id: ClientId(a),
            channel: Channel::Telegram,
            recipient: "7301".into(),
            text: "Ваш заказ готов".into(),
            image_url: None,
            buttons: vec![],
            step: 0,
            not_before: at(NOW),
            dedupe_key: format!("dialogue:group:{send_id}:client:{a}"),
        },
    );
    assert_eq!(
        repo.queue_group_batch(send_id, &[first_batch], at(NOW))
            .unwrap(),
        1
    );

    // Within two minutes the send may still be running: 409, nothing queued.
    app.clock.set(at(NOW + 120));
    assert_problem(
        &post(&service, &admin, GROUP, body.clone(), Some("send-7")).await,
        409,
        "group_send_in_progress",
    );
    let (_, _, registry) = get(&service, &admin, REGISTRY).await;
    assert_eq!(registry["total"], 1, "{registry}");

    // Three minutes on, the retry resumes it: the full counts, A not queued twice.
    app.clock.set(at(NOW + 180));
    let (status, _, resumed) = post(&service, &admin, GROUP, body.clone(), Some("send-7")).await;
    assert_eq!(status, 201, "{resumed}");
    assert_eq!(resumed["group_send_id"], send_id);
    assert_eq!(resumed["requested"], 3);
    assert_eq!(resumed["queued"], 2);
    assert_eq!(resumed["skipped"]["no_consent"], 1);
    assert_eq!(resumed["skipped"]["no_contact"], 0);
    for (who, count) in [(a, 1), (b, 1), (c, 0)] {
        let (_, _, conv) = get(&service, &admin, &conversation_uri(who)).await;
        assert_eq!(conv["total"], count, "client {who}: {conv}");
    }
    // Finished now: the same key answers the same outcome and queues nothing.
    let (status, _, again) = post(&service, &admin, GROUP, body, Some("send-7")).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again, resumed);

    let fake = FakeHttp::start(vec![telegram_ok(1), telegram_ok(2)]);
    let delivered = app.deliver_due(&fake.base).await;
    assert_eq!(delivered.sent, 2, "{delivered:?}");
    let mut chats: Vec<Value> = fake
        .finish()
        .iter()
        .map(|r| r.json()["chat_id"].clone())
        .collect();
    chats.sort_by_key(|c| c.as_i64());
    assert_eq!(chats, vec![json!(7301), json!(7302)]);
}

#[actix_web::test]
async fn a_group_send_by_level_reaches_that_level_only() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (status, _, gold) = post(
        &service,
        &owner,
        "/api/v1/admin/loyalty-levels",
        json!({"name": "Золото", "threshold_kind": "purchase_count", "threshold": 1,
               "cashback": 5}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{gold}");
    let gold_id = gold["id"].as_i64().unwrap();
    let person = |name: &str, tg: i64| {
        json!({"full_name": name, "telegram_id": tg, "consent_personal_data": true,
               "consent_marketing": true})
    };
    let buyer = client(&service, &owner, person("Покупатель", 7301)).await;
    let other_buyer = client(&service, &owner, person("Второй", 7302)).await;
    let newcomer = client(&service, &owner, person("Новичок", 7303)).await;
    for c in [buyer, other_buyer] {
        let (status, _, op) = post(
            &service,
            &owner,
            "/api/v1/admin/operations",
            json!({"client_id": c, "total": 100}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{op}");
    }
    let (_, _, card) = get(&service, &owner, &format!("/api/v1/admin/clients/{buyer}")).await;
    assert_eq!(card["level_id"], gold_id, "{card}");

    let (status, _, report) = post(
        &service,
        &owner,
        GROUP,
        json!({"channel": "telegram", "text": "Для уровня Золото",
               "segment": {"level_ids": [gold_id]}}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["requested"], 2, "{report}");
    assert_eq!(report["queued"], 2, "{report}");
    for (c, expected) in [(buyer, 1), (other_buyer, 1), (newcomer, 0)] {
        let (_, _, conv) = get(&service, &owner, &conversation_uri(c)).await;
        let group_sends = conv["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["source"] == "group_send")
            .count();
        assert_eq!(group_sends, expected, "client {c}: {conv}");
    }
    // A level nobody is at: nobody to send to.
    assert_problem(
        &post(
            &service,
            &owner,
            GROUP,
            json!({"channel": "telegram", "text": "x", "segment": {"level_ids": [gold_id + 100]}}),
            None,
        )
        .await,
        422,
        "no_recipients",
    );
}

#[actix_web::test]
async fn every_dialogue_route_is_in_the_openapi_document() {
    let app = TestApp::new();
    let service = app.service().await;
    let (status, _, spec) = send(&service, TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(status, 200);
    for (method, path) in [
        ("get", "/api/v1/admin/dialogues/messages"),
        ("post", "/api/v1/admin/dialogues/send-group"),
        ("get", "/api/v1/admin/dialogues/{client_id}/messages"),
        ("post", "/api/v1/admin/dialogues/{client_id}/reply"),
        ("post", "/api/v1/feedback/app/message"),
        ("get", "/api/v1/app/news"),
        ("post", "/api/v1/app/news/track"),
    ] {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} is not in /openapi.json"
        );
    }
    // The group send's skipped counts document the `too_long` reason.
    let response = &spec["components"]["schemas"]["GroupSendResponse"];
    let skipped = &response["properties"]["skipped"];
    let skipped = match skipped["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => skipped,
    };
    assert!(skipped["properties"]["too_long"].is_object(), "{skipped}");
}

#[actix_web::test]
async fn the_before_cursor_pages_the_registry_and_a_conversation() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let olga = client(
        &service,
        &owner,
        json!({"full_name": "Ольга Смирнова", "telegram_id": 9101, "consent_personal_data": true}),
    )
    .await;
    let ivan = client(
        &service,
        &owner,
        json!({"full_name": "Иван Кузнецов", "telegram_id": 9102, "consent_personal_data": true}),
    )
    .await;
    for i in 0..5 {
        let (status, _, _) = write(&service, &app.client_token(olga), &format!("О {i}")).await;
        assert_eq!(status, 201);
        let (status, _, _) = write(&service, &app.client_token(ivan), &format!("И {i}")).await;
        assert_eq!(status, 201);
    }
    for base in [REGISTRY.to_owned(), conversation_uri(olga)] {
        let whole = get(&service, &owner, &base).await;
        assert_eq!(whole.0, 200, "{}", whole.2);
        assert_eq!(whole.2["next_before"], Value::Null, "one page holds all");
        let mut walked = Vec::new();
        let mut uri = format!("{base}?limit=3");
        loop {
            let page = get(&service, &owner, &uri).await;
            assert_eq!(page.0, 200, "{}", page.2);
            assert_eq!(
                page.2["total"], whole.2["total"],
                "the cursor keeps the total"
            );
            walked.extend(ids(&page.2));
            match page.2["next_before"].as_i64() {
                Some(next) => {
                    assert_eq!(Some(&next), walked.last());
                    uri = format!("{base}?limit=3&before={next}");
                }
                None => break,
            }
        }
        assert_eq!(walked, ids(&whole.2), "{base}");
    }
    // The cursor combines with a filter.
    let olga_only = get(
        &service,
        &owner,
        &format!("{REGISTRY}?name=%D0%BE%D0%BB%D1%8C%D0%B3%D0%B0&limit=2"),
    )
    .await;
    let next = olga_only.2["next_before"].as_i64().unwrap();
    let rest = get(
        &service,
        &owner,
        &format!("{REGISTRY}?name=%D0%BE%D0%BB%D1%8C%D0%B3%D0%B0&limit=50&before={next}"),
    )
    .await;
    assert_eq!(rest.2["items"].as_array().unwrap().len(), 3, "{}", rest.2);
    assert!(rest.2["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["client_id"] == olga));
}

#[actix_web::test]
async fn deep_offsets_and_bad_cursors_are_refused() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let olga = client(
        &service,
        &owner,
        json!({"full_name": "Ольга Смирнова", "telegram_id": 9201, "consent_personal_data": true}),
    )
    .await;
    write(&service, &app.client_token(olga), "Привет").await;
    for base in [REGISTRY.to_owned(), conversation_uri(olga)] {
        let at_cap = get(&service, &owner, &format!("{base}?offset=10000")).await;
        assert_eq!(at_cap.0, 200, "{}", at_cap.2);
        let deep = get(&service, &owner, &format!("{base}?offset=10001")).await;
        assert_problem(&deep, 422, "validation_failed");
        assert_eq!(deep.2["errors"][0]["field"], "offset", "{}", deep.2);
        assert!(
            deep.2["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("before"),
            "{}",
            deep.2
        );
        for bad in ["0", "-3"] {
            let refused = get(&service, &owner, &format!("{base}?before={bad}")).await;
            assert_problem(&refused, 422, "validation_failed");
            assert_eq!(refused.2["errors"][0]["field"], "before", "{}", refused.2);
        }
        let unknown = get(&service, &owner, &format!("{base}?before=987654")).await;
        assert_problem(&unknown, 422, "validation_failed");
        assert_eq!(unknown.2["errors"][0]["field"], "before", "{}", unknown.2);
        let junk = get(&service, &owner, &format!("{base}?before=abc")).await;
        assert_eq!(junk.0, 400, "{}", junk.2);
    }
}
