//! The dashboard summary ("Сегодня"): `GET /api/v1/admin/dashboard/summary`. Any staff role may
//! read it; the period defaults to `today` (the query may name another preset or `from`/`to`).

use crate::auth::StaffUser;
use crate::dto::dashboard::SummaryResponse;
use crate::dto::period::PeriodQuery;
use crate::error::ApiError;
use crate::state::AppState;
use paperclip::actix::{api_v2_operation, web};

/// Today's figures (or another period's): revenue, purchases, average check, new and returning
/// clients, points accrued and spent, certificates sold, appointments — each with the previous
/// comparable period and the change in percent.
#[api_v2_operation(tags(Dashboard))]
async fn summary(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<web::Json<SummaryResponse>, ApiError> {
    let request = query.request();
    let analytics = state.sales_analytics();
    let summary = web::block(move || analytics.summary(&request)).await??;
    Ok(web::Json(summary.into()))
}

/// Registers the dashboard summary route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/admin/dashboard/summary").route(web::get().to(summary)));
}
