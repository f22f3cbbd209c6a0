//! [`InventoryError`]: why a use case of this crate refused or failed.

use crate::model::Quantity;
use crm_core::{FieldError, LocationId, ProductId, RepoError};

/// The failures of this crate's use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// No product or service with that id.
    #[error("product not found")]
    NotFound,
    /// No location with that id.
    #[error("location {0} not found")]
    LocationNotFound(LocationId),
    /// One or more fields are invalid.
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// A unique field (SKU or barcode) already belongs to another card.
    #[error("{field} is already used by another product")]
    Duplicate {
        /// `sku` or `barcode`.
        field: String,
    },
    /// The card is a service: it has no stock.
    #[error("product {0} is a service and has no stock")]
    NotStockable(ProductId),
    /// The card is archived: its stock no longer moves.
    #[error("product {0} is archived")]
    ProductArchived(ProductId),
    /// The location is inactive.
    #[error("location {0} is inactive")]
    LocationInactive(LocationId),
    /// The stock at a location would go below zero.
    #[error("only {available} of product {product_id} at location {location_id}")]
    InsufficientStock {
        /// The product.
        product_id: ProductId,
        /// Where.
        location_id: LocationId,
        /// What is there.
        available: Quantity,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for InventoryError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => InventoryError::NotFound,
            RepoError::Conflict {
                field: Some(field), ..
            } if field == "sku" || field == "barcode" => InventoryError::Duplicate { field },
            other => InventoryError::Storage(other),
        }
    }
}
