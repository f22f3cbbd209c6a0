//! `/api/v1/admin/products`: goods and services, locations, stock levels and movements.
//!
//! Every staff role may read. Owners, admins and managers define, change and archive cards and
//! define locations; they and cashiers record stock movements. The literal paths
//! `/products/locations`, `/products/movements` and `/products/settings` are mounted before
//! `/products/{product_id}`. Changing the stock policy (`/products/settings`) is for owners and
//! admins, like every system setting.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::common::page_request;
use crate::dto::inventory::{
    CreateLocationRequest, CreateMovementRequest, CreateProductRequest, LocationPage,
    LocationResponse, LocationsQuery, MovementPage, MovementRecorded, MovementsQuery, ProductPage,
    ProductPath, ProductResponse, ProductsQuery, StockResponse, StockSettingsResponse,
    UpdateProductRequest, UpdateStockSettingsRequest,
};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use crm_core::{Actor, EmployeeId, LocationId, ProductId, Role};
use crm_inventory::{
    InventoryError, LocationDefinition, MovementCommand, ProductDefinition, ProductUpdate,
};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

fn records_movements(role: Role) -> bool {
    role.manages_business() || role == Role::Cashier
}

/// Lists cards by name: `q` (part of the name in any case, or an exact SKU or barcode),
/// `type` (`product`/`service`), `category`, `state` (`active` by default, `archived`, `all`).
#[api_v2_operation(tags(Products))]
async fn list_products(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ProductsQuery>,
) -> Result<web::Json<ProductPage>, ApiError> {
    let (filter, page) = query
        .into_inner()
        .into_filter()
        .map_err(ApiError::validation)?;
    let inventory = state.inventory();
    let page = web::block(move || inventory.list_products(&filter, page)).await??;
    Ok(web::Json(page.into()))
}

/// Defines a product or service. SKU and barcode are unique (409 `duplicate_product`).
#[api_v2_operation(tags(Products))]
async fn create_product(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateProductRequest>,
) -> Result<CreatedJson<ProductResponse>, ApiError> {
    staff.require(Role::manages_business, "define products")?;
    let definition =
        ProductDefinition::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let inventory = state.inventory();
    let created = web::block(move || inventory.create_product(definition)).await??;
    Ok(CreatedJson(created.into()))
}

/// One card, archived or not.
#[api_v2_operation(tags(Products))]
async fn get_product(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ProductPath>,
) -> Result<web::Json<ProductResponse>, ApiError> {
    let id = ProductId(path.product_id);
    let inventory = state.inventory();
    let product = web::block(move || inventory.product(id)).await??;
    Ok(web::Json(product.into()))
}

/// Changes a card: absent fields stay, `null` clears.
#[api_v2_operation(tags(Products))]
async fn update_product(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ProductPath>,
    body: Body<UpdateProductRequest>,
) -> Result<web::Json<ProductResponse>, ApiError> {
    staff.require(Role::manages_business, "change products")?;
    let id = ProductId(path.product_id);
    let update = ProductUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let inventory = state.inventory();
    let updated = web::block(move || inventory.update_product(id, update)).await??;
    Ok(web::Json(updated.into()))
}

/// Archives a card (200 with it): it leaves the default list and its stock no longer moves;
/// its history and stock levels stay.
#[api_v2_operation(tags(Products))]
async fn archive_product(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ProductPath>,
) -> Result<web::Json<ProductResponse>, ApiError> {
    staff.require(Role::manages_business, "archive products")?;
    let id = ProductId(path.product_id);
    let inventory = state.inventory();
    let archived = web::block(move || inventory.archive_product(id)).await??;
    Ok(web::Json(archived.into()))
}

/// Lists warehouses and points of sale in creation order; inactive ones with
/// `include_inactive=true`.
#[api_v2_operation(tags(Products))]
async fn list_locations(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<LocationsQuery>,
) -> Result<web::Json<LocationPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let include_inactive = query.include_inactive.unwrap_or(false);
    let inventory = state.inventory();
    let page = web::block(move || inventory.list_locations(include_inactive, page)).await??;
    Ok(web::Json(page.into()))
}

/// Defines a warehouse or point of sale.
#[api_v2_operation(tags(Products))]
async fn create_location(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateLocationRequest>,
) -> Result<CreatedJson<LocationResponse>, ApiError> {
    staff.require(Role::manages_business, "define locations")?;
    let definition =
        LocationDefinition::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let inventory = state.inventory();
    let created = web::block(move || inventory.create_location(definition)).await??;
    Ok(CreatedJson(created.into()))
}

/// A product's stock per location from the maintained balance table: quantity, reserved (0
/// until orders exist), available, value at cost, last movement time, low-stock flag. A
/// service has no stock (422 `product_not_stockable`).
#[api_v2_operation(tags(Products))]
async fn product_stock(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ProductPath>,
) -> Result<web::Json<StockResponse>, ApiError> {
    let id = ProductId(path.product_id);
    let inventory = state.inventory();
    let report = web::block(move || inventory.stock(id)).await??;
    Ok(web::Json(report.into()))
}

/// The stock ledger, newest first, filtered by `product_id`, `location_id`, `type` and period
/// (`from` inclusive, `to` exclusive, RFC 3339).
#[api_v2_operation(tags(Products))]
async fn list_movements(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<MovementsQuery>,
) -> Result<web::Json<MovementPage>, ApiError> {
    let (filter, page) = query
        .into_inner()
        .into_filter()
        .map_err(ApiError::validation)?;
    let inventory = state.inventory();
    let page = web::block(move || inventory.movements(&filter, page)).await??;
    Ok(web::Json(page.into()))
}

/// Records a movement of the product: `receipt` (with `unit_cost`), `write_off` (with
/// `reason`), `transfer` (to `to_location_id`, both sides at once), `sale`, `return`, or
/// `adjustment` (the counted quantity; the movement records the difference). The stock never
/// goes below zero unless the settings allow it (422 `insufficient_stock`).
#[api_v2_operation(tags(Products))]
async fn record_movement(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ProductPath>,
    body: Body<CreateMovementRequest>,
) -> Result<CreatedJson<MovementRecorded>, ApiError> {
    staff.require(records_movements, "record stock movements")?;
    let product_id = ProductId(path.product_id);
    let body = body.into_inner();
    let employee = body.employee_id.map_or(staff.employee_id, EmployeeId);
    let comment = body.comment.clone();
    let destination = body.to_location_id.map(LocationId);
    let action = body.into_action().map_err(ApiError::validation)?;
    if employee != staff.employee_id {
        let access = state.staff_access();
        if web::block(move || access.active(employee))
            .await??
            .is_none()
        {
            return Err(ApiError::invalid_field(
                "employee_id",
                "no active employee with this id",
            ));
        }
    }
    let command = MovementCommand {
        product_id,
        action,
        employee_id: Some(employee),
        comment,
    };
    let actor = Actor::Employee(staff.employee_id);
    let inventory = state.inventory();
    let (movements, stock) = web::block(move || {
        let movements = inventory.record_movement(command, actor)?;
        inventory.stock(product_id).map(|stock| (movements, stock))
    })
    .await?
    .map_err(|e| match e {
        InventoryError::LocationNotFound(id) if Some(id) == destination => ApiError::on_field(
            StatusCode::NOT_FOUND,
            "location_not_found",
            format!("No location with id {id}."),
            "to_location_id",
            "no such location",
        ),
        other => other.into(),
    })?;
    Ok(CreatedJson(MovementRecorded {
        movements: movements.into_iter().map(Into::into).collect(),
        stock: stock.into(),
    }))
}

/// The stock policy: whether stock may go below zero (a system setting, off by default).
#[api_v2_operation(tags(Products))]
async fn stock_settings(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<StockSettingsResponse>, ApiError> {
    let inventory = state.inventory();
    let allow_negative_stock = web::block(move || inventory.negative_stock_allowed()).await??;
    Ok(web::Json(StockSettingsResponse {
        allow_negative_stock,
    }))
}

/// Changes the stock policy (owner, admin); the change is appended to the system settings'
/// history as `inventory.allow_negative_stock`.
#[api_v2_operation(tags(Products))]
async fn update_stock_settings(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<UpdateStockSettingsRequest>,
) -> Result<web::Json<StockSettingsResponse>, ApiError> {
    staff.require(Role::manages_finance, "change system settings")?;
    let allowed = body.into_inner().allow_negative_stock;
    let actor = Actor::Employee(staff.employee_id);
    let inventory = state.inventory();
    let allow_negative_stock =
        web::block(move || inventory.set_negative_stock_allowed(allowed, actor)).await??;
    Ok(web::Json(StockSettingsResponse {
        allow_negative_stock,
    }))
}

/// Mounts the product routes; the literal sub-paths first.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/products")
            .route(web::get().to(list_products))
            .route(web::post().to(create_product)),
    )
    .service(
        web::resource("/api/v1/admin/products/locations")
            .route(web::get().to(list_locations))
            .route(web::post().to(create_location)),
    )
    .service(web::resource("/api/v1/admin/products/movements").route(web::get().to(list_movements)))
    .service(
        web::resource("/api/v1/admin/products/settings")
            .route(web::get().to(stock_settings))
            .route(web::put().to(update_stock_settings)),
    )
    .service(
        web::resource("/api/v1/admin/products/{product_id}")
            .route(web::get().to(get_product))
            .route(web::put().to(update_product))
            .route(web::delete().to(archive_product)),
    )
    .service(
        web::resource("/api/v1/admin/products/{product_id}/stock")
            .route(web::get().to(product_stock)),
    )
    .service(
        web::resource("/api/v1/admin/products/{product_id}/movements")
            .route(web::post().to(record_movement)),
    );
}
