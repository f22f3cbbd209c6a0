//! `/health` (the process is up) and `/ready` (the database answers).

use crate::error::ApiError;
use crate::state::AppState;
use paperclip::actix::{api_v2_operation, web, Apiv2Schema};
use serde::Serialize;

/// Liveness.
#[derive(Serialize, Apiv2Schema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// Readiness.
#[derive(Serialize, Apiv2Schema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    /// `ok` when the database answered.
    pub database: String,
}

/// Liveness: the process serves requests.
#[api_v2_operation(tags(Probes))]
async fn health() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Readiness: the database answers a query.
#[api_v2_operation(tags(Probes))]
async fn ready(state: web::Data<AppState>) -> Result<web::Json<Ready>, ApiError> {
    let check = state.readiness.clone();
    web::block(move || check()).await?.map_err(|cause| {
        ApiError::unavailable("not_ready", "The database is not reachable.", cause)
    })?;
    Ok(web::Json(Ready {
        status: "ready".into(),
        database: "ok".into(),
    }))
}

/// Mounts the probes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").route(web::get().to(health)))
        .service(web::resource("/ready").route(web::get().to(ready)));
}
