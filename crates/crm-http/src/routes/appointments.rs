//! Appointments: the admin's diary under `/api/v1/admin/appointments` (list with filters, one
//! appointment with its status history, creation, status changes; creation also at
//! `/api/v1/admin/communications/appointments`) and online booking in the Mini App under
//! `/api/v1/app/appointments` (book, free slots of a day, the client's own bookings, cancel).
//!
//! Every staff role reads the diary. Owners, admins, managers and cashiers book any master and
//! change any appointment's status; a master books and changes only their own appointments
//! (403 otherwise). Admin bookings skip the app's minimum notice and horizon, never the shift,
//! overlap and past checks.

use crate::auth::{AppUser, StaffUser};
use crate::body::Body;
use crate::dto::appointments::{
    AppointmentListQuery, AppointmentPage, AppointmentPath, AppointmentRequest,
    AppointmentResponse, BookingBody, SlotsQuery, SlotsResponse, StatusRequest,
};
use crate::dto::common::{page_request, PageQuery};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use crm_comms::appointments::{
    AppointmentError, AppointmentFilter, BookingRequest, BookingSource, LocalDate,
};
use crm_core::{
    Actor, AppointmentId, ClientId, EmployeeId, FieldError, LocationId, ProductId, Role,
};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

impl From<AppointmentError> for ApiError {
    fn from(e: AppointmentError) -> Self {
        match e {
            AppointmentError::NotFound => {
                ApiError::not_found("appointment_not_found", "No appointment with this id.")
            }
            AppointmentError::Validation(errors) => ApiError::validation(errors),
            AppointmentError::SlotTaken => ApiError::new(
                StatusCode::CONFLICT,
                "slot_taken",
                "The employee already has an appointment at this time.",
            ),
            AppointmentError::ClientBusy => ApiError::new(
                StatusCode::CONFLICT,
                "client_busy",
                "The client already has another appointment at this time.",
            ),
            AppointmentError::NotStarted => ApiError::new(
                StatusCode::CONFLICT,
                "appointment_not_started",
                "The appointment has not started yet; it can be completed or marked a no-show \
                 only from its start.",
            ),
            e @ AppointmentError::InvalidTransition { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "invalid_status_transition",
                e.to_string(),
            ),
            AppointmentError::ConcurrentChange => ApiError::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "The appointment's status changed meanwhile; reload and retry.",
            ),
            AppointmentError::AlreadyStarted => ApiError::new(
                StatusCode::CONFLICT,
                "appointment_started",
                "The appointment has already started and can no longer be cancelled.",
            ),
            AppointmentError::Storage(e) => e.into(),
        }
    }
}

/// Whether the role books and changes the appointments of every master.
fn books_for_everyone(role: Role) -> bool {
    role != Role::Master
}

/// 403 unless the staff member may act on an appointment of `employee_id`.
fn require_own(staff: &StaffUser, employee_id: EmployeeId, what: &str) -> Result<(), ApiError> {
    if books_for_everyone(staff.role) || staff.employee_id == employee_id {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "A master may {what} only for themselves."
        )))
    }
}

fn local_date(field: &str, text: &str) -> Result<LocalDate, ApiError> {
    LocalDate::parse(field, text).map_err(|e| ApiError::validation(vec![e]))
}

/// Lists appointments by start then id, with filters: `from`/`to` (RFC 3339, on the start),
/// `date` (a local day of the business), `employee_id`, `client_id`, `service_id`, `status`,
/// `source`; with the client's, service's and master's names.
#[api_v2_operation(tags(Appointments))]
async fn list_appointments(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<AppointmentListQuery>,
) -> Result<web::Json<AppointmentPage>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let date = query
        .date
        .as_deref()
        .map(|d| local_date("date", d))
        .transpose()?;
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if to < from {
            return Err(ApiError::validation(vec![FieldError::new(
                "to",
                "must not be before from",
            )]));
        }
    }
    let filter = AppointmentFilter {
        from: query.from,
        to: query.to,
        employee_id: query.employee_id.map(EmployeeId),
        client_id: query.client_id.map(ClientId),
        service_id: query.service_id.map(ProductId),
        status: query.status.map(Into::into),
        source: query.source.map(Into::into),
    };
    let appointments = state.appointments();
    let found = web::block(move || appointments.list(filter, date, page)).await??;
    Ok(web::Json(found.into()))
}

/// Books a client for the staff member: the one body behind both admin creation routes.
async fn create(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<AppointmentRequest>,
) -> Result<CreatedJson<AppointmentResponse>, ApiError> {
    let body = body.into_inner();
    let employee_id = EmployeeId(body.employee_id);
    require_own(&staff, employee_id, "book appointments")?;
    let request = BookingRequest {
        client_id: ClientId(body.client_id),
        service_id: ProductId(body.service_id),
        employee_id,
        starts_at: body.starts_at,
        location_id: body.location_id.map(LocationId),
        comment: body.comment,
        source: BookingSource::Admin,
    };
    let actor = Actor::Employee(staff.employee_id);
    let appointments = state.appointments();
    let created = web::block(move || appointments.create(request, actor)).await??;
    Ok(CreatedJson(created.into()))
}

/// Books a client for a service with a master (source `admin`): the start must be in the
/// future and inside one of the master's shifts, clear of their other scheduled appointments
/// (409 `slot_taken`); the minimum notice and horizon of online booking do not apply.
#[api_v2_operation(tags(Appointments))]
async fn create_appointment(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<AppointmentRequest>,
) -> Result<CreatedJson<AppointmentResponse>, ApiError> {
    create(staff, state, body).await
}

/// Books a client from the communications section: the same use case as
/// `POST /api/v1/admin/appointments`.
#[api_v2_operation(tags(Appointments))]
async fn create_communication_appointment(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<AppointmentRequest>,
) -> Result<CreatedJson<AppointmentResponse>, ApiError> {
    create(staff, state, body).await
}

/// One appointment with its status history.
#[api_v2_operation(tags(Appointments))]
async fn get_appointment(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<AppointmentPath>,
) -> Result<web::Json<AppointmentResponse>, ApiError> {
    let id = AppointmentId(path.appointment_id);
    let appointments = state.appointments();
    let found = web::block(move || appointments.get(id)).await??;
    Ok(web::Json(found.into()))
}

/// Changes an appointment's status: scheduled → cancelled, completed or no_show; no_show →
/// completed (arrived late); nothing leaves cancelled or completed (409
/// `invalid_status_transition`). Each change is recorded with who, when and why.
#[api_v2_operation(tags(Appointments))]
async fn change_status(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<AppointmentPath>,
    body: Body<StatusRequest>,
) -> Result<web::Json<AppointmentResponse>, ApiError> {
    let id = AppointmentId(path.appointment_id);
    let body = body.into_inner();
    let appointments = state.appointments();
    let current = web::block(move || appointments.get(id)).await??;
    require_own(
        &staff,
        current.appointment.employee_id,
        "change appointments",
    )?;
    let actor = Actor::Employee(staff.employee_id);
    let appointments = state.appointments();
    let changed =
        web::block(move || appointments.change_status(id, body.status.into(), body.reason, actor))
            .await??;
    Ok(web::Json(changed.into()))
}

/// The client books a service with a master (source `app`): inside the master's shift, clear
/// of their scheduled appointments (of two concurrent bookings of one slot exactly one wins;
/// the other gets 409 `slot_taken`), at least the minimum notice ahead and within the horizon
/// of the booking settings.
#[api_v2_operation(tags(Appointments))]
async fn book(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<BookingBody>,
) -> Result<CreatedJson<AppointmentResponse>, ApiError> {
    let body = body.into_inner();
    let request = BookingRequest {
        client_id: user.client_id,
        service_id: ProductId(body.service_id),
        employee_id: EmployeeId(body.employee_id),
        starts_at: body.starts_at,
        location_id: body.location_id.map(LocationId),
        comment: body.comment,
        source: BookingSource::App,
    };
    let actor = Actor::Client(user.client_id);
    let appointments = state.appointments();
    let created = web::block(move || appointments.create(request, actor)).await??;
    Ok(CreatedJson(created.into()))
}

/// The free slots of a local day for a service with a master: inside their shifts, clear of
/// their scheduled appointments and of the signed-in client's own bookings with any master,
/// honouring the minimum notice and the horizon, one every slot step of the booking settings.
#[api_v2_operation(tags(Appointments))]
async fn slots(
    user: AppUser,
    state: web::Data<AppState>,
    query: web::Query<SlotsQuery>,
) -> Result<web::Json<SlotsResponse>, ApiError> {
    let query = query.into_inner();
    let date = local_date("date", &query.date)?;
    let (service_id, employee_id) = (query.service_id, query.employee_id);
    let appointments = state.appointments();
    let day = web::block(move || {
        appointments.slots(
            ProductId(service_id),
            EmployeeId(employee_id),
            date,
            Some(user.client_id),
        )
    })
    .await??;
    Ok(web::Json(SlotsResponse::new(service_id, employee_id, day)))
}

/// The client's own appointments: upcoming first (soonest first), then the past ones.
#[api_v2_operation(tags(Appointments))]
async fn my_appointments(
    user: AppUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<AppointmentPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let appointments = state.appointments();
    let found = web::block(move || appointments.client_list(user.client_id, page)).await??;
    Ok(web::Json(found.into()))
}

/// The client cancels their own scheduled appointment before it starts (another client's
/// appointment is 404 `appointment_not_found`).
#[api_v2_operation(tags(Appointments))]
async fn cancel_mine(
    user: AppUser,
    state: web::Data<AppState>,
    path: web::Path<AppointmentPath>,
) -> Result<web::Json<AppointmentResponse>, ApiError> {
    let id = AppointmentId(path.appointment_id);
    let appointments = state.appointments();
    let cancelled = web::block(move || appointments.client_cancel(user.client_id, id)).await??;
    Ok(web::Json(cancelled.into()))
}

/// Registers the appointment routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/appointments")
            .route(web::get().to(list_appointments))
            .route(web::post().to(create_appointment)),
    )
    .service(
        web::resource("/api/v1/admin/appointments/{appointment_id}")
            .route(web::get().to(get_appointment)),
    )
    .service(
        web::resource("/api/v1/admin/appointments/{appointment_id}/status")
            .route(web::patch().to(change_status)),
    )
    .service(
        web::resource("/api/v1/admin/communications/appointments")
            .route(web::post().to(create_communication_appointment)),
    )
    .service(web::resource("/api/v1/app/appointments").route(web::get().to(my_appointments)))
    .service(web::resource("/api/v1/app/appointments/book").route(web::post().to(book)))
    .service(web::resource("/api/v1/app/appointments/slots").route(web::get().to(slots)))
    .service(
        web::resource("/api/v1/app/appointments/{appointment_id}/cancel")
            .route(web::post().to(cancel_mine)),
    );
}
