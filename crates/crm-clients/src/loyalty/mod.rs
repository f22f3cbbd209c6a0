//! Loyalty: the rules of the programme (settings), levels, and — as they land — operations,
//! the points ledger, referral rewards and certificates.

pub mod levels;
pub mod purchase;
pub mod referral;
pub mod rules;

pub use levels::{Level, LevelThreshold};
pub use rules::LoyaltyRules;
