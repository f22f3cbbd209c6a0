//! [`SqliteNewsRepository`]: news posts and their tracking in SQLite, implementing
//! [`crm_comms::news::NewsRepository`].
//!
//! A post is one `news_posts` row (buttons as a JSON array). The feed is one index-ordered
//! read of `news_posts_feed` (status, pinned, publish time, id); the admin list is a Diesel
//! query with only the filters asked for, so SQLite picks the matching index. Events are
//! appended to `news_events`; the statistics are two aggregate queries over the post's events
//! (index `news_events_by_post`) and the purchases attributed to it (see [`STATS`]). An edit
//! raises the post's `version`; one that names the version it was made from is guarded by
//! `WHERE id = ? AND version = ?`.

mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crm_comms::news::{
    EventFigures, NewNewsEvent, NewsButton, NewsEvent, NewsEventKind, NewsFilter, NewsPost,
    NewsRecord, NewsRepository, NewsStats, NewsStatus, NewsStatusFilter,
};
use crm_core::{ClientId, Money, NewsPostId, OperationId, Page, PageRequest, RepoError, Timestamp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use schema::{news_events, news_posts};

/// News stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteNewsRepository {
    db: Database,
}

impl SqliteNewsRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `news_posts` row.
#[derive(Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = news_posts)]
struct PostRow {
    id: i64,
    title: String,
    body: String,
    image_url: Option<String>,
    buttons: String,
    status: String,
    pinned: bool,
    publish_at: Option<i64>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl PostRow {
    fn into_post(self) -> Result<NewsPost, RepoError> {
        let id = self.id;
        let buttons: Vec<NewsButton> =
            serde_json::from_str(&self.buttons).map_err(|_| corrupt("news buttons", id))?;
        Ok(NewsPost {
            id: NewsPostId(id),
            title: self.title,
            body: self.body,
            image_url: self.image_url,
            buttons,
            status: NewsStatus::from_code(&self.status)
                .ok_or_else(|| corrupt("news status", id))?,
            pinned: self.pinned,
            publish_at: self
                .publish_at
                .map(|ms| stored_time(ms, "news publish_at", id))
                .transpose()?,
            created_by: self.created_by,
            created_at: stored_time(self.created_at, "news created_at", id)?,
            updated_at: stored_time(self.updated_at, "news updated_at", id)?,
            version: self.version,
        })
    }
}

fn posts(rows: Vec<PostRow>) -> Result<Vec<NewsPost>, RepoError> {
    rows.into_iter().map(PostRow::into_post).collect()
}

fn buttons_json(buttons: &[NewsButton]) -> Result<String, RepoError> {
    serde_json::to_string(buttons)
        .map_err(|e| RepoError::Unavailable(format!("cannot encode news buttons: {e}")))
}

/// The feed at `?1` (millis): published posts whose time has come, pinned first, newest
/// publish time, in the order of index `news_posts_feed`; `?2` limit, `?3` offset.
pub(crate) const FEED: &str = "\
SELECT id, title, body, image_url, buttons, status, pinned, publish_at, created_by, created_at, \
updated_at, version FROM news_posts \
WHERE status = 'published' AND publish_at <= ?1 \
ORDER BY pinned DESC, publish_at DESC, id DESC LIMIT ?2 OFFSET ?3";

/// How many posts the feed at `?1` has.
pub(crate) const FEED_COUNT: &str = "\
SELECT COUNT(*) AS n FROM news_posts WHERE status = 'published' AND publish_at <= ?1";

/// Per event kind of post `?1`: events, and distinct actors (a client, or the visitor of an
/// event without a client).
pub(crate) const EVENT_FIGURES: &str = "\
SELECT event, COUNT(*) AS events, \
  COUNT(DISTINCT client_id) + COUNT(DISTINCT CASE WHEN client_id IS NULL THEN visitor_id END) \
    AS actors \
FROM news_events WHERE news_post_id = ?1 GROUP BY event";

/// The funnel of post `?1` with an attribution window of `?2` milliseconds. An actor is a
/// client (`c<id>`), or the visitor of an event without a client (`v<id>`); their first touch
/// is their first view, transition or click of the post.
/// - Attributed purchases: a client's purchases made from their first touch until the window
///   after it ends (a purchase a `purchase` event names counts only so, never outside the
///   window); their count and net total (total minus refunds).
/// - Purchasers: clients with an attributed purchase, and actors of a `purchase` event naming
///   no operation reported within their window.
/// - The funnel's intersections: viewers who clicked, purchasers who clicked, purchasers who
///   viewed (so no rate exceeds 1).
///
/// `CROSS JOIN` and the unary `+` on `kind` keep SQLite reading the operations per touched
/// client (an index on `client_id`), never all purchases.
pub(crate) const STATS: &str = "\
WITH ev AS ( \
  SELECT event, client_id, operation_id, at, \
    CASE WHEN client_id IS NOT NULL THEN 'c' || client_id ELSE 'v' || visitor_id END AS actor \
  FROM news_events WHERE news_post_id = ?1), \
first_touch AS ( \
  SELECT actor, MAX(client_id) AS client_id, MIN(at) AS first_at FROM ev \
  WHERE event IN ('view', 'transition', 'click') GROUP BY actor), \
attributed AS ( \
  SELECT o.id, o.client_id, o.total - o.refunded_total AS net \
  FROM first_touch f CROSS JOIN operations o ON o.client_id = f.client_id \
  WHERE +o.kind = 'purchase' AND o.created_at >= f.first_at \
    AND o.created_at < f.first_at + ?2), \
purchasers AS ( \
  SELECT 'c' || client_id AS actor FROM attributed \
  UNION \
  SELECT e.actor FROM ev e JOIN first_touch f ON f.actor = e.actor \
  WHERE e.event = 'purchase' AND e.operation_id IS NULL \
    AND e.at >= f.first_at AND e.at < f.first_at + ?2), \
viewers AS (SELECT DISTINCT actor FROM ev WHERE event = 'view'), \
clickers AS (SELECT DISTINCT actor FROM ev WHERE event = 'click') \
SELECT \
  (SELECT COUNT(*) FROM attributed) AS purchases, \
  (SELECT COALESCE(SUM(net), 0) FROM attributed) AS revenue, \
  (SELECT COUNT(*) FROM purchasers) AS purchasers, \
  (SELECT COUNT(*) FROM viewers JOIN clickers USING (actor)) AS viewers_who_clicked, \
  (SELECT COUNT(*) FROM purchasers JOIN clickers USING (actor)) AS purchasers_who_clicked, \
  (SELECT COUNT(*) FROM purchasers JOIN viewers USING (actor)) AS purchasers_who_viewed";

/// One day in milliseconds.
const DAY_MILLIS: i64 = 86_400_000;

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct FigureRow {
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = BigInt)]
    events: i64,
    #[diesel(sql_type = BigInt)]
    actors: i64,
}

#[derive(QueryableByName)]
struct StatsRow {
    #[diesel(sql_type = BigInt)]
    purchases: i64,
    #[diesel(sql_type = BigInt)]
    revenue: i64,
    #[diesel(sql_type = BigInt)]
    purchasers: i64,
    #[diesel(sql_type = BigInt)]
    viewers_who_clicked: i64,
    #[diesel(sql_type = BigInt)]
    purchasers_who_clicked: i64,
    #[diesel(sql_type = BigInt)]
    purchasers_who_viewed: i64,
}

#[derive(QueryableByName)]
struct OwnerRow {
    #[diesel(sql_type = BigInt)]
    client_id: i64,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn offset(page: PageRequest) -> i64 {
    i64::try_from(page.offset()).unwrap_or(i64::MAX)
}

/// `%fragment%` for `LIKE … ESCAPE '\'`, with the fragment's own wildcards escaped.
fn like_pattern(fragment: &str) -> String {
    let mut pattern = String::with_capacity(fragment.len() + 2);
    pattern.push('%');
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl NewsRepository for SqliteNewsRepository {
    fn insert(
        &self,
        record: &NewsRecord,
        created_by: &str,
        at: Timestamp,
    ) -> Result<NewsPost, RepoError> {
        let buttons = buttons_json(&record.buttons)?;
        let at = at.unix_millis();
        let mut conn = self.db.conn()?;
        let row = conn.immediate_transaction(|conn| {
            diesel::insert_into(news_posts::table)
                .values((
                    news_posts::title.eq(&record.title),
                    news_posts::title_lower.eq(&record.title_lower),
                    news_posts::body.eq(&record.body),
                    news_posts::image_url.eq(record.image_url.as_deref()),
                    news_posts::buttons.eq(&buttons),
                    news_posts::status.eq(record.status.code()),
                    news_posts::pinned.eq(record.pinned),
                    news_posts::publish_at.eq(record.publish_at.map(Timestamp::unix_millis)),
                    news_posts::created_by.eq(created_by),
                    news_posts::created_at.eq(at),
                    news_posts::updated_at.eq(at),
                ))
                .returning(PostRow::as_returning())
                .get_result(conn)
                .map_err(Failure::from)
        })?;
        row.into_post()
    }

    fn get(&self, id: NewsPostId) -> Result<Option<NewsPost>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = news_posts::table
            .find(id.get())
            .select(PostRow::as_select())
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        row.map(PostRow::into_post).transpose()
    }

    fn update(
        &self,
        id: NewsPostId,
        record: &NewsRecord,
        expected_version: Option<i64>,
        at: Timestamp,
    ) -> Result<Option<NewsPost>, RepoError> {
        let buttons = buttons_json(&record.buttons)?;
        let mut conn = self.db.conn()?;
        let row = conn.immediate_transaction(|conn| {
            let changes = (
                news_posts::title.eq(&record.title),
                news_posts::title_lower.eq(&record.title_lower),
                news_posts::body.eq(&record.body),
                news_posts::image_url.eq(record.image_url.as_deref()),
                news_posts::buttons.eq(&buttons),
                news_posts::status.eq(record.status.code()),
                news_posts::pinned.eq(record.pinned),
                news_posts::publish_at.eq(record.publish_at.map(Timestamp::unix_millis)),
                news_posts::updated_at.eq(at.unix_millis()),
                news_posts::version.eq(news_posts::version + 1),
            );
            let post = news_posts::table.find(id.get());
            match expected_version {
                // The version guard: `WHERE id = ? AND version = ?`.
                Some(version) => diesel::update(post.filter(news_posts::version.eq(version)))
                    .set(changes)
                    .returning(PostRow::as_returning())
                    .get_result(conn),
                None => diesel::update(post)
                    .set(changes)
                    .returning(PostRow::as_returning())
                    .get_result(conn),
            }
            .optional()
            .map_err(Failure::from)
        })?;
        row.map(PostRow::into_post).transpose()
    }

    fn list(&self, filter: &NewsFilter, page: PageRequest) -> Result<Page<NewsPost>, RepoError> {
        let now = filter.now.map(Timestamp::unix_millis).unwrap_or(i64::MAX);
        let filtered = || {
            let mut q = news_posts::table.into_boxed();
            q = match filter.status {
                Some(NewsStatusFilter::Draft) => q.filter(news_posts::status.eq("draft")),
                Some(NewsStatusFilter::Archived) => q.filter(news_posts::status.eq("archived")),
                Some(NewsStatusFilter::Published) => q
                    .filter(news_posts::status.eq("published"))
                    .filter(news_posts::publish_at.le(now)),
                Some(NewsStatusFilter::Scheduled) => q
                    .filter(news_posts::status.eq("published"))
                    .filter(news_posts::publish_at.gt(now)),
                None => q,
            };
            if let Some(pinned) = filter.pinned {
                q = q.filter(news_posts::pinned.eq(pinned));
            }
            if let Some(fragment) = &filter.title_fragment {
                q = q.filter(
                    news_posts::title_lower
                        .like(like_pattern(fragment))
                        .escape('\\'),
                );
            }
            if let Some(from) = filter.created_from {
                q = q.filter(news_posts::created_at.ge(from.unix_millis()));
            }
            if let Some(to) = filter.created_to {
                q = q.filter(news_posts::created_at.le(to.unix_millis()));
            }
            q
        };
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<PostRow> = filtered()
                .order((news_posts::created_at.desc(), news_posts::id.desc()))
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .select(PostRow::as_select())
                .load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        Ok(Page {
            items: posts(rows)?,
            total: count(total),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn feed(&self, now: Timestamp, page: PageRequest) -> Result<Page<NewsPost>, RepoError> {
        let now = now.unix_millis();
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let total: CountRow = diesel::sql_query(FEED_COUNT)
                .bind::<BigInt, _>(now)
                .get_result(conn)?;
            let rows: Vec<PostRow> = diesel::sql_query(FEED)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(i64::from(page.limit()))
                .bind::<BigInt, _>(offset(page))
                .load(conn)?;
            Ok::<_, Failure>((rows, total.n))
        })?;
        Ok(Page {
            items: posts(rows)?,
            total: count(total),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let row: CountRow = diesel::sql_query("SELECT COUNT(*) AS n FROM clients WHERE id = ?1")
            .bind::<BigInt, _>(id.get())
            .get_result(&mut conn)
            .map_err(Failure::from)?;
        Ok(row.n > 0)
    }

    fn purchase_client(&self, id: OperationId) -> Result<Option<(ClientId, Timestamp)>, RepoError> {
        let mut conn = self.db.conn()?;
        let row: Option<OwnerRow> = diesel::sql_query(
            "SELECT client_id, created_at FROM operations WHERE id = ?1 AND kind = 'purchase'",
        )
        .bind::<BigInt, _>(id.get())
        .get_result(&mut conn)
        .optional()
        .map_err(Failure::from)?;
        row.map(|r| {
            let at = stored_time(r.created_at, "operation created_at", id.get())?;
            Ok((ClientId(r.client_id), at))
        })
        .transpose()
    }

    fn record_event(&self, event: &NewNewsEvent) -> Result<NewsEvent, RepoError> {
        let mut conn = self.db.conn()?;
        let id = conn.immediate_transaction(|conn| {
            diesel::insert_into(news_events::table)
                .values((
                    news_events::news_post_id.eq(event.news_post_id.get()),
                    news_events::event.eq(event.event.code()),
                    news_events::client_id.eq(event.client_id.map(ClientId::get)),
                    news_events::visitor_id.eq(event.visitor_id.as_deref()),
                    news_events::operation_id.eq(event.operation_id.map(OperationId::get)),
                    news_events::at.eq(event.at.unix_millis()),
                ))
                .returning(news_events::id)
                .get_result::<i64>(conn)
                .map_err(Failure::from)
        })?;
        Ok(NewsEvent {
            id,
            event: event.clone(),
        })
    }

    fn stats(&self, id: NewsPostId, window_days: u32) -> Result<NewsStats, RepoError> {
        let window = i64::from(window_days) * DAY_MILLIS;
        let mut conn = self.db.conn()?;
        let (figures, summary) = conn.transaction(|conn| {
            let figures: Vec<FigureRow> = diesel::sql_query(EVENT_FIGURES)
                .bind::<BigInt, _>(id.get())
                .load(conn)?;
            let summary: StatsRow = diesel::sql_query(STATS)
                .bind::<BigInt, _>(id.get())
                .bind::<BigInt, _>(window)
                .get_result(conn)?;
            Ok::<_, Failure>((figures, summary))
        })?;
        let mut events: Vec<EventFigures> = NewsEventKind::ALL
            .into_iter()
            .map(|event| EventFigures {
                event,
                count: 0,
                unique: 0,
            })
            .collect();
        for row in figures {
            let kind = NewsEventKind::from_code(&row.event)
                .ok_or_else(|| corrupt("news event kind", id.get()))?;
            if let Some(slot) = events.iter_mut().find(|f| f.event == kind) {
                slot.count = count(row.events);
                slot.unique = count(row.actors);
            }
        }
        Ok(NewsStats {
            window_days,
            events,
            purchasers: count(summary.purchasers),
            viewers_who_clicked: count(summary.viewers_who_clicked),
            purchasers_who_clicked: count(summary.purchasers_who_clicked),
            purchasers_who_viewed: count(summary.purchasers_who_viewed),
            purchases: count(summary.purchases),
            revenue: Money::from_minor(summary.revenue),
        })
    }
}
