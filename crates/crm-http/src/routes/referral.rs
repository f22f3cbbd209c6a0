//! `/api/v1/admin/referral-programs`: the referral programme of the "Продвижение" section —
//! variants, configuration (1–6 generations, a rate each, points or money), and a client's
//! standing. Reading: every staff role; changing the configuration: owner and admin.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::referral::{
    ClientInfoQuery, ClientInfoResponse, ReferralConfigRequest, ReferralConfigResponse,
    ReferralProgrammesResponse,
};
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::loyalty::programmes::ReferralConfigChange;
use crm_core::{Actor, ClientId, Money, Role};
use paperclip::actix::{api_v2_operation, web};

/// The programme variants on offer, the one in force marked, with the configuration.
#[api_v2_operation(tags(Referrals))]
async fn programmes(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<ReferralProgrammesResponse>, ApiError> {
    let use_cases = state.referral_programmes();
    let (variants, config) = web::block(move || use_cases.variants()).await??;
    Ok(web::Json(ReferralProgrammesResponse {
        variants: variants.into_iter().map(Into::into).collect(),
        config: config.into(),
    }))
}

/// The configuration in force.
#[api_v2_operation(tags(Referrals))]
async fn get_config(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<ReferralConfigResponse>, ApiError> {
    let use_cases = state.referral_programmes();
    let config = web::block(move || use_cases.config()).await??;
    Ok(web::Json(config.into()))
}

/// Changes the depth (1–6 generations), the rate of each, or the reward type.
#[api_v2_operation(tags(Referrals))]
async fn put_config(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<ReferralConfigRequest>,
) -> Result<web::Json<ReferralConfigResponse>, ApiError> {
    staff.require(Role::manages_finance, "change the referral programme")?;
    let change = ReferralConfigChange::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let use_cases = state.referral_programmes();
    let actor = Actor::Employee(staff.employee_id);
    let config = web::block(move || use_cases.change_config(change, actor)).await??;
    Ok(web::Json(config.into()))
}

/// A client's recommendations by generation and what each generation earned them.
#[api_v2_operation(tags(Referrals))]
async fn client_info(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ClientInfoQuery>,
) -> Result<web::Json<ClientInfoResponse>, ApiError> {
    let client = ClientId(query.client_id);
    let use_cases = state.referral_programmes();
    let (standing, config) = web::block(move || {
        Ok::<_, crm_clients::loyalty::OperationError>((
            use_cases.client_info(client)?,
            use_cases.config()?,
        ))
    })
    .await??;
    let total_earned = standing
        .iter()
        .map(|g| g.earned)
        .fold(Money::ZERO, |a, b| a + b);
    Ok(web::Json(ClientInfoResponse {
        client_id: client,
        reward_type: config.config.reward_type.code().to_owned(),
        total_earned,
        generations: standing.into_iter().map(Into::into).collect(),
    }))
}

/// Mounts the referral routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/admin/referral-programs").route(web::get().to(programmes)))
        .service(
            web::resource("/api/v1/admin/referral-programs/config")
                .route(web::get().to(get_config))
                .route(web::put().to(put_config)),
        )
        .service(
            web::resource("/api/v1/admin/referral-programs/client-info")
                .route(web::get().to(client_info)),
        );
}
