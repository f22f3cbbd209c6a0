//! [`SqliteTrafficChannelRepository`]: traffic channels in SQLite, implementing
//! [`crm_clients::traffic::TrafficChannelRepository`].
//!
//! A channel is one `traffic_channels` row (the code is UNIQUE, archived channels included).
//! Its figures are aggregated from `clients` in the same query that reads the channels: one
//! `LEFT JOIN ... GROUP BY`, backed by the `clients (traffic_channel_id, id)` index.

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crate::schema::traffic_channels;
use crm_clients::traffic::model::NewChannelRecord;
use crm_clients::traffic::{
    ChannelCode, ChannelDefinition, ChannelReport, ChannelStats, TrafficChannel,
    TrafficChannelRepository,
};
use crm_core::{Money, Page, PageRequest, RepoError, Timestamp, TrafficChannelId};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

/// Traffic channels stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteTrafficChannelRepository {
    db: Database,
}

impl SqliteTrafficChannelRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The channels with their figures: every channel matching the filter, each joined to the
/// clients it brought. `?1`: only this id (or NULL for all); `?2`: include archived channels;
/// `?3`/`?4`: limit and offset.
const CHANNELS_WITH_STATS: &str = "\
SELECT c.id, c.name, c.code, c.link, c.utm_source, c.utm_medium, c.utm_campaign, \
       c.archived_at, c.created_at, c.updated_at, \
       COUNT(cl.id) AS clients, \
       COALESCE(SUM(cl.purchase_count), 0) AS purchases, \
       COALESCE(SUM(cl.total_spent), 0) AS revenue \
FROM traffic_channels AS c \
LEFT JOIN clients AS cl ON cl.traffic_channel_id = c.id \
WHERE (?1 IS NULL OR c.id = ?1) AND (?2 OR c.archived_at IS NULL) \
GROUP BY c.id \
ORDER BY c.id \
LIMIT ?3 OFFSET ?4";

/// A channel row with its aggregated figures.
#[derive(Debug, QueryableByName)]
struct ChannelStatsRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Nullable<Text>)]
    link: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    utm_source: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    utm_medium: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    utm_campaign: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    archived_at: Option<i64>,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
    #[diesel(sql_type = BigInt)]
    updated_at: i64,
    #[diesel(sql_type = BigInt)]
    clients: i64,
    #[diesel(sql_type = BigInt)]
    purchases: i64,
    #[diesel(sql_type = BigInt)]
    revenue: i64,
}

impl ChannelStatsRow {
    fn into_report(self) -> Result<ChannelReport, RepoError> {
        let id = self.id;
        Ok(ChannelReport {
            channel: TrafficChannel {
                id: TrafficChannelId(id),
                definition: ChannelDefinition {
                    name: self.name,
                    code: ChannelCode::from_trusted(self.code),
                    link: self.link,
                    utm_source: self.utm_source,
                    utm_medium: self.utm_medium,
                    utm_campaign: self.utm_campaign,
                },
                archived_at: self
                    .archived_at
                    .map(|ms| stored_time(ms, "channel archived_at", id))
                    .transpose()?,
                created_at: stored_time(self.created_at, "channel created_at", id)?,
                updated_at: stored_time(self.updated_at, "channel updated_at", id)?,
            },
            stats: ChannelStats {
                clients: self.clients,
                purchases: self.purchases,
                revenue: Money::from_minor(self.revenue),
            },
        })
    }
}

/// The definition columns of a channel.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = traffic_channels, treat_none_as_null = true)]
struct ChannelWrite<'a> {
    name: &'a str,
    code: &'a str,
    link: Option<&'a str>,
    utm_source: Option<&'a str>,
    utm_medium: Option<&'a str>,
    utm_campaign: Option<&'a str>,
    updated_at: i64,
}

impl<'a> ChannelWrite<'a> {
    fn new(d: &'a ChannelDefinition, at: Timestamp) -> Self {
        Self {
            name: &d.name,
            code: d.code.as_str(),
            link: d.link.as_deref(),
            utm_source: d.utm_source.as_deref(),
            utm_medium: d.utm_medium.as_deref(),
            utm_campaign: d.utm_campaign.as_deref(),
            updated_at: at.unix_millis(),
        }
    }
}

/// A new `traffic_channels` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = traffic_channels)]
struct NewChannelRow<'a> {
    #[diesel(embed)]
    definition: ChannelWrite<'a>,
    created_at: i64,
}

/// Channels with their figures: one id, or a page.
fn reports(
    conn: &mut SqliteConnection,
    only: Option<i64>,
    include_archived: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<ChannelReport>, Failure> {
    let rows = diesel::sql_query(CHANNELS_WITH_STATS)
        .bind::<Nullable<BigInt>, _>(only)
        .bind::<Bool, _>(include_archived)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load::<ChannelStatsRow>(conn)?;
    rows.into_iter()
        .map(|row| row.into_report().map_err(Failure))
        .collect()
}

fn report_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<ChannelReport>, Failure> {
    Ok(reports(conn, Some(id), true, 1, 0)?.pop())
}

impl TrafficChannelRepository for SqliteTrafficChannelRepository {
    fn insert(&self, record: &NewChannelRecord) -> Result<ChannelReport, RepoError> {
        let mut conn = self.db.conn()?;
        let created = conn.immediate_transaction(|conn| {
            let id = diesel::insert_into(traffic_channels::table)
                .values(NewChannelRow {
                    definition: ChannelWrite::new(&record.definition, record.at),
                    created_at: record.at.unix_millis(),
                })
                .returning(traffic_channels::id)
                .get_result::<i64>(conn)?;
            report_by_id(conn, id)?.ok_or_else(|| Failure(corrupt("traffic channel", id)))
        })?;
        Ok(created)
    }

    fn get(&self, id: TrafficChannelId) -> Result<Option<ChannelReport>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(report_by_id(&mut conn, id.get())?)
    }

    fn update(
        &self,
        id: TrafficChannelId,
        definition: &ChannelDefinition,
        at: Timestamp,
    ) -> Result<Option<ChannelReport>, RepoError> {
        let mut conn = self.db.conn()?;
        let updated = conn.immediate_transaction(|conn| {
            let changed = diesel::update(traffic_channels::table.find(id.get()))
                .set(ChannelWrite::new(definition, at))
                .execute(conn)?;
            if changed == 0 {
                return Ok(None);
            }
            report_by_id(conn, id.get())
        })?;
        Ok(updated)
    }

    fn archive(
        &self,
        id: TrafficChannelId,
        at: Timestamp,
    ) -> Result<Option<ChannelReport>, RepoError> {
        let mut conn = self.db.conn()?;
        let archived = conn.immediate_transaction(|conn| {
            diesel::update(
                traffic_channels::table
                    .find(id.get())
                    .filter(traffic_channels::archived_at.is_null()),
            )
            .set((
                traffic_channels::archived_at.eq(at.unix_millis()),
                traffic_channels::updated_at.eq(at.unix_millis()),
            ))
            .execute(conn)?;
            report_by_id(conn, id.get())
        })?;
        Ok(archived)
    }

    fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<ChannelReport>, RepoError> {
        let mut conn = self.db.conn()?;
        // One read transaction: the total and the page come from the same snapshot.
        let (items, total) = conn.transaction(|conn| {
            let mut count = traffic_channels::table.select(count_star()).into_boxed();
            if !include_archived {
                count = count.filter(traffic_channels::archived_at.is_null());
            }
            let total = count.get_result::<i64>(conn)?;
            let items = reports(
                conn,
                None,
                include_archived,
                i64::from(page.limit()),
                i64::try_from(page.offset()).unwrap_or(i64::MAX),
            )?;
            Ok::<_, Failure>((items, total))
        })?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::testing::{at, exec, fresh_db};

    fn definition(name: &str, code: &str) -> ChannelDefinition {
        ChannelDefinition {
            name: name.into(),
            code: ChannelCode::parse(code).unwrap(),
            link: Some(format!("https://t.me/bot/app?startapp={code}")),
            utm_source: Some("instagram".into()),
            utm_medium: None,
            utm_campaign: Some("spring".into()),
        }
    }

    fn insert(repo: &SqliteTrafficChannelRepository, name: &str, code: &str) -> ChannelReport {
        repo.insert(&NewChannelRecord {
            definition: definition(name, code),
            at: at(1_000),
        })
        .unwrap()
    }

    fn client(db: &crate::Database, channel: Option<TrafficChannelId>, purchases: i64, spent: i64) {
        let channel = channel.map_or("NULL".to_owned(), |c| c.to_string());
        exec(
            db,
            &format!(
                "INSERT INTO clients (full_name, search_name, traffic_channel_id, purchase_count, \
                 total_spent, created_at, updated_at) VALUES ('C', 'c', {channel}, {purchases}, \
                 {spent}, 0, 0)"
            ),
        );
    }

    #[test]
    fn the_list_carries_clients_purchases_and_revenue_per_channel() {
        let (_dir, db) = fresh_db();
        let repo = SqliteTrafficChannelRepository::new(db.clone());
        let insta = insert(&repo, "Instagram", "insta");
        let vk = insert(&repo, "VK", "vk");
        let empty = insert(&repo, "Листовки", "flyers");
        assert_eq!(insta.stats, ChannelStats::default());
        assert_eq!(insta.channel.definition, definition("Instagram", "insta"));
        assert_eq!(insta.channel.created_at, at(1_000));
        client(&db, Some(insta.channel.id), 3, 150_050);
        client(&db, Some(insta.channel.id), 1, 20_000);
        client(&db, Some(insta.channel.id), 0, 0);
        client(&db, Some(vk.channel.id), 2, 9_999);
        client(&db, None, 10, 1_000_000);

        let page = repo.list(false, PageRequest::default()).unwrap();
        assert_eq!(page.total, 3);
        let stats: Vec<_> = page.items.iter().map(|r| (r.channel.id, r.stats)).collect();
        assert_eq!(
            stats,
            [
                (
                    insta.channel.id,
                    ChannelStats {
                        clients: 3,
                        purchases: 4,
                        revenue: Money::from_minor(170_050)
                    }
                ),
                (
                    vk.channel.id,
                    ChannelStats {
                        clients: 1,
                        purchases: 2,
                        revenue: Money::from_minor(9_999)
                    }
                ),
                (empty.channel.id, ChannelStats::default()),
            ]
        );
        assert_eq!(
            repo.get(insta.channel.id).unwrap().unwrap().stats.clients,
            3
        );

        // Archived channels leave the default list but keep their figures.
        let archived = repo.archive(vk.channel.id, at(2_000)).unwrap().unwrap();
        assert_eq!(archived.channel.archived_at, Some(at(2_000)));
        assert_eq!(archived.stats.clients, 1);
        let again = repo.archive(vk.channel.id, at(3_000)).unwrap().unwrap();
        assert_eq!(again.channel.archived_at, Some(at(2_000)));
        let page = repo.list(false, PageRequest::default()).unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.items.len(), 2);
        let all = repo
            .list(true, PageRequest::new(Some(1), Some(1)).unwrap())
            .unwrap();
        assert_eq!(all.total, 3);
        assert_eq!(all.items.len(), 1);
        assert_eq!(all.items[0].channel.id, vk.channel.id);
        assert_eq!(repo.archive(TrafficChannelId(99), at(1)).unwrap(), None);
        assert_eq!(repo.get(TrafficChannelId(99)).unwrap(), None);
    }

    #[test]
    fn codes_are_unique_and_updates_replace_the_definition() {
        let (_dir, db) = fresh_db();
        let repo = SqliteTrafficChannelRepository::new(db);
        let insta = insert(&repo, "Instagram", "insta");
        insert(&repo, "VK", "vk");
        let clash = repo.insert(&NewChannelRecord {
            definition: definition("Again", "insta"),
            at: at(1),
        });
        assert!(matches!(
            clash,
            Err(RepoError::Conflict { field: Some(ref f), .. }) if f == "code"
        ));
        let mut changed = definition("Instagram bio", "insta_bio");
        changed.link = None;
        let updated = repo
            .update(insta.channel.id, &changed, at(5_000))
            .unwrap()
            .unwrap();
        assert_eq!(updated.channel.definition, changed);
        assert_eq!(updated.channel.updated_at, at(5_000));
        assert_eq!(updated.channel.created_at, at(1_000));
        let clash = repo.update(insta.channel.id, &definition("X", "vk"), at(6_000));
        assert!(matches!(
            clash,
            Err(RepoError::Conflict { field: Some(ref f), .. }) if f == "code"
        ));
        assert_eq!(
            repo.update(TrafficChannelId(99), &changed, at(1)).unwrap(),
            None
        );
    }
}
