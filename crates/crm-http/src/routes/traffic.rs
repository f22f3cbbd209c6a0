//! `/api/v1/admin/traffic-channels`: where clients come from, and what each source brought.
//!
//! Every staff role may read; owners, admins and managers define, change and archive channels.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::common::{page_request, ArchivableListQuery};
use crate::dto::traffic::{
    ChannelPage, ChannelPath, ChannelResponse, CreateChannelRequest, UpdateChannelRequest,
};
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::traffic::{ChannelDefinition, ChannelUpdate};
use crm_core::{Role, TrafficChannelId};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

/// Lists channels in creation order with their clients, purchases and revenue; archived ones
/// with `include_archived=true`.
#[api_v2_operation(tags("Traffic channels"))]
async fn list_channels(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ArchivableListQuery>,
) -> Result<web::Json<ChannelPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let include_archived = query.include_archived.unwrap_or(false);
    let channels = state.traffic_channels();
    let page = web::block(move || channels.list(include_archived, page)).await??;
    Ok(web::Json(page.into()))
}

/// Defines a channel. The code must be unique (409 names `code`).
#[api_v2_operation(tags("Traffic channels"))]
async fn create_channel(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateChannelRequest>,
) -> Result<CreatedJson<ChannelResponse>, ApiError> {
    staff.require(Role::manages_business, "define traffic channels")?;
    let definition =
        ChannelDefinition::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let channels = state.traffic_channels();
    let created = web::block(move || channels.create(definition)).await??;
    Ok(CreatedJson(created.into()))
}

/// Changes a channel: absent fields stay, `null` clears.
#[api_v2_operation(tags("Traffic channels"))]
async fn update_channel(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ChannelPath>,
    body: Body<UpdateChannelRequest>,
) -> Result<web::Json<ChannelResponse>, ApiError> {
    staff.require(Role::manages_business, "change traffic channels")?;
    let id = TrafficChannelId(path.channel_id);
    let update = ChannelUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let channels = state.traffic_channels();
    let updated = web::block(move || channels.update(id, update)).await??;
    Ok(web::Json(updated.into()))
}

/// Archives a channel: it leaves the list and its code attributes nobody new; the clients it
/// brought keep it.
#[api_v2_operation(tags("Traffic channels"))]
async fn archive_channel(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ChannelPath>,
) -> Result<web::Json<ChannelResponse>, ApiError> {
    staff.require(Role::manages_business, "archive traffic channels")?;
    let id = TrafficChannelId(path.channel_id);
    let channels = state.traffic_channels();
    let archived = web::block(move || channels.archive(id)).await??;
    Ok(web::Json(archived.into()))
}

/// Mounts the traffic channel routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/traffic-channels")
            .route(web::get().to(list_channels))
            .route(web::post().to(create_channel)),
    )
    .service(
        web::resource("/api/v1/admin/traffic-channels/{channel_id}")
            .route(web::put().to(update_channel))
            .route(web::delete().to(archive_channel)),
    );
}
