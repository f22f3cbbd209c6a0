//! Appointment bodies: the admin's and the app's booking requests, status changes, the list's
//! filters, appointments with their status history, and the free slots of a day.

use crm_comms::appointments::{
    Appointment, AppointmentDetails, AppointmentStatus, BookingSource, DaySlots, StatusChange,
};
use crm_core::{Money, Page, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatusCode {
    /// Booked and still to come.
    Scheduled,
    /// Called off.
    Cancelled,
    /// The service was given.
    Completed,
    /// The client did not come.
    NoShow,
}

impl From<AppointmentStatusCode> for AppointmentStatus {
    fn from(s: AppointmentStatusCode) -> Self {
        match s {
            AppointmentStatusCode::Scheduled => Self::Scheduled,
            AppointmentStatusCode::Cancelled => Self::Cancelled,
            AppointmentStatusCode::Completed => Self::Completed,
            AppointmentStatusCode::NoShow => Self::NoShow,
        }
    }
}

impl From<AppointmentStatus> for AppointmentStatusCode {
    fn from(s: AppointmentStatus) -> Self {
        match s {
            AppointmentStatus::Scheduled => Self::Scheduled,
            AppointmentStatus::Cancelled => Self::Cancelled,
            AppointmentStatus::Completed => Self::Completed,
            AppointmentStatus::NoShow => Self::NoShow,
        }
    }
}

/// Who created an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum BookingSourceCode {
    /// The admin panel.
    Admin,
    /// The Mini App.
    App,
}

impl From<BookingSourceCode> for BookingSource {
    fn from(s: BookingSourceCode) -> Self {
        match s {
            BookingSourceCode::Admin => Self::Admin,
            BookingSourceCode::App => Self::App,
        }
    }
}

impl From<BookingSource> for BookingSourceCode {
    fn from(s: BookingSource) -> Self {
        match s {
            BookingSource::Admin => Self::Admin,
            BookingSource::App => Self::App,
        }
    }
}

/// The admin books a client.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequest {
    /// The client.
    pub client_id: i64,
    /// The service (a product of type `service`, not archived).
    pub service_id: i64,
    /// The master (an active employee).
    pub employee_id: i64,
    /// Start, RFC 3339 with offset.
    pub starts_at: Timestamp,
    /// Where.
    pub location_id: Option<i64>,
    /// Comment, up to 1000 characters.
    pub comment: Option<String>,
}

/// The client books from the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    /// The service (a product of type `service`, not archived).
    pub service_id: i64,
    /// The master.
    pub employee_id: i64,
    /// Start, RFC 3339 with offset.
    pub starts_at: Timestamp,
    /// Where.
    pub location_id: Option<i64>,
    /// Comment, up to 1000 characters.
    pub comment: Option<String>,
}

/// A status change.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// The new status.
    pub status: AppointmentStatusCode,
    /// Why, up to 500 characters.
    pub reason: Option<String>,
}

/// An appointment in a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct AppointmentPath {
    /// Appointment id.
    pub appointment_id: i64,
}

/// Filters and paging of the admin list.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentListQuery {
    /// Starting at or after (RFC 3339).
    pub from: Option<Timestamp>,
    /// Starting before (RFC 3339).
    pub to: Option<Timestamp>,
    /// Starting on this local day of the business (`YYYY-MM-DD`).
    pub date: Option<String>,
    /// One master.
    pub employee_id: Option<i64>,
    /// One client.
    pub client_id: Option<i64>,
    /// One service.
    pub service_id: Option<i64>,
    /// One status.
    pub status: Option<AppointmentStatusCode>,
    /// One source.
    pub source: Option<BookingSourceCode>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// The free slots asked for.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    /// The service.
    pub service_id: i64,
    /// The master.
    pub employee_id: i64,
    /// The local day (`YYYY-MM-DD`).
    pub date: String,
}

/// One status change of an appointment.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StatusChangeResponse {
    /// The status before; absent for the creation.
    pub from: Option<AppointmentStatusCode>,
    /// The status after.
    pub to: AppointmentStatusCode,
    /// Who (`employee:3`, `client:7`, `system`).
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

impl From<StatusChange> for StatusChangeResponse {
    fn from(c: StatusChange) -> Self {
        Self {
            from: c.from.map(Into::into),
            to: c.to.into(),
            actor: c.actor.to_string(),
            reason: c.reason,
            at: c.at,
        }
    }
}

/// An appointment.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AppointmentResponse {
    /// Id.
    pub id: i64,
    /// The client.
    pub client_id: i64,
    /// The client's full name.
    pub client_name: String,
    /// The service.
    pub service_id: i64,
    /// The service's name.
    pub service_name: String,
    /// The master.
    pub employee_id: i64,
    /// The master's full name.
    pub employee_name: String,
    /// Where.
    pub location_id: Option<i64>,
    /// Start.
    pub starts_at: Timestamp,
    /// End: start plus the service's duration.
    pub ends_at: Timestamp,
    /// Status.
    pub status: AppointmentStatusCode,
    /// Admin panel or Mini App.
    pub source: BookingSourceCode,
    /// Comment.
    pub comment: Option<String>,
    /// The service's price when booked.
    pub price: Money,
    /// Who booked it.
    pub created_by: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// The status history, oldest first (one appointment and status changes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StatusChangeResponse>>,
}

impl From<Appointment> for AppointmentResponse {
    fn from(a: Appointment) -> Self {
        Self {
            id: a.id.get(),
            client_id: a.client_id.get(),
            client_name: a.client_name,
            service_id: a.service_id.get(),
            service_name: a.service_name,
            employee_id: a.employee_id.get(),
            employee_name: a.employee_name,
            location_id: a.location_id.map(|l| l.get()),
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            status: a.status.into(),
            source: a.source.into(),
            comment: a.comment,
            price: a.price,
            created_by: a.created_by.to_string(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            history: None,
        }
    }
}

impl From<AppointmentDetails> for AppointmentResponse {
    fn from(d: AppointmentDetails) -> Self {
        let mut response = Self::from(d.appointment);
        response.history = Some(d.history.into_iter().map(Into::into).collect());
        response
    }
}

/// A page of appointments.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AppointmentPage {
    /// The appointments, by start then id (the client's own: upcoming first).
    pub items: Vec<AppointmentResponse>,
    /// How many match.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
}

impl From<Page<Appointment>> for AppointmentPage {
    fn from(page: Page<Appointment>) -> Self {
        let page = page.map(AppointmentResponse::from);
        Self {
            items: page.items,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// A free slot.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SlotResponse {
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
}

/// The free slots of a day.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SlotsResponse {
    /// The local day.
    pub date: String,
    /// The service.
    pub service_id: i64,
    /// The master.
    pub employee_id: i64,
    /// The service's duration, minutes.
    pub duration_minutes: u32,
    /// The free slots, by start.
    pub slots: Vec<SlotResponse>,
}

impl SlotsResponse {
    /// The response for a service and master.
    pub fn new(service_id: i64, employee_id: i64, day: DaySlots) -> Self {
        Self {
            date: day.date.to_string(),
            service_id,
            employee_id,
            duration_minutes: day.duration_minutes,
            slots: day
                .slots
                .into_iter()
                .map(|s| SlotResponse {
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                })
                .collect(),
        }
    }
}
