//! The port the appointments need from storage: the booked service, employee, client and
//! location, the booking rules and the business's local days, the guarded insert (shift and
//! overlap checked in the writing transaction), status changes with their history, the lists,
//! and the shifts and busy times of a master.

use crate::appointments::model::{
    Appointment, AppointmentFilter, BookedService, BookingRules, InsertOutcome, Interval,
    LocalDate, NewAppointment, StatusChange, StatusUpdate,
};
use crm_core::{
    AppointmentId, ClientId, EmployeeId, LocationId, Page, PageRequest, ProductId, RepoError,
    Timestamp,
};

/// Storage of appointments and what booking reads.
#[cfg_attr(test, mockall::automock)]
pub trait AppointmentRepository {
    /// The product booked as a service; `None` when no product has that id.
    fn service(&self, id: ProductId) -> Result<Option<BookedService>, RepoError>;

    /// Whether the employee is active (not archived); `None` when no employee has that id.
    fn employee_active(&self, id: EmployeeId) -> Result<Option<bool>, RepoError>;

    /// Whether the client exists.
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError>;

    /// Whether the location exists.
    fn location_exists(&self, id: LocationId) -> Result<bool, RepoError>;

    /// The online booking rules of the system settings.
    fn booking_rules(&self) -> Result<BookingRules, RepoError>;

    /// The instants a local day of the business's timezone starts and ends at.
    fn day_bounds(&self, date: LocalDate) -> Result<Interval, RepoError>;

    /// Stores an appointment and its first status change in one immediate transaction, only
    /// when one shift of the employee holds the whole slot, no other scheduled appointment of
    /// the employee overlaps it (`SlotTaken`) and no other scheduled appointment of the client,
    /// with any master, overlaps it (`ClientBusy`).
    fn insert(&self, record: &NewAppointment) -> Result<InsertOutcome, RepoError>;

    /// One appointment.
    fn get(&self, id: AppointmentId) -> Result<Option<Appointment>, RepoError>;

    /// The status history of an appointment, oldest first.
    fn history(&self, id: AppointmentId) -> Result<Vec<StatusChange>, RepoError>;

    /// Changes the status while the stored one is still `update.from` and appends the change
    /// to the history in the same transaction; `Ok(false)` when the status changed meanwhile.
    fn change_status(&self, update: &StatusUpdate) -> Result<bool, RepoError>;

    /// A page of appointments matching the filters, by start then id.
    fn list(
        &self,
        filter: &AppointmentFilter,
        page: PageRequest,
    ) -> Result<Page<Appointment>, RepoError>;

    /// A page of a client's appointments: those starting at or after `now` first (soonest
    /// first), then the past ones (latest first).
    fn client_appointments(
        &self,
        client_id: ClientId,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<Appointment>, RepoError>;

    /// The employee's shifts overlapping a span, by start.
    fn shifts(&self, employee_id: EmployeeId, span: Interval) -> Result<Vec<Interval>, RepoError>;

    /// The employee's scheduled appointments overlapping a span, by start.
    fn busy(&self, employee_id: EmployeeId, span: Interval) -> Result<Vec<Interval>, RepoError>;

    /// The client's scheduled appointments (with any employee) overlapping a span, by start.
    fn client_busy(&self, client_id: ClientId, span: Interval) -> Result<Vec<Interval>, RepoError>;
}

impl<T: AppointmentRepository + ?Sized> AppointmentRepository for std::sync::Arc<T> {
    fn service(&self, id: ProductId) -> Result<Option<BookedService>, RepoError> {
        (**self).service(id)
    }
    fn employee_active(&self, id: EmployeeId) -> Result<Option<bool>, RepoError> {
        (**self).employee_active(id)
    }
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        (**self).client_exists(id)
    }
    fn location_exists(&self, id: LocationId) -> Result<bool, RepoError> {
        (**self).location_exists(id)
    }
    fn booking_rules(&self) -> Result<BookingRules, RepoError> {
        (**self).booking_rules()
    }
    fn day_bounds(&self, date: LocalDate) -> Result<Interval, RepoError> {
        (**self).day_bounds(date)
    }
    fn insert(&self, record: &NewAppointment) -> Result<InsertOutcome, RepoError> {
        (**self).insert(record)
    }
    fn get(&self, id: AppointmentId) -> Result<Option<Appointment>, RepoError> {
        (**self).get(id)
    }
    fn history(&self, id: AppointmentId) -> Result<Vec<StatusChange>, RepoError> {
        (**self).history(id)
    }
    fn change_status(&self, update: &StatusUpdate) -> Result<bool, RepoError> {
        (**self).change_status(update)
    }
    fn list(
        &self,
        filter: &AppointmentFilter,
        page: PageRequest,
    ) -> Result<Page<Appointment>, RepoError> {
        (**self).list(filter, page)
    }
    fn client_appointments(
        &self,
        client_id: ClientId,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<Appointment>, RepoError> {
        (**self).client_appointments(client_id, now, page)
    }
    fn shifts(&self, employee_id: EmployeeId, span: Interval) -> Result<Vec<Interval>, RepoError> {
        (**self).shifts(employee_id, span)
    }
    fn busy(&self, employee_id: EmployeeId, span: Interval) -> Result<Vec<Interval>, RepoError> {
        (**self).busy(employee_id, span)
    }
    fn client_busy(&self, client_id: ClientId, span: Interval) -> Result<Vec<Interval>, RepoError> {
        (**self).client_busy(client_id, span)
    }
}
