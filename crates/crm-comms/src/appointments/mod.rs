//! Appointments and online booking: a client booked for a service (a product of kind
//! `service`, whose duration sets the end) with an employee (the master), created by the admin
//! or booked from the Mini App through one use case, with explicit status transitions recorded
//! with who and when, the free slots of a master's day, and the client's own bookings.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::AppointmentError;
pub use model::{
    Appointment, AppointmentDetails, AppointmentFilter, AppointmentStatus, BookedService,
    BookingRequest, BookingRules, BookingSource, InsertOutcome, Interval, LocalDate,
    NewAppointment, StatusChange, StatusUpdate,
};
pub use ports::AppointmentRepository;
pub use service::{Appointments, DaySlots};
