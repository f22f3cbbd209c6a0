//! [`SqliteDeliveryQueue`]: the delivery queue of [`crm_comms::delivery`] in SQLite.
//!
//! Enqueueing is `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING` in chunks inside one short
//! `BEGIN IMMEDIATE` transaction per call, so a second launch (or a restart mid-launch) creates
//! nothing twice. A claim is one immediate transaction that selects the due `queued` rows of a
//! channel oldest first (the `deliveries_due` index) and turns them `sending` with `claimed_at`
//! and one more attempt: SQLite serialises writers, so two workers never get the same row.
//! Retry times live in `not_before`; rows stuck in `sending` by a crash go back to the queue
//! through [`DeliveryQueue::release_stale`].

pub(crate) mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crm_comms::delivery::{
    Button, Delivery, DeliveryQueue, DeliverySource, DeliveryStatus, NewDelivery, SendReceipt,
};
use crm_core::{CampaignId, Channel, ClientId, RepoError, Timestamp};
use diesel::prelude::*;
use schema::deliveries;

/// Rows per `INSERT` statement when enqueueing (14 bound values each, well under SQLite's limit).
const ENQUEUE_CHUNK: usize = 500;

/// The delivery queue stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteDeliveryQueue {
    db: Database,
}

impl SqliteDeliveryQueue {
    /// A queue over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `deliveries` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
struct DeliveryRow {
    id: i64,
    source: String,
    campaign_id: Option<i64>,
    client_id: i64,
    channel: String,
    recipient: String,
    text: String,
    image_url: Option<String>,
    buttons: String,
    step: i64,
    status: String,
    attempts: i64,
    reason: Option<String>,
    not_before: i64,
    sent_at: Option<i64>,
    provider_message_id: Option<String>,
    dedupe_key: String,
    created_at: i64,
}

impl DeliveryRow {
    fn into_delivery(self) -> Result<Delivery, RepoError> {
        let id = self.id;
        let buttons: Vec<Button> =
            serde_json::from_str(&self.buttons).map_err(|_| corrupt("delivery buttons", id))?;
        Ok(Delivery {
            id,
            status: DeliveryStatus::from_code(&self.status)
                .ok_or_else(|| corrupt("delivery status", id))?,
            attempts: u32::try_from(self.attempts).map_err(|_| corrupt("delivery attempts", id))?,
            reason: self.reason,
            sent_at: self
                .sent_at
                .map(|ms| stored_time(ms, "delivery sent_at", id))
                .transpose()?,
            provider_message_id: self.provider_message_id,
            message: NewDelivery {
                source: DeliverySource::from_code(&self.source)
                    .ok_or_else(|| corrupt("delivery source", id))?,
                campaign_id: self.campaign_id.map(CampaignId),
                client_id: ClientId(self.client_id),
                channel: Channel::from_code(&self.channel)
                    .ok_or_else(|| corrupt("delivery channel", id))?,
                recipient: self.recipient,
                text: self.text,
                image_url: self.image_url,
                buttons,
                step: u16::try_from(self.step).map_err(|_| corrupt("delivery step", id))?,
                not_before: stored_time(self.not_before, "delivery not_before", id)?,
                dedupe_key: self.dedupe_key,
            },
            created_at: stored_time(self.created_at, "delivery created_at", id)?,
        })
    }
}

/// A new `deliveries` row (status, attempts and the send columns take their defaults).
#[derive(Debug, Insertable)]
#[diesel(table_name = deliveries, treat_none_as_default_value = false)]
struct NewDeliveryRow<'a> {
    source: &'a str,
    campaign_id: Option<i64>,
    client_id: i64,
    channel: &'a str,
    recipient: &'a str,
    text: &'a str,
    image_url: Option<&'a str>,
    buttons: String,
    step: i64,
    not_before: i64,
    dedupe_key: &'a str,
    created_at: i64,
    updated_at: i64,
}

impl<'a> NewDeliveryRow<'a> {
    fn new(d: &'a NewDelivery, at: i64) -> Result<Self, RepoError> {
        let buttons = serde_json::to_string(&d.buttons)
            .map_err(|e| RepoError::Unavailable(format!("cannot encode buttons: {e}")))?;
        Ok(Self {
            source: d.source.code(),
            campaign_id: d.campaign_id.map(|c| c.0),
            client_id: d.client_id.0,
            channel: d.channel.code(),
            recipient: &d.recipient,
            text: &d.text,
            image_url: d.image_url.as_deref(),
            buttons,
            step: i64::from(d.step),
            not_before: d.not_before.unix_millis(),
            dedupe_key: &d.dedupe_key,
            created_at: at,
            updated_at: at,
        })
    }
}

/// The statuses a send result may still change (a final status is never overwritten).
const OPEN: [&str; 2] = ["queued", "sending"];

/// After an update of an open row by id touched nothing: `NotFound` when the row does not
/// exist, otherwise nothing to do (it was already closed).
fn missing_or_closed(conn: &mut SqliteConnection, id: i64) -> Result<(), Failure> {
    let exists = deliveries::table
        .find(id)
        .select(deliveries::id)
        .first::<i64>(conn)
        .optional()?;
    match exists {
        Some(_) => Ok(()),
        None => Err(Failure(RepoError::NotFound)),
    }
}

/// A delivery that is still open (queued or sending): final statuses are never overwritten.
fn open_delivery(
    id: i64,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<deliveries::table, i64>,
    diesel::dsl::EqAny<deliveries::status, [&'static str; 2]>,
> {
    deliveries::table
        .find(id)
        .filter(deliveries::status.eq_any(OPEN))
}

impl SqliteDeliveryQueue {
    /// Runs `update` on an open delivery in one immediate transaction; when it changes no row,
    /// tells a missing delivery (`NotFound`) from a closed one (left as it is).
    fn update_open(
        &self,
        id: i64,
        update: impl FnOnce(&mut SqliteConnection) -> diesel::QueryResult<usize>,
    ) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        conn.immediate_transaction(|conn| {
            if update(conn)? == 0 {
                missing_or_closed(conn, id)?;
            }
            Ok::<_, Failure>(())
        })?;
        Ok(())
    }
}

impl DeliveryQueue for SqliteDeliveryQueue {
    fn enqueue(&self, batch: &[NewDelivery], at: Timestamp) -> Result<usize, RepoError> {
        if batch.is_empty() {
            return Ok(0);
        }
        let at = at.unix_millis();
        let rows = batch
            .iter()
            .map(|d| NewDeliveryRow::new(d, at))
            .collect::<Result<Vec<_>, _>>()?;
        let mut conn = self.db.conn()?;
        let created = conn.immediate_transaction(|conn| {
            let mut created = 0;
            for chunk in rows.chunks(ENQUEUE_CHUNK) {
                created += diesel::insert_into(deliveries::table)
                    .values(chunk)
                    .on_conflict(deliveries::dedupe_key)
                    .do_nothing()
                    .execute(conn)?;
            }
            Ok::<_, Failure>(created)
        })?;
        Ok(created)
    }

    fn claim_due(
        &self,
        channel: Channel,
        limit: u32,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, RepoError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = now.unix_millis();
        let mut conn = self.db.conn()?;
        let rows = conn.immediate_transaction(|conn| {
            let ids: Vec<i64> = deliveries::table
                .filter(deliveries::channel.eq(channel.code()))
                .filter(deliveries::status.eq(DeliveryStatus::Queued.code()))
                .filter(deliveries::not_before.le(now))
                .order((deliveries::not_before.asc(), deliveries::id.asc()))
                .limit(i64::from(limit))
                .select(deliveries::id)
                .load(conn)?;
            if ids.is_empty() {
                return Ok::<_, Failure>(Vec::new());
            }
            diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
                .set((
                    deliveries::status.eq(DeliveryStatus::Sending.code()),
                    deliveries::claimed_at.eq(now),
                    deliveries::attempts.eq(deliveries::attempts + 1),
                    deliveries::updated_at.eq(now),
                ))
                .execute(conn)?;
            let rows = deliveries::table
                .filter(deliveries::id.eq_any(&ids))
                .order((deliveries::not_before.asc(), deliveries::id.asc()))
                .select(DeliveryRow::as_select())
                .load(conn)?;
            Ok(rows)
        })?;
        rows.into_iter().map(DeliveryRow::into_delivery).collect()
    }

    fn mark_sent(&self, id: i64, receipt: &SendReceipt, at: Timestamp) -> Result<(), RepoError> {
        let at = at.unix_millis();
        self.update_open(id, |conn| {
            diesel::update(open_delivery(id))
                .set((
                    deliveries::status.eq(DeliveryStatus::Sent.code()),
                    deliveries::sent_at.eq(at),
                    deliveries::provider_message_id.eq(receipt.provider_message_id.as_deref()),
                    deliveries::reason.eq(None::<String>),
                    deliveries::updated_at.eq(at),
                ))
                .execute(conn)
        })
    }

    fn retry_later(&self, id: i64, reason: &str, retry_at: Timestamp) -> Result<(), RepoError> {
        let retry_at = retry_at.unix_millis();
        self.update_open(id, |conn| {
            diesel::update(open_delivery(id))
                .set((
                    deliveries::status.eq(DeliveryStatus::Queued.code()),
                    deliveries::reason.eq(reason),
                    deliveries::not_before.eq(retry_at),
                    deliveries::claimed_at.eq(None::<i64>),
                    deliveries::updated_at.eq(retry_at),
                ))
                .execute(conn)
        })
    }

    fn mark_failed(&self, id: i64, reason: &str, at: Timestamp) -> Result<(), RepoError> {
        let at = at.unix_millis();
        self.update_open(id, |conn| {
            diesel::update(open_delivery(id))
                .set((
                    deliveries::status.eq(DeliveryStatus::Failed.code()),
                    deliveries::reason.eq(reason),
                    deliveries::updated_at.eq(at),
                ))
                .execute(conn)
        })
    }

    fn release_stale(&self, older_than: Timestamp) -> Result<usize, RepoError> {
        let cutoff = older_than.unix_millis();
        let mut conn = self.db.conn()?;
        let released = conn.immediate_transaction(|conn| {
            diesel::update(
                deliveries::table
                    .filter(deliveries::status.eq(DeliveryStatus::Sending.code()))
                    .filter(deliveries::claimed_at.lt(cutoff)),
            )
            .set((
                deliveries::status.eq(DeliveryStatus::Queued.code()),
                deliveries::claimed_at.eq(None::<i64>),
                deliveries::updated_at.eq(cutoff),
            ))
            .execute(conn)
            .map_err(Failure::from)
        })?;
        Ok(released)
    }
}
