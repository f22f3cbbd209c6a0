//! Health, readiness, the OpenAPI document and Swagger UI.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use common::*;

#[actix_web::test]
async fn health_and_readiness_answer() {
    let app = TestApp::new();
    let service = app.service().await;
    let health = send(&service, TestRequest::get().uri("/health")).await;
    assert_eq!(health.0, 200);
    assert_eq!(health.2["status"], "ok");
    let ready = send(&service, TestRequest::get().uri("/ready")).await;
    assert_eq!(ready.0, 200);
    assert_eq!(ready.2["database"], "ok");
}

#[actix_web::test]
async fn readiness_fails_cleanly_when_the_database_is_gone() {
    let mut app = TestApp::new();
    app.state.readiness = std::sync::Arc::new(|| Err("disk on fire".to_owned()));
    let service = app.service().await;
    let ready = send(&service, TestRequest::get().uri("/ready")).await;
    assert_problem(&ready, 503, "not_ready");
    assert!(
        !ready.2.to_string().contains("disk on fire"),
        "internal causes are not sent"
    );
}

#[actix_web::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::new();
    let service = app.service().await;
    let spec = send(&service, TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(spec.0, 200);
    let doc = &spec.2;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "CRM and loyalty backend");
    let clients = &doc["paths"]["/api/v1/admin/clients"];
    assert!(clients["get"].is_object() && clients["post"].is_object());
    assert!(doc["paths"]["/api/v1/admin/clients/{client_id}"]["put"].is_object());
    assert!(doc["paths"]["/api/v1/auth/telegram/verify"]["post"].is_object());
    let schemes = &doc["components"]["securitySchemes"];
    assert!(
        schemes["staff_token"].is_object() && schemes["app_auth"].is_object(),
        "{schemes}"
    );
    let text = doc.to_string();
    assert!(
        text.contains("date-time"),
        "timestamps are documented as date-time"
    );
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::new();
    let service = app.service().await;
    let redirect = test::call_service(&service, TestRequest::get().uri("/docs").to_request()).await;
    assert_eq!(redirect.status().as_u16(), 308);
    assert_eq!(
        redirect
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/docs/")
    );
    let page = test::call_service(&service, TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
    assert!(html.contains("/openapi.json") && html.contains("swagger-ui-bundle.js"));
    let bundle = test::call_service(
        &service,
        TestRequest::get()
            .uri("/docs/swagger-ui-bundle.js")
            .to_request(),
    )
    .await;
    assert_eq!(bundle.status().as_u16(), 200);
    assert!(test::read_body(bundle).await.len() > 100_000);
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let mut app = TestApp::new();
    app.settings.cors_allow_origins = vec!["https://mini.example".into()];
    let service = app.service().await;
    let allowed = test::call_service(
        &service,
        TestRequest::get()
            .uri("/health")
            .insert_header((header::ORIGIN, "https://mini.example"))
            .to_request(),
    )
    .await;
    assert_eq!(
        allowed
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some("https://mini.example")
    );
    let other = test::call_service(
        &service,
        TestRequest::get()
            .uri("/health")
            .insert_header((header::ORIGIN, "https://evil.example"))
            .to_request(),
    )
    .await;
    assert!(other
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}
