//! The control tower under `/api/v1/admin/analytics/control-tower` (the view with its actions,
//! processes, policy, the 90-day goal, outcomes, presets, endpoint specs), the promotion
//! forecast `POST /api/v1/admin/analytics/promotion-forecast` and the full dashboard
//! `GET /api/v1/admin/dashboard/full`.
//!
//! Every staff role may read; owners and admins change processes, the policy, the goal and
//! apply presets; owners, admins and managers forecast promotions (others get 403).

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::control_tower::{
    DashboardFullResponse, EndpointSpecsResponse, ForecastRequest, ForecastResponse,
    OnboardingGoalRequest, OnboardingGoalResponse, OutcomesResponse, PolicyRequest, PolicyResponse,
    PresetResponse, ProcessPath, ProcessResponse, ProcessUpdateRequest, ProcessesResponse,
    TowerResponse, VerticalPath,
};
use crate::dto::period::PeriodQuery;
use crate::error::ApiError;
use crate::state::AppState;
use crm_analytics::tower::catalogue::{outcomes, VERTICALS};
use crm_analytics::tower::TowerError;
use crm_core::{Actor, Role};
use paperclip::actix::{api_v2_operation, web};

/// The endpoint specs document, versioned in the repository.
pub const ENDPOINT_SPECS: &str = include_str!("../../../../docs/endpoint-specs.json");

impl From<TowerError> for ApiError {
    fn from(e: TowerError) -> Self {
        match e {
            TowerError::ProcessNotFound(code) => {
                ApiError::not_found("process_not_found", format!("No process {code:?}."))
            }
            TowerError::UnknownVertical(v) => ApiError::not_found(
                "vertical_not_found",
                format!(
                    "No preset for {v:?}. Valid verticals: {}.",
                    VERTICALS.join(", ")
                ),
            ),
            TowerError::Validation(errors) => ApiError::validation(errors),
            TowerError::Storage(e) => e.into(),
        }
    }
}

fn actor(staff: &StaffUser) -> String {
    Actor::Employee(staff.employee_id).to_string()
}

fn owner_or_admin(role: Role) -> bool {
    matches!(role, Role::Owner | Role::Admin)
}

/// The control tower (Russian): sales, appointments, stock, clients and the prioritised actions
/// derived from data, each with the API call that does it.
#[api_v2_operation(tags("Control tower"))]
async fn control_tower(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<TowerResponse>, ApiError> {
    let tower = state.control_tower();
    let view = web::block(move || tower.view()).await??;
    Ok(web::Json(view.into()))
}

/// The seven reference processes: KPI with its formula and current value from data, baseline,
/// target, SLA, triggers, enabled and status.
#[api_v2_operation(tags("Control tower"))]
async fn processes(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<ProcessesResponse>, ApiError> {
    let tower = state.control_tower();
    let items = web::block(move || tower.processes()).await??;
    Ok(web::Json(ProcessesResponse {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Changes a process's baseline, target or enabled (owner, admin); values in the KPI's unit.
#[api_v2_operation(tags("Control tower"))]
async fn update_process(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ProcessPath>,
    body: Body<ProcessUpdateRequest>,
) -> Result<web::Json<ProcessResponse>, ApiError> {
    staff.require(owner_or_admin, "change control tower processes")?;
    let code = path.into_inner().process_code;
    let update = body.into_inner().into();
    let by = actor(&staff);
    let tower = state.control_tower();
    let view = web::block(move || tower.update_process(&code, update, &by)).await??;
    Ok(web::Json(view.into()))
}

/// The communication policy: the touch cap the campaigns enforce, the channel priority and the
/// base quality controls computed from data.
#[api_v2_operation(tags("Control tower"))]
async fn policy(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<PolicyResponse>, ApiError> {
    let tower = state.control_tower();
    let view = web::block(move || tower.policy()).await??;
    Ok(web::Json(view.into()))
}

/// Changes the touch cap and period (the system settings' own, audited) and the channel
/// priority (owner, admin).
#[api_v2_operation(tags("Control tower"))]
async fn update_policy(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<PolicyRequest>,
) -> Result<web::Json<PolicyResponse>, ApiError> {
    staff.require(owner_or_admin, "change the communication policy")?;
    let update = body.into_inner().into();
    let by = actor(&staff);
    let tower = state.control_tower();
    let view = web::block(move || tower.update_policy(&update, &by)).await??;
    Ok(web::Json(view.into()))
}

/// The 90-day goal wizard: `required: true` with its steps until a goal is set, then the goal
/// with its progress from data.
#[api_v2_operation(tags("Control tower"))]
async fn onboarding_goal(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<OnboardingGoalResponse>, ApiError> {
    let tower = state.control_tower();
    let goal = web::block(move || tower.goal()).await??;
    Ok(web::Json(goal.into()))
}

/// Sets the 90-day goal (owner, admin).
#[api_v2_operation(tags("Control tower"))]
async fn set_onboarding_goal(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<OnboardingGoalRequest>,
) -> Result<web::Json<OnboardingGoalResponse>, ApiError> {
    staff.require(owner_or_admin, "set the 90-day goal")?;
    let request = body
        .into_inner()
        .into_request()
        .map_err(ApiError::validation)?;
    let by = actor(&staff);
    let tower = state.control_tower();
    let goal = web::block(move || tower.set_goal(&request, &by)).await??;
    Ok(web::Json(goal.into()))
}

/// The outcomes catalogue: per key process, the user outcome and its event-storming steps
/// (command → event → policy → read model), in Russian.
#[api_v2_operation(tags("Control tower"))]
async fn outcomes_catalogue(_staff: StaffUser) -> Result<web::Json<OutcomesResponse>, ApiError> {
    Ok(web::Json(OutcomesResponse {
        items: outcomes().into_iter().map(Into::into).collect(),
    }))
}

/// A vertical's preset (`salon`, `clinic`, `retail`, `fitness`): KPI set, default targets and
/// settings; an unknown vertical is 404 naming the valid ones.
#[api_v2_operation(tags("Control tower"))]
async fn preset(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<VerticalPath>,
) -> Result<web::Json<PresetResponse>, ApiError> {
    let preset = state.control_tower().preset(&path.vertical)?;
    Ok(web::Json(preset.into()))
}

/// Applies a vertical's preset: writes its targets and switches into the processes (owner,
/// admin); answers the processes.
#[api_v2_operation(tags("Control tower"))]
async fn apply_preset(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<VerticalPath>,
) -> Result<web::Json<ProcessesResponse>, ApiError> {
    staff.require(owner_or_admin, "apply a preset")?;
    let vertical = path.into_inner().vertical;
    let by = actor(&staff);
    let tower = state.control_tower();
    let items = web::block(move || tower.apply_preset(&vertical, &by)).await??;
    Ok(web::Json(ProcessesResponse {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// The endpoint specs: business rules, exceptions and example payloads of the large endpoints,
/// from the versioned document `docs/endpoint-specs.json`.
#[api_v2_operation(tags("Control tower"))]
async fn endpoint_specs(_staff: StaffUser) -> Result<web::Json<EndpointSpecsResponse>, ApiError> {
    let specs: EndpointSpecsResponse = serde_json::from_str(ENDPOINT_SPECS).map_err(|e| {
        ApiError::unavailable(
            "endpoint_specs_unavailable",
            "The endpoint specs document is unreadable.",
            e.to_string(),
        )
    })?;
    Ok(web::Json(specs))
}

/// Forecasts a promotion (owner, admin, manager) from the business's last 90 days and stores
/// it as the latest (shown on the full dashboard).
#[api_v2_operation(tags("Control tower"))]
async fn promotion_forecast(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<ForecastRequest>,
) -> Result<web::Json<ForecastResponse>, ApiError> {
    staff.require(Role::manages_business, "forecast promotions")?;
    let parameters = body
        .into_inner()
        .into_parameters()
        .map_err(ApiError::validation)?;
    let by = actor(&staff);
    let tower = state.control_tower();
    let stored = web::block(move || tower.forecast(parameters, &by)).await??;
    Ok(web::Json(stored.into()))
}

/// The full dashboard: the summary ("Сегодня"), alerts generated from data, promo cards,
/// section links and the promotion block (certificate types, certificates, the referral
/// programme, the latest or a default promotion forecast).
#[api_v2_operation(tags(Dashboard))]
async fn dashboard_full(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<web::Json<DashboardFullResponse>, ApiError> {
    let request = query.request();
    let analytics = state.sales_analytics();
    let summary = web::block(move || analytics.summary(&request)).await??;
    let tower = state.control_tower();
    let block = web::block(move || tower.dashboard()).await??;
    Ok(web::Json(DashboardFullResponse::new(summary.into(), block)))
}

/// Registers the control tower, promotion forecast and full dashboard routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/analytics/control-tower").route(web::get().to(control_tower)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/processes")
            .route(web::get().to(processes)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/processes/{process_code}")
            .route(web::put().to(update_process)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/policy")
            .route(web::get().to(policy))
            .route(web::put().to(update_policy)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/onboarding-goal")
            .route(web::get().to(onboarding_goal))
            .route(web::put().to(set_onboarding_goal)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/outcomes")
            .route(web::get().to(outcomes_catalogue)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/presets/{vertical}")
            .route(web::get().to(preset)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/presets/{vertical}/apply")
            .route(web::post().to(apply_preset)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/control-tower/endpoint-specs")
            .route(web::get().to(endpoint_specs)),
    )
    .service(
        web::resource("/api/v1/admin/analytics/promotion-forecast")
            .route(web::post().to(promotion_forecast)),
    )
    .service(web::resource("/api/v1/admin/dashboard/full").route(web::get().to(dashboard_full)));
}
