//! Routes, one module per area; each exposes `configure` for the app factory.

pub mod analytics_audience;
pub mod analytics_sales;
pub mod app;
pub mod appointments;
pub mod auth;
pub mod campaigns;
pub mod certificates;
pub mod clients;
pub mod control_tower;
pub mod dashboard;
pub mod dialogues;
pub mod docs;
pub mod feedback;
pub mod health;
pub mod inventory;
pub mod levels;
pub mod news;
pub mod operations;
pub mod points;
pub mod referral;
pub mod reminders;
pub mod settings;
pub mod staff;
pub mod traffic;
