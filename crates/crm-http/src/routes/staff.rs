//! `/api/v1/admin/employees`: employee cards, categories, timesheets, shifts, payroll runs,
//! history and the accruals export (JSON and streaming CSV).
//!
//! Every staff role reads cards (pay terms only owners and admins see), categories and shifts;
//! owners, admins and managers record timesheets and plan shifts (anyone reads their own
//! timesheet); cards, categories, payroll, history and exports are for owners and admins.

use crate::auth::StaffUser;
use crate::body::Body;
use crate::csv;
use crate::dto::common::{page_request, ArchivableListQuery, PageQuery};
use crate::dto::staff::{
    required_period, AccrualPage, CategoryList, CategoryPath, CategoryResponse,
    CreateCategoryRequest, CreateEmployeeRequest, EmployeePage, EmployeePath, EmployeeResponse,
    ExportQuery, HistoryPage, PayrollRunRequest, PayrollRunResponse, PeriodQuery, ShiftList,
    ShiftRequestBody, ShiftResponse, TimesheetEntryResponse, TimesheetList, TimesheetRequest,
    UpdateEmployeeRequest,
};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use crm_core::{Actor, EmployeeCategoryId, EmployeeId, Money, Role};
use crm_staff::roster::model::{
    format_date, AccrualFilter, AccrualRow, CardFields, CardUpdate, NewTimesheetEntry,
    PayrollRequest, ShiftRequest,
};
use crm_staff::roster::ports::AccrualCursor;
use paperclip::actix::{api_v2_operation, web, CreatedJson};

/// Rows per page of the streamed CSV.
const CSV_PAGE: u32 = 500;

fn actor(staff: &StaffUser) -> Actor {
    Actor::Employee(staff.employee_id)
}

/// Lists employees by id; archived ones with `include_archived=true`. Pay terms are shown to
/// owners and admins only.
#[api_v2_operation(tags(Staff))]
async fn list_employees(
    staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ArchivableListQuery>,
) -> Result<web::Json<EmployeePage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let include_archived = query.include_archived.unwrap_or(false);
    let roster = state.roster();
    let cards = web::block(move || roster.list(include_archived, page)).await??;
    Ok(web::Json(EmployeePage::new(
        cards,
        staff.role.manages_finance(),
    )))
}

/// Adds an employee card with pay terms (owner or admin; only an owner adds an owner). The
/// Telegram id links the person to the card's role at sign-in.
#[api_v2_operation(tags(Staff))]
async fn create_employee(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateEmployeeRequest>,
) -> Result<CreatedJson<EmployeeResponse>, ApiError> {
    staff.require(Role::manages_finance, "add employees or set pay")?;
    let fields = CardFields::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let roster = state.roster();
    let (role, by) = (staff.role, actor(&staff));
    let card = web::block(move || roster.create(fields, role, by)).await??;
    Ok(CreatedJson(EmployeeResponse::new(card, true)))
}

/// Changes a card (owner or admin): absent fields stay, `null` clears; pay terms change with
/// `pay_system` and its rates. Every changed field is recorded in the history.
#[api_v2_operation(tags(Staff))]
async fn update_employee(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
    body: Body<UpdateEmployeeRequest>,
) -> Result<web::Json<EmployeeResponse>, ApiError> {
    staff.require(Role::manages_finance, "change employees or their pay")?;
    let update = CardUpdate::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let id = EmployeeId(path.employee_id);
    let roster = state.roster();
    let (role, by) = (staff.role, actor(&staff));
    let card = web::block(move || roster.update(id, &update, role, by)).await??;
    Ok(web::Json(EmployeeResponse::new(card, true)))
}

/// Archives an employee (owner or admin): the card and its history stay, the person loses
/// access at once. Archiving an archived employee answers the card again.
#[api_v2_operation(tags(Staff))]
async fn archive_employee(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
) -> Result<web::Json<EmployeeResponse>, ApiError> {
    staff.require(Role::manages_finance, "archive employees")?;
    let id = EmployeeId(path.employee_id);
    let roster = state.roster();
    let (role, by) = (staff.role, actor(&staff));
    let card = web::block(move || roster.archive(id, role, by)).await??;
    Ok(web::Json(EmployeeResponse::new(card, true)))
}

/// Lists the employee categories by name.
#[api_v2_operation(tags(Staff))]
async fn list_categories(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<CategoryList>, ApiError> {
    let roster = state.roster();
    let categories = web::block(move || roster.categories()).await??;
    Ok(web::Json(CategoryList {
        total: categories.len() as u64,
        items: categories.into_iter().map(Into::into).collect(),
    }))
}

/// Adds a category (owner or admin); the name is unique (409 `duplicate_employee` on `name`).
#[api_v2_operation(tags(Staff))]
async fn create_category(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<CreateCategoryRequest>,
) -> Result<CreatedJson<CategoryResponse>, ApiError> {
    staff.require(Role::manages_finance, "define employee categories")?;
    let name = body.into_inner().name;
    let roster = state.roster();
    let category = web::block(move || roster.create_category(&name)).await??;
    Ok(CreatedJson(category.into()))
}

/// Deletes a category (owner or admin); refused with 409 `category_in_use`, naming how many
/// active employees use it, until they are moved.
#[api_v2_operation(tags(Staff))]
async fn delete_category(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<CategoryPath>,
) -> Result<web::Json<CategoryList>, ApiError> {
    staff.require(Role::manages_finance, "delete employee categories")?;
    let id = EmployeeCategoryId(path.category_id);
    let roster = state.roster();
    let categories = web::block(move || {
        roster.delete_category(id)?;
        roster.categories()
    })
    .await??;
    Ok(web::Json(CategoryList {
        total: categories.len() as u64,
        items: categories.into_iter().map(Into::into).collect(),
    }))
}

/// An employee's timesheet for `from`..=`to` (owner, admin, manager, or the employee).
#[api_v2_operation(tags(Staff))]
async fn get_timesheet(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
    query: web::Query<PeriodQuery>,
) -> Result<web::Json<TimesheetList>, ApiError> {
    let id = EmployeeId(path.employee_id);
    if staff.employee_id != id {
        staff.require(Role::manages_business, "read others' timesheets")?;
    }
    let period = required_period(query.from.as_deref(), query.to.as_deref())
        .map_err(ApiError::validation)?;
    let roster = state.roster();
    let entries = web::block(move || roster.timesheet(id, period)).await??;
    Ok(web::Json(entries.into()))
}

/// Records a day's hours and/or pieces (owner, admin or manager): one entry per employee and
/// day (409 `timesheet_day_taken`); hours 0–24.
#[api_v2_operation(tags(Staff))]
async fn add_timesheet_entry(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
    body: Body<TimesheetRequest>,
) -> Result<CreatedJson<TimesheetEntryResponse>, ApiError> {
    staff.require(Role::manages_business, "record timesheets")?;
    let entry = NewTimesheetEntry::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let id = EmployeeId(path.employee_id);
    let roster = state.roster();
    let by = actor(&staff);
    let stored = web::block(move || roster.record_work(id, entry, by)).await??;
    Ok(CreatedJson(stored.into()))
}

/// An employee's planned shifts for `from`..=`to`.
#[api_v2_operation(tags(Staff))]
async fn get_schedule(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
    query: web::Query<PeriodQuery>,
) -> Result<web::Json<ShiftList>, ApiError> {
    let id = EmployeeId(path.employee_id);
    let period = required_period(query.from.as_deref(), query.to.as_deref())
        .map_err(ApiError::validation)?;
    let roster = state.roster();
    let shifts = web::block(move || roster.shifts(id, period)).await??;
    Ok(web::Json(ShiftList {
        total: shifts.len() as u64,
        items: shifts.into_iter().map(Into::into).collect(),
    }))
}

/// Plans a shift (owner, admin or manager) in the business's timezone; a shift overlapping
/// another of the employee's is refused (409 `shift_overlaps`).
#[api_v2_operation(tags(Staff))]
async fn add_shift(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
    body: Body<ShiftRequestBody>,
) -> Result<CreatedJson<ShiftResponse>, ApiError> {
    staff.require(Role::manages_business, "plan shifts")?;
    let shift = ShiftRequest::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let id = EmployeeId(path.employee_id);
    let roster = state.roster();
    let planned = web::block(move || roster.plan_shift(id, shift)).await??;
    Ok(CreatedJson(planned.into()))
}

/// Computes the payroll of a period (owner or admin; at most 366 days) for every active
/// employee or those named. Re-running a draft period replaces its results; `close: true`
/// closes the run, after which it is refused (409 `payroll_run_closed`).
#[api_v2_operation(tags(Staff))]
async fn run_payroll(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<PayrollRunRequest>,
) -> Result<web::Json<PayrollRunResponse>, ApiError> {
    staff.require(Role::manages_finance, "run payroll")?;
    let request = PayrollRequest::try_from(body.into_inner()).map_err(ApiError::validation)?;
    let roster = state.roster();
    let by = actor(&staff);
    let run = web::block(move || roster.run_payroll(&request, by)).await??;
    Ok(web::Json(run.into()))
}

/// Every change to the card and its pay terms, newest first (owner or admin).
#[api_v2_operation(tags(Staff))]
async fn employee_history(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<EmployeePath>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<HistoryPage>, ApiError> {
    staff.require(Role::manages_finance, "read employees' history")?;
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let id = EmployeeId(path.employee_id);
    let roster = state.roster();
    let history = web::block(move || roster.history(id, page)).await??;
    Ok(web::Json(history.into()))
}

/// Stored accruals as JSON (owner or admin), filtered by `name` (part of the full name, any
/// case) and `from`/`to` (the run's period lies within).
#[api_v2_operation(tags(Staff))]
async fn export_json(
    staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<web::Json<AccrualPage>, ApiError> {
    staff.require(Role::manages_finance, "export payroll")?;
    let filter = query.filter().map_err(ApiError::validation)?;
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let roster = state.roster();
    let rows = web::block(move || roster.accruals(&filter, page)).await??;
    Ok(web::Json(rows.into()))
}

/// `1234,50`: two decimals with a comma, as spreadsheets in `;` locales read numbers.
fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

const CSV_HEADER: [&str; 16] = [
    "run_id",
    "period_from",
    "period_to",
    "status",
    "employee_id",
    "full_name",
    "pay_system",
    "hours",
    "hourly_rate",
    "pieces",
    "piece_amount",
    "attributed_revenue",
    "revenue_share",
    "revenue_amount",
    "monthly_salary",
    "amount",
];

fn csv_rows(rows: &[AccrualRow]) -> Bytes {
    let mut out = String::new();
    for row in rows {
        let r = &row.result;
        let money = |m: Money| decimal(m.minor());
        out.push_str(&csv::line(&[
            row.run_id.to_string(),
            format_date(row.period.from),
            format_date(row.period.to),
            row.status.code().to_owned(),
            r.employee_id.to_string(),
            r.full_name.clone(),
            r.pay_system.to_owned(),
            decimal(r.hours_centi),
            money(r.hourly_rate),
            r.pieces.to_string(),
            money(r.piece_amount),
            money(r.attributed_revenue),
            decimal(r.revenue_share.basis_points()),
            money(r.revenue_amount),
            money(r.monthly_salary),
            money(r.amount),
        ]));
    }
    Bytes::from(out)
}

/// Where the CSV stream is: after the last row sent.
struct CsvCursor {
    state: web::Data<AppState>,
    filter: AccrualFilter,
    after: Option<AccrualCursor>,
}

async fn next_chunk(mut cursor: CsvCursor) -> Option<(Result<Bytes, actix_web::Error>, CsvCursor)> {
    // `None` once the last stretch came back short: the file is complete.
    let after = cursor.after.take()?;
    let roster = cursor.state.roster();
    let filter = cursor.filter.clone();
    let fetched = web::block(move || roster.accruals_after(&filter, Some(after), CSV_PAGE)).await;
    let stretch = match fetched {
        Ok(Ok(stretch)) => stretch,
        Ok(Err(e)) => return Some((Err(ApiError::from(e).into()), cursor)),
        Err(e) => return Some((Err(ApiError::from(e).into()), cursor)),
    };
    if stretch.items.is_empty() {
        return None;
    }
    cursor.after = stretch.next;
    Some((Ok(csv_rows(&stretch.items)), cursor))
}

/// Stored accruals as CSV (owner or admin), streamed page by page in constant memory: UTF-8
/// with a BOM, `;` separators, CRLF, decimal commas, formulas defanged with `'`. Same filters as
/// the JSON export.
#[api_v2_operation(tags(Staff))]
async fn export_csv(
    staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require(Role::manages_finance, "export payroll")?;
    let filter = query.filter().map_err(ApiError::validation)?;
    // The file holds every row, but a malformed page is refused as on the JSON export.
    page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    // The first page is read before the headers go out, so storage trouble is still a problem
    // response rather than a cut-off file. Each later page goes on from the last row sent (a
    // keyset walk), so the whole file costs one pass over the rows, not a re-sort per page.
    let roster = state.roster();
    let first_filter = filter.clone();
    let first = web::block(move || roster.accruals_after(&first_filter, None, CSV_PAGE)).await??;
    let mut head = String::from(csv::BOM);
    head.push_str(&csv::line(&CSV_HEADER));
    let mut head = head.into_bytes();
    head.extend_from_slice(&csv_rows(&first.items));
    let cursor = CsvCursor {
        state: state.clone(),
        filter,
        after: first.next,
    };
    let rest = futures_util::stream::unfold(cursor, next_chunk);
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(Bytes::from(head)) }),
        rest,
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"accruals.csv\"",
        ))
        .streaming(body))
}

/// Mounts the staff routes; literal paths come before `/employees/{employee_id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/employees")
            .route(web::get().to(list_employees))
            .route(web::post().to(create_employee)),
    )
    .service(
        web::resource("/api/v1/admin/employees/categories")
            .route(web::get().to(list_categories))
            .route(web::post().to(create_category)),
    )
    .service(
        web::resource("/api/v1/admin/employees/categories/{category_id}")
            .route(web::delete().to(delete_category)),
    )
    .service(
        web::resource("/api/v1/admin/employees/payroll/run").route(web::post().to(run_payroll)),
    )
    .service(web::resource("/api/v1/admin/employees/export").route(web::get().to(export_json)))
    .service(web::resource("/api/v1/admin/employees/export.csv").route(web::get().to(export_csv)))
    .service(
        web::resource("/api/v1/admin/employees/{employee_id}")
            .route(web::put().to(update_employee))
            .route(web::delete().to(archive_employee)),
    )
    .service(
        web::resource("/api/v1/admin/employees/{employee_id}/timesheet")
            .route(web::get().to(get_timesheet))
            .route(web::post().to(add_timesheet_entry)),
    )
    .service(
        web::resource("/api/v1/admin/employees/{employee_id}/schedule")
            .route(web::get().to(get_schedule))
            .route(web::post().to(add_shift)),
    )
    .service(
        web::resource("/api/v1/admin/employees/{employee_id}/history")
            .route(web::get().to(employee_history)),
    );
}
