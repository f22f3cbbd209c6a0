//! `/api/v1/app/me`: the signed-in client's own card and consents, for the Mini App.

use crate::auth::AppUser;
use crate::body::Body;
use crate::dto::clients::{ClientResponse, ConsentsRequest};
use crate::error::ApiError;
use crate::state::AppState;
use paperclip::actix::{api_v2_operation, web};

/// The signed-in client's card (by client token or `tma <initData>`).
#[api_v2_operation(tags(App))]
async fn me(
    user: AppUser,
    state: web::Data<AppState>,
) -> Result<web::Json<ClientResponse>, ApiError> {
    let base = state.client_base();
    let card = web::block(move || base.card(user.client_id)).await??;
    Ok(web::Json(card.into()))
}

/// The client gives or withdraws their own consents; each change is timed and audited.
#[api_v2_operation(tags(App))]
async fn update_my_consents(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<ConsentsRequest>,
) -> Result<web::Json<ClientResponse>, ApiError> {
    let changes = body.into_inner().into();
    let base = state.client_base();
    let card = web::block(move || {
        base.change_own_consents(user.client_id, changes)?;
        base.card(user.client_id)
    })
    .await??;
    Ok(web::Json(card.into()))
}

/// Mounts the Mini App routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/app/me").route(web::get().to(me)))
        .service(web::resource("/api/v1/app/me/consents").route(web::put().to(update_my_consents)));
}
