//! Appointments through the real app: admin booking via both routes, the list and its filters,
//! status changes with their history, booking from the Mini App (`tma` and client token), one
//! winner among concurrent bookings of a slot, free slots, own list and cancellation, roles and
//! every bad input.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const ADMIN: &str = "/api/v1/admin/appointments";
const COMMS: &str = "/api/v1/admin/communications/appointments";
const BOOK: &str = "/api/v1/app/appointments/book";
const MINE: &str = "/api/v1/app/appointments";
const SLOTS: &str = "/api/v1/app/appointments/slots";
/// Tomorrow 10:00 in Moscow (UTC+3), inside the master's 09:00–18:00 shift.
const TOMORROW_10: &str = "2026-11-25T07:00:00Z";

/// A salon: an owner, a master with shifts today and tomorrow (09:00–18:00 Moscow), a haircut
/// (45 minutes, 1500), a client.
struct Salon {
    owner: String,
    master_id: i64,
    master: String,
    haircut: i64,
    client_id: i64,
}

async fn salon<S, B>(app: &TestApp, service: &S) -> Salon
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (_, owner) = app.staff_token(Role::Owner);
    let (master_id, master) = app.staff_token(Role::Master);
    let haircut = post(
        service,
        &owner,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45}),
        None,
    )
    .await;
    assert_eq!(haircut.0, 201, "{}", haircut.2);
    for date in ["2026-11-24", "2026-11-25"] {
        let shift = post(
            service,
            &owner,
            &format!("/api/v1/admin/employees/{master_id}/schedule"),
            json!({"date": date, "start_time": "09:00", "end_time": "18:00"}),
            None,
        )
        .await;
        assert_eq!(shift.0, 201, "{}", shift.2);
    }
    let client = post(
        service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна Петрова", "phone": "+79160000001"}),
        None,
    )
    .await;
    assert_eq!(client.0, 201, "{}", client.2);
    Salon {
        owner,
        master_id,
        master,
        haircut: haircut.2["id"].as_i64().unwrap(),
        client_id: client.2["id"].as_i64().unwrap(),
    }
}

fn booking(s: &Salon, starts_at: &str) -> Value {
    json!({"client_id": s.client_id, "service_id": s.haircut, "employee_id": s.master_id,
           "starts_at": starts_at, "comment": "first visit"})
}

async fn patch<S, B>(service: &S, token: &str, uri: &str, body: Value) -> (u16, String, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(
        service,
        TestRequest::patch()
            .uri(uri)
            .insert_header(bearer(token))
            .set_json(body),
    )
    .await
}

fn tma(user_id: i64) -> (header::HeaderName, String) {
    (
        header::AUTHORIZATION,
        format!("tma {}", init_data_for(user_id, "Ivan", NOW)),
    )
}

async fn total<S, B>(service: &S, token: &str) -> u64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let list = get(service, token, ADMIN).await;
    assert_eq!(list.0, 200, "{}", list.2);
    list.2["total"].as_u64().unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_admin_books_through_both_routes_and_filters_the_list() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let first = post(&service, &s.owner, ADMIN, booking(&s, TOMORROW_10), None).await;
    assert_eq!(first.0, 201, "{}", first.2);
    assert_eq!(first.2["status"], "scheduled");
    assert_eq!(first.2["source"], "admin");
    assert_eq!(first.2["ends_at"], "2026-11-25T07:45:00Z");
    assert_eq!(first.2["price"], 1500.0);
    assert_eq!(first.2["client_name"], "Анна Петрова");
    assert_eq!(first.2["service_name"], "Haircut");
    assert_eq!(first.2["employee_name"], "Test master");
    assert_eq!(first.2["comment"], "first visit");
    // The same use case behind the communications route; an offset other than UTC is read as
    // the same instant. The admin may book at short notice (today, 30 minutes ahead).
    let second = post(
        &service,
        &s.owner,
        COMMS,
        booking(&s, "2026-11-24T15:30:00+03:00"),
        None,
    )
    .await;
    assert_eq!(second.0, 201, "{}", second.2);
    assert_eq!(second.2["starts_at"], "2026-11-24T12:30:00Z");
    // A cashier books too, and the master books for themselves.
    let (_, cashier) = app.staff_token(Role::Cashier);
    let third = post(
        &service,
        &cashier,
        ADMIN,
        booking(&s, "2026-11-25T09:00:00Z"),
        None,
    )
    .await;
    assert_eq!(third.0, 201, "{}", third.2);
    let own = post(
        &service,
        &s.master,
        ADMIN,
        booking(&s, "2026-11-25T11:00:00Z"),
        None,
    )
    .await;
    assert_eq!(own.0, 201, "{}", own.2);
    let (first, second, third, own) = (
        first.2["id"].as_i64().unwrap(),
        second.2["id"].as_i64().unwrap(),
        third.2["id"].as_i64().unwrap(),
        own.2["id"].as_i64().unwrap(),
    );
    // A double booking of a taken slot.
    assert_problem(
        &post(
            &service,
            &s.owner,
            ADMIN,
            booking(&s, "2026-11-25T07:30:00Z"),
            None,
        )
        .await,
        409,
        "slot_taken",
    );

    let list = get(&service, &s.master, ADMIN).await;
    assert_eq!(list.0, 200, "{}", list.2);
    assert_eq!(ids(&list.2), vec![second, first, third, own]);
    assert_eq!(list.2["total"], 4);
    assert_eq!(list.2["items"][0]["employee_name"], "Test master");
    let q = |query: &str| format!("{ADMIN}?{query}");
    let filtered = get(&service, &s.owner, &q("date=2026-11-25")).await;
    assert_eq!(ids(&filtered.2), vec![first, third, own]);
    let filtered = get(
        &service,
        &s.owner,
        &q("from=2026-11-25T08:00:00Z&to=2026-11-25T10:00:00Z"),
    )
    .await;
    assert_eq!(ids(&filtered.2), vec![third]);
    let filtered = get(
        &service,
        &s.owner,
        &q(&format!(
            "employee_id={}&client_id={}&service_id={}&status=scheduled&source=admin&limit=2&offset=1",
            s.master_id, s.client_id, s.haircut
        )),
    )
    .await;
    assert_eq!(ids(&filtered.2), vec![first, third]);
    assert_eq!(filtered.2["total"], 4);
    for query in [
        "employee_id=999",
        "client_id=999",
        "service_id=999",
        "status=no_show",
        "source=app",
    ] {
        let empty = get(&service, &s.owner, &q(query)).await;
        assert_eq!(empty.2["total"], 0, "{query}");
    }
    assert_problem(
        &get(&service, &s.owner, &q("date=2026-02-30")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(&service, &s.owner, &q("limit=501")).await,
        422,
        "validation_failed",
    );
    assert_eq!(get(&service, &s.owner, &q("status=done")).await.0, 400);
    assert_eq!(get(&service, &s.owner, &q("from=yesterday")).await.0, 400);
}

#[actix_web::test]
async fn status_changes_follow_the_transitions_and_are_recorded() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    // Today 15:30 Moscow, half an hour ahead.
    let booked = post(
        &service,
        &s.owner,
        ADMIN,
        booking(&s, "2026-11-24T12:30:00Z"),
        None,
    )
    .await;
    assert_eq!(booked.0, 201, "{}", booked.2);
    let id = booked.2["id"].as_i64().unwrap();
    let status_uri = format!("{ADMIN}/{id}/status");
    // Before the start it can be neither completed nor a no-show; nothing is recorded.
    for to in ["completed", "no_show"] {
        assert_problem(
            &patch(&service, &s.owner, &status_uri, json!({"status": to})).await,
            409,
            "appointment_not_started",
        );
    }
    let before = get(&service, &s.owner, &format!("{ADMIN}/{id}")).await;
    assert_eq!(before.2["status"], "scheduled");
    assert_eq!(before.2["history"].as_array().unwrap().len(), 1);
    // Five minutes after the start (the tokens, issued at 12:00, still live).
    app.clock.set(at(NOW + 35 * 60));
    let no_show = patch(
        &service,
        &s.owner,
        &status_uri,
        json!({"status": "no_show", "reason": "did not come"}),
    )
    .await;
    assert_eq!(no_show.0, 200, "{}", no_show.2);
    assert_eq!(no_show.2["status"], "no_show");
    // A no-show who arrived late is completed after all; completed is final.
    let completed = patch(
        &service,
        &s.master,
        &status_uri,
        json!({"status": "completed"}),
    )
    .await;
    assert_eq!(completed.0, 200, "{}", completed.2);
    for to in ["scheduled", "cancelled", "no_show"] {
        assert_problem(
            &patch(&service, &s.owner, &status_uri, json!({"status": to})).await,
            409,
            "invalid_status_transition",
        );
    }
    let one = get(&service, &s.owner, &format!("{ADMIN}/{id}")).await;
    assert_eq!(one.0, 200, "{}", one.2);
    assert_eq!(one.2["status"], "completed");
    let history = one.2["history"].as_array().unwrap();
    let steps: Vec<(Value, Value)> = history
        .iter()
        .map(|c| (c["from"].clone(), c["to"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Value::Null, json!("scheduled")),
            (json!("scheduled"), json!("no_show")),
            (json!("no_show"), json!("completed")),
        ]
    );
    assert_eq!(history[1]["reason"], "did not come");
    assert_eq!(history[1]["actor"], booked.2["created_by"]);
    assert_eq!(history[2]["actor"], format!("employee:{}", s.master_id));
    assert_eq!(history[2]["at"], "2026-11-24T12:35:00Z");

    // Unknown appointment, bad bodies, and a master changing someone else's appointment.
    assert_problem(
        &patch(
            &service,
            &s.owner,
            &format!("{ADMIN}/999/status"),
            json!({"status": "cancelled"}),
        )
        .await,
        404,
        "appointment_not_found",
    );
    assert_problem(
        &get(&service, &s.owner, &format!("{ADMIN}/999")).await,
        404,
        "appointment_not_found",
    );
    let other = post(
        &service,
        &s.owner,
        ADMIN,
        booking(&s, "2026-11-25T09:00:00Z"),
        None,
    )
    .await;
    let other_uri = format!("{ADMIN}/{}/status", other.2["id"]);
    for body in [
        json!({"status": "done"}),
        json!({"status": "cancelled", "extra": 1}),
        json!({}),
    ] {
        let refused = patch(&service, &s.owner, &other_uri, body.clone()).await;
        assert!((400..500).contains(&refused.0), "{body}: {}", refused.2);
    }
    assert_problem(
        &patch(
            &service,
            &s.owner,
            &other_uri,
            json!({"status": "cancelled", "reason": "x".repeat(501)}),
        )
        .await,
        422,
        "validation_failed",
    );
    let (_, stranger) = app.staff_token(Role::Master);
    assert_problem(
        &patch(
            &service,
            &stranger,
            &other_uri,
            json!({"status": "cancelled"}),
        )
        .await,
        403,
        "forbidden",
    );
    let still = get(&service, &s.owner, &format!("{ADMIN}/{}", other.2["id"])).await;
    assert_eq!(still.2["status"], "scheduled");
    assert_eq!(still.2["history"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn clients_book_from_the_app_list_and_cancel_their_own() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    // A Telegram user seen for the first time becomes a client and books.
    let via_tma = send(
        &service,
        TestRequest::post().uri(BOOK).insert_header(tma(4242)).set_json(
            json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": TOMORROW_10}),
        ),
    )
    .await;
    assert_eq!(via_tma.0, 201, "{}", via_tma.2);
    assert_eq!(via_tma.2["source"], "app");
    assert_eq!(via_tma.2["client_name"], "Ivan");
    let tg_client = via_tma.2["client_id"].as_i64().unwrap();
    assert_eq!(via_tma.2["created_by"], format!("client:{tg_client}"));
    // A client with a token books too; the taken slot is refused.
    let token = app.client_token(s.client_id);
    assert_problem(
        &post(
            &service,
            &token,
            BOOK,
            json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-25T07:15:00Z"}),
            None,
        )
        .await,
        409,
        "slot_taken",
    );
    let past = post(
        &service,
        &token,
        BOOK,
        json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-24T13:00:00Z", "comment": "  "}),
        None,
    )
    .await;
    assert_eq!(past.0, 201, "{}", past.2);
    assert_eq!(past.2["comment"], Value::Null);
    let later = post(
        &service,
        &token,
        BOOK,
        json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-25T10:00:00Z"}),
        None,
    )
    .await;
    assert_eq!(later.0, 201, "{}", later.2);
    let (past, later) = (
        past.2["id"].as_i64().unwrap(),
        later.2["id"].as_i64().unwrap(),
    );
    // The minimum notice (60 minutes by default) applies to the app only.
    let short = post(
        &service,
        &token,
        BOOK,
        json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-24T12:30:00Z"}),
        None,
    )
    .await;
    assert_problem(&short, 422, "validation_failed");
    assert_eq!(short.2["errors"][0]["field"], "starts_at");

    // Later the first booking is in the past: upcoming first, then the past.
    app.clock.set(at(NOW + 2 * 3600));
    let token = app.client_token(s.client_id);
    let mine = get(&service, &token, MINE).await;
    assert_eq!(mine.0, 200, "{}", mine.2);
    assert_eq!(ids(&mine.2), vec![later, past]);
    let via_tma_list = send(
        &service,
        TestRequest::get().uri(MINE).insert_header(tma(4242)),
    )
    .await;
    assert_eq!(via_tma_list.2["total"], 1);

    // Cancelling: not someone else's, not one that started, once only.
    let cancel = |id: i64| format!("{MINE}/{id}/cancel");
    let tg_appointment = via_tma.2["id"].as_i64().unwrap();
    assert_problem(
        &post(&service, &token, &cancel(tg_appointment), json!({}), None).await,
        404,
        "appointment_not_found",
    );
    assert_problem(
        &post(&service, &token, &cancel(past), json!({}), None).await,
        409,
        "appointment_started",
    );
    let cancelled = post(&service, &token, &cancel(later), json!({}), None).await;
    assert_eq!(cancelled.0, 200, "{}", cancelled.2);
    assert_eq!(cancelled.2["status"], "cancelled");
    assert_eq!(
        cancelled.2["history"][1]["actor"],
        format!("client:{}", s.client_id)
    );
    assert_problem(
        &post(&service, &token, &cancel(later), json!({}), None).await,
        409,
        "invalid_status_transition",
    );
    assert_problem(
        &post(&service, &token, &cancel(999), json!({}), None).await,
        404,
        "appointment_not_found",
    );
    // The cancelled slot is free again.
    let again = post(
        &service,
        &token,
        BOOK,
        json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-25T10:00:00Z"}),
        None,
    )
    .await;
    assert_eq!(again.0, 201, "{}", again.2);
    // Staff tokens are not app users.
    assert_eq!(get(&service, &s.owner, MINE).await.0, 401);
}

#[actix_web::test]
async fn of_concurrent_app_bookings_of_one_slot_exactly_one_wins() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let requests = (0..8).map(|i| {
        send(
            &service,
            TestRequest::post()
                .uri(BOOK)
                .insert_header(tma(5000 + i))
                .set_json(json!({"service_id": s.haircut, "employee_id": s.master_id,
                                 "starts_at": format!("2026-11-25T07:{:02}:00Z", i * 5)})),
        )
    });
    let results = futures_util::future::join_all(requests).await;
    let won = results.iter().filter(|r| r.0 == 201).count();
    assert_eq!(
        won,
        1,
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.0 != 201) {
        assert_problem(r, 409, "slot_taken");
    }
    assert_eq!(total(&service, &s.owner).await, 1);
}

#[actix_web::test]
async fn free_slots_step_through_the_shift_around_bookings() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let booked = post(&service, &s.owner, ADMIN, booking(&s, TOMORROW_10), None).await;
    assert_eq!(booked.0, 201, "{}", booked.2);
    let token = app.client_token(s.client_id);
    let uri = |date: &str| {
        format!(
            "{SLOTS}?service_id={}&employee_id={}&date={date}",
            s.haircut, s.master_id
        )
    };
    let tomorrow = get(&service, &token, &uri("2026-11-25")).await;
    assert_eq!(tomorrow.0, 200, "{}", tomorrow.2);
    assert_eq!(tomorrow.2["duration_minutes"], 45);
    let slots = tomorrow.2["slots"].as_array().unwrap();
    let starts: Vec<&str> = slots
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    // 06:00Z–15:00Z by 15 minutes with 45 minutes each: 34 starts, minus the five that
    // overlap 07:00–07:45.
    assert_eq!(starts.len(), 29, "{starts:?}");
    assert_eq!(starts[0], "2026-11-25T06:00:00Z");
    assert_eq!(starts[1], "2026-11-25T06:15:00Z");
    assert_eq!(starts[2], "2026-11-25T07:45:00Z");
    assert_eq!(*starts.last().unwrap(), "2026-11-25T14:15:00Z");
    assert_eq!(slots.last().unwrap()["ends_at"], "2026-11-25T15:00:00Z");
    // Today: now is 12:00Z, the notice is an hour, the shift ends at 15:00Z.
    let today = get(&service, &token, &uri("2026-11-24")).await;
    let starts: Vec<&str> = today.2["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        vec![
            "2026-11-24T13:00:00Z",
            "2026-11-24T13:15:00Z",
            "2026-11-24T13:30:00Z",
            "2026-11-24T13:45:00Z",
            "2026-11-24T14:00:00Z",
            "2026-11-24T14:15:00Z"
        ]
    );
    // A day without a shift has no slots; a slot offered can be booked.
    let empty = get(&service, &token, &uri("2026-11-26")).await;
    assert_eq!(empty.2["slots"], json!([]));
    let taken = post(
        &service,
        &token,
        BOOK,
        json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-24T13:00:00Z"}),
        None,
    )
    .await;
    assert_eq!(taken.0, 201, "{}", taken.2);
    // Bad queries.
    assert_problem(
        &get(&service, &token, &uri("2026-11-31")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(
            &service,
            &token,
            &format!(
                "{SLOTS}?service_id=999&employee_id={}&date=2026-11-25",
                s.master_id
            ),
        )
        .await,
        422,
        "validation_failed",
    );
    assert_eq!(
        get(&service, &token, &format!("{SLOTS}?date=2026-11-25"))
            .await
            .0,
        400
    );
}

#[actix_web::test]
async fn bad_bookings_are_refused_and_nothing_is_written() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let tea = post(
        &service,
        &s.owner,
        "/api/v1/admin/products",
        json!({"name": "Tea", "price": 300}),
        None,
    )
    .await;
    let tea = tea.2["id"].as_i64().unwrap();
    let old = post(
        &service,
        &s.owner,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Old cut", "price": 900, "duration_minutes": 30}),
        None,
    )
    .await;
    let old = old.2["id"].as_i64().unwrap();
    let archived = send(
        &service,
        TestRequest::delete()
            .uri(&format!("/api/v1/admin/products/{old}"))
            .insert_header(bearer(&s.owner)),
    )
    .await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    let with = |field: &str, value: Value| {
        let mut body = booking(&s, TOMORROW_10);
        body[field] = value;
        body
    };
    let cases = [
        (
            with("starts_at", json!("2026-11-24T07:00:00Z")),
            "starts_at",
        ),
        (
            with("starts_at", json!("2026-11-25T16:00:00Z")),
            "starts_at",
        ),
        (
            with("starts_at", json!("2026-11-25T14:30:00Z")),
            "starts_at",
        ),
        (with("service_id", json!(old)), "service_id"),
        (with("service_id", json!(tea)), "service_id"),
        (with("service_id", json!(999)), "service_id"),
        (with("employee_id", json!(999)), "employee_id"),
        (with("client_id", json!(999)), "client_id"),
        (with("location_id", json!(999)), "location_id"),
        (with("comment", json!("x".repeat(1001))), "comment"),
    ];
    for (body, field) in cases {
        let refused = post(&service, &s.owner, ADMIN, body.clone(), None).await;
        assert_problem(&refused, 422, "validation_failed");
        assert_eq!(refused.2["errors"][0]["field"], field, "{body}");
    }
    for body in [
        with("starts_at", json!("tomorrow")),
        with("starts_at", json!("2026-11-25T07:00:00")),
        with("client_id", json!("one")),
        with("unknown", json!(1)),
        json!({"client_id": s.client_id}),
        json!([]),
    ] {
        let refused = post(&service, &s.owner, COMMS, body.clone(), None).await;
        assert!((400..500).contains(&refused.0), "{body}: {}", refused.2);
    }
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(ADMIN)
            .insert_header(bearer(&s.owner))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"client_id\": 1,"),
    )
    .await;
    assert_eq!(malformed.0, 400, "{}", malformed.2);
    let malformed_app = send(
        &service,
        TestRequest::post()
            .uri(BOOK)
            .insert_header(tma(77))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("not json"),
    )
    .await;
    assert_eq!(malformed_app.0, 400, "{}", malformed_app.2);
    // The app: archived service, a product, unknown master, the past, outside the shift.
    let token = app.client_token(s.client_id);
    for (body, field) in [
        (
            json!({"service_id": old, "employee_id": s.master_id, "starts_at": TOMORROW_10}),
            "service_id",
        ),
        (
            json!({"service_id": tea, "employee_id": s.master_id, "starts_at": TOMORROW_10}),
            "service_id",
        ),
        (
            json!({"service_id": s.haircut, "employee_id": 999, "starts_at": TOMORROW_10}),
            "employee_id",
        ),
        (
            json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-24T07:00:00Z"}),
            "starts_at",
        ),
        (
            json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": "2026-11-26T07:00:00Z"}),
            "starts_at",
        ),
    ] {
        let refused = post(&service, &token, BOOK, body.clone(), None).await;
        assert_problem(&refused, 422, "validation_failed");
        assert_eq!(refused.2["errors"][0]["field"], field, "{body}");
    }
    // A master may not book for another master; no credentials at all is 401.
    let (other_master, _) = app.staff_token(Role::Master);
    assert_problem(
        &post(
            &service,
            &s.master,
            ADMIN,
            with("employee_id", json!(other_master)),
            None,
        )
        .await,
        403,
        "forbidden",
    );
    let anonymous = send(&service, TestRequest::post().uri(BOOK).set_json(json!({}))).await;
    assert_eq!(anonymous.0, 401);
    assert_eq!(total(&service, &s.owner).await, 0);
    assert_eq!(
        get(&service, &token, MINE).await.2["total"],
        0,
        "nothing written"
    );
}

#[actix_web::test]
async fn booking_settings_are_audited_and_govern_app_bookings() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    const SETTINGS: &str = "/api/v1/admin/system-settings";
    let defaults = get(&service, &s.owner, SETTINGS).await;
    assert_eq!(
        defaults.2["booking"],
        json!({"min_notice_minutes": 60, "horizon_days": 60, "slot_step_minutes": 15})
    );
    let put = |body: Value| {
        send(
            &service,
            TestRequest::put()
                .uri(SETTINGS)
                .insert_header(bearer(&s.owner))
                .set_json(body),
        )
    };
    let refused = put(json!({"booking": {"slot_step_minutes": 1, "horizon_days": 0}})).await;
    assert_problem(&refused, 422, "validation_failed");
    let fields: Vec<&str> = refused.2["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["booking.horizon_days", "booking.slot_step_minutes"]
    );
    assert_problem(
        &put(json!({"booking": {"unknown": 1}})).await,
        422,
        "validation_failed",
    );
    let changed = put(json!({"booking": {"min_notice_minutes": 0, "horizon_days": 1}})).await;
    assert_eq!(changed.0, 200, "{}", changed.2);
    assert_eq!(
        changed.2["booking"],
        json!({"min_notice_minutes": 0, "horizon_days": 1, "slot_step_minutes": 15})
    );
    let history = get(&service, &s.owner, &format!("{SETTINGS}/history")).await;
    let mut audited: Vec<&str> = history.2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    audited.sort_unstable();
    assert_eq!(
        audited,
        ["booking.horizon_days", "booking.min_notice_minutes"]
    );

    let token = app.client_token(s.client_id);
    let book = |starts_at: &str| {
        post(
            &service,
            &token,
            BOOK,
            json!({"service_id": s.haircut, "employee_id": s.master_id, "starts_at": starts_at}),
            None,
        )
    };
    // No notice now: 15 minutes ahead is fine; beyond one day is not (the admin still may).
    assert_eq!(book("2026-11-24T12:15:00Z").await.0, 201);
    let far = book("2026-11-25T13:00:00Z").await;
    assert_problem(&far, 422, "validation_failed");
    assert_eq!(far.2["errors"][0]["field"], "starts_at");
    let admin = post(
        &service,
        &s.owner,
        ADMIN,
        booking(&s, "2026-11-25T13:00:00Z"),
        None,
    )
    .await;
    assert_eq!(admin.0, 201, "{}", admin.2);
    let slots = get(
        &service,
        &token,
        &format!(
            "{SLOTS}?service_id={}&employee_id={}&date=2026-11-25",
            s.haircut, s.master_id
        ),
    )
    .await;
    let last = slots.2["slots"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["starts_at"], "2026-11-25T12:00:00Z", "{}", slots.2);
}

#[actix_web::test]
async fn cancelling_before_the_start_stays_allowed() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let booked = post(&service, &s.owner, ADMIN, booking(&s, TOMORROW_10), None).await;
    let uri = format!("{ADMIN}/{}/status", booked.2["id"]);
    assert_problem(
        &patch(&service, &s.master, &uri, json!({"status": "completed"})).await,
        409,
        "appointment_not_started",
    );
    let cancelled = patch(&service, &s.owner, &uri, json!({"status": "cancelled"})).await;
    assert_eq!(cancelled.0, 200, "{}", cancelled.2);
    assert_eq!(cancelled.2["status"], "cancelled");
}

#[actix_web::test]
async fn a_client_cannot_be_booked_with_two_masters_at_once() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let (other_master, _) = app.staff_token(Role::Master);
    for date in ["2026-11-24", "2026-11-25"] {
        let shift = post(
            &service,
            &s.owner,
            &format!("/api/v1/admin/employees/{other_master}/schedule"),
            json!({"date": date, "start_time": "09:00", "end_time": "18:00"}),
            None,
        )
        .await;
        assert_eq!(shift.0, 201, "{}", shift.2);
    }
    let first = post(&service, &s.owner, ADMIN, booking(&s, TOMORROW_10), None).await;
    assert_eq!(first.0, 201, "{}", first.2);
    let with_other = |starts_at: &str| {
        let mut body = booking(&s, starts_at);
        body["employee_id"] = json!(other_master);
        body
    };
    // Overlapping with another master, from the admin panel (both routes) and from the app.
    for (uri, starts_at) in [
        (ADMIN, TOMORROW_10),
        (COMMS, "2026-11-25T07:30:00Z"),
        (ADMIN, "2026-11-25T06:30:00Z"),
    ] {
        assert_problem(
            &post(&service, &s.owner, uri, with_other(starts_at), None).await,
            409,
            "client_busy",
        );
    }
    let token = app.client_token(s.client_id);
    let mut app_booking = with_other("2026-11-25T07:15:00Z");
    app_booking.as_object_mut().unwrap().remove("client_id");
    assert_problem(
        &post(&service, &token, BOOK, app_booking, None).await,
        409,
        "client_busy",
    );
    assert_eq!(total(&service, &s.owner).await, 1);
    // Right after the first one ends, and another client at the same time, are fine.
    let after = post(
        &service,
        &s.owner,
        ADMIN,
        with_other("2026-11-25T07:45:00Z"),
        None,
    )
    .await;
    assert_eq!(after.0, 201, "{}", after.2);
    let boris = post(
        &service,
        &s.owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Борис", "phone": "+79160000002"}),
        None,
    )
    .await;
    let mut theirs = with_other(TOMORROW_10);
    theirs["client_id"] = boris.2["id"].clone();
    let theirs = post(&service, &s.owner, ADMIN, theirs, None).await;
    assert_eq!(theirs.0, 201, "{}", theirs.2);
    // Once the first is cancelled, the client is free at that time again.
    let cancelled = patch(
        &service,
        &s.owner,
        &format!("{ADMIN}/{}/status", first.2["id"]),
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(cancelled.0, 200, "{}", cancelled.2);
    let mut again = booking(&s, "2026-11-25T07:00:00Z");
    again["comment"] = json!("rebooked");
    let again = post(&service, &s.owner, ADMIN, again, None).await;
    assert_eq!(again.0, 201, "{}", again.2);
    assert_eq!(total(&service, &s.owner).await, 4);
}

#[actix_web::test]
async fn booking_with_an_archived_employee_is_refused_and_nothing_is_written() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let (gone, _) = app.staff_token(Role::Master);
    let shift = post(
        &service,
        &s.owner,
        &format!("/api/v1/admin/employees/{gone}/schedule"),
        json!({"date": "2026-11-25", "start_time": "09:00", "end_time": "18:00"}),
        None,
    )
    .await;
    assert_eq!(shift.0, 201, "{}", shift.2);
    let archived = send(
        &service,
        TestRequest::delete()
            .uri(&format!("/api/v1/admin/employees/{gone}"))
            .insert_header(bearer(&s.owner)),
    )
    .await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    let mut body = booking(&s, TOMORROW_10);
    body["employee_id"] = json!(gone);
    for uri in [ADMIN, COMMS] {
        let refused = post(&service, &s.owner, uri, body.clone(), None).await;
        assert_problem(&refused, 422, "validation_failed");
        assert!(
            refused.2["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "employee_id"),
            "{}",
            refused.2
        );
    }
    let token = app.client_token(s.client_id);
    body.as_object_mut().unwrap().remove("client_id");
    let refused = post(&service, &token, BOOK, body, None).await;
    assert_problem(&refused, 422, "validation_failed");
    assert_eq!(total(&service, &s.owner).await, 0);
}

/// The slots the app offers a signed-in client leave out the times the client is already
/// booked with another master; another client still sees them.
#[actix_web::test]
async fn slots_leave_out_the_clients_own_bookings_with_any_master() {
    let app = TestApp::new();
    let service = app.service().await;
    let s = salon(&app, &service).await;
    let (second_id, _) = app.staff_token(Role::Master);
    let shift = post(
        &service,
        &s.owner,
        &format!("/api/v1/admin/employees/{second_id}/schedule"),
        json!({"date": "2026-11-25", "start_time": "09:00", "end_time": "18:00"}),
        None,
    )
    .await;
    assert_eq!(shift.0, 201, "{}", shift.2);
    // Booked with the first master tomorrow 07:00–07:45Z.
    let booked = post(&service, &s.owner, ADMIN, booking(&s, TOMORROW_10), None).await;
    assert_eq!(booked.0, 201, "{}", booked.2);
    let uri = format!(
        "{SLOTS}?service_id={}&employee_id={second_id}&date=2026-11-25",
        s.haircut
    );
    let starts = |body: &Value| -> Vec<String> {
        body["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["starts_at"].as_str().unwrap().to_owned())
            .collect()
    };
    let own = get(&service, &app.client_token(s.client_id), &uri).await;
    assert_eq!(own.0, 200, "{}", own.2);
    let own = starts(&own.2);
    // 34 starts in the shift, minus the five meeting 07:00–07:45 (06:30 … 07:30).
    assert_eq!(own.len(), 29, "{own:?}");
    assert_eq!(own[2], "2026-11-25T07:45:00Z");
    let other_client = client(
        &service,
        &s.owner,
        json!({"full_name": "Борис", "phone": "+79160000002"}),
    )
    .await;
    let other = get(&service, &app.client_token(other_client), &uri).await;
    assert_eq!(starts(&other.2).len(), 34, "{}", other.2);
}
