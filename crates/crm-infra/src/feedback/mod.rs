//! [`SqliteFeedbackRepository`]: feedback in SQLite, implementing
//! [`crm_comms::feedback::FeedbackRepository`].
//!
//! One `feedback` row per entry. A rating of an appointment is written in one immediate
//! transaction that updates the client's earlier rating of that appointment or inserts a new
//! one; the partial unique index `feedback_one_rating_per_appointment` keeps it to one row even
//! against a concurrent writer. The admin list is one query joining `clients` and `products`
//! (no per-row look-ups) whose `WHERE` clause holds only the filters given, so each one is
//! served by its index; the averages are one `GROUP BY` aggregate in integer arithmetic.

mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crm_comms::appointments::AppointmentStatus;
use crm_comms::feedback::{
    AppointmentRef, Feedback, FeedbackAnswer, FeedbackFilter, FeedbackKind, FeedbackRepository,
    FeedbackSource, NewFeedback, Period, ProductRating, Saved,
};
use crm_core::{
    AppointmentId, ClientId, EmployeeId, FeedbackId, MessageId, OperationId, Page, PageRequest,
    ProductId, RepoError,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::Sqlite;
use schema::feedback;

/// Feedback stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteFeedbackRepository {
    db: Database,
}

impl SqliteFeedbackRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Runs raw SQL (test set-up such as appointments written by hand); returns the rows
    /// changed. Only with the `test-support` feature.
    #[cfg(feature = "test-support")]
    pub fn execute_sql(&self, sql: &str) -> Result<usize, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(diesel::sql_query(sql)
            .execute(&mut conn)
            .map_err(Failure::from)?)
    }
}

/// The columns every read selects: the entry with its client's and product's names.
const SELECT: &str = "SELECT f.id, f.client_id, c.full_name AS client_name, f.kind, \
     f.product_id, p.name AS product_name, f.appointment_id, f.operation_id, f.rating, f.text, \
     f.source, f.created_by, f.answer_text, f.answered_at, f.answered_by, f.answer_message_id, \
     f.created_at, f.updated_at \
     FROM feedback f JOIN clients c ON c.id = f.client_id \
     LEFT JOIN products p ON p.id = f.product_id";

/// A feedback row with the joined names.
#[derive(Debug, QueryableByName)]
struct FeedbackRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = Text)]
    client_name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    product_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    product_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    appointment_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    operation_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    rating: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    created_by: String,
    #[diesel(sql_type = Nullable<Text>)]
    answer_text: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    answered_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    answered_by: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    answer_message_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
    #[diesel(sql_type = BigInt)]
    updated_at: i64,
}

impl FeedbackRow {
    fn into_feedback(self) -> Result<Feedback, RepoError> {
        let id = self.id;
        let bad = |what: &str| corrupt(what, id);
        let answer = match (
            self.answer_text,
            self.answered_at,
            self.answered_by,
            self.answer_message_id,
        ) {
            (Some(text), Some(at), Some(by), Some(message)) => Some(FeedbackAnswer {
                text,
                answered_by: EmployeeId(by),
                answered_at: stored_time(at, "feedback answered_at", id)?,
                message_id: MessageId(message),
            }),
            (None, None, None, None) => None,
            _ => return Err(bad("feedback answer")),
        };
        Ok(Feedback {
            id: FeedbackId(id),
            client_id: ClientId(self.client_id),
            client_name: self.client_name,
            kind: FeedbackKind::from_code(&self.kind).ok_or_else(|| bad("feedback kind"))?,
            product_id: self.product_id.map(ProductId),
            product_name: self.product_name,
            appointment_id: self.appointment_id.map(AppointmentId),
            operation_id: self.operation_id.map(OperationId),
            rating: self
                .rating
                .map(|r| u8::try_from(r).map_err(|_| bad("feedback rating")))
                .transpose()?,
            text: self.text,
            source: FeedbackSource::from_code(&self.source)
                .ok_or_else(|| bad("feedback source"))?,
            created_by: self.created_by,
            answer,
            created_at: stored_time(self.created_at, "feedback created_at", id)?,
            updated_at: stored_time(self.updated_at, "feedback updated_at", id)?,
        })
    }
}

#[derive(Debug, QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(Debug, QueryableByName)]
struct AppointmentRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = BigInt)]
    service_id: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    starts_at: i64,
}

#[derive(Debug, QueryableByName)]
struct ClientRow {
    #[diesel(sql_type = BigInt)]
    client_id: i64,
}

#[derive(Debug, QueryableByName)]
struct RatingRow {
    #[diesel(sql_type = BigInt)]
    product_id: i64,
    #[diesel(sql_type = Text)]
    product_name: String,
    #[diesel(sql_type = Text)]
    product_kind: String,
    #[diesel(sql_type = BigInt)]
    ratings: i64,
    #[diesel(sql_type = BigInt)]
    average_hundredths: i64,
}

/// A value bound to a `?` of a query built from the filters given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
}

/// The `WHERE` clause over `feedback AS f` holding only the filters given, and its values.
pub(crate) fn filter_sql(filter: &FeedbackFilter) -> (String, Vec<Arg>) {
    let mut conditions: Vec<&str> = Vec::new();
    let mut args = Vec::new();
    if let Some(kind) = filter.kind {
        conditions.push("f.kind = ?");
        args.push(Arg::Text(kind.code().to_owned()));
    }
    if let Some(product) = filter.product_id {
        conditions.push("f.product_id = ?");
        args.push(Arg::Int(product.get()));
    }
    if let Some(client) = filter.client_id {
        conditions.push("f.client_id = ?");
        args.push(Arg::Int(client.get()));
    }
    if filter.kind.is_none() && (filter.rating_min.is_some() || filter.rating_max.is_some()) {
        // Only ratings have a score: the kind's index serves the score range.
        conditions.push("f.kind = 'rating'");
    }
    if let Some(min) = filter.rating_min {
        conditions.push("f.rating >= ?");
        args.push(Arg::Int(min));
    }
    if let Some(max) = filter.rating_max {
        conditions.push("f.rating <= ?");
        args.push(Arg::Int(max));
    }
    if let Some(from) = filter.period.from {
        conditions.push("f.created_at >= ?");
        args.push(Arg::Int(from.unix_millis()));
    }
    if let Some(to) = filter.period.to {
        conditions.push("f.created_at < ?");
        args.push(Arg::Int(to.unix_millis()));
    }
    match filter.answered {
        Some(true) => conditions.push("f.answered_at IS NOT NULL"),
        Some(false) => conditions.push("f.answered_at IS NULL"),
        None => {}
    }
    if conditions.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", conditions.join(" AND ")), args)
    }
}

/// The list query of a filter (without paging), newest first.
pub(crate) fn list_sql(filter: &FeedbackFilter) -> (String, Vec<Arg>) {
    let (filters, args) = filter_sql(filter);
    (
        format!("{SELECT}{filters} ORDER BY f.created_at DESC, f.id DESC"),
        args,
    )
}

/// A query with its values bound in order.
pub(crate) fn bound<'a>(
    sql: String,
    args: &'a [Arg],
) -> diesel::query_builder::BoxedSqlQuery<'a, Sqlite, diesel::query_builder::SqlQuery> {
    let mut query = diesel::sql_query(sql).into_boxed::<Sqlite>();
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind::<BigInt, _>(*v),
            Arg::Text(v) => query.bind::<Text, _>(v.as_str()),
        };
    }
    query
}

fn load_one(conn: &mut SqliteConnection, id: i64) -> Result<Option<FeedbackRow>, Failure> {
    Ok(diesel::sql_query(format!("{SELECT} WHERE f.id = ?"))
        .bind::<BigInt, _>(id)
        .get_result::<FeedbackRow>(conn)
        .optional()?)
}

fn loaded(row: Option<FeedbackRow>) -> Result<Feedback, RepoError> {
    row.ok_or_else(|| RepoError::Unavailable("stored feedback vanished".into()))?
        .into_feedback()
}

fn insert_row(conn: &mut SqliteConnection, record: &NewFeedback) -> Result<i64, Failure> {
    let at = record.at.unix_millis();
    Ok(diesel::insert_into(feedback::table)
        .values((
            feedback::client_id.eq(record.client_id.get()),
            feedback::kind.eq(record.kind.code()),
            feedback::product_id.eq(record.product_id.map(ProductId::get)),
            feedback::appointment_id.eq(record.appointment_id.map(AppointmentId::get)),
            feedback::operation_id.eq(record.operation_id.map(OperationId::get)),
            feedback::rating.eq(record.rating.map(i64::from)),
            feedback::text.eq(record.text.as_deref()),
            feedback::source.eq(record.source.code()),
            feedback::created_by.eq(&record.created_by),
            feedback::created_at.eq(at),
            feedback::updated_at.eq(at),
        ))
        .returning(feedback::id)
        .get_result(conn)?)
}

fn exists(conn: &mut SqliteConnection, sql: &str, id: i64) -> Result<bool, RepoError> {
    let found: Option<CountRow> = diesel::sql_query(sql)
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .optional()
        .map_err(Failure::from)?;
    Ok(found.is_some())
}

impl FeedbackRepository for SqliteFeedbackRepository {
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        exists(
            &mut conn,
            "SELECT 1 AS n FROM clients WHERE id = ?",
            id.get(),
        )
    }

    fn product_exists(&self, id: ProductId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        exists(
            &mut conn,
            "SELECT 1 AS n FROM products WHERE id = ?",
            id.get(),
        )
    }

    fn appointment(&self, id: AppointmentId) -> Result<Option<AppointmentRef>, RepoError> {
        let mut conn = self.db.conn()?;
        let row: Option<AppointmentRow> = diesel::sql_query(
            "SELECT id, client_id, service_id, status, starts_at FROM appointments WHERE id = ?",
        )
        .bind::<BigInt, _>(id.get())
        .get_result(&mut conn)
        .optional()
        .map_err(Failure::from)?;
        row.map(|r| {
            Ok(AppointmentRef {
                client_id: ClientId(r.client_id),
                service_id: ProductId(r.service_id),
                status: AppointmentStatus::parse(&r.status)
                    .ok_or_else(|| corrupt("appointment status", r.id))?,
                starts_at: stored_time(r.starts_at, "appointment starts_at", r.id)?,
            })
        })
        .transpose()
    }

    fn operation_client(&self, id: OperationId) -> Result<Option<ClientId>, RepoError> {
        let mut conn = self.db.conn()?;
        let row: Option<ClientRow> =
            diesel::sql_query("SELECT client_id FROM operations WHERE id = ?")
                .bind::<BigInt, _>(id.get())
                .get_result(&mut conn)
                .optional()
                .map_err(Failure::from)?;
        Ok(row.map(|r| ClientId(r.client_id)))
    }

    fn insert(&self, record: &NewFeedback) -> Result<Feedback, RepoError> {
        let mut conn = self.db.conn()?;
        let row = conn.immediate_transaction(|conn| {
            let id = insert_row(conn, record)?;
            load_one(conn, id)
        })?;
        loaded(row)
    }

    fn upsert_rating(&self, record: &NewFeedback) -> Result<Saved, RepoError> {
        let mut conn = self.db.conn()?;
        let (row, created) = conn.immediate_transaction(|conn| {
            let earlier: Option<i64> = match record.appointment_id {
                Some(appointment) => feedback::table
                    .filter(feedback::kind.eq(FeedbackKind::Rating.code()))
                    .filter(feedback::client_id.eq(record.client_id.get()))
                    .filter(feedback::appointment_id.eq(appointment.get()))
                    .select(feedback::id)
                    .first(conn)
                    .optional()?,
                None => None,
            };
            let (id, created) = match earlier {
                Some(id) => {
                    diesel::update(feedback::table.find(id))
                        .set((
                            feedback::rating.eq(record.rating.map(i64::from)),
                            feedback::text.eq(record.text.as_deref()),
                            feedback::product_id.eq(record.product_id.map(ProductId::get)),
                            feedback::operation_id.eq(record.operation_id.map(OperationId::get)),
                            feedback::updated_at.eq(record.at.unix_millis()),
                        ))
                        .execute(conn)?;
                    (id, false)
                }
                None => (insert_row(conn, record)?, true),
            };
            Ok::<_, Failure>((load_one(conn, id)?, created))
        })?;
        Ok(Saved {
            feedback: loaded(row)?,
            created,
        })
    }

    fn get(&self, id: FeedbackId) -> Result<Option<Feedback>, RepoError> {
        let mut conn = self.db.conn()?;
        load_one(&mut conn, id.get())?
            .map(FeedbackRow::into_feedback)
            .transpose()
    }

    fn list(
        &self,
        filter: &FeedbackFilter,
        page: PageRequest,
    ) -> Result<Page<Feedback>, RepoError> {
        let (filters, args) = filter_sql(filter);
        let (sql, _) = list_sql(filter);
        let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let total: CountRow = bound(
                format!("SELECT COUNT(*) AS n FROM feedback f{filters}"),
                &args,
            )
            .get_result(conn)?;
            let rows: Vec<FeedbackRow> = bound(format!("{sql} LIMIT ? OFFSET ?"), &args)
                .bind::<BigInt, _>(i64::from(page.limit()))
                .bind::<BigInt, _>(offset)
                .load(conn)?;
            Ok::<_, Failure>((rows, total.n))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(FeedbackRow::into_feedback)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn ratings(&self, period: &Period) -> Result<Vec<ProductRating>, RepoError> {
        let mut conditions = String::new();
        let mut args = Vec::new();
        if let Some(from) = period.from {
            conditions.push_str(" AND f.created_at >= ?");
            args.push(Arg::Int(from.unix_millis()));
        }
        if let Some(to) = period.to {
            conditions.push_str(" AND f.created_at < ?");
            args.push(Arg::Int(to.unix_millis()));
        }
        let sql = format!(
            "SELECT p.id AS product_id, p.name AS product_name, p.kind AS product_kind, \
             COUNT(*) AS ratings, \
             (SUM(f.rating) * 200 + COUNT(*)) / (COUNT(*) * 2) AS average_hundredths \
             FROM feedback f JOIN products p ON p.id = f.product_id \
             WHERE f.kind = 'rating' AND f.product_id IS NOT NULL{conditions} \
             GROUP BY p.id, p.name, p.kind \
             ORDER BY average_hundredths DESC, p.name_lower, p.id"
        );
        let mut conn = self.db.conn()?;
        let rows: Vec<RatingRow> = bound(sql, &args).load(&mut conn).map_err(Failure::from)?;
        rows.into_iter()
            .map(|r| {
                Ok(ProductRating {
                    product_id: ProductId(r.product_id),
                    product_name: r.product_name,
                    product_kind: r.product_kind,
                    ratings: u64::try_from(r.ratings)
                        .map_err(|_| corrupt("rating count", r.product_id))?,
                    average_hundredths: u32::try_from(r.average_hundredths)
                        .map_err(|_| corrupt("rating average", r.product_id))?,
                })
            })
            .collect()
    }

    fn record_answer(
        &self,
        id: FeedbackId,
        answer: &FeedbackAnswer,
    ) -> Result<Option<Feedback>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = conn.immediate_transaction(|conn| {
            let changed = diesel::update(feedback::table.find(id.get()))
                .set((
                    feedback::answer_text.eq(&answer.text),
                    feedback::answered_at.eq(answer.answered_at.unix_millis()),
                    feedback::answered_by.eq(answer.answered_by.get()),
                    feedback::answer_message_id.eq(answer.message_id.get()),
                    feedback::updated_at.eq(answer.answered_at.unix_millis()),
                ))
                .execute(conn)?;
            if changed == 0 {
                return Ok::<_, Failure>(None);
            }
            load_one(conn, id.get())
        })?;
        row.map(FeedbackRow::into_feedback).transpose()
    }
}
