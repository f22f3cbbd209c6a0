//! [`Appointments`]: the appointment use cases — one creation use case for the admin panel and
//! the Mini App, the admin list, one appointment with its history, status changes, the client's
//! own bookings and cancellation, and the free slots of a master's day.

use crate::appointments::error::AppointmentError;
use crate::appointments::model::{
    Appointment, AppointmentDetails, AppointmentFilter, AppointmentStatus, BookedService,
    BookingRequest, BookingRules, BookingSource, InsertOutcome, Interval, LocalDate,
    NewAppointment, StatusUpdate, MAX_COMMENT, MAX_REASON,
};
use crate::appointments::ports::AppointmentRepository;
use crm_core::{
    Actor, AppointmentId, ClientId, Clock, EmployeeId, FieldError, Page, PageRequest, ProductId,
    Timestamp,
};

/// The free starts of a master's day for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySlots {
    /// The day.
    pub date: LocalDate,
    /// The service's duration, minutes.
    pub duration_minutes: u32,
    /// The free slots, by start.
    pub slots: Vec<Interval>,
}

/// The appointment use cases over storage `R` and a clock `C`.
pub struct Appointments<R, C> {
    repo: R,
    clock: C,
}

const MILLIS_PER_MINUTE: i64 = 60_000;

fn minutes(at: Timestamp, minutes: i64) -> Timestamp {
    at.plus_seconds(minutes.saturating_mul(60))
}

impl<R: AppointmentRepository, C: Clock> Appointments<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// The service and employee of a booking, checked: the product must be a service, not
    /// archived, with a duration; the employee must exist and be active.
    fn bookable(
        &self,
        service_id: ProductId,
        employee_id: EmployeeId,
        errors: &mut Vec<FieldError>,
    ) -> Result<Option<(BookedService, u32)>, AppointmentError> {
        let service = self.repo.service(service_id)?;
        let checked = match service {
            None => {
                errors.push(FieldError::new("service_id", "no such service"));
                None
            }
            Some(s) if !s.is_service => {
                errors.push(FieldError::new("service_id", "is a product, not a service"));
                None
            }
            Some(s) if s.archived => {
                errors.push(FieldError::new("service_id", "is archived"));
                None
            }
            Some(s) => match s.duration_minutes.filter(|d| *d > 0) {
                Some(duration) => Some((s, duration)),
                None => {
                    errors.push(FieldError::new("service_id", "has no duration"));
                    None
                }
            },
        };
        match self.repo.employee_active(employee_id)? {
            None => errors.push(FieldError::new("employee_id", "no such employee")),
            Some(false) => errors.push(FieldError::new("employee_id", "is archived")),
            Some(true) => {}
        }
        Ok(checked)
    }

    /// Books a client: the one creation use case behind both admin routes and the Mini App.
    /// The service must be a bookable service, the employee active, the client and the location
    /// known, the start in the future; bookings from the app must also respect the minimum
    /// notice and the horizon of the settings (the admin may book at short notice or far
    /// ahead). Storage then checks, in the writing transaction, that one of the employee's
    /// shifts holds the whole slot, that no scheduled appointment of theirs overlaps it and
    /// that no scheduled appointment of the client (with any master) overlaps it.
    pub fn create(
        &self,
        request: BookingRequest,
        actor: Actor,
    ) -> Result<Appointment, AppointmentError> {
        let now = self.clock.now();
        let mut errors = Vec::new();
        let comment = request
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT)
        {
            errors.push(FieldError::new(
                "comment",
                format!("must be at most {MAX_COMMENT} characters"),
            ));
        }
        if !self.repo.client_exists(request.client_id)? {
            errors.push(FieldError::new("client_id", "no such client"));
        }
        let bookable = self.bookable(request.service_id, request.employee_id, &mut errors)?;
        if let Some(location) = request.location_id {
            if !self.repo.location_exists(location)? {
                errors.push(FieldError::new("location_id", "no such location"));
            }
        }
        if request.starts_at <= now {
            errors.push(FieldError::new("starts_at", "must be in the future"));
        } else if request.source == BookingSource::App {
            let rules = self.repo.booking_rules()?;
            if let Some(message) = outside_booking_window(&rules, now, request.starts_at) {
                errors.push(FieldError::new("starts_at", message));
            }
        }
        let Some((service, duration)) = bookable.filter(|_| errors.is_empty()) else {
            return Err(AppointmentError::Validation(errors));
        };
        let record = NewAppointment {
            client_id: request.client_id,
            service_id: service.id,
            employee_id: request.employee_id,
            location_id: request.location_id,
            starts_at: request.starts_at,
            ends_at: minutes(request.starts_at, i64::from(duration)),
            source: request.source,
            comment,
            price: service.price,
            created_by: actor,
            created_at: now,
        };
        match self.repo.insert(&record)? {
            InsertOutcome::Booked(appointment) => Ok(*appointment),
            InsertOutcome::SlotTaken => Err(AppointmentError::SlotTaken),
            InsertOutcome::ClientBusy => Err(AppointmentError::ClientBusy),
            InsertOutcome::OutsideShift => {
                Err(AppointmentError::Validation(vec![FieldError::new(
                    "starts_at",
                    "is outside the employee's shifts",
                )]))
            }
        }
    }

    /// One appointment with its status history.
    pub fn get(&self, id: AppointmentId) -> Result<AppointmentDetails, AppointmentError> {
        let appointment = self.repo.get(id)?.ok_or(AppointmentError::NotFound)?;
        let history = self.repo.history(id)?;
        Ok(AppointmentDetails {
            appointment,
            history,
        })
    }

    /// A page of appointments; `date` (a local day) narrows `from`/`to` further.
    pub fn list(
        &self,
        mut filter: AppointmentFilter,
        date: Option<LocalDate>,
        page: PageRequest,
    ) -> Result<Page<Appointment>, AppointmentError> {
        if let Some(date) = date {
            let day = self.repo.day_bounds(date)?;
            filter.from = Some(filter.from.map_or(day.starts_at, |f| f.max(day.starts_at)));
            filter.to = Some(filter.to.map_or(day.ends_at, |t| t.min(day.ends_at)));
        }
        Ok(self.repo.list(&filter, page)?)
    }

    /// Changes an appointment's status along the allowed transitions, recording who, when and
    /// why; an illegal change is refused, and so is one that loses to a concurrent change.
    /// `completed` and `no_show` are refused before the start (`NotStarted`); cancelling is
    /// allowed before and after it.
    pub fn change_status(
        &self,
        id: AppointmentId,
        to: AppointmentStatus,
        reason: Option<String>,
        actor: Actor,
    ) -> Result<AppointmentDetails, AppointmentError> {
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON)
        {
            return Err(AppointmentError::Validation(vec![FieldError::new(
                "reason",
                format!("must be at most {MAX_REASON} characters"),
            )]));
        }
        let current = self.repo.get(id)?.ok_or(AppointmentError::NotFound)?;
        self.transition(current, to, reason, actor)
    }

    fn transition(
        &self,
        current: Appointment,
        to: AppointmentStatus,
        reason: Option<String>,
        actor: Actor,
    ) -> Result<AppointmentDetails, AppointmentError> {
        if !current.status.can_become(to) {
            return Err(AppointmentError::InvalidTransition {
                from: current.status,
                to,
            });
        }
        let now = self.clock.now();
        if to.needs_start() && now < current.starts_at {
            return Err(AppointmentError::NotStarted);
        }
        let update = StatusUpdate {
            id: current.id,
            from: current.status,
            to,
            actor,
            reason,
            at: now,
        };
        if !self.repo.change_status(&update)? {
            return Err(AppointmentError::ConcurrentChange);
        }
        self.get(current.id)
    }

    /// The client's own appointments, upcoming first.
    pub fn client_list(
        &self,
        client_id: ClientId,
        page: PageRequest,
    ) -> Result<Page<Appointment>, AppointmentError> {
        Ok(self
            .repo
            .client_appointments(client_id, self.clock.now(), page)?)
    }

    /// The client cancels their own scheduled appointment before it starts; someone else's
    /// appointment is not found.
    pub fn client_cancel(
        &self,
        client_id: ClientId,
        id: AppointmentId,
    ) -> Result<AppointmentDetails, AppointmentError> {
        let current = self
            .repo
            .get(id)?
            .filter(|a| a.client_id == client_id)
            .ok_or(AppointmentError::NotFound)?;
        if current.status == AppointmentStatus::Scheduled && current.starts_at <= self.clock.now() {
            return Err(AppointmentError::AlreadyStarted);
        }
        self.transition(
            current,
            AppointmentStatus::Cancelled,
            None,
            Actor::Client(client_id),
        )
    }

    /// The free starts of a day for a service with a master, as the app offers them: inside
    /// the master's shifts, clear of their scheduled appointments (and, for a signed-in
    /// `client`, of the client's own with any master), honouring the minimum notice and the
    /// horizon, stepping by the settings' slot step from each shift's start.
    pub fn slots(
        &self,
        service_id: ProductId,
        employee_id: EmployeeId,
        date: LocalDate,
        client: Option<ClientId>,
    ) -> Result<DaySlots, AppointmentError> {
        let mut errors = Vec::new();
        let bookable = self.bookable(service_id, employee_id, &mut errors)?;
        let Some((_, duration)) = bookable.filter(|_| errors.is_empty()) else {
            return Err(AppointmentError::Validation(errors));
        };
        let rules = self.repo.booking_rules()?;
        let now = self.clock.now();
        let day = self.repo.day_bounds(date)?;
        let length = i64::from(duration) * MILLIS_PER_MINUTE;
        let step = i64::from(rules.slot_step_minutes.max(1)) * MILLIS_PER_MINUTE;
        let search = Interval {
            starts_at: day.starts_at,
            ends_at: minutes(day.ends_at, i64::from(duration)),
        };
        let shifts = self.repo.shifts(employee_id, search)?;
        let mut busy = self.repo.busy(employee_id, search)?;
        if let Some(client) = client {
            busy.extend(self.repo.client_busy(client, search)?);
        }
        let mut slots = Vec::new();
        for shift in shifts {
            let mut start = shift.starts_at.unix_millis();
            let shift_end = shift.ends_at.unix_millis();
            while start + length <= shift_end {
                let (Some(starts_at), Some(ends_at)) = (
                    Timestamp::from_unix_millis(start),
                    Timestamp::from_unix_millis(start + length),
                ) else {
                    break;
                };
                let slot = Interval { starts_at, ends_at };
                if starts_at >= day.starts_at
                    && starts_at < day.ends_at
                    && starts_at > now
                    && outside_booking_window(&rules, now, starts_at).is_none()
                    && !busy.iter().any(|b| b.overlaps(&slot))
                {
                    slots.push(slot);
                }
                start += step;
            }
        }
        slots.sort();
        slots.dedup();
        Ok(DaySlots {
            date,
            duration_minutes: duration,
            slots,
        })
    }
}

/// Why a start breaks the app's notice or horizon rule; `None` when it respects both.
fn outside_booking_window(
    rules: &BookingRules,
    now: Timestamp,
    start: Timestamp,
) -> Option<String> {
    let notice = i64::from(rules.min_notice_minutes);
    let horizon = i64::from(rules.horizon_days) * 24 * 60;
    if start < minutes(now, notice) {
        Some(format!("must be at least {notice} minutes from now"))
    } else if start > minutes(now, horizon) {
        Some(format!(
            "must be within {} days from now",
            rules.horizon_days
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointments::ports::MockAppointmentRepository;
    use crm_core::{FixedClock, LocationId, Money};

    /// 2026-11-24T12:00:00Z.
    const NOW: i64 = 1_795_521_600;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).unwrap_or_else(|| panic!("time {seconds}"))
    }

    fn haircut() -> BookedService {
        BookedService {
            id: ProductId(5),
            name: "Haircut".into(),
            is_service: true,
            archived: false,
            duration_minutes: Some(45),
            price: Money::from_minor(150_000),
        }
    }

    fn appointment(status: AppointmentStatus, starts_at: Timestamp) -> Appointment {
        Appointment {
            id: AppointmentId(9),
            client_id: ClientId(1),
            client_name: "Anna".into(),
            service_id: ProductId(5),
            service_name: "Haircut".into(),
            employee_id: EmployeeId(2),
            employee_name: "Olga".into(),
            location_id: None,
            starts_at,
            ends_at: minutes(starts_at, 45),
            status,
            source: BookingSource::Admin,
            comment: None,
            price: Money::from_minor(150_000),
            created_by: Actor::System,
            created_at: at(NOW),
            updated_at: at(NOW),
        }
    }

    /// A repository knowing client 1, service 5 (haircut), active employee 2 and location 3.
    fn known() -> MockAppointmentRepository {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_client_exists()
            .returning(|id| Ok(id == ClientId(1)));
        repo.expect_service()
            .returning(|id| Ok((id == ProductId(5)).then(haircut)));
        repo.expect_employee_active()
            .returning(|id| Ok((id == EmployeeId(2)).then_some(true)));
        repo.expect_location_exists()
            .returning(|id| Ok(id == LocationId(3)));
        repo.expect_booking_rules()
            .returning(|| Ok(BookingRules::default()));
        repo
    }

    fn request(source: BookingSource, starts_at: Timestamp) -> BookingRequest {
        BookingRequest {
            client_id: ClientId(1),
            service_id: ProductId(5),
            employee_id: EmployeeId(2),
            starts_at,
            location_id: Some(LocationId(3)),
            comment: Some("  first visit ".into()),
            source,
        }
    }

    fn fields(result: Result<Appointment, AppointmentError>) -> Vec<String> {
        match result {
            Err(AppointmentError::Validation(errors)) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn one_creation_use_case_serves_both_sources() {
        for (source, actor) in [
            (BookingSource::Admin, Actor::Employee(EmployeeId(7))),
            (BookingSource::App, Actor::Client(ClientId(1))),
        ] {
            let mut repo = known();
            let start = at(NOW + 3 * 3600);
            repo.expect_insert()
                .withf(move |r| {
                    r.ends_at == minutes(start, 45)
                        && r.price == Money::from_minor(150_000)
                        && r.comment.as_deref() == Some("first visit")
                        && r.source == source
                        && r.created_by == actor
                        && r.created_at == at(NOW)
                })
                .times(1)
                .returning(move |r| {
                    let mut a = appointment(AppointmentStatus::Scheduled, r.starts_at);
                    a.source = r.source;
                    Ok(InsertOutcome::Booked(Box::new(a)))
                });
            let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
            let booked = use_case.create(request(source, start), actor);
            assert_eq!(booked.map(|a| a.source), Ok(source));
        }
    }

    #[test]
    fn storage_refusals_become_slot_taken_and_outside_shift() {
        for (outcome, expected) in [
            (InsertOutcome::SlotTaken, AppointmentError::SlotTaken),
            (InsertOutcome::ClientBusy, AppointmentError::ClientBusy),
            (
                InsertOutcome::OutsideShift,
                AppointmentError::Validation(vec![FieldError::new(
                    "starts_at",
                    "is outside the employee's shifts",
                )]),
            ),
        ] {
            let mut repo = known();
            repo.expect_insert()
                .times(1)
                .returning(move |_| Ok(outcome.clone()));
            let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
            assert_eq!(
                use_case.create(request(BookingSource::Admin, at(NOW + 3600)), Actor::System),
                Err(expected)
            );
        }
    }

    /// A change to a booking or to its service.
    type Change = dyn Fn(&mut BookingRequest, &mut BookedService);

    #[test]
    fn bad_bookings_are_refused_before_storage() {
        let cases: Vec<(Box<Change>, &str)> = vec![
            (Box::new(|r, _| r.starts_at = at(NOW - 60)), "starts_at"),
            (Box::new(|r, _| r.starts_at = at(NOW)), "starts_at"),
            (Box::new(|r, _| r.client_id = ClientId(99)), "client_id"),
            (
                Box::new(|r, _| r.employee_id = EmployeeId(99)),
                "employee_id",
            ),
            (Box::new(|r, _| r.service_id = ProductId(99)), "service_id"),
            (Box::new(|_, s| s.archived = true), "service_id"),
            (Box::new(|_, s| s.is_service = false), "service_id"),
            (Box::new(|_, s| s.duration_minutes = None), "service_id"),
            (
                Box::new(|r, _| r.location_id = Some(LocationId(99))),
                "location_id",
            ),
            (
                Box::new(|r, _| r.comment = Some("x".repeat(1001))),
                "comment",
            ),
        ];
        for (change, field) in cases {
            let mut service = haircut();
            let mut booking = request(BookingSource::Admin, at(NOW + 3600));
            change(&mut booking, &mut service);
            let mut repo = MockAppointmentRepository::new();
            repo.expect_client_exists()
                .returning(|id| Ok(id == ClientId(1)));
            repo.expect_service()
                .returning(move |id| Ok((id == ProductId(5)).then(|| service.clone())));
            repo.expect_employee_active()
                .returning(|id| Ok((id == EmployeeId(2)).then_some(true)));
            repo.expect_location_exists()
                .returning(|id| Ok(id == LocationId(3)));
            repo.expect_insert().never();
            let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
            assert_eq!(fields(use_case.create(booking, Actor::System)), vec![field]);
        }
        let mut archived = MockAppointmentRepository::new();
        archived.expect_client_exists().returning(|_| Ok(true));
        archived.expect_service().returning(|_| Ok(Some(haircut())));
        archived
            .expect_employee_active()
            .returning(|_| Ok(Some(false)));
        archived.expect_location_exists().returning(|_| Ok(true));
        archived.expect_insert().never();
        let use_case = Appointments::new(archived, FixedClock::new(at(NOW)));
        assert_eq!(
            fields(use_case.create(request(BookingSource::Admin, at(NOW + 3600)), Actor::System)),
            vec!["employee_id"]
        );
    }

    #[test]
    fn the_app_respects_notice_and_horizon_and_the_admin_does_not() {
        // Defaults: 60 minutes of notice, 60 days ahead.
        for (start, app_ok) in [
            (at(NOW + 30 * 60), false),
            (at(NOW + 60 * 60), true),
            (at(NOW + 60 * 86_400), true),
            (at(NOW + 60 * 86_400 + 60), false),
        ] {
            for source in [BookingSource::App, BookingSource::Admin] {
                let mut repo = known();
                let allowed = app_ok || source == BookingSource::Admin;
                repo.expect_insert()
                    .times(usize::from(allowed))
                    .returning(|r| {
                        Ok(InsertOutcome::Booked(Box::new(appointment(
                            AppointmentStatus::Scheduled,
                            r.starts_at,
                        ))))
                    });
                let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
                let result = use_case.create(request(source, start), Actor::System);
                if allowed {
                    assert!(result.is_ok(), "{source:?} {start}: {result:?}");
                } else {
                    assert_eq!(fields(result), vec!["starts_at"]);
                }
            }
        }
    }

    #[test]
    fn status_changes_follow_the_table_and_lose_to_concurrent_changes() {
        use AppointmentStatus::*;
        for from in AppointmentStatus::ALL {
            for to in AppointmentStatus::ALL {
                let mut repo = MockAppointmentRepository::new();
                // Started an hour ago: every legal change is allowed.
                repo.expect_get()
                    .returning(move |_| Ok(Some(appointment(from, at(NOW - 3600)))));
                repo.expect_history().returning(|_| Ok(Vec::new()));
                let legal = from.can_become(to);
                repo.expect_change_status()
                    .withf(move |u| {
                        u.from == from && u.to == to && u.reason.as_deref() == Some("late")
                    })
                    .times(usize::from(legal))
                    .returning(|_| Ok(true));
                let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
                let result = use_case.change_status(
                    AppointmentId(9),
                    to,
                    Some(" late ".into()),
                    Actor::System,
                );
                if legal {
                    assert!(result.is_ok());
                } else {
                    assert_eq!(
                        result,
                        Err(AppointmentError::InvalidTransition { from, to })
                    );
                }
            }
        }
        let mut repo = MockAppointmentRepository::new();
        repo.expect_get()
            .returning(|_| Ok(Some(appointment(Scheduled, at(NOW - 3600)))));
        repo.expect_change_status().returning(|_| Ok(false));
        let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
        assert_eq!(
            use_case.change_status(AppointmentId(9), NoShow, None, Actor::System),
            Err(AppointmentError::ConcurrentChange)
        );
        let mut repo = MockAppointmentRepository::new();
        repo.expect_get().returning(|_| Ok(None));
        let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
        assert_eq!(
            use_case.change_status(AppointmentId(9), NoShow, None, Actor::System),
            Err(AppointmentError::NotFound)
        );
    }

    #[test]
    fn completed_and_no_show_wait_for_the_start_and_cancelling_does_not() {
        use AppointmentStatus::*;
        let start = at(NOW + 60);
        for (from, to, allowed) in [
            (Scheduled, Completed, false),
            (Scheduled, NoShow, false),
            (NoShow, Completed, false),
            (Scheduled, Cancelled, true),
        ] {
            let mut repo = MockAppointmentRepository::new();
            repo.expect_get()
                .returning(move |_| Ok(Some(appointment(from, start))));
            repo.expect_history().returning(|_| Ok(Vec::new()));
            repo.expect_change_status()
                .times(usize::from(allowed))
                .returning(|_| Ok(true));
            let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
            let result = use_case.change_status(AppointmentId(9), to, None, Actor::System);
            if allowed {
                assert!(result.is_ok(), "{from} -> {to}");
            } else {
                assert_eq!(result, Err(AppointmentError::NotStarted), "{from} -> {to}");
            }
        }
        // At the start itself the service may be completed or the client marked absent.
        for to in [Completed, NoShow] {
            let mut repo = MockAppointmentRepository::new();
            repo.expect_get()
                .returning(move |_| Ok(Some(appointment(Scheduled, start))));
            repo.expect_history().returning(|_| Ok(Vec::new()));
            repo.expect_change_status().times(1).returning(|_| Ok(true));
            let use_case = Appointments::new(repo, FixedClock::new(start));
            assert!(use_case
                .change_status(AppointmentId(9), to, None, Actor::System)
                .is_ok());
        }
    }

    #[test]
    fn clients_cancel_only_their_own_future_appointments() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_get().returning(|_| {
            Ok(Some(appointment(
                AppointmentStatus::Scheduled,
                at(NOW + 3600),
            )))
        });
        repo.expect_history().returning(|_| Ok(Vec::new()));
        repo.expect_change_status()
            .withf(|u| {
                u.actor == Actor::Client(ClientId(1)) && u.to == AppointmentStatus::Cancelled
            })
            .times(1)
            .returning(|_| Ok(true));
        let clock = std::sync::Arc::new(FixedClock::new(at(NOW)));
        let use_case = Appointments::new(repo, clock.clone());
        assert_eq!(
            use_case.client_cancel(ClientId(2), AppointmentId(9)).err(),
            Some(AppointmentError::NotFound)
        );
        assert!(use_case
            .client_cancel(ClientId(1), AppointmentId(9))
            .is_ok());
        clock.set(at(NOW + 3600));
        assert_eq!(
            use_case.client_cancel(ClientId(1), AppointmentId(9)).err(),
            Some(AppointmentError::AlreadyStarted)
        );
    }

    /// A repository for one day (2026-11-24, UTC for simplicity) with one shift 12:00–16:00
    /// (now is 12:00, the notice 60 minutes, the step 15) and the master's busy times.
    fn one_shift_day(busy: Vec<Interval>) -> MockAppointmentRepository {
        let mut repo = known();
        let day = Interval {
            starts_at: at(NOW - 12 * 3600),
            ends_at: at(NOW + 12 * 3600),
        };
        repo.expect_day_bounds().returning(move |_| Ok(day));
        repo.expect_shifts().returning(|_, _| {
            Ok(vec![Interval {
                starts_at: at(NOW),
                ends_at: at(NOW + 4 * 3600),
            }])
        });
        repo.expect_busy().returning(move |_, _| Ok(busy.clone()));
        repo
    }

    /// The offered starts, in minutes after 12:00.
    fn slot_starts(repo: MockAppointmentRepository, client: Option<ClientId>) -> Vec<i64> {
        let use_case = Appointments::new(repo, FixedClock::new(at(NOW)));
        let date = LocalDate::parse("date", "2026-11-24").unwrap_or_else(|e| panic!("{e}"));
        let found = use_case
            .slots(ProductId(5), EmployeeId(2), date, client)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.duration_minutes, 45);
        found
            .slots
            .iter()
            .map(|s| (s.starts_at.unix_seconds() - NOW) / 60)
            .collect()
    }

    #[test]
    fn slots_step_through_shifts_around_busy_times_and_the_notice() {
        // The master is busy 14:00–14:45.
        let repo = one_shift_day(vec![Interval {
            starts_at: at(NOW + 2 * 3600),
            ends_at: at(NOW + 2 * 3600 + 45 * 60),
        }]);
        // From 13:00 (the notice) by 15 minutes; 13:30–14:30 overlap the busy time; the last
        // start ends with the shift.
        assert_eq!(slot_starts(repo, None), vec![60, 75, 165, 180, 195]);
    }

    #[test]
    fn a_signed_in_clients_own_bookings_with_another_master_hide_their_slots() {
        // The master is free; the client is with someone else 13:00–14:00.
        let mut repo = one_shift_day(Vec::new());
        repo.expect_client_busy()
            .withf(|client, _| *client == ClientId(9))
            .times(1)
            .returning(|_, _| {
                Ok(vec![Interval {
                    starts_at: at(NOW + 3600),
                    ends_at: at(NOW + 2 * 3600),
                }])
            });
        // 45-minute slots from 13:00 (the notice): those meeting 13:00–14:00 are gone.
        assert_eq!(
            slot_starts(repo, Some(ClientId(9))),
            vec![120, 135, 150, 165, 180, 195]
        );
    }
}
