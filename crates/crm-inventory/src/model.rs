//! Entities and value objects of goods, services and stock, validated on construction.
//!
//! Quantities are exact fixed-point numbers in thousandths of the product's unit
//! ([`Quantity`]): `1` piece is `1000`, `0.25` kg is `250`. Money is [`Money`] in minor units.

use crm_core::{
    Actor, EmployeeId, FieldError, LocationId, Money, OperationId, ProductId, Timestamp,
};
use std::fmt;

/// Longest product, category or location name accepted.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest category accepted.
pub const MAX_CATEGORY_CHARS: usize = 100;
/// Longest description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest unit accepted (`pcs`, `kg`, `l`, ...).
pub const MAX_UNIT_CHARS: usize = 20;
/// Longest SKU or barcode accepted.
pub const MAX_CODE_CHARS: usize = 64;
/// Longest photo link accepted.
pub const MAX_URL_CHARS: usize = 500;
/// Longest address accepted.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Longest reason or comment accepted.
pub const MAX_COMMENT_CHARS: usize = 500;
/// Longest service duration accepted, in minutes (a day).
pub const MAX_DURATION_MINUTES: i64 = 1440;
/// Thousandths in one unit.
pub const THOUSANDTHS: i64 = 1000;
/// Largest quantity accepted in one movement or stock level, in whole units.
pub const MAX_QUANTITY_UNITS: i64 = 1_000_000_000;

/// An exact quantity in thousandths of a unit (three decimal places: grams of a kilogram,
/// millilitres of a litre; pieces are whole thousands). May be negative in a stock level only
/// when the business allows negative stock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

/// Why a text is not a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not a plain decimal number.
    #[error("must be a decimal number")]
    NotANumber,
    /// More than three fractional digits.
    #[error("must have at most 3 fractional digits")]
    TooPrecise,
    /// Beyond [`MAX_QUANTITY_UNITS`].
    #[error("must not exceed 1000000000")]
    TooLarge,
}

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(0);

    /// A quantity from thousandths.
    pub fn from_thousandths(thousandths: i64) -> Self {
        Self(thousandths)
    }

    /// A whole number of units.
    pub fn units(units: i64) -> Self {
        Self(units.saturating_mul(THOUSANDTHS))
    }

    /// The thousandths.
    pub fn thousandths(self) -> i64 {
        self.0
    }

    /// Whether it is above zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Parses `"12"`, `"0.25"`, `"-1.5"` exactly; at most 3 fractional digits.
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || (digits.contains('.') && frac_part.is_empty())
        {
            return Err(QuantityError::NotANumber);
        }
        let frac = frac_part.trim_end_matches('0');
        if frac.len() > 3 {
            return Err(QuantityError::TooPrecise);
        }
        let int = int_part.trim_start_matches('0');
        if int.len() > 10 {
            return Err(QuantityError::TooLarge);
        }
        let units: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| QuantityError::NotANumber)?
        };
        if units > MAX_QUANTITY_UNITS {
            return Err(QuantityError::TooLarge);
        }
        let mut thousandths = 0;
        for (i, b) in frac.bytes().enumerate() {
            thousandths += i64::from(b - b'0') * [100, 10, 1][i];
        }
        let value = units * THOUSANDTHS + thousandths;
        if value > MAX_QUANTITY_UNITS * THOUSANDTHS {
            return Err(QuantityError::TooLarge);
        }
        Ok(Self(if negative { -value } else { value }))
    }

    /// A JSON number: exact when it has at most 3 fractional digits (checked through its
    /// shortest decimal form).
    pub fn from_f64(value: f64) -> Result<Self, QuantityError> {
        if !value.is_finite() {
            return Err(QuantityError::NotANumber);
        }
        if value.abs() > MAX_QUANTITY_UNITS as f64 {
            return Err(QuantityError::TooLarge);
        }
        Self::parse(&format!("{value}"))
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.0.checked_add(other.0).map(Quantity)
    }

    /// The negation.
    pub fn negate(self) -> Quantity {
        Quantity(-self.0)
    }

    /// What this quantity costs at `unit_price` per unit, rounded half away from zero to a
    /// minor unit.
    pub fn value_at(self, unit_price: Money) -> Money {
        let product = i128::from(self.0) * i128::from(unit_price.minor());
        let thousand = i128::from(THOUSANDTHS);
        let rounded = if product >= 0 {
            (product + thousand / 2) / thousand
        } else {
            (product - thousand / 2) / thousand
        };
        Money::from_minor(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    /// As a JSON number (exact: thousandths stay far below 2^53).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / THOUSANDTHS as f64
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = abs / 1000;
        let frac = abs % 1000;
        if frac == 0 {
            write!(f, "{sign}{units}")
        } else {
            let text = format!("{frac:03}");
            write!(f, "{sign}{units}.{}", text.trim_end_matches('0'))
        }
    }
}

/// A card kind: goods have stock, services do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductKind {
    /// Goods: counted in stock.
    Product,
    /// A service: no stock, may have a duration.
    Service,
}

impl ProductKind {
    /// The stored and JSON form.
    pub fn code(self) -> &'static str {
        match self {
            ProductKind::Product => "product",
            ProductKind::Service => "service",
        }
    }

    /// Reads the stored form back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "product" => Some(ProductKind::Product),
            "service" => Some(ProductKind::Service),
            _ => None,
        }
    }
}

/// A field change: keep, clear or set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Absent: keep the value.
    #[default]
    Keep,
    /// `null`: clear it.
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Patch<T> {
    /// The value after the change.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(value) => Some(value),
        }
    }
}

/// What the business says about a product or service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDefinition {
    /// Goods or a service.
    pub kind: ProductKind,
    /// Name, 1–200 characters.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Sale price.
    pub price: Money,
    /// Cost price (what a unit costs the business); values stock at cost.
    pub cost_price: Option<Money>,
    /// Unit of measure (`pcs`, `kg`, ...).
    pub unit: String,
    /// Stock-keeping unit, unique when present.
    pub sku: Option<String>,
    /// Barcode, unique when present.
    pub barcode: Option<String>,
    /// Duration of a service in minutes.
    pub duration_minutes: Option<i64>,
    /// Photo link.
    pub photo_url: Option<String>,
    /// Below or at this quantity at a location the product is low on stock (an alert source).
    pub low_stock_threshold: Option<Quantity>,
}

fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    max: usize,
    message: &str,
) {
    if let Some(v) = value {
        if v.trim().is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
            errors.push(FieldError::new(field, message));
        }
    }
}

impl ProductDefinition {
    /// The definition with an update applied.
    pub fn updated(&self, u: ProductUpdate) -> ProductDefinition {
        let d = self.clone();
        ProductDefinition {
            kind: u.kind.unwrap_or(d.kind),
            name: u.name.unwrap_or(d.name),
            category: u.category.apply(d.category),
            description: u.description.apply(d.description),
            price: u.price.unwrap_or(d.price),
            cost_price: u.cost_price.apply(d.cost_price),
            unit: u.unit.unwrap_or(d.unit),
            sku: u.sku.apply(d.sku),
            barcode: u.barcode.apply(d.barcode),
            duration_minutes: u.duration_minutes.apply(d.duration_minutes),
            photo_url: u.photo_url.apply(d.photo_url),
            low_stock_threshold: u.low_stock_threshold.apply(d.low_stock_threshold),
        }
    }

    /// Trims the texts; blank optional texts become none.
    pub fn trimmed(self) -> ProductDefinition {
        let opt = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        ProductDefinition {
            name: self.name.trim().to_owned(),
            category: opt(self.category),
            description: opt(self.description),
            unit: self.unit.trim().to_owned(),
            sku: opt(self.sku),
            barcode: opt(self.barcode),
            photo_url: opt(self.photo_url),
            ..self
        }
    }

    /// Checks every field: text lengths, a non-negative price, a duration only for services,
    /// an http(s) photo link, a non-negative threshold only for goods.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(
            &mut errors,
            "name",
            Some(&self.name),
            MAX_NAME_CHARS,
            "must be 1 to 200 characters",
        );
        check_text(
            &mut errors,
            "category",
            self.category.as_deref(),
            MAX_CATEGORY_CHARS,
            "must be 1 to 100 characters",
        );
        if self.description.as_deref().is_some_and(|d| {
            d.chars().count() > MAX_DESCRIPTION_CHARS
                || d.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        }) {
            errors.push(FieldError::new(
                "description",
                "must be at most 2000 characters",
            ));
        }
        check_text(
            &mut errors,
            "unit",
            Some(&self.unit),
            MAX_UNIT_CHARS,
            "must be 1 to 20 characters",
        );
        for (field, value) in [("sku", &self.sku), ("barcode", &self.barcode)] {
            if value.as_deref().is_some_and(|v| {
                v.is_empty()
                    || v.chars().count() > MAX_CODE_CHARS
                    || v.chars().any(|c| c.is_whitespace() || c.is_control())
            }) {
                errors.push(FieldError::new(
                    field,
                    "must be 1 to 64 characters without spaces",
                ));
            }
        }
        if self.price.minor() < 0 {
            errors.push(FieldError::new("price", "must not be negative"));
        }
        if self.cost_price.is_some_and(|c| c.minor() < 0) {
            errors.push(FieldError::new("cost_price", "must not be negative"));
        }
        match (self.kind, self.duration_minutes) {
            (ProductKind::Product, Some(_)) => errors.push(FieldError::new(
                "duration_minutes",
                "only a service has a duration",
            )),
            (ProductKind::Service, Some(m)) if !(1..=MAX_DURATION_MINUTES).contains(&m) => {
                errors.push(FieldError::new("duration_minutes", "must be 1 to 1440"))
            }
            _ => {}
        }
        if let Some(url) = &self.photo_url {
            let scheme = url.starts_with("https://") || url.starts_with("http://");
            if !scheme
                || url.chars().count() > MAX_URL_CHARS
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                errors.push(FieldError::new(
                    "photo_url",
                    "must be an http(s) address of at most 500 characters without spaces",
                ));
            }
        }
        match (self.kind, self.low_stock_threshold) {
            (ProductKind::Service, Some(_)) => errors.push(FieldError::new(
                "low_stock_threshold",
                "a service has no stock",
            )),
            (ProductKind::Product, Some(q)) if q.thousandths() < 0 => errors.push(FieldError::new(
                "low_stock_threshold",
                "must not be negative",
            )),
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Command: change a product. Only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductUpdate {
    /// Kind.
    pub kind: Option<ProductKind>,
    /// Name.
    pub name: Option<String>,
    /// Category.
    pub category: Patch<String>,
    /// Description.
    pub description: Patch<String>,
    /// Price.
    pub price: Option<Money>,
    /// Cost price.
    pub cost_price: Patch<Money>,
    /// Unit.
    pub unit: Option<String>,
    /// SKU.
    pub sku: Patch<String>,
    /// Barcode.
    pub barcode: Patch<String>,
    /// Duration (services).
    pub duration_minutes: Patch<i64>,
    /// Photo link.
    pub photo_url: Patch<String>,
    /// Low-stock threshold.
    pub low_stock_threshold: Patch<Quantity>,
}

/// A stored product or service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// Definition.
    pub definition: ProductDefinition,
    /// When archived; `None` while active.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl Product {
    /// Whether it is goods that may move in stock (not a service, not archived).
    pub fn check_stockable(&self) -> Result<(), crate::InventoryError> {
        if self.definition.kind == ProductKind::Service {
            return Err(crate::InventoryError::NotStockable(self.id));
        }
        if self.archived_at.is_some() {
            return Err(crate::InventoryError::ProductArchived(self.id));
        }
        Ok(())
    }
}

/// Which cards a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProductState {
    /// Not archived (the default).
    #[default]
    Active,
    /// Archived only.
    Archived,
    /// Both.
    All,
}

/// Filters of the product list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// Part of the name (any case), or an exact SKU or barcode.
    pub q: Option<String>,
    /// Goods or services.
    pub kind: Option<ProductKind>,
    /// Exact category.
    pub category: Option<String>,
    /// Active, archived or both.
    pub state: ProductState,
}

/// A warehouse or a point of sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocationKind {
    /// Stores goods.
    Warehouse,
    /// Sells them.
    PointOfSale,
}

impl LocationKind {
    /// The stored and JSON form.
    pub fn code(self) -> &'static str {
        match self {
            LocationKind::Warehouse => "warehouse",
            LocationKind::PointOfSale => "point_of_sale",
        }
    }

    /// Reads the stored form back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "warehouse" => Some(LocationKind::Warehouse),
            "point_of_sale" => Some(LocationKind::PointOfSale),
            _ => None,
        }
    }
}

/// What the business says about a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationDefinition {
    /// Warehouse or point of sale.
    pub kind: LocationKind,
    /// Name, 1–200 characters.
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Whether stock may move there.
    pub active: bool,
}

impl LocationDefinition {
    /// Trims and checks the texts.
    pub fn validated(self) -> Result<LocationDefinition, Vec<FieldError>> {
        let d = LocationDefinition {
            name: self.name.trim().to_owned(),
            address: self
                .address
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
            ..self
        };
        let mut errors = Vec::new();
        check_text(
            &mut errors,
            "name",
            Some(&d.name),
            MAX_NAME_CHARS,
            "must be 1 to 200 characters",
        );
        check_text(
            &mut errors,
            "address",
            d.address.as_deref(),
            MAX_ADDRESS_CHARS,
            "must be 1 to 500 characters",
        );
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }
}

/// A stored location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Id.
    pub id: LocationId,
    /// Definition.
    pub definition: LocationDefinition,
    /// Created.
    pub created_at: Timestamp,
}

/// The kind of a stock movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MovementKind {
    /// Goods arrived (with a unit cost).
    Receipt,
    /// Goods written off (with a reason).
    WriteOff,
    /// One side of a transfer between two locations.
    Transfer,
    /// Goods sold (by a purchase operation, or recorded by hand).
    Sale,
    /// Goods a client brought back.
    Return,
    /// An inventory count: the difference between the counted and the recorded quantity.
    Adjustment,
}

impl MovementKind {
    /// The stored and JSON form.
    pub fn code(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::WriteOff => "write_off",
            MovementKind::Transfer => "transfer",
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::Adjustment => "adjustment",
        }
    }

    /// Reads the stored form back.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "receipt" => MovementKind::Receipt,
            "write_off" => MovementKind::WriteOff,
            "transfer" => MovementKind::Transfer,
            "sale" => MovementKind::Sale,
            "return" => MovementKind::Return,
            "adjustment" => MovementKind::Adjustment,
            _ => return None,
        })
    }
}

/// What a movement asks for, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MovementAction {
    /// Goods arrive at a location.
    Receipt {
        /// Where.
        location_id: LocationId,
        /// How many (> 0).
        quantity: Quantity,
        /// What a unit cost; default the product's cost price.
        unit_cost: Option<Money>,
    },
    /// Goods leave a location for a reason.
    WriteOff {
        /// Where.
        location_id: LocationId,
        /// How many (> 0).
        quantity: Quantity,
        /// Why (required).
        reason: String,
    },
    /// Goods move from one location to another.
    Transfer {
        /// From.
        from: LocationId,
        /// To (another location).
        to: LocationId,
        /// How many (> 0).
        quantity: Quantity,
    },
    /// Goods sold.
    Sale {
        /// Where.
        location_id: LocationId,
        /// How many (> 0).
        quantity: Quantity,
    },
    /// Goods returned by a client.
    Return {
        /// Where.
        location_id: LocationId,
        /// How many (> 0).
        quantity: Quantity,
    },
    /// An inventory count.
    Adjustment {
        /// Where.
        location_id: LocationId,
        /// The counted quantity (≥ 0).
        counted: Quantity,
    },
}

/// Command: record a movement of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementCommand {
    /// The product.
    pub product_id: ProductId,
    /// What happens.
    pub action: MovementAction,
    /// The employee responsible.
    pub employee_id: Option<EmployeeId>,
    /// Comment.
    pub comment: Option<String>,
}

/// How a line changes a stock level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    /// Adds (> 0).
    Add(Quantity),
    /// Takes away (> 0); refused below zero unless negative stock is allowed.
    Remove(Quantity),
    /// Sets to the counted quantity; the movement records the difference.
    SetTo(Quantity),
}

/// One side of a movement: a change at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovementLine {
    /// Where.
    pub location_id: LocationId,
    /// How.
    pub change: StockChange,
    /// The other side of a transfer.
    pub counterpart_location_id: Option<LocationId>,
}

/// What a ledger commits in one transaction: every line with its guarded stock update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementPlan {
    /// The product.
    pub product_id: ProductId,
    /// The kind of every line.
    pub kind: MovementKind,
    /// The lines (two for a transfer).
    pub lines: Vec<MovementLine>,
    /// Unit cost (receipts).
    pub unit_cost: Option<Money>,
    /// Reason (write-offs).
    pub reason: Option<String>,
    /// The sale's operation.
    pub operation_id: Option<OperationId>,
    /// The employee responsible.
    pub employee_id: Option<EmployeeId>,
    /// Who recorded it.
    pub actor: Actor,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// A recorded movement: one row of the append-only ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// Id.
    pub id: i64,
    /// The product.
    pub product_id: ProductId,
    /// Where.
    pub location_id: LocationId,
    /// Kind.
    pub kind: MovementKind,
    /// The signed change of the stock level.
    pub quantity: Quantity,
    /// The stock level after it.
    pub balance_after: Quantity,
    /// Unit cost (receipts).
    pub unit_cost: Option<Money>,
    /// Reason (write-offs).
    pub reason: Option<String>,
    /// The other location of a transfer.
    pub counterpart_location_id: Option<LocationId>,
    /// The purchase operation of a sale.
    pub operation_id: Option<OperationId>,
    /// The employee responsible.
    pub employee_id: Option<EmployeeId>,
    /// Who recorded it.
    pub actor: Actor,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// Filters of the movement list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MovementFilter {
    /// One product.
    pub product_id: Option<ProductId>,
    /// One location.
    pub location_id: Option<LocationId>,
    /// One kind.
    pub kind: Option<MovementKind>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
}

/// A product's stock at one location, from the maintained balance table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    /// Where.
    pub location_id: LocationId,
    /// The location's name.
    pub location_name: String,
    /// On hand.
    pub quantity: Quantity,
    /// Reserved by orders (0 until orders exist).
    pub reserved: Quantity,
    /// When it last moved.
    pub last_movement_at: Timestamp,
}

/// A product's stock everywhere, valued at cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockReport {
    /// The product.
    pub product: Product,
    /// Per location.
    pub levels: Vec<StockLevel>,
}

/// A product at or below its low-stock threshold at a location: an alert source for
/// analytics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowStock {
    /// The product.
    pub product_id: ProductId,
    /// Where.
    pub location_id: LocationId,
    /// On hand.
    pub quantity: Quantity,
    /// The threshold.
    pub threshold: Quantity,
}

/// Why a ledger refused a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerRefusal {
    /// The stock at a location would go below zero.
    InsufficientStock {
        /// Where.
        location_id: LocationId,
        /// What is there.
        available: Quantity,
    },
    /// Storage failed.
    Storage(crm_core::RepoError),
}

impl From<crm_core::RepoError> for LedgerRefusal {
    fn from(e: crm_core::RepoError) -> Self {
        LedgerRefusal::Storage(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_exactly() {
        assert_eq!(Quantity::parse("12"), Ok(Quantity(12_000)));
        assert_eq!(Quantity::parse("0.25"), Ok(Quantity(250)));
        assert_eq!(Quantity::parse("-1.5"), Ok(Quantity(-1_500)));
        assert_eq!(Quantity::parse("1.2340"), Ok(Quantity(1_234)));
        assert_eq!(Quantity::parse("1.2345"), Err(QuantityError::TooPrecise));
        for bad in ["", "abc", "1e3", ".5", "1.", "--1", "NaN"] {
            assert_eq!(
                Quantity::parse(bad),
                Err(QuantityError::NotANumber),
                "{bad}"
            );
        }
        assert_eq!(Quantity::parse("1000000001"), Err(QuantityError::TooLarge));
        assert_eq!(Quantity::from_f64(0.1), Ok(Quantity(100)));
        assert_eq!(Quantity::from_f64(f64::NAN), Err(QuantityError::NotANumber));
        assert_eq!(Quantity(1_500).to_string(), "1.5");
        assert_eq!(Quantity(-2_000).to_string(), "-2");
        assert_eq!(
            Quantity(250).value_at(Money::from_minor(199)),
            Money::from_minor(50)
        );
    }

    fn card(kind: ProductKind) -> ProductDefinition {
        ProductDefinition {
            kind,
            name: "Coffee".into(),
            category: None,
            description: None,
            price: Money::from_minor(100),
            cost_price: None,
            unit: "pcs".into(),
            sku: Some("C-1".into()),
            barcode: None,
            duration_minutes: None,
            photo_url: None,
            low_stock_threshold: None,
        }
    }

    #[test]
    fn definitions_are_checked() {
        assert_eq!(card(ProductKind::Product).validate(), Ok(()));
        let mut bad = card(ProductKind::Product);
        bad.name = "x".repeat(201);
        bad.duration_minutes = Some(30);
        bad.sku = Some("with space".into());
        bad.photo_url = Some("ftp://x".into());
        let fields: Vec<_> = bad
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "sku", "duration_minutes", "photo_url"]);
        let mut service = card(ProductKind::Service);
        service.duration_minutes = Some(60);
        assert_eq!(service.validate(), Ok(()));
        service.low_stock_threshold = Some(Quantity::units(1));
        assert!(service.validate().is_err());
    }
}
