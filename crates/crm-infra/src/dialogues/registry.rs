//! The registry of messages: one page, newest first (`created_at`, then id, descending), and
//! the total, read so that each single filter stays in milliseconds at a million messages.
//!
//! A page first picks the ids of its rows from an index alone, then reads those rows and their
//! clients by primary key (so an offset skips index entries, not rows). The ids are picked by
//! one of three walks ([`Walk`]):
//! - **messages**: newest first through the index of the filter (`messages_by_time`,
//!   `messages_by_status`, `_by_channel`, `_by_direction`, `_by_client`), stopping at
//!   `LIMIT`; a name that matches many messages is checked per row on the client (a
//!   primary-key look-up), so a common fragment stops after a few dozen rows;
//! - **named clients**: a name that matches few messages reads the clients with a conversation
//!   whose name contains it from `client_message_counts` (one pass, no look-up per client),
//!   their messages through `messages_by_client`, and sorts those few;
//! - **unanswered**: the partial `dialogues_unanswered_by_time` index in the registry's order.
//!
//! The `before` cursor (a message id) keeps only rows strictly older than that message, as a
//! range on the index walked, so a deep page costs what the first one does. The total ignores
//! the cursor. It is read from the exact tallies kept by the `messages_tally_*` triggers when
//! it can be: per day, status, channel and direction (the partial days at a period's ends are
//! counted through `messages_by_time`), and per client (summed over a name's clients).
//!
//! The name filter is a literal substring of `search_name` (both in the search form), as
//! `instr`.

use super::MessageRow;
use crate::error::Failure;
use crm_comms::dialogues::MessageFilter;
use crm_core::{PageRequest, RepoError};
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::Sqlite;

/// One day in unix milliseconds: the tallies' bucket.
const DAY_MS: i64 = 86_400_000;

/// The columns of a page row ([`MessageRow`]).
const PAGE_COLUMNS: &str = "m.id, m.client_id, m.direction, m.channel, m.text, \
     m.author_employee_id, m.source, m.status, m.reason, m.delivery_id, m.group_send_id, \
     m.created_at, m.updated_at, c.full_name";

/// How the page reads its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Walk {
    /// Newest first through the messages index of the filter; a name is checked per row.
    Messages,
    /// The matching clients first, their messages by client, sorted.
    NamedClients,
    /// The unanswered conversations' latest inbound messages, newest first.
    Unanswered,
}

/// A bound value.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
}

/// A statement being built: its SQL and its bound values in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Statement {
    /// The SQL, with `?` for each value.
    pub(super) sql: String,
    args: Vec<Arg>,
}

impl Statement {
    fn sql(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn int(&mut self, sql: &str, value: i64) -> &mut Self {
        self.sql.push_str(sql);
        self.args.push(Arg::Int(value));
        self
    }

    fn text(&mut self, sql: &str, value: String) -> &mut Self {
        self.sql.push_str(sql);
        self.args.push(Arg::Text(value));
        self
    }

    /// The statement with its values bound.
    pub(super) fn query(&self) -> BoxedSqlQuery<'_, Sqlite, diesel::query_builder::SqlQuery> {
        let mut q = diesel::sql_query(self.sql.as_str()).into_boxed::<Sqlite>();
        for arg in &self.args {
            q = match arg {
                Arg::Int(v) => q.bind::<BigInt, _>(*v),
                Arg::Text(v) => q.bind::<Text, _>(v.clone()),
            };
        }
        q
    }

    /// The SQL with the values written in, for `EXPLAIN QUERY PLAN` in tests.
    #[cfg(test)]
    pub(super) fn inlined(&self) -> String {
        let mut out = String::new();
        let mut args = self.args.iter();
        for c in self.sql.chars() {
            if c == '?' {
                match args.next() {
                    Some(Arg::Int(v)) => out.push_str(&v.to_string()),
                    Some(Arg::Text(v)) => out.push_str(&format!("'{}'", v.replace('\'', "''"))),
                    None => out.push(c),
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// The position of the `before` message: rows strictly older come after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cursor {
    /// Its `created_at`.
    pub(super) at: i64,
    /// Its id.
    pub(super) id: i64,
}

/// The name fragment, in the search form of `search_name` (lower case, `ё` as `е`: the
/// service folds it).
fn name_fragment(filter: &MessageFilter) -> Option<String> {
    filter.name.clone()
}

/// `AND` the name of the client `client` (a column) contains the fragment: a primary-key
/// look-up per row read (a scalar subquery, so SQLite never reads every client up front to
/// build a Bloom filter for a join).
fn name_check(s: &mut Statement, filter: &MessageFilter, client: &str) {
    if let Some(fragment) = name_fragment(filter) {
        s.sql(" AND instr((SELECT n.search_name FROM clients n WHERE n.id = ")
            .sql(client)
            .text("), ?) > 0", fragment);
    }
}

/// `AND …` for each filter on the message row `m` (not the name, not "unanswered").
fn message_conditions(s: &mut Statement, filter: &MessageFilter) {
    let from = filter.from.map(|t| t.unix_millis());
    let to = filter.to.map(|t| t.unix_millis());
    conditions_within(s, filter, from, to);
}

/// [`message_conditions`] with the period `[from, to)` given in unix milliseconds.
fn conditions_within(
    s: &mut Statement,
    filter: &MessageFilter,
    from: Option<i64>,
    to: Option<i64>,
) {
    if let Some(from) = from {
        s.int(" AND m.created_at >= ?", from);
    }
    if let Some(to) = to {
        s.int(" AND m.created_at < ?", to);
    }
    if let Some(status) = filter.status {
        s.text(" AND m.status = ?", status.code().to_owned());
    }
    if let Some(channel) = filter.channel {
        s.text(" AND m.channel = ?", channel.code().to_owned());
    }
    if let Some(direction) = filter.direction {
        s.text(" AND m.direction = ?", direction.code().to_owned());
    }
    if let Some(client) = filter.client_id {
        s.int(" AND m.client_id = ?", client.get());
    }
}

/// The clients with a conversation whose name contains the fragment, as a row source
/// `k (id)`, read in one pass over `client_message_counts`.
fn named_clients(s: &mut Statement, fragment: String) {
    s.text(
        "(SELECT s.client_id AS id FROM client_message_counts s \
         WHERE instr(s.search_name, ?) > 0) k",
        fragment,
    );
}

/// The ids of one page of the registry, picked by `walk` from an index (a subquery of
/// [`page_statement`]).
fn page_ids(
    s: &mut Statement,
    filter: &MessageFilter,
    cursor: Option<Cursor>,
    page: PageRequest,
    walk: Walk,
) {
    let order = match walk {
        Walk::Messages => {
            s.sql("SELECT m.id AS id FROM messages m WHERE 1 = 1");
            name_check(s, filter, "m.client_id");
            "m.created_at DESC, m.id DESC"
        }
        Walk::NamedClients => {
            s.sql("SELECT m.id AS id FROM ");
            named_clients(s, name_fragment(filter).unwrap_or_default());
            s.sql(" CROSS JOIN messages m ON m.client_id = k.id WHERE 1 = 1");
            "m.created_at DESC, m.id DESC"
        }
        Walk::Unanswered => {
            s.sql("SELECT d.last_inbound_message_id AS id FROM dialogues d");
            unanswered_joins(s, filter);
            "d.last_inbound_at DESC, d.last_inbound_message_id DESC"
        }
    };
    message_conditions(s, filter);
    if let Some(cursor) = cursor {
        // A row value range: the index walked starts at the cursor.
        let key = if walk == Walk::Unanswered {
            " AND (d.last_inbound_at, d.last_inbound_message_id) < (?, "
        } else {
            " AND (m.created_at, m.id) < (?, "
        };
        s.int(key, cursor.at).int("?)", cursor.id);
    }
    s.sql(" ORDER BY ")
        .sql(order)
        .int(" LIMIT ?", i64::from(page.limit()))
        .int(
            " OFFSET ?",
            i64::try_from(page.offset()).unwrap_or(i64::MAX),
        );
}

/// The joins and the WHERE of the unanswered conversations: their latest inbound message only
/// when a filter reads it.
fn unanswered_joins(s: &mut Statement, filter: &MessageFilter) {
    let on_message = filter.from.is_some()
        || filter.to.is_some()
        || filter.status.is_some()
        || filter.channel.is_some()
        || filter.direction.is_some()
        || filter.client_id.is_some();
    if on_message {
        s.sql(" CROSS JOIN messages m ON m.id = d.last_inbound_message_id");
    }
    s.sql(" WHERE d.unanswered = 1");
    name_check(s, filter, "d.client_id");
}

/// One page of the registry: the ids picked by `walk`, then their rows and clients by
/// primary key. The rows come unordered: [`list`] sorts them.
pub(super) fn page_statement(
    filter: &MessageFilter,
    cursor: Option<Cursor>,
    page: PageRequest,
    walk: Walk,
) -> Statement {
    let mut s = Statement::default();
    s.sql("SELECT ").sql(PAGE_COLUMNS).sql(" FROM (");
    page_ids(&mut s, filter, cursor, page, walk);
    s.sql(
        ") p CROSS JOIN messages m ON m.id = p.id \
         CROSS JOIN clients c ON c.id = m.client_id",
    );
    s
}

/// How the total is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Total {
    /// Summed from `message_tallies` over whole days, plus the partial days at the ends.
    Tallies,
    /// One client's messages, from `client_message_counts`.
    Client,
    /// The name's clients' messages, summed from `client_message_counts`.
    Named,
    /// Counted on the rows (combined filters).
    Rows(Walk),
}

/// Which total applies to `filter`.
pub(super) fn total_kind(filter: &MessageFilter) -> Total {
    let on_message = filter.from.is_some()
        || filter.to.is_some()
        || filter.status.is_some()
        || filter.channel.is_some()
        || filter.direction.is_some();
    match (&filter.name, filter.client_id, filter.unanswered) {
        (None, None, false) => Total::Tallies,
        (None, Some(_), false) if !on_message => Total::Client,
        (Some(_), None, false) if !on_message => Total::Named,
        (_, _, true) => Total::Rows(Walk::Unanswered),
        (Some(_), None, false) => Total::Rows(Walk::NamedClients),
        _ => Total::Rows(Walk::Messages),
    }
}

/// `count(*)` of the rows matching `filter`, read as `walk` reads them (without ordering).
pub(super) fn count_statement(filter: &MessageFilter, walk: Walk) -> Statement {
    let mut s = Statement::default();
    s.sql("SELECT COUNT(*) AS n FROM ");
    match walk {
        Walk::Messages => {
            s.sql("messages m WHERE 1 = 1");
            name_check(&mut s, filter, "m.client_id");
        }
        Walk::NamedClients => {
            named_clients(&mut s, name_fragment(filter).unwrap_or_default());
            s.sql(" CROSS JOIN messages m ON m.client_id = k.id WHERE 1 = 1");
        }
        Walk::Unanswered => {
            s.sql("dialogues d");
            unanswered_joins(&mut s, filter);
        }
    }
    message_conditions(&mut s, filter);
    s
}

/// The sum of the tallies of the whole days `[first, end)` matching the filter's status,
/// channel and direction.
pub(super) fn tallies_statement(
    filter: &MessageFilter,
    first: Option<i64>,
    end: Option<i64>,
) -> Statement {
    let mut s = Statement::default();
    s.sql("SELECT COALESCE(SUM(t.n), 0) AS n FROM message_tallies t WHERE 1 = 1");
    if let Some(first) = first {
        s.int(" AND t.day >= ?", first);
    }
    if let Some(end) = end {
        s.int(" AND t.day < ?", end);
    }
    if let Some(status) = filter.status {
        s.text(" AND t.status = ?", status.code().to_owned());
    }
    if let Some(channel) = filter.channel {
        s.text(" AND t.channel = ?", channel.code().to_owned());
    }
    if let Some(direction) = filter.direction {
        s.text(" AND t.direction = ?", direction.code().to_owned());
    }
    s
}

/// The messages of one client.
pub(super) fn client_total_statement(client_id: i64) -> Statement {
    let mut s = Statement::default();
    s.int(
        "SELECT COALESCE((SELECT k.n FROM client_message_counts k WHERE k.client_id = ?), 0) \
         AS n",
        client_id,
    );
    s
}

/// The messages of the clients whose name contains the fragment.
pub(super) fn named_total_statement(fragment: String) -> Statement {
    let mut s = Statement::default();
    s.text(
        "SELECT COALESCE(SUM(k.n), 0) AS n FROM client_message_counts k \
         WHERE instr(k.search_name, ?) > 0",
        fragment,
    );
    s
}

/// A count read by a statement.
#[derive(Debug, QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn scalar(conn: &mut SqliteConnection, s: &Statement) -> Result<i64, Failure> {
    Ok(s.query().get_result::<Count>(conn)?.n)
}

/// The filter's total from the tallies: whole days from `message_tallies`, the partial days at
/// the ends of the period counted through the time index.
fn tallied_total(conn: &mut SqliteConnection, filter: &MessageFilter) -> Result<i64, Failure> {
    let from = filter.from.map(|t| t.unix_millis());
    let to = filter.to.map(|t| t.unix_millis());
    // The whole days inside the period: [first, end).
    let first = from.map(|f| f.div_euclid(DAY_MS) + i64::from(f.rem_euclid(DAY_MS) != 0));
    let end = to.map(|t| t.div_euclid(DAY_MS));
    if let (Some(first), Some(end)) = (first, end) {
        if first >= end {
            // Within two days at most: count the rows.
            return scalar(conn, &count_statement(filter, Walk::Messages));
        }
    }
    let mut total = scalar(conn, &tallies_statement(filter, first, end))?;
    let edge = |conn: &mut SqliteConnection, lo: i64, hi: i64| {
        if lo >= hi {
            return Ok(0);
        }
        let mut s = Statement::default();
        s.sql("SELECT COUNT(*) AS n FROM messages m WHERE 1 = 1");
        conditions_within(&mut s, filter, Some(lo), Some(hi));
        scalar(conn, &s)
    };
    if let (Some(from), Some(first)) = (from, first) {
        total += edge(conn, from, first * DAY_MS)?;
    }
    if let (Some(to), Some(end)) = (to, end) {
        total += edge(conn, end * DAY_MS, to)?;
    }
    Ok(total)
}

/// Where the `before` message stands; `NotFound` when there is no such message.
fn cursor(conn: &mut SqliteConnection, filter: &MessageFilter) -> Result<Option<Cursor>, Failure> {
    let Some(before) = filter.before else {
        return Ok(None);
    };
    let mut s = Statement::default();
    s.int(
        "SELECT m.created_at AS n FROM messages m WHERE m.id = ?",
        before.get(),
    );
    let at = s
        .query()
        .get_result::<Count>(conn)
        .optional()?
        .ok_or(Failure(RepoError::NotFound))?
        .n;
    Ok(Some(Cursor {
        at,
        id: before.get(),
    }))
}

/// Whether a name matching `matched` of about `all` messages is better walked newest first
/// (reading about `rows × all / matched` messages) than read client by client and sorted
/// (reading `matched`).
pub(super) fn walk_by_time(matched: i64, all: i64, rows: i64) -> bool {
    i128::from(matched) * i128::from(matched) > i128::from(rows) * i128::from(all)
}

/// The page and total of the registry.
pub(super) fn list(
    conn: &mut SqliteConnection,
    filter: &MessageFilter,
    page: PageRequest,
) -> Result<(Vec<MessageRow>, i64), Failure> {
    let cursor = cursor(conn, filter)?;
    let kind = total_kind(filter);
    let total = match &kind {
        Total::Tallies => tallied_total(conn, filter)?,
        Total::Client => scalar(
            conn,
            &client_total_statement(filter.client_id.map_or(0, |c| c.get())),
        )?,
        Total::Named => scalar(
            conn,
            &named_total_statement(name_fragment(filter).unwrap_or_default()),
        )?,
        Total::Rows(walk) => scalar(conn, &count_statement(filter, *walk))?,
    };
    let walk = if filter.unanswered {
        Walk::Unanswered
    } else if filter.name.is_some() && filter.client_id.is_none() {
        // The name's share of all messages decides. The total is the name's messages (under
        // the other filters, if any).
        let matched = total;
        if matched == 0 {
            return Ok((Vec::new(), total));
        }
        let mut last = Statement::default();
        last.sql("SELECT COALESCE(MAX(m.id), 0) AS n FROM messages m");
        let all = scalar(conn, &last)?;
        let rows = i64::from(page.limit())
            .saturating_add(i64::try_from(page.offset()).unwrap_or(i64::MAX));
        if walk_by_time(matched, all, rows) {
            Walk::Messages
        } else {
            Walk::NamedClients
        }
    } else {
        Walk::Messages
    };
    let mut rows = page_statement(filter, cursor, page, walk)
        .query()
        .load::<MessageRow>(conn)?;
    rows.sort_unstable_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    Ok((rows, total))
}
