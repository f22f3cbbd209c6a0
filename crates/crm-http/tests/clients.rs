//! The client base through the real app over a real SQLite file.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

async fn create<S, B>(service: &S, token: &str, body: Value) -> (u16, String, Value)
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
        TestRequest::post()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(token))
            .set_json(body),
    )
    .await
}

#[actix_web::test]
async fn registering_a_client_stores_every_field_and_audits_consents() {
    let app = TestApp::new();
    let service = app.service().await;
    let (employee_id, token) = app.staff_token(Role::Manager);
    let created = create(
        &service,
        &token,
        json!({
            "full_name": "  Анна Петрова ",
            "phone": "8 (916) 123-45-67",
            "telegram_id": 31337,
            "telegram_username": "@anna_p",
            "email": "Anna@Example.RU",
            "birthday": "1990-05-17",
            "gender": "female",
            "vk": "id123",
            "instagram": "anna.p",
            "facebook": "anna.petrova",
            "max": "anna-max",
            "tags": ["VIP", "regular", "vip"],
            "notes": "Любит зелёный чай",
            "consent_personal_data": true,
            "consent_marketing": true,
            "consent_sms": false
        }),
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.2);
    let c = &created.2;
    assert_eq!(c["full_name"], "Анна Петрова");
    assert_eq!(c["phone"], "+79161234567");
    assert_eq!(c["telegram_id"], 31337);
    assert_eq!(c["telegram_username"], "anna_p");
    assert_eq!(c["email"], "Anna@example.ru");
    assert_eq!(c["birthday"], "1990-05-17");
    assert_eq!(c["gender"], "female");
    assert_eq!(c["vk"], "id123");
    assert_eq!(c["max"], "anna-max");
    assert_eq!(c["tags"], json!(["regular", "vip"]));
    assert_eq!(c["notes"], "Любит зелёный чай");
    assert_eq!(c["points_balance"], 0.0);
    assert_eq!(c["total_spent"], 0.0);
    assert_eq!(c["purchase_count"], 0);
    assert_eq!(c["consent_personal_data"], true);
    assert_eq!(c["consent_personal_data_at"], "2026-11-24T12:00:00Z");
    assert_eq!(c["consent_marketing"], true);
    assert_eq!(c["consent_sms"], false);
    assert_eq!(
        c["consent_sms_at"], "2026-11-24T12:00:00Z",
        "an explicit refusal is recorded too"
    );
    assert_eq!(c["consent_email"], false);
    assert!(c["consent_email_at"].is_null(), "never asked");
    assert_eq!(c["created_at"], "2026-11-24T12:00:00Z");
    let history = c["consent_history"].as_array().expect("history");
    assert_eq!(history.len(), 3);
    assert!(history
        .iter()
        .all(|e| e["actor"] == format!("employee:{employee_id}") && e["source"] == "admin"));

    let id = c["id"].as_i64().expect("id");
    let fetched = send(
        &service,
        TestRequest::get()
            .uri(&format!("/api/v1/admin/clients/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(fetched.0, 200);
    assert_eq!(fetched.2, created.2, "GET shows exactly what was stored");
}

#[actix_web::test]
async fn phone_and_telegram_id_are_unique() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Admin);
    let first = create(
        &service,
        &token,
        json!({"full_name": "A", "phone": "+79160000001", "telegram_id": 10}),
    )
    .await;
    assert_eq!(first.0, 201);

    let same_phone = create(
        &service,
        &token,
        json!({"full_name": "B", "phone": "8 916 000-00-01"}),
    )
    .await;
    assert_problem(&same_phone, 409, "duplicate_client");
    assert_eq!(same_phone.2["errors"][0]["field"], "phone");

    let same_tg = create(
        &service,
        &token,
        json!({"full_name": "C", "telegram_id": 10}),
    )
    .await;
    assert_problem(&same_tg, 409, "duplicate_client");
    assert_eq!(same_tg.2["errors"][0]["field"], "telegram_id");

    // Moving B onto A's phone by update clashes the same way.
    let b = create(
        &service,
        &token,
        json!({"full_name": "B", "phone": "+79160000002"}),
    )
    .await;
    let b_id = b.2["id"].as_i64().expect("id");
    let clash = send(
        &service,
        TestRequest::put()
            .uri(&format!("/api/v1/admin/clients/{b_id}"))
            .insert_header(bearer(&token))
            .set_json(json!({"phone": "+7 916 000 00 01"})),
    )
    .await;
    assert_problem(&clash, 409, "duplicate_client");
    assert_eq!(clash.2["errors"][0]["field"], "phone");
}

#[actix_web::test]
async fn an_update_changes_what_it_names_and_audits_consent_changes() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let created = create(
        &service,
        &token,
        json!({"full_name": "Иван", "phone": "+79161112233", "email": "i@x.ru", "consent_personal_data": true, "consent_marketing": true}),
    )
    .await;
    let id = created.2["id"].as_i64().expect("id");
    app.clock.set(at(NOW + 1_800));
    let updated = send(
        &service,
        TestRequest::put()
            .uri(&format!("/api/v1/admin/clients/{id}"))
            .insert_header(bearer(&token))
            .set_json(json!({"full_name": "Иван Сидоров", "email": null, "tags": ["VIP"], "consent_marketing": false, "consent_personal_data": true})),
    )
    .await;
    assert_eq!(updated.0, 200, "{}", updated.2);
    let u = &updated.2;
    assert_eq!(u["full_name"], "Иван Сидоров");
    assert!(u["email"].is_null(), "null clears");
    assert_eq!(u["phone"], "+79161112233", "absent keeps");
    assert_eq!(u["tags"], json!(["vip"]));
    assert_eq!(u["consent_marketing"], false);
    assert_eq!(u["consent_marketing_at"], "2026-11-24T12:30:00Z");
    assert_eq!(
        u["consent_personal_data_at"], "2026-11-24T12:00:00Z",
        "repeating a consent keeps its time"
    );
    assert_eq!(u["updated_at"], "2026-11-24T12:30:00Z");
    let history = u["consent_history"].as_array().expect("history");
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["consent"], "marketing");
    assert_eq!(history[0]["given"], false);
    assert_eq!(history[0]["at"], "2026-11-24T12:30:00Z");
}

#[actix_web::test]
async fn points_totals_and_level_cannot_be_mass_assigned() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let created = create(&service, &token, json!({"full_name": "Жадный"})).await;
    let id = created.2["id"].as_i64().expect("id");
    for (field, value) in [
        ("points_balance", json!(1_000_000)),
        ("total_spent", json!(99_999.99)),
        ("level_id", json!(3)),
        ("purchase_count", json!(50)),
        ("id", json!(999)),
        ("created_at", json!("2020-01-01T00:00:00Z")),
    ] {
        let put = send(
            &service,
            TestRequest::put()
                .uri(&format!("/api/v1/admin/clients/{id}"))
                .insert_header(bearer(&token))
                .set_json(json!({ "full_name": "Всё ещё жадный", field: value })),
        )
        .await;
        assert_problem(&put, 422, "validation_failed");
        assert_eq!(put.2["errors"][0]["field"], field);
        let post = create(
            &service,
            &token,
            json!({ "full_name": "Другой", field: value }),
        )
        .await;
        assert_problem(&post, 422, "validation_failed");
    }
    let after = send(
        &service,
        TestRequest::get()
            .uri(&format!("/api/v1/admin/clients/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(after.2["points_balance"], 0.0);
    assert_eq!(after.2["total_spent"], 0.0);
    assert!(after.2["level_id"].is_null());
    assert_eq!(
        after.2["full_name"], "Жадный",
        "a refused request changes nothing"
    );
    let list = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(
        list.2["total"], 1,
        "no client was created by the refused posts"
    );
}

#[actix_web::test]
async fn the_list_searches_filters_sorts_and_pages() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let people = [
        json!({"full_name": "Анна Петрова", "phone": "+79161234567", "tags": ["vip"], "consent_personal_data": true, "consent_marketing": true}),
        json!({"full_name": "Борис Анников", "phone": "+79031112233", "telegram_id": 279058397}),
        json!({"full_name": "Вера Смирнова", "tags": ["regular"], "consent_personal_data": true}),
        json!({"full_name": "Zoe Adams", "email": "zoe@example.com", "tags": ["VIP"]}),
    ];
    for (i, person) in people.into_iter().enumerate() {
        app.clock.set(at(NOW + i as i64));
        assert_eq!(create(&service, &token, person).await.0, 201);
    }
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["full_name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let get = |query: &str| {
        TestRequest::get()
            .uri(&format!("/api/v1/admin/clients?{query}"))
            .insert_header(bearer(&token))
    };

    let all = send(&service, get("")).await;
    assert_eq!(all.2["total"], 4);
    assert_eq!(all.2["limit"], 50);
    assert_eq!(
        names(&all.2),
        [
            "Zoe Adams",
            "Вера Смирнова",
            "Борис Анников",
            "Анна Петрова"
        ],
        "newest first"
    );

    let by_name = send(&service, get("q=%D0%B0%D0%BD%D0%BD")).await; // "анн"
    assert_eq!(names(&by_name.2), ["Борис Анников", "Анна Петрова"]);
    assert_eq!(by_name.2["total"], 2);
    let upper = send(&service, get("search=%D0%9F%D0%95%D0%A2%D0%A0")).await; // "ПЕТР"
    assert_eq!(names(&upper.2), ["Анна Петрова"]);
    let by_phone = send(&service, get("q=8%20903%20111")).await;
    assert_eq!(names(&by_phone.2), ["Борис Анников"]);
    let by_tg = send(&service, get("q=279058397")).await;
    assert_eq!(names(&by_tg.2), ["Борис Анников"]);

    let vip = send(&service, get("tag=VIP")).await;
    assert_eq!(names(&vip.2), ["Zoe Adams", "Анна Петрова"]);
    let marketing = send(&service, get("consent=marketing")).await;
    assert_eq!(names(&marketing.2), ["Анна Петрова"]);
    let pd = send(&service, get("consent=personal_data&sort=full_name")).await;
    assert_eq!(names(&pd.2), ["Анна Петрова", "Вера Смирнова"]);
    let never = send(&service, get("activity=never")).await;
    assert_eq!(never.2["total"], 4);
    let active = send(&service, get("activity=active")).await;
    assert_eq!(active.2["total"], 0);

    let sorted = send(&service, get("sort=full_name")).await;
    assert_eq!(
        names(&sorted.2),
        [
            "zoe adams",
            "анна петрова",
            "борис анников",
            "вера смирнова"
        ]
        .map(|n| {
            // Names keep their case; the order is by their lower-cased form.
            match n {
                "zoe adams" => "Zoe Adams",
                "анна петрова" => "Анна Петрова",
                "борис анников" => "Борис Анников",
                _ => "Вера Смирнова",
            }
        })
    );

    let page_1 = send(&service, get("limit=2&offset=0&sort=created_at")).await;
    let page_2 = send(&service, get("limit=2&offset=2&sort=created_at")).await;
    assert_eq!(names(&page_1.2), ["Анна Петрова", "Борис Анников"]);
    assert_eq!(names(&page_2.2), ["Вера Смирнова", "Zoe Adams"]);
    assert_eq!(page_2.2["total"], 4);
    assert_eq!(page_2.2["offset"], 2);

    assert_problem(
        &send(&service, get("limit=501")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &send(&service, get("limit=0")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &send(&service, get("sort=password")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &send(&service, get("consent=everything")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &send(&service, get("activity=sometimes")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &send(&service, get("limit=abc")).await,
        400,
        "invalid_query",
    );
    assert_problem(
        &send(&service, get("level_id=1e99")).await,
        400,
        "invalid_query",
    );
}

#[actix_web::test]
async fn unknown_clients_are_not_found() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let missing = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients/424242")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_problem(&missing, 404, "client_not_found");
    let put = send(
        &service,
        TestRequest::put()
            .uri("/api/v1/admin/clients/424242")
            .insert_header(bearer(&token))
            .set_json(json!({"full_name": "X"})),
    )
    .await;
    assert_problem(&put, 404, "client_not_found");
    for path in ["abc", "99999999999999999999999", "-1%27%20OR%201=1"] {
        let weird = send(
            &service,
            TestRequest::get()
                .uri(&format!("/api/v1/admin/clients/{path}"))
                .insert_header(bearer(&token)),
        )
        .await;
        assert!(weird.0 == 404, "{path}: {}", weird.0);
        assert_eq!(weird.1, "application/problem+json");
    }
    let unknown_referrer = create(
        &service,
        &token,
        json!({"full_name": "R", "referrer_id": 777}),
    )
    .await;
    assert_problem(&unknown_referrer, 422, "validation_failed");
    assert_eq!(unknown_referrer.2["errors"][0]["field"], "referrer_id");
}

#[actix_web::test]
async fn a_client_manages_their_own_consents_from_the_mini_app() {
    let app = TestApp::new();
    let service = app.service().await;
    let auth = (
        actix_web::http::header::AUTHORIZATION,
        format!("tma {}", init_data_for(9001, "Оля", NOW)),
    );
    let put = send(
        &service,
        TestRequest::put()
            .uri("/api/v1/app/me/consents")
            .insert_header(auth.clone())
            .set_json(json!({"consent_personal_data": true, "consent_app_push": true})),
    )
    .await;
    assert_eq!(put.0, 200, "{}", put.2);
    assert_eq!(put.2["consent_app_push"], true);
    let history = put.2["consent_history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    let client_id = put.2["id"].as_i64().expect("id");
    assert!(history
        .iter()
        .all(|e| e["actor"] == format!("client:{client_id}") && e["source"] == "mini_app"));
    let bad = send(
        &service,
        TestRequest::put()
            .uri("/api/v1/app/me/consents")
            .insert_header(auth)
            .set_json(json!({"points_balance": 5})),
    )
    .await;
    assert_problem(&bad, 422, "validation_failed");
}

/// Search treats `ё` and `е` as one letter, in the stored name and in the query, in any case.
#[actix_web::test]
async fn search_finds_yo_spelled_either_way() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    for (name, phone) in [
        ("Алёна Семёнова", "+79160000101"),
        ("Елена Семенова", "+79160000102"),
        ("Пётр Иванов", "+79160000103"),
    ] {
        let created = post(
            &service,
            &token,
            "/api/v1/admin/clients",
            json!({"full_name": name, "phone": phone}),
            None,
        )
        .await;
        assert_eq!(created.0, 201, "{}", created.2);
    }
    let search = |q: &str| {
        TestRequest::get()
            .uri(&format!(
                "/api/v1/admin/clients?sort=full_name&q={}",
                q.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
            ))
            .insert_header(bearer(&token))
    };
    for query in ["семенова", "СЕМЁНОВА", "семёнова"] {
        let found = send(&service, search(query)).await;
        assert_eq!(found.0, 200, "{}", found.2);
        let names: Vec<&str> = found.2["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["full_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Алёна Семёнова", "Елена Семенова"], "{query}");
    }
    let petr = send(&service, search("петр")).await;
    assert_eq!(petr.2["total"], 1, "{}", petr.2);
    assert_eq!(petr.2["items"][0]["full_name"], "Пётр Иванов");
}
