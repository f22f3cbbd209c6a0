//! The OpenAPI document says what the server does: the rules `crm_http::openapi` adds to what
//! paperclip derives, checked against real answers, and the product fixes the schemathesis run
//! (`make fuzz-api`, docs/api-fuzzing.md) led to.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::{header, Method};
use actix_web::test::{self, TestRequest};
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

async fn document<S, B>(service: &S) -> Value
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, content_type, doc) = send(service, TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    doc
}

/// Follows `$ref`s (and a nullable `allOf` wrapper) to the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return resolve(doc, &doc["components"]["schemas"][name]);
    }
    if let Some([inner]) = schema["allOf"].as_array().map(Vec::as_slice) {
        return resolve(doc, inner);
    }
    schema
}

fn ok_schema<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let schema =
        &doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "no 200 JSON schema for {method} {path}");
    resolve(doc, schema)
}

fn is_nullable(doc: &Value, property: &Value) -> bool {
    property["nullable"] == true || resolve(doc, property)["nullable"] == true
}

#[actix_web::test]
async fn every_null_in_a_client_card_is_documented_as_nullable() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let id = client(
        &service,
        &owner,
        json!({"full_name": "Анна Петрова", "phone": "+79161234567"}),
    )
    .await;
    let (status, _, card) = get(&service, &owner, &format!("/api/v1/admin/clients/{id}")).await;
    assert_eq!(status, 200, "{card}");
    let doc = document(&service).await;
    let schema = ok_schema(&doc, "/api/v1/admin/clients/{client_id}", "get");
    let mut nulls = 0;
    for (name, value) in card.as_object().expect("object") {
        let property = &schema["properties"][name];
        assert!(property.is_object(), "{name} is not documented");
        if value.is_null() {
            nulls += 1;
            assert!(
                is_nullable(&doc, property),
                "{name} is null but not nullable"
            );
        }
    }
    assert!(
        nulls > 0,
        "a bare client card has empty optional fields: {card}"
    );
    for required in schema["required"].as_array().expect("required") {
        let name = required.as_str().expect("name");
        assert!(!card[name].is_null(), "{name} is required but null");
    }
}

#[actix_web::test]
async fn request_bodies_are_closed_and_errors_are_problem_json() {
    let app = TestApp::new();
    let service = app.service().await;
    let doc = document(&service).await;
    let update = &doc["components"]["schemas"]["UpdateClientRequest"];
    assert_eq!(update["additionalProperties"], false, "{update}");
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["code"].is_object());
    let mut errors = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("methods") {
            for (code, response) in operation["responses"].as_object().expect("responses") {
                if code.starts_with('4') || code.starts_with('5') {
                    errors += 1;
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {code}"
                    );
                }
            }
        }
    }
    assert!(errors > 100);
    // And the server does what the document says: an unknown field is refused.
    let (_, owner) = app.staff_token(Role::Owner);
    let refused = post(
        &service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна", "phone": "+79161234567", "shoe_size": 38}),
        None,
    )
    .await;
    assert_problem(&refused, 422, "validation_failed");
}

#[actix_web::test]
async fn an_unsupported_method_answers_405_with_the_allowed_methods() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    for (uri, allowed) in [
        ("/api/v1/admin/clients", "GET, POST"),
        ("/api/v1/admin/clients/1", "GET, PUT"),
    ] {
        let response = test::call_service(
            &service,
            TestRequest::default()
                .method(Method::TRACE)
                .uri(uri)
                .insert_header(bearer(&owner))
                .to_request(),
        )
        .await;
        assert_eq!(response.status().as_u16(), 405, "{uri}");
        assert_eq!(
            response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok()),
            Some(allowed),
            "{uri}"
        );
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
    }
}

#[actix_web::test]
async fn the_feedback_ratings_page_is_documented_with_its_own_schema() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let doc = document(&service).await;
    let feedback = ok_schema(&doc, "/api/v1/admin/feedback/ratings", "get");
    let analytics = ok_schema(&doc, "/api/v1/admin/analytics/ratings", "get");
    assert_ne!(feedback, analytics, "two DTOs shared one schema name");
    let (status, _, page) = get(&service, &owner, "/api/v1/admin/feedback/ratings").await;
    assert_eq!(status, 200, "{page}");
    for required in feedback["required"].as_array().expect("required") {
        let name = required.as_str().expect("name");
        assert!(page.get(name).is_some(), "{name} missing from {page}");
    }
    for name in page.as_object().expect("object").keys() {
        assert!(
            feedback["properties"][name].is_object(),
            "{name} undocumented"
        );
    }
}

#[actix_web::test]
async fn free_form_values_are_documented_as_any_json() {
    let app = TestApp::new();
    let service = app.service().await;
    let doc = document(&service).await;
    let page = ok_schema(&doc, "/api/v1/admin/system-settings/history", "get");
    let change = resolve(&doc, &page["properties"]["items"]["items"]);
    for field in ["old_value", "new_value"] {
        let property = &change["properties"][field];
        assert!(property.is_object(), "{field}: {change}");
        assert!(
            property.get("type").is_none(),
            "{field} holds flags, numbers and texts too: {property}"
        );
    }
}

#[actix_web::test]
async fn query_bounds_and_the_csv_answer_are_documented_and_enforced() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let doc = document(&service).await;
    let parameters = doc["paths"]["/api/v1/admin/clients"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let named = |name: &str| {
        parameters
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["schema"].clone())
            .expect("parameter")
    };
    assert_eq!(named("limit")["minimum"], 1);
    assert_eq!(named("limit")["maximum"], 500);
    assert_eq!(named("offset")["minimum"], 0);
    assert_eq!(named("offset")["maximum"], i64::MAX);
    let csv = &doc["paths"]["/api/v1/admin/employees/export.csv"]["get"]["responses"]["200"];
    assert!(csv["content"]["text/csv"].is_object(), "{csv}");
    // The CSV export holds every row, yet refuses a page it could never serve.
    for uri in [
        "/api/v1/admin/employees/export.csv?offset=9223372036854775808",
        "/api/v1/admin/employees/export.csv?limit=0",
    ] {
        let refused = get(&service, &owner, uri).await;
        assert_problem(&refused, 422, "validation_failed");
    }
    let response = test::call_service(
        &service,
        TestRequest::get()
            .uri("/api/v1/admin/employees/export.csv?offset=0")
            .insert_header(bearer(&owner))
            .to_request(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
}

#[actix_web::test]
async fn a_body_must_be_an_object_not_an_array_of_its_fields() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let client_id = client(&service, &owner, json!({"full_name": "Анна Петрова"})).await;
    let (status, _, purchase) = post(
        &service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": client_id, "total": 2500}),
        Some("purchase-1"),
    )
    .await;
    assert_eq!(status, 201, "{purchase}");
    let refund_uri = format!("/api/v1/admin/operations/{}/refund", purchase["id"]);
    // serde alone would read `[null, null]` as a refund of everything with no comment.
    let refused = post(
        &service,
        &owner,
        &refund_uri,
        json!([null, null]),
        Some("r-1"),
    )
    .await;
    assert_problem(&refused, 422, "validation_failed");
    assert_eq!(refused.2["errors"][0]["field"], "body", "{}", refused.2);
    let refused = post(
        &service,
        &owner,
        "/api/v1/admin/clients",
        json!(["Мария"]),
        None,
    )
    .await;
    assert_problem(&refused, 422, "validation_failed");
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(&refund_uri)
            .insert_header(bearer(&owner))
            .insert_header(("Idempotency-Key", "r-2"))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("[1,"),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");
    // Nothing was refunded: the purchase is still the last operation of the client.
    let (status, _, page) = get(
        &service,
        &owner,
        &format!("/api/v1/admin/operations?client_id={client_id}"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    // A real object still refunds.
    let (status, _, refund) = post(&service, &owner, &refund_uri, json!({}), Some("r-3")).await;
    assert_eq!(status, 201, "{refund}");
}
