//! Request and response bodies of the API, with their OpenAPI schemas.

pub mod analytics_audience;
pub mod analytics_sales;
pub mod appointments;
pub mod auth;
pub mod campaigns;
pub mod certificates;
pub mod clients;
pub mod common;
pub mod control_tower;
pub mod dashboard;
pub mod dialogues;
pub mod feedback;
pub mod inventory;
pub mod levels;
pub mod news;
pub mod operations;
pub mod period;
pub mod points;
pub mod referral;
pub mod reminders;
pub mod settings;
pub mod staff;
pub mod traffic;
