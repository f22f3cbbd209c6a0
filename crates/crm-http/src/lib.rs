//! The HTTP API of the CRM: actix-web routes, authentication, one problem+json error shape,
//! OpenAPI at `/openapi.json` and Swagger UI at `/docs`.
//!
//! [`app::build_app`] assembles the application from an [`state::AppState`] (the ports and
//! settings), so tests drive exactly what production serves. The `crm-server` binary is the
//! composition root: configuration, the SQLite adapters, migrations, CLI and graceful shutdown.

pub mod app;
pub mod attempts;
pub mod auth;
pub mod body;
pub mod certificate_codes;
pub mod config;
pub mod csv;
pub mod dto;
pub mod error;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod schedulers;
pub mod state;
pub mod wiring;

pub use app::build_app;
pub use error::ApiError;
pub use state::{AppState, AuthSettings, HttpSettings};
