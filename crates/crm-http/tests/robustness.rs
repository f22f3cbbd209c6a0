//! No request, however malformed, gets a 5xx or a body in another shape.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;

fn assert_client_error(result: &(u16, String, serde_json::Value), what: &str) {
    assert!(
        (400..500).contains(&result.0),
        "{what}: got {} {}",
        result.0,
        result.2
    );
    assert_eq!(result.1, "application/problem+json", "{what}: content type");
    assert_eq!(result.2["status"], result.0, "{what}: body {}", result.2);
    assert!(result.2["code"].is_string(), "{what}: code");
}

#[actix_web::test]
async fn malformed_bodies_are_client_errors() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let big_name = format!(r#"{{"full_name": "{}"}}"#, "я".repeat(10_000));
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let cases: Vec<(&str, String, u16)> = vec![
        ("truncated json", "{".into(), 400),
        ("not json", "full_name=Anna".into(), 400),
        ("array", "[]".into(), 422),
        ("null", "null".into(), 422),
        ("number for name", r#"{"full_name": 5}"#.into(), 422),
        ("missing name", r#"{"phone": "+79160000000"}"#.into(), 422),
        (
            "bool as phone",
            r#"{"full_name": "A", "phone": true}"#.into(),
            422,
        ),
        (
            "huge telegram id",
            r#"{"full_name": "A", "telegram_id": 1e30}"#.into(),
            422,
        ),
        (
            "overflowing telegram id",
            r#"{"full_name": "A", "telegram_id": 99999999999999999999}"#.into(),
            422,
        ),
        (
            "negative telegram id",
            r#"{"full_name": "A", "telegram_id": -5}"#.into(),
            422,
        ),
        (
            "tags not a list",
            r#"{"full_name": "A", "tags": "vip"}"#.into(),
            422,
        ),
        (
            "too many tags",
            format!(
                r#"{{"full_name": "A", "tags": [{}]}}"#,
                (0..30)
                    .map(|i| format!("\"t{i}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            422,
        ),
        ("long name", big_name, 422),
        (
            "control characters",
            r#"{"full_name": "A\u0000B"}"#.into(),
            422,
        ),
        ("deep nesting", deep.clone(), 422),
        (
            "deep nesting in a field",
            format!(r#"{{"full_name": "A", "tags": {deep}}}"#),
            422,
        ),
        (
            "duplicate field",
            r#"{"full_name": "A", "full_name": "B"}"#.into(),
            422,
        ),
        (
            "bad birthday",
            r#"{"full_name": "A", "birthday": "2025-02-30"}"#.into(),
            422,
        ),
        (
            "future birthday",
            r#"{"full_name": "A", "birthday": "2099-01-01"}"#.into(),
            422,
        ),
        ("empty body", String::new(), 400),
    ];
    for (what, body, status) in cases {
        let result = send(
            &service,
            TestRequest::post()
                .uri("/api/v1/admin/clients")
                .insert_header(bearer(&token))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body),
        )
        .await;
        assert_client_error(&result, what);
        assert_eq!(result.0, status, "{what}: {}", result.2);
    }
    let list = send(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(
        list.2["total"], 0,
        "nothing was stored by malformed requests"
    );
}

#[actix_web::test]
async fn wrong_media_types_and_oversized_bodies_are_refused() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let text = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&token))
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload(r#"{"full_name": "A"}"#),
    )
    .await;
    assert_problem(&text, 415, "unsupported_media_type");
    let huge = format!(
        r#"{{"full_name": "A", "notes": "{}"}}"#,
        "x".repeat(300 * 1024)
    );
    let too_big = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/admin/clients")
            .insert_header(bearer(&token))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(huge),
    )
    .await;
    assert_problem(&too_big, 413, "payload_too_large");
}

#[actix_web::test]
async fn sign_in_survives_junk() {
    let app = TestApp::new();
    let service = app.service().await;
    let long = format!(r#"{{"init_data": "{}"}}"#, "a=b&".repeat(5_000));
    let cases: Vec<(&str, String)> = vec![
        ("empty object", "{}".into()),
        ("number", r#"{"init_data": 5}"#.into()),
        ("null", r#"{"init_data": null}"#.into()),
        ("garbage", r#"{"init_data": "%%%%&&&==="}"#.into()),
        ("only hash", r#"{"init_data": "hash=abc"}"#.into()),
        ("very long", long),
        (
            "unicode",
            r#"{"init_data": "user=%F0%9F%98%80&hash=zz"}"#.into(),
        ),
        ("truncated", r#"{"init_data": "#.into()),
    ];
    for (what, body) in cases {
        let result = send(
            &service,
            TestRequest::post()
                .uri("/api/v1/auth/telegram/verify")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body),
        )
        .await;
        assert_client_error(&result, what);
    }
}

#[actix_web::test]
async fn odd_headers_routes_and_methods_are_client_errors() {
    let app = TestApp::new();
    let service = app.service().await;
    let header_cases: Vec<(&str, Vec<u8>)> = vec![
        ("non-utf8", vec![0xff, 0xfe, 0x42]),
        ("bearer with spaces", b"Bearer    ".to_vec()),
        ("unknown scheme", b"Token abc".to_vec()),
        ("three-part junk", b"Bearer a.b.c".to_vec()),
        ("tma junk", b"tma %%%".to_vec()),
    ];
    for (what, value) in header_cases {
        let value = header::HeaderValue::from_bytes(&value).expect("header value");
        let result = send(
            &service,
            TestRequest::get()
                .uri("/api/v1/admin/clients")
                .insert_header((header::AUTHORIZATION, value.clone())),
        )
        .await;
        assert_client_error(&result, what);
        assert_eq!(result.0, 401, "{what}");
        let app_route = send(
            &service,
            TestRequest::get()
                .uri("/api/v1/app/me")
                .insert_header((header::AUTHORIZATION, value)),
        )
        .await;
        assert_client_error(&app_route, what);
    }
    assert_problem(
        &send(&service, TestRequest::get().uri("/api/v1/nowhere")).await,
        404,
        "not_found",
    );
    assert_problem(
        &send(&service, TestRequest::delete().uri("/api/v1/admin/clients")).await,
        405,
        "method_not_allowed",
    );
    assert_problem(
        &send(
            &service,
            TestRequest::get().uri("/api/v1/auth/telegram/verify"),
        )
        .await,
        405,
        "method_not_allowed",
    );
    let docs_junk = send(&service, TestRequest::get().uri("/docs/../../etc/passwd")).await;
    assert!((400..500).contains(&docs_junk.0));
    let docs_missing = send(&service, TestRequest::get().uri("/docs/no-such-file.js")).await;
    assert_problem(&docs_missing, 404, "not_found");
}
