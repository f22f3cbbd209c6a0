//! Goods, services, locations, stock movements and the link to purchases through the real app.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const PRODUCTS: &str = "/api/v1/admin/products";
const LOCATIONS: &str = "/api/v1/admin/products/locations";
const MOVEMENTS: &str = "/api/v1/admin/products/movements";

async fn create<S, B>(service: &S, token: &str, uri: &str, body: Value) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let created = post(service, token, uri, body, None).await;
    assert_eq!(created.0, 201, "{}", created.2);
    created.2["id"].as_i64().unwrap()
}

fn movement_uri(product: i64) -> String {
    format!("{PRODUCTS}/{product}/movements")
}

#[actix_web::test]
async fn the_catalogue_is_searched_filtered_updated_and_archived() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (_, master) = app.staff_token(Role::Master);

    let beans = post(
        &service,
        &manager,
        PRODUCTS,
        json!({"name": " Кофе в зёрнах ", "category": "coffee", "price": 1299.9,
               "cost_price": "600", "unit": "kg", "sku": "BEANS-1", "barcode": "4600000000011",
               "low_stock_threshold": 2.5, "photo_url": "https://example.com/b.jpg"}),
        None,
    )
    .await;
    assert_eq!(beans.0, 201, "{}", beans.2);
    assert_eq!(beans.2["type"], "product");
    assert_eq!(beans.2["name"], "Кофе в зёрнах");
    assert_eq!(beans.2["price"], 1299.9);
    assert_eq!(beans.2["low_stock_threshold"], 2.5);
    assert_eq!(beans.2["active"], true);
    let beans_id = beans.2["id"].as_i64().unwrap();
    let haircut = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"type": "service", "name": "Haircut", "price": 1500, "duration_minutes": 45,
               "category": "salon"}),
    )
    .await;
    create(
        &service,
        &manager,
        PRODUCTS,
        json!({"name": "Tea", "price": 300, "category": "coffee", "sku": "TEA-1"}),
    )
    .await;

    let found = get(
        &service,
        &master,
        &format!("{PRODUCTS}?q=%D0%9A%D0%9E%D0%A4%D0%95"),
    )
    .await;
    assert_eq!(found.0, 200, "{}", found.2);
    assert_eq!(found.2["total"], 1);
    assert_eq!(found.2["items"][0]["id"], beans_id);
    let by_barcode = get(&service, &master, &format!("{PRODUCTS}?q=4600000000011")).await;
    assert_eq!(by_barcode.2["items"][0]["id"], beans_id);
    let services = get(&service, &master, &format!("{PRODUCTS}?type=service")).await;
    assert_eq!(services.2["total"], 1);
    assert_eq!(services.2["items"][0]["duration_minutes"], 45);
    let coffee = get(
        &service,
        &master,
        &format!("{PRODUCTS}?category=coffee&limit=1&offset=1"),
    )
    .await;
    assert_eq!(coffee.2["total"], 2);
    assert_eq!(coffee.2["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        coffee.2["items"][0]["name"], "Кофе в зёрнах",
        "sorted by name (Latin before Cyrillic)"
    );

    let one = get(&service, &master, &format!("{PRODUCTS}/{haircut}")).await;
    assert_eq!(one.2["name"], "Haircut");

    let updated = send(
        &service,
        TestRequest::put()
            .uri(&format!("{PRODUCTS}/{beans_id}"))
            .insert_header(bearer(&manager))
            .set_json(json!({"price": 1399, "barcode": null, "description": "Arabica"})),
    )
    .await;
    assert_eq!(updated.0, 200, "{}", updated.2);
    assert_eq!(updated.2["price"], 1399.0);
    assert_eq!(updated.2["barcode"], Value::Null);
    assert_eq!(updated.2["sku"], "BEANS-1", "absent fields stay");

    let archived = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{PRODUCTS}/{haircut}"))
            .insert_header(bearer(&manager)),
    )
    .await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    assert_eq!(archived.2["active"], false);
    let active = get(&service, &master, PRODUCTS).await;
    assert_eq!(active.2["total"], 2);
    let gone = get(&service, &master, &format!("{PRODUCTS}?state=archived")).await;
    assert_eq!(gone.2["items"][0]["id"], haircut);
    let all = get(&service, &master, &format!("{PRODUCTS}?state=all")).await;
    assert_eq!(all.2["total"], 3);

    // Reading is for every staff role, writing is not.
    let refused = post(
        &service,
        &master,
        PRODUCTS,
        json!({"name": "X", "price": 1}),
        None,
    )
    .await;
    assert_problem(&refused, 403, "forbidden");
    let (_, cashier) = app.staff_token(Role::Cashier);
    let refused = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{PRODUCTS}/{beans_id}"))
            .insert_header(bearer(&cashier)),
    )
    .await;
    assert_problem(&refused, 403, "forbidden");
    let anonymous = send(&service, TestRequest::get().uri(PRODUCTS)).await;
    assert_eq!(anonymous.0, 401);
}

#[actix_web::test]
async fn bad_cards_are_refused_and_write_nothing() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Admin);
    create(
        &service,
        &token,
        PRODUCTS,
        json!({"name": "Beans", "price": 10, "sku": "B-1"}),
    )
    .await;

    let clash = post(
        &service,
        &token,
        PRODUCTS,
        json!({"name": "Other", "price": 10, "sku": "B-1"}),
        None,
    )
    .await;
    assert_problem(&clash, 409, "duplicate_product");
    assert_eq!(clash.2["errors"][0]["field"], "sku");

    for (body, field) in [
        (json!({"name": "x".repeat(201), "price": 1}), "name"),
        (json!({"name": "A", "price": -1}), "price"),
        (json!({"name": "A", "price": 1.234}), "price"),
        (json!({"name": "A", "price": "abc"}), "price"),
        (json!({"name": "A", "price": 1, "type": "thing"}), "type"),
        (
            json!({"name": "A", "price": 1, "duration_minutes": 30}),
            "duration_minutes",
        ),
        (
            json!({"name": "A", "price": 1, "sku": "s".repeat(65)}),
            "sku",
        ),
        (
            json!({"name": "A", "price": 1, "category": "c".repeat(101)}),
            "category",
        ),
        (
            json!({"name": "A", "price": 1, "low_stock_threshold": "lots"}),
            "low_stock_threshold",
        ),
        (json!({"name": "A", "price": 1, "stock": 5}), "stock"),
    ] {
        let refused = post(&service, &token, PRODUCTS, body.clone(), None).await;
        assert_eq!(refused.0, 422, "{body}: {}", refused.2);
        assert!(
            refused.2["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{body}: {}",
            refused.2
        );
    }
    let list = get(&service, &token, &format!("{PRODUCTS}?state=all")).await;
    assert_eq!(list.2["total"], 1, "nothing written");

    let missing = get(&service, &token, &format!("{PRODUCTS}/999")).await;
    assert_problem(&missing, 404, "product_not_found");
    let not_an_id = get(&service, &token, &format!("{PRODUCTS}/abc")).await;
    assert_eq!(not_an_id.0, 404, "{}", not_an_id.2);
    let update_missing = send(
        &service,
        TestRequest::put()
            .uri(&format!("{PRODUCTS}/999"))
            .insert_header(bearer(&token))
            .set_json(json!({"name": "X"})),
    )
    .await;
    assert_problem(&update_missing, 404, "product_not_found");
    let bad_query = get(&service, &token, &format!("{PRODUCTS}?state=gone&limit=0")).await;
    assert_problem(&bad_query, 422, "validation_failed");

    let bad_location = post(
        &service,
        &token,
        LOCATIONS,
        json!({"kind": "shop", "name": ""}),
        None,
    )
    .await;
    assert_problem(&bad_location, 422, "validation_failed");
}

#[actix_web::test]
async fn movements_keep_the_stock_and_refuse_bad_input_writing_nothing() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (cashier_id, cashier) = app.staff_token(Role::Cashier);
    let (_, master) = app.staff_token(Role::Master);
    let beans = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"name": "Beans", "price": 20, "cost_price": 8.5, "unit": "kg",
               "low_stock_threshold": 1}),
    )
    .await;
    let haircut = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"type": "service", "name": "Haircut", "price": 15}),
    )
    .await;
    let old = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"name": "Old", "price": 1}),
    )
    .await;
    let store = create(
        &service,
        &manager,
        LOCATIONS,
        json!({"kind": "warehouse", "name": "Store", "address": "Main st. 1"}),
    )
    .await;
    let shop = create(
        &service,
        &manager,
        LOCATIONS,
        json!({"kind": "point_of_sale", "name": "Shop"}),
    )
    .await;
    let locations = get(&service, &master, LOCATIONS).await;
    assert_eq!(locations.2["total"], 2);
    assert_eq!(locations.2["items"][1]["kind"], "point_of_sale");

    let receipt = post(
        &service,
        &cashier,
        &movement_uri(beans),
        json!({"type": "receipt", "location_id": store, "quantity": 10.5, "unit_cost": 8,
               "comment": "delivery"}),
        None,
    )
    .await;
    assert_eq!(receipt.0, 201, "{}", receipt.2);
    assert_eq!(receipt.2["movements"][0]["quantity"], 10.5);
    assert_eq!(receipt.2["movements"][0]["unit_cost"], 8.0);
    assert_eq!(receipt.2["movements"][0]["employee_id"], cashier_id);
    assert_eq!(receipt.2["stock"]["quantity"], 10.5);

    let transfer = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "transfer", "location_id": store, "to_location_id": shop,
               "quantity": "4.25"}),
        None,
    )
    .await;
    assert_eq!(transfer.0, 201, "{}", transfer.2);
    assert_eq!(transfer.2["movements"][0]["quantity"], -4.25);
    assert_eq!(transfer.2["movements"][1]["quantity"], 4.25);
    assert_eq!(transfer.2["movements"][1]["counterpart_location_id"], store);

    let write_off = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "write_off", "location_id": shop, "quantity": 0.25, "reason": "spilt"}),
        None,
    )
    .await;
    assert_eq!(write_off.0, 201, "{}", write_off.2);
    let count = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "adjustment", "location_id": shop, "quantity": 1}),
        None,
    )
    .await;
    assert_eq!(count.0, 201, "{}", count.2);
    assert_eq!(count.2["movements"][0]["quantity"], -3.0, "4 counted as 1");
    let back = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "return", "location_id": shop, "quantity": 1}),
        None,
    )
    .await;
    assert_eq!(back.0, 201, "{}", back.2);

    let stock = get(&service, &master, &format!("{PRODUCTS}/{beans}/stock")).await;
    assert_eq!(stock.0, 200, "{}", stock.2);
    assert_eq!(stock.2["quantity"], 8.25);
    assert_eq!(stock.2["reserved"], 0.0);
    assert_eq!(stock.2["available"], 8.25);
    assert_eq!(
        stock.2["value_at_cost"], 70.13,
        "8.25 × 8.50 = 70.125, half up"
    );
    assert_eq!(stock.2["unit"], "kg");
    assert_eq!(stock.2["locations"][0]["location_name"], "Store");
    assert_eq!(stock.2["locations"][0]["quantity"], 6.25);
    assert_eq!(stock.2["locations"][1]["quantity"], 2.0);
    assert_eq!(stock.2["locations"][1]["low_stock"], false);
    assert!(stock.2["last_movement_at"].is_string());

    let before = get(&service, &master, MOVEMENTS).await.2["total"].clone();
    assert_eq!(before, 6);
    let refusals: Vec<(Value, String, u16, &str)> = vec![
        (
            json!({"type": "receipt", "location_id": store, "quantity": 0}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "receipt", "location_id": store, "quantity": -1}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "receipt", "location_id": store, "quantity": "ten"}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "receipt", "location_id": store, "quantity": 1.0001}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "receipt", "location_id": store, "quantity": true}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "transfer", "location_id": store, "to_location_id": store, "quantity": 1}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "transfer", "location_id": store, "quantity": 1}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "write_off", "location_id": store, "quantity": 1}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "write_off", "location_id": store, "quantity": 1, "reason": "r".repeat(501)}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "sale", "location_id": store, "quantity": 1, "comment": "c".repeat(501)}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "teleport", "location_id": store, "quantity": 1}),
            movement_uri(beans),
            422,
            "validation_failed",
        ),
        (
            json!({"type": "write_off", "location_id": shop, "quantity": 2.001, "reason": "x"}),
            movement_uri(beans),
            422,
            "insufficient_stock",
        ),
        (
            json!({"type": "transfer", "location_id": shop, "to_location_id": store, "quantity": 3}),
            movement_uri(beans),
            422,
            "insufficient_stock",
        ),
        (
            json!({"type": "receipt", "location_id": 999, "quantity": 1}),
            movement_uri(beans),
            404,
            "location_not_found",
        ),
        (
            json!({"type": "transfer", "location_id": store, "to_location_id": 999, "quantity": 1}),
            movement_uri(beans),
            404,
            "location_not_found",
        ),
        (
            json!({"type": "receipt", "location_id": store, "quantity": 1}),
            movement_uri(999),
            404,
            "product_not_found",
        ),
        (
            json!({"type": "receipt", "location_id": store, "quantity": 1}),
            movement_uri(haircut),
            422,
            "product_not_stockable",
        ),
    ];
    for (body, uri, status, code) in refusals {
        let refused = post(&service, &manager, &uri, body.clone(), None).await;
        assert_eq!(refused.0, status, "{body}: {}", refused.2);
        assert_eq!(refused.2["code"], code, "{body}: {}", refused.2);
    }
    let nowhere = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "transfer", "location_id": store, "to_location_id": 999, "quantity": 1}),
        None,
    )
    .await;
    assert_problem(&nowhere, 404, "location_not_found");
    assert_eq!(nowhere.2["errors"][0]["field"], "to_location_id");
    let short = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "sale", "location_id": shop, "quantity": 5}),
        None,
    )
    .await;
    assert_problem(&short, 422, "insufficient_stock");
    assert_eq!(short.2["errors"][0]["field"], "quantity");

    let archived = send(
        &service,
        TestRequest::delete()
            .uri(&format!("{PRODUCTS}/{old}"))
            .insert_header(bearer(&manager)),
    )
    .await;
    assert_eq!(archived.0, 200);
    let on_archived = post(
        &service,
        &manager,
        &movement_uri(old),
        json!({"type": "receipt", "location_id": store, "quantity": 1}),
        None,
    )
    .await;
    assert_problem(&on_archived, 422, "product_archived");
    let by_master = post(
        &service,
        &master,
        &movement_uri(beans),
        json!({"type": "receipt", "location_id": store, "quantity": 1}),
        None,
    )
    .await;
    assert_problem(&by_master, 403, "forbidden");
    let service_stock = get(&service, &master, &format!("{PRODUCTS}/{haircut}/stock")).await;
    assert_problem(&service_stock, 422, "product_not_stockable");
    let no_stock = get(&service, &master, &format!("{PRODUCTS}/999/stock")).await;
    assert_problem(&no_stock, 404, "product_not_found");

    let after = get(&service, &master, MOVEMENTS).await;
    assert_eq!(after.2["total"], before, "refusals write nothing");
    let stock_after = get(&service, &master, &format!("{PRODUCTS}/{beans}/stock")).await;
    assert_eq!(stock_after.2["quantity"], 8.25);

    // Filters: product, location, type, period.
    let at_shop = get(
        &service,
        &master,
        &format!("{MOVEMENTS}?product_id={beans}&location_id={shop}&limit=2"),
    )
    .await;
    assert_eq!(at_shop.2["total"], 4);
    assert_eq!(at_shop.2["items"][0]["type"], "return", "newest first");
    let transfers = get(&service, &master, &format!("{MOVEMENTS}?type=transfer")).await;
    assert_eq!(transfers.2["total"], 2);
    let later = get(
        &service,
        &master,
        &format!("{MOVEMENTS}?from=2026-11-24T12:00:01Z"),
    )
    .await;
    assert_eq!(later.2["total"], 0);
    let bad_filter = get(&service, &master, &format!("{MOVEMENTS}?type=gift")).await;
    assert_problem(&bad_filter, 422, "validation_failed");
    let bad_time = get(&service, &master, &format!("{MOVEMENTS}?from=yesterday")).await;
    assert_eq!(bad_time.0, 400, "{}", bad_time.2);
}

#[actix_web::test]
async fn parallel_write_offs_cannot_overdraw() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Manager);
    let beans = create(
        &service,
        &token,
        PRODUCTS,
        json!({"name": "Beans", "price": 1}),
    )
    .await;
    let store = create(&service, &token, LOCATIONS, json!({"name": "Store"})).await;
    let receipt = post(
        &service,
        &token,
        &movement_uri(beans),
        json!({"type": "receipt", "location_id": store, "quantity": 5}),
        None,
    )
    .await;
    assert_eq!(receipt.0, 201);
    let uri = movement_uri(beans);
    let requests = (0..12).map(|_| {
        post(
            &service,
            &token,
            &uri,
            json!({"type": "write_off", "location_id": store, "quantity": 1, "reason": "test"}),
            None,
        )
    });
    let results = futures_util::future::join_all(requests).await;
    let written = results.iter().filter(|r| r.0 == 201).count();
    assert_eq!(
        written,
        5,
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.0 != 201) {
        assert_problem(r, 422, "insufficient_stock");
    }
    let stock = get(&service, &token, &format!("{PRODUCTS}/{beans}/stock")).await;
    assert_eq!(stock.2["quantity"], 0.0);
}

#[actix_web::test]
async fn a_purchase_with_items_sells_them_in_its_transaction() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, manager) = app.staff_token(Role::Manager);
    let (_, cashier) = app.staff_token(Role::Cashier);
    let client = create(
        &service,
        &cashier,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна", "phone": "+79160000001"}),
    )
    .await;
    let beans = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"name": "Beans", "price": 10}),
    )
    .await;
    let haircut = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"type": "service", "name": "Haircut", "price": 15}),
    )
    .await;
    let shop = create(
        &service,
        &manager,
        LOCATIONS,
        json!({"kind": "point_of_sale", "name": "Shop"}),
    )
    .await;
    post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "receipt", "location_id": shop, "quantity": 3}),
        None,
    )
    .await;

    let bought = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 20, "location_id": shop,
               "items": [{"product_id": beans, "quantity": 2}]}),
        None,
    )
    .await;
    assert_eq!(bought.0, 201, "{}", bought.2);
    let operation = bought.2["id"].as_i64().unwrap();
    let sales = get(&service, &cashier, &format!("{MOVEMENTS}?type=sale")).await;
    assert_eq!(sales.2["total"], 1);
    assert_eq!(sales.2["items"][0]["operation_id"], operation);
    assert_eq!(sales.2["items"][0]["quantity"], -2.0);
    let stock = get(&service, &cashier, &format!("{PRODUCTS}/{beans}/stock")).await;
    assert_eq!(stock.2["quantity"], 1.0);

    let short = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 20, "location_id": shop,
               "items": [{"product_id": beans, "quantity": 0.5},
                         {"product_id": beans, "quantity": 1}]}),
        None,
    )
    .await;
    assert_problem(&short, 422, "insufficient_stock");
    assert_eq!(short.2["errors"][0]["field"], "items[1].quantity");
    let operations = get(&service, &cashier, "/api/v1/admin/operations").await;
    assert_eq!(
        operations.2["total"], 1,
        "the refused purchase wrote nothing"
    );
    let stock = get(&service, &cashier, &format!("{PRODUCTS}/{beans}/stock")).await;
    assert_eq!(stock.2["quantity"], 1.0, "nor did its first line");

    for (body, code, field) in [
        (
            json!({"client_id": client, "total": 20, "items": [{"product_id": beans, "quantity": 1}]}),
            "validation_failed",
            "location_id",
        ),
        (
            json!({"client_id": client, "total": 20, "location_id": shop,
                   "items": [{"product_id": beans, "quantity": 0}]}),
            "validation_failed",
            "items[0].quantity",
        ),
        (
            json!({"client_id": client, "total": 20, "location_id": shop,
                   "items": [{"product_id": beans, "quantity": "x"}]}),
            "validation_failed",
            "items[0].quantity",
        ),
        (
            json!({"client_id": client, "total": 20, "location_id": shop,
                   "items": [{"product_id": haircut, "quantity": 1}]}),
            "product_not_stockable",
            "items[0].product_id",
        ),
        (
            json!({"client_id": client, "total": 20, "location_id": shop,
                   "items": [{"product_id": 999, "quantity": 1}]}),
            "product_not_found",
            "items[0].product_id",
        ),
        (
            json!({"client_id": client, "total": 20, "location_id": 999,
                   "items": [{"product_id": beans, "quantity": 1}]}),
            "location_not_found",
            "location_id",
        ),
    ] {
        let refused = post(
            &service,
            &cashier,
            "/api/v1/admin/operations",
            body.clone(),
            None,
        )
        .await;
        assert_problem(&refused, 422, code);
        assert_eq!(
            refused.2["errors"][0]["field"], field,
            "{body}: {}",
            refused.2
        );
    }
    let operations = get(&service, &cashier, "/api/v1/admin/operations").await;
    assert_eq!(operations.2["total"], 1);

    // A purchase without items still needs no location.
    let plain = post(
        &service,
        &cashier,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 5}),
        None,
    )
    .await;
    assert_eq!(plain.0, 201, "{}", plain.2);
}

#[actix_web::test]
async fn negative_stock_is_a_setting_for_owners_and_admins() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, admin) = app.staff_token(Role::Admin);
    let (_, manager) = app.staff_token(Role::Manager);
    let settings = "/api/v1/admin/products/settings";
    let current = get(&service, &manager, settings).await;
    assert_eq!(current.2["allow_negative_stock"], false);
    let put = |token: &str, body: Value| {
        TestRequest::put()
            .uri(settings)
            .insert_header(bearer(token))
            .set_json(body)
    };
    let refused = send(
        &service,
        put(&manager, json!({"allow_negative_stock": true})),
    )
    .await;
    assert_problem(&refused, 403, "forbidden");
    let bad = send(
        &service,
        put(&admin, json!({"allow_negative_stock": "yes"})),
    )
    .await;
    assert!(bad.0 == 400 || bad.0 == 422, "{}", bad.2);
    let changed = send(&service, put(&admin, json!({"allow_negative_stock": true}))).await;
    assert_eq!(changed.0, 200, "{}", changed.2);
    assert_eq!(changed.2["allow_negative_stock"], true);
    let history = get(&service, &admin, "/api/v1/admin/system-settings/history").await;
    assert_eq!(
        history.2["items"][0]["field"],
        "inventory.allow_negative_stock"
    );

    let beans = create(
        &service,
        &manager,
        PRODUCTS,
        json!({"name": "Beans", "price": 1}),
    )
    .await;
    let store = create(&service, &manager, LOCATIONS, json!({"name": "Store"})).await;
    let overdrawn = post(
        &service,
        &manager,
        &movement_uri(beans),
        json!({"type": "sale", "location_id": store, "quantity": 2}),
        None,
    )
    .await;
    assert_eq!(overdrawn.0, 201, "{}", overdrawn.2);
    assert_eq!(overdrawn.2["stock"]["quantity"], -2.0);
}

#[actix_web::test]
async fn every_product_route_is_documented() {
    let app = TestApp::new();
    let service = app.service().await;
    let spec = send(&service, TestRequest::get().uri("/openapi.json"))
        .await
        .2;
    for (path, method) in [
        ("/api/v1/admin/products", "get"),
        ("/api/v1/admin/products", "post"),
        ("/api/v1/admin/products/{product_id}", "get"),
        ("/api/v1/admin/products/{product_id}", "put"),
        ("/api/v1/admin/products/{product_id}", "delete"),
        ("/api/v1/admin/products/locations", "get"),
        ("/api/v1/admin/products/locations", "post"),
        ("/api/v1/admin/products/movements", "get"),
        ("/api/v1/admin/products/settings", "get"),
        ("/api/v1/admin/products/settings", "put"),
        ("/api/v1/admin/products/{product_id}/stock", "get"),
        ("/api/v1/admin/products/{product_id}/movements", "post"),
    ] {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} is not in /openapi.json"
        );
    }
}
