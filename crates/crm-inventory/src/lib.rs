//! Goods, services and stock: product and service cards, warehouses and points of sale, stock
//! per location derived from movements (receipt, write-off, transfer, sale, return, inventory
//! adjustment).
//!
//! Stock is an append-only ledger of [`model::Movement`]s; the stock level per product and
//! location is a balance the ledger maintains in the same transaction as each movement, guarded
//! so it never goes below zero unless the business allows negative stock. Quantities are exact
//! thousandths of a unit ([`model::Quantity`]). This crate depends on nothing that does I/O.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::InventoryError;
pub use model::{
    Location, LocationDefinition, LocationKind, Movement, MovementAction, MovementCommand,
    MovementFilter, MovementKind, Product, ProductDefinition, ProductFilter, ProductKind,
    ProductState, ProductUpdate, Quantity, StockLevel, StockReport,
};
pub use ports::{LocationRepository, ProductRepository, StockLedger};
pub use service::Inventory;
