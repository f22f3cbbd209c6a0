//! `POST /api/v1/auth/telegram/verify`: initData in, access token and user out; at most
//! [`crate::rate_limit::SIGN_INS_PER_ADDRESS`] attempts per peer address a minute (429 with `Retry-After` beyond).

use crate::auth::extract::verify_init_data;
use crate::auth::sign_in;
use crate::body::Body;
use crate::dto::auth::{StaffSummary, VerifyRequest, VerifyResponse};
use crate::error::ApiError;
use crate::rate_limit::{text_key, RequestLimits};
use crate::state::AppState;
use actix_web::HttpRequest;
use crm_core::Timestamp;
use paperclip::actix::{api_v2_operation, web};

/// Verifies Telegram Mini App initData and signs the user in.
///
/// The signature is checked with the bot token exactly as Telegram specifies (HMAC-SHA256,
/// constant-time comparison), `auth_date` must be fresh. The client is created on first sign-in
/// (with the welcome bonus of the loyalty rules, shown in `client.points_balance`) and matched
/// by Telegram id afterwards; an active employee (or a Telegram id listed in
/// OWNER_TELEGRAM_IDS) gets a staff token. Refusals are 401 with a code naming the reason
/// (`init_data_signature_invalid`, `init_data_expired`, ...); 503 when no bot token is set.
/// At most 30 attempts per IP address a minute: beyond, 429 `too_many_sign_ins` with
/// `Retry-After`.
#[api_v2_operation(tags(Auth))]
async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    limits: web::Data<RequestLimits>,
    body: Body<VerifyRequest>,
) -> Result<web::Json<VerifyResponse>, ApiError> {
    // Requests without a peer address (none over TCP) share one key.
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    limits
        .sign_in
        .try_acquire(text_key(&address))
        .map_err(|seconds| {
            ApiError::too_many_requests(
                "too_many_sign_ins",
                format!("Too many sign-in attempts from this address; retry in {seconds} s."),
                seconds,
            )
        })?;
    let verified = verify_init_data(&state, &body.init_data)?;
    let signed_in = {
        let state = state.clone();
        web::block(move || sign_in::sign_in(&state, &verified)).await??
    };
    Ok(web::Json(VerifyResponse {
        access_token: signed_in.token,
        token_type: "Bearer".into(),
        expires_in: state.auth.tokens.ttl_seconds(),
        expires_at: Timestamp::from_unix_seconds(signed_in.claims.exp)
            .unwrap_or_else(|| state.clock.now()),
        role: signed_in.claims.role,
        client: signed_in.client.into(),
        client_created: signed_in.client_created,
        staff: signed_in.employee.map(|e| StaffSummary {
            employee_id: e.id,
            full_name: e.full_name,
            role: e.role,
        }),
    }))
}

/// Mounts the sign-in route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/auth/telegram/verify").route(web::post().to(verify)));
}
