//! Goods, services and stock: product and service cards, warehouses and points of sale, stock
//! per location derived from movements (receipt, write-off, transfer, sale, return, inventory
//! adjustment).
//!
//! This crate is a skeleton today: its models, ports and use cases arrive with the issue that
//! builds this part of the product. It already has the shape every domain crate shares —
//! `model`, `ports`, `service`, `error` — and depends on nothing that does I/O.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::InventoryError;
