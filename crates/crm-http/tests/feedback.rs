//! Feedback through the real app: ratings via `tma` for a new Telegram user (the client is
//! created), re-rating an appointment updates the one rating, complaints from the app, staff-
//! recorded feedback, the list's filters and the exact averages, answers that reach a fake
//! Telegram Bot API through the dialogue pipeline, every bad input with nothing written, and
//! the roles.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use crm_infra::channels::fake_server::FakeHttp;
use crm_infra::SqliteFeedbackRepository;
use serde_json::{json, Value};

const RATE: &str = "/api/v1/feedback/app/rating";
const APP_FEEDBACK: &str = "/api/v1/app/feedback";
const ADMIN: &str = "/api/v1/admin/feedback";
const RATINGS: &str = "/api/v1/admin/feedback/ratings";

fn answer_uri(id: i64) -> String {
    format!("/api/v1/admin/feedback/{id}/answer")
}

fn tma(user_id: i64, name: &str) -> (header::HeaderName, String) {
    (
        header::AUTHORIZATION,
        format!("tma {}", init_data_for(user_id, name, NOW)),
    )
}

fn sql(app: &TestApp, sql: &str) {
    SqliteFeedbackRepository::new(app.db.clone())
        .execute_sql(sql)
        .expect(sql);
}

/// A master and an appointment of `client` for `service`, written directly.
fn appointment(app: &TestApp, id: i64, client: i64, service: i64) -> i64 {
    sql(
        app,
        "INSERT OR IGNORE INTO employees (id, full_name, role, created_at, updated_at) \
         VALUES (900, 'Master', 'master', 0, 0)",
    );
    sql(
        app,
        &format!(
            "INSERT INTO appointments (id, client_id, service_id, employee_id, starts_at, \
             ends_at, status, source, created_by, created_at, updated_at) \
             VALUES ({id}, {client}, {service}, 900, {s}, {e}, 'completed', 'admin', \
             'employee:900', 0, 0)",
            s = (NOW - 7_200) * 1_000,
            e = (NOW - 3_600) * 1_000,
        ),
    );
    id
}

/// An appointment of `client` for `service` with `status`, starting `starts_in` seconds from
/// now, written directly.
fn appointment_at(
    app: &TestApp,
    id: i64,
    client: i64,
    service: i64,
    status: &str,
    starts_in: i64,
) -> i64 {
    appointment(app, id, client, service);
    sql(
        app,
        &format!(
            "UPDATE appointments SET status = '{status}', starts_at = {s}, ends_at = {e} \
             WHERE id = {id}",
            s = (NOW + starts_in) * 1_000,
            e = (NOW + starts_in + 3_600) * 1_000,
        ),
    );
    id
}

async fn created<S, B>(service: &S, token: &str, uri: &str, body: Value) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = post(service, token, uri, body, None).await;
    assert_eq!(status, 201, "{uri}: {body}");
    body["id"].as_i64().unwrap()
}

async fn total<S, B>(service: &S, token: &str) -> u64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, page) = get(service, token, ADMIN).await;
    assert_eq!(status, 200, "{page}");
    page["total"].as_u64().unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_new_telegram_user_rates_and_re_rating_an_appointment_updates_it() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let haircut = created(
        &service,
        &manager,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45}),
    )
    .await;
    let (_, _, clients) = get(&service, &manager, "/api/v1/admin/clients").await;
    assert_eq!(clients["total"], 0, "{clients}");

    // A product rating from someone never seen before: the client is created.
    let (status, _, first) = send(
        &service,
        TestRequest::post()
            .uri(RATE)
            .insert_header(tma(777_001, "Ivan"))
            .set_json(json!({"rating": 4, "product_id": haircut, "comment": " Nice "})),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    let client = first["client_id"].as_i64().unwrap();
    assert_eq!(first["kind"], "rating");
    assert_eq!(first["rating"], 4);
    assert_eq!(first["text"], "Nice");
    assert_eq!(first["source"], "app");
    assert_eq!(first["product_name"], "Haircut");
    assert_eq!(first["created_by"], format!("client:{client}"));
    assert_eq!(first["answered"], false);
    let (_, _, clients) = get(&service, &manager, "/api/v1/admin/clients").await;
    assert_eq!(clients["total"], 1, "{clients}");

    // Rating the client's appointment: its service is the product; a second rating updates.
    appointment(&app, 50, client, haircut);
    let (status, _, rated) = send(
        &service,
        TestRequest::post()
            .uri(RATE)
            .insert_header(tma(777_001, "Ivan"))
            .set_json(json!({"rating": 2, "appointment_id": 50})),
    )
    .await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["product_id"], haircut);
    assert_eq!(rated["appointment_id"], 50);
    app.clock.set(at(NOW + 600));
    let token = app.client_token(client);
    let (status, _, again) = post(
        &service,
        &token,
        RATE,
        json!({"rating": 5, "appointment_id": 50, "comment": "Better on reflection"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], rated["id"]);
    assert_eq!(again["rating"], 5);
    assert_eq!(again["text"], "Better on reflection");
    assert_eq!(again["created_at"], rated["created_at"]);
    assert_eq!(again["updated_at"], "2026-11-24T12:10:00Z");
    let (_, _, page) = get(&service, &manager, &format!("{ADMIN}?client_id={client}")).await;
    assert_eq!(page["total"], 2, "{page}");
    let (_, _, clients) = get(&service, &manager, "/api/v1/admin/clients").await;
    assert_eq!(clients["total"], 1, "{clients}");
}

#[actix_web::test]
async fn complaints_staff_records_filters_and_exact_averages() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let haircut = created(
        &service,
        &manager,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45}),
    )
    .await;
    let shampoo = created(
        &service,
        &manager,
        "/api/v1/admin/products",
        json!({"name": "Shampoo", "price": 300}),
    )
    .await;
    let anna = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Anna Petrova"}),
    )
    .await;
    let boris = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Boris Ivanov"}),
    )
    .await;
    let anna_token = app.client_token(anna);
    let boris_token = app.client_token(boris);

    // 12:00 — two haircut ratings from the app.
    let r1 = post(
        &service,
        &anna_token,
        RATE,
        json!({"rating": 5, "product_id": haircut}),
        None,
    )
    .await;
    assert_eq!(r1.0, 201, "{}", r1.2);
    let r2 = post(
        &service,
        &boris_token,
        RATE,
        json!({"rating": 4, "product_id": haircut}),
        None,
    )
    .await;
    assert_eq!(r2.0, 201, "{}", r2.2);
    // 13:00 — a complaint from the app and a staff-recorded rating.
    app.clock.set(at(NOW + 3_600));
    let anna_token = app.client_token(anna);
    let manager = app.staff_token(Role::Manager).1;
    let (status, _, complaint) = post(
        &service,
        &anna_token,
        APP_FEEDBACK,
        json!({"kind": "complaint", "text": "The shampoo leaked", "product_id": shampoo}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{complaint}");
    assert_eq!(complaint["kind"], "complaint");
    assert_eq!(complaint["rating"], Value::Null);
    assert_eq!(complaint["client_name"], "Anna Petrova");
    assert_eq!(complaint["product_name"], "Shampoo");
    let (status, _, recorded) = post(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": boris, "kind": "rating", "rating": 4, "product_id": haircut,
               "text": "Said so at the desk"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["source"], "admin");
    assert!(recorded["created_by"]
        .as_str()
        .unwrap()
        .starts_with("employee:"));
    // 14:00 — a shampoo rating and a question recorded by staff.
    app.clock.set(at(NOW + 7_200));
    let boris_token = app.client_token(boris);
    let manager = app.staff_token(Role::Manager).1;
    let r3 = post(
        &service,
        &boris_token,
        RATE,
        json!({"rating": 2, "product_id": shampoo}),
        None,
    )
    .await;
    assert_eq!(r3.0, 201, "{}", r3.2);
    let (status, _, question) = post(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": anna, "kind": "question", "text": "Open on Sunday?"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{question}");

    let id = |v: &Value| v["id"].as_i64().unwrap();
    let all = get(&service, &manager, ADMIN).await.2;
    assert_eq!(all["total"], 6);
    assert_eq!(
        ids(&all),
        vec![
            id(&question),
            id(&r3.2),
            id(&recorded),
            id(&complaint),
            id(&r2.2),
            id(&r1.2)
        ]
    );
    let q = |query: &str| {
        let uri = format!("{ADMIN}?{query}");
        let service = &service;
        let manager = manager.clone();
        async move {
            let (status, _, page) = get(service, &manager, &uri).await;
            assert_eq!(status, 200, "{uri}: {page}");
            ids(&page)
        }
    };
    assert_eq!(q("kind=complaint").await, vec![id(&complaint)]);
    assert_eq!(
        q(&format!("product_id={shampoo}")).await,
        vec![id(&r3.2), id(&complaint)]
    );
    assert_eq!(
        q("rating_min=4&rating_max=4").await,
        vec![id(&recorded), id(&r2.2)]
    );
    assert_eq!(q("rating_max=2").await, vec![id(&r3.2)]);
    assert_eq!(
        q("from=2026-11-24T13:00:00Z&to=2026-11-24T14:00:00Z").await,
        vec![id(&recorded), id(&complaint)]
    );
    assert_eq!(
        q(&format!("client_id={anna}&kind=question")).await,
        vec![id(&question)]
    );
    assert_eq!(q("answered=true").await, Vec::<i64>::new());
    assert_eq!(
        q("answered=false&limit=2&offset=1").await,
        vec![id(&r3.2), id(&recorded)]
    );

    // Averages: haircut 5, 4, 4 → 4.33; shampoo 2 → 2.00; complaints and questions do not count.
    let (status, _, ratings) = get(&service, &manager, RATINGS).await;
    assert_eq!(status, 200, "{ratings}");
    assert_eq!(
        ratings["items"],
        json!([
            {"product_id": haircut, "product_name": "Haircut", "product_kind": "service",
             "ratings": 3, "average_rating": "4.33", "average_rating_hundredths": 433},
            {"product_id": shampoo, "product_name": "Shampoo", "product_kind": "product",
             "ratings": 1, "average_rating": "2.00", "average_rating_hundredths": 200},
        ])
    );
    // From 13:00: haircut 4 (one), shampoo 2.
    let (_, _, later) = get(
        &service,
        &manager,
        &format!("{RATINGS}?from=2026-11-24T13:00:00Z"),
    )
    .await;
    assert_eq!(later["items"][0]["ratings"], 1, "{later}");
    assert_eq!(later["items"][0]["average_rating"], "4.00");
    assert_eq!(later["items"][1]["average_rating_hundredths"], 200);
    assert_eq!(later["from"], "2026-11-24T13:00:00Z");
    // Until 13:00: haircut 5 and 4 → 4.50, no shampoo rating yet.
    let (_, _, earlier) = get(
        &service,
        &manager,
        &format!("{RATINGS}?to=2026-11-24T13:00:00Z"),
    )
    .await;
    assert_eq!(earlier["items"].as_array().unwrap().len(), 1, "{earlier}");
    assert_eq!(earlier["items"][0]["average_rating"], "4.50");
}

#[actix_web::test]
async fn an_answer_reaches_the_client_through_the_dialogue() {
    let app = TestApp::new();
    let service = app.service().await;
    let (manager_id, manager) = app.staff_token(Role::Manager);
    let anna = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Anna Petrova", "telegram_id": 424_242, "consent_personal_data": true}),
    )
    .await;
    let silent = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "No Consent", "telegram_id": 424_243}),
    )
    .await;
    let token = app.client_token(anna);
    let question = created(
        &service,
        &token,
        APP_FEEDBACK,
        json!({"kind": "question", "text": "Open on Sunday?"}),
    )
    .await;

    let (status, _, answered) = post(
        &service,
        &manager,
        &answer_uri(question),
        json!({"text": " Yes, from 10 to 18 "}),
        Some("answer-1"),
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["answered"], true);
    assert_eq!(answered["answer"]["text"], "Yes, from 10 to 18");
    assert_eq!(answered["answer"]["answered_by"], manager_id);
    assert_eq!(answered["answer"]["answered_at"], "2026-11-24T12:00:00Z");
    let message_id = answered["answer"]["message_id"].as_i64().unwrap();

    // The answer is a message in the client's dialogue and reaches Telegram.
    let (_, _, conv) = get(
        &service,
        &manager,
        &format!("/api/v1/admin/dialogues/{anna}/messages"),
    )
    .await;
    assert_eq!(conv["items"][0]["id"], message_id, "{conv}");
    assert_eq!(conv["items"][0]["source"], "feedback_answer");
    let fake = FakeHttp::start(vec![telegram_ok(1)]);
    let report = app.deliver_due(&fake.base).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let requests = fake.finish();
    assert_eq!(requests.len(), 1);
    let sent = requests[0].json();
    assert_eq!(sent["chat_id"].to_string().trim_matches('"'), "424242");
    assert_eq!(sent["text"], "Yes, from 10 to 18");

    let (_, _, page) = get(&service, &manager, &format!("{ADMIN}?answered=true")).await;
    assert_eq!(ids(&page), vec![question]);

    // A second answer is allowed; the latest is recorded.
    app.clock.set(at(NOW + 60));
    let manager = app.staff_token(Role::Admin).1;
    let (status, _, second) = post(
        &service,
        &manager,
        &answer_uri(question),
        json!({"text": "And on holidays too", "channel": "telegram"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["answer"]["text"], "And on holidays too");
    assert_ne!(second["answer"]["message_id"], message_id);
    assert_eq!(second["updated_at"], "2026-11-24T12:01:00Z");

    // Unknown feedback: 404, nothing sent.
    let missing = post(
        &service,
        &manager,
        &answer_uri(99_999),
        json!({"text": "Hi"}),
        None,
    )
    .await;
    assert_problem(&missing, 404, "feedback_not_found");
    // A client without consent: the dialogue refuses and nothing is recorded.
    let silent_token = app.client_token(silent);
    let complaint = created(
        &service,
        &silent_token,
        APP_FEEDBACK,
        json!({"kind": "complaint", "text": "Too loud"}),
    )
    .await;
    let refused = post(
        &service,
        &manager,
        &answer_uri(complaint),
        json!({"text": "Sorry"}),
        None,
    )
    .await;
    assert_problem(&refused, 422, "no_consent");
    let blank = post(
        &service,
        &manager,
        &answer_uri(complaint),
        json!({"text": "  "}),
        None,
    )
    .await;
    assert_problem(&blank, 422, "validation_failed");
    let (_, _, open) = get(&service, &manager, &format!("{ADMIN}?answered=false")).await;
    assert_eq!(ids(&open), vec![complaint]);
    let (_, _, conv) = get(
        &service,
        &manager,
        &format!("/api/v1/admin/dialogues/{silent}/messages"),
    )
    .await;
    assert_eq!(
        conv["total"], 0,
        "no message for the refused answer: {conv}"
    );
}

#[actix_web::test]
async fn every_bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let haircut = created(
        &service,
        &manager,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45}),
    )
    .await;
    let anna = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Anna"}),
    )
    .await;
    let boris = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Boris"}),
    )
    .await;
    appointment(&app, 60, boris, haircut);
    let token = app.client_token(anna);

    for score in [0, 6, -3] {
        let result = post(
            &service,
            &token,
            RATE,
            json!({"rating": score, "product_id": haircut}),
            None,
        )
        .await;
        assert_problem(&result, 422, "validation_failed");
        assert_eq!(result.2["errors"][0]["field"], "rating", "{}", result.2);
    }
    let fractional = post(
        &service,
        &token,
        RATE,
        json!({"rating": 4.5, "product_id": haircut}),
        None,
    )
    .await;
    assert!(
        fractional.0 == 400 || fractional.0 == 422,
        "{}",
        fractional.2
    );
    let unknown = post(
        &service,
        &token,
        RATE,
        json!({"rating": 5, "product_id": 9_999}),
        None,
    )
    .await;
    assert_problem(&unknown, 404, "product_not_found");
    let foreign = post(
        &service,
        &token,
        RATE,
        json!({"rating": 5, "appointment_id": 60}),
        None,
    )
    .await;
    assert_problem(&foreign, 404, "appointment_not_found");
    let nothing = post(&service, &token, RATE, json!({"rating": 5}), None).await;
    assert_problem(&nothing, 422, "validation_failed");
    let operation = post(
        &service,
        &token,
        RATE,
        json!({"rating": 5, "product_id": haircut, "operation_id": 1}),
        None,
    )
    .await;
    assert_problem(&operation, 404, "operation_not_found");
    let long = post(
        &service,
        &token,
        RATE,
        json!({"rating": 5, "product_id": haircut, "comment": "x".repeat(2001)}),
        None,
    )
    .await;
    assert_problem(&long, 422, "validation_failed");
    let extra = post(
        &service,
        &token,
        RATE,
        json!({"rating": 5, "product_id": haircut, "stars": 5}),
        None,
    )
    .await;
    assert!(extra.0 == 400 || extra.0 == 422, "{}", extra.2);
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(RATE)
            .insert_header(bearer(&token))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"rating\": 5,"),
    )
    .await;
    assert_eq!(malformed.0, 400, "{}", malformed.2);
    let anonymous = send(
        &service,
        TestRequest::post()
            .uri(RATE)
            .set_json(json!({"rating": 5, "product_id": haircut})),
    )
    .await;
    assert_eq!(anonymous.0, 401, "{}", anonymous.2);

    let empty = post(
        &service,
        &token,
        APP_FEEDBACK,
        json!({"kind": "complaint", "text": "  "}),
        None,
    )
    .await;
    assert_problem(&empty, 422, "validation_failed");
    let rating_kind = post(
        &service,
        &token,
        APP_FEEDBACK,
        json!({"kind": "rating", "text": "x"}),
        None,
    )
    .await;
    assert!(
        rating_kind.0 == 400 || rating_kind.0 == 422,
        "{}",
        rating_kind.2
    );
    let scored = post(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": anna, "kind": "complaint", "text": "x", "rating": 3}),
        None,
    )
    .await;
    assert_problem(&scored, 422, "validation_failed");
    assert_eq!(scored.2["errors"][0]["field"], "rating");
    let unscored = post(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": anna, "kind": "rating", "product_id": haircut}),
        None,
    )
    .await;
    assert_problem(&unscored, 422, "validation_failed");
    let nobody = post(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": 9_999, "kind": "question", "text": "x"}),
        None,
    )
    .await;
    assert_problem(&nobody, 404, "client_not_found");
    let foreign = post(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": anna, "kind": "rating", "rating": 3, "appointment_id": 60}),
        None,
    )
    .await;
    assert_problem(&foreign, 404, "appointment_not_found");

    for query in [
        "rating_min=0",
        "rating_max=6",
        "rating_min=4&rating_max=2",
        "from=yesterday",
        "from=2026-11-24T13:00:00Z&to=2026-11-24T12:00:00Z",
        "limit=0",
        "limit=501",
    ] {
        let result = get(&service, &manager, &format!("{ADMIN}?{query}")).await;
        assert_problem(&result, 422, "validation_failed");
    }
    for query in ["kind=praise", "answered=maybe", "product_id=x"] {
        let result = get(&service, &manager, &format!("{ADMIN}?{query}")).await;
        assert!(result.0 == 400 || result.0 == 422, "{query}: {}", result.2);
    }
    let bad_period = get(&service, &manager, &format!("{RATINGS}?to=soon")).await;
    assert_problem(&bad_period, 422, "validation_failed");

    assert_eq!(total(&service, &manager).await, 0);
}

#[actix_web::test]
async fn roles_read_all_but_only_managers_record_and_answer() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let (_, master) = app.staff_token(Role::Master);
    let anna = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Anna"}),
    )
    .await;
    let question = created(
        &service,
        &manager,
        ADMIN,
        json!({"client_id": anna, "kind": "question", "text": "Parking?"}),
    )
    .await;
    for token in [&cashier, &master] {
        assert_eq!(get(&service, token, ADMIN).await.0, 200);
        assert_eq!(get(&service, token, RATINGS).await.0, 200);
        let record = post(
            &service,
            token,
            ADMIN,
            json!({"client_id": anna, "kind": "question", "text": "x"}),
            None,
        )
        .await;
        assert_problem(&record, 403, "forbidden");
        let answer = post(
            &service,
            token,
            &answer_uri(question),
            json!({"text": "Yes"}),
            None,
        )
        .await;
        assert_problem(&answer, 403, "forbidden");
    }
    // A client token is not a staff token.
    let client = app.client_token(anna);
    assert!(matches!(get(&service, &client, ADMIN).await.0, 401 | 403));
    assert_eq!(total(&service, &manager).await, 1);
}

#[actix_web::test]
async fn only_completed_or_started_appointments_are_rated() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let haircut = created(
        &service,
        &manager,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45}),
    )
    .await;
    let anna = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Anna"}),
    )
    .await;
    let token = app.client_token(anna);
    let refused = [
        (
            appointment_at(&app, 71, anna, haircut, "scheduled", 3_600),
            "not started",
        ),
        (
            appointment_at(&app, 72, anna, haircut, "cancelled", -7_200),
            "cancelled",
        ),
        (
            appointment_at(&app, 73, anna, haircut, "no_show", -7_200),
            "did not come",
        ),
    ];
    for (id, why) in refused {
        let result = post(
            &service,
            &token,
            RATE,
            json!({"rating": 5, "appointment_id": id}),
            None,
        )
        .await;
        assert_problem(&result, 422, "appointment_not_rateable");
        assert_eq!(
            result.2["errors"][0]["field"], "appointment_id",
            "{}",
            result.2
        );
        assert!(result.2.to_string().contains(why), "{}", result.2);
        // Staff recording a rating of it is refused the same way.
        let staff = post(
            &service,
            &manager,
            ADMIN,
            json!({"client_id": anna, "kind": "rating", "rating": 4, "appointment_id": id}),
            None,
        )
        .await;
        assert_problem(&staff, 422, "appointment_not_rateable");
    }
    assert_eq!(total(&service, &manager).await, 0);
    // A complaint is still recorded.
    created(
        &service,
        &token,
        APP_FEEDBACK,
        json!({"kind": "complaint", "text": "Cancelled an hour before"}),
    )
    .await;
    // Scheduled and started (nobody closed it yet), and completed: rated.
    let started = appointment_at(&app, 74, anna, haircut, "scheduled", -600);
    let done = appointment_at(&app, 75, anna, haircut, "completed", -7_200);
    for id in [started, done] {
        let (status, _, rated) = post(
            &service,
            &token,
            RATE,
            json!({"rating": 5, "appointment_id": id}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{rated}");
        assert_eq!(rated["appointment_id"], id);
    }
    assert_eq!(total(&service, &manager).await, 3);
}

#[actix_web::test]
async fn admin_scores_outside_one_to_five_are_refused_and_an_operation_is_rated() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let haircut = created(
        &service,
        &manager,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45}),
    )
    .await;
    let anna = created(
        &service,
        &manager,
        "/api/v1/admin/clients",
        json!({"full_name": "Anna"}),
    )
    .await;
    for score in [0, 6] {
        let result = post(
            &service,
            &manager,
            ADMIN,
            json!({"client_id": anna, "kind": "rating", "rating": score, "product_id": haircut}),
            None,
        )
        .await;
        assert_problem(&result, 422, "validation_failed");
        assert_eq!(result.2["errors"][0]["field"], "rating", "{}", result.2);
    }
    assert_eq!(total(&service, &manager).await, 0);

    // A rating tied to the client's purchase.
    sql(
        &app,
        &format!(
            "INSERT INTO operations (id, kind, client_id, total, reward_type, actor, created_at) \
             VALUES (81, 'purchase', {anna}, 150000, 'points', 'system', 0)"
        ),
    );
    let token = app.client_token(anna);
    let (status, _, rated) = post(
        &service,
        &token,
        RATE,
        json!({"rating": 4, "product_id": haircut, "operation_id": 81, "comment": "ok"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["operation_id"], 81);
    let (status, _, page) = get(&service, &manager, ADMIN).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], rated["id"]);
    assert_eq!(page["items"][0]["operation_id"], 81);
    assert_eq!(page["items"][0]["rating"], 4);
    assert_eq!(page["items"][0]["product_id"], haircut);
}
