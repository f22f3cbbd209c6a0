//! [`SqliteDialogueRepository`]: messages, conversations and group sends in SQLite,
//! implementing [`crm_comms::dialogues::DialogueRepository`].
//!
//! Every message insert updates the client's `dialogues` row in the same immediate
//! transaction (last message, last inbound message, `unanswered`). An outbound message and its
//! `deliveries` row are written together, the delivery first (`ON CONFLICT (dedupe_key) DO
//! NOTHING`, so a retried request writes nothing), then the message linked to it; from then
//! on the `messages_follow_delivery` trigger copies every status change of the delivery onto
//! the message in the delivery's own transaction. The registry (see [`registry`]) reads
//! newest first through the index of its filter and counts from the exact tallies the
//! `messages_tally_*` triggers keep (per day, status, channel and direction; per client).

#[cfg(test)]
mod budget_tests;
mod registry;
mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::deliveries::schema::deliveries;
use crate::error::{corrupt, stored_time, Failure};
use crm_comms::delivery::NewDelivery;
use crm_comms::dialogues::model::NewMessage;
use crm_comms::dialogues::ports::{GroupSendCounts, NewGroupSend, StoredGroupSend};
use crm_comms::dialogues::{
    ClientContact, DialogueRepository, Direction, GroupSendReport, Message, MessageFilter,
    MessageSource, MessageStatus,
};
use crm_core::{Channel, ClientId, EmployeeId, MessageId, Page, PageRequest, RepoError, Timestamp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use schema::{clients, group_sends, messages};

/// Messages and conversations stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteDialogueRepository {
    db: Database,
}

impl SqliteDialogueRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `messages` row with its client's name.
#[derive(Debug, Queryable, QueryableByName)]
struct MessageRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = Text)]
    direction: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    author_employee_id: Option<i64>,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    delivery_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    group_send_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
    #[diesel(sql_type = BigInt)]
    updated_at: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
}

/// The columns of a [`MessageRow`], in order.
type MessageColumns = (
    messages::id,
    messages::client_id,
    messages::direction,
    messages::channel,
    messages::text,
    messages::author_employee_id,
    messages::source,
    messages::status,
    messages::reason,
    messages::delivery_id,
    messages::group_send_id,
    messages::created_at,
    messages::updated_at,
    clients::full_name,
);

const MESSAGE_COLUMNS: MessageColumns = (
    messages::id,
    messages::client_id,
    messages::direction,
    messages::channel,
    messages::text,
    messages::author_employee_id,
    messages::source,
    messages::status,
    messages::reason,
    messages::delivery_id,
    messages::group_send_id,
    messages::created_at,
    messages::updated_at,
    clients::full_name,
);

impl MessageRow {
    fn into_message(self) -> Result<Message, RepoError> {
        let id = self.id;
        Ok(Message {
            id: MessageId(id),
            client_id: ClientId(self.client_id),
            client_name: self.full_name,
            direction: Direction::from_code(&self.direction)
                .ok_or_else(|| corrupt("message direction", id))?,
            channel: Channel::from_code(&self.channel)
                .ok_or_else(|| corrupt("message channel", id))?,
            text: self.text,
            author: self.author_employee_id.map(EmployeeId),
            source: MessageSource::from_code(&self.source)
                .ok_or_else(|| corrupt("message source", id))?,
            status: MessageStatus::from_code(&self.status)
                .ok_or_else(|| corrupt("message status", id))?,
            reason: self.reason,
            delivery_id: self.delivery_id,
            group_send_id: self.group_send_id,
            created_at: stored_time(self.created_at, "message created_at", id)?,
            updated_at: stored_time(self.updated_at, "message updated_at", id)?,
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

#[derive(Debug, QueryableByName)]
struct ContactRow {
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = Bool)]
    consent_personal_data: bool,
    #[diesel(sql_type = Nullable<Text>)]
    address: Option<String>,
}

/// Reads one message with its client's name.
fn load_message(conn: &mut SqliteConnection, id: i64) -> Result<Message, Failure> {
    let row: MessageRow = messages::table
        .inner_join(clients::table)
        .filter(messages::id.eq(id))
        .select(MESSAGE_COLUMNS)
        .first(conn)?;
    Ok(row.into_message()?)
}

/// Stores a message with the given status and delivery, returning its id.
fn insert_message(
    conn: &mut SqliteConnection,
    m: &NewMessage,
    status: MessageStatus,
    delivery_id: Option<i64>,
    at: i64,
) -> Result<i64, Failure> {
    Ok(diesel::insert_into(messages::table)
        .values((
            messages::client_id.eq(m.client_id.get()),
            messages::direction.eq(m.direction.code()),
            messages::channel.eq(m.channel.code()),
            messages::text.eq(&m.text),
            messages::author_employee_id.eq(m.author.map(EmployeeId::get)),
            messages::source.eq(m.source.code()),
            messages::status.eq(status.code()),
            messages::delivery_id.eq(delivery_id),
            messages::group_send_id.eq(m.group_send_id),
            messages::created_at.eq(at),
            messages::updated_at.eq(at),
        ))
        .returning(messages::id)
        .get_result(conn)?)
}

/// Updates the client's conversation after message `id`: an inbound message marks it
/// unanswered, a reply or feedback answer clears that, a group send leaves it as it was.
fn touch_dialogue(
    conn: &mut SqliteConnection,
    m: &NewMessage,
    id: i64,
    at: i64,
) -> Result<(), Failure> {
    let inbound = m.direction == Direction::Inbound;
    diesel::sql_query(
        "INSERT INTO dialogues (client_id, last_message_id, last_direction, last_message_at, \
           last_inbound_message_id, last_inbound_at, unanswered) \
         VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 THEN ?2 END, CASE WHEN ?5 THEN ?4 END, ?5) \
         ON CONFLICT (client_id) DO UPDATE SET \
           last_message_id = excluded.last_message_id, \
           last_direction = excluded.last_direction, \
           last_message_at = excluded.last_message_at, \
           last_inbound_message_id = CASE WHEN ?5 THEN excluded.last_inbound_message_id \
             ELSE dialogues.last_inbound_message_id END, \
           last_inbound_at = CASE WHEN ?5 THEN excluded.last_inbound_at \
             ELSE dialogues.last_inbound_at END, \
           unanswered = CASE WHEN ?5 THEN 1 WHEN ?6 THEN 0 ELSE dialogues.unanswered END",
    )
    .bind::<BigInt, _>(m.client_id.get())
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(m.direction.code())
    .bind::<BigInt, _>(at)
    .bind::<Bool, _>(inbound)
    .bind::<Bool, _>(m.source.answers())
    .execute(conn)?;
    Ok(())
}

/// Enqueues a delivery unless its key exists; returns the new row's id.
fn insert_delivery(
    conn: &mut SqliteConnection,
    d: &NewDelivery,
    key: &str,
    at: i64,
) -> Result<Option<i64>, Failure> {
    Ok(diesel::insert_into(deliveries::table)
        .values((
            deliveries::source.eq(d.source.code()),
            deliveries::campaign_id.eq(d.campaign_id.map(|c| c.get())),
            deliveries::client_id.eq(d.client_id.get()),
            deliveries::channel.eq(d.channel.code()),
            deliveries::recipient.eq(&d.recipient),
            deliveries::text.eq(&d.text),
            deliveries::image_url.eq(d.image_url.as_deref()),
            deliveries::step.eq(i64::from(d.step)),
            deliveries::not_before.eq(d.not_before.unix_millis()),
            deliveries::dedupe_key.eq(key),
            deliveries::created_at.eq(at),
            deliveries::updated_at.eq(at),
        ))
        .on_conflict(deliveries::dedupe_key)
        .do_nothing()
        .returning(deliveries::id)
        .get_result(conn)
        .optional()?)
}

/// Writes an outbound message and its delivery (already keyed) and links them; `None` when the
/// key existed already.
fn queue_outbound(
    conn: &mut SqliteConnection,
    m: &NewMessage,
    d: &NewDelivery,
    key: &str,
    at: i64,
) -> Result<Option<i64>, Failure> {
    let Some(delivery_id) = insert_delivery(conn, d, key, at)? else {
        return Ok(None);
    };
    let id = insert_message(conn, m, MessageStatus::Queued, Some(delivery_id), at)?;
    touch_dialogue(conn, m, id, at)?;
    Ok(Some(id))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl DialogueRepository for SqliteDialogueRepository {
    fn contact(
        &self,
        client_id: ClientId,
        channel: Channel,
    ) -> Result<Option<ClientContact>, RepoError> {
        let sql = format!(
            "SELECT cl.full_name, cl.consent_personal_data, {} AS address \
             FROM clients cl WHERE cl.id = ?1",
            address_sql(channel)
        );
        let mut conn = self.db.conn()?;
        let row: Option<ContactRow> = diesel::sql_query(sql)
            .bind::<BigInt, _>(client_id.get())
            .get_result(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(row.map(|r| ClientContact {
            name: r.full_name,
            consent_personal_data: r.consent_personal_data,
            address: r.address,
        }))
    }

    fn client_exists(&self, client_id: ClientId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let found = clients::table
            .find(client_id.get())
            .select(clients::id)
            .first::<i64>(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(found.is_some())
    }

    fn insert_inbound(&self, message: &NewMessage, at: Timestamp) -> Result<Message, RepoError> {
        let at = at.unix_millis();
        let mut conn = self.db.conn()?;
        let stored = conn.immediate_transaction(|conn| {
            let id = insert_message(conn, message, MessageStatus::Received, None, at)?;
            touch_dialogue(conn, message, id, at)?;
            load_message(conn, id)
        })?;
        Ok(stored)
    }

    fn insert_outbound(
        &self,
        message: &NewMessage,
        delivery: &NewDelivery,
        at: Timestamp,
    ) -> Result<Message, RepoError> {
        let at = at.unix_millis();
        let mut conn = self.db.conn()?;
        let stored = conn.immediate_transaction(|conn| {
            if !delivery.dedupe_key.is_empty() {
                let delivery_id: Option<i64> = deliveries::table
                    .filter(deliveries::dedupe_key.eq(&delivery.dedupe_key))
                    .select(deliveries::id)
                    .first(conn)
                    .optional()?;
                let existing: Option<i64> = match delivery_id {
                    Some(d) => messages::table
                        .filter(messages::delivery_id.eq(d))
                        .select(messages::id)
                        .first(conn)
                        .optional()?,
                    None => None,
                };
                if let Some(id) = existing {
                    return load_message(conn, id);
                }
                let id = queue_outbound(conn, message, delivery, &delivery.dedupe_key, at)?.ok_or(
                    Failure(RepoError::Conflict {
                        field: Some("Idempotency-Key".into()),
                        message: "the key was used for another message".into(),
                    }),
                )?;
                return load_message(conn, id);
            }
            // The key comes from the message id: take the id first, then link the delivery.
            let id = insert_message(conn, message, MessageStatus::Queued, None, at)?;
            let key = format!("dialogue:message:{id}");
            let delivery_id =
                insert_delivery(conn, delivery, &key, at)?.ok_or(Failure(RepoError::Conflict {
                    field: None,
                    message: format!("delivery {key} exists already"),
                }))?;
            diesel::update(messages::table.find(id))
                .set(messages::delivery_id.eq(delivery_id))
                .execute(conn)?;
            touch_dialogue(conn, message, id, at)?;
            load_message(conn, id)
        })?;
        Ok(stored)
    }

    fn create_group_send(
        &self,
        send: &NewGroupSend,
        at: Timestamp,
    ) -> Result<Option<i64>, RepoError> {
        let mut conn = self.db.conn()?;
        // A key taken already (a retried or concurrent request) writes nothing.
        let id = diesel::insert_into(group_sends::table)
            .values((
                group_sends::channel.eq(send.channel.code()),
                group_sends::purpose.eq(&send.purpose),
                group_sends::text.eq(&send.text),
                group_sends::created_by.eq(&send.created_by),
                group_sends::created_at.eq(at.unix_millis()),
                group_sends::idempotency_key.eq(send.idempotency_key.as_deref()),
                group_sends::fingerprint.eq(&send.fingerprint),
            ))
            .on_conflict_do_nothing()
            .returning(group_sends::id)
            .get_result(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        Ok(id)
    }

    fn find_group_send(&self, idempotency_key: &str) -> Result<Option<StoredGroupSend>, RepoError> {
        type Row = (
            i64,
            i64,
            Option<String>,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<i64>,
        );
        let mut conn = self.db.conn()?;
        let row: Option<Row> = group_sends::table
            .filter(group_sends::idempotency_key.eq(idempotency_key))
            .select((
                group_sends::id,
                group_sends::created_at,
                group_sends::fingerprint,
                group_sends::requested,
                group_sends::queued,
                group_sends::skipped_no_consent,
                group_sends::skipped_no_contact,
                group_sends::skipped_capped,
                group_sends::skipped_too_long,
                group_sends::finished_at,
            ))
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        row.map(
            |(
                id,
                created_at,
                fingerprint,
                requested,
                queued,
                consent,
                contact,
                capped,
                too_long,
                finished,
            )| {
                Ok(StoredGroupSend {
                    id,
                    created_at: stored_time(created_at, "group send created_at", id)?,
                    fingerprint: fingerprint.unwrap_or_default(),
                    report: finished.map(|_| GroupSendReport {
                        group_send_id: id,
                        requested: count(requested),
                        queued: count(queued),
                        skipped_no_consent: count(consent),
                        skipped_no_contact: count(contact),
                        skipped_capped: count(capped),
                        skipped_too_long: count(too_long),
                    }),
                })
            },
        )
        .transpose()
    }

    fn queue_group_batch(
        &self,
        group_send_id: i64,
        batch: &[(NewMessage, NewDelivery)],
        at: Timestamp,
    ) -> Result<usize, RepoError> {
        if batch.is_empty() {
            return Ok(0);
        }
        let at = at.unix_millis();
        let mut conn = self.db.conn()?;
        let queued = conn.immediate_transaction(|conn| {
            let mut queued = 0;
            for (message, delivery) in batch {
                let mut message = message.clone();
                message.group_send_id = Some(group_send_id);
                if queue_outbound(conn, &message, delivery, &delivery.dedupe_key, at)?.is_some() {
                    queued += 1;
                }
            }
            Ok::<_, Failure>(queued)
        })?;
        Ok(queued)
    }

    fn count_group_messages(&self, group_send_id: i64) -> Result<u64, RepoError> {
        let mut conn = self.db.conn()?;
        // Through `messages_by_group_send`.
        let n: i64 = messages::table
            .filter(messages::group_send_id.eq(group_send_id))
            .count()
            .get_result(&mut conn)
            .map_err(Failure::from)?;
        Ok(count(n))
    }

    fn finish_group_send(
        &self,
        group_send_id: i64,
        counts: &GroupSendCounts,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        let changed = diesel::update(group_sends::table.find(group_send_id))
            .set((
                group_sends::requested.eq(signed(counts.requested)),
                group_sends::queued.eq(signed(counts.queued)),
                group_sends::skipped_no_consent.eq(signed(counts.skipped_no_consent)),
                group_sends::skipped_no_contact.eq(signed(counts.skipped_no_contact)),
                group_sends::skipped_capped.eq(signed(counts.skipped_capped)),
                group_sends::skipped_too_long.eq(signed(counts.skipped_too_long)),
                group_sends::finished_at.eq(at.unix_millis()),
            ))
            .execute(&mut conn)
            .map_err(Failure::from)?;
        if changed == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }

    fn list(&self, filter: &MessageFilter, page: PageRequest) -> Result<Page<Message>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| registry::list(conn, filter, page))?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(MessageRow::into_message)
                .collect::<Result<_, _>>()?,
            total: count(total),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}
