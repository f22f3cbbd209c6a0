//! [`ApiError`]: the one error shape of the API — RFC 9457 problem details.
//!
//! Every failure, from a domain refusal to a malformed body rejected by an extractor or a route
//! that does not exist, leaves as `application/problem+json`:
//!
//! ```json
//! {"type": "urn:crm:problem:validation_failed", "title": "Unprocessable Entity", "status": 422,
//!  "code": "validation_failed", "detail": "Some fields are invalid.",
//!  "errors": [{"field": "phone", "message": "must be an international number such as +79161234567"}]}
//! ```
//!
//! Internal causes are logged, never sent.

use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use crm_analytics::AnalyticsError;
use crm_clients::certificates::CertificateError;
use crm_clients::certificates::CertificateRefusal;
use crm_clients::loyalty::adjustments::AdjustmentError;
use crm_clients::loyalty::operations::{SaleLineProblem, SaleLineRefusal};
use crm_clients::loyalty::OperationError;
use crm_clients::settings::SettingsError;
use crm_clients::traffic::TrafficError;
use crm_clients::ClientError;
use crm_comms::campaigns::CampaignError;
use crm_core::{FieldError, RepoError};
use crm_inventory::{InventoryError, Quantity};
use crm_staff::roster::RosterError;
use crm_staff::StaffError;
use paperclip::actix::api_v2_errors;
use serde::Serialize;
use std::fmt;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error on its way to the client.
#[api_v2_errors(
    code = 400,
    description = "Malformed request: bad JSON, query or path",
    code = 401,
    description = "Missing, invalid or expired credentials",
    code = 403,
    description = "The role may not do this",
    code = 404,
    description = "No such resource",
    code = 409,
    description = "Conflict with stored data (duplicate, concurrent change)",
    code = 413,
    description = "Body too large",
    code = 415,
    description = "Body is not JSON",
    code = 422,
    description = "Validation failed; `errors` lists the fields",
    code = 429,
    description = "Too many requests; `Retry-After` says when to retry",
    code = 503,
    description = "Storage or a required service is unavailable"
)]
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    errors: Vec<FieldError>,
    cause: Option<String>,
    retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl ApiError {
    /// An error with a status, a stable machine code and a message for people.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            cause: None,
            retry_after: None,
        }
    }

    /// 429 with a code and the seconds after which a retry may succeed (`Retry-After`).
    pub fn too_many_requests(
        code: &'static str,
        message: impl Into<String>,
        retry_after_seconds: u64,
    ) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        error.retry_after = Some(retry_after_seconds.max(1));
        error
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 with a code saying what is wrong with the credentials.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: authenticated, but the role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 with a code naming what is missing.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 422 listing invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Some fields are invalid.",
        );
        e.errors = errors;
        e
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// 503 with a code, logging the internal cause.
    pub fn unavailable(
        code: &'static str,
        message: impl Into<String>,
        cause: impl Into<String>,
    ) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message);
        e.cause = Some(cause.into());
        e
    }

    /// The generic rendering of a bare status (unknown route, wrong method, ...).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "The request is malformed."),
            401 => ("unauthenticated", "Authentication is required."),
            403 => ("forbidden", "Not allowed."),
            404 => ("not_found", "No such resource."),
            405 => (
                "method_not_allowed",
                "This method is not allowed on this resource.",
            ),
            406 => (
                "not_acceptable",
                "The requested representation is not available.",
            ),
            408 => ("request_timeout", "The request took too long to arrive."),
            411 => ("length_required", "A Content-Length header is required."),
            413 => ("payload_too_large", "The request body is too large."),
            414 => ("uri_too_long", "The request URI is too long."),
            415 => (
                "unsupported_media_type",
                "The body must be application/json.",
            ),
            429 => ("too_many_requests", "Too many requests; slow down."),
            431 => ("headers_too_large", "The request headers are too large."),
            s if s >= 500 => (
                "internal_error",
                "The server could not complete the request.",
            ),
            _ => ("request_failed", "The request could not be processed."),
        };
        Self::new(status, code, message)
    }

    /// An error with a code of its own that still points at one field.
    pub fn on_field(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        field: &str,
        field_message: impl Into<String>,
    ) -> Self {
        let mut e = Self::new(status, code, message);
        e.errors.push(FieldError::new(field, field_message));
        e
    }

    /// The machine code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The field errors.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code, cause = %cause, "request failed");
        } else if self.status.is_server_error() {
            tracing::error!(code = self.code, "request failed");
        }
        let body = ProblemBody {
            kind: format!("urn:crm:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            code: self.code,
            detail: &self.message,
            errors: &self.errors,
        };
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer, tma"));
        }
        match serde_json::to_vec(&body) {
            Ok(bytes) => response.body(bytes),
            Err(_) => response.finish(),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ApiError::from_status(StatusCode::NOT_FOUND),
            RepoError::Conflict { field, message } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, "conflict", message.clone());
                if let Some(field) = field {
                    err.errors.push(FieldError::new(field, message));
                }
                err
            }
            RepoError::Busy => ApiError::unavailable(
                "storage_busy",
                "The database is busy; retry in a moment.",
                "database busy",
            ),
            RepoError::Unavailable(cause) => {
                ApiError::unavailable("storage_unavailable", "The database is unavailable.", cause)
            }
        }
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::NotFound => {
                ApiError::not_found("client_not_found", "No client with this id.")
            }
            ClientError::Validation(errors) => ApiError::validation(errors),
            ClientError::Duplicate { field } => {
                let message = format!("{field} is already used by another client");
                let mut err = ApiError::new(StatusCode::CONFLICT, "duplicate_client", message);
                err.errors
                    .push(FieldError::new(field, "is already used by another client"));
                err
            }
            ClientError::ConcurrentChange => ApiError::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "The client was changed by someone else at the same time; retry.",
            ),
            ClientError::Storage(e) => e.into(),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::Validation(errors) => ApiError::validation(errors),
            SettingsError::LevelNotFound => {
                ApiError::not_found("level_not_found", "No loyalty level with this id.")
            }
            SettingsError::ConcurrentChange => ApiError::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "The settings were changed by someone else at the same time; retry.",
            ),
            SettingsError::Storage(e) => e.into(),
        }
    }
}

impl From<TrafficError> for ApiError {
    fn from(e: TrafficError) -> Self {
        match e {
            TrafficError::NotFound => ApiError::not_found(
                "traffic_channel_not_found",
                "No traffic channel with this id.",
            ),
            TrafficError::Validation(errors) => ApiError::validation(errors),
            TrafficError::Duplicate { field } => {
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    "duplicate_traffic_channel",
                    format!("{field} is already used by another traffic channel"),
                );
                err.errors.push(FieldError::new(
                    field,
                    "is already used by another traffic channel",
                ));
                err
            }
            TrafficError::Storage(e) => e.into(),
        }
    }
}

impl From<AnalyticsError> for ApiError {
    fn from(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::NotFound => {
                ApiError::not_found("not_found", "Nothing with this code or id.")
            }
            AnalyticsError::Validation(errors) => ApiError::validation(errors),
            AnalyticsError::Storage(e) => e.into(),
        }
    }
}

impl From<CampaignError> for ApiError {
    fn from(e: CampaignError) -> Self {
        match e {
            CampaignError::NotFound => {
                ApiError::not_found("campaign_not_found", "No campaign with this id.")
            }
            CampaignError::DeliveryNotFound => ApiError::not_found(
                "delivery_not_found",
                "No delivery with this id for this campaign and client.",
            ),
            CampaignError::Validation(errors) => ApiError::validation(errors),
            CampaignError::StepOutOfOrder(message) => {
                ApiError::new(StatusCode::CONFLICT, "wizard_step_out_of_order", message)
            }
            CampaignError::NotEditable(message) => {
                ApiError::new(StatusCode::CONFLICT, "campaign_launched", message)
            }
            CampaignError::InvalidTransition(message) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_status_transition", message)
            }
            CampaignError::EmptyAudience => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "empty_audience",
                "Nobody would receive this campaign: no client matches the filters with the \
                 consents and a contact on the chosen channels (or everyone reached the \
                 touch-frequency cap).",
            ),
            CampaignError::Storage(e) => e.into(),
        }
    }
}

impl From<StaffError> for ApiError {
    fn from(e: StaffError) -> Self {
        match e {
            StaffError::NotFound => {
                ApiError::not_found("employee_not_found", "No employee with this id.")
            }
            StaffError::Validation(errors) => ApiError::validation(errors),
            StaffError::Duplicate { field } => {
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    "duplicate_employee",
                    format!("{field} is already used by another employee"),
                );
                err.errors.push(FieldError::new(
                    field,
                    "is already used by another employee",
                ));
                err
            }
            StaffError::Storage(e) => e.into(),
        }
    }
}

impl From<RosterError> for ApiError {
    fn from(e: RosterError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            RosterError::EmployeeNotFound => {
                ApiError::not_found("employee_not_found", "No employee with this id.")
            }
            RosterError::CategoryNotFound => {
                ApiError::not_found("category_not_found", "No employee category with this id.")
            }
            RosterError::Validation(errors) => ApiError::validation(errors),
            RosterError::UnknownCategory => ApiError::on_field(
                unprocessable,
                "category_not_found",
                "No employee category matches the one named.",
                "category_id",
                "no such category",
            ),
            RosterError::UnknownEmployees(ids) => {
                let list = ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                ApiError::on_field(
                    unprocessable,
                    "employee_not_found",
                    format!("No employees with ids {list}."),
                    "employee_ids",
                    format!("unknown ids: {list}"),
                )
            }
            RosterError::Duplicate { field } => {
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    "duplicate_employee",
                    format!("{field} is already used"),
                );
                err.errors.push(FieldError::new(field, "is already used"));
                err
            }
            RosterError::CategoryInUse { count } => ApiError::new(
                StatusCode::CONFLICT,
                "category_in_use",
                format!("The category is used by {count} employee(s); move them first."),
            ),
            RosterError::DayTaken => ApiError::on_field(
                StatusCode::CONFLICT,
                "timesheet_day_taken",
                "The employee already has a timesheet entry for that day.",
                "work_date",
                "already has an entry",
            ),
            RosterError::ShiftOverlaps { other_id } => ApiError::on_field(
                StatusCode::CONFLICT,
                "shift_overlaps",
                format!("The shift overlaps shift {other_id} of the same employee."),
                "start_time",
                format!("overlaps shift {other_id}"),
            ),
            RosterError::RunClosed { run_id } => ApiError::new(
                StatusCode::CONFLICT,
                "payroll_run_closed",
                format!("Payroll run {run_id} for this period is closed and no longer changes."),
            ),
            RosterError::Forbidden(message) => ApiError::forbidden(message),
            RosterError::LastOwner => ApiError::new(
                StatusCode::CONFLICT,
                "last_owner",
                "The last active owner cannot be archived; make someone else an owner first.",
            ),
            RosterError::UpcomingAppointments { count } => ApiError::new(
                StatusCode::CONFLICT,
                "employee_has_appointments",
                format!(
                    "The employee is the master of {count} scheduled appointment(s) still to come; \
                     cancel them (or mark them done) before archiving."
                ),
            ),
            RosterError::Archived => ApiError::new(
                StatusCode::CONFLICT,
                "employee_archived",
                "The employee is archived.",
            ),
            RosterError::ConcurrentChange => ApiError::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "The employee was changed by someone else at the same time; retry.",
            ),
            RosterError::Storage(e) => e.into(),
        }
    }
}

impl From<OperationError> for ApiError {
    fn from(e: OperationError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            OperationError::ClientNotFound => ApiError::on_field(
                unprocessable,
                "client_not_found",
                "No client matches the one named.",
                "client_id",
                "no such client",
            ),
            OperationError::NotFound => {
                ApiError::not_found("operation_not_found", "No operation with this id.")
            }
            OperationError::Validation(errors) => ApiError::validation(errors),
            OperationError::TooManyPoints { allowed } => ApiError::on_field(
                unprocessable,
                "too_many_points",
                format!("At most {allowed} points can be spent on this purchase."),
                "points_to_spend",
                format!("must be at most {allowed}"),
            ),
            OperationError::CashMismatch { stated, computed } => ApiError::on_field(
                unprocessable,
                "cash_mismatch",
                format!("The cash to take is {computed}, not {stated}."),
                "cash",
                format!("must be {computed}"),
            ),
            OperationError::NotAPurchase => ApiError::new(
                unprocessable,
                "not_a_purchase",
                "Only a purchase can be refunded.",
            ),
            OperationError::RefundExceedsPurchase { left } => ApiError::on_field(
                unprocessable,
                "refund_exceeds_purchase",
                format!("At most {left} is left to refund."),
                "amount",
                format!("must be at most {left}"),
            ),
            OperationError::CertificateRefused(refusal) => {
                let code = match refusal {
                    CertificateRefusal::NotFound => "certificate_not_found",
                    CertificateRefusal::Expired { .. } => "certificate_expired",
                    CertificateRefusal::FullyRedeemed => "certificate_redeemed",
                };
                ApiError::on_field(
                    unprocessable,
                    code,
                    format!("The certificate cannot pay: {refusal}."),
                    "certificate_code",
                    refusal.to_string(),
                )
            }
            OperationError::PaymentCodeInvalid => ApiError::on_field(
                unprocessable,
                "payment_code_invalid",
                "The payment code is unknown, used or expired; ask the client for a new one.",
                "payment_code",
                "is invalid or expired",
            ),
            OperationError::PaymentCodeRequired => ApiError::on_field(
                unprocessable,
                "payment_code_required",
                "Spending points needs the client's payment code from the app.",
                "payment_code",
                "is required to spend points",
            ),
            OperationError::IdempotencyKeyReused => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            ),
            OperationError::SaleLineRefused(refusal) => sale_line_refused(refusal),
            OperationError::ConcurrentChange => ApiError::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "The balance changed concurrently; retry.",
            ),
            OperationError::Storage(e) => e.into(),
        }
    }
}

/// A line of goods a purchase could not sell: 422 naming the line (`items[i]...`).
fn sale_line_refused(r: SaleLineRefusal) -> ApiError {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let i = r.index;
    let product = r.product_id;
    match r.problem {
        SaleLineProblem::ProductNotFound => ApiError::on_field(
            unprocessable,
            "product_not_found",
            format!("Item {i}: no product with id {product}."),
            &format!("items[{i}].product_id"),
            "no such product",
        ),
        SaleLineProblem::NotStockable => ApiError::on_field(
            unprocessable,
            "product_not_stockable",
            format!("Item {i}: product {product} is a service and has no stock."),
            &format!("items[{i}].product_id"),
            "is a service",
        ),
        SaleLineProblem::ProductArchived => ApiError::on_field(
            unprocessable,
            "product_archived",
            format!("Item {i}: product {product} is archived."),
            &format!("items[{i}].product_id"),
            "is archived",
        ),
        SaleLineProblem::LocationNotFound => ApiError::on_field(
            unprocessable,
            "location_not_found",
            "No location with this id.",
            "location_id",
            "no such location",
        ),
        SaleLineProblem::LocationInactive => ApiError::on_field(
            unprocessable,
            "location_inactive",
            "The location is inactive.",
            "location_id",
            "is inactive",
        ),
        SaleLineProblem::InsufficientStock { available } => {
            let available = Quantity::from_thousandths(available);
            ApiError::on_field(
                unprocessable,
                "insufficient_stock",
                format!("Item {i}: only {available} of product {product} in stock here."),
                &format!("items[{i}].quantity"),
                format!("only {available} in stock"),
            )
        }
    }
}

impl From<InventoryError> for ApiError {
    fn from(e: InventoryError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            InventoryError::NotFound => {
                ApiError::not_found("product_not_found", "No product or service with this id.")
            }
            InventoryError::LocationNotFound(id) => ApiError::on_field(
                StatusCode::NOT_FOUND,
                "location_not_found",
                format!("No location with id {id}."),
                "location_id",
                "no such location",
            ),
            InventoryError::Validation(errors) => ApiError::validation(errors),
            InventoryError::Duplicate { field } => {
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    "duplicate_product",
                    format!("{field} is already used by another product"),
                );
                err.errors
                    .push(FieldError::new(field, "is already used by another product"));
                err
            }
            InventoryError::NotStockable(_) => ApiError::new(
                unprocessable,
                "product_not_stockable",
                "A service has no stock.",
            ),
            InventoryError::ProductArchived(_) => ApiError::new(
                unprocessable,
                "product_archived",
                "The product is archived; its stock no longer moves.",
            ),
            InventoryError::LocationInactive(id) => ApiError::on_field(
                unprocessable,
                "location_inactive",
                format!("Location {id} is inactive."),
                "location_id",
                "is inactive",
            ),
            InventoryError::InsufficientStock {
                location_id,
                available,
                ..
            } => ApiError::on_field(
                unprocessable,
                "insufficient_stock",
                format!("Only {available} in stock at location {location_id}."),
                "quantity",
                format!("must be at most {available}"),
            ),
            InventoryError::Storage(e) => e.into(),
        }
    }
}

impl From<CertificateError> for ApiError {
    fn from(e: CertificateError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            CertificateError::NotFound => {
                ApiError::not_found("certificate_not_found", "No certificate has this code.")
            }
            CertificateError::TypeNotFound => ApiError::not_found(
                "certificate_type_not_found",
                "No certificate type with this id.",
            ),
            CertificateError::UnknownType => ApiError::on_field(
                unprocessable,
                "certificate_type_not_found",
                "No certificate type matches the one named.",
                "type_id",
                "no such certificate type",
            ),
            CertificateError::TypeArchived => ApiError::on_field(
                unprocessable,
                "certificate_type_archived",
                "This certificate type is archived and can no longer be sold.",
                "type_id",
                "is archived",
            ),
            CertificateError::UnknownOwner => ApiError::on_field(
                unprocessable,
                "client_not_found",
                "No client matches the owner named.",
                "owner_client_id",
                "no such client",
            ),
            CertificateError::Validation(errors) => ApiError::validation(errors),
            CertificateError::CodeUnavailable => ApiError::unavailable(
                "certificate_code_unavailable",
                "No certificate code could be generated; retry.",
                "certificate code generation failed or kept clashing",
            ),
            CertificateError::Storage(e) => e.into(),
        }
    }
}

impl From<AdjustmentError> for ApiError {
    fn from(e: AdjustmentError) -> Self {
        match e {
            AdjustmentError::ClientNotFound => {
                ApiError::not_found("client_not_found", "No client with this id.")
            }
            AdjustmentError::Validation(errors) => ApiError::validation(errors),
            AdjustmentError::TooManyPoints { allowed } => ApiError::on_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_many_points",
                format!("At most {allowed} points can be withdrawn now."),
                "amount",
                format!("must not withdraw more than {allowed}"),
            ),
            AdjustmentError::IdempotencyKeyReused => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            ),
            AdjustmentError::ConcurrentChange => ApiError::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "A concurrent request with the same Idempotency-Key interfered; retry.",
            ),
            AdjustmentError::Storage(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::unavailable(
            "overloaded",
            "The server is overloaded; retry.",
            e.to_string(),
        )
    }
}

/// Names the field in serde's messages (`missing field `x``, `unknown field `x``) when it can.
pub(crate) fn field_of(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    None
}

/// Strips serde's "at line 1 column 5" tail, which means nothing to a form.
pub(crate) fn clean_serde_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Renders the JSON body extractor's failures: syntax 400, wrong shape or values 422, too
/// large 413, not JSON 415.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE)
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body must be JSON with Content-Type: application/json.",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = clean_serde_message(&e.to_string());
            let field = field_of(&message).unwrap_or_else(|| "body".to_owned());
            let message = if message.starts_with("unknown field") {
                "is not accepted here (read-only or unknown)".to_owned()
            } else {
                message
            };
            ApiError::validation(vec![FieldError::new(field, message)])
        }
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(
            "malformed_json",
            format!(
                "The body is not valid JSON: {}",
                clean_serde_message(&e.to_string())
            ),
        ),
        _ => ApiError::bad_request("malformed_body", "The request body could not be read."),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Renders query-string failures as 400 naming the problem.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    let mut api = ApiError::bad_request("invalid_query", "The query string is invalid.");
    let detail = message
        .strip_prefix("Query deserialize error: ")
        .unwrap_or(&message)
        .to_owned();
    api.errors.push(FieldError::new(
        field_of(&detail).unwrap_or_else(|| "query".into()),
        detail,
    ));
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Renders path-parameter failures (e.g. a non-numeric id) as 404: no such resource exists.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let api = ApiError::not_found(
        "not_found",
        "No such resource: the path parameter is invalid.",
    );
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Middleware fallback: any error response that is not problem+json yet (unknown route, wrong
/// method, an actix-internal failure) is re-rendered in the one shape.
pub fn problem_fallback<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let mut response = ApiError::from_status(status).error_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        if let Some(allow) = crate::openapi::allow_header(&req) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body::<B>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of("unknown field `points_balance`, expected one of ..."),
            Some("points_balance".into())
        );
        assert_eq!(
            field_of("missing field `init_data`"),
            Some("init_data".into())
        );
        assert_eq!(field_of("invalid type: string"), None);
        assert_eq!(
            clean_serde_message("invalid type: integer `5` at line 1 column 9"),
            "invalid type: integer `5`"
        );
    }
}
