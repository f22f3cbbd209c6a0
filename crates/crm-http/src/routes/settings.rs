//! `/api/v1/admin/system-settings`: the company profile and the loyalty rules.
//!
//! Every staff role may read the settings; only owners and admins change them or read the
//! audit trail of changes.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::common::{page_request, PageQuery};
use crate::dto::settings::{SettingChangePage, SettingsResponse, UpdateSettingsRequest};
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::settings::SettingsUpdate;
use crm_core::{Actor, Role};
use paperclip::actix::{api_v2_operation, web};

/// The system settings: company profile and loyalty rules (the defaults until changed).
#[api_v2_operation(tags(Settings))]
async fn get_settings(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<SettingsResponse>, ApiError> {
    let settings = state.business_settings();
    let current = web::block(move || settings.current()).await??;
    Ok(web::Json(current.into()))
}

/// Changes the system settings (owner or admin): absent fields stay, `null` clears. Each
/// changed field is audited; rates are percent with at most two decimals.
#[api_v2_operation(tags(Settings))]
async fn update_settings(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<UpdateSettingsRequest>,
) -> Result<web::Json<SettingsResponse>, ApiError> {
    staff.require(Role::manages_finance, "change system settings")?;
    let update = SettingsUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let settings = state.business_settings();
    let updated =
        web::block(move || settings.update(update, Actor::Employee(staff.employee_id))).await??;
    Ok(web::Json(updated.into()))
}

/// The audit trail of settings changes, newest first (owner or admin).
#[api_v2_operation(tags(Settings))]
async fn settings_history(
    staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<SettingChangePage>, ApiError> {
    staff.require(Role::manages_finance, "read the settings history")?;
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let settings = state.business_settings();
    let history = web::block(move || settings.history(page)).await??;
    Ok(web::Json(history.into()))
}

/// Mounts the settings routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/system-settings")
            .route(web::get().to(get_settings))
            .route(web::put().to(update_settings)),
    )
    .service(
        web::resource("/api/v1/admin/system-settings/history")
            .route(web::get().to(settings_history)),
    );
}
