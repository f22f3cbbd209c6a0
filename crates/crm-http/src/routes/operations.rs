//! `/api/v1/admin/operations`: purchases, their preview, refunds, the operations list, and a
//! client's points ledger.
//!
//! Recording and refunding: owner, admin, manager, cashier. Reading: every staff role.
//! `POST` purchase and refund honour an `Idempotency-Key` header: the same key with the same
//! body returns the stored operation (with `replayed: true`); with another body, 409.

use crate::attempts::FailedAttempts;
use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::clients::ClientPath;
use crate::dto::operations::{
    LedgerPage, LedgerQuery, OperationPage, OperationPath, OperationResponse, OperationsQuery,
    PurchaseBody, QuoteResponse, RefundBody,
};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::HttpRequest;
use crm_clients::loyalty::operations::ClientRef;
use crm_clients::loyalty::OperationError;
use crm_core::{Actor, ClientId, EmployeeId, OperationId, PageRequest, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

/// The header that makes a write safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn records_operations(role: Role) -> bool {
    role.manages_business() || role == Role::Cashier
}

/// The `Idempotency-Key` header, if sent (its length and characters are checked by the use case).
pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get(IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.trim().to_owned()))
            .map_err(|_| {
                ApiError::invalid_field("idempotency_key", "must be 1 to 128 ASCII characters")
            }),
    }
}

/// Refuses with 429 while the employee has too many failed payment codes, and records the
/// failure when `result` is a wrong code.
fn guard_codes<T>(
    attempts: &FailedAttempts,
    employee: EmployeeId,
    uses_code: bool,
    result: Result<T, OperationError>,
) -> Result<T, ApiError> {
    if uses_code && matches!(result, Err(OperationError::PaymentCodeInvalid)) {
        attempts.record_failure(employee);
    }
    result.map_err(ApiError::from)
}

fn check_attempts(
    attempts: &FailedAttempts,
    employee: EmployeeId,
    uses_code: bool,
) -> Result<(), ApiError> {
    if uses_code && !attempts.allowed(employee) {
        return Err(ApiError::too_many_requests(
            "too_many_attempts",
            "Too many wrong payment codes; wait ten minutes.",
            600,
        ));
    }
    Ok(())
}

async fn check_cashier(state: &AppState, employee: EmployeeId) -> Result<(), ApiError> {
    let access = state.staff_access();
    let found = web::block(move || access.active(employee)).await??;
    match found {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid_field(
            "employee_id",
            "no active employee with this id",
        )),
    }
}

fn created(
    operation: crm_clients::loyalty::operations::Operation,
    replayed: bool,
) -> CreatedJson<OperationResponse> {
    let mut response = OperationResponse::from(operation);
    response.replayed = replayed;
    CreatedJson(response)
}

/// Lists operations, newest first, filtered by client, cashier, type (`purchase`/`refund`) and
/// period (`from`/`to`, RFC 3339).
#[api_v2_operation(tags(Operations))]
async fn list_operations(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<OperationsQuery>,
) -> Result<web::Json<OperationPage>, ApiError> {
    let (filter, page) = query
        .into_inner()
        .into_filter()
        .map_err(ApiError::validation)?;
    let checkout = state.checkout();
    let page = web::block(move || checkout.list(&filter, page)).await??;
    Ok(web::Json(page.into()))
}

/// Previews a purchase without recording it: points that may be spent, cash to take, cashback
/// and referral rewards.
#[api_v2_operation(tags(Operations))]
async fn calc_purchase(
    staff: StaffUser,
    state: web::Data<AppState>,
    attempts: web::Data<FailedAttempts>,
    body: Body<PurchaseBody>,
) -> Result<web::Json<QuoteResponse>, ApiError> {
    let request = body
        .into_inner()
        .into_request(staff.employee_id, staff.role.manages_finance())
        .map_err(ApiError::validation)?;
    let uses_code = matches!(request.client, ClientRef::PaymentCode(_));
    check_attempts(&attempts, staff.employee_id, uses_code)?;
    let checkout = state.checkout();
    let quote = web::block(move || checkout.calc(&request)).await?;
    let quote = guard_codes(&attempts, staff.employee_id, uses_code, quote)?;
    Ok(web::Json(quote.into()))
}

/// Records a purchase: spends points, accrues cashback at the client's level, rewards the
/// recommenders, re-evaluates the level — atomically. Spending points needs the client's
/// payment code (or an owner/admin); the code is used up. Send `Idempotency-Key` to retry
/// safely.
#[api_v2_operation(tags(Operations))]
async fn record_purchase(
    req: HttpRequest,
    staff: StaffUser,
    state: web::Data<AppState>,
    attempts: web::Data<FailedAttempts>,
    body: Body<PurchaseBody>,
) -> Result<CreatedJson<OperationResponse>, ApiError> {
    staff.require(records_operations, "record operations")?;
    let key = idempotency_key(&req)?;
    let request = body
        .into_inner()
        .into_request(staff.employee_id, staff.role.manages_finance())
        .map_err(ApiError::validation)?;
    let uses_code = matches!(request.client, ClientRef::PaymentCode(_));
    check_attempts(&attempts, staff.employee_id, uses_code)?;
    if let Some(cashier) = request.employee_id.filter(|e| *e != staff.employee_id) {
        check_cashier(&state, cashier).await?;
    }
    let checkout = state.checkout();
    let actor = Actor::Employee(staff.employee_id);
    let recorded = web::block(move || checkout.purchase(&request, key, actor)).await?;
    let (operation, replayed) = guard_codes(&attempts, staff.employee_id, uses_code, recorded)?;
    Ok(created(operation, replayed))
}

/// One operation.
#[api_v2_operation(tags(Operations))]
async fn get_operation(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<OperationPath>,
) -> Result<web::Json<OperationResponse>, ApiError> {
    let id = OperationId(path.operation_id);
    let checkout = state.checkout();
    let operation = web::block(move || checkout.get(id)).await??;
    Ok(web::Json(operation.into()))
}

/// Refunds a purchase, fully (no `amount`) or partly: spent points come back in proportion,
/// cashback is taken back (as far as the balance holds), referral rewards too when the settings
/// say so. Never more than what is left of the purchase. Send `Idempotency-Key` to retry safely.
#[api_v2_operation(tags(Operations))]
async fn refund_operation(
    req: HttpRequest,
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<OperationPath>,
    body: Body<RefundBody>,
) -> Result<CreatedJson<OperationResponse>, ApiError> {
    staff.require(records_operations, "refund operations")?;
    let key = idempotency_key(&req)?;
    let request = body
        .into_inner()
        .into_request(OperationId(path.operation_id), staff.employee_id);
    let checkout = state.checkout();
    let actor = Actor::Employee(staff.employee_id);
    let (operation, replayed) = web::block(move || checkout.refund(&request, key, actor)).await??;
    Ok(created(operation, replayed))
}

/// A client's points ledger, newest first: every change of the balance with its reason.
#[api_v2_operation(tags(Operations))]
async fn client_ledger(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ClientPath>,
    query: web::Query<LedgerQuery>,
) -> Result<web::Json<LedgerPage>, ApiError> {
    let page = PageRequest::new(query.limit, query.offset)
        .ok_or_else(|| ApiError::invalid_field("limit", "must be between 1 and 500"))?;
    let client = ClientId(path.client_id);
    let base = state.client_base();
    let operations = state.operations.clone();
    let ledger = web::block(move || {
        base.card(client)?;
        operations
            .ledger(client, page)
            .map_err(crm_clients::ClientError::from)
    })
    .await??;
    Ok(web::Json(ledger.into()))
}

/// Mounts the operation routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/operations")
            .route(web::get().to(list_operations))
            .route(web::post().to(record_purchase)),
    )
    .service(web::resource("/api/v1/admin/operations/calc").route(web::post().to(calc_purchase)))
    .service(
        web::resource("/api/v1/admin/operations/{operation_id}")
            .route(web::get().to(get_operation)),
    )
    .service(
        web::resource("/api/v1/admin/operations/{operation_id}/refund")
            .route(web::post().to(refund_operation)),
    )
    .service(
        web::resource("/api/v1/admin/clients/{client_id}/ledger")
            .route(web::get().to(client_ledger)),
    );
}
