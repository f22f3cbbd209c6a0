//! Appointment reminders: the rules under `/api/v1/admin/communications/reminders/rules` and
//! the run under `/api/v1/admin/communications/reminders/run` (the server also runs it every
//! minute in the background).
//!
//! Every staff role may read the rules; owners, admins and managers change them and start a run
//! (a cashier or a master gets 403).

use crate::auth::StaffUser;
use crate::body::Body;
use crate::dto::reminders::{RulesResponse, RulesUpdateRequest, RunResponse};
use crate::error::ApiError;
use crate::state::AppState;
use crm_comms::reminders::ReminderError;
use crm_core::{Actor, Role};
use paperclip::actix::{api_v2_operation, web};

impl From<ReminderError> for ApiError {
    fn from(e: ReminderError) -> Self {
        match e {
            ReminderError::Validation(errors) => ApiError::validation(errors),
            ReminderError::Storage(e) => e.into(),
        }
    }
}

/// The four reminder rules (1 hour, 4 hours, 1 day, 1 week before an appointment), with the
/// placeholders a template may use.
#[api_v2_operation(tags(Reminders))]
async fn get_rules(
    _staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<RulesResponse>, ApiError> {
    let reminders = state.reminders();
    let rules = web::block(move || reminders.rules()).await??;
    Ok(web::Json(RulesResponse::new(rules)))
}

/// Changes the listed rules (only the given fields) in one transaction and returns all four.
/// An unknown offset or channel, an empty or too long template, an unknown placeholder or a
/// rule listed twice is a 422 naming the field, and nothing is written.
#[api_v2_operation(tags(Reminders))]
async fn put_rules(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<RulesUpdateRequest>,
) -> Result<web::Json<RulesResponse>, ApiError> {
    staff.require(Role::manages_business, "change reminder rules")?;
    let changes = body.into_inner().into_changes();
    let by = Actor::Employee(staff.employee_id).to_string();
    let reminders = state.reminders();
    let rules = web::block(move || reminders.update_rules(&changes, &by)).await??;
    Ok(web::Json(RulesResponse::new(rules)))
}

/// Runs the reminders now: every due reminder of the enabled rules is enqueued through the
/// delivery pipeline exactly once per appointment and offset (or recorded once as skipped for
/// lack of consent or contact). Reports only what this run recorded; bounded in batches, the
/// rest goes on the next run.
#[api_v2_operation(tags(Reminders))]
async fn run(
    staff: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<RunResponse>, ApiError> {
    staff.require(Role::manages_business, "run reminders")?;
    let reminders = state.reminders();
    let report = web::block(move || reminders.run()).await??;
    Ok(web::Json(report.into()))
}

/// Registers the reminder routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/communications/reminders/rules")
            .route(web::get().to(get_rules))
            .route(web::put().to(put_rules)),
    )
    .service(
        web::resource("/api/v1/admin/communications/reminders/run").route(web::post().to(run)),
    );
}
