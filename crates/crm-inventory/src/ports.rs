//! The repository traits goods, services and stock need from the outside world.

use crate::model::{
    LedgerRefusal, Location, LocationDefinition, LowStock, Movement, MovementFilter, MovementPlan,
    Product, ProductDefinition, ProductFilter, StockLevel,
};
use crm_core::{Actor, LocationId, Page, PageRequest, ProductId, RepoError, Timestamp};

/// Storage of product and service cards. A clash of SKUs or barcodes reports
/// `RepoError::Conflict` naming `sku` or `barcode`.
#[cfg_attr(test, mockall::automock)]
pub trait ProductRepository {
    /// Stores a new card.
    fn insert(&self, definition: &ProductDefinition, at: Timestamp) -> Result<Product, RepoError>;

    /// One card, archived or not.
    fn get(&self, id: ProductId) -> Result<Option<Product>, RepoError>;

    /// Replaces a card's definition; `Ok(None)` when it does not exist.
    fn update(
        &self,
        id: ProductId,
        definition: &ProductDefinition,
        at: Timestamp,
    ) -> Result<Option<Product>, RepoError>;

    /// Archives a card (keeps an earlier archive time); `Ok(None)` when it does not exist.
    fn archive(&self, id: ProductId, at: Timestamp) -> Result<Option<Product>, RepoError>;

    /// A page of cards by name (ties by id).
    fn list(&self, filter: &ProductFilter, page: PageRequest) -> Result<Page<Product>, RepoError>;
}

/// Storage of warehouses and points of sale.
#[cfg_attr(test, mockall::automock)]
pub trait LocationRepository {
    /// Stores a new location.
    fn insert(&self, definition: &LocationDefinition, at: Timestamp)
        -> Result<Location, RepoError>;

    /// One location.
    fn get(&self, id: LocationId) -> Result<Option<Location>, RepoError>;

    /// A page of locations in id order; inactive ones only when asked.
    fn list(&self, include_inactive: bool, page: PageRequest) -> Result<Page<Location>, RepoError>;
}

/// The append-only stock ledger and the balance table it maintains.
#[cfg_attr(test, mockall::automock)]
pub trait StockLedger {
    /// Commits every line of the plan in one transaction: a movement row and a guarded update
    /// of the balance per line; a line that would take the stock below zero (unless the
    /// settings allow negative stock) refuses the whole plan.
    fn record(&self, plan: &MovementPlan) -> Result<Vec<Movement>, LedgerRefusal>;

    /// A product's stock per location, from the balance table.
    fn stock(&self, product_id: ProductId) -> Result<Vec<StockLevel>, RepoError>;

    /// A page of movements, newest first (ties by id).
    fn movements(
        &self,
        filter: &MovementFilter,
        page: PageRequest,
    ) -> Result<Page<Movement>, RepoError>;

    /// Stock levels at or below their product's threshold, for alerts.
    fn low_stock(&self, page: PageRequest) -> Result<Page<LowStock>, RepoError>;

    /// The system setting that lets stock go below zero (off by default).
    fn negative_stock_allowed(&self) -> Result<bool, RepoError>;

    /// Changes that setting, appending the change to the settings' audit trail when it
    /// changes; returns the value now in force.
    fn set_negative_stock_allowed(
        &self,
        allowed: bool,
        actor: Actor,
        at: Timestamp,
    ) -> Result<bool, RepoError>;
}

impl<T: ProductRepository + ?Sized> ProductRepository for std::sync::Arc<T> {
    fn insert(&self, definition: &ProductDefinition, at: Timestamp) -> Result<Product, RepoError> {
        (**self).insert(definition, at)
    }
    fn get(&self, id: ProductId) -> Result<Option<Product>, RepoError> {
        (**self).get(id)
    }
    fn update(
        &self,
        id: ProductId,
        definition: &ProductDefinition,
        at: Timestamp,
    ) -> Result<Option<Product>, RepoError> {
        (**self).update(id, definition, at)
    }
    fn archive(&self, id: ProductId, at: Timestamp) -> Result<Option<Product>, RepoError> {
        (**self).archive(id, at)
    }
    fn list(&self, filter: &ProductFilter, page: PageRequest) -> Result<Page<Product>, RepoError> {
        (**self).list(filter, page)
    }
}

impl<T: LocationRepository + ?Sized> LocationRepository for std::sync::Arc<T> {
    fn insert(
        &self,
        definition: &LocationDefinition,
        at: Timestamp,
    ) -> Result<Location, RepoError> {
        (**self).insert(definition, at)
    }
    fn get(&self, id: LocationId) -> Result<Option<Location>, RepoError> {
        (**self).get(id)
    }
    fn list(&self, include_inactive: bool, page: PageRequest) -> Result<Page<Location>, RepoError> {
        (**self).list(include_inactive, page)
    }
}

impl<T: StockLedger + ?Sized> StockLedger for std::sync::Arc<T> {
    fn record(&self, plan: &MovementPlan) -> Result<Vec<Movement>, LedgerRefusal> {
        (**self).record(plan)
    }
    fn stock(&self, product_id: ProductId) -> Result<Vec<StockLevel>, RepoError> {
        (**self).stock(product_id)
    }
    fn movements(
        &self,
        filter: &MovementFilter,
        page: PageRequest,
    ) -> Result<Page<Movement>, RepoError> {
        (**self).movements(filter, page)
    }
    fn low_stock(&self, page: PageRequest) -> Result<Page<LowStock>, RepoError> {
        (**self).low_stock(page)
    }
    fn negative_stock_allowed(&self) -> Result<bool, RepoError> {
        (**self).negative_stock_allowed()
    }
    fn set_negative_stock_allowed(
        &self,
        allowed: bool,
        actor: Actor,
        at: Timestamp,
    ) -> Result<bool, RepoError> {
        (**self).set_negative_stock_allowed(allowed, actor, at)
    }
}
