//! Routes, one module per area; each exposes `configure` for the app factory.

pub mod app;
pub mod auth;
pub mod campaigns;
pub mod certificates;
pub mod clients;
pub mod docs;
pub mod health;
pub mod inventory;
pub mod levels;
pub mod operations;
pub mod points;
pub mod referral;
pub mod settings;
pub mod staff;
pub mod traffic;
