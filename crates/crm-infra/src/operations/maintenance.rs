//! [`SqlitePointsMaintenance`]: manual adjustments, the welcome bonus and points expiry in
//! SQLite, implementing [`crm_clients::loyalty::adjustments::PointsMaintenance`].
//!
//! Each change is one `BEGIN IMMEDIATE` transaction that writes the ledger entries, updates the
//! lots and moves `clients.points_balance` by the same amount, so the balance always equals
//! the ledger's sum and the lots' unspent sum. The welcome bonus is once-only in SQL (a unique
//! partial index, see `migrations/2026-11-24-000005_points_maintenance`); an adjustment's
//! `Idempotency-Key` is stored with the result it produced.

use super::rows::{LedgerRow, NewLedgerRow};
use super::schema::points_ledger;
use super::{apply_balance, lots_covering};
use crate::db::Database;
use crate::error::map_diesel_error;
use crate::schema::clients;
use crm_clients::loyalty::adjustments::{
    Adjustment, AdjustmentPlan, AdjustmentRefusal, ExpiryReport, PointsMaintenance,
};
use crm_clients::loyalty::ledger::{consume_oldest_first, LedgerChange, LedgerEntry, LedgerKind};
use crm_core::{Actor, ClientId, Points, RepoError, Timestamp};
use diesel::prelude::*;
use std::collections::BTreeMap;

diesel::table! {
    /// Idempotency keys of manual adjustments, with the result they produced.
    points_adjustment_keys (idempotency_key) {
        idempotency_key -> Text,
        request_fingerprint -> Text,
        ledger_id -> BigInt,
        points_balance -> BigInt,
        created_at -> BigInt,
    }
}

/// Adjustments, welcome bonuses and expiry stored in SQLite. Cheap to clone; shares the pool.
#[derive(Debug, Clone)]
pub struct SqlitePointsMaintenance {
    db: Database,
}

impl SqlitePointsMaintenance {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A failure inside an adjustment transaction.
enum AdjustTx {
    Refused(AdjustmentRefusal),
    Diesel(diesel::result::Error),
}

impl From<diesel::result::Error> for AdjustTx {
    fn from(e: diesel::result::Error) -> Self {
        AdjustTx::Diesel(e)
    }
}

impl From<AdjustTx> for AdjustmentRefusal {
    fn from(e: AdjustTx) -> Self {
        match e {
            AdjustTx::Refused(r) => r,
            AdjustTx::Diesel(e) => match map_diesel_error(e) {
                RepoError::Conflict { field: Some(f), .. } if f == "idempotency_key" => {
                    AdjustmentRefusal::DuplicateKey
                }
                other => AdjustmentRefusal::Storage(other),
            },
        }
    }
}

/// A ledger row without an operation: a credit is a lot holding all of its amount.
fn new_row(change: &LedgerChange, actor: &Actor, at: Timestamp) -> NewLedgerRow {
    NewLedgerRow {
        client_id: change.client_id.get(),
        operation_id: None,
        kind: change.kind.code(),
        amount: change.amount.minor(),
        remaining: change.amount.minor().max(0),
        available_at: change.available_at.unix_millis(),
        expires_at: change.expires_at.map(Timestamp::unix_millis),
        generation: change.generation.map(i32::from),
        source_client_id: change.source_client_id.map(ClientId::get),
        reason: change.reason.clone(),
        actor: actor.to_string(),
        created_at: at.unix_millis(),
    }
}

fn ledger_row(conn: &mut SqliteConnection, id: i64) -> Result<LedgerRow, diesel::result::Error> {
    points_ledger::table
        .find(id)
        .select(LedgerRow::as_select())
        .first(conn)
}

fn balance_of(conn: &mut SqliteConnection, client: i64) -> Result<i64, diesel::result::Error> {
    clients::table
        .find(client)
        .select(clients::points_balance)
        .first(conn)
}

fn adjust(
    conn: &mut SqliteConnection,
    plan: &AdjustmentPlan,
) -> Result<(LedgerRow, i64), AdjustTx> {
    let change = &plan.change;
    let client = change.client_id.get();
    if let Some((key, _)) = &plan.idempotency {
        let taken = points_adjustment_keys::table
            .find(key)
            .select(points_adjustment_keys::ledger_id)
            .first::<i64>(conn)
            .optional()?;
        if taken.is_some() {
            return Err(AdjustTx::Refused(AdjustmentRefusal::DuplicateKey));
        }
    }
    let exists = clients::table
        .find(client)
        .select(clients::id)
        .first::<i64>(conn)
        .optional()?;
    if exists.is_none() {
        return Err(AdjustTx::Refused(AdjustmentRefusal::ClientNotFound));
    }
    if change.amount.is_negative() {
        let lots = lots_covering(conn, client, Some(plan.at), change.amount.negate())?;
        let (takes, short) = consume_oldest_first(&lots, change.amount.negate());
        if !short.is_zero() {
            let spendable = lots.iter().map(|l| l.remaining).sum();
            return Err(AdjustTx::Refused(AdjustmentRefusal::InsufficientPoints {
                spendable,
            }));
        }
        for (lot, take) in takes {
            diesel::update(points_ledger::table.find(lot))
                .set(points_ledger::remaining.eq(points_ledger::remaining - take.minor()))
                .execute(conn)?;
        }
    }
    let id: i64 = diesel::insert_into(points_ledger::table)
        .values(new_row(change, &plan.actor, plan.at))
        .returning(points_ledger::id)
        .get_result(conn)?;
    apply_balance(conn, client, change.amount)?;
    let balance = balance_of(conn, client)?;
    if let Some((key, fingerprint)) = &plan.idempotency {
        diesel::insert_into(points_adjustment_keys::table)
            .values((
                points_adjustment_keys::idempotency_key.eq(key),
                points_adjustment_keys::request_fingerprint.eq(fingerprint),
                points_adjustment_keys::ledger_id.eq(id),
                points_adjustment_keys::points_balance.eq(balance),
                points_adjustment_keys::created_at.eq(plan.at.unix_millis()),
            ))
            .execute(conn)?;
    }
    Ok((ledger_row(conn, id)?, balance))
}

/// Empties the expired lots of `clients` at `at`: one `expiry` debit per lot.
fn expire_batch(
    conn: &mut SqliteConnection,
    clients: &[i64],
    at: Timestamp,
) -> Result<ExpiryReport, diesel::result::Error> {
    let millis = at.unix_millis();
    let lots: Vec<(i64, i64, i64)> = points_ledger::table
        .filter(points_ledger::client_id.eq_any(clients))
        .filter(points_ledger::remaining.gt(0))
        .filter(points_ledger::expires_at.le(millis))
        .order(points_ledger::id.asc())
        .select((
            points_ledger::id,
            points_ledger::client_id,
            points_ledger::remaining,
        ))
        .load(conn)?;
    let mut per_client: BTreeMap<i64, Points> = BTreeMap::new();
    for &(lot, client, remaining) in &lots {
        diesel::update(points_ledger::table.find(lot))
            .set(points_ledger::remaining.eq(0))
            .execute(conn)?;
        let debit = LedgerChange {
            client_id: ClientId(client),
            kind: LedgerKind::Expiry,
            amount: Points::from_minor(-remaining),
            available_at: at,
            expires_at: None,
            generation: None,
            source_client_id: None,
            reason: Some(format!("lot {lot} expired")),
        };
        diesel::insert_into(points_ledger::table)
            .values(new_row(&debit, &Actor::System, at))
            .execute(conn)?;
        let total = per_client.entry(client).or_insert(Points::ZERO);
        *total = *total + Points::from_minor(remaining);
    }
    for (&client, &expired) in &per_client {
        apply_balance(conn, client, expired.negate())?;
    }
    Ok(ExpiryReport {
        lots: lots.len() as u64,
        points: per_client.values().copied().sum(),
        clients: per_client.len() as u64,
    })
}

impl PointsMaintenance for SqlitePointsMaintenance {
    fn find_adjustment(&self, key: &str) -> Result<Option<(String, Adjustment)>, RepoError> {
        let mut conn = self.db.conn()?;
        let stored = points_adjustment_keys::table
            .find(key)
            .select((
                points_adjustment_keys::request_fingerprint,
                points_adjustment_keys::ledger_id,
                points_adjustment_keys::points_balance,
            ))
            .first::<(String, i64, i64)>(&mut conn)
            .optional()
            .map_err(map_diesel_error)?;
        let Some((fingerprint, ledger_id, balance)) = stored else {
            return Ok(None);
        };
        let entry = ledger_row(&mut conn, ledger_id)
            .map_err(map_diesel_error)?
            .into_entry()?;
        Ok(Some((
            fingerprint,
            Adjustment {
                entry,
                points_balance: Points::from_minor(balance),
            },
        )))
    }

    fn commit_adjustment(&self, plan: &AdjustmentPlan) -> Result<Adjustment, AdjustmentRefusal> {
        let mut conn = self.db.conn()?;
        let (row, balance) = conn
            .immediate_transaction::<_, AdjustTx, _>(|conn| adjust(conn, plan))
            .map_err(AdjustmentRefusal::from)?;
        Ok(Adjustment {
            entry: row.into_entry()?,
            points_balance: Points::from_minor(balance),
        })
    }

    fn grant_welcome_bonus(
        &self,
        change: &LedgerChange,
        actor: Actor,
        at: Timestamp,
    ) -> Result<Option<LedgerEntry>, RepoError> {
        if change.kind != LedgerKind::WelcomeBonus || change.amount.minor() <= 0 {
            return Ok(None);
        }
        let mut conn = self.db.conn()?;
        let client = change.client_id.get();
        let row = conn
            .immediate_transaction::<_, diesel::result::Error, _>(|conn| {
                // The unique partial index makes a second bonus a conflict; DO NOTHING skips it.
                let inserted = diesel::insert_into(points_ledger::table)
                    .values(new_row(change, &actor, at))
                    .on_conflict_do_nothing()
                    .execute(conn)?;
                if inserted == 0 {
                    return Ok(None);
                }
                apply_balance(conn, client, change.amount)?;
                points_ledger::table
                    .filter(points_ledger::client_id.eq(client))
                    .filter(points_ledger::kind.eq(LedgerKind::WelcomeBonus.code()))
                    .select(LedgerRow::as_select())
                    .first(conn)
                    .map(Some)
            })
            .map_err(map_diesel_error)?;
        row.map(LedgerRow::into_entry).transpose()
    }

    fn expire_points(
        &self,
        at: Timestamp,
        clients_per_batch: usize,
    ) -> Result<ExpiryReport, RepoError> {
        let batch = clients_per_batch.max(1);
        let limit = i64::try_from(batch).unwrap_or(i64::MAX);
        let millis = at.unix_millis();
        let mut report = ExpiryReport::default();
        let mut after = i64::MIN;
        loop {
            let mut conn = self.db.conn()?;
            let due: Vec<i64> = points_ledger::table
                .filter(points_ledger::remaining.gt(0))
                .filter(points_ledger::expires_at.le(millis))
                .filter(points_ledger::client_id.gt(after))
                .select(points_ledger::client_id)
                .distinct()
                .order(points_ledger::client_id.asc())
                .limit(limit)
                .load(&mut conn)
                .map_err(map_diesel_error)?;
            let Some(&last) = due.last() else { break };
            after = last;
            let part = conn
                .immediate_transaction(|conn| expire_batch(conn, &due, at))
                .map_err(map_diesel_error)?;
            report = report.merge(part);
            if due.len() < batch {
                break;
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::clients::SqliteClientRepository;
    use crate::operations::SqliteOperationRepository;
    use crate::testing::fresh_db;
    use crm_clients::loyalty::adjustments::{AdjustmentError, AdjustmentRequest, PointsUpkeep};
    use crm_clients::loyalty::levels::Level;
    use crm_clients::loyalty::ports::{LoyaltyProgramme, OperationRepository};
    use crm_clients::loyalty::referral::ReferralConfig;
    use crm_clients::loyalty::LoyaltyRules;
    use crm_clients::{ClientProfile, ClientRepository, ContactHandles, NewClientRecord};
    use crm_core::{EmployeeId, FixedClock, PageRequest};
    use std::sync::Arc;

    const NOW: i64 = 1_795_521_600;
    const DAY: i64 = 86_400;
    const ADMIN: Actor = Actor::Employee(EmployeeId(1));

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).unwrap()
    }

    #[derive(Clone)]
    struct Rules(LoyaltyRules);

    impl LoyaltyProgramme for Rules {
        fn rules(&self) -> Result<LoyaltyRules, RepoError> {
            Ok(self.0)
        }
        fn levels(&self) -> Result<Vec<Level>, RepoError> {
            Ok(vec![])
        }
        fn referral_config(&self) -> Result<ReferralConfig, RepoError> {
            Ok(ReferralConfig::default())
        }
    }

    type RealUpkeep = PointsUpkeep<SqlitePointsMaintenance, Rules, Arc<FixedClock>>;

    struct World {
        _dir: tempfile::TempDir,
        db: Database,
        clock: Arc<FixedClock>,
    }

    impl World {
        fn new() -> Self {
            let (dir, db) = fresh_db();
            Self {
                _dir: dir,
                db,
                clock: Arc::new(FixedClock::new(at(NOW))),
            }
        }

        fn upkeep(&self, expiry_days: Option<u32>, welcome_major: i64) -> RealUpkeep {
            PointsUpkeep::new(
                SqlitePointsMaintenance::new(self.db.clone()),
                Rules(LoyaltyRules {
                    points_expiry_days: expiry_days,
                    welcome_bonus: Points::from_major(welcome_major),
                    ..LoyaltyRules::default()
                }),
                self.clock.clone(),
            )
        }

        fn client(&self, name: &str) -> ClientId {
            SqliteClientRepository::new(self.db.clone())
                .insert(&NewClientRecord {
                    profile: ClientProfile {
                        full_name: name.into(),
                        phone: None,
                        telegram_id: None,
                        telegram_username: None,
                        email: None,
                        birthday: None,
                        gender: None,
                        handles: ContactHandles::default(),
                        tags: vec![],
                        referrer_id: None,
                        traffic_channel_id: None,
                        notes: None,
                    },
                    consents: Default::default(),
                    consent_events: vec![],
                    actor: Actor::System,
                    source: "admin".into(),
                    at: at(NOW),
                })
                .unwrap()
                .id
        }

        /// (balance, SUM(amount), SUM(remaining)) in minor units.
        fn balance(&self, client: ClientId) -> (i64, i64, i64) {
            let mut conn = self.db.conn().unwrap();
            let balance = balance_of(&mut conn, client.get()).unwrap();
            let sums: (i64, i64) = points_ledger::table
                .filter(points_ledger::client_id.eq(client.get()))
                .select((
                    diesel::dsl::sql::<diesel::sql_types::BigInt>("COALESCE(SUM(amount), 0)"),
                    diesel::dsl::sql::<diesel::sql_types::BigInt>("COALESCE(SUM(remaining), 0)"),
                ))
                .first(&mut conn)
                .unwrap();
            (balance, sums.0, sums.1)
        }

        fn spendable(&self, client: ClientId, at_seconds: i64) -> Points {
            SqliteOperationRepository::new(self.db.clone())
                .spendable_points(client, at(at_seconds))
                .unwrap()
        }

        fn kinds(&self, client: ClientId) -> Vec<(LedgerKind, i64, i64)> {
            SqliteOperationRepository::new(self.db.clone())
                .ledger(client, PageRequest::default())
                .unwrap()
                .items
                .into_iter()
                .rev()
                .map(|e| (e.kind, e.amount.minor(), e.remaining.minor()))
                .collect()
        }
    }

    fn adjustment(client: ClientId, major: i64, reason: &str) -> AdjustmentRequest {
        AdjustmentRequest {
            client_id: client,
            amount: Points::from_major(major),
            reason: reason.into(),
        }
    }

    #[test]
    fn withdrawals_consume_the_oldest_lots_and_never_exceed_the_spendable_points() {
        let w = World::new();
        let anna = w.client("Анна");
        let upkeep = w.upkeep(Some(30), 0);
        let (first, replayed) = upkeep
            .adjust(&adjustment(anna, 100, "Compensation"), None, ADMIN)
            .unwrap();
        assert!(!replayed);
        assert_eq!(first.points_balance, Points::from_major(100));
        assert_eq!(first.entry.kind, LedgerKind::Adjustment);
        assert_eq!(first.entry.reason.as_deref(), Some("Compensation"));
        assert_eq!(first.entry.actor, ADMIN);
        assert_eq!(first.entry.available_at, at(NOW));
        assert_eq!(first.entry.expires_at, Some(at(NOW + 30 * DAY)));
        assert_eq!(first.entry.operation_id, None);
        upkeep
            .adjust(&adjustment(anna, 50, "Birthday gift"), None, ADMIN)
            .unwrap();
        let (taken, _) = upkeep
            .adjust(&adjustment(anna, -120, "Mistaken accrual"), None, ADMIN)
            .unwrap();
        assert_eq!(taken.points_balance, Points::from_major(30));
        assert_eq!(taken.entry.amount, Points::from_major(-120));
        assert_eq!(taken.entry.expires_at, None);
        assert_eq!(
            w.kinds(anna),
            [
                (LedgerKind::Adjustment, 100_00, 0),
                (LedgerKind::Adjustment, 50_00, 30_00),
                (LedgerKind::Adjustment, -120_00, 0),
            ],
            "the oldest lot is emptied first"
        );
        assert_eq!(w.balance(anna), (30_00, 30_00, 30_00));
        assert_eq!(
            upkeep.adjust(&adjustment(anna, -31, "Too much"), None, ADMIN),
            Err(AdjustmentError::TooManyPoints {
                allowed: Points::from_major(30)
            })
        );
        assert_eq!(
            w.balance(anna),
            (30_00, 30_00, 30_00),
            "a refusal writes nothing"
        );
        assert_eq!(
            upkeep.adjust(&adjustment(ClientId(999), 5, "Nobody"), None, ADMIN),
            Err(AdjustmentError::ClientNotFound)
        );
    }

    #[test]
    fn an_idempotency_key_returns_the_stored_result() {
        let w = World::new();
        let anna = w.client("Анна");
        let upkeep = w.upkeep(None, 0);
        let key = Some("adj-1".to_owned());
        let (first, _) = upkeep
            .adjust(&adjustment(anna, 10, "Gift"), key.clone(), ADMIN)
            .unwrap();
        upkeep
            .adjust(&adjustment(anna, 5, "Another"), None, ADMIN)
            .unwrap();
        let (again, replayed) = upkeep
            .adjust(&adjustment(anna, 10, "Gift"), key.clone(), ADMIN)
            .unwrap();
        assert!(replayed);
        assert_eq!(again, first, "the stored entry and the balance of the time");
        assert_eq!(
            upkeep.adjust(&adjustment(anna, 11, "Gift"), key, ADMIN),
            Err(AdjustmentError::IdempotencyKeyReused)
        );
        assert_eq!(w.balance(anna), (15_00, 15_00, 15_00));
    }

    #[test]
    fn concurrent_withdrawals_never_overdraw() {
        let w = World::new();
        let anna = w.client("Анна");
        w.upkeep(None, 0)
            .adjust(&adjustment(anna, 100, "Start"), None, ADMIN)
            .unwrap();
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let upkeep = w.upkeep(None, 0);
                    s.spawn(move || upkeep.adjust(&adjustment(anna, -30, "Race"), None, ADMIN))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let ok = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(ok, 3, "{outcomes:?}");
        assert!(outcomes.iter().all(|o| o.is_ok()
            || matches!(o, Err(AdjustmentError::TooManyPoints { allowed }) if *allowed == Points::from_major(10))));
        assert_eq!(w.balance(anna), (10_00, 10_00, 10_00));
    }

    #[test]
    fn the_welcome_bonus_is_granted_once() {
        let w = World::new();
        let anna = w.client("Анна");
        let upkeep = w.upkeep(Some(30), 100);
        let granted = upkeep.grant_welcome_bonus(anna).unwrap().expect("granted");
        assert_eq!(granted.kind, LedgerKind::WelcomeBonus);
        assert_eq!(granted.amount, Points::from_major(100));
        assert_eq!(granted.actor, Actor::System);
        assert_eq!(granted.expires_at, Some(at(NOW + 30 * DAY)));
        assert_eq!(
            upkeep.grant_welcome_bonus(anna),
            Ok(None),
            "a second grant is a no-op"
        );
        assert_eq!(w.balance(anna), (100_00, 100_00, 100_00));
        assert_eq!(w.spendable(anna, NOW), Points::from_major(100));
        // The index itself refuses a second bonus row, whoever writes it.
        let mut conn = w.db.conn().unwrap();
        let clash = diesel::sql_query(format!(
            "INSERT INTO points_ledger (client_id, kind, amount, remaining, available_at, actor, created_at) \
             VALUES ({}, 'welcome_bonus', 100, 100, 0, 'system', 0)",
            anna.get()
        ))
        .execute(&mut conn);
        assert!(clash.is_err());
        drop(conn);
        // No bonus in the rules: nothing is written.
        let boris = w.client("Борис");
        assert_eq!(w.upkeep(None, 0).grant_welcome_bonus(boris), Ok(None));
        assert_eq!(w.balance(boris), (0, 0, 0));
    }

    #[test]
    fn points_expire_after_their_lifetime_and_only_once() {
        let w = World::new();
        let anna = w.client("Анна");
        let boris = w.client("Борис");
        let upkeep = w.upkeep(Some(30), 0);
        upkeep
            .adjust(&adjustment(anna, 100, "Earned"), None, ADMIN)
            .unwrap();
        upkeep
            .adjust(&adjustment(boris, 40, "Earned"), None, ADMIN)
            .unwrap();
        w.clock.set(at(NOW + 10 * DAY));
        upkeep
            .adjust(&adjustment(anna, 20, "Later"), None, ADMIN)
            .unwrap();
        upkeep
            .adjust(&adjustment(anna, -30, "Spent"), None, ADMIN)
            .unwrap(); // takes 30 of the first lot: 70 left in it
        w.clock.set(at(NOW + 29 * DAY));
        assert_eq!(w.spendable(anna, NOW + 29 * DAY), Points::from_major(90));
        assert_eq!(
            upkeep.expire().unwrap(),
            ExpiryReport::default(),
            "nothing due on day 29"
        );
        w.clock.set(at(NOW + 31 * DAY));
        assert_eq!(
            w.spendable(anna, NOW + 31 * DAY),
            Points::from_major(20),
            "the first lot is no longer spendable"
        );
        assert_eq!(
            upkeep.adjust(&adjustment(anna, -21, "Too much"), None, ADMIN),
            Err(AdjustmentError::TooManyPoints {
                allowed: Points::from_major(20)
            })
        );
        assert_eq!(
            w.balance(anna).0,
            90_00,
            "before the run the balance still counts it"
        );
        let report = upkeep.expire().unwrap();
        assert_eq!(
            report,
            ExpiryReport {
                lots: 2,
                points: Points::from_major(110),
                clients: 2
            }
        );
        assert_eq!(w.balance(anna), (20_00, 20_00, 20_00));
        assert_eq!(w.balance(boris), (0, 0, 0));
        let expiry: Vec<_> = w
            .kinds(anna)
            .into_iter()
            .filter(|(k, _, _)| *k == LedgerKind::Expiry)
            .collect();
        assert_eq!(expiry, [(LedgerKind::Expiry, -70_00, 0)]);
        assert_eq!(
            upkeep.expire().unwrap(),
            ExpiryReport::default(),
            "twice does nothing"
        );
        assert_eq!(w.balance(anna), (20_00, 20_00, 20_00));
        w.clock.set(at(NOW + 41 * DAY));
        assert_eq!(upkeep.expire().unwrap().points, Points::from_major(20));
        assert_eq!(w.balance(anna), (0, 0, 0));
    }

    #[test]
    fn expiry_walks_every_client_in_batches() {
        let w = World::new();
        let upkeep = w.upkeep(Some(1), 0);
        let clients: Vec<ClientId> = (0..7).map(|i| w.client(&format!("Client {i}"))).collect();
        for (i, &c) in clients.iter().enumerate() {
            for _ in 0..=i % 2 {
                upkeep
                    .adjust(&adjustment(c, 5, "Earned"), None, ADMIN)
                    .unwrap();
            }
        }
        // One lot that never expires stays untouched.
        w.upkeep(None, 0)
            .adjust(&adjustment(clients[0], 1, "Forever"), None, ADMIN)
            .unwrap();
        let repo = SqlitePointsMaintenance::new(w.db.clone());
        let report = repo.expire_points(at(NOW + 2 * DAY), 2).unwrap();
        assert_eq!(report.clients, 7);
        assert_eq!(report.lots, 10, "4 clients with one lot, 3 with two");
        assert_eq!(report.points, Points::from_major(50));
        for &c in &clients {
            let (balance, ledger, lots) = w.balance(c);
            assert_eq!((balance, balance), (ledger, lots));
        }
        assert_eq!(w.balance(clients[0]).0, 1_00);
        assert_eq!(
            repo.expire_points(at(NOW + 2 * DAY), 2).unwrap(),
            ExpiryReport::default()
        );
    }
}
