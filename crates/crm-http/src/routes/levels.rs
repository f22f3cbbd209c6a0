//! `/api/v1/admin/loyalty-levels`: the loyalty levels.
//!
//! Every staff role may read; owners and admins define, change and archive levels (they
//! decide how much the business gives away).

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::common::{page_request, ArchivableListQuery};
use crate::dto::levels::{
    CreateLevelRequest, LevelPage, LevelPath, LevelResponse, UpdateLevelRequest,
};
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::settings::{LevelUpdate, NewLevel};
use crm_core::{LevelId, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

/// Lists levels by threshold kind and threshold; archived ones with `include_archived=true`.
#[api_v2_operation(tags(Levels))]
async fn list_levels(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ArchivableListQuery>,
) -> Result<web::Json<LevelPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let include_archived = query.include_archived.unwrap_or(false);
    let levels = state.loyalty_levels();
    let page = web::block(move || levels.list(include_archived, page)).await??;
    Ok(web::Json(page.into()))
}

/// Defines a level (owner or admin).
#[api_v2_operation(tags(Levels))]
async fn create_level(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateLevelRequest>,
) -> Result<CreatedJson<LevelResponse>, ApiError> {
    staff.require(Role::manages_finance, "define loyalty levels")?;
    let level = NewLevel::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let levels = state.loyalty_levels();
    let created = web::block(move || levels.create(level)).await??;
    Ok(CreatedJson(created.into()))
}

/// Changes a level (owner or admin): absent fields stay.
#[api_v2_operation(tags(Levels))]
async fn update_level(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<LevelPath>,
    body: Body<UpdateLevelRequest>,
) -> Result<web::Json<LevelResponse>, ApiError> {
    staff.require(Role::manages_finance, "change loyalty levels")?;
    let id = LevelId(path.level_id);
    let update = LevelUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let levels = state.loyalty_levels();
    let updated = web::block(move || levels.update(id, update)).await??;
    Ok(web::Json(updated.into()))
}

/// Archives a level (owner or admin): it is no longer listed or reached; clients who hold it
/// keep it.
#[api_v2_operation(tags(Levels))]
async fn archive_level(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<LevelPath>,
) -> Result<web::Json<LevelResponse>, ApiError> {
    staff.require(Role::manages_finance, "archive loyalty levels")?;
    let id = LevelId(path.level_id);
    let levels = state.loyalty_levels();
    let archived = web::block(move || levels.archive(id)).await??;
    Ok(web::Json(archived.into()))
}

/// Mounts the level routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/loyalty-levels")
            .route(web::get().to(list_levels))
            .route(web::post().to(create_level)),
    )
    .service(
        web::resource("/api/v1/admin/loyalty-levels/{level_id}")
            .route(web::put().to(update_level))
            .route(web::delete().to(archive_level)),
    );
}
