//! `/api/v1/admin/clients`: the client base in the admin panel.
//!
//! Every staff role may read; owners, admins, managers and cashiers may register and edit
//! (a cashier registers a new client at the till).

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::clients::{
    ClientPage, ClientPath, ClientResponse, CreateClientRequest, ListClientsQuery,
    UpdateClientRequest,
};
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::service::SOURCE_ADMIN;
use crm_clients::{ClientUpdate, NewClient};
use crm_core::{Actor, ClientId, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

fn edits_clients(role: Role) -> bool {
    role.manages_business() || role == Role::Cashier
}

/// Lists clients with search, filters, order and paging.
#[api_v2_operation(tags(Clients))]
async fn list_clients(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ListClientsQuery>,
) -> Result<web::Json<ClientPage>, ApiError> {
    let (filter, page) = query
        .into_inner()
        .into_filter()
        .map_err(ApiError::validation)?;
    let base = state.client_base();
    let page = web::block(move || base.list(filter, page)).await??;
    Ok(web::Json(page.into()))
}

/// Registers a client. Phone and Telegram id must be unique (409 names the field). A new
/// client gets the welcome bonus of the loyalty rules once; the card returned shows it.
#[api_v2_operation(tags(Clients))]
async fn create_client(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateClientRequest>,
) -> Result<CreatedJson<ClientResponse>, ApiError> {
    staff.require(edits_clients, "register clients")?;
    let command = NewClient::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let base = state.client_base();
    let for_bonus = state.clone();
    let card = web::block(move || {
        let client = base.register(command, Actor::Employee(staff.employee_id))?;
        crate::routes::points::grant_welcome_bonus(&for_bonus, client.id);
        base.card(client.id)
    })
    .await??;
    Ok(CreatedJson(card.into()))
}

/// One client card with the audit trail of consent changes.
#[api_v2_operation(tags(Clients))]
async fn get_client(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ClientPath>,
) -> Result<web::Json<ClientResponse>, ApiError> {
    let id = ClientId(path.client_id);
    let base = state.client_base();
    let card = web::block(move || base.card(id)).await??;
    Ok(web::Json(card.into()))
}

/// Changes a client card: absent fields stay, `null` clears. Points, totals and level are not
/// accepted (422). Consent changes are timed and audited; withdrawing personal data or marketing
/// consent cancels the client's queued advertising messages at once (an SMS, e-mail or app push
/// consent: those on that channel).
#[api_v2_operation(tags(Clients))]
async fn update_client(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ClientPath>,
    body: Body<UpdateClientRequest>,
) -> Result<web::Json<ClientResponse>, ApiError> {
    staff.require(edits_clients, "edit clients")?;
    let id = ClientId(path.client_id);
    let update = ClientUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let withdraws = crate::routes::campaigns::withdraws_advertising(&update.consents);
    let channels = crate::routes::campaigns::withdrawn_channels(&update.consents);
    let base = state.client_base();
    let campaigns = state.campaigns();
    let card = web::block(move || {
        base.update(id, update, Actor::Employee(staff.employee_id), SOURCE_ADMIN)?;
        if withdraws {
            campaigns.opt_out(id)?;
        } else {
            campaigns.withdraw_channels(id, &channels)?;
        }
        Ok::<_, ApiError>(base.card(id)?)
    })
    .await??;
    Ok(web::Json(card.into()))
}

/// Mounts the client routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/clients")
            .route(web::get().to(list_clients))
            .route(web::post().to(create_client)),
    )
    .service(
        web::resource("/api/v1/admin/clients/{client_id}")
            .route(web::get().to(get_client))
            .route(web::put().to(update_client)),
    );
}
