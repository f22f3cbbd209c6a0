//! Request and response bodies of the API, with their OpenAPI schemas.

pub mod auth;
pub mod campaigns;
pub mod certificates;
pub mod clients;
pub mod common;
pub mod inventory;
pub mod levels;
pub mod operations;
pub mod period;
pub mod points;
pub mod referral;
pub mod settings;
pub mod staff;
pub mod traffic;
