//! The appointment model: statuses and their allowed transitions, sources, the booking request,
//! the booking rules (settings), local days and the rows storage gives back.

use crm_core::{
    Actor, AppointmentId, ClientId, EmployeeId, FieldError, LocationId, Money, ProductId, Timestamp,
};
use std::fmt;

/// Longest comment on an appointment, in characters.
pub const MAX_COMMENT: usize = 1000;
/// Longest reason given with a status change, in characters.
pub const MAX_REASON: usize = 500;

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentStatus {
    /// Booked and still to come.
    Scheduled,
    /// Called off by the client or the business.
    Cancelled,
    /// The service was given.
    Completed,
    /// The client did not come.
    NoShow,
}

impl AppointmentStatus {
    /// Every status.
    pub const ALL: [AppointmentStatus; 4] = [
        AppointmentStatus::Scheduled,
        AppointmentStatus::Cancelled,
        AppointmentStatus::Completed,
        AppointmentStatus::NoShow,
    ];

    /// The stored and wire form.
    pub fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Scheduled => "scheduled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// Reads the stored or wire form.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether an appointment may go from this status to `to`: a scheduled one may be
    /// cancelled, completed or marked a no-show; a no-show may still be completed (the client
    /// arrived late); nothing leaves cancelled or completed.
    pub fn can_become(self, to: AppointmentStatus) -> bool {
        // Whether the start has passed is checked separately: see `needs_start`.
        use AppointmentStatus::*;
        matches!(
            (self, to),
            (Scheduled, Cancelled)
                | (Scheduled, Completed)
                | (Scheduled, NoShow)
                | (NoShow, Completed)
        )
    }
}

impl AppointmentStatus {
    /// Whether becoming this status needs the appointment's start to have passed: a service
    /// is completed, or a client fails to come, only once the start has come. Cancelling does
    /// not.
    pub fn needs_start(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Completed | AppointmentStatus::NoShow
        )
    }
}

impl fmt::Display for AppointmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who created an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingSource {
    /// A staff member in the admin panel (notice and horizon do not apply).
    Admin,
    /// The client in the Mini App.
    App,
}

impl BookingSource {
    /// The stored and wire form.
    pub fn code(self) -> &'static str {
        match self {
            BookingSource::Admin => "admin",
            BookingSource::App => "app",
        }
    }

    /// Reads the stored or wire form.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "admin" => Some(BookingSource::Admin),
            "app" => Some(BookingSource::App),
            _ => None,
        }
    }
}

/// A calendar day in the business's timezone (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate {
    year: i32,
    month: u8,
    day: u8,
}

impl LocalDate {
    /// Parses `YYYY-MM-DD` (a real calendar day, years 1970–9999); the error names `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, "must be a date YYYY-MM-DD");
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| -> Result<u32, FieldError> {
            let part = text.get(range).ok_or_else(bad)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day == 0 || day > days {
            return Err(bad());
        }
        Ok(Self {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A span of time: `starts_at` included, `ends_at` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    /// Start.
    pub starts_at: Timestamp,
    /// End (after the start).
    pub ends_at: Timestamp,
}

impl Interval {
    /// Whether the two spans share any instant.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.starts_at < other.ends_at && self.ends_at > other.starts_at
    }
}

/// The online booking rules of the system settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    /// Least time between "now" and a booked start, minutes.
    pub min_notice_minutes: u32,
    /// How many days ahead a client may book.
    pub horizon_days: u32,
    /// Step between the offered free starts, minutes.
    pub slot_step_minutes: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            min_notice_minutes: 60,
            horizon_days: 60,
            slot_step_minutes: 15,
        }
    }
}

/// A product as booking needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedService {
    /// The product.
    pub id: ProductId,
    /// Its name.
    pub name: String,
    /// Whether its kind is `service`.
    pub is_service: bool,
    /// Whether it is archived.
    pub archived: bool,
    /// How long it takes, minutes.
    pub duration_minutes: Option<u32>,
    /// Its price now.
    pub price: Money,
}

/// Command: book a client for a service with an employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    /// The client.
    pub client_id: ClientId,
    /// The service.
    pub service_id: ProductId,
    /// The master.
    pub employee_id: EmployeeId,
    /// Start.
    pub starts_at: Timestamp,
    /// Where, if the business has several locations.
    pub location_id: Option<LocationId>,
    /// Comment (≤ 1000 characters).
    pub comment: Option<String>,
    /// Admin panel or Mini App.
    pub source: BookingSource,
}

/// A checked appointment ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    /// The client.
    pub client_id: ClientId,
    /// The service.
    pub service_id: ProductId,
    /// The master.
    pub employee_id: EmployeeId,
    /// Where.
    pub location_id: Option<LocationId>,
    /// Start.
    pub starts_at: Timestamp,
    /// End: start plus the service's duration.
    pub ends_at: Timestamp,
    /// Admin panel or Mini App.
    pub source: BookingSource,
    /// Comment.
    pub comment: Option<String>,
    /// The service's price when booked.
    pub price: Money,
    /// Who booked it.
    pub created_by: Actor,
    /// When.
    pub created_at: Timestamp,
}

/// What storage did with a new appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Stored.
    Booked(Box<Appointment>),
    /// No shift of the employee holds the whole slot.
    OutsideShift,
    /// Another scheduled appointment of the employee overlaps the slot.
    SlotTaken,
    /// Another scheduled appointment of the client (with any master) overlaps the slot.
    ClientBusy,
}

/// A stored appointment with the names of its client, service and employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Id.
    pub id: AppointmentId,
    /// The client.
    pub client_id: ClientId,
    /// The client's full name.
    pub client_name: String,
    /// The service.
    pub service_id: ProductId,
    /// The service's name.
    pub service_name: String,
    /// The master.
    pub employee_id: EmployeeId,
    /// The master's full name.
    pub employee_name: String,
    /// Where.
    pub location_id: Option<LocationId>,
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
    /// Status.
    pub status: AppointmentStatus,
    /// Admin panel or Mini App.
    pub source: BookingSource,
    /// Comment.
    pub comment: Option<String>,
    /// The service's price when booked.
    pub price: Money,
    /// Who booked it.
    pub created_by: Actor,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// One entry of an appointment's status history (the creation included, from none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The status before; `None` for the creation.
    pub from: Option<AppointmentStatus>,
    /// The status after.
    pub to: AppointmentStatus,
    /// Who.
    pub actor: Actor,
    /// Why, when given.
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// An appointment with its status history, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentDetails {
    /// The appointment.
    pub appointment: Appointment,
    /// Its status changes.
    pub history: Vec<StatusChange>,
}

/// Command for storage: change a status only while it is still `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The appointment.
    pub id: AppointmentId,
    /// The status read before.
    pub from: AppointmentStatus,
    /// The new status.
    pub to: AppointmentStatus,
    /// Who.
    pub actor: Actor,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// Filters of the admin list; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentFilter {
    /// Starts at or after.
    pub from: Option<Timestamp>,
    /// Starts before.
    pub to: Option<Timestamp>,
    /// One master.
    pub employee_id: Option<EmployeeId>,
    /// One client.
    pub client_id: Option<ClientId>,
    /// One service.
    pub service_id: Option<ProductId>,
    /// One status.
    pub status: Option<AppointmentStatus>,
    /// One source.
    pub source: Option<BookingSource>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus::*;

    #[test]
    fn the_transitions_table_is_explicit() {
        let allowed = [
            (Scheduled, Cancelled),
            (Scheduled, Completed),
            (Scheduled, NoShow),
            (NoShow, Completed),
        ];
        for from in AppointmentStatus::ALL {
            for to in AppointmentStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        for status in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::parse(status.code()), Some(status));
        }
        assert_eq!(AppointmentStatus::parse("done"), None);
        assert_eq!(BookingSource::parse("app"), Some(BookingSource::App));
        assert_eq!(BookingSource::parse("web"), None);
    }

    #[test]
    fn local_dates_are_real_calendar_days() {
        let day = LocalDate::parse("date", "2028-02-29").unwrap();
        assert_eq!((day.year(), day.month(), day.day()), (2028, 2, 29));
        assert_eq!(day.to_string(), "2028-02-29");
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-01",
            "26-11-24",
            "2026-11-2x",
            "+026-11-24",
            "",
            "2026-11-24T00:00",
        ] {
            assert_eq!(
                LocalDate::parse("date", bad).map_err(|e| e.field),
                Err("date".to_owned()),
                "{bad}"
            );
        }
    }
}
