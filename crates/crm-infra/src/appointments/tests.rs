//! Tests of the appointment repository against a real migrated SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testing::{at, exec, fresh_db};
use diesel::sql_types::Text;
use std::sync::{Arc, Barrier};

/// 2026-11-24T12:00:00Z.
const T0: i64 = 1_795_521_600_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// Clients 1 (Anna) and 2 (Boris), employees 1 (Olga) and 2 (Pavel), service 1 (Haircut, 45
/// min), service 2 (Manicure, 60 min), location 1, and shifts 09:00–18:00 UTC on 2026-11-24
/// for both employees.
fn seeded() -> (tempfile::TempDir, Database, SqliteAppointmentRepository) {
    let (dir, db) = fresh_db();
    exec(
        &db,
        "INSERT INTO clients (id, full_name, search_name, created_at, updated_at) VALUES \
         (1, 'Anna', 'anna', 0, 0), (2, 'Boris', 'boris', 0, 0)",
    );
    exec(
        &db,
        "INSERT INTO employees (id, full_name, role, created_at, updated_at) VALUES \
         (1, 'Olga', 'master', 0, 0), (2, 'Pavel', 'master', 0, 0)",
    );
    exec(
        &db,
        "INSERT INTO products (id, kind, name, name_lower, price, unit, duration_minutes, \
         created_at, updated_at) VALUES (1, 'service', 'Haircut', 'haircut', 150000, 'pcs', 45, 0, 0), \
         (2, 'service', 'Manicure', 'manicure', 200000, 'pcs', 60, 0, 0)",
    );
    exec(
        &db,
        "INSERT INTO locations (id, kind, name, created_at) VALUES (1, 'point_of_sale', 'Salon', 0)",
    );
    for employee in [1, 2] {
        exec(
            &db,
            &format!(
                "INSERT INTO shifts (employee_id, shift_date, start_time, end_time, starts_at, \
                 ends_at, created_at) VALUES ({employee}, '2026-11-24', '09:00', '18:00', {}, {}, 0)",
                T0 - 3 * HOUR,
                T0 + 6 * HOUR
            ),
        );
    }
    let repo = SqliteAppointmentRepository::new(db.clone());
    (dir, db, repo)
}

fn record(client: i64, service: i64, employee: i64, start: i64, minutes: i64) -> NewAppointment {
    NewAppointment {
        client_id: ClientId(client),
        service_id: ProductId(service),
        employee_id: EmployeeId(employee),
        location_id: Some(LocationId(1)),
        starts_at: at(start),
        ends_at: at(start + minutes * MINUTE),
        source: BookingSource::Admin,
        comment: Some("first visit".into()),
        price: Money::from_minor(150_000),
        created_by: Actor::Employee(EmployeeId(1)),
        created_at: at(T0 - HOUR),
    }
}

fn booked(outcome: InsertOutcome) -> Appointment {
    match outcome {
        InsertOutcome::Booked(a) => *a,
        other => panic!("not booked: {other:?}"),
    }
}

fn count(db: &Database, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = db.conn().unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

#[test]
fn booking_checks_the_shift_and_overlaps_in_the_transaction() {
    let (_dir, db, repo) = seeded();
    let first = booked(repo.insert(&record(1, 1, 1, T0, 45)).unwrap());
    assert_eq!(first.client_name, "Anna");
    assert_eq!(first.service_name, "Haircut");
    assert_eq!(first.employee_name, "Olga");
    assert_eq!(first.status, AppointmentStatus::Scheduled);
    assert_eq!(first.ends_at, at(T0 + 45 * MINUTE));
    assert_eq!(first.price, Money::from_minor(150_000));
    // Overlapping starts and ends, and containment, are taken; touching ends are free.
    for (start, minutes) in [
        (T0 - 30 * MINUTE, 45),
        (T0 + 30 * MINUTE, 45),
        (T0 + 10 * MINUTE, 10),
    ] {
        assert_eq!(
            repo.insert(&record(2, 1, 1, start, minutes)).unwrap(),
            InsertOutcome::SlotTaken
        );
    }
    booked(repo.insert(&record(2, 1, 1, T0 + 45 * MINUTE, 45)).unwrap());
    booked(repo.insert(&record(2, 1, 1, T0 - 45 * MINUTE, 45)).unwrap());
    // Another employee is free at the same time.
    booked(repo.insert(&record(2, 1, 2, T0, 45)).unwrap());
    // Outside the shift: before it starts, running past its end, another day.
    for (start, minutes) in [
        (T0 - 4 * HOUR, 45),
        (T0 + 6 * HOUR - 30 * MINUTE, 45),
        (T0 + 24 * HOUR, 45),
    ] {
        assert_eq!(
            repo.insert(&record(1, 1, 1, start, minutes)).unwrap(),
            InsertOutcome::OutsideShift
        );
    }
    // The shift's last minutes are bookable exactly up to its end.
    booked(
        repo.insert(&record(1, 1, 1, T0 + 6 * HOUR - 45 * MINUTE, 45))
            .unwrap(),
    );
    assert_eq!(count(&db, "appointments"), 5);
    assert_eq!(count(&db, "appointment_status_changes"), 5);
    // A cancelled appointment frees its slot.
    assert!(repo
        .change_status(&StatusUpdate {
            id: first.id,
            from: AppointmentStatus::Scheduled,
            to: AppointmentStatus::Cancelled,
            actor: Actor::Client(ClientId(1)),
            reason: Some("ill".into()),
            at: at(T0 - 10 * MINUTE),
        })
        .unwrap());
    // (Client 2 is busy with employee 2 at that time; client 1 takes the slot again.)
    booked(repo.insert(&record(1, 1, 1, T0, 45)).unwrap());
}

#[test]
fn a_client_cannot_be_booked_twice_at_one_time_with_any_master() {
    let (_dir, db, repo) = seeded();
    let first = booked(repo.insert(&record(1, 1, 1, T0, 45)).unwrap());
    // The same client with another master, overlapping in any way: refused, nothing written.
    for (start, minutes) in [
        (T0, 45),
        (T0 - 30 * MINUTE, 45),
        (T0 + 30 * MINUTE, 45),
        (T0 + 10 * MINUTE, 10),
    ] {
        assert_eq!(
            repo.insert(&record(1, 1, 2, start, minutes)).unwrap(),
            InsertOutcome::ClientBusy
        );
    }
    assert_eq!(count(&db, "appointments"), 1);
    assert_eq!(count(&db, "appointment_status_changes"), 1);
    // Touching ends are free; another client is free at the same time with the other master.
    booked(repo.insert(&record(1, 1, 2, T0 + 45 * MINUTE, 45)).unwrap());
    booked(repo.insert(&record(2, 1, 2, T0, 45)).unwrap());
    // Once the first one is cancelled, the client may be booked at that time again.
    assert!(repo
        .change_status(&StatusUpdate {
            id: first.id,
            from: AppointmentStatus::Scheduled,
            to: AppointmentStatus::Cancelled,
            actor: Actor::Client(ClientId(1)),
            reason: None,
            at: at(T0 - 10 * MINUTE),
        })
        .unwrap());
    exec(
        &db,
        "UPDATE appointments SET status = 'completed' WHERE client_id = 2",
    );
    booked(repo.insert(&record(1, 1, 2, T0 - 45 * MINUTE, 45)).unwrap());
    assert_eq!(
        repo.insert(&record(1, 1, 1, T0 - 30 * MINUTE, 30)).unwrap(),
        InsertOutcome::ClientBusy
    );
    assert_eq!(count(&db, "appointments"), 4);
}

#[test]
fn status_changes_are_guarded_and_recorded() {
    let (_dir, db, repo) = seeded();
    let a = booked(repo.insert(&record(1, 1, 1, T0, 45)).unwrap());
    let change = |from, to, millis| StatusUpdate {
        id: a.id,
        from,
        to,
        actor: Actor::Employee(EmployeeId(2)),
        reason: None,
        at: at(millis),
    };
    assert!(repo
        .change_status(&change(
            AppointmentStatus::Scheduled,
            AppointmentStatus::NoShow,
            T0 + HOUR
        ))
        .unwrap());
    // A change based on a stale read loses and writes nothing.
    assert!(!repo
        .change_status(&change(
            AppointmentStatus::Scheduled,
            AppointmentStatus::Cancelled,
            T0 + HOUR
        ))
        .unwrap());
    assert!(repo
        .change_status(&change(
            AppointmentStatus::NoShow,
            AppointmentStatus::Completed,
            T0 + 2 * HOUR
        ))
        .unwrap());
    let history = repo.history(a.id).unwrap();
    let steps: Vec<_> = history.iter().map(|c| (c.from, c.to)).collect();
    assert_eq!(
        steps,
        vec![
            (None, AppointmentStatus::Scheduled),
            (
                Some(AppointmentStatus::Scheduled),
                AppointmentStatus::NoShow
            ),
            (
                Some(AppointmentStatus::NoShow),
                AppointmentStatus::Completed
            ),
        ]
    );
    assert_eq!(history[0].actor, Actor::Employee(EmployeeId(1)));
    assert_eq!(history[2].actor, Actor::Employee(EmployeeId(2)));
    assert_eq!(history[2].at, at(T0 + 2 * HOUR));
    let stored = repo.get(a.id).unwrap().unwrap();
    assert_eq!(stored.status, AppointmentStatus::Completed);
    assert_eq!(stored.updated_at, at(T0 + 2 * HOUR));
    assert_eq!(count(&db, "appointment_status_changes"), 3);
    assert_eq!(repo.get(AppointmentId(999)).unwrap(), None);
}

#[test]
fn eight_concurrent_bookings_of_one_slot_store_exactly_one() {
    let (_dir, db, repo) = seeded();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let repo = repo.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                repo.insert(&record(1 + i % 2, 1, 1, T0 + i * MINUTE, 45))
                    .unwrap()
            })
        })
        .collect();
    let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let won = outcomes
        .iter()
        .filter(|o| matches!(o, InsertOutcome::Booked(_)))
        .count();
    assert_eq!(won, 1, "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == InsertOutcome::SlotTaken)
            .count(),
        7
    );
    assert_eq!(count(&db, "appointments"), 1);
}

#[test]
fn the_list_filters_joins_names_and_pages() {
    let (_dir, _db, repo) = seeded();
    let a = booked(repo.insert(&record(1, 1, 1, T0 + HOUR, 45)).unwrap());
    let b = booked(repo.insert(&record(2, 2, 2, T0, 60)).unwrap());
    let mut app = record(2, 1, 1, T0 - 2 * HOUR, 45);
    app.source = BookingSource::App;
    let c = booked(repo.insert(&app).unwrap());
    repo.change_status(&StatusUpdate {
        id: c.id,
        from: AppointmentStatus::Scheduled,
        to: AppointmentStatus::NoShow,
        actor: Actor::System,
        reason: None,
        at: at(T0),
    })
    .unwrap();
    let ids = |filter: AppointmentFilter| -> Vec<AppointmentId> {
        repo.list(&filter, PageRequest::default())
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(ids(AppointmentFilter::default()), vec![c.id, b.id, a.id]);
    let by = |f: fn(&mut AppointmentFilter)| {
        let mut filter = AppointmentFilter::default();
        f(&mut filter);
        ids(filter)
    };
    assert_eq!(
        by(|f| f.employee_id = Some(EmployeeId(1))),
        vec![c.id, a.id]
    );
    assert_eq!(by(|f| f.client_id = Some(ClientId(2))), vec![c.id, b.id]);
    assert_eq!(by(|f| f.service_id = Some(ProductId(2))), vec![b.id]);
    assert_eq!(
        by(|f| f.status = Some(AppointmentStatus::NoShow)),
        vec![c.id]
    );
    assert_eq!(by(|f| f.source = Some(BookingSource::App)), vec![c.id]);
    assert_eq!(by(|f| f.from = Some(at(T0))), vec![b.id, a.id]);
    assert_eq!(by(|f| f.to = Some(at(T0))), vec![c.id]);
    let page = repo
        .list(
            &AppointmentFilter::default(),
            PageRequest::new(Some(1), Some(1)).unwrap(),
        )
        .unwrap();
    assert_eq!((page.total, page.items.len()), (3, 1));
    assert_eq!(page.items[0].id, b.id);
    assert_eq!(page.items[0].client_name, "Boris");
    assert_eq!(page.items[0].service_name, "Manicure");
    assert_eq!(page.items[0].employee_name, "Pavel");
    // The client's own list: upcoming soonest first, then the past latest first.
    let mine: Vec<_> = repo
        .client_appointments(ClientId(2), at(T0 - HOUR), PageRequest::default())
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(mine, vec![b.id, c.id]);
    // Busy times count scheduled appointments only; shifts are found by overlap.
    let day = Interval {
        starts_at: at(T0 - 12 * HOUR),
        ends_at: at(T0 + 12 * HOUR),
    };
    assert_eq!(
        repo.busy(EmployeeId(1), day).unwrap(),
        vec![Interval {
            starts_at: at(T0 + HOUR),
            ends_at: at(T0 + HOUR + 45 * MINUTE)
        }]
    );
    assert_eq!(repo.shifts(EmployeeId(1), day).unwrap().len(), 1);
}

#[test]
fn local_days_follow_the_business_timezone_and_rules_come_from_settings() {
    let (_dir, db, repo) = seeded();
    let date = LocalDate::parse("date", "2026-11-24").unwrap();
    // The default timezone, Europe/Moscow, is UTC+3.
    assert_eq!(
        repo.day_bounds(date).unwrap(),
        Interval {
            starts_at: Timestamp::parse("2026-11-23T21:00:00Z").unwrap(),
            ends_at: Timestamp::parse("2026-11-24T21:00:00Z").unwrap(),
        }
    );
    exec(
        &db,
        "UPDATE system_settings SET timezone = 'America/New_York'",
    );
    // The day the clocks go back lasts 25 hours.
    let fall_back = LocalDate::parse("date", "2026-11-01").unwrap();
    assert_eq!(
        repo.day_bounds(fall_back).unwrap(),
        Interval {
            starts_at: Timestamp::parse("2026-11-01T04:00:00Z").unwrap(),
            ends_at: Timestamp::parse("2026-11-02T05:00:00Z").unwrap(),
        }
    );
    assert_eq!(repo.booking_rules().unwrap(), BookingRules::default());
    exec(
        &db,
        "UPDATE system_settings SET booking_min_notice_minutes = 0, booking_horizon_days = 7, \
         booking_slot_step_minutes = 30",
    );
    assert_eq!(
        repo.booking_rules().unwrap(),
        BookingRules {
            min_notice_minutes: 0,
            horizon_days: 7,
            slot_step_minutes: 30
        }
    );
    // What booking reads of the other tables.
    assert!(repo.client_exists(ClientId(1)).unwrap());
    assert!(!repo.client_exists(ClientId(9)).unwrap());
    assert!(repo.location_exists(LocationId(1)).unwrap());
    assert!(!repo.location_exists(LocationId(9)).unwrap());
    assert_eq!(repo.employee_active(EmployeeId(1)).unwrap(), Some(true));
    assert_eq!(repo.employee_active(EmployeeId(9)).unwrap(), None);
    exec(&db, "UPDATE employees SET archived_at = 1 WHERE id = 2");
    assert_eq!(repo.employee_active(EmployeeId(2)).unwrap(), Some(false));
    let haircut = repo.service(ProductId(1)).unwrap().unwrap();
    assert!(haircut.is_service && !haircut.archived);
    assert_eq!(haircut.duration_minutes, Some(45));
    assert_eq!(repo.service(ProductId(9)).unwrap(), None);
}

#[test]
fn every_list_filter_and_check_uses_an_index() {
    let (_dir, db, _repo) = seeded();
    #[derive(QueryableByName)]
    struct PlanRow {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let plan = |sql: &str| -> String {
        let mut conn = db.conn().unwrap();
        diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<PlanRow>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| r.detail)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let joined = "SELECT a.id, c.full_name, p.name, e.full_name FROM appointments a \
                  JOIN clients c ON c.id = a.client_id JOIN products p ON p.id = a.service_id \
                  JOIN employees e ON e.id = a.employee_id";
    for (filter, index) in [
        ("a.employee_id = 1", "appointments_by_employee"),
        ("a.client_id = 1", "appointments_by_client"),
        ("a.service_id = 1", "appointments_by_service"),
        ("a.status = 'no_show'", "appointments_by_status"),
        ("a.source = 'app'", "appointments_by_source"),
        (
            "a.starts_at >= 1 AND a.starts_at < 2",
            "appointments_by_start",
        ),
    ] {
        let found = plan(&format!(
            "{joined} WHERE {filter} ORDER BY a.starts_at, a.id LIMIT 50"
        ));
        assert!(found.contains(index), "{filter}: {found}");
        assert!(!found.contains("SCAN a"), "{filter}: {found}");
    }
    let unfiltered = plan(&format!("{joined} ORDER BY a.starts_at, a.id LIMIT 50"));
    assert!(unfiltered.contains("appointments_by_start"), "{unfiltered}");
    let shift = plan(
        "SELECT COUNT(*) FROM shifts WHERE employee_id = 1 AND starts_at <= 5 AND ends_at >= 6",
    );
    assert!(shift.contains("shifts_by_employee_time"), "{shift}");
    let overlap = plan(
        "SELECT COUNT(*) FROM appointments WHERE employee_id = 1 AND starts_at < 6 \
         AND ends_at > 5 AND status = 'scheduled'",
    );
    assert!(
        overlap.contains("appointments_by_employee_status"),
        "{overlap}"
    );
    let client_overlap = plan(
        "SELECT COUNT(*) FROM appointments WHERE client_id = 1 AND starts_at < 6 \
         AND ends_at > 5 AND status = 'scheduled'",
    );
    assert!(
        client_overlap.contains("appointments_by_client_status"),
        "{client_overlap}"
    );
    let history =
        plan("SELECT * FROM appointment_status_changes WHERE appointment_id = 1 ORDER BY id");
    assert!(
        history.contains("appointment_status_changes_by_appointment"),
        "{history}"
    );
}
