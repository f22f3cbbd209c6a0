//! Goods, services and stock bodies: product cards, locations, movements and stock levels.
//!
//! Quantities are decimal JSON numbers (or numeric strings) with at most three fractional
//! digits: thousandths of the product's unit, exact (see `docs/inventory.md`).

use crate::dto::common::{double_option, DecimalInput, FieldErrors};
use crm_clients::Patch as ClientPatch;
use crm_core::{
    EmployeeId, FieldError, LocationId, Money, OperationId, Page, PageRequest, ProductId, Timestamp,
};
use crm_inventory::model::{LowStock, Patch, ProductState};
use crm_inventory::{
    Location, LocationDefinition, LocationKind, Movement, MovementAction, MovementFilter,
    MovementKind, Product, ProductDefinition, ProductFilter, ProductKind, ProductUpdate, Quantity,
    StockReport,
};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// Default unit of a new card.
pub const DEFAULT_UNIT: &str = "pcs";

fn quantity(field: &str, raw: &DecimalInput) -> Result<Quantity, FieldError> {
    Quantity::parse(&raw.0).map_err(|e| FieldError::new(field, e.to_string()))
}

fn kind_of(f: &mut FieldErrors, raw: &str) -> Option<ProductKind> {
    let kind = ProductKind::from_code(raw.trim());
    if kind.is_none() {
        f.add("type", "must be product or service");
    }
    kind
}

fn patch<T>(p: ClientPatch<T>) -> Patch<T> {
    match p {
        ClientPatch::Keep => Patch::Keep,
        ClientPatch::Clear => Patch::Clear,
        ClientPatch::Set(v) => Patch::Set(v),
    }
}

/// A product or service card.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProductResponse {
    /// Id.
    pub id: ProductId,
    /// `product` (goods, counted in stock) or `service` (no stock).
    #[serde(rename = "type")]
    pub kind: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Sale price.
    pub price: Money,
    /// Cost price.
    pub cost_price: Option<Money>,
    /// Unit of measure.
    pub unit: String,
    /// SKU (unique).
    pub sku: Option<String>,
    /// Barcode (unique).
    pub barcode: Option<String>,
    /// Duration of a service in minutes.
    pub duration_minutes: Option<i64>,
    /// Photo link.
    pub photo_url: Option<String>,
    /// At or below this quantity at a location the product is low on stock.
    pub low_stock_threshold: Option<f64>,
    /// `false` once archived.
    pub active: bool,
    /// When archived.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl From<Product> for ProductResponse {
    fn from(p: Product) -> Self {
        let d = p.definition;
        Self {
            id: p.id,
            kind: d.kind.code().to_owned(),
            name: d.name,
            category: d.category,
            description: d.description,
            price: d.price,
            cost_price: d.cost_price,
            unit: d.unit,
            sku: d.sku,
            barcode: d.barcode,
            duration_minutes: d.duration_minutes,
            photo_url: d.photo_url,
            low_stock_threshold: d.low_stock_threshold.map(Quantity::as_f64),
            active: p.archived_at.is_none(),
            archived_at: p.archived_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of cards.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProductPage {
    /// Cards of this page.
    pub items: Vec<ProductResponse>,
    /// Cards matching the filters.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<Product>> for ProductPage {
    fn from(page: Page<Product>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Defines a product or service.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// `product` (default) or `service`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Name, 1–200 characters.
    pub name: String,
    /// Category, up to 100 characters.
    pub category: Option<String>,
    /// Description, up to 2000 characters.
    pub description: Option<String>,
    /// Sale price (≥ 0, at most 2 fractional digits).
    pub price: DecimalInput,
    /// Cost price (≥ 0).
    pub cost_price: Option<DecimalInput>,
    /// Unit of measure, up to 20 characters (default `pcs`).
    pub unit: Option<String>,
    /// SKU, unique, up to 64 characters without spaces.
    pub sku: Option<String>,
    /// Barcode, unique, up to 64 characters without spaces.
    pub barcode: Option<String>,
    /// Duration in minutes (services only), 1–1440.
    pub duration_minutes: Option<i64>,
    /// Photo link (http or https).
    pub photo_url: Option<String>,
    /// Low-stock threshold (goods only), a quantity.
    pub low_stock_threshold: Option<DecimalInput>,
}

impl TryFrom<CreateProductRequest> for ProductDefinition {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateProductRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let kind = match r.kind.as_deref() {
            None => Some(ProductKind::Product),
            Some(raw) => kind_of(&mut f, raw),
        };
        let price = f.take("price", r.price.money("price"));
        let cost_price = r
            .cost_price
            .and_then(|c| f.take("cost_price", c.money("cost_price")));
        let low_stock_threshold = r
            .low_stock_threshold
            .and_then(|q| f.take("low_stock_threshold", quantity("low_stock_threshold", &q)));
        let definition = ProductDefinition {
            kind: kind.unwrap_or(ProductKind::Product),
            name: r.name,
            category: r.category,
            description: r.description,
            price: price.unwrap_or(Money::ZERO),
            cost_price,
            unit: r.unit.unwrap_or_else(|| DEFAULT_UNIT.to_owned()),
            sku: r.sku,
            barcode: r.barcode,
            duration_minutes: r.duration_minutes,
            photo_url: r.photo_url,
            low_stock_threshold,
        };
        f.finish(definition)
    }
}

/// Changes a card: absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    /// `product` or `service`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Category.
    #[serde(default, deserialize_with = "double_option")]
    pub category: Option<Option<String>>,
    /// Description.
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    /// Sale price.
    pub price: Option<DecimalInput>,
    /// Cost price.
    #[serde(default, deserialize_with = "double_option")]
    pub cost_price: Option<Option<DecimalInput>>,
    /// Unit.
    pub unit: Option<String>,
    /// SKU.
    #[serde(default, deserialize_with = "double_option")]
    pub sku: Option<Option<String>>,
    /// Barcode.
    #[serde(default, deserialize_with = "double_option")]
    pub barcode: Option<Option<String>>,
    /// Duration (services).
    #[serde(default, deserialize_with = "double_option")]
    pub duration_minutes: Option<Option<i64>>,
    /// Photo link.
    #[serde(default, deserialize_with = "double_option")]
    pub photo_url: Option<Option<String>>,
    /// Low-stock threshold.
    #[serde(default, deserialize_with = "double_option")]
    pub low_stock_threshold: Option<Option<DecimalInput>>,
}

fn raw_patch<T>(raw: Option<Option<T>>) -> Patch<T> {
    match raw {
        None => Patch::Keep,
        Some(None) => Patch::Clear,
        Some(Some(v)) => Patch::Set(v),
    }
}

impl TryFrom<UpdateProductRequest> for ProductUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateProductRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let kind = r.kind.as_deref().and_then(|raw| kind_of(&mut f, raw));
        let price = r.price.and_then(|p| f.take("price", p.money("price")));
        let cost_price = patch(f.patch("cost_price", r.cost_price, |c| c.money("cost_price")));
        let low_stock_threshold =
            patch(f.patch("low_stock_threshold", r.low_stock_threshold, |q| {
                quantity("low_stock_threshold", &q)
            }));
        let update = ProductUpdate {
            kind,
            name: r.name,
            category: raw_patch(r.category),
            description: raw_patch(r.description),
            price,
            cost_price,
            unit: r.unit,
            sku: raw_patch(r.sku),
            barcode: raw_patch(r.barcode),
            duration_minutes: raw_patch(r.duration_minutes),
            photo_url: raw_patch(r.photo_url),
            low_stock_threshold,
        };
        f.finish(update)
    }
}

/// Filters of the product list.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct ProductsQuery {
    /// Part of the name (any case), or an exact SKU or barcode.
    pub q: Option<String>,
    /// Same as `q`.
    pub search: Option<String>,
    /// `product` or `service`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Exact category.
    pub category: Option<String>,
    /// `active` (default), `archived` or `all`.
    pub state: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl ProductsQuery {
    /// The domain filter and page, or a 422 naming each bad parameter.
    pub fn into_filter(self) -> Result<(ProductFilter, PageRequest), Vec<FieldError>> {
        let mut f = FieldErrors::default();
        let page = PageRequest::new(self.limit, self.offset);
        if page.is_none() {
            f.add("limit", "must be between 1 and 500");
        }
        let kind = self.kind.as_deref().and_then(|raw| kind_of(&mut f, raw));
        let state = match self.state.as_deref() {
            None | Some("active") => ProductState::Active,
            Some("archived") => ProductState::Archived,
            Some("all") => ProductState::All,
            Some(_) => {
                f.add("state", "must be active, archived or all");
                ProductState::Active
            }
        };
        let q = self.q.or(self.search);
        if q.as_deref().is_some_and(|q| q.chars().count() > 200) {
            f.add("q", "must be at most 200 characters");
        }
        let filter = ProductFilter {
            q,
            kind,
            category: self
                .category
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty()),
            state,
        };
        f.finish((filter, page.unwrap_or_default()))
    }
}

/// The id in `/products/{product_id}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct ProductPath {
    /// Product id.
    pub product_id: i64,
}

/// A warehouse or point of sale.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LocationResponse {
    /// Id.
    pub id: LocationId,
    /// `warehouse` or `point_of_sale`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Whether stock may move there.
    pub active: bool,
    /// Created.
    pub created_at: Timestamp,
}

impl From<Location> for LocationResponse {
    fn from(l: Location) -> Self {
        Self {
            id: l.id,
            kind: l.definition.kind.code().to_owned(),
            name: l.definition.name,
            address: l.definition.address,
            active: l.definition.active,
            created_at: l.created_at,
        }
    }
}

/// A page of locations.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LocationPage {
    /// Locations of this page.
    pub items: Vec<LocationResponse>,
    /// Locations in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<Location>> for LocationPage {
    fn from(page: Page<Location>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Defines a location.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocationRequest {
    /// `warehouse` (default) or `point_of_sale`.
    pub kind: Option<String>,
    /// Name, 1–200 characters.
    pub name: String,
    /// Address, up to 500 characters.
    pub address: Option<String>,
    /// Whether stock may move there (default true).
    pub active: Option<bool>,
}

impl TryFrom<CreateLocationRequest> for LocationDefinition {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateLocationRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let kind = match r.kind.as_deref().map(str::trim) {
            None => LocationKind::Warehouse,
            Some(raw) => LocationKind::from_code(raw).unwrap_or_else(|| {
                f.add("kind", "must be warehouse or point_of_sale");
                LocationKind::Warehouse
            }),
        };
        f.finish(LocationDefinition {
            kind,
            name: r.name,
            address: r.address,
            active: r.active.unwrap_or(true),
        })
    }
}

/// Whether to list inactive locations too, and the page.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct LocationsQuery {
    /// Include inactive locations (default false).
    pub include_inactive: Option<bool>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// A movement to record for the product in the path.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateMovementRequest {
    /// `receipt`, `write_off`, `transfer`, `sale`, `return` or `adjustment`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where (for a transfer: from where).
    pub location_id: i64,
    /// A transfer's destination (another location).
    pub to_location_id: Option<i64>,
    /// How much (> 0, at most 3 fractional digits); for an `adjustment`, the counted quantity
    /// (≥ 0).
    pub quantity: DecimalInput,
    /// A receipt's unit cost (default: the product's cost price).
    pub unit_cost: Option<DecimalInput>,
    /// A write-off's reason (required for write-offs, up to 500 characters).
    pub reason: Option<String>,
    /// The employee responsible (default: the signed-in employee).
    pub employee_id: Option<i64>,
    /// Comment, up to 500 characters.
    pub comment: Option<String>,
}

impl CreateMovementRequest {
    /// The domain action, or a 422 naming each bad field.
    pub fn into_action(self) -> Result<MovementAction, Vec<FieldError>> {
        let mut f = FieldErrors::default();
        let q = f.take("quantity", quantity("quantity", &self.quantity));
        let location_id = LocationId(self.location_id);
        let kind = MovementKind::from_code(self.kind.trim());
        if kind.is_none() {
            f.add(
                "type",
                "must be receipt, write_off, transfer, sale, return or adjustment",
            );
        }
        if kind != Some(MovementKind::Transfer) && self.to_location_id.is_some() {
            f.add("to_location_id", "only a transfer has a destination");
        }
        if kind != Some(MovementKind::Receipt) && self.unit_cost.is_some() {
            f.add("unit_cost", "only a receipt has a unit cost");
        }
        if kind != Some(MovementKind::WriteOff) && self.reason.is_some() {
            f.add("reason", "only a write-off has a reason");
        }
        let unit_cost = self
            .unit_cost
            .and_then(|c| f.take("unit_cost", c.money("unit_cost")));
        let action = match (kind, q) {
            (Some(kind), Some(quantity)) => match kind {
                MovementKind::Receipt => Some(MovementAction::Receipt {
                    location_id,
                    quantity,
                    unit_cost,
                }),
                MovementKind::WriteOff => Some(MovementAction::WriteOff {
                    location_id,
                    quantity,
                    reason: self.reason.unwrap_or_default(),
                }),
                MovementKind::Transfer => match self.to_location_id {
                    Some(to) => Some(MovementAction::Transfer {
                        from: location_id,
                        to: LocationId(to),
                        quantity,
                    }),
                    None => {
                        f.add("to_location_id", "is required for a transfer");
                        None
                    }
                },
                MovementKind::Sale => Some(MovementAction::Sale {
                    location_id,
                    quantity,
                }),
                MovementKind::Return => Some(MovementAction::Return {
                    location_id,
                    quantity,
                }),
                MovementKind::Adjustment => Some(MovementAction::Adjustment {
                    location_id,
                    counted: quantity,
                }),
            },
            _ => None,
        };
        match action {
            Some(action) => f.finish(action),
            None => Err(f.finish(()).err().unwrap_or_default()),
        }
    }
}

/// One row of the stock ledger.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct MovementResponse {
    /// Id.
    pub id: i64,
    /// The product.
    pub product_id: ProductId,
    /// Where.
    pub location_id: LocationId,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// The signed change of the stock at the location.
    pub quantity: f64,
    /// The stock at the location after it.
    pub balance_after: f64,
    /// A receipt's unit cost.
    pub unit_cost: Option<Money>,
    /// A write-off's reason.
    pub reason: Option<String>,
    /// The other location of a transfer.
    pub counterpart_location_id: Option<LocationId>,
    /// The purchase of a sale.
    pub operation_id: Option<OperationId>,
    /// The employee responsible.
    pub employee_id: Option<EmployeeId>,
    /// Who recorded it (`employee:3`, `system`).
    pub actor: String,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

impl From<Movement> for MovementResponse {
    fn from(m: Movement) -> Self {
        Self {
            id: m.id,
            product_id: m.product_id,
            location_id: m.location_id,
            kind: m.kind.code().to_owned(),
            quantity: m.quantity.as_f64(),
            balance_after: m.balance_after.as_f64(),
            unit_cost: m.unit_cost,
            reason: m.reason,
            counterpart_location_id: m.counterpart_location_id,
            operation_id: m.operation_id,
            employee_id: m.employee_id,
            actor: m.actor.to_string(),
            comment: m.comment,
            created_at: m.created_at,
        }
    }
}

/// A page of movements, newest first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct MovementPage {
    /// Movements of this page.
    pub items: Vec<MovementResponse>,
    /// Movements matching the filters.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<Movement>> for MovementPage {
    fn from(page: Page<Movement>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Filters of the movement list.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct MovementsQuery {
    /// One product.
    pub product_id: Option<i64>,
    /// One location.
    pub location_id: Option<i64>,
    /// One kind.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// At or after (RFC 3339, inclusive).
    pub from: Option<Timestamp>,
    /// Before (RFC 3339, exclusive).
    pub to: Option<Timestamp>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl MovementsQuery {
    /// The domain filter and page, or a 422 naming each bad parameter.
    pub fn into_filter(self) -> Result<(MovementFilter, PageRequest), Vec<FieldError>> {
        let mut f = FieldErrors::default();
        let page = PageRequest::new(self.limit, self.offset);
        if page.is_none() {
            f.add("limit", "must be between 1 and 500");
        }
        let kind = self.kind.as_deref().and_then(|raw| {
            let kind = MovementKind::from_code(raw.trim());
            if kind.is_none() {
                f.add(
                    "type",
                    "must be receipt, write_off, transfer, sale, return or adjustment",
                );
            }
            kind
        });
        let filter = MovementFilter {
            product_id: self.product_id.map(ProductId),
            location_id: self.location_id.map(LocationId),
            kind,
            from: self.from,
            to: self.to,
        };
        f.finish((filter, page.unwrap_or_default()))
    }
}

/// A product's stock at one location.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StockLevelResponse {
    /// Where.
    pub location_id: LocationId,
    /// The location's name.
    pub location_name: String,
    /// On hand.
    pub quantity: f64,
    /// Reserved by orders (0 until orders exist).
    pub reserved: f64,
    /// On hand less reserved.
    pub available: f64,
    /// On hand at the product's cost price; `null` without a cost price.
    pub value_at_cost: Option<Money>,
    /// When it last moved.
    pub last_movement_at: Timestamp,
    /// At or below the product's low-stock threshold.
    pub low_stock: bool,
}

/// A product's stock everywhere.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StockResponse {
    /// The product.
    pub product_id: ProductId,
    /// Its unit.
    pub unit: String,
    /// On hand in all locations.
    pub quantity: f64,
    /// Reserved in all locations.
    pub reserved: f64,
    /// Available in all locations.
    pub available: f64,
    /// Everything on hand at cost; `null` without a cost price.
    pub value_at_cost: Option<Money>,
    /// The last movement anywhere; `null` before the first.
    pub last_movement_at: Option<Timestamp>,
    /// The product's low-stock threshold.
    pub low_stock_threshold: Option<f64>,
    /// Per location (those with any movement), in location order.
    pub locations: Vec<StockLevelResponse>,
}

impl From<StockReport> for StockResponse {
    fn from(r: StockReport) -> Self {
        let d = &r.product.definition;
        let cost = d.cost_price;
        let threshold = d.low_stock_threshold;
        let total = r.levels.iter().fold(Quantity::ZERO, |sum, l| {
            sum.checked_add(l.quantity).unwrap_or(sum)
        });
        let reserved = r.levels.iter().fold(Quantity::ZERO, |sum, l| {
            sum.checked_add(l.reserved).unwrap_or(sum)
        });
        Self {
            product_id: r.product.id,
            unit: d.unit.clone(),
            quantity: total.as_f64(),
            reserved: reserved.as_f64(),
            available: total
                .checked_add(reserved.negate())
                .unwrap_or(total)
                .as_f64(),
            value_at_cost: cost.map(|c| total.value_at(c)),
            last_movement_at: r.levels.iter().map(|l| l.last_movement_at).max(),
            low_stock_threshold: threshold.map(Quantity::as_f64),
            locations: r
                .levels
                .iter()
                .map(|l| StockLevelResponse {
                    location_id: l.location_id,
                    location_name: l.location_name.clone(),
                    quantity: l.quantity.as_f64(),
                    reserved: l.reserved.as_f64(),
                    available: l
                        .quantity
                        .checked_add(l.reserved.negate())
                        .unwrap_or(l.quantity)
                        .as_f64(),
                    value_at_cost: cost.map(|c| l.quantity.value_at(c)),
                    last_movement_at: l.last_movement_at,
                    low_stock: threshold.is_some_and(|t| l.quantity <= t),
                })
                .collect(),
        }
    }
}

/// What a recorded movement wrote, with the stock after it.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct MovementRecorded {
    /// The ledger rows (two for a transfer).
    pub movements: Vec<MovementResponse>,
    /// The product's stock after the movement.
    pub stock: StockResponse,
}

/// The stock policy of the system settings.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StockSettingsResponse {
    /// Whether movements and sales may take stock below zero (default false).
    pub allow_negative_stock: bool,
}

/// Changes the stock policy.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStockSettingsRequest {
    /// Whether movements and sales may take stock below zero.
    pub allow_negative_stock: bool,
}

/// A stock level at or below its product's threshold.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LowStockResponse {
    /// The product.
    pub product_id: ProductId,
    /// Where.
    pub location_id: LocationId,
    /// On hand.
    pub quantity: f64,
    /// The threshold.
    pub threshold: f64,
}

impl From<LowStock> for LowStockResponse {
    fn from(l: LowStock) -> Self {
        Self {
            product_id: l.product_id,
            location_id: l.location_id,
            quantity: l.quantity.as_f64(),
            threshold: l.threshold.as_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_movement_request_names_each_bad_field() {
        let request: CreateMovementRequest = serde_json::from_value(serde_json::json!({
            "type": "write_off", "location_id": 1, "quantity": "abc", "unit_cost": 5
        }))
        .expect("shape");
        let errors = request.into_action().expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["quantity", "unit_cost"]);

        let request: CreateMovementRequest = serde_json::from_value(serde_json::json!({
            "type": "transfer", "location_id": 1, "to_location_id": 2, "quantity": 1.25
        }))
        .expect("shape");
        assert_eq!(
            request.into_action(),
            Ok(MovementAction::Transfer {
                from: LocationId(1),
                to: LocationId(2),
                quantity: Quantity::from_thousandths(1_250)
            })
        );
    }
}
