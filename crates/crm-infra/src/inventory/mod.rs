//! [`SqliteInventoryRepository`]: goods, services and stock in SQLite, implementing the ports of
//! [`crm_inventory`].
//!
//! Stock is two tables: `stock_movements`, the append-only ledger (triggers refuse UPDATE and
//! DELETE), and `stock_balances`, one row per product and location that each movement updates in
//! the same `BEGIN IMMEDIATE` transaction. The update of a decrement is guarded in SQL
//! (`WHERE quantity >= ?` unless the settings allow negative stock), and SQLite serialises
//! writers, so parallel write-offs cannot overdraw. Reading a product's stock reads its balance
//! rows (the primary key `(product_id, location_id)`); movement lists use the
//! `(product_id | location_id | kind, created_at, id)` indexes.
//!
//! [`record_sales`] is the same ledger step for the lines of a purchase, called by
//! [`crate::SqliteOperationRepository`] inside the purchase's transaction.

pub(crate) mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crm_clients::loyalty::operations::{SaleLine, SaleLineProblem, SaleLineRefusal};
use crm_core::{
    Actor, EmployeeId, LocationId, Money, OperationId, Page, PageRequest, ProductId, RepoError,
    Timestamp,
};
use crm_inventory::model::{
    LedgerRefusal, LowStock, MovementLine, MovementPlan, ProductState, StockChange,
};
use crm_inventory::{
    Location, LocationDefinition, LocationKind, LocationRepository, Movement, MovementFilter,
    MovementKind, Product, ProductDefinition, ProductFilter, ProductKind, ProductRepository,
    Quantity, StockLedger, StockLevel,
};
use diesel::dsl::count_star;
use diesel::prelude::*;
use schema::{locations, products, stock_balances, stock_movements, stock_settings};

/// Goods, services, locations and the stock ledger stored in SQLite. Cheap to clone; shares
/// the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteInventoryRepository {
    db: Database,
}

impl SqliteInventoryRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `products` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = products)]
struct ProductRow {
    id: i64,
    kind: String,
    name: String,
    category: Option<String>,
    description: Option<String>,
    price: i64,
    cost_price: Option<i64>,
    unit: String,
    sku: Option<String>,
    barcode: Option<String>,
    duration_minutes: Option<i64>,
    photo_url: Option<String>,
    low_stock_threshold: Option<i64>,
    archived_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl ProductRow {
    fn into_product(self) -> Result<Product, RepoError> {
        let id = self.id;
        Ok(Product {
            id: ProductId(id),
            definition: ProductDefinition {
                kind: ProductKind::from_code(&self.kind)
                    .ok_or_else(|| corrupt("product kind", id))?,
                name: self.name,
                category: self.category,
                description: self.description,
                price: Money::from_minor(self.price),
                cost_price: self.cost_price.map(Money::from_minor),
                unit: self.unit,
                sku: self.sku,
                barcode: self.barcode,
                duration_minutes: self.duration_minutes,
                photo_url: self.photo_url,
                low_stock_threshold: self.low_stock_threshold.map(Quantity::from_thousandths),
            },
            archived_at: self
                .archived_at
                .map(|ms| stored_time(ms, "product archived_at", id))
                .transpose()?,
            created_at: stored_time(self.created_at, "product created_at", id)?,
            updated_at: stored_time(self.updated_at, "product updated_at", id)?,
        })
    }
}

/// The definition columns of a card.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = products, treat_none_as_null = true)]
struct ProductWrite<'a> {
    kind: &'a str,
    name: &'a str,
    name_lower: String,
    category: Option<&'a str>,
    description: Option<&'a str>,
    price: i64,
    cost_price: Option<i64>,
    unit: &'a str,
    sku: Option<&'a str>,
    barcode: Option<&'a str>,
    duration_minutes: Option<i64>,
    photo_url: Option<&'a str>,
    low_stock_threshold: Option<i64>,
    updated_at: i64,
}

impl<'a> ProductWrite<'a> {
    fn new(d: &'a ProductDefinition, at: Timestamp) -> Self {
        Self {
            kind: d.kind.code(),
            name: &d.name,
            name_lower: crm_core::search_key(&d.name),
            category: d.category.as_deref(),
            description: d.description.as_deref(),
            price: d.price.minor(),
            cost_price: d.cost_price.map(Money::minor),
            unit: &d.unit,
            sku: d.sku.as_deref(),
            barcode: d.barcode.as_deref(),
            duration_minutes: d.duration_minutes,
            photo_url: d.photo_url.as_deref(),
            low_stock_threshold: d.low_stock_threshold.map(Quantity::thousandths),
            updated_at: at.unix_millis(),
        }
    }
}

/// A new `products` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = products)]
struct NewProductRow<'a> {
    #[diesel(embed)]
    definition: ProductWrite<'a>,
    created_at: i64,
}

fn product_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<Product>, Failure> {
    let row = products::table
        .find(id)
        .select(ProductRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(ProductRow::into_product).transpose()?)
}

/// `%text%` for LIKE, with the wildcards of the text escaped by `\`.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

macro_rules! product_filters {
    ($query:expr, $filter:expr) => {{
        let filter: &ProductFilter = $filter;
        let mut query = $query;
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            query = query.filter(
                products::name_lower
                    .like(contains_pattern(&crm_core::search_key(q)))
                    .escape('\\')
                    .or(products::sku.eq(q.to_owned()))
                    .or(products::barcode.eq(q.to_owned())),
            );
        }
        if let Some(kind) = filter.kind {
            query = query.filter(products::kind.eq(kind.code()));
        }
        if let Some(category) = &filter.category {
            query = query.filter(products::category.eq(category.clone()));
        }
        match filter.state {
            ProductState::Active => query = query.filter(products::archived_at.is_null()),
            ProductState::Archived => query = query.filter(products::archived_at.is_not_null()),
            ProductState::All => {}
        }
        query
    }};
}

fn offset(page: PageRequest) -> i64 {
    i64::try_from(page.offset()).unwrap_or(i64::MAX)
}

impl ProductRepository for SqliteInventoryRepository {
    fn insert(&self, definition: &ProductDefinition, at: Timestamp) -> Result<Product, RepoError> {
        let mut conn = self.db.conn()?;
        let created = conn.immediate_transaction(|conn| {
            let id = diesel::insert_into(products::table)
                .values(NewProductRow {
                    definition: ProductWrite::new(definition, at),
                    created_at: at.unix_millis(),
                })
                .returning(products::id)
                .get_result::<i64>(conn)?;
            product_by_id(conn, id)?.ok_or_else(|| Failure(corrupt("product", id)))
        })?;
        Ok(created)
    }

    fn get(&self, id: ProductId) -> Result<Option<Product>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(product_by_id(&mut conn, id.get())?)
    }

    fn update(
        &self,
        id: ProductId,
        definition: &ProductDefinition,
        at: Timestamp,
    ) -> Result<Option<Product>, RepoError> {
        let mut conn = self.db.conn()?;
        let updated = conn.immediate_transaction(|conn| {
            let changed = diesel::update(products::table.find(id.get()))
                .set(ProductWrite::new(definition, at))
                .execute(conn)?;
            if changed == 0 {
                return Ok(None);
            }
            product_by_id(conn, id.get())
        })?;
        Ok(updated)
    }

    fn archive(&self, id: ProductId, at: Timestamp) -> Result<Option<Product>, RepoError> {
        let mut conn = self.db.conn()?;
        let archived = conn.immediate_transaction(|conn| {
            diesel::update(
                products::table
                    .find(id.get())
                    .filter(products::archived_at.is_null()),
            )
            .set((
                products::archived_at.eq(at.unix_millis()),
                products::updated_at.eq(at.unix_millis()),
            ))
            .execute(conn)?;
            product_by_id(conn, id.get())
        })?;
        Ok(archived)
    }

    fn list(&self, filter: &ProductFilter, page: PageRequest) -> Result<Page<Product>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction::<_, Failure, _>(|conn| {
            let total = product_filters!(products::table.select(count_star()).into_boxed(), filter)
                .get_result::<i64>(conn)?;
            let rows = product_filters!(
                products::table.select(ProductRow::as_select()).into_boxed(),
                filter
            )
            .order((products::name_lower.asc(), products::id.asc()))
            .limit(i64::from(page.limit()))
            .offset(offset(page))
            .load::<ProductRow>(conn)?;
            Ok((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(ProductRow::into_product)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}

/// A `locations` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = locations)]
struct LocationRow {
    id: i64,
    kind: String,
    name: String,
    address: Option<String>,
    active: bool,
    created_at: i64,
}

impl LocationRow {
    fn into_location(self) -> Result<Location, RepoError> {
        let id = self.id;
        Ok(Location {
            id: LocationId(id),
            definition: LocationDefinition {
                kind: LocationKind::from_code(&self.kind)
                    .ok_or_else(|| corrupt("location kind", id))?,
                name: self.name,
                address: self.address,
                active: self.active,
            },
            created_at: stored_time(self.created_at, "location created_at", id)?,
        })
    }
}

/// A new `locations` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = locations)]
struct NewLocationRow<'a> {
    kind: &'a str,
    name: &'a str,
    address: Option<&'a str>,
    active: bool,
    created_at: i64,
}

fn location_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<Location>, Failure> {
    let row = locations::table
        .find(id)
        .select(LocationRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(LocationRow::into_location).transpose()?)
}

impl LocationRepository for SqliteInventoryRepository {
    fn insert(
        &self,
        definition: &LocationDefinition,
        at: Timestamp,
    ) -> Result<Location, RepoError> {
        let mut conn = self.db.conn()?;
        let created = conn.immediate_transaction(|conn| {
            let id = diesel::insert_into(locations::table)
                .values(NewLocationRow {
                    kind: definition.kind.code(),
                    name: &definition.name,
                    address: definition.address.as_deref(),
                    active: definition.active,
                    created_at: at.unix_millis(),
                })
                .returning(locations::id)
                .get_result::<i64>(conn)?;
            location_by_id(conn, id)?.ok_or_else(|| Failure(corrupt("location", id)))
        })?;
        Ok(created)
    }

    fn get(&self, id: LocationId) -> Result<Option<Location>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(location_by_id(&mut conn, id.get())?)
    }

    fn list(&self, include_inactive: bool, page: PageRequest) -> Result<Page<Location>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction::<_, Failure, _>(|conn| {
            let mut count = locations::table.select(count_star()).into_boxed();
            let mut query = locations::table
                .select(LocationRow::as_select())
                .into_boxed();
            if !include_inactive {
                count = count.filter(locations::active.eq(true));
                query = query.filter(locations::active.eq(true));
            }
            let total = count.get_result::<i64>(conn)?;
            let rows = query
                .order(locations::id.asc())
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .load::<LocationRow>(conn)?;
            Ok((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(LocationRow::into_location)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}

/// A failure inside a stock transaction: a refused line, or a database error.
#[derive(Debug)]
pub(crate) enum StockFailure {
    /// The stock at the location would go below zero.
    Insufficient {
        /// Where.
        location_id: LocationId,
        /// What is there.
        available: Quantity,
    },
    /// The database failed.
    Diesel(diesel::result::Error),
    /// A stored row could not be read back.
    Storage(RepoError),
}

impl From<diesel::result::Error> for StockFailure {
    fn from(e: diesel::result::Error) -> Self {
        StockFailure::Diesel(e)
    }
}

/// A `stock_movements` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = stock_movements)]
struct MovementRow {
    id: i64,
    product_id: i64,
    location_id: i64,
    kind: String,
    quantity: i64,
    balance_after: i64,
    unit_cost: Option<i64>,
    reason: Option<String>,
    counterpart_location_id: Option<i64>,
    operation_id: Option<i64>,
    employee_id: Option<i64>,
    actor: String,
    comment: Option<String>,
    created_at: i64,
}

impl MovementRow {
    fn into_movement(self) -> Result<Movement, RepoError> {
        let id = self.id;
        Ok(Movement {
            id,
            product_id: ProductId(self.product_id),
            location_id: LocationId(self.location_id),
            kind: MovementKind::from_code(&self.kind)
                .ok_or_else(|| corrupt("movement kind", id))?,
            quantity: Quantity::from_thousandths(self.quantity),
            balance_after: Quantity::from_thousandths(self.balance_after),
            unit_cost: self.unit_cost.map(Money::from_minor),
            reason: self.reason,
            counterpart_location_id: self.counterpart_location_id.map(LocationId),
            operation_id: self.operation_id.map(OperationId),
            employee_id: self.employee_id.map(EmployeeId),
            actor: Actor::from_code(&self.actor).ok_or_else(|| corrupt("movement actor", id))?,
            comment: self.comment,
            created_at: stored_time(self.created_at, "movement created_at", id)?,
        })
    }
}

/// A new `stock_movements` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = stock_movements)]
struct NewMovementRow<'a> {
    product_id: i64,
    location_id: i64,
    kind: &'a str,
    quantity: i64,
    balance_after: i64,
    unit_cost: Option<i64>,
    reason: Option<&'a str>,
    counterpart_location_id: Option<i64>,
    operation_id: Option<i64>,
    employee_id: Option<i64>,
    actor: String,
    comment: Option<&'a str>,
    created_at: i64,
}

/// Whether the settings let stock go below zero.
fn negative_stock_allowed(conn: &mut SqliteConnection) -> Result<bool, diesel::result::Error> {
    Ok(stock_settings::table
        .find(1)
        .select(stock_settings::allow_negative_stock)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Applies one line's change to the balance row, guarded, and returns the signed change and the
/// level after it.
fn apply_change(
    conn: &mut SqliteConnection,
    product_id: i64,
    line: &MovementLine,
    allow_negative: bool,
    at: i64,
) -> Result<(i64, i64), StockFailure> {
    let location_id = line.location_id.get();
    diesel::insert_into(stock_balances::table)
        .values((
            stock_balances::product_id.eq(product_id),
            stock_balances::location_id.eq(location_id),
            stock_balances::quantity.eq(0),
            stock_balances::last_movement_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    let row = stock_balances::table.find((product_id, location_id));
    match line.change {
        StockChange::Add(q) => {
            let after = diesel::update(row)
                .set((
                    stock_balances::quantity.eq(stock_balances::quantity + q.thousandths()),
                    stock_balances::last_movement_at.eq(at),
                ))
                .returning(stock_balances::quantity)
                .get_result::<i64>(conn)?;
            Ok((q.thousandths(), after))
        }
        StockChange::Remove(q) => {
            let guard = if allow_negative {
                i64::MIN
            } else {
                q.thousandths()
            };
            let after = diesel::update(row.filter(stock_balances::quantity.ge(guard)))
                .set((
                    stock_balances::quantity.eq(stock_balances::quantity - q.thousandths()),
                    stock_balances::last_movement_at.eq(at),
                ))
                .returning(stock_balances::quantity)
                .get_result::<i64>(conn)
                .optional()?;
            match after {
                Some(after) => Ok((-q.thousandths(), after)),
                None => {
                    let available = row.select(stock_balances::quantity).first::<i64>(conn)?;
                    Err(StockFailure::Insufficient {
                        location_id: line.location_id,
                        available: Quantity::from_thousandths(available),
                    })
                }
            }
        }
        StockChange::SetTo(counted) => {
            let before = row.select(stock_balances::quantity).first::<i64>(conn)?;
            diesel::update(row)
                .set((
                    stock_balances::quantity.eq(counted.thousandths()),
                    stock_balances::last_movement_at.eq(at),
                ))
                .execute(conn)?;
            Ok((counted.thousandths() - before, counted.thousandths()))
        }
    }
}

/// Writes every line of a plan: the guarded balance update and the movement row each. Runs
/// inside the caller's transaction.
fn write_plan(conn: &mut SqliteConnection, plan: &MovementPlan) -> Result<Vec<i64>, StockFailure> {
    let allow_negative = negative_stock_allowed(conn)?;
    let at = plan.at.unix_millis();
    let mut ids = Vec::with_capacity(plan.lines.len());
    for line in &plan.lines {
        let (delta, after) = apply_change(conn, plan.product_id.get(), line, allow_negative, at)?;
        let id = diesel::insert_into(stock_movements::table)
            .values(NewMovementRow {
                product_id: plan.product_id.get(),
                location_id: line.location_id.get(),
                kind: plan.kind.code(),
                quantity: delta,
                balance_after: after,
                unit_cost: plan.unit_cost.map(Money::minor),
                reason: plan.reason.as_deref(),
                counterpart_location_id: line.counterpart_location_id.map(LocationId::get),
                operation_id: plan.operation_id.map(OperationId::get),
                employee_id: plan.employee_id.map(EmployeeId::get),
                actor: plan.actor.to_string(),
                comment: plan.comment.as_deref(),
                created_at: at,
            })
            .returning(stock_movements::id)
            .get_result::<i64>(conn)?;
        ids.push(id);
    }
    Ok(ids)
}

/// The sale movements of a purchase's lines, inside the purchase's transaction: each product
/// must be goods and not archived, the location must exist and be active, and the stock must
/// cover the quantity (unless negative stock is allowed). A refusal names the line.
pub(crate) fn record_sales(
    conn: &mut SqliteConnection,
    operation_id: OperationId,
    location_id: LocationId,
    lines: &[SaleLine],
    employee_id: Option<EmployeeId>,
    actor: Actor,
    at: Timestamp,
) -> Result<Result<(), SaleLineRefusal>, diesel::result::Error> {
    let location = locations::table
        .find(location_id.get())
        .select(locations::active)
        .first::<bool>(conn)
        .optional()?;
    for (index, line) in lines.iter().enumerate() {
        let refuse = |problem| {
            Ok(Err(SaleLineRefusal {
                index,
                product_id: line.product_id,
                problem,
            }))
        };
        match location {
            None => return refuse(SaleLineProblem::LocationNotFound),
            Some(false) => return refuse(SaleLineProblem::LocationInactive),
            Some(true) => {}
        }
        let product = products::table
            .find(line.product_id.get())
            .select((products::kind, products::archived_at))
            .first::<(String, Option<i64>)>(conn)
            .optional()?;
        match product {
            None => return refuse(SaleLineProblem::ProductNotFound),
            Some((kind, _)) if kind != ProductKind::Product.code() => {
                return refuse(SaleLineProblem::NotStockable)
            }
            Some((_, Some(_))) => return refuse(SaleLineProblem::ProductArchived),
            Some(_) => {}
        }
        let plan = MovementPlan {
            product_id: line.product_id,
            kind: MovementKind::Sale,
            lines: vec![MovementLine {
                location_id,
                change: StockChange::Remove(Quantity::from_thousandths(line.quantity)),
                counterpart_location_id: None,
            }],
            unit_cost: None,
            reason: None,
            operation_id: Some(operation_id),
            employee_id,
            actor,
            comment: None,
            at,
        };
        match write_plan(conn, &plan) {
            Ok(_) => {}
            Err(StockFailure::Diesel(e)) => return Err(e),
            Err(StockFailure::Storage(e)) => {
                return Err(diesel::result::Error::QueryBuilderError(
                    e.to_string().into(),
                ))
            }
            Err(StockFailure::Insufficient { available, .. }) => {
                return refuse(SaleLineProblem::InsufficientStock {
                    available: available.thousandths(),
                })
            }
        }
    }
    Ok(Ok(()))
}

fn movements_by_ids(conn: &mut SqliteConnection, ids: &[i64]) -> Result<Vec<Movement>, Failure> {
    let rows = stock_movements::table
        .filter(stock_movements::id.eq_any(ids))
        .order(stock_movements::id.asc())
        .select(MovementRow::as_select())
        .load::<MovementRow>(conn)?;
    Ok(rows
        .into_iter()
        .map(MovementRow::into_movement)
        .collect::<Result<_, _>>()?)
}

macro_rules! movement_filters {
    ($query:expr, $filter:expr) => {{
        let filter: &MovementFilter = $filter;
        let mut query = $query;
        if let Some(product) = filter.product_id {
            query = query.filter(stock_movements::product_id.eq(product.get()));
        }
        if let Some(location) = filter.location_id {
            query = query.filter(stock_movements::location_id.eq(location.get()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(stock_movements::kind.eq(kind.code()));
        }
        if let Some(from) = filter.from {
            query = query.filter(stock_movements::created_at.ge(from.unix_millis()));
        }
        if let Some(to) = filter.to {
            query = query.filter(stock_movements::created_at.lt(to.unix_millis()));
        }
        query
    }};
}

impl StockLedger for SqliteInventoryRepository {
    fn record(&self, plan: &MovementPlan) -> Result<Vec<Movement>, LedgerRefusal> {
        let mut conn = self.db.conn()?;
        let outcome = conn.immediate_transaction::<_, StockFailure, _>(|conn| {
            let ids = write_plan(conn, plan)?;
            movements_by_ids(conn, &ids).map_err(|Failure(e)| StockFailure::Storage(e))
        });
        match outcome {
            Ok(movements) => Ok(movements),
            Err(StockFailure::Insufficient {
                location_id,
                available,
            }) => Err(LedgerRefusal::InsufficientStock {
                location_id,
                available,
            }),
            Err(StockFailure::Diesel(e)) => {
                Err(LedgerRefusal::Storage(crate::error::map_diesel_error(e)))
            }
            Err(StockFailure::Storage(e)) => Err(LedgerRefusal::Storage(e)),
        }
    }

    fn stock(&self, product_id: ProductId) -> Result<Vec<StockLevel>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = stock_balances::table
            .inner_join(locations::table)
            .filter(stock_balances::product_id.eq(product_id.get()))
            .order(stock_balances::location_id.asc())
            .select((
                stock_balances::location_id,
                locations::name,
                stock_balances::quantity,
                stock_balances::last_movement_at,
            ))
            .load::<(i64, String, i64, i64)>(&mut conn)
            .map_err(Failure::from)?;
        rows.into_iter()
            .map(|(location, name, quantity, last)| {
                Ok(StockLevel {
                    location_id: LocationId(location),
                    location_name: name,
                    quantity: Quantity::from_thousandths(quantity),
                    reserved: Quantity::ZERO,
                    last_movement_at: stored_time(last, "stock last_movement_at", location)?,
                })
            })
            .collect()
    }

    fn movements(
        &self,
        filter: &MovementFilter,
        page: PageRequest,
    ) -> Result<Page<Movement>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction::<_, Failure, _>(|conn| {
            let total = movement_filters!(
                stock_movements::table.select(count_star()).into_boxed(),
                filter
            )
            .get_result::<i64>(conn)?;
            let rows = movement_filters!(
                stock_movements::table
                    .select(MovementRow::as_select())
                    .into_boxed(),
                filter
            )
            .order((
                stock_movements::created_at.desc(),
                stock_movements::id.desc(),
            ))
            .limit(i64::from(page.limit()))
            .offset(offset(page))
            .load::<MovementRow>(conn)?;
            Ok((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(MovementRow::into_movement)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn negative_stock_allowed(&self) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(negative_stock_allowed(&mut conn).map_err(Failure::from)?)
    }

    fn set_negative_stock_allowed(
        &self,
        allowed: bool,
        actor: Actor,
        at: Timestamp,
    ) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let now = conn.immediate_transaction::<_, Failure, _>(|conn| {
            let before = negative_stock_allowed(conn)?;
            if before == allowed {
                return Ok(before);
            }
            diesel::update(stock_settings::table.find(1))
                .set((
                    stock_settings::allow_negative_stock.eq(allowed),
                    stock_settings::updated_at.eq(Some(at.unix_millis())),
                    stock_settings::updated_by.eq(Some(actor.to_string())),
                ))
                .execute(conn)?;
            diesel::insert_into(crate::schema::system_settings_changes::table)
                .values((
                    crate::schema::system_settings_changes::field
                        .eq("inventory.allow_negative_stock"),
                    crate::schema::system_settings_changes::old_value.eq(before.to_string()),
                    crate::schema::system_settings_changes::new_value.eq(allowed.to_string()),
                    crate::schema::system_settings_changes::actor.eq(actor.to_string()),
                    crate::schema::system_settings_changes::at.eq(at.unix_millis()),
                ))
                .execute(conn)?;
            Ok(allowed)
        })?;
        Ok(now)
    }

    fn low_stock(&self, page: PageRequest) -> Result<Page<LowStock>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction::<_, Failure, _>(|conn| {
            let low = products::low_stock_threshold
                .is_not_null()
                .and(products::archived_at.is_null())
                .and(
                    stock_balances::quantity
                        .nullable()
                        .le(products::low_stock_threshold),
                );
            let total = stock_balances::table
                .inner_join(products::table)
                .filter(low)
                .select(count_star())
                .get_result::<i64>(conn)?;
            let rows = stock_balances::table
                .inner_join(products::table)
                .filter(low)
                .order((stock_balances::product_id, stock_balances::location_id))
                .select((
                    stock_balances::product_id,
                    stock_balances::location_id,
                    stock_balances::quantity,
                    products::low_stock_threshold,
                ))
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .load::<(i64, i64, i64, Option<i64>)>(conn)?;
            Ok((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(|(product, location, quantity, threshold)| LowStock {
                    product_id: ProductId(product),
                    location_id: LocationId(location),
                    quantity: Quantity::from_thousandths(quantity),
                    threshold: Quantity::from_thousandths(threshold.unwrap_or(0)),
                })
                .collect(),
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}
