//! The customers, operations and finance tabs of the analytics:
//! `GET /api/v1/admin/analytics/customers`, `/operations` and `/finance`. Each takes the period
//! (`period` or `from`/`to`, and `granularity`; default this month by day) and echoes it.
//! Any staff role may read the customers and operations tabs; the finance tab needs an owner
//! or admin (`Role::manages_finance`).

use crate::auth::StaffUser;
use crate::dto::analytics_sales::{
    CustomersQuery, CustomersResponse, FinanceTabResponse, OperationsTabResponse,
};
use crate::dto::period::PeriodQuery;
use crate::error::ApiError;
use crate::state::AppState;
use crm_core::Role;
use paperclip::actix::{api_v2_operation, web};

/// The customers tab: the base, new, returning, active and lost clients, gender and age bands,
/// new clients per bucket and the retention of first-purchase cohorts.
#[api_v2_operation(tags(Analytics))]
async fn customers(
    _staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
    query: web::Query<CustomersQuery>,
) -> Result<web::Json<CustomersResponse>, ApiError> {
    let request = period.request();
    let lost_after_days = query.lost_after_days;
    let analytics = state.sales_analytics();
    let report = web::block(move || analytics.customers(&request, lost_after_days)).await??;
    Ok(web::Json(report.into()))
}

/// The operations tab: purchases, revenue, average check, points, refunds, the series per
/// bucket and the split by local hour of day and weekday.
#[api_v2_operation(tags(Analytics))]
async fn operations(
    _staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
) -> Result<web::Json<OperationsTabResponse>, ApiError> {
    let request = period.request();
    let analytics = state.sales_analytics();
    let report = web::block(move || analytics.operations(&request)).await??;
    Ok(web::Json(report.into()))
}

/// The finance tab (owner or admin): income (cash from purchases, certificate sales), expenses
/// (cost of goods received, payroll accrued) and the cash flow per bucket and in total.
#[api_v2_operation(tags(Analytics))]
async fn finance(
    staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
) -> Result<web::Json<FinanceTabResponse>, ApiError> {
    staff.require(Role::manages_finance, "read the finance figures")?;
    let request = period.request();
    let analytics = state.sales_analytics();
    let report = web::block(move || analytics.finance(&request)).await??;
    Ok(web::Json(report.into()))
}

/// Registers the three tabs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/admin/analytics/customers").route(web::get().to(customers)))
        .service(
            web::resource("/api/v1/admin/analytics/operations").route(web::get().to(operations)),
        )
        .service(web::resource("/api/v1/admin/analytics/finance").route(web::get().to(finance)));
}
