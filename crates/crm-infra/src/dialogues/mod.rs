//! [`SqliteDialogueRepository`]: messages, conversations and group sends in SQLite,
//! implementing [`crm_comms::dialogues::DialogueRepository`].
//!
//! Every message insert updates the client's `dialogues` row in the same immediate
//! transaction (last message, last inbound message, `unanswered`). An outbound message and its
//! `deliveries` row are written together, the delivery first (`ON CONFLICT (dedupe_key) DO
//! NOTHING`, so a retried request writes nothing), then the message linked to it; from then
//! on the `messages_follow_delivery` trigger copies every status change of the delivery onto
//! the message in the delivery's own transaction. The registry is one boxed query over
//! `messages` joined to `clients`, ordered by `(created_at, id)` descending; each single filter
//! has an index leading with its column, the name filter finds clients by `search_name` and
//! their messages through `messages_by_client`, and "unanswered" goes through the partial
//! `dialogues_unanswered` index to each conversation's latest inbound message.

mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::deliveries::schema::deliveries;
use crate::error::{corrupt, stored_time, Failure};
use crm_comms::delivery::NewDelivery;
use crm_comms::dialogues::model::NewMessage;
use crm_comms::dialogues::ports::{GroupSendCounts, NewGroupSend};
use crm_comms::dialogues::{
    ClientContact, DialogueRepository, Direction, Message, MessageFilter, MessageSource,
    MessageStatus,
};
use crm_core::{Channel, ClientId, EmployeeId, MessageId, Page, PageRequest, RepoError, Timestamp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::sqlite::Sqlite;
use schema::{clients, group_sends, messages};

/// Characters that escape `LIKE` wildcards in the name filter.
const LIKE_ESCAPE: char = '\\';

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
#[derive(Debug, Queryable)]
struct MessageRow {
    id: i64,
    client_id: i64,
    direction: String,
    channel: String,
    text: String,
    author_employee_id: Option<i64>,
    source: String,
    status: String,
    reason: Option<String>,
    delivery_id: Option<i64>,
    group_send_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
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

/// `%fragment%` with the `LIKE` wildcards of the fragment escaped.
fn contains_pattern(fragment: &str) -> String {
    let mut pattern = String::with_capacity(fragment.len() + 2);
    pattern.push('%');
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The boxed registry query over `messages` joined to `clients`, whatever it selects.
type Boxed<'a, ST> = diesel::internal::table_macro::BoxedSelectStatement<
    'a,
    ST,
    diesel::internal::table_macro::FromClause<
        diesel::helper_types::InnerJoinQuerySource<messages::table, clients::table>,
    >,
    Sqlite,
>;

/// Applies the registry filters to a boxed query over `messages` (alone, for the count, or
/// joined to `clients`, for the page): both share this WHERE.
macro_rules! filtered {
    ($query:expr, $filter:expr) => {{
        let mut q = $query;
        let filter: &MessageFilter = $filter;
    if let Some(from) = filter.from {
        q = q.filter(messages::created_at.ge(from.unix_millis()));
    }
    if let Some(to) = filter.to {
        q = q.filter(messages::created_at.lt(to.unix_millis()));
    }
    if let Some(status) = filter.status {
        q = q.filter(messages::status.eq(status.code()));
    }
    if let Some(channel) = filter.channel {
        q = q.filter(messages::channel.eq(channel.code()));
    }
    if let Some(direction) = filter.direction {
        q = q.filter(messages::direction.eq(direction.code()));
    }
    if let Some(client) = filter.client_id {
        q = q.filter(messages::client_id.eq(client.get()));
    }
    if let Some(name) = &filter.name {
        // `name` is lower-cased by the domain, like `search_name`.
        // A subquery on `clients` by `search_name`, then their messages by `messages_by_client`.
        let matching = diesel::dsl::sql::<Bool>(
            "messages.client_id IN (SELECT c.id FROM clients c WHERE c.search_name LIKE ",
        )
        .bind::<Text, _>(contains_pattern(name))
        .sql(" ESCAPE '\\')");
        q = q.filter(matching);
    }
    if filter.unanswered {
        // Literal `= 1` so that the partial index `dialogues_unanswered` applies.
        let latest = diesel::dsl::sql::<Bool>(
            "messages.id IN (SELECT d.last_inbound_message_id FROM dialogues d \
             WHERE d.unanswered = 1)",
        );
        q = q.filter(latest);
    }
    q
    }};
}

/// How many messages match `filter`.
///
/// Counted on `messages` alone (every message has its client): a covering index answers a
/// single filter without touching the rows.
fn count_query(filter: &MessageFilter) -> messages::BoxedQuery<'_, Sqlite, BigInt> {
    filtered!(
        messages::table
            .select(diesel::dsl::count_star())
            .into_boxed(),
        filter
    )
}

/// One page of the messages matching `filter`, newest first.
fn page_query(
    filter: &MessageFilter,
    page: PageRequest,
) -> Boxed<'_, <MessageColumns as Expression>::SqlType> {
    filtered!(
        messages::table
            .inner_join(clients::table)
            .select(MESSAGE_COLUMNS)
            .into_boxed(),
        filter
    )
    .order((messages::created_at.desc(), messages::id.desc()))
    .limit(i64::from(page.limit()))
    .offset(signed(page.offset()))
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

    fn create_group_send(&self, send: &NewGroupSend, at: Timestamp) -> Result<i64, RepoError> {
        let mut conn = self.db.conn()?;
        let id = diesel::insert_into(group_sends::table)
            .values((
                group_sends::channel.eq(send.channel.code()),
                group_sends::purpose.eq(&send.purpose),
                group_sends::text.eq(&send.text),
                group_sends::created_by.eq(&send.created_by),
                group_sends::created_at.eq(at.unix_millis()),
            ))
            .returning(group_sends::id)
            .get_result(&mut conn)
            .map_err(Failure::from)?;
        Ok(id)
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

    fn finish_group_send(
        &self,
        group_send_id: i64,
        counts: &GroupSendCounts,
    ) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        let changed = diesel::update(group_sends::table.find(group_send_id))
            .set((
                group_sends::requested.eq(signed(counts.requested)),
                group_sends::queued.eq(signed(counts.queued)),
                group_sends::skipped_no_consent.eq(signed(counts.skipped_no_consent)),
                group_sends::skipped_no_contact.eq(signed(counts.skipped_no_contact)),
                group_sends::skipped_capped.eq(signed(counts.skipped_capped)),
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
        let (rows, total) = conn.transaction(|conn| {
            let total: i64 = count_query(filter).get_result(conn)?;
            let rows: Vec<MessageRow> = page_query(filter, page).load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
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
