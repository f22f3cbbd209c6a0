//! Clients and their consents — the client base of the business.
//!
//! This crate owns the client card (contacts, tags, attribution, loyalty figures kept up to date
//! by operations), the five consents with the audit trail of every change, search and filters
//! over the base, and the rule that a Mini App user becomes a client on first sign-in. Loyalty
//! (operations, the points ledger, levels, referral programmes, certificates, traffic channels
//! and loyalty settings) grows here as its own sub-areas.
//!
//! Everything is pure: storage is reached through the [`ports::ClientRepository`] port and time
//! through [`crm_core::Clock`], so a caller wires in the adapters it likes.

pub mod certificates;
pub mod consent;
pub mod error;
pub mod loyalty;
pub mod model;
pub mod ports;
pub mod service;
pub mod settings;
pub mod traffic;

pub use consent::{
    ConsentChange, ConsentChanges, ConsentEvent, ConsentKind, ConsentSet, ConsentState,
};
pub use error::ClientError;
pub use model::*;
pub use ports::ClientRepository;
pub use service::ClientBase;
