//! [`SqliteClientRepository`]: the client base in SQLite, implementing
//! [`crm_clients::ClientRepository`].
//!
//! A client is one `clients` row, its `client_tags` rows and its append-only
//! `client_consent_events`. Every write of more than one statement runs in one
//! `BEGIN IMMEDIATE` transaction, which takes the write lock up front so that concurrent
//! writers queue (up to the busy timeout) instead of failing half-way.

mod list;
mod rows;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{map_diesel_error, Failure};
use crate::schema::{client_consent_events, client_tags, clients, traffic_channels};
use crm_clients::{
    Client, ClientQuery, ClientRepository, ClientUpdatePlan, ConsentChange, ConsentEvent,
    NewClientRecord, Tag,
};
use crm_core::{Actor, ClientId, Page, PageRequest, Phone, RepoError, TrafficChannelId};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use rows::{ClientRow, ClientWrite, ConsentEventRow, NewClientRow, NewConsentEventRow};
use std::collections::{BTreeSet, HashMap};

/// The client base stored in SQLite. Each call checks a connection out of the pool, so the
/// repository is cheap to clone and can be shared between threads.
#[derive(Debug, Clone)]
pub struct SqliteClientRepository {
    db: Database,
}

impl SqliteClientRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The tags of the given clients, each list sorted, in one query.
fn load_tags(conn: &mut SqliteConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<Tag>>, Failure> {
    let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
    if ids.is_empty() {
        return Ok(tags);
    }
    let pairs = client_tags::table
        .filter(client_tags::client_id.eq_any(ids))
        .order((client_tags::client_id, client_tags::tag))
        .select((client_tags::client_id, client_tags::tag))
        .load::<(i64, String)>(conn)?;
    for (client_id, tag) in pairs {
        tags.entry(client_id)
            .or_default()
            .push(Tag::from_trusted(tag));
    }
    Ok(tags)
}

/// Rows with their tags, in the rows' order.
fn with_tags(conn: &mut SqliteConnection, rows: Vec<ClientRow>) -> Result<Vec<Client>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut tags = load_tags(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let own = tags.remove(&row.id).unwrap_or_default();
            row.into_client(own).map_err(Failure)
        })
        .collect()
}

/// The one client a filter selects, with its tags.
fn one_client(
    conn: &mut SqliteConnection,
    row: Option<ClientRow>,
) -> Result<Option<Client>, Failure> {
    Ok(with_tags(conn, row.into_iter().collect())?.pop())
}

/// Unique-key look-ups use `get_result`, not `first`: `first` adds `LIMIT ?`, which the bundled
/// SQLite re-prepares on every execution (see docs/performance.md).
fn client_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<Client>, Failure> {
    let row = clients::table
        .find(id)
        .select(ClientRow::as_select())
        .get_result(conn)
        .optional()?;
    one_client(conn, row)
}

fn client_by_telegram_id(
    conn: &mut SqliteConnection,
    telegram_id: i64,
) -> Result<Option<Client>, Failure> {
    let row = clients::table
        .filter(clients::telegram_id.eq(telegram_id))
        .select(ClientRow::as_select())
        .get_result(conn)
        .optional()?;
    one_client(conn, row)
}

/// Replaces the client's tags with `tags` (duplicates merged).
fn replace_tags(conn: &mut SqliteConnection, client_id: i64, tags: &[Tag]) -> Result<(), Failure> {
    diesel::delete(client_tags::table.filter(client_tags::client_id.eq(client_id)))
        .execute(conn)?;
    let unique: BTreeSet<&str> = tags.iter().map(Tag::as_str).collect();
    if unique.is_empty() {
        return Ok(());
    }
    let values: Vec<_> = unique
        .into_iter()
        .map(|tag| {
            (
                client_tags::client_id.eq(client_id),
                client_tags::tag.eq(tag),
            )
        })
        .collect();
    diesel::insert_into(client_tags::table)
        .values(&values)
        .execute(conn)?;
    Ok(())
}

/// Appends one audit entry per consent change.
fn append_consent_events(
    conn: &mut SqliteConnection,
    client_id: i64,
    changes: &[ConsentChange],
    actor: Actor,
    source: &str,
) -> Result<(), Failure> {
    if changes.is_empty() {
        return Ok(());
    }
    let actor = actor.to_string();
    let rows: Vec<NewConsentEventRow<'_>> = changes
        .iter()
        .map(|change| NewConsentEventRow {
            client_id,
            consent: change.kind.code(),
            given: change.given,
            actor: &actor,
            source,
            at: change.at.unix_millis(),
        })
        .collect();
    diesel::insert_into(client_consent_events::table)
        .values(&rows)
        .execute(conn)?;
    Ok(())
}

/// Inserts the client, its tags and its consent events; the caller holds the transaction.
fn insert_client(conn: &mut SqliteConnection, record: &NewClientRecord) -> Result<Client, Failure> {
    let row = NewClientRow {
        card: ClientWrite::new(&record.profile, &record.consents, record.at),
        version: 0,
        created_at: record.at.unix_millis(),
    };
    let id = diesel::insert_into(clients::table)
        .values(&row)
        .returning(clients::id)
        .get_result::<i64>(conn)?;
    replace_tags(conn, id, &record.profile.tags)?;
    append_consent_events(
        conn,
        id,
        &record.consent_events,
        record.actor,
        &record.source,
    )?;
    client_by_id(conn, id)?.ok_or_else(|| {
        Failure(RepoError::Unavailable(format!(
            "client {id} was not found right after its insert"
        )))
    })
}

fn page_bound(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl ClientRepository for SqliteClientRepository {
    fn insert(&self, record: &NewClientRecord) -> Result<Client, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(conn.immediate_transaction(|conn| insert_client(conn, record))?)
    }

    fn insert_or_get_by_telegram_id(
        &self,
        record: &NewClientRecord,
    ) -> Result<(Client, bool), RepoError> {
        let Some(telegram_id) = record.profile.telegram_id.map(|id| id.get()) else {
            // Nothing to look up by: a plain registration.
            return self.insert(record).map(|client| (client, true));
        };
        let mut conn = self.db.conn()?;
        // IMMEDIATE takes the write lock before the look-up, so concurrent sign-ins of one
        // user queue here and the later ones find the row the first one inserted.
        let outcome = conn.immediate_transaction(|conn| {
            if let Some(existing) = client_by_telegram_id(conn, telegram_id)? {
                return Ok((existing, false));
            }
            Ok((insert_client(conn, record)?, true))
        });
        match outcome {
            Ok(found_or_created) => Ok(found_or_created),
            // A writer that skipped the look-up won the race: return its row.
            Err(Failure(RepoError::Conflict {
                field: Some(field),
                message,
            })) if field == "telegram_id" => match client_by_telegram_id(&mut conn, telegram_id)? {
                Some(existing) => Ok((existing, false)),
                None => Err(RepoError::Conflict {
                    field: Some(field),
                    message,
                }),
            },
            Err(failure) => Err(failure.into()),
        }
    }

    fn get(&self, id: ClientId) -> Result<Option<Client>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(client_by_id(&mut conn, id.get())?)
    }

    fn find_by_telegram_id(&self, telegram_id: i64) -> Result<Option<Client>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(client_by_telegram_id(&mut conn, telegram_id)?)
    }

    fn find_by_phone(&self, phone: &Phone) -> Result<Option<Client>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = clients::table
            .filter(clients::phone.eq(phone.as_str()))
            .select(ClientRow::as_select())
            .get_result(&mut conn)
            .optional()
            .map_err(map_diesel_error)?;
        Ok(one_client(&mut conn, row)?)
    }

    fn update(&self, plan: &ClientUpdatePlan) -> Result<Option<Client>, RepoError> {
        let mut conn = self.db.conn()?;
        let updated = conn.immediate_transaction(|conn| {
            let card = ClientWrite::new(&plan.profile, &plan.consents, plan.at);
            // The version guard: zero rows when someone changed the client since it was read.
            let changed = diesel::update(
                clients::table
                    .filter(clients::id.eq(plan.id.get()))
                    .filter(clients::version.eq(plan.expected_version)),
            )
            .set((&card, clients::version.eq(clients::version + 1)))
            .execute(conn)?;
            if changed == 0 {
                return Ok(None);
            }
            replace_tags(conn, plan.id.get(), &plan.profile.tags)?;
            append_consent_events(
                conn,
                plan.id.get(),
                &plan.consent_events,
                plan.actor,
                &plan.source,
            )?;
            client_by_id(conn, plan.id.get())
        });
        Ok(updated?)
    }

    fn list(&self, query: &ClientQuery, page: PageRequest) -> Result<Page<Client>, RepoError> {
        let mut conn = self.db.conn()?;
        // One read transaction: the total and the page come from the same snapshot.
        let (items, total) = conn.transaction(|conn| {
            let total = list::filtered(clients::table.select(count_star()).into_boxed(), query)
                .get_result::<i64>(conn)?;
            let rows = list::sorted(
                list::filtered(
                    clients::table.select(ClientRow::as_select()).into_boxed(),
                    query,
                ),
                query.sort,
            )
            .limit(i64::from(page.limit()))
            .offset(page_bound(page.offset()))
            .load::<ClientRow>(conn)?;
            Ok::<_, Failure>((with_tags(conn, rows)?, total))
        })?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn consent_history(&self, id: ClientId, limit: u32) -> Result<Vec<ConsentEvent>, RepoError> {
        let mut conn = self.db.conn()?;
        client_consent_events::table
            .filter(client_consent_events::client_id.eq(id.get()))
            .order(client_consent_events::id.desc())
            .limit(i64::from(limit))
            .select(ConsentEventRow::as_select())
            .load(&mut conn)
            .map_err(map_diesel_error)?
            .into_iter()
            .map(ConsentEventRow::into_event)
            .collect()
    }

    fn exists(&self, id: ClientId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        diesel::select(exists(clients::table.find(id.get())))
            .get_result(&mut conn)
            .map_err(map_diesel_error)
    }

    fn traffic_channel_exists(&self, id: TrafficChannelId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        // Archived channels still exist: clients attributed to one keep a valid reference.
        diesel::select(exists(traffic_channels::table.find(id.get())))
            .get_result(&mut conn)
            .map_err(map_diesel_error)
    }

    fn traffic_channel_by_code(&self, code: &str) -> Result<Option<TrafficChannelId>, RepoError> {
        let mut conn = self.db.conn()?;
        // An archived channel no longer attributes new clients.
        traffic_channels::table
            .filter(traffic_channels::code.eq(code))
            .filter(traffic_channels::archived_at.is_null())
            .select(traffic_channels::id)
            .first::<i64>(&mut conn)
            .optional()
            .map(|id| id.map(TrafficChannelId))
            .map_err(map_diesel_error)
    }
}
