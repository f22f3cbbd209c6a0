//! [`SqliteOperationRepository`]: operations, the points ledger and referral rewards in SQLite,
//! implementing [`crm_clients::loyalty::ports::OperationRepository`].
//!
//! A purchase or refund is one `BEGIN IMMEDIATE` transaction: the operation row, every ledger
//! entry (credits create lots, debits consume the oldest lots), the referral rewards, the
//! clients' balances and figures, and the re-evaluated levels. The guards live inside it: a
//! spend must be covered by spendable lots at commit time, and a refund applies only if the
//! purchase's refunded total is still what the plan was computed from.

mod maintenance;
mod programme;
pub(crate) mod rows;
pub(crate) mod schema;
#[cfg(test)]
mod tests;

use crate::certificates::schema::{certificate_redemptions, certificates};
use crate::certificates::SqliteCertificateRepository;
use crate::db::Database;
use crate::error::map_diesel_error;
use crate::schema::clients;
use crm_clients::certificates::{Certificate, CertificateRepository};
use crm_clients::loyalty::ledger::{
    consume_oldest_first, LedgerChange, LedgerEntry, LedgerKind, Lot,
};
use crm_clients::loyalty::levels::{level_for, Level, LevelProgress, LevelThreshold};
use crm_clients::loyalty::operations::{
    CommitRefusal, Operation, OperationFilter, OperationKind, PurchasePlan, RefundPlan,
};
use crm_clients::loyalty::ports::OperationRepository;
use crm_clients::loyalty::purchase::ReferralReward;
use crm_core::{
    Actor, ClientId, Money, OperationId, Page, PageRequest, Points, RepoError, Timestamp,
};
use diesel::dsl::count_star;
use diesel::prelude::*;
use rows::{LedgerRow, NewLedgerRow, NewOperationRow, OperationRow, RewardRow};
use schema::{operations, payment_codes, points_ledger, referral_rewards};
use std::collections::{BTreeMap, HashMap};

pub use maintenance::SqlitePointsMaintenance;
pub use programme::SqliteLoyaltyProgramme;

/// Operations and the ledger stored in SQLite. Cheap to clone; shares the pool.
#[derive(Debug, Clone)]
pub struct SqliteOperationRepository {
    db: Database,
}

impl SqliteOperationRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A failure inside a commit transaction: a refusal of the plan, or a database error.
#[derive(Debug)]
pub(crate) enum TxError {
    Refusal(CommitRefusal),
    Diesel(diesel::result::Error),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Diesel(e)
    }
}

impl From<RepoError> for TxError {
    fn from(e: RepoError) -> Self {
        TxError::Refusal(CommitRefusal::Storage(e))
    }
}

impl From<TxError> for CommitRefusal {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Refusal(r) => r,
            TxError::Diesel(e) => match map_diesel_error(e) {
                RepoError::Conflict { field: Some(f), .. } if f == "idempotency_key" => {
                    CommitRefusal::DuplicateKey
                }
                other => CommitRefusal::Storage(other),
            },
        }
    }
}

// Key and aggregate look-ups on the purchase path use `get_result`, not `first`: `first` adds
// `LIMIT ?`, and SQLite (3.4x, with STAT4) marks a statement whose LIMIT is a bound parameter to
// be re-prepared whenever that parameter is bound again, i.e. on every execution of a cached
// statement: parsing and planning each time cost a fifth of the server's CPU under purchases.
// A key names one row anyway. For the same reason `lots_covering` writes its LIMIT as a literal.

/// How many open lots a debit reads at a time.
const LOT_BATCH: i64 = 32;

/// The open lots of a client (`remaining > 0`) as the covering partial index
/// `points_ledger_open_lots` holds them; only spendable ones when `spendable_at` is given.
#[derive(QueryableByName)]
struct OpenLotRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    remaining: i64,
}

/// The filter of lots spendable at the instant (unix millis) bound to `param`: available and
/// not expired.
fn spendable_filter(param: &str) -> String {
    format!("available_at <= {param} AND (expires_at IS NULL OR expires_at > {param})")
}

/// The oldest open lots of a client, in id order, until their remaining points cover `amount`
/// (or every lot when they do not): a debit consumes oldest first, so the lots after those are
/// never touched and never read. Only spendable lots when `spendable_at` is given. The lots are
/// read in batches from the covering index, so a client who holds thousands of small lots
/// (a recommender rewarded by many purchases) costs a debit a few rows, not all of them.
pub(crate) fn lots_covering(
    conn: &mut SqliteConnection,
    client: i64,
    spendable_at: Option<Timestamp>,
    amount: Points,
) -> Result<Vec<Lot>, diesel::result::Error> {
    let filter = if spendable_at.is_some() {
        spendable_filter("?3")
    } else {
        "?3 IS NULL".to_owned()
    };
    let sql = format!(
        "SELECT id, remaining FROM points_ledger INDEXED BY points_ledger_open_lots \
         WHERE client_id = ?1 AND remaining > 0 AND id > ?2 AND {filter} ORDER BY id \
         LIMIT {LOT_BATCH}"
    );
    let at = spendable_at.map(Timestamp::unix_millis);
    let mut lots = Vec::new();
    let mut covered: i64 = 0;
    let mut after: i64 = 0;
    loop {
        let batch = diesel::sql_query(&sql)
            .bind::<diesel::sql_types::BigInt, _>(client)
            .bind::<diesel::sql_types::BigInt, _>(after)
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>, _>(at)
            .load::<OpenLotRow>(conn)?;
        let full = batch.len() as i64 == LOT_BATCH;
        for row in batch {
            after = row.id;
            covered = covered.saturating_add(row.remaining);
            lots.push(Lot {
                id: row.id,
                remaining: Points::from_minor(row.remaining),
            });
        }
        if covered >= amount.minor() || !full {
            return Ok(lots);
        }
    }
}

/// Writes one ledger change; returns the amount actually applied. A spend must be covered by
/// spendable lots (else the plan is refused); clawbacks take what the lots hold.
pub(crate) fn write_change(
    conn: &mut SqliteConnection,
    operation_id: i64,
    change: &LedgerChange,
    actor: &Actor,
    at: Timestamp,
) -> Result<Points, TxError> {
    let credit = !change.amount.is_negative();
    let mut applied = change.amount;
    if !credit {
        let spend_only_spendable = matches!(
            change.kind,
            LedgerKind::Spend | LedgerKind::Adjustment | LedgerKind::Expiry
        );
        let lots = lots_covering(
            conn,
            change.client_id.get(),
            spend_only_spendable.then_some(at),
            change.amount.negate(),
        )?;
        let (takes, short) = consume_oldest_first(&lots, change.amount.negate());
        if !short.is_zero() && change.kind == LedgerKind::Spend {
            return Err(TxError::Refusal(CommitRefusal::InsufficientPoints));
        }
        for (lot, take) in takes {
            diesel::update(points_ledger::table.find(lot))
                .set(points_ledger::remaining.eq(points_ledger::remaining - take.minor()))
                .execute(conn)?;
        }
        applied = change.amount + short;
        if applied.is_zero() {
            return Ok(applied);
        }
    }
    diesel::insert_into(points_ledger::table)
        .values(NewLedgerRow {
            client_id: change.client_id.get(),
            operation_id: Some(operation_id),
            kind: change.kind.code(),
            amount: applied.minor(),
            remaining: if credit { applied.minor() } else { 0 },
            available_at: change.available_at.unix_millis(),
            expires_at: change.expires_at.map(Timestamp::unix_millis),
            generation: change.generation.map(i32::from),
            source_client_id: change.source_client_id.map(ClientId::get),
            reason: change.reason.clone(),
            actor: actor.to_string(),
            created_at: at.unix_millis(),
        })
        .execute(conn)?;
    Ok(applied)
}

/// Writes every change and returns the applied delta per client.
pub(crate) fn write_ledger(
    conn: &mut SqliteConnection,
    operation_id: i64,
    changes: &[LedgerChange],
    actor: &Actor,
    at: Timestamp,
) -> Result<BTreeMap<i64, Points>, TxError> {
    let mut deltas: BTreeMap<i64, Points> = BTreeMap::new();
    for change in changes {
        let applied = write_change(conn, operation_id, change, actor, at)?;
        let entry = deltas.entry(change.client_id.get()).or_insert(Points::ZERO);
        *entry = *entry + applied;
    }
    Ok(deltas)
}

pub(crate) fn apply_balance(
    conn: &mut SqliteConnection,
    client: i64,
    delta: Points,
) -> Result<(), diesel::result::Error> {
    if delta.is_zero() {
        return Ok(());
    }
    diesel::update(clients::table.find(client))
        .set(clients::points_balance.eq(clients::points_balance + delta.minor()))
        .execute(conn)
        .map(|_| ())
}

fn insert_rewards(
    conn: &mut SqliteConnection,
    operation_id: i64,
    source: ClientId,
    rewards: &[ReferralReward],
    reward_type: &str,
    sign: i64,
    at: Timestamp,
) -> Result<(), diesel::result::Error> {
    for reward in rewards {
        diesel::insert_into(referral_rewards::table)
            .values((
                referral_rewards::operation_id.eq(operation_id),
                referral_rewards::beneficiary_id.eq(reward.beneficiary.get()),
                referral_rewards::source_client_id.eq(source.get()),
                referral_rewards::generation.eq(i32::from(reward.generation)),
                referral_rewards::reward_type.eq(reward_type),
                referral_rewards::amount.eq(sign * reward.amount.minor()),
                referral_rewards::created_at.eq(at.unix_millis()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Re-evaluates one client's level from their stored figures at `at`; a change of level is
/// recorded in `client_level_changes` (the levels analytics tab reads it).
pub(crate) fn reevaluate_level(
    conn: &mut SqliteConnection,
    client: i64,
    levels: &[Level],
    at: Timestamp,
) -> Result<(), diesel::result::Error> {
    let (total_spent, purchase_count, current) = clients::table
        .find(client)
        .select((
            clients::total_spent,
            clients::purchase_count,
            clients::level_id,
        ))
        .get_result::<(i64, i64, Option<i64>)>(conn)?;
    let needs_referrals = levels
        .iter()
        .any(|l| matches!(l.threshold, LevelThreshold::Referrals(_)));
    let referrals = if needs_referrals {
        clients::table
            .filter(clients::referrer_id.eq(client))
            .filter(clients::purchase_count.gt(0))
            .select(count_star())
            .get_result::<i64>(conn)?
    } else {
        0
    };
    let progress = LevelProgress {
        total_spent: Money::from_minor(total_spent),
        purchase_count,
        referrals,
    };
    let level = level_for(levels, &progress).map(|l| l.id.get());
    if level == current {
        return Ok(());
    }
    diesel::update(clients::table.find(client))
        .set(clients::level_id.eq(level))
        .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO client_level_changes (client_id, from_level_id, to_level_id, at) \
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind::<diesel::sql_types::BigInt, _>(client)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>, _>(current)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>, _>(level)
    .bind::<diesel::sql_types::BigInt, _>(at.unix_millis())
    .execute(conn)
    .map(|_| ())
}

/// Spends `amount` of a certificate for a purchase, if it still holds it and is valid.
fn redeem_certificate(
    conn: &mut SqliteConnection,
    certificate: i64,
    operation: i64,
    amount: Money,
    at: Timestamp,
) -> Result<(), TxError> {
    if amount.is_zero() {
        return Ok(());
    }
    let spent = diesel::update(
        certificates::table
            .find(certificate)
            .filter(certificates::balance.ge(amount.minor()))
            .filter(certificates::expires_at.gt(at.unix_millis())),
    )
    .set(certificates::balance.eq(certificates::balance - amount.minor()))
    .execute(conn)?;
    if spent == 0 {
        return Err(TxError::Refusal(CommitRefusal::CertificateChanged));
    }
    diesel::insert_into(certificate_redemptions::table)
        .values((
            certificate_redemptions::certificate_id.eq(certificate),
            certificate_redemptions::operation_id.eq(Some(operation)),
            certificate_redemptions::amount.eq(amount.minor()),
            certificate_redemptions::created_at.eq(at.unix_millis()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a refunded part back to the certificate that paid it (a negative redemption).
fn return_to_certificate(
    conn: &mut SqliteConnection,
    certificate: i64,
    operation: i64,
    amount: Money,
    at: Timestamp,
) -> Result<(), TxError> {
    if amount.is_zero() {
        return Ok(());
    }
    diesel::update(certificates::table.find(certificate))
        .set(certificates::balance.eq(certificates::balance + amount.minor()))
        .execute(conn)?;
    diesel::insert_into(certificate_redemptions::table)
        .values((
            certificate_redemptions::certificate_id.eq(certificate),
            certificate_redemptions::operation_id.eq(Some(operation)),
            certificate_redemptions::amount.eq(-amount.minor()),
            certificate_redemptions::created_at.eq(at.unix_millis()),
        ))
        .execute(conn)?;
    Ok(())
}

fn rewards_of(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ReferralReward>>, diesel::result::Error> {
    let mut by_operation: HashMap<i64, Vec<ReferralReward>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_operation);
    }
    let rows = referral_rewards::table
        .filter(referral_rewards::operation_id.eq_any(ids))
        .order((referral_rewards::operation_id, referral_rewards::generation))
        .select(RewardRow::as_select())
        .load(conn)?;
    for row in rows {
        by_operation
            .entry(row.operation_id)
            .or_default()
            .push(row.into_reward());
    }
    Ok(by_operation)
}

fn with_rewards(
    conn: &mut SqliteConnection,
    rows: Vec<OperationRow>,
) -> Result<Vec<Operation>, RepoError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut rewards = rewards_of(conn, &ids).map_err(map_diesel_error)?;
    rows.into_iter()
        .map(|row| {
            let own = rewards.remove(&row.id).unwrap_or_default();
            row.into_operation(own)
        })
        .collect()
}

fn load_operation(conn: &mut SqliteConnection, id: i64) -> Result<Option<Operation>, RepoError> {
    let row = operations::table
        .find(id)
        .select(OperationRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(map_diesel_error)?;
    Ok(with_rewards(conn, row.into_iter().collect())?.pop())
}

fn insert_operation(
    conn: &mut SqliteConnection,
    row: &NewOperationRow<'_>,
) -> Result<i64, diesel::result::Error> {
    diesel::insert_into(operations::table)
        .values(row)
        .returning(operations::id)
        .get_result(conn)
}

impl OperationRepository for SqliteOperationRepository {
    fn spendable_points(&self, client: ClientId, at: Timestamp) -> Result<Points, RepoError> {
        #[derive(QueryableByName)]
        struct Total {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            total: i64,
        }
        let mut conn = self.db.conn()?;
        // Read from the covering index alone: no table row per lot.
        let total = diesel::sql_query(format!(
            "SELECT COALESCE(SUM(remaining), 0) AS total FROM points_ledger \
             INDEXED BY points_ledger_open_lots \
             WHERE client_id = ?1 AND remaining > 0 AND {}",
            spendable_filter("?2")
        ))
        .bind::<diesel::sql_types::BigInt, _>(client.get())
        .bind::<diesel::sql_types::BigInt, _>(at.unix_millis())
        .get_result::<Total>(&mut conn)
        .map_err(map_diesel_error)?
        .total;
        Ok(Points::from_minor(total))
    }

    fn referrer_chain(&self, client: ClientId, depth: usize) -> Result<Vec<ClientId>, RepoError> {
        let mut conn = self.db.conn()?;
        let mut chain: Vec<ClientId> = Vec::with_capacity(depth);
        let mut current = client.get();
        while chain.len() < depth {
            let referrer: Option<i64> = clients::table
                .find(current)
                .select(clients::referrer_id)
                .get_result::<Option<i64>>(&mut conn)
                .optional()
                .map_err(map_diesel_error)?
                .flatten();
            match referrer {
                // A chain never loops back: stop at the buyer or anyone already rewarded.
                Some(next) if next != client.get() && !chain.contains(&ClientId(next)) => {
                    chain.push(ClientId(next));
                    current = next;
                }
                _ => break,
            }
        }
        Ok(chain)
    }

    fn find_by_idempotency_key(&self, key: &str) -> Result<Option<(String, Operation)>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = operations::table
            .filter(operations::idempotency_key.eq(key))
            .select(OperationRow::as_select())
            .get_result(&mut conn)
            .optional()
            .map_err(map_diesel_error)?;
        let Some(row) = row else { return Ok(None) };
        let fingerprint = row.request_fingerprint.clone().unwrap_or_default();
        Ok(with_rewards(&mut conn, vec![row])?
            .pop()
            .map(|op| (fingerprint, op)))
    }

    fn commit_purchase(&self, plan: &PurchasePlan) -> Result<Operation, CommitRefusal> {
        let gate = self.db.write_gate()?;
        let mut conn = self.db.conn()?;
        let b = &plan.breakdown;
        let id = conn
            .immediate_transaction::<_, TxError, _>(|conn| {
                if let Some(code) = &plan.payment_code {
                    // One use only: the code goes with the purchase, or the purchase fails.
                    let consumed = diesel::delete(
                        payment_codes::table
                            .filter(payment_codes::client_id.eq(plan.client_id.get()))
                            .filter(payment_codes::code.eq(code))
                            .filter(payment_codes::expires_at.gt(plan.at.unix_millis())),
                    )
                    .execute(conn)?;
                    if consumed == 0 {
                        return Err(TxError::Refusal(CommitRefusal::PaymentCodeGone));
                    }
                }
                let id = insert_operation(
                    conn,
                    &NewOperationRow {
                        kind: OperationKind::Purchase.code(),
                        client_id: plan.client_id.get(),
                        employee_id: plan.employee_id.map(|e| e.get()),
                        location_id: plan.location_id.map(|l| l.get()),
                        purchase_id: None,
                        certificate_id: plan.certificate_id.map(|c| c.get()),
                        total: b.total.minor(),
                        certificate_amount: b.certificate_amount.minor(),
                        points: b.points_spent.minor(),
                        cash: b.cash_paid.minor(),
                        cashback: b.cashback.minor(),
                        cashback_rate_bp: b.cashback_rate.basis_points(),
                        clawback_shortfall: 0,
                        reward_type: plan.reward_type.code(),
                        receipt_number: plan.receipt_number.as_deref(),
                        comment: plan.comment.as_deref(),
                        actor: plan.actor.to_string(),
                        idempotency_key: plan.idempotency.as_ref().map(|(k, _)| k.as_str()),
                        request_fingerprint: plan.idempotency.as_ref().map(|(_, f)| f.as_str()),
                        created_at: plan.at.unix_millis(),
                    },
                )?;
                if let Some(certificate) = plan.certificate_id {
                    redeem_certificate(conn, certificate.get(), id, b.certificate_amount, plan.at)?;
                }
                if let (Some(location), false) = (plan.location_id, plan.items.is_empty()) {
                    // The goods leave the stock in this same transaction (issue 4, point 5).
                    crate::inventory::record_sales(
                        conn,
                        OperationId(id),
                        location,
                        &plan.items,
                        plan.employee_id,
                        plan.actor,
                        plan.at,
                    )?
                    .map_err(|r| TxError::Refusal(CommitRefusal::SaleLineRefused(r)))?;
                }
                let deltas = write_ledger(conn, id, &plan.ledger, &plan.actor, plan.at)?;
                insert_rewards(
                    conn,
                    id,
                    plan.client_id,
                    &b.referral_rewards,
                    plan.reward_type.code(),
                    1,
                    plan.at,
                )?;
                for (&client, &delta) in &deltas {
                    apply_balance(conn, client, delta)?;
                }
                let (count_before, first, referrer) = clients::table
                    .find(plan.client_id.get())
                    .select((
                        clients::purchase_count,
                        clients::first_purchase_at,
                        clients::referrer_id,
                    ))
                    .get_result::<(i64, Option<i64>, Option<i64>)>(conn)?;
                diesel::update(clients::table.find(plan.client_id.get()))
                    .set((
                        clients::total_spent.eq(clients::total_spent + b.cash_paid.minor()),
                        clients::purchase_count.eq(count_before + 1),
                        clients::first_purchase_at.eq(first.or(Some(plan.at.unix_millis()))),
                        clients::last_purchase_at.eq(Some(plan.at.unix_millis())),
                    ))
                    .execute(conn)?;
                reevaluate_level(conn, plan.client_id.get(), &plan.levels, plan.at)?;
                if count_before == 0 {
                    if let Some(referrer) = referrer {
                        // A first purchase makes this client an effective referral.
                        reevaluate_level(conn, referrer, &plan.levels, plan.at)?;
                    }
                }
                Ok(id)
            })
            .map_err(CommitRefusal::from)?;
        drop(gate);
        load_operation(&mut conn, id)?.ok_or(CommitRefusal::Storage(RepoError::NotFound))
    }

    fn commit_refund(&self, plan: &RefundPlan) -> Result<Operation, CommitRefusal> {
        let gate = self.db.write_gate()?;
        let mut conn = self.db.conn()?;
        let r = &plan.breakdown;
        let purchase = &plan.purchase;
        let id = conn
            .immediate_transaction::<_, TxError, _>(|conn| {
                let guarded = diesel::update(
                    operations::table
                        .find(purchase.id.get())
                        .filter(operations::refunded_total.eq(purchase.refunded_total.minor())),
                )
                .set((
                    operations::refunded_total.eq(operations::refunded_total + r.amount.minor()),
                    operations::refunded_points
                        .eq(operations::refunded_points + r.points_returned.minor()),
                    operations::refunded_cash
                        .eq(operations::refunded_cash + r.cash_returned.minor()),
                    operations::refunded_certificate
                        .eq(operations::refunded_certificate + r.certificate_returned.minor()),
                    operations::reversed_cashback
                        .eq(operations::reversed_cashback + r.cashback_reversed.minor()),
                ))
                .execute(conn)?;
                if guarded == 0 {
                    return Err(TxError::Refusal(CommitRefusal::RefundRaced));
                }
                let id = insert_operation(
                    conn,
                    &NewOperationRow {
                        kind: OperationKind::Refund.code(),
                        client_id: purchase.client_id.get(),
                        employee_id: plan.employee_id.map(|e| e.get()),
                        location_id: purchase.location_id.map(|l| l.get()),
                        purchase_id: Some(purchase.id.get()),
                        certificate_id: purchase.certificate_id.map(|c| c.get()),
                        total: r.amount.minor(),
                        certificate_amount: r.certificate_returned.minor(),
                        points: r.points_returned.minor(),
                        cash: r.cash_returned.minor(),
                        cashback: r.cashback_reversed.minor(),
                        cashback_rate_bp: purchase.cashback_rate.basis_points(),
                        clawback_shortfall: 0,
                        reward_type: purchase.reward_type.code(),
                        receipt_number: purchase.receipt_number.as_deref(),
                        comment: plan.comment.as_deref(),
                        actor: plan.actor.to_string(),
                        idempotency_key: plan.idempotency.as_ref().map(|(k, _)| k.as_str()),
                        request_fingerprint: plan.idempotency.as_ref().map(|(_, f)| f.as_str()),
                        created_at: plan.at.unix_millis(),
                    },
                )?;
                if let Some(certificate) = purchase.certificate_id {
                    return_to_certificate(
                        conn,
                        certificate.get(),
                        id,
                        r.certificate_returned,
                        plan.at,
                    )?;
                }
                let deltas = write_ledger(conn, id, &plan.ledger, &plan.actor, plan.at)?;
                // What the client's balance could not give back of the cashback.
                let client_delta = deltas
                    .get(&purchase.client_id.get())
                    .copied()
                    .unwrap_or(Points::ZERO);
                let expected_delta = r.points_returned - r.cashback_reversed;
                let shortfall = (client_delta - expected_delta).max_zero();
                diesel::update(operations::table.find(id))
                    .set(operations::clawback_shortfall.eq(shortfall.minor()))
                    .execute(conn)?;
                insert_rewards(
                    conn,
                    id,
                    purchase.client_id,
                    &r.referral_reversed,
                    purchase.reward_type.code(),
                    -1,
                    plan.at,
                )?;
                for (&client, &delta) in &deltas {
                    apply_balance(conn, client, delta)?;
                }
                let count_change = i64::from(r.completes_refund);
                diesel::update(clients::table.find(purchase.client_id.get()))
                    .set((
                        clients::total_spent.eq(clients::total_spent - r.cash_returned.minor()),
                        clients::purchase_count.eq(clients::purchase_count - count_change),
                    ))
                    .execute(conn)?;
                reevaluate_level(conn, purchase.client_id.get(), &plan.levels, plan.at)?;
                Ok(id)
            })
            .map_err(CommitRefusal::from)?;
        drop(gate);
        load_operation(&mut conn, id)?.ok_or(CommitRefusal::Storage(RepoError::NotFound))
    }

    fn get(&self, id: OperationId) -> Result<Option<Operation>, RepoError> {
        let mut conn = self.db.conn()?;
        load_operation(&mut conn, id.get())
    }

    fn refunds_of(&self, purchase: OperationId) -> Result<Vec<Operation>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = operations::table
            .filter(operations::purchase_id.eq(purchase.get()))
            .order(operations::id.asc())
            .select(OperationRow::as_select())
            .load(&mut conn)
            .map_err(map_diesel_error)?;
        with_rewards(&mut conn, rows)
    }

    fn list(
        &self,
        filter: &OperationFilter,
        page: PageRequest,
    ) -> Result<Page<Operation>, RepoError> {
        let mut conn = self.db.conn()?;
        let build = || {
            let mut q = operations::table.into_boxed();
            if let Some(c) = filter.client_id {
                q = q.filter(operations::client_id.eq(c.get()));
            }
            if let Some(e) = filter.employee_id {
                q = q.filter(operations::employee_id.eq(e.get()));
            }
            if let Some(k) = filter.kind {
                q = q.filter(operations::kind.eq(k.code()));
            }
            if let Some(from) = filter.from {
                q = q.filter(operations::created_at.ge(from.unix_millis()));
            }
            if let Some(to) = filter.to {
                q = q.filter(operations::created_at.lt(to.unix_millis()));
            }
            q
        };
        let (total, rows) = conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                let total: i64 = build().select(count_star()).get_result(conn)?;
                // A period alone pages through `operations_by_time`; otherwise newest id first
                // (the same order: times only grow with ids).
                let by_time = (filter.from.is_some() || filter.to.is_some())
                    && filter.client_id.is_none()
                    && filter.employee_id.is_none();
                let ordered = if by_time {
                    build().order((operations::created_at.desc(), operations::id.desc()))
                } else {
                    build().order(operations::id.desc())
                };
                let rows = ordered
                    .limit(i64::from(page.limit()))
                    .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
                    .select(OperationRow::as_select())
                    .load(conn)?;
                Ok((total, rows))
            })
            .map_err(map_diesel_error)?;
        Ok(Page {
            items: with_rewards(&mut conn, rows)?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn ledger(&self, client: ClientId, page: PageRequest) -> Result<Page<LedgerEntry>, RepoError> {
        let mut conn = self.db.conn()?;
        let (total, rows) = conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                let total: i64 = points_ledger::table
                    .filter(points_ledger::client_id.eq(client.get()))
                    .select(count_star())
                    .get_result(conn)?;
                let rows = points_ledger::table
                    .filter(points_ledger::client_id.eq(client.get()))
                    .order(points_ledger::id.desc())
                    .limit(i64::from(page.limit()))
                    .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
                    .select(LedgerRow::as_select())
                    .load(conn)?;
                Ok((total, rows))
            })
            .map_err(map_diesel_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(LedgerRow::into_entry)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn issue_payment_code(
        &self,
        client: ClientId,
        code: &str,
        expires_at: Timestamp,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        conn.immediate_transaction::<_, diesel::result::Error, _>(|conn| {
            // Expired codes free their digits for others.
            diesel::delete(
                payment_codes::table.filter(payment_codes::expires_at.le(at.unix_millis())),
            )
            .execute(conn)?;
            diesel::insert_into(payment_codes::table)
                .values((
                    payment_codes::client_id.eq(client.get()),
                    payment_codes::code.eq(code),
                    payment_codes::expires_at.eq(expires_at.unix_millis()),
                    payment_codes::created_at.eq(at.unix_millis()),
                ))
                .on_conflict(payment_codes::client_id)
                .do_update()
                .set((
                    payment_codes::code.eq(code),
                    payment_codes::expires_at.eq(expires_at.unix_millis()),
                    payment_codes::created_at.eq(at.unix_millis()),
                ))
                .execute(conn)
                .map(|_| ())
        })
        .map_err(map_diesel_error)
    }

    fn client_for_payment_code(
        &self,
        code: &str,
        at: Timestamp,
    ) -> Result<Option<ClientId>, RepoError> {
        let mut conn = self.db.conn()?;
        payment_codes::table
            .filter(payment_codes::code.eq(code))
            .filter(payment_codes::expires_at.gt(at.unix_millis()))
            .select(payment_codes::client_id)
            .first::<i64>(&mut conn)
            .optional()
            .map(|id| id.map(ClientId))
            .map_err(map_diesel_error)
    }

    fn find_certificate(&self, code: &str) -> Result<Option<Certificate>, RepoError> {
        SqliteCertificateRepository::new(self.db.clone()).find_by_code(code)
    }
}
