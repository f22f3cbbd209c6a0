//! [`SqliteLevelRepository`]: loyalty levels in SQLite, implementing
//! [`crm_clients::settings::LevelRepository`].
//!
//! A level is one `loyalty_levels` row: `threshold_kind` says what `threshold` counts (kopecks
//! for `total_spent`, a number otherwise); rates are basis points. Archiving sets
//! `archived_at`; clients keep their `level_id`.

use crate::db::Database;
use crate::error::{corrupt, map_diesel_error, stored_time, Failure};
use crate::schema::loyalty_levels;
use crm_clients::loyalty::levels::{Level, LevelThreshold};
use crm_clients::settings::model::NewLevelRecord;
use crm_clients::settings::{LevelRecord, LevelRepository, ThresholdKind};
use crm_core::{LevelId, Money, Page, PageRequest, Percent, RepoError, Timestamp};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;

/// Loyalty levels stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteLevelRepository {
    db: Database,
}

impl SqliteLevelRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `loyalty_levels` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = loyalty_levels, check_for_backend(diesel::sqlite::Sqlite))]
struct LevelRow {
    id: i64,
    name: String,
    threshold_kind: String,
    threshold: i64,
    cashback_bp: i64,
    max_points_share_bp: Option<i64>,
    archived_at: Option<i64>,
}

impl LevelRow {
    fn into_record(self) -> Result<LevelRecord, RepoError> {
        let id = self.id;
        let kind = ThresholdKind::from_code(&self.threshold_kind)
            .ok_or_else(|| corrupt("level threshold_kind", id))?;
        let threshold = match kind {
            ThresholdKind::TotalSpent => {
                LevelThreshold::TotalSpent(Money::from_minor(self.threshold))
            }
            ThresholdKind::PurchaseCount => LevelThreshold::PurchaseCount(self.threshold),
            ThresholdKind::Referrals => LevelThreshold::Referrals(self.threshold),
        };
        let percent =
            |bp: i64| Percent::from_basis_points(bp).ok_or_else(|| corrupt("level rate", id));
        Ok(LevelRecord {
            level: Level {
                id: LevelId(id),
                name: self.name,
                threshold,
                cashback: percent(self.cashback_bp)?,
                max_points_share: self.max_points_share_bp.map(percent).transpose()?,
            },
            archived_at: self
                .archived_at
                .map(|ms| stored_time(ms, "level archived_at", id))
                .transpose()?,
        })
    }
}

/// The definition columns of a level.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = loyalty_levels, treat_none_as_null = true)]
struct LevelWrite<'a> {
    name: &'a str,
    threshold_kind: &'static str,
    threshold: i64,
    cashback_bp: i64,
    max_points_share_bp: Option<i64>,
    updated_at: i64,
}

impl<'a> LevelWrite<'a> {
    fn new(
        name: &'a str,
        threshold: LevelThreshold,
        cashback: Percent,
        max_points_share: Option<Percent>,
        at: Timestamp,
    ) -> Self {
        let value = match threshold {
            LevelThreshold::TotalSpent(money) => money.minor(),
            LevelThreshold::PurchaseCount(n) | LevelThreshold::Referrals(n) => n,
        };
        Self {
            name,
            threshold_kind: ThresholdKind::of(threshold).code(),
            threshold: value,
            cashback_bp: cashback.basis_points(),
            max_points_share_bp: max_points_share.map(Percent::basis_points),
            updated_at: at.unix_millis(),
        }
    }
}

/// A new `loyalty_levels` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = loyalty_levels)]
struct NewLevelRow<'a> {
    #[diesel(embed)]
    definition: LevelWrite<'a>,
    created_at: i64,
}

fn level_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<LevelRecord>, Failure> {
    let row = loyalty_levels::table
        .find(id)
        .select(LevelRow::as_select())
        .first::<LevelRow>(conn)
        .optional()?;
    row.map(LevelRow::into_record).transpose().map_err(Failure)
}

fn in_use<'a, ST: 'a>(
    q: loyalty_levels::BoxedQuery<'a, Sqlite, ST>,
    include_archived: bool,
) -> loyalty_levels::BoxedQuery<'a, Sqlite, ST> {
    if include_archived {
        q
    } else {
        q.filter(loyalty_levels::archived_at.is_null())
    }
}

impl LevelRepository for SqliteLevelRepository {
    fn active_levels(&self) -> Result<Vec<Level>, RepoError> {
        let mut conn = self.db.conn()?;
        loyalty_levels::table
            .filter(loyalty_levels::archived_at.is_null())
            .order(loyalty_levels::id)
            .select(LevelRow::as_select())
            .load::<LevelRow>(&mut conn)
            .map_err(map_diesel_error)?
            .into_iter()
            .map(|row| row.into_record().map(|r| r.level))
            .collect()
    }

    fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<LevelRecord>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let total = in_use(
                loyalty_levels::table.select(count_star()).into_boxed(),
                include_archived,
            )
            .get_result::<i64>(conn)?;
            let rows = in_use(
                loyalty_levels::table
                    .select(LevelRow::as_select())
                    .into_boxed(),
                include_archived,
            )
            .order((
                loyalty_levels::threshold_kind,
                loyalty_levels::threshold,
                loyalty_levels::id,
            ))
            .limit(i64::from(page.limit()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .load::<LevelRow>(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(LevelRow::into_record)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn get(&self, id: LevelId) -> Result<Option<LevelRecord>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(level_by_id(&mut conn, id.get())?)
    }

    fn insert(&self, record: &NewLevelRecord) -> Result<LevelRecord, RepoError> {
        let mut conn = self.db.conn()?;
        let level = &record.level;
        let created = conn.immediate_transaction(|conn| {
            let id = diesel::insert_into(loyalty_levels::table)
                .values(NewLevelRow {
                    definition: LevelWrite::new(
                        &level.name,
                        level.threshold,
                        level.cashback,
                        level.max_points_share,
                        record.at,
                    ),
                    created_at: record.at.unix_millis(),
                })
                .returning(loyalty_levels::id)
                .get_result::<i64>(conn)?;
            level_by_id(conn, id)?.ok_or_else(|| {
                Failure(RepoError::Unavailable(format!(
                    "level {id} was not found right after its insert"
                )))
            })
        })?;
        Ok(created)
    }

    fn update(&self, level: &Level, at: Timestamp) -> Result<Option<LevelRecord>, RepoError> {
        let mut conn = self.db.conn()?;
        let updated = conn.immediate_transaction(|conn| {
            let changed = diesel::update(loyalty_levels::table.find(level.id.get()))
                .set(LevelWrite::new(
                    &level.name,
                    level.threshold,
                    level.cashback,
                    level.max_points_share,
                    at,
                ))
                .execute(conn)?;
            if changed == 0 {
                return Ok(None);
            }
            level_by_id(conn, level.id.get())
        })?;
        Ok(updated)
    }

    fn archive(&self, id: LevelId, at: Timestamp) -> Result<Option<LevelRecord>, RepoError> {
        let mut conn = self.db.conn()?;
        let archived = conn.immediate_transaction(|conn| {
            diesel::update(
                loyalty_levels::table
                    .find(id.get())
                    .filter(loyalty_levels::archived_at.is_null()),
            )
            .set((
                loyalty_levels::archived_at.eq(at.unix_millis()),
                loyalty_levels::updated_at.eq(at.unix_millis()),
            ))
            .execute(conn)?;
            level_by_id(conn, id.get())
        })?;
        Ok(archived)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::testing::{at, exec, fresh_db};
    use crm_clients::settings::NewLevel;

    fn percent(bp: i64) -> Percent {
        Percent::from_basis_points(bp).unwrap()
    }

    fn new_level(name: &str, threshold: LevelThreshold, cashback_bp: i64) -> NewLevelRecord {
        NewLevelRecord {
            level: NewLevel {
                name: name.into(),
                threshold,
                cashback: percent(cashback_bp),
                max_points_share: None,
            },
            at: at(1_000),
        }
    }

    #[test]
    fn levels_round_trip_are_listed_in_order_and_archived() {
        let (_dir, db) = fresh_db();
        let repo = SqliteLevelRepository::new(db.clone());
        let gold = repo
            .insert(&new_level(
                "Золото",
                LevelThreshold::TotalSpent(Money::parse("50000.5").unwrap()),
                700,
            ))
            .unwrap();
        let silver = repo
            .insert(&new_level(
                "Серебро",
                LevelThreshold::TotalSpent(Money::from_major(10_000)),
                500,
            ))
            .unwrap();
        let regular = repo
            .insert(&new_level(
                "Постоянный",
                LevelThreshold::PurchaseCount(10),
                400,
            ))
            .unwrap();
        let friend = repo
            .insert(&new_level("Друг", LevelThreshold::Referrals(3), 600))
            .unwrap();
        assert_eq!(
            gold.level.threshold,
            LevelThreshold::TotalSpent(Money::from_minor(5_000_050))
        );
        assert_eq!(gold.level.cashback, percent(700));
        assert_eq!(gold.archived_at, None);
        assert_eq!(repo.get(regular.level.id).unwrap(), Some(regular.clone()));

        // purchase_count < referrals < total_spent (by kind), then by threshold.
        let page = repo.list(false, PageRequest::default()).unwrap();
        let names: Vec<_> = page.items.iter().map(|l| l.level.name.as_str()).collect();
        assert_eq!(names, ["Постоянный", "Друг", "Серебро", "Золото"]);
        assert_eq!(page.total, 4);

        let mut changed = friend.level.clone();
        changed.max_points_share = Some(percent(2_500));
        changed.threshold = LevelThreshold::PurchaseCount(1);
        let updated = repo.update(&changed, at(2_000)).unwrap().unwrap();
        assert_eq!(updated.level, changed);

        // A client holding the level keeps it when the level is archived.
        exec(
            &db,
            &format!(
                "INSERT INTO clients (full_name, search_name, level_id, created_at, updated_at) \
                 VALUES ('A', 'a', {}, 0, 0)",
                silver.level.id
            ),
        );
        let archived = repo.archive(silver.level.id, at(3_000)).unwrap().unwrap();
        assert_eq!(archived.archived_at, Some(at(3_000)));
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            value: i64,
        }
        let holders = diesel::sql_query(format!(
            "SELECT count(*) AS value FROM clients WHERE level_id = {}",
            silver.level.id
        ))
        .get_result::<Count>(&mut db.conn().unwrap())
        .unwrap();
        assert_eq!(holders.value, 1, "the client keeps the archived level");
        // Archiving again keeps the first time.
        let again = repo.archive(silver.level.id, at(4_000)).unwrap().unwrap();
        assert_eq!(again.archived_at, Some(at(3_000)));
        let active: Vec<_> = repo
            .active_levels()
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(active, [gold.level.id, regular.level.id, friend.level.id]);
        assert_eq!(repo.list(false, PageRequest::default()).unwrap().total, 3);
        let all = repo
            .list(true, PageRequest::new(Some(2), Some(2)).unwrap())
            .unwrap();
        assert_eq!(all.total, 4);
        let names: Vec<_> = all.items.iter().map(|l| l.level.name.as_str()).collect();
        assert_eq!(names, ["Серебро", "Золото"]);

        assert_eq!(repo.archive(LevelId(99), at(1)).unwrap(), None);
        let mut ghost = changed;
        ghost.id = LevelId(99);
        assert_eq!(repo.update(&ghost, at(1)).unwrap(), None);
    }
}
