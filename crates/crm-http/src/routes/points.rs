//! Points upkeep: manual accruals and withdrawals on a client's balance, and the expiry run.
//!
//! Both are for owners and admins (`Role::manages_finance`). `POST .../points` honours an
//! `Idempotency-Key` header: the same key with the same body returns the stored result (with
//! `replayed: true`); with another body, 409 `idempotency_key_reused`.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::clients::ClientPath;
use crate::dto::points::{AdjustPointsBody, AdjustmentResponse, ExpiryResponse};
use crate::error::ApiError;
use crate::routes::operations::idempotency_key;
use crate::state::AppState;
use actix_web::HttpRequest;
use crm_core::{Actor, ClientId, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

/// Accrues (positive `amount`) or withdraws (negative) points by hand, with a reason.
///
/// An accrual is spendable at once and expires per the loyalty rules; a withdrawal takes the
/// oldest spendable points first and may not exceed them (422 `too_many_points` names the
/// maximum on `amount`). Recorded in the ledger as `adjustment` by the signed-in employee,
/// atomically with the balance. Send `Idempotency-Key` to retry safely.
#[api_v2_operation(tags(Operations))]
async fn adjust_points(
    req: HttpRequest,
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ClientPath>,
    body: Body<AdjustPointsBody>,
) -> Result<CreatedJson<AdjustmentResponse>, ApiError> {
    staff.require(Role::manages_finance, "adjust points")?;
    let key = idempotency_key(&req)?;
    let request = body
        .into_inner()
        .into_request(ClientId(path.client_id))
        .map_err(ApiError::validation)?;
    let upkeep = state.points_upkeep();
    let actor = Actor::Employee(staff.employee_id);
    let (adjustment, replayed) = web::block(move || upkeep.adjust(&request, key, actor)).await??;
    Ok(CreatedJson(AdjustmentResponse::new(adjustment, replayed)))
}

/// Settles the points that reached their expiry now: one `expiry` ledger entry per expired
/// lot, balances lowered, in batches of clients. The server also runs this at start-up and
/// every hour; running it again finds nothing new.
#[api_v2_operation(tags(Operations))]
async fn expire_points(
    staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<ExpiryResponse>, ApiError> {
    staff.require(Role::manages_finance, "run the points expiry")?;
    let upkeep = state.points_upkeep();
    let report = web::block(move || upkeep.expire()).await??;
    Ok(web::Json(report.into()))
}

/// Mounts the points upkeep routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/clients/{client_id}/points")
            .route(web::post().to(adjust_points)),
    )
    .service(
        web::resource("/api/v1/admin/loyalty/expire-points").route(web::post().to(expire_points)),
    );
}

/// Gives a client created just now the welcome bonus of the loyalty rules (once; a second
/// grant is a no-op). Blocking: call it on the blocking pool. A failure is logged, never
/// returned: the client exists already, and their sign-in or registration must not fail
/// because of the bonus. Returns whether a bonus was written.
pub fn grant_welcome_bonus(state: &AppState, client: ClientId) -> bool {
    match state.points_upkeep().grant_welcome_bonus(client) {
        Ok(granted) => granted.is_some(),
        Err(e) => {
            tracing::error!(client_id = %client, error = %e, "welcome bonus not granted");
            false
        }
    }
}
