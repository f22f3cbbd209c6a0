//! Extractors: [`StaffUser`] for admin routes and [`AppUser`] for Mini App routes.

use crate::auth::init_data;
use crate::auth::jwt::TokenError;
use crate::auth::sign_in;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use crm_core::{ClientId, EmployeeId, Role};
use paperclip::actix::Apiv2Security;
use std::future::Future;
use std::pin::Pin;

/// Credentials found in the `Authorization` header.
enum Credentials {
    Bearer(String),
    Tma(String),
}

fn credentials(req: &HttpRequest) -> Result<Credentials, ApiError> {
    let Some(value) = req.headers().get(AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "unauthenticated",
            "Send Authorization: Bearer <token> (or tma <initData> on app routes).",
        ));
    };
    let value = value.to_str().map_err(|_| {
        ApiError::unauthorized(
            "invalid_authorization",
            "The Authorization header is not readable text.",
        )
    })?;
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(ApiError::unauthorized(
            "invalid_authorization",
            "The Authorization header has no credentials after its scheme.",
        ));
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Credentials::Bearer(rest.to_owned()))
    } else if scheme.eq_ignore_ascii_case("tma") {
        Ok(Credentials::Tma(rest.to_owned()))
    } else {
        Err(ApiError::unauthorized(
            "invalid_authorization",
            "The Authorization scheme must be Bearer (or tma on app routes).",
        ))
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| {
            ApiError::unavailable(
                "not_configured",
                "The server is not configured.",
                "AppState missing",
            )
        })
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired => ApiError::unauthorized(
            "token_expired",
            "The access token has expired; sign in again.",
        ),
        TokenError::Invalid => {
            ApiError::unauthorized("token_invalid", "The access token is invalid.")
        }
    }
}

/// A staff member acting through the admin panel, with their current role.
#[derive(Apiv2Security, Debug, Clone)]
#[openapi(
    apiKey,
    alias = "staff_token",
    in = "header",
    name = "Authorization",
    description = "Staff access token: `Bearer <token>` from POST /api/v1/auth/telegram/verify or `crm-server token`"
)]
pub struct StaffUser {
    /// The employee.
    pub employee_id: EmployeeId,
    /// Their role now.
    pub role: Role,
    /// Their client record, if they have one.
    pub client_id: Option<ClientId>,
}

impl StaffUser {
    /// Refuses with 403 unless the role passes `allowed`.
    pub fn require(&self, allowed: fn(Role) -> bool, what: &str) -> Result<(), ApiError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "The {} role may not {what}.",
                self.role
            )))
        }
    }
}

async fn staff_user(req: HttpRequest) -> Result<StaffUser, ApiError> {
    let state = state(&req)?;
    let token = match credentials(&req)? {
        Credentials::Bearer(token) => token,
        Credentials::Tma(_) => {
            return Err(ApiError::unauthorized(
                "staff_token_required",
                "Admin routes need a staff token: exchange initData at POST /api/v1/auth/telegram/verify.",
            ))
        }
    };
    let claims = state
        .auth
        .tokens
        .check(&token, state.clock.now())
        .map_err(token_error)?;
    let Some(employee_id) = claims.employee().filter(|_| claims.role.is_staff()) else {
        return Err(ApiError::forbidden("Admin routes are for staff only."));
    };
    let access = state.staff_access();
    let employee = web::block(move || access.active(employee_id)).await??;
    let Some(employee) = employee else {
        return Err(ApiError::unauthorized(
            "staff_access_revoked",
            "This employee is archived or no longer exists.",
        ));
    };
    Ok(StaffUser {
        employee_id: employee.id,
        role: employee.role,
        client_id: claims.client(),
    })
}

impl FromRequest for StaffUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(staff_user(req.clone()))
    }
}

/// A Mini App user: a client, by token or by `tma <initData>`.
#[derive(Apiv2Security, Debug, Clone)]
#[openapi(
    apiKey,
    alias = "app_auth",
    in = "header",
    name = "Authorization",
    description = "`Bearer <token>` from POST /api/v1/auth/telegram/verify, or `tma <initData>` straight from the Mini App"
)]
pub struct AppUser {
    /// The client.
    pub client_id: ClientId,
}

async fn app_user(req: HttpRequest) -> Result<AppUser, ApiError> {
    let state = state(&req)?;
    match credentials(&req)? {
        Credentials::Bearer(token) => {
            let claims = state
                .auth
                .tokens
                .check(&token, state.clock.now())
                .map_err(token_error)?;
            let client_id = claims
                .client()
                .ok_or_else(|| ApiError::forbidden("This token has no client record."))?;
            Ok(AppUser { client_id })
        }
        Credentials::Tma(raw) => {
            let verified = verify_init_data(&state, &raw)?;
            let base = state.client_base();
            let for_bonus = state.clone();
            let (client, _) = web::block(move || {
                let signed_in =
                    base.sign_in_from_telegram(sign_in::telegram_profile(&verified)?)?;
                if signed_in.1 {
                    crate::routes::points::grant_welcome_bonus(&for_bonus, signed_in.0.id);
                }
                Ok::<_, crm_clients::ClientError>(signed_in)
            })
            .await??;
            Ok(AppUser {
                client_id: client.id,
            })
        }
    }
}

impl FromRequest for AppUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = app_user(req.clone()).await?;
            limit_app_writes(&req, user.client_id)?;
            Ok(user)
        })
    }
}

/// Counts a Mini App write (any method but GET and HEAD) of the client against the per-client
/// limit of [`crate::rate_limit::RequestLimits`]: 429 `too_many_requests` with `Retry-After`
/// beyond it.
fn limit_app_writes(req: &HttpRequest, client: ClientId) -> Result<(), ApiError> {
    if matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        return Ok(());
    }
    let Some(limits) = req.app_data::<web::Data<crate::rate_limit::RequestLimits>>() else {
        return Ok(());
    };
    limits
        .app_writes
        .try_acquire(client.get())
        .map_err(|seconds| {
            ApiError::too_many_requests(
                "too_many_requests",
                format!("Too many requests from this client; retry in {seconds} s."),
                seconds,
            )
        })
}

/// Verifies initData with the configured bot token: 503 when none is configured, 401 with the
/// precise reason otherwise.
pub fn verify_init_data(
    state: &AppState,
    raw: &str,
) -> Result<init_data::VerifiedInitData, ApiError> {
    let Some(bot_token) = state.auth.bot_token.as_deref() else {
        return Err(ApiError::unavailable(
            "telegram_not_configured",
            "Telegram sign-in is not configured on this server: set TELEGRAM_BOT_TOKEN.",
            "TELEGRAM_BOT_TOKEN unset",
        ));
    };
    init_data::verify(
        raw,
        bot_token,
        state.clock.now(),
        state.auth.init_data_max_age_seconds,
    )
    .map_err(|e| ApiError::unauthorized(e.code(), e.to_string()))
}

/// A caller that may be a staff member or a Mini App client, for routes both may call (such as
/// `POST /api/v1/admin/news/track`). A valid staff token makes it [`StaffOrClient::Staff`];
/// otherwise the Mini App's credentials are checked, and their failure is the answer. It is
/// resolved before the request body is read, so a caller with no valid credentials gets a 401
/// whatever the body holds.
#[derive(Debug, Clone)]
pub enum StaffOrClient {
    /// A staff member with a staff token.
    Staff(StaffUser),
    /// A Mini App client (client token or `tma <initData>`).
    Client(AppUser),
}

impl FromRequest for StaffOrClient {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let app = AppUser::from_request(&req, payload);
        Box::pin(async move {
            match staff_user(req).await {
                Ok(staff) => Ok(StaffOrClient::Staff(staff)),
                Err(_) => Ok(StaffOrClient::Client(app.await?)),
            }
        })
    }
}

impl paperclip::v2::schema::Apiv2Schema for StaffOrClient {}

impl paperclip::actix::OperationModifier for StaffOrClient {
    fn update_parameter(_op: &mut paperclip::v2::models::DefaultOperationRaw) {}

    fn update_definitions(
        _map: &mut std::collections::BTreeMap<String, paperclip::v2::models::DefaultSchemaRaw>,
    ) {
    }

    fn update_security(op: &mut paperclip::v2::models::DefaultOperationRaw) {
        StaffUser::update_security(op);
        AppUser::update_security(op);
    }

    fn update_security_definitions(
        map: &mut std::collections::BTreeMap<String, paperclip::v2::models::SecurityScheme>,
    ) {
        StaffUser::update_security_definitions(map);
        AppUser::update_security_definitions(map);
    }
}
