//! [`SqliteReminderRepository`]: reminder rules and recorded reminders in SQLite, implementing
//! [`crm_comms::reminders::ReminderRepository`].
//!
//! The due set of an offset is one query over `appointments` on the `appointments_by_status`
//! index (`status = 'scheduled'`, `starts_at` in `(now + next shorter offset, now + offset]`,
//! the next shorter offset being 0 for 1 h), joined with the client,
//! the service, the master and the location, excluding appointments made after the reminder's
//! moment and those with a `reminder_sends` row for the offset (its unique key). Start times are
//! converted to the business timezone of `system_settings`. Recording a batch is one
//! `BEGIN IMMEDIATE` transaction: per reminder `INSERT ... SELECT ... WHERE` the appointment is
//! still `scheduled` `ON CONFLICT (appointment_id, offset_code) DO NOTHING` and, only when that
//! row is new and the reminder queued, its delivery
//! (`ON CONFLICT (dedupe_key) DO NOTHING`) linked to the row — so racing runs enqueue a reminder
//! exactly once.

pub(crate) mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::deliveries::schema::deliveries;
use crate::error::{stored_time, Failure};
use crm_clients::settings::model::DEFAULT_TIMEZONE;
use crm_comms::reminders::{
    DueReminder, LocalTime, ReminderOffset, ReminderOutcome, ReminderRepository, ReminderRule,
    ReminderSend,
};
use crm_core::{AppointmentId, Channel, ClientId, RepoError, Timestamp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use schema::{reminder_rules, reminder_sends};
use time_tz::{OffsetDateTimeExt, Tz};

/// Reminder rules and recorded reminders in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteReminderRepository {
    db: Database,
}

impl SqliteReminderRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Runs raw SQL against the database: set-up of test fixtures that no repository does
    /// (appointments written directly). Only with the `test-support` feature.
    #[cfg(feature = "test-support")]
    pub fn execute_sql(&self, sql: &str) -> Result<usize, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(diesel::sql_query(sql)
            .execute(&mut conn)
            .map_err(Failure::from)?)
    }
}

/// A `reminder_rules` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = reminder_rules)]
struct RuleRow {
    offset_code: String,
    enabled: bool,
    channel: String,
    template: String,
    updated_by: Option<String>,
    updated_at: Option<i64>,
}

impl RuleRow {
    fn into_rule(self) -> Result<ReminderRule, RepoError> {
        let invalid = |what: &str| {
            RepoError::Unavailable(format!(
                "stored {what} of reminder rule {} is invalid",
                self.offset_code
            ))
        };
        let offset =
            ReminderOffset::from_code(&self.offset_code).ok_or_else(|| invalid("offset"))?;
        let channel = Channel::from_code(&self.channel).ok_or_else(|| invalid("channel"))?;
        let updated_at = match self.updated_at {
            Some(ms) => Some(Timestamp::from_unix_millis(ms).ok_or_else(|| invalid("updated_at"))?),
            None => None,
        };
        Ok(ReminderRule {
            offset,
            enabled: self.enabled,
            channel,
            template: self.template,
            updated_by: self.updated_by,
            updated_at,
        })
    }
}

/// The client's address on a channel (NULL when unknown), as the campaigns read it. App push
/// goes to the Mini App, opened from Telegram: it needs the Telegram id.
fn address_sql(channel: Channel) -> &'static str {
    match channel {
        Channel::Telegram | Channel::AppPush => "CAST(cl.telegram_id AS TEXT)",
        Channel::Email => "NULLIF(TRIM(cl.email), '')",
        Channel::Sms => "NULLIF(TRIM(cl.phone), '')",
        Channel::Vk => "NULLIF(TRIM(cl.vk), '')",
        Channel::Instagram => "NULLIF(TRIM(cl.instagram), '')",
        Channel::Facebook => "NULLIF(TRIM(cl.facebook), '')",
        Channel::Max => "NULLIF(TRIM(cl.max_messenger), '')",
    }
}

/// The due query of an offset: `?1` now, `?2` the offset in millis, `?3` the offset code, `?4`
/// the batch size, `?5` the next shorter offset in millis (0 for 1 h: the window closes when the
/// next shorter one opens); `{address}` is the client's address on the rule's channel.
pub(crate) fn due_sql(channel: Channel) -> String {
    let address = address_sql(channel);
    format!(
        "SELECT a.id, a.client_id, a.starts_at, a.created_at, cl.full_name, \
           cl.consent_personal_data AS consent, {address} AS contact, \
           p.name AS service, e.full_name AS master, \
           COALESCE(NULLIF(TRIM(l.address), ''), \
             (SELECT NULLIF(TRIM(s.address), '') FROM system_settings s WHERE s.id = 1)) AS place \
         FROM appointments a \
         JOIN clients cl ON cl.id = a.client_id \
         JOIN products p ON p.id = a.service_id \
         JOIN employees e ON e.id = a.employee_id \
         LEFT JOIN locations l ON l.id = a.location_id \
         WHERE a.status = 'scheduled' AND a.starts_at > ?1 + ?5 AND a.starts_at <= ?1 + ?2 \
           AND a.created_at <= a.starts_at - ?2 \
           AND NOT EXISTS (SELECT 1 FROM reminder_sends r \
             WHERE r.appointment_id = a.id AND r.offset_code = ?3) \
         ORDER BY a.starts_at, a.id \
         LIMIT ?4"
    )
}

/// A due appointment as the query returns it.
#[derive(Debug, QueryableByName)]
struct DueRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = BigInt)]
    starts_at: i64,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = Bool)]
    consent: bool,
    #[diesel(sql_type = Nullable<Text>)]
    contact: Option<String>,
    #[diesel(sql_type = Text)]
    service: String,
    #[diesel(sql_type = Text)]
    master: String,
    #[diesel(sql_type = Nullable<Text>)]
    place: Option<String>,
}

/// The business timezone of `system_settings` (the default when missing or unknown).
fn business_tz(conn: &mut SqliteConnection) -> Result<&'static Tz, Failure> {
    #[derive(QueryableByName)]
    struct TzRow {
        #[diesel(sql_type = Text)]
        timezone: String,
    }
    let name: Option<TzRow> =
        diesel::sql_query("SELECT timezone FROM system_settings WHERE id = 1")
            .get_result(conn)
            .optional()?;
    Ok(name
        .as_ref()
        .and_then(|r| time_tz::timezones::get_by_name(&r.timezone))
        .or_else(|| time_tz::timezones::get_by_name(DEFAULT_TIMEZONE))
        .unwrap_or(time_tz::timezones::db::UTC))
}

/// An instant as wall-clock time in `tz`.
fn local_time(at: Timestamp, tz: &Tz) -> LocalTime {
    let local = at.as_offset_date_time().to_timezone(tz);
    LocalTime {
        year: local.year(),
        month: u8::from(local.month()),
        day: local.day(),
        hour: local.hour(),
        minute: local.minute(),
    }
}

impl DueRow {
    fn into_due(self, tz: &Tz) -> Result<DueReminder, RepoError> {
        let id = self.id;
        let starts_at = stored_time(self.starts_at, "appointment starts_at", id)?;
        Ok(DueReminder {
            appointment_id: AppointmentId(id),
            client_id: ClientId(self.client_id),
            client_name: self.full_name,
            consent: self.consent,
            contact: self.contact,
            service: self.service,
            master: self.master,
            starts_at,
            local_start: local_time(starts_at, tz),
            address: self.place,
            created_at: stored_time(self.created_at, "appointment created_at", id)?,
        })
    }
}

/// Records the reminder's row only while its appointment is still `scheduled` (cancelled,
/// completed or marked no-show since the due set was read: nothing is recorded) and only once
/// per appointment and offset. `?1` appointment, `?2` offset code, `?3` outcome, `?4` time.
const INSERT_SEND_SQL: &str =
    "INSERT INTO reminder_sends (appointment_id, offset_code, outcome, at) \
     SELECT a.id, ?2, ?3, ?4 FROM appointments a WHERE a.id = ?1 AND a.status = 'scheduled' \
     ON CONFLICT (appointment_id, offset_code) DO NOTHING";

/// Records one reminder inside the batch's transaction; `true` when this call recorded it
/// (`false`: recorded before, or the appointment is no longer scheduled — nothing enqueued).
fn record_one(conn: &mut SqliteConnection, send: &ReminderSend, at: i64) -> Result<bool, Failure> {
    let outcome = match &send.outcome {
        ReminderOutcome::Queued(_) => "queued",
        ReminderOutcome::Skipped(reason) => reason.code(),
    };
    let inserted = diesel::sql_query(INSERT_SEND_SQL)
        .bind::<BigInt, _>(send.appointment_id.get())
        .bind::<Text, _>(send.offset.code())
        .bind::<Text, _>(outcome)
        .bind::<BigInt, _>(at)
        .execute(conn)?;
    if inserted == 0 {
        return Ok(false);
    }
    if let ReminderOutcome::Queued(d) = &send.outcome {
        let buttons = serde_json::to_string(&d.buttons)
            .map_err(|e| RepoError::Unavailable(format!("cannot encode buttons: {e}")))?;
        diesel::insert_into(deliveries::table)
            .values((
                deliveries::source.eq(d.source.code()),
                deliveries::campaign_id.eq(d.campaign_id.map(|c| c.get())),
                deliveries::client_id.eq(d.client_id.get()),
                deliveries::channel.eq(d.channel.code()),
                deliveries::recipient.eq(&d.recipient),
                deliveries::text.eq(&d.text),
                deliveries::image_url.eq(d.image_url.as_deref()),
                deliveries::buttons.eq(buttons),
                deliveries::step.eq(i64::from(d.step)),
                deliveries::not_before.eq(d.not_before.unix_millis()),
                deliveries::dedupe_key.eq(&d.dedupe_key),
                deliveries::created_at.eq(at),
                deliveries::updated_at.eq(at),
            ))
            .on_conflict(deliveries::dedupe_key)
            .do_nothing()
            .execute(conn)?;
        let delivery_id: i64 = deliveries::table
            .filter(deliveries::dedupe_key.eq(&d.dedupe_key))
            .select(deliveries::id)
            .first(conn)?;
        diesel::update(
            reminder_sends::table
                .filter(reminder_sends::appointment_id.eq(send.appointment_id.get()))
                .filter(reminder_sends::offset_code.eq(send.offset.code())),
        )
        .set(reminder_sends::delivery_id.eq(delivery_id))
        .execute(conn)?;
    }
    Ok(true)
}

impl ReminderRepository for SqliteReminderRepository {
    fn rules(&self) -> Result<Vec<ReminderRule>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<RuleRow> = reminder_rules::table
            .select(RuleRow::as_select())
            .load(&mut conn)
            .map_err(Failure::from)?;
        let mut rules = rows
            .into_iter()
            .map(RuleRow::into_rule)
            .collect::<Result<Vec<_>, _>>()?;
        rules.sort_by_key(|r| r.offset);
        Ok(rules)
    }

    fn save_rules(&self, rules: &[ReminderRule]) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        conn.immediate_transaction(|conn| {
            for rule in rules {
                let changed = diesel::update(reminder_rules::table.find(rule.offset.code()))
                    .set((
                        reminder_rules::enabled.eq(rule.enabled),
                        reminder_rules::channel.eq(rule.channel.code()),
                        reminder_rules::template.eq(&rule.template),
                        reminder_rules::updated_by.eq(rule.updated_by.as_deref()),
                        reminder_rules::updated_at.eq(rule.updated_at.map(Timestamp::unix_millis)),
                    ))
                    .execute(conn)?;
                if changed == 0 {
                    return Err(Failure(RepoError::NotFound));
                }
            }
            Ok::<_, Failure>(())
        })?;
        Ok(())
    }

    fn due(
        &self,
        offset: ReminderOffset,
        channel: Channel,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueReminder>, RepoError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.db.conn()?;
        let tz = business_tz(&mut conn)?;
        let rows: Vec<DueRow> = diesel::sql_query(due_sql(channel))
            .bind::<BigInt, _>(now.unix_millis())
            .bind::<BigInt, _>(offset.millis())
            .bind::<Text, _>(offset.code())
            .bind::<BigInt, _>(i64::from(limit))
            .bind::<BigInt, _>(offset.window_end_millis())
            .load(&mut conn)
            .map_err(Failure::from)?;
        rows.into_iter().map(|r| r.into_due(tz)).collect()
    }

    fn record(&self, sends: &[ReminderSend], at: Timestamp) -> Result<Vec<bool>, RepoError> {
        if sends.is_empty() {
            return Ok(Vec::new());
        }
        let at = at.unix_millis();
        let mut conn = self.db.conn()?;
        let recorded = conn.immediate_transaction(|conn| {
            sends
                .iter()
                .map(|send| record_one(conn, send, at))
                .collect::<Result<Vec<_>, Failure>>()
        })?;
        Ok(recorded)
    }
}
