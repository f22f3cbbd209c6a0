//! `/api/v1/admin/certificates`: gift certificate types, sales, the list with its income and
//! look-up by code.
//!
//! Every staff role may read. Owners, admins, managers and cashiers sell; owners and admins
//! define, change and archive types (prices are finance). `/certificates/types` is mounted
//! before `/certificates/{code}`, so it is never taken for a code.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::certificates::{
    CertificateCodePath, CertificatePage, CertificateResponse, CertificateTypePage,
    CertificateTypePath, CertificateTypeResponse, CertificatesQuery, CreateCertificateTypeRequest,
    SellCertificateRequest, UpdateCertificateTypeRequest,
};
use crate::dto::common::{page_request, ArchivableListQuery};
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::certificates::{CertificateTypeDefinition, CertificateTypeUpdate};
use crm_core::{CertificateTypeId, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

/// Selling certificates: everyone at the till and above, not masters.
fn sells_certificates(role: Role) -> bool {
    matches!(
        role,
        Role::Owner | Role::Admin | Role::Manager | Role::Cashier
    )
}

/// Lists certificates, newest sale first, with their status now and `sold_total` (the sum of
/// prices over every certificate matching the filters). Filters: `status`
/// (`active|redeemed|expired`), `owner_client_id`, `type_id`, `issued_from`, `issued_to`.
#[api_v2_operation(tags("Certificates"))]
async fn list_certificates(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<CertificatesQuery>,
) -> Result<web::Json<CertificatePage>, ApiError> {
    let (filter, page) = query
        .into_inner()
        .into_filter()
        .map_err(ApiError::validation)?;
    let certificates = state.gift_certificates();
    let list = web::block(move || certificates.list(&filter, page)).await??;
    Ok(web::Json(list.into()))
}

/// Sells (issues) a certificate of a type on sale; nominal, price and expiry come from the
/// type. Answers 201 with the certificate and its new code.
#[api_v2_operation(tags("Certificates"))]
async fn sell_certificate(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<SellCertificateRequest>,
) -> Result<CreatedJson<CertificateResponse>, ApiError> {
    staff.require(sells_certificates, "sell certificates")?;
    let sale = body.into_inner().into_sale(staff.employee_id);
    let certificates = state.gift_certificates();
    let sold = web::block(move || certificates.sell(sale)).await??;
    Ok(CreatedJson(sold.into()))
}

/// Looks a certificate up by its code (any case, dashes optional), with its status now.
#[api_v2_operation(tags("Certificates"))]
async fn certificate_by_code(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CertificateCodePath>,
) -> Result<web::Json<CertificateResponse>, ApiError> {
    let code = path.into_inner().code;
    let certificates = state.gift_certificates();
    let found = web::block(move || certificates.find_by_code(&code)).await??;
    Ok(web::Json(found.into()))
}

/// Lists certificate types in creation order; archived ones with `include_archived=true`.
#[api_v2_operation(tags("Certificates"))]
async fn list_types(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ArchivableListQuery>,
) -> Result<web::Json<CertificateTypePage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let include_archived = query.include_archived.unwrap_or(false);
    let certificates = state.gift_certificates();
    let page = web::block(move || certificates.list_types(include_archived, page)).await??;
    Ok(web::Json(page.into()))
}

/// Defines a certificate type: a nominal, the price a buyer pays, and a validity in days.
#[api_v2_operation(tags("Certificates"))]
async fn create_type(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateCertificateTypeRequest>,
) -> Result<CreatedJson<CertificateTypeResponse>, ApiError> {
    staff.require(Role::manages_finance, "define certificate types")?;
    let definition =
        CertificateTypeDefinition::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let certificates = state.gift_certificates();
    let created = web::block(move || certificates.create_type(definition)).await??;
    Ok(CreatedJson(created.into()))
}

/// Changes a certificate type: absent fields stay. Certificates already sold keep their terms.
#[api_v2_operation(tags("Certificates"))]
async fn update_type(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CertificateTypePath>,
    body: Body<UpdateCertificateTypeRequest>,
) -> Result<web::Json<CertificateTypeResponse>, ApiError> {
    staff.require(Role::manages_finance, "change certificate types")?;
    let id = CertificateTypeId(path.type_id);
    let update =
        CertificateTypeUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let certificates = state.gift_certificates();
    let updated = web::block(move || certificates.update_type(id, update)).await??;
    Ok(web::Json(updated.into()))
}

/// Archives a certificate type: it can no longer be sold (422 `certificate_type_archived`);
/// certificates already sold keep working.
#[api_v2_operation(tags("Certificates"))]
async fn archive_type(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CertificateTypePath>,
) -> Result<web::Json<CertificateTypeResponse>, ApiError> {
    staff.require(Role::manages_finance, "archive certificate types")?;
    let id = CertificateTypeId(path.type_id);
    let certificates = state.gift_certificates();
    let archived = web::block(move || certificates.archive_type(id)).await??;
    Ok(web::Json(archived.into()))
}

/// Mounts the certificate routes (`/types` before `/{code}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/certificates")
            .route(web::get().to(list_certificates))
            .route(web::post().to(sell_certificate)),
    )
    .service(
        web::resource("/api/v1/admin/certificates/types")
            .route(web::get().to(list_types))
            .route(web::post().to(create_type)),
    )
    .service(
        web::resource("/api/v1/admin/certificates/types/{type_id}")
            .route(web::put().to(update_type))
            .route(web::delete().to(archive_type)),
    )
    .service(
        web::resource("/api/v1/admin/certificates/{code}")
            .route(web::get().to(certificate_by_code)),
    );
}
