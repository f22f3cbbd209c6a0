#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testing::{at, exec, fresh_db};
use crm_comms::delivery::{DeliverySource, NewDelivery};
use crm_comms::reminders::SkipReason;

/// 2026-11-24T12:00:00Z.
const NOW: i64 = 1_795_521_600_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// A client with consent and a Telegram id (1), one without consent (2), one without a
/// Telegram id (3); a service, a master and a location with an address.
fn seed(db: &Database) {
    exec(
        db,
        "INSERT INTO clients (id, full_name, search_name, telegram_id, consent_personal_data, \
           created_at, updated_at) VALUES \
         (1, 'Анна', 'анна', 501, 1, 0, 0), \
         (2, 'Борис', 'борис', 502, 0, 0, 0), \
         (3, 'Вера', 'вера', NULL, 1, 0, 0)",
    );
    exec(
        db,
        "INSERT INTO products (id, kind, name, name_lower, price, unit, duration_minutes, \
           created_at, updated_at) VALUES (1, 'service', 'Стрижка', 'стрижка', 150000, 'шт', 60, 0, 0)",
    );
    exec(
        db,
        "INSERT INTO employees (id, full_name, role, created_at, updated_at) \
         VALUES (1, 'Ольга', 'master', 0, 0)",
    );
    exec(
        db,
        "INSERT INTO locations (id, kind, name, address, created_at) \
         VALUES (1, 'point_of_sale', 'Салон', 'Тверская, 1', 0)",
    );
}

fn appointment(db: &Database, id: i64, client: i64, starts_at: i64, status: &str, created_at: i64) {
    exec(
        db,
        &format!(
            "INSERT INTO appointments (id, client_id, service_id, employee_id, location_id, \
               starts_at, ends_at, status, source, created_by, created_at, updated_at) \
             VALUES ({id}, {client}, 1, 1, 1, {starts_at}, {starts_at} + 3600000, '{status}', \
               'admin', 'staff:1', {created_at}, {created_at})"
        ),
    );
}

fn queued(due: &DueReminder, offset: ReminderOffset) -> ReminderSend {
    ReminderSend {
        appointment_id: due.appointment_id,
        offset,
        outcome: ReminderOutcome::Queued(NewDelivery {
            source: DeliverySource::Reminder,
            campaign_id: None,
            client_id: due.client_id,
            channel: Channel::Telegram,
            recipient: due.contact.clone().unwrap_or_default(),
            text: format!("напоминание {}", due.appointment_id.get()),
            image_url: None,
            buttons: Vec::new(),
            step: 0,
            not_before: at(NOW),
            dedupe_key: crm_comms::reminders::model::dedupe_key(due.appointment_id, offset),
        }),
    }
}

fn count(db: &Database, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = db.conn().unwrap();
    diesel::sql_query(sql).get_result::<N>(&mut conn).unwrap().n
}

#[test]
fn the_seeded_rules_are_read_and_saved_back() {
    let (_dir, db) = fresh_db();
    let repo = SqliteReminderRepository::new(db);
    let mut rules = repo.rules().unwrap();
    let codes: Vec<_> = rules.iter().map(|r| r.offset.code()).collect();
    assert_eq!(codes, ["1h", "4h", "1d", "1w"]);
    assert!(rules[0].enabled && rules[2].enabled);
    assert!(!rules[1].enabled && !rules[3].enabled);
    assert!(rules.iter().all(|r| r.channel == Channel::Telegram
        && r.template.contains("{time}")
        && r.updated_at.is_none()));
    rules[1].enabled = true;
    rules[1].channel = Channel::Sms;
    rules[1].template = "{client_name}, до встречи".into();
    rules[1].updated_by = Some("staff:1".into());
    rules[1].updated_at = Some(at(NOW));
    repo.save_rules(&rules[1..2]).unwrap();
    let again = repo.rules().unwrap();
    assert_eq!(again[1], rules[1]);
    assert_eq!(again[0].updated_by, None);
}

#[test]
fn the_due_set_follows_the_window_status_creation_and_recorded_reminders() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let made = NOW - 30 * DAY;
    appointment(&db, 1, 1, NOW + 30 * 60_000, "scheduled", made); // in the 1h window
    appointment(&db, 2, 1, NOW + HOUR, "scheduled", made); // exactly at its moment
    appointment(&db, 3, 1, NOW + HOUR + 1, "scheduled", made); // not yet
    appointment(&db, 4, 1, NOW - 1, "scheduled", made); // started
    appointment(&db, 5, 1, NOW + 10 * 60_000, "cancelled", made);
    appointment(&db, 6, 1, NOW + 10 * 60_000, "completed", made);
    appointment(&db, 7, 1, NOW + 20 * 60_000, "scheduled", NOW - 5 * 60_000); // made too late
    appointment(&db, 8, 3, NOW + 40 * 60_000, "scheduled", made);
    appointment(&db, 9, 1, NOW + 5 * HOUR, "scheduled", made); // in the 1d window only
    exec(
        &db,
        "UPDATE system_settings SET timezone = 'Asia/Yekaterinburg' WHERE id = 1",
    );
    let repo = SqliteReminderRepository::new(db.clone());

    let due = repo
        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 100)
        .unwrap();
    let ids: Vec<i64> = due.iter().map(|d| d.appointment_id.get()).collect();
    assert_eq!(ids, [1, 8, 2]);
    let first = &due[0];
    assert_eq!(first.client_name, "Анна");
    assert_eq!(first.contact.as_deref(), Some("501"));
    assert!(first.consent);
    assert_eq!(first.service, "Стрижка");
    assert_eq!(first.master, "Ольга");
    assert_eq!(first.address.as_deref(), Some("Тверская, 1"));
    // 12:30 UTC is 17:30 in Yekaterinburg (UTC+5).
    assert_eq!(first.local_start.format(), "24.11.2026 17:30");
    assert_eq!(due[1].contact, None);
    // Limit and the 1d window: it closes when the 4h one opens, so only the start 5 h ahead.
    assert_eq!(
        repo.due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 1)
            .unwrap()
            .len(),
        1
    );
    let day = repo
        .due(ReminderOffset::Day, Channel::Telegram, at(NOW), 100)
        .unwrap();
    let day_ids: Vec<i64> = day.iter().map(|d| d.appointment_id.get()).collect();
    assert_eq!(day_ids, [9]);
    let four = repo
        .due(ReminderOffset::FourHours, Channel::Telegram, at(NOW), 100)
        .unwrap();
    let four_ids: Vec<i64> = four.iter().map(|d| d.appointment_id.get()).collect();
    assert_eq!(four_ids, [3]);
    assert!(repo
        .due(ReminderOffset::Week, Channel::Telegram, at(NOW), 100)
        .unwrap()
        .is_empty());

    // Recorded reminders leave the due set; a skipped one is recorded once.
    let sends = vec![
        queued(&due[0], ReminderOffset::Hour),
        ReminderSend {
            appointment_id: due[1].appointment_id,
            offset: ReminderOffset::Hour,
            outcome: ReminderOutcome::Skipped(SkipReason::NoContact),
        },
    ];
    assert_eq!(repo.record(&sends, at(NOW)).unwrap(), [true, true]);
    assert_eq!(repo.record(&sends, at(NOW)).unwrap(), [false, false]);
    let left = repo
        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 100)
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].appointment_id.get(), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM deliveries"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM reminder_sends r JOIN deliveries d ON d.id = r.delivery_id \
             WHERE r.appointment_id = 1 AND r.offset_code = '1h' AND r.outcome = 'queued' \
               AND d.source = 'reminder' AND d.dedupe_key = 'reminder:1:1h' AND d.recipient = '501'"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM reminder_sends WHERE appointment_id = 8 \
             AND outcome = 'no_contact' AND delivery_id IS NULL"
        ),
        1
    );
}

#[test]
fn nothing_is_recorded_for_an_appointment_no_longer_scheduled() {
    let (_dir, db) = fresh_db();
    seed(&db);
    for id in 1..=4 {
        appointment(&db, id, 1, NOW + id * 60_000, "scheduled", NOW - DAY);
    }
    let repo = SqliteReminderRepository::new(db.clone());
    let due = repo
        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 10)
        .unwrap();
    assert_eq!(due.len(), 4);
    // Between reading the due set and recording it, three appointments change status.
    exec(
        &db,
        "UPDATE appointments SET status = 'cancelled' WHERE id = 1",
    );
    exec(
        &db,
        "UPDATE appointments SET status = 'completed' WHERE id = 2",
    );
    exec(
        &db,
        "UPDATE appointments SET status = 'no_show' WHERE id = 3",
    );
    let mut sends: Vec<_> = due
        .iter()
        .map(|d| queued(d, ReminderOffset::Hour))
        .collect();
    sends.push(ReminderSend {
        appointment_id: due[0].appointment_id,
        offset: ReminderOffset::Day,
        outcome: ReminderOutcome::Skipped(SkipReason::NoConsent),
    });
    assert_eq!(
        repo.record(&sends, at(NOW)).unwrap(),
        [false, false, false, true, false]
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM reminder_sends"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM deliveries"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM deliveries WHERE dedupe_key = 'reminder:4:1h'"
        ),
        1
    );
}

#[test]
fn the_company_address_stands_in_for_a_location_without_one() {
    let (_dir, db) = fresh_db();
    seed(&db);
    appointment(&db, 1, 1, NOW + HOUR, "scheduled", NOW - DAY);
    exec(&db, "UPDATE appointments SET location_id = NULL");
    let repo = SqliteReminderRepository::new(db.clone());
    let due = repo
        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 10)
        .unwrap();
    assert_eq!(due[0].address, None);
    assert_eq!(due[0].local_start.format(), "24.11.2026 16:00");
    exec(
        &db,
        "UPDATE system_settings SET address = 'Невский, 2' WHERE id = 1",
    );
    let due = repo
        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 10)
        .unwrap();
    assert_eq!(due[0].address.as_deref(), Some("Невский, 2"));
    // Consent and the address of another channel.
    let none = repo
        .due(ReminderOffset::Hour, Channel::Email, at(NOW), 10)
        .unwrap();
    assert_eq!(none[0].contact, None);
}

#[test]
fn two_racing_runs_enqueue_each_reminder_once() {
    let (_dir, db) = fresh_db();
    seed(&db);
    for id in 1..=40 {
        appointment(&db, id, 1, NOW + id * 60_000, "scheduled", NOW - DAY);
    }
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let repo = SqliteReminderRepository::new(db.clone());
            std::thread::spawn(move || {
                let mut recorded = 0;
                for _ in 0..5 {
                    let due = repo
                        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 7)
                        .unwrap();
                    let sends: Vec<_> = due
                        .iter()
                        .map(|d| queued(d, ReminderOffset::Hour))
                        .collect();
                    recorded += repo
                        .record(&sends, at(NOW))
                        .unwrap()
                        .into_iter()
                        .filter(|fresh| *fresh)
                        .count();
                }
                // Finish what is left, racing the other thread to the same rows.
                loop {
                    let due = repo
                        .due(ReminderOffset::Hour, Channel::Telegram, at(NOW), 100)
                        .unwrap();
                    if due.is_empty() {
                        break recorded;
                    }
                    let sends: Vec<_> = due
                        .iter()
                        .map(|d| queued(d, ReminderOffset::Hour))
                        .collect();
                    recorded += repo
                        .record(&sends, at(NOW))
                        .unwrap()
                        .into_iter()
                        .filter(|fresh| *fresh)
                        .count();
                }
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, 40);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM deliveries"), 40);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM reminder_sends"), 40);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM reminder_sends WHERE delivery_id IS NULL"
        ),
        0
    );
}

#[test]
fn the_due_query_uses_the_status_index() {
    let (_dir, db) = fresh_db();
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let mut conn = db.conn().unwrap();
    let sql = format!(
        "EXPLAIN QUERY PLAN {}",
        due_sql(Channel::Telegram)
            .replace("?1", "1")
            .replace("?2", "3600000")
            .replace("?3", "'1h'")
            .replace("?4", "200")
            .replace("?5", "0")
    );
    let plan: Vec<Plan> = diesel::sql_query(sql).load(&mut conn).unwrap();
    let details: Vec<&str> = plan.iter().map(|p| p.detail.as_str()).collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("SEARCH a USING INDEX appointments_by_status (status=? AND starts_at>? AND starts_at<?)")),
        "{details:?}"
    );
    assert!(
        details.iter().all(|d| !d.starts_with("SCAN")),
        "{details:?}"
    );
}
