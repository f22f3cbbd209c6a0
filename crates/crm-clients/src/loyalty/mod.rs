//! Loyalty: the rules of the programme (settings), levels, and — as they land — operations,
//! the points ledger, referral rewards and certificates.

pub mod adjustments;
pub mod error;
pub mod ledger;
pub mod levels;
pub mod operations;
pub mod ports;
pub mod postings;
pub mod programmes;
pub mod purchase;
pub mod referral;
pub mod rules;
pub mod service;

pub use error::OperationError;
pub use levels::{Level, LevelThreshold};
pub use programmes::ReferralProgrammes;
pub use rules::LoyaltyRules;
pub use service::Checkout;
