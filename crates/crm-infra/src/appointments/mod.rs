//! [`SqliteAppointmentRepository`]: appointments in SQLite, implementing
//! [`crm_comms::appointments::AppointmentRepository`].
//!
//! A booking is one `BEGIN IMMEDIATE` transaction that checks the employee's shifts (index
//! `shifts_by_employee_time`) and their scheduled appointments (index
//! `appointments_by_employee`), then the client's scheduled appointments with any master (index
//! `appointments_by_client`), before inserting the appointment and its first status change, so
//! of two concurrent bookings of one slot (or of one client) exactly one is stored. A status change is an
//! `UPDATE … WHERE status = <the status read>` and an appended `appointment_status_changes` row
//! in one transaction. Lists join clients, products and employees in the same query; local days
//! are computed in the business timezone of `system_settings`.

pub(crate) mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crm_clients::settings::model::DEFAULT_TIMEZONE;
use crm_comms::appointments::{
    Appointment, AppointmentFilter, AppointmentRepository, AppointmentStatus, BookedService,
    BookingRules, BookingSource, InsertOutcome, Interval, LocalDate, NewAppointment, StatusChange,
    StatusUpdate,
};
use crm_core::{
    Actor, AppointmentId, ClientId, EmployeeId, LocationId, Money, Page, PageRequest, ProductId,
    RepoError, Timestamp,
};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use schema::{
    appointment_status_changes, appointments, clients, employees, locations, products, shifts,
    system_settings,
};

/// A product as booking reads it: id, kind, name, price, duration, archived at.
type ServiceRow = (i64, String, String, i64, Option<i64>, Option<i64>);

/// A status change row: id, from, to, actor, reason, at.
type ChangeRow = (i64, Option<String>, String, String, Option<String>, i64);

/// The id of the one settings row.
const SETTINGS_ROW: i64 = 1;

/// Appointments stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteAppointmentRepository {
    db: Database,
}

impl SqliteAppointmentRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// An `appointments` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = appointments, check_for_backend(diesel::sqlite::Sqlite))]
struct AppointmentRow {
    id: i64,
    client_id: i64,
    service_id: i64,
    employee_id: i64,
    location_id: Option<i64>,
    starts_at: i64,
    ends_at: i64,
    status: String,
    source: String,
    comment: Option<String>,
    price: i64,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

/// An appointment row with the client's, service's and employee's names.
type JoinedRow = (AppointmentRow, String, String, String);

fn into_appointment(
    (row, client_name, service_name, employee_name): JoinedRow,
) -> Result<Appointment, RepoError> {
    let id = row.id;
    Ok(Appointment {
        id: AppointmentId(id),
        client_id: ClientId(row.client_id),
        client_name,
        service_id: ProductId(row.service_id),
        service_name,
        employee_id: EmployeeId(row.employee_id),
        employee_name,
        location_id: row.location_id.map(LocationId),
        starts_at: stored_time(row.starts_at, "appointment starts_at", id)?,
        ends_at: stored_time(row.ends_at, "appointment ends_at", id)?,
        status: AppointmentStatus::parse(&row.status)
            .ok_or_else(|| corrupt("appointment status", id))?,
        source: BookingSource::parse(&row.source)
            .ok_or_else(|| corrupt("appointment source", id))?,
        comment: row.comment,
        price: Money::from_minor(row.price),
        created_by: Actor::from_code(&row.created_by)
            .ok_or_else(|| corrupt("appointment created_by", id))?,
        created_at: stored_time(row.created_at, "appointment created_at", id)?,
        updated_at: stored_time(row.updated_at, "appointment updated_at", id)?,
    })
}

/// The appointments joined with their client, service and employee, selecting a
/// [`JoinedRow`].
macro_rules! joined {
    () => {
        appointments::table
            .inner_join(clients::table.on(clients::id.eq(appointments::client_id)))
            .inner_join(products::table.on(products::id.eq(appointments::service_id)))
            .inner_join(employees::table.on(employees::id.eq(appointments::employee_id)))
            .select((
                AppointmentRow::as_select(),
                clients::full_name,
                products::name,
                employees::full_name,
            ))
    };
}

/// Applies the list filters to a boxed query over `appointments`.
macro_rules! filtered {
    ($query:expr, $filter:expr) => {{
        let f: &AppointmentFilter = $filter;
        let mut query = $query;
        if let Some(from) = f.from {
            query = query.filter(appointments::starts_at.ge(from.unix_millis()));
        }
        if let Some(to) = f.to {
            query = query.filter(appointments::starts_at.lt(to.unix_millis()));
        }
        if let Some(id) = f.employee_id {
            query = query.filter(appointments::employee_id.eq(id.get()));
        }
        if let Some(id) = f.client_id {
            query = query.filter(appointments::client_id.eq(id.get()));
        }
        if let Some(id) = f.service_id {
            query = query.filter(appointments::service_id.eq(id.get()));
        }
        if let Some(status) = f.status {
            query = query.filter(appointments::status.eq(status.code()));
        }
        if let Some(source) = f.source {
            query = query.filter(appointments::source.eq(source.code()));
        }
        query
    }};
}

fn read_one(conn: &mut SqliteConnection, id: i64) -> Result<Option<Appointment>, Failure> {
    let row: Option<JoinedRow> = joined!()
        .filter(appointments::id.eq(id))
        .first(conn)
        .optional()?;
    Ok(row.map(into_appointment).transpose()?)
}

fn page_of(
    rows: Vec<JoinedRow>,
    total: i64,
    page: PageRequest,
) -> Result<Page<Appointment>, RepoError> {
    Ok(Page {
        items: rows
            .into_iter()
            .map(into_appointment)
            .collect::<Result<_, _>>()?,
        total: u64::try_from(total).unwrap_or_default(),
        limit: page.limit(),
        offset: page.offset(),
    })
}

fn offset(page: PageRequest) -> i64 {
    i64::try_from(page.offset()).unwrap_or(i64::MAX)
}

fn intervals(rows: Vec<(i64, i64, i64)>, what: &str) -> Result<Vec<Interval>, RepoError> {
    rows.into_iter()
        .map(|(id, start, end)| {
            Ok(Interval {
                starts_at: stored_time(start, what, id)?,
                ends_at: stored_time(end, what, id)?,
            })
        })
        .collect()
}

/// The business's timezone (the default when the row or the name is missing or unknown).
fn timezone(conn: &mut SqliteConnection) -> Result<&'static time_tz::Tz, Failure> {
    let name: Option<String> = system_settings::table
        .find(SETTINGS_ROW)
        .select(system_settings::timezone)
        .first(conn)
        .optional()?;
    Ok(name
        .as_deref()
        .and_then(time_tz::timezones::get_by_name)
        .or_else(|| time_tz::timezones::get_by_name(DEFAULT_TIMEZONE))
        .unwrap_or(time_tz::timezones::db::UTC))
}

/// The instants a local day starts and ends at in `tz`.
fn local_day(tz: &time_tz::Tz, date: LocalDate) -> Result<Interval, RepoError> {
    let invalid = || RepoError::Unavailable(format!("date {date} cannot be represented"));
    let month = time::Month::try_from(date.month()).map_err(|_| invalid())?;
    let day =
        time::Date::from_calendar_date(date.year(), month, date.day()).map_err(|_| invalid())?;
    let next = day.next_day().ok_or_else(invalid)?;
    Ok(Interval {
        starts_at: crm_staff::roster::service::local_instant(tz, day, time::Time::MIDNIGHT),
        ends_at: crm_staff::roster::service::local_instant(tz, next, time::Time::MIDNIGHT),
    })
}

fn rule(value: i64, what: &str) -> Result<u32, RepoError> {
    u32::try_from(value).map_err(|_| corrupt(what, SETTINGS_ROW))
}

/// A new `appointments` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = appointments)]
struct NewRow<'a> {
    client_id: i64,
    service_id: i64,
    employee_id: i64,
    location_id: Option<i64>,
    starts_at: i64,
    ends_at: i64,
    status: &'a str,
    source: &'a str,
    comment: Option<&'a str>,
    price: i64,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

/// A new `appointment_status_changes` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = appointment_status_changes)]
struct NewChangeRow<'a> {
    appointment_id: i64,
    from_status: Option<&'a str>,
    to_status: &'a str,
    actor: String,
    reason: Option<&'a str>,
    at: i64,
}

impl AppointmentRepository for SqliteAppointmentRepository {
    fn service(&self, id: ProductId) -> Result<Option<BookedService>, RepoError> {
        let mut conn = self.db.conn()?;
        let row: Option<ServiceRow> = products::table
            .find(id.get())
            .select((
                products::id,
                products::kind,
                products::name,
                products::price,
                products::duration_minutes,
                products::archived_at,
            ))
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(row.map(
            |(id, kind, name, price, duration, archived_at)| BookedService {
                id: ProductId(id),
                name,
                is_service: kind == "service",
                archived: archived_at.is_some(),
                duration_minutes: duration.and_then(|d| u32::try_from(d).ok()),
                price: Money::from_minor(price),
            },
        ))
    }

    fn employee_active(&self, id: EmployeeId) -> Result<Option<bool>, RepoError> {
        let mut conn = self.db.conn()?;
        let archived: Option<Option<i64>> = employees::table
            .find(id.get())
            .select(employees::archived_at)
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(archived.map(|at| at.is_none()))
    }

    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let found: Option<i64> = clients::table
            .find(id.get())
            .select(clients::id)
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(found.is_some())
    }

    fn location_exists(&self, id: LocationId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let found: Option<i64> = locations::table
            .find(id.get())
            .select(locations::id)
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(found.is_some())
    }

    fn booking_rules(&self) -> Result<BookingRules, RepoError> {
        let mut conn = self.db.conn()?;
        let row: Option<(i64, i64, i64)> = system_settings::table
            .find(SETTINGS_ROW)
            .select((
                system_settings::booking_min_notice_minutes,
                system_settings::booking_horizon_days,
                system_settings::booking_slot_step_minutes,
            ))
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        match row {
            None => Ok(BookingRules::default()),
            Some((notice, horizon, step)) => Ok(BookingRules {
                min_notice_minutes: rule(notice, "settings booking_min_notice_minutes")?,
                horizon_days: rule(horizon, "settings booking_horizon_days")?,
                slot_step_minutes: rule(step, "settings booking_slot_step_minutes")?,
            }),
        }
    }

    fn day_bounds(&self, date: LocalDate) -> Result<Interval, RepoError> {
        let mut conn = self.db.conn()?;
        let tz = timezone(&mut conn)?;
        local_day(tz, date)
    }

    fn insert(&self, record: &NewAppointment) -> Result<InsertOutcome, RepoError> {
        let mut conn = self.db.conn()?;
        let (start, end) = (record.starts_at.unix_millis(), record.ends_at.unix_millis());
        let employee = record.employee_id.get();
        let outcome = conn.immediate_transaction(|conn| {
            let in_shift: i64 = shifts::table
                .filter(shifts::employee_id.eq(employee))
                .filter(shifts::starts_at.le(start))
                .filter(shifts::ends_at.ge(end))
                .select(count_star())
                .get_result(conn)?;
            if in_shift == 0 {
                return Ok::<_, Failure>(InsertOutcome::OutsideShift);
            }
            let clashes: i64 = appointments::table
                .filter(appointments::employee_id.eq(employee))
                .filter(appointments::starts_at.lt(end))
                .filter(appointments::ends_at.gt(start))
                .filter(appointments::status.eq(AppointmentStatus::Scheduled.code()))
                .select(count_star())
                .get_result(conn)?;
            if clashes > 0 {
                return Ok(InsertOutcome::SlotTaken);
            }
            // The client cannot be in two places at once: no other scheduled appointment of
            // theirs, with any master, may overlap (index `appointments_by_client`).
            let client_clashes: i64 = appointments::table
                .filter(appointments::client_id.eq(record.client_id.get()))
                .filter(appointments::starts_at.lt(end))
                .filter(appointments::ends_at.gt(start))
                .filter(appointments::status.eq(AppointmentStatus::Scheduled.code()))
                .select(count_star())
                .get_result(conn)?;
            if client_clashes > 0 {
                return Ok(InsertOutcome::ClientBusy);
            }
            let at = record.created_at.unix_millis();
            let actor = record.created_by.to_string();
            let id: i64 = diesel::insert_into(appointments::table)
                .values(&NewRow {
                    client_id: record.client_id.get(),
                    service_id: record.service_id.get(),
                    employee_id: employee,
                    location_id: record.location_id.map(LocationId::get),
                    starts_at: start,
                    ends_at: end,
                    status: AppointmentStatus::Scheduled.code(),
                    source: record.source.code(),
                    comment: record.comment.as_deref(),
                    price: record.price.minor(),
                    created_by: actor.clone(),
                    created_at: at,
                    updated_at: at,
                })
                .returning(appointments::id)
                .get_result(conn)?;
            diesel::insert_into(appointment_status_changes::table)
                .values(&NewChangeRow {
                    appointment_id: id,
                    from_status: None,
                    to_status: AppointmentStatus::Scheduled.code(),
                    actor,
                    reason: None,
                    at,
                })
                .execute(conn)?;
            let stored = read_one(conn, id)?.ok_or(Failure(RepoError::NotFound))?;
            Ok(InsertOutcome::Booked(Box::new(stored)))
        })?;
        Ok(outcome)
    }

    fn get(&self, id: AppointmentId) -> Result<Option<Appointment>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(read_one(&mut conn, id.get())?)
    }

    fn history(&self, id: AppointmentId) -> Result<Vec<StatusChange>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<ChangeRow> = appointment_status_changes::table
            .filter(appointment_status_changes::appointment_id.eq(id.get()))
            .order(appointment_status_changes::id.asc())
            .select((
                appointment_status_changes::id,
                appointment_status_changes::from_status,
                appointment_status_changes::to_status,
                appointment_status_changes::actor,
                appointment_status_changes::reason,
                appointment_status_changes::at,
            ))
            .load(&mut conn)
            .map_err(Failure::from)?;
        rows.into_iter()
            .map(|(row, from, to, actor, reason, at)| {
                let status = |code: &str| {
                    AppointmentStatus::parse(code)
                        .ok_or_else(|| corrupt("appointment status change", row))
                };
                Ok(StatusChange {
                    from: from.as_deref().map(status).transpose()?,
                    to: status(&to)?,
                    actor: Actor::from_code(&actor)
                        .ok_or_else(|| corrupt("appointment status change actor", row))?,
                    reason,
                    at: stored_time(at, "appointment status change time", row)?,
                })
            })
            .collect()
    }

    fn change_status(&self, update: &StatusUpdate) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let at = update.at.unix_millis();
        let changed = conn.immediate_transaction(|conn| {
            let changed = diesel::update(
                appointments::table
                    .filter(appointments::id.eq(update.id.get()))
                    .filter(appointments::status.eq(update.from.code())),
            )
            .set((
                appointments::status.eq(update.to.code()),
                appointments::updated_at.eq(at),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Ok::<_, Failure>(false);
            }
            diesel::insert_into(appointment_status_changes::table)
                .values(&NewChangeRow {
                    appointment_id: update.id.get(),
                    from_status: Some(update.from.code()),
                    to_status: update.to.code(),
                    actor: update.actor.to_string(),
                    reason: update.reason.as_deref(),
                    at,
                })
                .execute(conn)?;
            Ok(true)
        })?;
        Ok(changed)
    }

    fn list(
        &self,
        filter: &AppointmentFilter,
        page: PageRequest,
    ) -> Result<Page<Appointment>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let total: i64 = filtered!(appointments::table.into_boxed(), filter)
                .select(count_star())
                .get_result(conn)?;
            let rows: Vec<JoinedRow> = filtered!(joined!().into_boxed(), filter)
                .order((appointments::starts_at.asc(), appointments::id.asc()))
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        page_of(rows, total, page)
    }

    fn client_appointments(
        &self,
        client_id: ClientId,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<Appointment>, RepoError> {
        let mut conn = self.db.conn()?;
        let now = now.unix_millis();
        let (rows, total) = conn.transaction(|conn| {
            let total: i64 = appointments::table
                .filter(appointments::client_id.eq(client_id.get()))
                .select(count_star())
                .get_result(conn)?;
            let rows: Vec<JoinedRow> = joined!()
                .filter(appointments::client_id.eq(client_id.get()))
                .order((
                    sql::<BigInt>("CASE WHEN appointments.starts_at >= ")
                        .bind::<BigInt, _>(now)
                        .sql(" THEN 0 ELSE 1 END"),
                    sql::<BigInt>("CASE WHEN appointments.starts_at >= ")
                        .bind::<BigInt, _>(now)
                        .sql(" THEN appointments.starts_at ELSE -appointments.starts_at END"),
                    appointments::id.asc(),
                ))
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        page_of(rows, total, page)
    }

    fn shifts(&self, employee_id: EmployeeId, span: Interval) -> Result<Vec<Interval>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = shifts::table
            .filter(shifts::employee_id.eq(employee_id.get()))
            .filter(shifts::starts_at.lt(span.ends_at.unix_millis()))
            .filter(shifts::ends_at.gt(span.starts_at.unix_millis()))
            .order((shifts::starts_at.asc(), shifts::id.asc()))
            .select((shifts::id, shifts::starts_at, shifts::ends_at))
            .load(&mut conn)
            .map_err(Failure::from)?;
        intervals(rows, "shift time")
    }

    fn busy(&self, employee_id: EmployeeId, span: Interval) -> Result<Vec<Interval>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = appointments::table
            .filter(appointments::employee_id.eq(employee_id.get()))
            .filter(appointments::starts_at.lt(span.ends_at.unix_millis()))
            .filter(appointments::ends_at.gt(span.starts_at.unix_millis()))
            .filter(appointments::status.eq(AppointmentStatus::Scheduled.code()))
            .order((appointments::starts_at.asc(), appointments::id.asc()))
            .select((
                appointments::id,
                appointments::starts_at,
                appointments::ends_at,
            ))
            .load(&mut conn)
            .map_err(Failure::from)?;
        intervals(rows, "appointment time")
    }

    fn client_busy(&self, client_id: ClientId, span: Interval) -> Result<Vec<Interval>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = appointments::table
            .filter(appointments::client_id.eq(client_id.get()))
            .filter(appointments::status.eq(AppointmentStatus::Scheduled.code()))
            .filter(appointments::starts_at.lt(span.ends_at.unix_millis()))
            .filter(appointments::ends_at.gt(span.starts_at.unix_millis()))
            .order((appointments::starts_at.asc(), appointments::id.asc()))
            .select((
                appointments::id,
                appointments::starts_at,
                appointments::ends_at,
            ))
            .load(&mut conn)
            .map_err(Failure::from)?;
        intervals(rows, "appointment time")
    }
}
