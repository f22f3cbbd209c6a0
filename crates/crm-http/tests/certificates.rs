//! Gift certificates through the real app over a real SQLite file: types, roles, sales,
//! look-up by code in any spelling, the derived status, list filters and `sold_total`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const CERTIFICATES: &str = "/api/v1/admin/certificates";
const TYPES: &str = "/api/v1/admin/certificates/types";
const DAY: i64 = 86_400;

type Reply = (u16, String, Value);

async fn post<S, B>(service: &S, token: &str, uri: &str, body: Value) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    send(
        service,
        TestRequest::post()
            .uri(uri)
            .insert_header(bearer(token))
            .set_json(body),
    )
    .await
}

async fn get<S, B>(service: &S, token: &str, uri: &str) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    send(
        service,
        TestRequest::get().uri(uri).insert_header(bearer(token)),
    )
    .await
}

/// Defines a type as `token` and returns its id.
async fn define<S, B>(service: &S, token: &str, body: Value) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, created) = post(service, token, TYPES, body).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

/// Registers a client and returns their id.
async fn client<S, B>(service: &S, token: &str, name: &str) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, created) = post(
        service,
        token,
        "/api/v1/admin/clients",
        json!({ "full_name": name }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

fn assert_field(reply: &Reply, status: u16, code: &str, field: &str) {
    assert_problem(reply, status, code);
    let fields: Vec<&str> = reply.2["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.contains(&field), "{field} not in {}", reply.2);
}

fn is_grouped_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 4
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
        })
}

#[actix_web::test]
async fn an_admin_defines_a_type_and_a_cashier_sells_it() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let (cashier_id, cashier) = app.staff_token(Role::Cashier);
    let (status, _, kind) = post(
        &service,
        &admin,
        TYPES,
        json!({"name": " Подарочный 3000 ", "nominal": 3000, "price": "2700.50",
               "validity_days": 90}),
    )
    .await;
    assert_eq!(status, 201, "{kind}");
    assert_eq!(
        kind,
        json!({"id": kind["id"], "name": "Подарочный 3000", "nominal": 3000.0,
               "price": 2700.5, "validity_days": 90, "archived_at": null,
               "created_at": "2026-11-24T12:00:00Z", "updated_at": "2026-11-24T12:00:00Z"})
    );
    let owner = client(&service, &cashier, "Анна").await;

    let (status, _, sold) = post(
        &service,
        &cashier,
        CERTIFICATES,
        json!({"type_id": kind["id"], "owner_client_id": owner, "comment": " на юбилей "}),
    )
    .await;
    assert_eq!(status, 201, "{sold}");
    let code = sold["code"].as_str().unwrap().to_owned();
    assert!(is_grouped_code(&code), "{code}");
    assert_eq!(
        sold,
        json!({"id": sold["id"], "code": code, "type_id": kind["id"],
               "owner_client_id": owner, "nominal": 3000.0, "balance": 3000.0,
               "price": 2700.5, "status": "active", "issued_at": "2026-11-24T12:00:00Z",
               "expires_at": "2027-02-22T12:00:00Z", "sold_by": cashier_id,
               "comment": "на юбилей"})
    );

    // A bearer certificate: no owner.
    let (status, _, bearer_cert) = post(
        &service,
        &cashier,
        CERTIFICATES,
        json!({"type_id": kind["id"]}),
    )
    .await;
    assert_eq!(status, 201, "{bearer_cert}");
    assert_eq!(bearer_cert["owner_client_id"], Value::Null);
    assert_ne!(bearer_cert["code"], sold["code"]);

    let (status, _, list) = get(&service, &cashier, CERTIFICATES).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 2);
    assert_eq!(
        (list["limit"].as_i64(), list["offset"].as_i64()),
        (Some(50), Some(0))
    );
    assert_eq!(list["sold_total"], 5401.0);
    assert_eq!(list["items"][0]["id"], bearer_cert["id"], "newest first");
    assert_eq!(list["items"][1], sold);
}

#[actix_web::test]
async fn roles_decide_who_sells_and_who_defines_types() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, manager) = app.staff_token(Role::Manager);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let (_, master) = app.staff_token(Role::Master);
    let type_body = json!({"name": "На 1000", "nominal": 1000, "price": 1000, "validity_days": 30});
    let type_id = define(&service, &owner, type_body.clone()).await;

    assert_problem(
        &post(&service, &cashier, TYPES, type_body.clone()).await,
        403,
        "forbidden",
    );
    assert_problem(
        &post(&service, &manager, TYPES, type_body.clone()).await,
        403,
        "forbidden",
    );
    let put = send(
        &service,
        TestRequest::put()
            .uri(&format!("{TYPES}/{type_id}"))
            .insert_header(bearer(&cashier))
            .set_json(json!({"price": 1})),
    )
    .await;
    assert_problem(&put, 403, "forbidden");
    let delete = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{TYPES}/{type_id}"))
            .insert_header(bearer(&manager)),
    )
    .await;
    assert_problem(&delete, 403, "forbidden");

    let sale = json!({"type_id": type_id});
    assert_problem(
        &post(&service, &master, CERTIFICATES, sale.clone()).await,
        403,
        "forbidden",
    );
    let (status, _, sold) = post(&service, &manager, CERTIFICATES, sale.clone()).await;
    assert_eq!(status, 201, "{sold}");

    // Every staff role reads, masters included.
    let (status, _, list) = get(&service, &master, CERTIFICATES).await;
    assert_eq!((status, list["total"].as_i64()), (200, Some(1)), "{list}");
    let (status, _, types) = get(&service, &master, TYPES).await;
    assert_eq!((status, types["total"].as_i64()), (200, Some(1)), "{types}");
    let code = sold["code"].as_str().unwrap();
    let (status, _, _) = get(&service, &master, &format!("{CERTIFICATES}/{code}")).await;
    assert_eq!(status, 200);

    // No token: 401 everywhere.
    for request in [
        TestRequest::get().uri(CERTIFICATES),
        TestRequest::post().uri(CERTIFICATES).set_json(sale.clone()),
        TestRequest::get().uri(TYPES),
        TestRequest::post().uri(TYPES).set_json(type_body.clone()),
        TestRequest::get().uri(&format!("{CERTIFICATES}/{code}")),
    ] {
        assert_problem(&send(&service, request).await, 401, "unauthenticated");
    }
    // A client token is not a staff token.
    let (status, _, signed_in) = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/auth/telegram/verify")
            .set_json(json!({"init_data": init_data_for(42, "Гость", NOW)})),
    )
    .await;
    assert_eq!(status, 200, "{signed_in}");
    let client_token = signed_in["access_token"].as_str().unwrap();
    assert_problem(
        &get(&service, client_token, CERTIFICATES).await,
        403,
        "forbidden",
    );
    assert_problem(
        &post(&service, client_token, CERTIFICATES, sale).await,
        403,
        "forbidden",
    );
}

#[actix_web::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let valid = json!({"name": "На 1000", "nominal": 1000, "price": 900, "validity_days": 30});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };

    for (body, field) in [
        (with("nominal", json!(0)), "nominal"),
        (with("nominal", json!(-5)), "nominal"),
        (with("price", json!(10.999)), "price"),
        (with("price", json!("12.345")), "price"),
        (with("validity_days", json!(0)), "validity_days"),
        (with("validity_days", json!(3651)), "validity_days"),
        (with("validity_days", json!(1.5)), "validity_days"),
        (with("name", json!("  ")), "name"),
        (with("name", json!("x".repeat(101))), "name"),
        (
            with("archived_at", json!("2026-11-24T12:00:00Z")),
            "archived_at",
        ),
    ] {
        let reply = post(&service, &admin, TYPES, body.clone()).await;
        assert_field(&reply, 422, "validation_failed", field);
    }
    let reply = post(&service, &admin, TYPES, json!({"name": "x", "nominal": 1})).await;
    assert_field(&reply, 422, "validation_failed", "price");

    let malformed = send(
        &service,
        TestRequest::post()
            .uri(TYPES)
            .insert_header(bearer(&admin))
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"name\": \"x\", "),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(CERTIFICATES)
            .insert_header(bearer(&admin))
            .insert_header(("content-type", "application/json"))
            .set_payload("[1,"),
    )
    .await;
    assert_problem(&malformed, 400, "malformed_json");

    // Sales: the type must exist and be on sale; the owner must be a client.
    let type_id = define(&service, &admin, valid.clone()).await;
    let archived_id = define(&service, &admin, valid.clone()).await;
    let (status, _, archived) = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{TYPES}/{archived_id}"))
            .insert_header(bearer(&admin)),
    )
    .await;
    assert_eq!(status, 200, "{archived}");
    assert_eq!(archived["archived_at"], "2026-11-24T12:00:00Z");

    let sell = |body: Value| post(&service, &admin, CERTIFICATES, body);
    assert_field(
        &sell(json!({"type_id": 999})).await,
        422,
        "certificate_type_not_found",
        "type_id",
    );
    assert_field(
        &sell(json!({"type_id": archived_id})).await,
        422,
        "certificate_type_archived",
        "type_id",
    );
    assert_field(
        &sell(json!({"type_id": type_id, "owner_client_id": 999})).await,
        422,
        "client_not_found",
        "owner_client_id",
    );
    assert_field(&sell(json!({})).await, 422, "validation_failed", "type_id");
    assert_field(
        &sell(json!({"type_id": "one"})).await,
        422,
        "validation_failed",
        "type_id",
    );
    assert_field(
        &sell(json!({"type_id": type_id, "balance": 5})).await,
        422,
        "validation_failed",
        "balance",
    );
    assert_field(
        &sell(json!({"type_id": type_id, "comment": "x".repeat(501)})).await,
        422,
        "validation_failed",
        "comment",
    );
    let (_, _, list) = get(&service, &admin, CERTIFICATES).await;
    assert_eq!(list["total"], 0, "refused sales store nothing: {list}");

    // Query and path trouble.
    for query in [
        "status=used",
        "limit=0",
        "issued_from=2026-11-25T00:00:00Z&issued_to=2026-11-24T00:00:00Z",
    ] {
        let reply = get(&service, &admin, &format!("{CERTIFICATES}?{query}")).await;
        assert_problem(&reply, 422, "validation_failed");
    }
    let reply = get(
        &service,
        &admin,
        &format!("{CERTIFICATES}?issued_from=yesterday"),
    )
    .await;
    assert_problem(&reply, 400, "invalid_query");
    let put = |uri: String, body: Value| {
        send(
            &service,
            TestRequest::put()
                .uri(&uri)
                .insert_header(bearer(&admin))
                .set_json(body),
        )
    };
    assert_problem(
        &put(format!("{TYPES}/999"), json!({"price": 1})).await,
        404,
        "certificate_type_not_found",
    );
    assert_problem(
        &put(format!("{TYPES}/abc"), json!({"price": 1})).await,
        404,
        "not_found",
    );
    assert_field(
        &put(format!("{TYPES}/{type_id}"), json!({"nominal": 0})).await,
        422,
        "validation_failed",
        "nominal",
    );
}

#[actix_web::test]
async fn a_type_changes_by_field_and_archived_types_leave_the_list() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let first = define(
        &service,
        &owner,
        json!({"name": "На 1000", "nominal": 1000, "price": 1000, "validity_days": 30}),
    )
    .await;
    let second = define(
        &service,
        &owner,
        json!({"name": "На 5000", "nominal": 5000, "price": 4500, "validity_days": 365}),
    )
    .await;
    let (status, _, sold) = post(&service, &owner, CERTIFICATES, json!({"type_id": first})).await;
    assert_eq!(status, 201);
    app.clock.set(at(NOW + 60));
    let (status, _, updated) = send(
        &service,
        TestRequest::put()
            .uri(&format!("{TYPES}/{first}"))
            .insert_header(bearer(&owner))
            .set_json(json!({"nominal": 1500, "validity_days": 60})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (
            &updated["name"],
            &updated["nominal"],
            &updated["price"],
            &updated["validity_days"]
        ),
        (
            &json!("На 1000"),
            &json!(1500.0),
            &json!(1000.0),
            &json!(60)
        )
    );
    assert_eq!(updated["updated_at"], "2026-11-24T12:01:00Z");
    // A certificate already sold keeps its terms.
    let code = sold["code"].as_str().unwrap();
    let (_, _, again) = get(&service, &owner, &format!("{CERTIFICATES}/{code}")).await;
    assert_eq!(
        (&again["nominal"], &again["expires_at"]),
        (&json!(1000.0), &sold["expires_at"])
    );

    send(
        &service,
        TestRequest::delete()
            .uri(&format!("{TYPES}/{second}"))
            .insert_header(bearer(&owner)),
    )
    .await;
    let (_, _, on_sale) = get(&service, &owner, TYPES).await;
    assert_eq!(on_sale["total"], 1);
    assert_eq!(on_sale["items"][0]["id"], first);
    let (_, _, all) = get(&service, &owner, &format!("{TYPES}?include_archived=true")).await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["items"][1]["archived_at"], "2026-11-24T12:01:00Z");
    assert_problem(
        &send(
            &service,
            TestRequest::delete()
                .uri(&format!("{TYPES}/999"))
                .insert_header(bearer(&owner)),
        )
        .await,
        404,
        "certificate_type_not_found",
    );
}

#[actix_web::test]
async fn a_code_is_found_in_any_spelling_and_expires_with_time() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let week = define(
        &service,
        &admin,
        json!({"name": "Неделя", "nominal": 500, "price": 450, "validity_days": 7}),
    )
    .await;
    let (_, _, sold) = post(&service, &admin, CERTIFICATES, json!({"type_id": week})).await;
    let code = sold["code"].as_str().unwrap().to_owned();
    assert_eq!(sold["expires_at"], "2026-12-01T12:00:00Z");

    for spelling in [
        code.clone(),
        code.to_lowercase(),
        code.replace('-', ""),
        code.to_lowercase().replace('-', ""),
    ] {
        let (status, _, found) = get(&service, &admin, &format!("{CERTIFICATES}/{spelling}")).await;
        assert_eq!(status, 200, "{spelling}: {found}");
        assert_eq!(found, sold, "{spelling}");
    }
    assert_problem(
        &get(
            &service,
            &admin,
            &format!("{CERTIFICATES}/0000-0000-0000-0000"),
        )
        .await,
        404,
        "certificate_not_found",
    );
    assert_problem(
        &get(&service, &admin, &format!("{CERTIFICATES}/nonsense")).await,
        404,
        "certificate_not_found",
    );
    // `/types` is the type list, never a code.
    let (status, _, types) = get(&service, &admin, TYPES).await;
    assert_eq!((status, types["total"].as_i64()), (200, Some(1)));

    // One second before expiry it is active; at expiry and after, expired.
    // Tokens live an hour: sign in again after moving the clock.
    app.clock.set(at(NOW + 7 * DAY - 1));
    let (_, admin) = app.staff_token(Role::Admin);
    let (_, _, found) = get(&service, &admin, &format!("{CERTIFICATES}/{code}")).await;
    assert_eq!(found["status"], "active");
    app.clock.set(at(NOW + 7 * DAY));
    let (_, _, found) = get(
        &service,
        &admin,
        &format!("{CERTIFICATES}/{}", code.to_lowercase()),
    )
    .await;
    assert_eq!(found["status"], "expired");
    assert_eq!(found["balance"], 500.0);

    let (_, _, expired) = get(&service, &admin, &format!("{CERTIFICATES}?status=expired")).await;
    assert_eq!(expired["total"], 1);
    assert_eq!(expired["items"][0]["status"], "expired");
    assert_eq!(expired["sold_total"], 450.0);
    let (_, _, active) = get(&service, &admin, &format!("{CERTIFICATES}?status=active")).await;
    assert_eq!(
        (active["total"].as_i64(), &active["sold_total"]),
        (Some(0), &json!(0.0))
    );
}

#[actix_web::test]
async fn the_list_filters_by_owner_type_and_sale_time_and_sums_the_income() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let small = define(
        &service,
        &admin,
        json!({"name": "На 1000", "nominal": 1000, "price": 900, "validity_days": 30}),
    )
    .await;
    let big = define(
        &service,
        &admin,
        json!({"name": "На 5000", "nominal": 5000, "price": 4500.25, "validity_days": 30}),
    )
    .await;
    let anna = client(&service, &admin, "Анна").await;
    let boris = client(&service, &admin, "Борис").await;
    let mut ids = Vec::new();
    // Sold ten minutes apart (within the token's hour).
    for (step, type_id, owner) in [
        (0, small, Some(anna)),
        (1, big, Some(anna)),
        (2, big, Some(boris)),
        (3, small, None),
    ] {
        app.clock.set(at(NOW + step * 600));
        let (status, _, sold) = post(
            &service,
            &admin,
            CERTIFICATES,
            json!({"type_id": type_id, "owner_client_id": owner}),
        )
        .await;
        assert_eq!(status, 201, "{sold}");
        ids.push(sold["id"].as_i64().unwrap());
    }
    let listed = |reply: &Reply| -> Vec<i64> {
        reply.2["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };

    let all = get(&service, &admin, CERTIFICATES).await;
    assert_eq!(listed(&all), [ids[3], ids[2], ids[1], ids[0]]);
    assert_eq!(all.2["sold_total"], 10800.5);

    let annas = get(
        &service,
        &admin,
        &format!("{CERTIFICATES}?owner_client_id={anna}"),
    )
    .await;
    assert_eq!(listed(&annas), [ids[1], ids[0]]);
    assert_eq!(annas.2["sold_total"], 5400.25);

    let bigs = get(&service, &admin, &format!("{CERTIFICATES}?type_id={big}")).await;
    assert_eq!(listed(&bigs), [ids[2], ids[1]]);
    assert_eq!(bigs.2["sold_total"], 9000.5);

    let window = get(
        &service,
        &admin,
        &format!(
            "{CERTIFICATES}?issued_from=2026-11-24T12:10:00Z&issued_to=2026-11-24T15:25:00%2B03:00"
        ),
    )
    .await;
    assert_eq!(listed(&window), [ids[2], ids[1]]);
    assert_eq!(window.2["total"], 2);

    let paged = get(
        &service,
        &admin,
        &format!("{CERTIFICATES}?limit=1&offset=1&status=active"),
    )
    .await;
    assert_eq!(listed(&paged), [ids[2]]);
    assert_eq!(
        (
            &paged.2["total"],
            &paged.2["limit"],
            &paged.2["offset"],
            &paged.2["sold_total"]
        ),
        (&json!(4), &json!(1), &json!(1), &json!(10800.5))
    );
}

#[actix_web::test]
async fn the_routes_are_documented() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, _, spec) = send(&service, TestRequest::get().uri("/openapi.json")).await;
    let paths = &spec["paths"];
    for (path, methods) in [
        (CERTIFICATES, &["get", "post"][..]),
        (TYPES, &["get", "post"][..]),
        (
            "/api/v1/admin/certificates/types/{type_id}",
            &["put", "delete"][..],
        ),
        ("/api/v1/admin/certificates/{code}", &["get"][..]),
    ] {
        for method in methods {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
    }
    assert!(spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "Certificates"));
}
