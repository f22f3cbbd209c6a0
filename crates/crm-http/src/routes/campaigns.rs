//! Campaigns and communications: `/api/v1/admin/campaigns`, `/api/v1/admin/communications`
//! (active and archive sections, launch, stats, tracking), the five-step wizard under
//! `/api/v1/admin/communications/workflows`, and the Mini App's tracking and opt-out under
//! `/api/v1/app/communications`.
//!
//! Every staff role may read and report tracking events; owners, admins and managers create,
//! change and launch campaigns (a cashier gets 403).

use crate::auth::{AppUser, StaffUser};
use crate::body::Body;
use crate::dto::campaigns::{
    AppTrackRequest, AudienceStepRequest, CampaignListQuery, CampaignPage, CampaignPath,
    CampaignRequest, CampaignResponse, CampaignUpdate, CampaignUpdateRequest, CommunicationsQuery,
    ConfirmationResponse, ContentBody, LaunchResponse, OptOutResponse, ScheduleBody, SectionCode,
    StatsResponse, TrackRequestBody, TrackResponse, WorkflowStartRequest,
};
use crate::dto::common::page_request;
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::ConsentChanges;
use crm_comms::campaigns::{Purpose, TrackRequest};
use crm_core::{Actor, CampaignId, Channel, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

fn actor(staff: &StaffUser) -> String {
    Actor::Employee(staff.employee_id).to_string()
}

/// Whether a consent change withdraws the right to advertise to the client (personal data or
/// marketing withdrawn): their queued advertising messages must then be cancelled at once.
pub(crate) fn withdraws_advertising(changes: &ConsentChanges) -> bool {
    changes.personal_data == Some(false) || changes.marketing == Some(false)
}

/// The channels whose own consent (SMS, e-mail, app push) a consent change withdraws: the
/// client's queued advertising messages on them must then be cancelled at once.
pub(crate) fn withdrawn_channels(changes: &ConsentChanges) -> Vec<Channel> {
    [
        (changes.sms, Channel::Sms),
        (changes.email, Channel::Email),
        (changes.app_push, Channel::AppPush),
    ]
    .into_iter()
    .filter(|(consent, _)| *consent == Some(false))
    .map(|(_, channel)| channel)
    .collect()
}

/// Lists campaigns of every status (or one section), newest first.
#[api_v2_operation(tags(Campaigns))]
async fn list_campaigns(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<CampaignListQuery>,
) -> Result<web::Json<CampaignPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let section = query.section;
    let campaigns = state.campaigns();
    let found = web::block(move || campaigns.list(section.map(Into::into), page)).await??;
    Ok(web::Json(CampaignPage::new(section, found)))
}

/// Creates a draft campaign for the staff member: the one body behind `POST /campaigns` and
/// `POST /communications`.
async fn create(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CampaignRequest>,
    what: &str,
) -> Result<CreatedJson<CampaignResponse>, ApiError> {
    staff.require(Role::manages_business, what)?;
    let draft = body.into_inner().into();
    let by = actor(&staff);
    let campaigns = state.campaigns();
    let created = web::block(move || campaigns.create(draft, &by)).await??;
    Ok(CreatedJson(created.into()))
}

/// Creates a complete campaign (a draft with every part validated): audience, channels,
/// content, schedule and purpose.
#[api_v2_operation(tags(Campaigns))]
async fn create_campaign(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CampaignRequest>,
) -> Result<CreatedJson<CampaignResponse>, ApiError> {
    create(staff, state, body, "create campaigns").await
}

/// Replaces a draft campaign's definition (a launched campaign gets 409 `campaign_launched`),
/// or changes its status alone: `cancelled` (from draft, scheduled, running; its queued
/// messages fail with reason `campaign_cancelled`) or `archived` (from completed, cancelled,
/// draft); any other change is 409 `invalid_status_transition`.
#[api_v2_operation(tags(Campaigns))]
async fn update_campaign(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
    body: Body<CampaignUpdateRequest>,
) -> Result<web::Json<CampaignResponse>, ApiError> {
    staff.require(Role::manages_business, "change campaigns")?;
    let id = CampaignId(path.campaign_id);
    let update = body
        .into_inner()
        .into_update()
        .map_err(ApiError::validation)?;
    let campaigns = state.campaigns();
    let updated = web::block(move || match update {
        CampaignUpdate::Definition(draft) => campaigns.update(id, *draft),
        CampaignUpdate::Status(status) => campaigns.change_status(id, status),
    })
    .await??;
    Ok(web::Json(updated.into()))
}

/// The communications list: `section=active` (draft, scheduled, running; the default) or
/// `section=archive` (completed, cancelled, archived), newest first.
#[api_v2_operation(tags(Communications))]
async fn list_communications(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<CommunicationsQuery>,
) -> Result<web::Json<CampaignPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let section = query.section.unwrap_or(SectionCode::Active);
    let campaigns = state.campaigns();
    let found = web::block(move || campaigns.list(Some(section.into()), page)).await??;
    Ok(web::Json(CampaignPage::new(Some(section), found)))
}

/// Creates a communication: the same campaign model as `POST /campaigns`.
#[api_v2_operation(tags(Communications))]
async fn create_communication(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CampaignRequest>,
) -> Result<CreatedJson<CampaignResponse>, ApiError> {
    create(staff, state, body, "create communications").await
}

/// Launches (or schedules) a campaign: enqueues one delivery per recipient per channel per
/// message of the chain, after consent, contact and frequency-cap filtering. Launching again
/// (or after a crash) creates only the missing deliveries: nobody is messaged twice.
#[api_v2_operation(tags(Communications))]
async fn launch(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
) -> Result<web::Json<LaunchResponse>, ApiError> {
    staff.require(Role::manages_business, "launch campaigns")?;
    let id = CampaignId(path.campaign_id);
    let campaigns = state.campaigns();
    let report = web::block(move || campaigns.launch(id)).await??;
    Ok(web::Json(report.into()))
}

async fn stats_of(state: &AppState, id: CampaignId) -> Result<StatsResponse, ApiError> {
    let campaigns = state.campaigns();
    let (campaign, stats) = web::block(move || campaigns.stats(id)).await??;
    Ok(StatsResponse::new(&campaign, stats))
}

/// A campaign's figures: recipients, sent, delivered, failed, opened, clicked, converted, rates
/// on unique clients and the attributed revenue.
#[api_v2_operation(tags(Communications))]
async fn stats(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
) -> Result<web::Json<StatsResponse>, ApiError> {
    Ok(web::Json(
        stats_of(&state, CampaignId(path.campaign_id)).await?,
    ))
}

/// Records an open, click or conversion of a campaign's message, by delivery, client or click
/// token; the campaign, delivery and client must exist and belong together.
#[api_v2_operation(tags(Communications))]
async fn track(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<TrackRequestBody>,
) -> Result<CreatedJson<TrackResponse>, ApiError> {
    let body = body.into_inner();
    let request = TrackRequest {
        campaign_id: body.campaign_id,
        delivery_id: body.delivery_id,
        client_id: body.client_id,
        token: body.token,
        kind: body.event.into(),
        url: body.url,
        source: actor(&staff),
    };
    let campaigns = state.campaigns();
    let event = web::block(move || campaigns.track(request)).await??;
    Ok(CreatedJson(event.into()))
}

/// The Mini App records an event of the signed-in client's message (client token or `tma`).
#[api_v2_operation(tags(App))]
async fn app_track(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<AppTrackRequest>,
) -> Result<CreatedJson<TrackResponse>, ApiError> {
    let body = body.into_inner();
    let request = TrackRequest {
        campaign_id: body.campaign_id,
        delivery_id: body.delivery_id,
        client_id: Some(user.client_id),
        token: body.token,
        kind: body.event.into(),
        url: body.url,
        source: Actor::Client(user.client_id).to_string(),
    };
    let campaigns = state.campaigns();
    let event = web::block(move || campaigns.track(request)).await??;
    Ok(CreatedJson(event.into()))
}

/// The signed-in client opts out of advertising: the marketing consent is withdrawn through the
/// client base (timed and audited) and their queued advertising messages are cancelled at once.
#[api_v2_operation(tags(App))]
async fn app_opt_out(
    user: AppUser,
    state: web::Data<AppState>,
) -> Result<web::Json<OptOutResponse>, ApiError> {
    let base = state.client_base();
    let campaigns = state.campaigns();
    let client_id = user.client_id;
    let cancelled = web::block(move || {
        base.change_own_consents(
            client_id,
            ConsentChanges {
                marketing: Some(false),
                ..ConsentChanges::default()
            },
        )?;
        Ok::<_, ApiError>(campaigns.opt_out(client_id)?)
    })
    .await??;
    Ok(web::Json(OptOutResponse {
        client_id,
        consent_marketing: false,
        cancelled_deliveries: cancelled as u64,
    }))
}

/// Wizard: starts a campaign with a name (and purpose); steps 1 to 3 follow.
#[api_v2_operation(tags(Communications))]
async fn start_workflow(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<WorkflowStartRequest>,
) -> Result<CreatedJson<CampaignResponse>, ApiError> {
    staff.require(Role::manages_business, "create campaigns")?;
    let body = body.into_inner();
    let purpose = body.purpose.map_or(Purpose::Advertising, Into::into);
    let by = actor(&staff);
    let campaigns = state.campaigns();
    let created = web::block(move || campaigns.start_wizard(body.name, purpose, &by)).await??;
    Ok(CreatedJson(created.into()))
}

/// Wizard step 1: audience filters, channels and purpose.
#[api_v2_operation(tags(Communications))]
async fn step_audience(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
    body: Body<AudienceStepRequest>,
) -> Result<web::Json<CampaignResponse>, ApiError> {
    staff.require(Role::manages_business, "edit campaigns")?;
    let id = CampaignId(path.campaign_id);
    let body = body.into_inner();
    let campaigns = state.campaigns();
    let updated = web::block(move || {
        let purpose = match body.purpose {
            Some(p) => p.into(),
            None => campaigns.get(id)?.draft.purpose,
        };
        campaigns.set_audience(id, purpose, body.channels, body.audience.into())
    })
    .await??;
    Ok(web::Json(updated.into()))
}

/// Wizard step 2: content (after step 1; 409 otherwise).
#[api_v2_operation(tags(Communications))]
async fn step_content(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
    body: Body<ContentBody>,
) -> Result<web::Json<CampaignResponse>, ApiError> {
    staff.require(Role::manages_business, "edit campaigns")?;
    let id = CampaignId(path.campaign_id);
    let content = body.into_inner().into();
    let campaigns = state.campaigns();
    let updated = web::block(move || campaigns.set_content(id, content)).await??;
    Ok(web::Json(updated.into()))
}

/// Wizard step 3: schedule (after step 2; 409 otherwise). A time must be in the future.
#[api_v2_operation(tags(Communications))]
async fn step_schedule(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
    body: Body<ScheduleBody>,
) -> Result<web::Json<CampaignResponse>, ApiError> {
    staff.require(Role::manages_business, "edit campaigns")?;
    let id = CampaignId(path.campaign_id);
    let schedule = body.into_inner().into();
    let campaigns = state.campaigns();
    let updated = web::block(move || campaigns.set_schedule(id, schedule)).await??;
    Ok(web::Json(updated.into()))
}

/// Wizard step 4: the audience size per channel after consent, contact and frequency-cap
/// filtering, and the messages that will be sent (after step 3; 409 otherwise).
#[api_v2_operation(tags(Communications))]
async fn step_confirmation(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
) -> Result<web::Json<ConfirmationResponse>, ApiError> {
    let id = CampaignId(path.campaign_id);
    let campaigns = state.campaigns();
    let confirmation = web::block(move || campaigns.confirmation(id)).await??;
    Ok(web::Json(confirmation.into()))
}

/// Wizard step 4 confirm: launches or schedules the campaign (409 when already launched).
#[api_v2_operation(tags(Communications))]
async fn step_confirm(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
) -> Result<web::Json<LaunchResponse>, ApiError> {
    staff.require(Role::manages_business, "launch campaigns")?;
    let id = CampaignId(path.campaign_id);
    let campaigns = state.campaigns();
    let report = web::block(move || campaigns.confirm(id)).await??;
    Ok(web::Json(report.into()))
}

/// Wizard step 5: the campaign's figures.
#[api_v2_operation(tags(Communications))]
async fn step_stats(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CampaignPath>,
) -> Result<web::Json<StatsResponse>, ApiError> {
    Ok(web::Json(
        stats_of(&state, CampaignId(path.campaign_id)).await?,
    ))
}

/// Mounts the campaign routes; literal paths before `{campaign_id}` ones.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/campaigns")
            .route(web::get().to(list_campaigns))
            .route(web::post().to(create_campaign)),
    )
    .service(
        web::resource("/api/v1/admin/campaigns/{campaign_id}")
            .route(web::put().to(update_campaign)),
    )
    .service(
        web::resource("/api/v1/admin/communications")
            .route(web::get().to(list_communications))
            .route(web::post().to(create_communication)),
    )
    .service(web::resource("/api/v1/admin/communications/track").route(web::post().to(track)))
    .service(
        web::resource("/api/v1/admin/communications/workflows")
            .route(web::post().to(start_workflow)),
    )
    .service(
        web::resource("/api/v1/admin/communications/workflows/{campaign_id}/step-1-audience")
            .route(web::put().to(step_audience)),
    )
    .service(
        web::resource("/api/v1/admin/communications/workflows/{campaign_id}/step-2-content")
            .route(web::put().to(step_content)),
    )
    .service(
        web::resource("/api/v1/admin/communications/workflows/{campaign_id}/step-3-schedule")
            .route(web::put().to(step_schedule)),
    )
    .service(
        web::resource("/api/v1/admin/communications/workflows/{campaign_id}/step-4-confirmation")
            .route(web::get().to(step_confirmation)),
    )
    .service(
        web::resource("/api/v1/admin/communications/workflows/{campaign_id}/step-4-confirm")
            .route(web::post().to(step_confirm)),
    )
    .service(
        web::resource("/api/v1/admin/communications/workflows/{campaign_id}/step-5-stats")
            .route(web::get().to(step_stats)),
    )
    .service(
        web::resource("/api/v1/admin/communications/{campaign_id}/launch")
            .route(web::post().to(launch)),
    )
    .service(
        web::resource("/api/v1/admin/communications/{campaign_id}/stats")
            .route(web::get().to(stats)),
    )
    .service(web::resource("/api/v1/app/communications/track").route(web::post().to(app_track)))
    .service(
        web::resource("/api/v1/app/communications/opt-out").route(web::post().to(app_opt_out)),
    );
}
