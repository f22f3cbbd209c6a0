//! `/api/v1/app/me`: the signed-in client's own card and consents, for the Mini App.

use crate::auth::AppUser;
use crate::body::Body;
use crate::dto::clients::{ClientResponse, ConsentsRequest};
use crate::dto::operations::PaymentCodeResponse;
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::loyalty::operations::PAYMENT_CODE_TTL_SECONDS;
use paperclip::actix::{api_v2_operation, web, CreatedJson};

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
/// Withdrawing personal data or marketing consent cancels queued advertising messages at once;
/// withdrawing an SMS, e-mail or app push consent cancels those on that channel.
#[api_v2_operation(tags(App))]
async fn update_my_consents(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<ConsentsRequest>,
) -> Result<web::Json<ClientResponse>, ApiError> {
    let changes = body.into_inner().into();
    let withdraws = crate::routes::campaigns::withdraws_advertising(&changes);
    let channels = crate::routes::campaigns::withdrawn_channels(&changes);
    let base = state.client_base();
    let campaigns = state.campaigns();
    let card = web::block(move || {
        base.change_own_consents(user.client_id, changes)?;
        if withdraws {
            campaigns.opt_out(user.client_id)?;
        } else {
            campaigns.withdraw_channels(user.client_id, &channels)?;
        }
        Ok::<_, ApiError>(base.card(user.client_id)?)
    })
    .await??;
    Ok(web::Json(card.into()))
}

/// Draws a uniformly random six-digit code (rejection sampling, no modulo bias).
fn draw_code() -> String {
    let random = ring::rand::SystemRandom::new();
    loop {
        let mut bytes = [0u8; 4];
        if ring::rand::SecureRandom::fill(&random, &mut bytes).is_err() {
            continue;
        }
        let n = u32::from_le_bytes(bytes);
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// A fresh one-time payment code to show the cashier: six digits, valid five minutes, one at a
/// time (a new code replaces the previous one). The cashier needs it to spend the client's
/// points.
#[api_v2_operation(tags(App))]
async fn payment_code(
    user: AppUser,
    state: web::Data<AppState>,
) -> Result<CreatedJson<PaymentCodeResponse>, ApiError> {
    let checkout = state.checkout();
    let (code, expires_at) =
        web::block(move || checkout.issue_payment_code(user.client_id, draw_code)).await??;
    Ok(CreatedJson(PaymentCodeResponse {
        code,
        expires_at,
        valid_seconds: PAYMENT_CODE_TTL_SECONDS,
    }))
}

/// Mounts the Mini App routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/app/me").route(web::get().to(me)))
        .service(web::resource("/api/v1/app/payment-code").route(web::post().to(payment_code)))
        .service(web::resource("/api/v1/app/me/consents").route(web::put().to(update_my_consents)));
}
