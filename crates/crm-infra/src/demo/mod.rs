//! Demo data: fills an empty database with a realistic business of a chosen size — clients
//! with referral chains, a year of purchases and refunds through the loyalty engine's own
//! arithmetic, staff, goods with stock, feedback and page views (see `docs/demo-data.md`).
//!
//! Each purchase is computed with [`compute_purchase`] and each refund with
//! [`compute_refund`], and posted to the ledger with [`purchase_postings`] and
//! [`refund_postings`] — the functions the cashier's `Checkout` uses; debits consume lots with
//! [`consume_oldest_first`] and levels follow [`level_for`]. The running state of every client
//! (balance, open lots, figures, level) is kept in memory, so planning needs no reads, and the
//! rows are written by a bulk writer in batched immediate transactions. The same seed always
//! gives the same business.

mod areas;
pub(crate) mod names;
mod rng;
mod staff;
#[cfg(test)]
mod tests;
mod writer;

use crate::db::Database;
use crate::operations::SqliteLoyaltyProgramme;
use crm_clients::certificates::redemption::redeemable;
use crm_clients::loyalty::ledger::{consume_oldest_first, LedgerChange, LedgerKind, Lot};
use crm_clients::loyalty::levels::{level_for, LevelProgress};
use crm_clients::loyalty::ports::LoyaltyProgramme;
use crm_clients::loyalty::postings::{purchase_postings, refund_postings};
use crm_clients::loyalty::purchase::{
    compute_purchase, compute_refund, PurchaseBreakdown, PurchaseInput, RefundedSoFar,
};
use crm_clients::loyalty::referral::{ReferralConfig, RewardType};
use crm_clients::loyalty::{Level, LoyaltyRules};
use crm_core::{ClientId, Money, Percent, Points, Timestamp};
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{QueryableByName, RunQueryDsl};
use names::*;
use rng::Rng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};
use writer::{Writer, V};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// Operations per immediate transaction.
const OPERATIONS_PER_TRANSACTION: usize = 10_000;
/// Clients per immediate transaction.
const CLIENTS_PER_TRANSACTION: usize = 20_000;
/// Moscow is three hours ahead of UTC: opening hours are local.
const LOCAL_OFFSET_MS: i64 = 3 * HOUR_MS;
/// The largest business the generator accepts.
pub const MAX_CLIENTS: u32 = 5_000_000;
/// The most purchases the generator accepts.
pub const MAX_OPERATIONS: u32 = 50_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// How many clients.
    pub clients: u32,
    /// How many purchases (about 2 % of them are later refunded, which adds refund rows).
    pub operations: u32,
    /// The seed: the same seed gives the same business.
    pub seed: u64,
    /// Days of history, ending at `end`.
    pub days: u32,
    /// How many employees (owner, admin, manager, receptionists and masters).
    pub employees: u32,
    /// The end of the history (usually now).
    pub end: Timestamp,
}

/// What was written and how long it took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// Clients.
    pub clients: u64,
    /// Clients invited by another client.
    pub referred_clients: u64,
    /// Purchases.
    pub purchases: u64,
    /// Refunds.
    pub refunds: u64,
    /// Points ledger entries.
    pub ledger_entries: u64,
    /// Referral reward rows (rewards and their clawbacks).
    pub referral_rewards: u64,
    /// Level changes.
    pub level_changes: u64,
    /// Employees.
    pub employees: u64,
    /// Goods and services.
    pub products: u64,
    /// Stock receipts.
    pub stock_receipts: u64,
    /// Feedback ratings.
    pub feedback: u64,
    /// Page views.
    pub page_views: u64,
    /// Planned shifts.
    pub shifts: u64,
    /// Timesheet entries.
    pub timesheet_entries: u64,
    /// Payroll runs.
    pub payroll_runs: u64,
    /// Appointments (completed, cancelled, no-shows and scheduled ones).
    pub appointments: u64,
    /// Gift certificates sold.
    pub certificates: u64,
    /// Certificate redemptions in purchases.
    pub certificate_redemptions: u64,
    /// Campaigns.
    pub campaigns: u64,
    /// Deliveries (of campaigns and dialogue replies).
    pub deliveries: u64,
    /// Campaign tracking events (clicks).
    pub campaign_events: u64,
    /// Dialogue messages (both directions).
    pub messages: u64,
    /// News posts.
    pub news_posts: u64,
    /// News tracking events.
    pub news_events: u64,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in {:.1} s: {} clients ({} invited by clients), {} purchases, {} refunds, \
             {} ledger entries, {} referral rewards, {} level changes, {} employees, \
             {} shifts, {} timesheet entries, {} payroll runs, {} appointments, \
             {} goods and services, {} stock receipts, {} certificates ({} redemptions), \
             {} campaigns, {} deliveries, {} campaign events, {} messages, {} news posts, \
             {} news events, {} feedback entries, {} page views",
            self.elapsed.as_secs_f64(),
            self.clients,
            self.referred_clients,
            self.purchases,
            self.refunds,
            self.ledger_entries,
            self.referral_rewards,
            self.level_changes,
            self.employees,
            self.shifts,
            self.timesheet_entries,
            self.payroll_runs,
            self.appointments,
            self.products,
            self.stock_receipts,
            self.certificates,
            self.certificate_redemptions,
            self.campaigns,
            self.deliveries,
            self.campaign_events,
            self.messages,
            self.news_posts,
            self.news_events,
            self.feedback,
            self.page_views
        )
    }
}

/// Why demo data could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database already holds clients; demo data goes into an empty one only.
    #[error(
        "the database already has {0} clients; demo data is written into an empty database only"
    )]
    NotEmpty(i64),
    /// A size out of bounds.
    #[error("invalid size: {0}")]
    InvalidSize(String),
    /// The storage failed.
    #[error("storage error: {0}")]
    Storage(String),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Storage(e.to_string())
    }
}

impl From<crm_core::RepoError> for DemoError {
    fn from(e: crm_core::RepoError) -> Self {
        DemoError::Storage(e.to_string())
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn scalar(conn: &mut SqliteConnection, sql: &str) -> Result<i64, DemoError> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

/// An open lot of points in memory.
#[derive(Debug, Clone)]
struct LotState {
    id: i64,
    remaining: i64,
    available_at: i64,
    expires_at: Option<i64>,
    dirty: bool,
}

/// A client's running state.
#[derive(Debug, Clone, Default)]
struct ClientState {
    referrer: Option<usize>,
    created_at: i64,
    balance: i64,
    total_spent: i64,
    purchase_count: i64,
    referrals: i64,
    first_purchase_at: Option<i64>,
    last_purchase_at: Option<i64>,
    level: Option<i64>,
    lots: Vec<LotState>,
}

/// A refund planned for later.
#[derive(Debug, Clone)]
struct PendingRefund {
    purchase_id: i64,
    client: usize,
    breakdown: PurchaseBreakdown,
    reward_type: RewardType,
    location: i64,
    receipt: String,
}

/// Table indexes in the writer, parents first.
struct Tables {
    operations: usize,
    ledger: usize,
    rewards: usize,
    level_changes: usize,
    redemptions: usize,
}

impl Tables {
    /// The tables of purchases and refunds, parents first.
    fn new(w: &mut Writer) -> Self {
        Tables {
            operations: w.table(
                "operations",
                "id, kind, client_id, employee_id, location_id, purchase_id, certificate_id, \
                 total, certificate_amount, points, cash, cashback, cashback_rate_bp, \
                 clawback_shortfall, refunded_total, refunded_points, refunded_cash, \
                 refunded_certificate, reversed_cashback, reward_type, receipt_number, \
                 comment, actor, idempotency_key, request_fingerprint, created_at",
            ),
            ledger: w.table(
                "points_ledger",
                "id, client_id, operation_id, kind, amount, remaining, available_at, \
                 expires_at, generation, source_client_id, reason, actor, created_at",
            ),
            rewards: w.table(
                "referral_rewards",
                "operation_id, beneficiary_id, source_client_id, generation, reward_type, \
                 amount, created_at",
            ),
            level_changes: w.table(
                "client_level_changes",
                "client_id, from_level_id, to_level_id, at",
            ),
            redemptions: w.table(
                "certificate_redemptions",
                "certificate_id, operation_id, amount, created_at",
            ),
        }
    }
}

/// The loyalty simulation: programme, clients and the ids handed out so far.
struct Business {
    rules: LoyaltyRules,
    levels: Vec<Level>,
    referral: ReferralConfig,
    needs_referrals: bool,
    first_client_id: i64,
    refund_employee: i64,
    clients: Vec<ClientState>,
    next_operation: i64,
    next_ledger: i64,
    dirty: Vec<(usize, i64)>,
    /// Lots whose `remaining` changed (id, new remaining), written once each at the end.
    lot_updates: Vec<(i64, i64)>,
    /// Refunded figures to add to purchases: total, points, cash, certificate, cashback, id.
    purchase_updates: Vec<[i64; 6]>,
    /// Gift certificates sold, with their running balances.
    certificates: Vec<areas::CertificateState>,
    /// The certificate a client presents at the till (the latest they own).
    client_certificate: HashMap<usize, usize>,
    /// Cash recorded per employee and local day (purchases less refunds): the revenue
    /// attributed to them in payroll.
    recorded: HashMap<(i64, i64), i64>,
    report: DemoReport,
}

/// A ledger change of the simulation (the domain's `LedgerChange`, by client index).
struct Change {
    client: usize,
    kind: LedgerKind,
    amount: i64,
    available_at: i64,
    expires_at: Option<i64>,
    generation: Option<u8>,
    source: Option<usize>,
}

/// The local (Moscow) day number of an instant: days since 1970-01-01 in local time.
fn local_day(at: i64) -> i64 {
    (at + LOCAL_OFFSET_MS).div_euclid(DAY_MS)
}

/// An instant from unix milliseconds (the generator's times are always in range).
fn millis(at: i64) -> Timestamp {
    Timestamp::from_unix_millis(at)
        .unwrap_or_else(|| Timestamp::new(time::OffsetDateTime::UNIX_EPOCH))
}

impl Business {
    fn client_id(&self, index: usize) -> i64 {
        self.first_client_id + index as i64
    }

    /// A posting of the loyalty domain as the generator applies it (client index, minor units,
    /// milliseconds).
    fn change_of(&self, posting: &LedgerChange) -> Change {
        let index = |id: ClientId| usize::try_from(id.get() - self.first_client_id).unwrap_or(0);
        Change {
            client: index(posting.client_id),
            kind: posting.kind,
            amount: posting.amount.minor(),
            available_at: posting.available_at.unix_millis(),
            expires_at: posting.expires_at.map(Timestamp::unix_millis),
            generation: posting.generation,
            source: posting.source_client_id.map(index),
        }
    }

    /// The postings of the domain, mapped for the generator.
    fn changes(&self, postings: &[LedgerChange]) -> Vec<Change> {
        postings.iter().map(|p| self.change_of(p)).collect()
    }

    fn spendable(&self, client: usize, at: i64) -> i64 {
        self.clients[client]
            .lots
            .iter()
            .filter(|l| l.available_at <= at && l.expires_at.is_none_or(|e| e > at))
            .map(|l| l.remaining)
            .sum()
    }

    /// Writes one change as the repository does: a credit opens a lot; a debit consumes the
    /// oldest lots (spends only spendable ones and must be covered; clawbacks take what is
    /// there). Returns the applied amount.
    fn apply(
        &mut self,
        w: &mut Writer,
        t: &Tables,
        operation: i64,
        change: &Change,
        actor: &str,
        at: i64,
    ) -> i64 {
        let credit = change.amount >= 0;
        let mut applied = change.amount;
        if !credit {
            let only_spendable = change.kind == LedgerKind::Spend;
            let state = &self.clients[change.client];
            let lots: Vec<Lot> = state
                .lots
                .iter()
                .filter(|l| {
                    l.remaining > 0
                        && (!only_spendable
                            || (l.available_at <= at && l.expires_at.is_none_or(|e| e > at)))
                })
                .map(|l| Lot {
                    id: l.id,
                    remaining: Points::from_minor(l.remaining),
                })
                .collect();
            let (takes, short) = consume_oldest_first(&lots, Points::from_minor(-change.amount));
            let state = &mut self.clients[change.client];
            for (lot_id, take) in takes {
                if let Some(lot) = state.lots.iter_mut().find(|l| l.id == lot_id) {
                    lot.remaining -= take.minor();
                    if !lot.dirty {
                        lot.dirty = true;
                        self.dirty.push((change.client, lot_id));
                    }
                }
            }
            applied = change.amount + short.minor();
            if applied == 0 {
                return 0;
            }
        }
        let id = self.next_ledger;
        self.next_ledger += 1;
        if credit {
            self.clients[change.client].lots.push(LotState {
                id,
                remaining: applied,
                available_at: change.available_at,
                expires_at: change.expires_at,
                dirty: false,
            });
        }
        self.clients[change.client].balance += applied;
        let source = change.source.map(|s| self.client_id(s));
        w.row(
            t.ledger,
            &[
                V::I(id),
                V::I(self.client_id(change.client)),
                V::I(operation),
                V::T(change.kind.code()),
                V::I(applied),
                V::I(if credit { applied } else { 0 }),
                V::I(change.available_at),
                V::oi(change.expires_at),
                V::oi(change.generation.map(i64::from)),
                V::oi(source),
                V::Null,
                V::T(actor),
                V::I(at),
            ],
        );
        self.report.ledger_entries += 1;
        applied
    }

    fn reevaluate(&mut self, w: &mut Writer, t: &Tables, client: usize, at: i64) {
        let state = &self.clients[client];
        let progress = LevelProgress {
            total_spent: Money::from_minor(state.total_spent),
            purchase_count: state.purchase_count,
            referrals: if self.needs_referrals {
                state.referrals
            } else {
                0
            },
        };
        let level = level_for(&self.levels, &progress).map(|l| l.id.get());
        if level == state.level {
            return;
        }
        let from = state.level;
        self.clients[client].level = level;
        w.row(
            t.level_changes,
            &[
                V::I(self.client_id(client)),
                V::oi(from),
                V::oi(level),
                V::I(at),
            ],
        );
        self.report.level_changes += 1;
    }

    fn referrers(&self, client: usize, depth: usize) -> Vec<usize> {
        let mut chain = Vec::with_capacity(depth);
        let mut at = self.clients[client].referrer;
        while let Some(r) = at {
            if chain.len() >= depth {
                break;
            }
            chain.push(r);
            at = self.clients[r].referrer;
        }
        chain
    }

    #[allow(clippy::too_many_arguments)]
    fn reward_rows(
        &mut self,
        w: &mut Writer,
        t: &Tables,
        operation: i64,
        source: usize,
        rewards: &[crm_clients::loyalty::purchase::ReferralReward],
        reward_type: RewardType,
        sign: i64,
        at: i64,
    ) {
        let source_id = self.client_id(source);
        for r in rewards {
            w.row(
                t.rewards,
                &[
                    V::I(operation),
                    V::I(r.beneficiary.get()),
                    V::I(source_id),
                    V::I(i64::from(r.generation)),
                    V::T(reward_type.code()),
                    V::I(sign * r.amount.minor()),
                    V::I(at),
                ],
            );
            self.report.referral_rewards += 1;
        }
    }

    /// Plans and writes one purchase; returns its id and breakdown.
    #[allow(clippy::too_many_arguments)]
    fn purchase(
        &mut self,
        w: &mut Writer,
        t: &Tables,
        rng: &mut Rng,
        client: usize,
        total: i64,
        employee: i64,
        location: i64,
        receipt: &str,
        at: i64,
    ) -> Option<(i64, PurchaseBreakdown, RewardType)> {
        let level = self.clients[client]
            .level
            .and_then(|id| self.levels.iter().find(|l| l.id.get() == id))
            .cloned();
        let rates: Vec<Percent> = self.referral.active_generations().to_vec();
        let chain: Vec<ClientId> = self
            .referrers(client, rates.len())
            .into_iter()
            .map(|r| ClientId(self.client_id(r)))
            .collect();
        let spendable = self.spendable(client, at);
        // A client who owns a gift certificate usually presents it while it has a balance.
        let certificate = self
            .client_certificate
            .get(&client)
            .copied()
            .filter(|&c| self.certificates[c].issued_at <= at)
            .and_then(|c| {
                redeemable(&self.certificates[c].certificate, millis(at))
                    .ok()
                    .map(|balance| (c, balance))
            })
            .filter(|_| rng.chance(0.8));
        let mut input = PurchaseInput {
            total: Money::from_minor(total),
            points_requested: Points::ZERO,
            spendable_points: Points::from_minor(spendable),
            max_points_share: level
                .as_ref()
                .and_then(|l| l.max_points_share)
                .unwrap_or(self.rules.max_points_share),
            cashback_rate: level
                .as_ref()
                .map_or(self.rules.base_cashback, |l| l.cashback),
            certificate_balance: certificate.map(|(_, balance)| balance),
            referrers: chain,
            referral_rates: rates,
        };
        let mut breakdown = compute_purchase(&input).ok()?;
        // A share of the clients with points pays part of the check with them.
        if breakdown.max_points.minor() > 0 && rng.chance(0.35) {
            let max = breakdown.max_points.minor();
            let wanted = if rng.chance(0.6) {
                max
            } else {
                (max / 100).max(1) * rng.range(1, 100) / 100 * 100
            };
            input.points_requested = Points::from_minor(wanted.clamp(1, max));
            breakdown = compute_purchase(&input).ok()?;
        }
        let reward_type = self.referral.reward_type;
        let id = self.next_operation;
        self.next_operation += 1;
        let actor = format!("employee:{employee}");
        let client_id = self.client_id(client);
        let certificate = certificate.filter(|_| breakdown.certificate_amount.minor() > 0);
        let certificate_id = certificate.map(|(c, _)| self.certificates[c].certificate.id.get());
        w.row(
            t.operations,
            &[
                V::I(id),
                V::T("purchase"),
                V::I(client_id),
                V::I(employee),
                V::I(location),
                V::Null,
                V::oi(certificate_id),
                V::I(breakdown.total.minor()),
                V::I(breakdown.certificate_amount.minor()),
                V::I(breakdown.points_spent.minor()),
                V::I(breakdown.cash_paid.minor()),
                V::I(breakdown.cashback.minor()),
                V::I(breakdown.cashback_rate.basis_points()),
                V::I(0),
                V::I(0),
                V::I(0),
                V::I(0),
                V::I(0),
                V::I(0),
                V::T(reward_type.code()),
                V::T(receipt),
                V::Null,
                V::T(&actor),
                V::Null,
                V::Null,
                V::I(at),
            ],
        );
        self.report.purchases += 1;
        if let Some((c, _)) = certificate {
            let amount = breakdown.certificate_amount;
            let state = &mut self.certificates[c];
            state.certificate.balance = state.certificate.balance - amount;
            state.dirty = true;
            w.row(
                t.redemptions,
                &[
                    V::I(state.certificate.id.get()),
                    V::I(id),
                    V::I(amount.minor()),
                    V::I(at),
                ],
            );
            self.report.certificate_redemptions += 1;
        }
        *self.recorded.entry((employee, local_day(at))).or_default() += breakdown.cash_paid.minor();
        let changes = self.changes(&purchase_postings(
            ClientId(self.client_id(client)),
            &breakdown,
            reward_type,
            &self.rules,
            millis(at),
        ));
        for change in &changes {
            self.apply(w, t, id, change, &actor, at);
        }
        self.reward_rows(
            w,
            t,
            id,
            client,
            &breakdown.referral_rewards.clone(),
            reward_type,
            1,
            at,
        );
        let state = &mut self.clients[client];
        let count_before = state.purchase_count;
        state.total_spent += breakdown.cash_paid.minor();
        state.purchase_count += 1;
        state.first_purchase_at = state.first_purchase_at.or(Some(at));
        state.last_purchase_at = Some(at);
        let referrer = state.referrer;
        self.reevaluate(w, t, client, at);
        if count_before == 0 {
            if let Some(r) = referrer {
                self.clients[r].referrals += 1;
                self.reevaluate(w, t, r, at);
            }
        }
        Some((id, breakdown, reward_type))
    }

    /// Plans and writes a refund of (part of) a purchase.
    fn refund(
        &mut self,
        w: &mut Writer,
        t: &Tables,
        rng: &mut Rng,
        pending: &PendingRefund,
        at: i64,
    ) {
        let p = &pending.breakdown;
        let client = pending.client;
        // A full refund only where it leaves the client with purchases (a partial one otherwise).
        let full = self.clients[client].purchase_count > 1 && rng.chance(0.6);
        let amount = if full {
            p.total
        } else {
            Money::from_minor((p.total.minor() / 2).max(1))
        };
        let Ok(r) = compute_refund(
            p,
            &RefundedSoFar::default(),
            amount,
            self.rules.refund_claws_back_referrals,
            &[],
        ) else {
            return;
        };
        let id = self.next_operation;
        self.next_operation += 1;
        let actor = format!("employee:{}", self.refund_employee);
        let actor = actor.as_str();
        let changes = self.changes(&refund_postings(
            ClientId(self.client_id(client)),
            &r,
            pending.reward_type,
            &self.rules,
            millis(at),
        ));
        let mut client_delta = 0;
        for change in &changes {
            let applied = self.apply(w, t, id, change, actor, at);
            if change.client == client {
                client_delta += applied;
            }
        }
        let expected = r.points_returned.minor() - r.cashback_reversed.minor();
        let shortfall = (client_delta - expected).max(0);
        w.row(
            t.operations,
            &[
                V::I(id),
                V::T("refund"),
                V::I(self.client_id(client)),
                V::I(self.refund_employee),
                V::I(pending.location),
                V::I(pending.purchase_id),
                V::Null,
                V::I(r.amount.minor()),
                V::I(r.certificate_returned.minor()),
                V::I(r.points_returned.minor()),
                V::I(r.cash_returned.minor()),
                V::I(r.cashback_reversed.minor()),
                V::I(p.cashback_rate.basis_points()),
                V::I(shortfall),
                V::I(0),
                V::I(0),
                V::I(0),
                V::I(0),
                V::I(0),
                V::T(pending.reward_type.code()),
                V::T(&pending.receipt),
                V::T(if full {
                    "Возврат покупки"
                } else {
                    "Частичный возврат"
                }),
                V::T(actor),
                V::Null,
                V::Null,
                V::I(at),
            ],
        );
        self.report.refunds += 1;
        *self
            .recorded
            .entry((self.refund_employee, local_day(at)))
            .or_default() -= r.cash_returned.minor();
        self.reward_rows(
            w,
            t,
            id,
            client,
            &r.referral_reversed,
            pending.reward_type,
            -1,
            at,
        );
        self.purchase_updates.push([
            r.amount.minor(),
            r.points_returned.minor(),
            r.cash_returned.minor(),
            r.certificate_returned.minor(),
            r.cashback_reversed.minor(),
            pending.purchase_id,
        ]);
        let state = &mut self.clients[client];
        state.total_spent -= r.cash_returned.minor();
        state.purchase_count -= i64::from(r.completes_refund);
        self.reevaluate(w, t, client, at);
    }

    /// Writes the final `remaining` of every lot that changed, once per lot, in id order.
    fn write_lots(&mut self, conn: &mut SqliteConnection) -> Result<(), DemoError> {
        let mut updates = std::mem::take(&mut self.lot_updates);
        // Stable: the last value noted for a lot stays last among its equals.
        updates.sort_by_key(|&(id, _)| id);
        for (i, &(id, remaining)) in updates.iter().enumerate() {
            if updates.get(i + 1).is_some_and(|next| next.0 == id) {
                continue;
            }
            writer::execute_ints(
                conn,
                &["UPDATE points_ledger SET remaining = ", " WHERE id = ", ""],
                &[remaining, id],
            )?;
        }
        Ok(())
    }

    /// Notes the lots whose remaining changed and writes the refunded purchases' figures,
    /// after the rows of the transaction are flushed; forgets spent lots.
    fn flush_updates(&mut self, conn: &mut SqliteConnection) -> Result<(), DemoError> {
        for &(client, lot_id) in &self.dirty {
            if let Some(lot) = self.clients[client]
                .lots
                .iter_mut()
                .find(|l| l.id == lot_id)
            {
                self.lot_updates.push((lot.id, lot.remaining));
                lot.dirty = false;
            }
        }
        for &(client, _) in &self.dirty {
            self.clients[client].lots.retain(|l| l.remaining > 0);
        }
        self.dirty.clear();
        for update in self.purchase_updates.drain(..) {
            writer::execute_ints(
                conn,
                &[
                    "UPDATE operations SET refunded_total = refunded_total + ",
                    ", refunded_points = refunded_points + ",
                    ", refunded_cash = refunded_cash + ",
                    ", refunded_certificate = refunded_certificate + ",
                    ", reversed_cashback = reversed_cashback + ",
                    " WHERE id = ",
                    "",
                ],
                &update,
            )?;
        }
        Ok(())
    }
}

/// Fills an empty database with a business of the configured size. Refuses a database that
/// already has clients.
pub fn generate(db: &Database, config: &DemoConfig) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    if config.clients == 0 || config.clients > MAX_CLIENTS {
        return Err(DemoError::InvalidSize(format!(
            "clients must be 1 to {MAX_CLIENTS}"
        )));
    }
    if config.operations > MAX_OPERATIONS {
        return Err(DemoError::InvalidSize(format!(
            "operations must be at most {MAX_OPERATIONS}"
        )));
    }
    if config.days == 0 || config.days > 3_650 {
        return Err(DemoError::InvalidSize("days must be 1 to 3650".into()));
    }
    if !(staff::MIN_EMPLOYEES..=staff::MAX_EMPLOYEES).contains(&config.employees) {
        return Err(DemoError::InvalidSize(format!(
            "employees must be {} to {}",
            staff::MIN_EMPLOYEES,
            staff::MAX_EMPLOYEES
        )));
    }
    let mut conn = db.conn()?;
    let existing = scalar(&mut conn, "SELECT COUNT(*) AS n FROM clients")?;
    if existing > 0 {
        return Err(DemoError::NotEmpty(existing));
    }
    // A bulk load: a large page cache and memory map keep the indexes off the system calls;
    // durability per transaction is not needed until the end (a failed run is thrown away).
    conn.batch_execute(
        "PRAGMA cache_size = -262144; PRAGMA mmap_size = 1073741824; \
         PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA threads = 2; \
         PRAGMA analysis_limit = 2000;",
    )?;
    // The secondary indexes of the tables the generator fills are dropped for the load and
    // rebuilt after it from their own definitions (sorted builds instead of millions of
    // random inserts into each index).
    let indexes = drop_indexes(&mut conn)?;
    let outcome = fill(db, &mut conn, config);
    let lap = Instant::now();
    let rebuilt = restore_indexes(&mut conn, &indexes);
    phase("indexes", lap);
    let lap = Instant::now();
    let analysed = conn.batch_execute("ANALYZE;");
    phase("analyze", lap);
    conn.batch_execute(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000; PRAGMA mmap_size = 0; \
         PRAGMA threads = 0; PRAGMA analysis_limit = 0; PRAGMA temp_store = DEFAULT;",
    )?;
    let mut report = outcome?;
    rebuilt?;
    analysed?;
    // The analytics rollups catch up with the whole history now, not on the first read.
    let lap = Instant::now();
    crate::analytics::rollups::catch_up_all(&mut conn)?;
    phase("rollups", lap);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Logs how long a phase of the generation took.
fn phase(name: &str, since: Instant) {
    tracing::debug!(
        phase = name,
        ms = since.elapsed().as_millis() as u64,
        "demo data"
    );
}

/// The tables the generator fills in bulk: their secondary indexes are rebuilt after the load.
const BULK_TABLES: &[&str] = &[
    "clients",
    "operations",
    "points_ledger",
    "referral_rewards",
    "client_level_changes",
    "page_views",
    "feedback",
    "appointments",
    "appointment_status_changes",
    "deliveries",
    "messages",
    "dialogues",
    "campaign_events",
    "news_events",
    "certificates",
    "certificate_redemptions",
    "shifts",
    "timesheet_entries",
];

/// Indexes kept during the load: their keys grow with time (or the operation id), so the
/// load appends to them, which costs less than sorting them afterwards.
const APPENDED_INDEXES: &[&str] = &[
    "operations_by_time",
    "operations_sales",
    "operations_by_kind",
    "operations_purchases_cover",
    "points_ledger_by_time",
    "referral_rewards_by_operation",
    "client_level_changes_by_time",
];

/// An index as the migrations defined it.
#[derive(QueryableByName)]
struct IndexDefinition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// Drops the explicitly created indexes of the bulk tables (but those the load appends to);
/// returns their definitions (the `CREATE INDEX` text stored in `sqlite_master`, re-run as is
/// afterwards).
fn drop_indexes(conn: &mut SqliteConnection) -> Result<Vec<IndexDefinition>, DemoError> {
    let tables = BULK_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    let indexes: Vec<IndexDefinition> = diesel::sql_query(format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({tables}) ORDER BY name"
    ))
    .load(conn)?;
    let indexes: Vec<IndexDefinition> = indexes
        .into_iter()
        .filter(|i| !APPENDED_INDEXES.contains(&i.name.as_str()))
        .collect();
    let mut drop = String::new();
    for index in &indexes {
        drop.push_str(&format!(
            "DROP INDEX \"{}\";",
            index.name.replace('"', "\"\"")
        ));
    }
    conn.batch_execute(&drop)?;
    Ok(indexes)
}

/// Re-creates the dropped indexes from their stored definitions.
fn restore_indexes(
    conn: &mut SqliteConnection,
    indexes: &[IndexDefinition],
) -> Result<(), DemoError> {
    conn.immediate_transaction::<_, DemoError, _>(|conn| {
        for index in indexes {
            conn.batch_execute(&index.sql)?;
        }
        Ok(())
    })
}

fn fill(
    db: &Database,
    conn: &mut crate::db::Connection,
    config: &DemoConfig,
) -> Result<DemoReport, DemoError> {
    let mut rng = Rng::new(config.seed);
    let end = config.end.unix_millis();
    let start = end - i64::from(config.days) * DAY_MS;
    let mut report = DemoReport::default();

    // The programme, staff, goods and stock.
    let lap = Instant::now();
    let setup = conn.immediate_transaction::<_, DemoError, _>(|conn| {
        setup_business(
            conn,
            &mut rng,
            start,
            config.employees as usize,
            &mut report,
        )
    })?;
    let programme = SqliteLoyaltyProgramme::new(db.clone());
    let rules = programme.rules()?;
    let levels = programme.levels()?;
    let referral = programme.referral_config()?;

    phase("setup", lap);
    let lap = Instant::now();
    // Clients.
    let first_client_id = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM clients")?;
    let clients = make_clients(&mut rng, config, start, end, &setup);
    for chunk in clients.chunks(CLIENTS_PER_TRANSACTION) {
        conn.immediate_transaction::<_, DemoError, _>(|conn| {
            let mut w = Writer::default();
            let table = w.table(
                "clients",
                "id, full_name, search_name, phone, telegram_id, telegram_username, birthday, \
                 gender, referrer_id, traffic_channel_id, consent_personal_data, \
                 consent_personal_data_at, consent_marketing, consent_marketing_at, consent_sms, \
                 consent_sms_at, consent_app_push, consent_app_push_at, created_at, updated_at",
            );
            for c in chunk {
                let given = |yes: bool| V::I(i64::from(yes));
                let at = |yes: bool| if yes { V::I(c.created_at) } else { V::Null };
                w.row(
                    table,
                    &[
                        V::I(first_client_id + c.index as i64),
                        V::T(&c.full_name),
                        V::T(&crm_core::search_key(&c.full_name)),
                        c.phone.as_deref().map_or(V::Null, V::T),
                        V::oi(c.telegram_id),
                        c.telegram_username.as_deref().map_or(V::Null, V::T),
                        c.birthday.as_deref().map_or(V::Null, V::T),
                        V::T(c.gender),
                        V::oi(c.referrer.map(|r| first_client_id + r as i64)),
                        V::oi(c.channel),
                        given(c.personal_data),
                        at(c.personal_data),
                        given(c.marketing),
                        at(c.marketing),
                        given(c.sms),
                        at(c.sms),
                        given(c.app_push),
                        at(c.app_push),
                        V::I(c.created_at),
                        V::I(c.created_at),
                    ],
                );
                w.maybe_flush(conn)?;
            }
            w.flush(conn)?;
            Ok(())
        })?;
    }
    report.clients = clients.len() as u64;
    report.referred_clients = clients.iter().filter(|c| c.referrer.is_some()).count() as u64;

    let needs_referrals = levels.iter().any(|l| {
        matches!(
            l.threshold,
            crm_clients::loyalty::LevelThreshold::Referrals(_)
        )
    });
    let mut business = Business {
        rules,
        levels,
        referral,
        needs_referrals,
        first_client_id,
        refund_employee: setup.cashiers.get(1).copied().unwrap_or_default(),
        clients: clients
            .iter()
            .map(|c| ClientState {
                referrer: c.referrer,
                created_at: c.created_at,
                ..ClientState::default()
            })
            .collect(),
        next_operation: scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM operations")?,
        next_ledger: scalar(
            conn,
            "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM points_ledger",
        )?,
        dirty: Vec::new(),
        lot_updates: Vec::new(),
        purchase_updates: Vec::new(),
        certificates: Vec::new(),
        client_certificate: HashMap::new(),
        recorded: HashMap::new(),
        report,
    };
    let profiles: Vec<areas::Profile> = clients.iter().map(areas::Profile::of).collect();
    drop(clients);
    let created: Vec<i64> = business.clients.iter().map(|c| c.created_at).collect();

    // Gift certificates sold over the history (redeemed in the purchases below).
    conn.immediate_transaction::<_, DemoError, _>(|conn| {
        areas::sell_certificates(conn, &mut rng, &mut business, &created, &setup, start, end)
    })?;

    phase("clients", lap);
    let lap = Instant::now();
    // Purchases and refunds, in time order.
    let times = purchase_times(&mut rng, config.operations, start, config.days);
    let mut pending: BinaryHeap<Reverse<(i64, u64)>> = BinaryHeap::new();
    let mut pending_data: HashMap<u64, PendingRefund> = HashMap::new();
    let mut pending_seq = 0u64;
    let mut receipt_seq = 0u64;
    for chunk in times.chunks(OPERATIONS_PER_TRANSACTION) {
        conn.immediate_transaction::<_, DemoError, _>(|conn| {
            let mut w = Writer::default();
            let t = Tables::new(&mut w);
            for &at in chunk {
                while let Some(Reverse((due, seq))) = pending.peek().copied() {
                    if due > at {
                        break;
                    }
                    pending.pop();
                    if let Some(p) = pending_data.remove(&seq) {
                        business.refund(&mut w, &t, &mut rng, &p, due);
                    }
                    w.maybe_flush(conn)?;
                }
                let known = created.partition_point(|&c| c <= at);
                if known == 0 {
                    continue;
                }
                let client = if rng.chance(0.25) {
                    known - 1 - rng.below(known.min(300) as u64) as usize
                } else {
                    ((known as f64) * rng.unit().powf(1.6)) as usize
                }
                .min(known - 1);
                let total = check_total(&mut rng);
                let employee = *rng.pick(&setup.cashiers);
                let location = *rng.pick(&setup.points_of_sale);
                receipt_seq += 1;
                let receipt = format!("{location}-{receipt_seq:07}");
                if let Some((id, breakdown, reward_type)) = business.purchase(
                    &mut w, &t, &mut rng, client, total, employee, location, &receipt, at,
                ) {
                    if breakdown.certificate_amount.minor() == 0 && rng.chance(0.02) {
                        let due = at + rng.range(HOUR_MS, 7 * DAY_MS);
                        if due < end {
                            pending_seq += 1;
                            pending.push(Reverse((due, pending_seq)));
                            pending_data.insert(
                                pending_seq,
                                PendingRefund {
                                    purchase_id: id,
                                    client,
                                    breakdown,
                                    reward_type,
                                    location,
                                    receipt,
                                },
                            );
                        }
                    }
                }
                w.maybe_flush(conn)?;
            }
            w.flush(conn)?;
            business.flush_updates(conn)?;
            Ok(())
        })?;
    }
    // Refunds still due before the end of the history.
    conn.immediate_transaction::<_, DemoError, _>(|conn| {
        let mut w = Writer::default();
        let t = Tables::new(&mut w);
        while let Some(Reverse((due, seq))) = pending.pop() {
            if let Some(p) = pending_data.remove(&seq) {
                business.refund(&mut w, &t, &mut rng, &p, due);
            }
            w.maybe_flush(conn)?;
        }
        w.flush(conn)?;
        business.flush_updates(conn)?;
        business.write_lots(conn)?;
        write_figures(conn, &business)?;
        areas::write_certificate_balances(conn, &business)?;
        Ok(())
    })?;
    phase("purchases", lap);
    let lap = Instant::now();
    let mut report = std::mem::take(&mut business.report);
    conn.immediate_transaction::<_, DemoError, _>(|conn| {
        engagement(conn, &mut rng, &business, &setup, end, &mut report)
    })?;
    phase("engagement", lap);
    let lap = Instant::now();
    let history = areas::History {
        business: &business,
        profiles: &profiles,
        created: &created,
        setup: &setup,
        start,
        end,
    };
    conn.immediate_transaction::<_, DemoError, _>(|conn| {
        areas::staff_and_appointments(conn, &mut rng, &history, &mut report)
    })?;
    phase("staff", lap);
    let lap = Instant::now();
    conn.immediate_transaction::<_, DemoError, _>(|conn| {
        areas::communications(conn, &mut rng, &history, &mut report)
    })?;
    phase("communications", lap);
    Ok(report)
}

/// Stores every client's final figures (balance, totals, level) in one pass.
fn write_figures(conn: &mut SqliteConnection, business: &Business) -> Result<(), DemoError> {
    conn.batch_execute(
        "CREATE TEMP TABLE demo_figures (id INTEGER PRIMARY KEY, balance BIGINT, \
         total_spent BIGINT, purchase_count BIGINT, first_at BIGINT, last_at BIGINT, \
         level_id BIGINT)",
    )?;
    let mut w = Writer::default();
    let table = w.table(
        "temp.demo_figures",
        "id, balance, total_spent, purchase_count, first_at, last_at, level_id",
    );
    for (i, c) in business.clients.iter().enumerate() {
        if c.purchase_count == 0 && c.balance == 0 && c.level.is_none() && c.total_spent == 0 {
            continue;
        }
        w.row(
            table,
            &[
                V::I(business.client_id(i)),
                V::I(c.balance),
                V::I(c.total_spent),
                V::I(c.purchase_count),
                V::oi(c.first_purchase_at),
                V::oi(c.last_purchase_at),
                V::oi(c.level),
            ],
        );
        w.maybe_flush(conn)?;
    }
    w.flush(conn)?;
    conn.batch_execute(
        "UPDATE clients SET points_balance = f.balance, total_spent = f.total_spent, \
         purchase_count = f.purchase_count, first_purchase_at = f.first_at, \
         last_purchase_at = f.last_at, level_id = f.level_id \
         FROM temp.demo_figures AS f WHERE clients.id = f.id; \
         DROP TABLE temp.demo_figures;",
    )?;
    Ok(())
}

/// Ids of what the set-up created.
struct Setup {
    channels: Vec<i64>,
    cashiers: Vec<i64>,
    points_of_sale: Vec<i64>,
    services: Vec<i64>,
    staff: Vec<staff::Employee>,
}

/// Writes the programme (levels, referral configuration, company card), traffic channels,
/// staff, locations, goods and services with their stock receipts.
fn setup_business(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    start: i64,
    employees_wanted: usize,
    report: &mut DemoReport,
) -> Result<Setup, DemoError> {
    let at = start - 90 * DAY_MS;
    conn.batch_execute(&format!(
        "UPDATE system_settings SET company_name = 'Студия красоты «Лаванда»', \
         legal_name = 'ООО «Лаванда»', phone = '+74951234567', \
         address = 'Москва, ул. Садовая, 12', updated_at = {at}, updated_by = 'system'; \
         UPDATE referral_config SET enabled = 1, generations_bp = '500,300,150,100,50,50', \
         reward_type = 'points', updated_at = {at}, updated_by = 'system';"
    ))?;
    let mut w = Writer::default();
    let levels = w.table(
        "loyalty_levels",
        "name, cashback_bp, threshold_kind, threshold, max_points_share_bp, created_at, updated_at",
    );
    for (name, cashback, kind, threshold, share) in [
        ("Бронза", 300, "purchase_count", 1, None),
        ("Серебро", 500, "total_spent", 15_000_00, None),
        ("Золото", 700, "total_spent", 60_000_00, Some(5_000)),
        ("Амбассадор", 1_000, "referrals", 5, Some(5_000)),
    ] {
        w.row(
            levels,
            &[
                V::T(name),
                V::I(cashback),
                V::T(kind),
                V::I(threshold),
                V::oi(share),
                V::I(at),
                V::I(at),
            ],
        );
    }
    w.flush(conn)?;

    let first_channel = scalar(
        conn,
        "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM traffic_channels",
    )?;
    let channels = w.table(
        "traffic_channels",
        "id, name, code, link, utm_source, utm_medium, utm_campaign, created_at, updated_at",
    );
    for (i, (name, code, source)) in CHANNELS.iter().enumerate() {
        let link = format!("https://t.me/lavanda_bot?start={code}");
        w.row(
            channels,
            &[
                V::I(first_channel + i as i64),
                V::T(name),
                V::T(&format!("demo_{code}")),
                V::T(&link),
                V::T(source),
                V::T("social"),
                V::T("loyalty"),
                V::I(at),
                V::I(at),
            ],
        );
    }

    let first_employee = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM employees")?;
    let employees = w.table(
        "employees",
        "id, full_name, name_search, phone, role, position, pay_system, hourly_rate, \
         piece_rate, monthly_salary, revenue_share_bp, hire_date, created_at, updated_at",
    );
    let staff = staff::staff(rng, employees_wanted, first_employee);
    let mut cashiers = Vec::new();
    for (i, e) in staff.iter().enumerate() {
        if matches!(e.role, "cashier" | "admin" | "owner") {
            cashiers.push(e.id);
        }
        let (pay, hourly, piece, share, salary) = staff::pay_columns(&e.pay);
        w.row(
            employees,
            &[
                V::I(e.id),
                V::T(&e.full_name),
                V::T(&crm_core::search_key(&e.full_name)),
                V::T(&format!("+7916{:07}", 1_000_000 + i * 7_919)),
                V::T(e.role),
                V::T(e.position),
                V::T(pay),
                V::I(hourly),
                V::I(piece),
                V::I(salary),
                V::I(share),
                V::T("2024-03-01"),
                V::I(at),
                V::I(at),
            ],
        );
    }
    report.employees = staff.len() as u64;

    let first_location = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM locations")?;
    let locations = w.table("locations", "id, kind, name, address, active, created_at");
    for (i, (kind, name, address)) in [
        ("warehouse", "Склад", "Москва, ул. Садовая, 12, подвал"),
        (
            "point_of_sale",
            "Салон на Садовой",
            "Москва, ул. Садовая, 12",
        ),
        ("point_of_sale", "Салон на Арбате", "Москва, ул. Арбат, 24"),
    ]
    .iter()
    .enumerate()
    {
        w.row(
            locations,
            &[
                V::I(first_location + i as i64),
                V::T(kind),
                V::T(name),
                V::T(address),
                V::I(1),
                V::I(at),
            ],
        );
    }
    let points_of_sale = vec![first_location + 1, first_location + 2];

    let first_product = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM products")?;
    let products = w.table(
        "products",
        "id, kind, name, name_lower, category, price, cost_price, unit, sku, duration_minutes, \
         low_stock_threshold, created_at, updated_at",
    );
    let receipts = w.table(
        "stock_movements",
        "product_id, location_id, kind, quantity, balance_after, unit_cost, reason, actor, \
         comment, created_at",
    );
    let balances = w.table(
        "stock_balances",
        "product_id, location_id, quantity, last_movement_at",
    );
    let mut next = first_product;
    for (i, (name, category, price, cost)) in GOODS.iter().enumerate() {
        let id = next;
        next += 1;
        w.row(
            products,
            &[
                V::I(id),
                V::T("product"),
                V::T(name),
                V::T(&crm_core::search_key(name)),
                V::T(category),
                V::I(price * 100),
                V::I(cost * 100),
                V::T("pcs"),
                V::T(&format!("DEMO-{:04}", i + 1)),
                V::Null,
                V::I(5_000),
                V::I(start - 90 * DAY_MS),
                V::I(start - 90 * DAY_MS),
            ],
        );
        for &location in &[first_location, first_location + 1, first_location + 2] {
            let mut balance = 0;
            for receipt in 0..3 {
                let quantity = rng.range(10, 60) * 1_000;
                balance += quantity;
                let when = start + receipt * 120 * DAY_MS + rng.range(0, DAY_MS);
                w.row(
                    receipts,
                    &[
                        V::I(id),
                        V::I(location),
                        V::T("receipt"),
                        V::I(quantity),
                        V::I(balance),
                        V::I(cost * 100),
                        V::T("Поставка"),
                        V::T(&format!("employee:{}", first_employee + 2)),
                        V::Null,
                        V::I(when),
                    ],
                );
                report.stock_receipts += 1;
            }
            w.row(
                balances,
                &[
                    V::I(id),
                    V::I(location),
                    V::I(balance),
                    V::I(start + 240 * DAY_MS),
                ],
            );
        }
    }
    let mut services = Vec::new();
    for (i, (name, category, price, minutes)) in SERVICES.iter().enumerate() {
        let id = next;
        next += 1;
        services.push(id);
        w.row(
            products,
            &[
                V::I(id),
                V::T("service"),
                V::T(name),
                V::T(&crm_core::search_key(name)),
                V::T(category),
                V::I(price * 100),
                V::Null,
                V::T("service"),
                V::T(&format!("DEMO-S{:03}", i + 1)),
                V::I(*minutes),
                V::Null,
                V::I(start - 90 * DAY_MS),
                V::I(start - 90 * DAY_MS),
            ],
        );
    }
    report.products = (GOODS.len() + SERVICES.len()) as u64;
    w.flush(conn)?;
    Ok(Setup {
        channels: (0..CHANNELS.len() as i64)
            .map(|i| first_channel + i)
            .collect(),
        cashiers,
        points_of_sale,
        services,
        staff,
    })
}

/// A client before it is written.
struct NewClient {
    index: usize,
    full_name: String,
    phone: Option<String>,
    telegram_id: Option<i64>,
    telegram_username: Option<String>,
    birthday: Option<String>,
    gender: &'static str,
    referrer: Option<usize>,
    channel: Option<i64>,
    personal_data: bool,
    marketing: bool,
    sms: bool,
    app_push: bool,
    created_at: i64,
}

fn make_clients(
    rng: &mut Rng,
    config: &DemoConfig,
    start: i64,
    end: i64,
    setup: &Setup,
) -> Vec<NewClient> {
    let n = config.clients as usize;
    // 15 % joined in the two months before the history; the rest over it, growing.
    let early = (n * 15 / 100).max(1);
    let mut referred: Vec<usize> = Vec::new();
    let mut out = Vec::with_capacity(n);
    for index in 0..n {
        let created_at = if index < early {
            start - 60 * DAY_MS + (60 * DAY_MS) * index as i64 / early as i64
        } else {
            let x = (index - early) as f64 / (n - early).max(1) as f64;
            start + ((end - start - HOUR_MS) as f64 * x.powf(0.8)) as i64
        };
        let female = rng.chance(0.62);
        let first = if female {
            rng.pick(FEMALE_FIRST)
        } else {
            rng.pick(MALE_FIRST)
        };
        let last = rng.pick(LAST);
        let last = if female {
            female_last(last)
        } else {
            (*last).to_owned()
        };
        let referrer = if index > 10 && rng.chance(0.35) {
            // Invited clients often invite in turn: chains grow several generations deep.
            let r = if !referred.is_empty() && rng.chance(0.5) {
                let recent = referred.len().min(500);
                referred[referred.len() - 1 - rng.below(recent as u64) as usize]
            } else {
                index - 1 - rng.below(index.min(5_000) as u64) as usize
            };
            Some(r)
        } else {
            None
        };
        if referrer.is_some() {
            referred.push(index);
        }
        let telegram = rng.chance(0.45);
        let personal_data = rng.chance(0.95);
        let marketing = personal_data && rng.chance(0.6);
        out.push(NewClient {
            index,
            full_name: format!("{first} {last}"),
            phone: rng.chance(0.9).then(|| {
                format!(
                    "+79{:09}",
                    (index as u64 * 48_271 + config.seed % 1_000) % 1_000_000_000
                )
            }),
            telegram_id: telegram.then_some(200_000_000 + index as i64 * 13),
            telegram_username: (telegram && rng.chance(0.5)).then(|| format!("client{index}")),
            birthday: rng.chance(0.8).then(|| {
                format!(
                    "{}-{:02}-{:02}",
                    rng.range(1960, 2007),
                    rng.range(1, 12),
                    rng.range(1, 28)
                )
            }),
            gender: if female { "female" } else { "male" },
            channel: (referrer.is_none() && rng.chance(0.7)).then(|| *rng.pick(&setup.channels)),
            referrer,
            personal_data,
            marketing,
            sms: marketing && rng.chance(0.5),
            app_push: telegram && personal_data && rng.chance(0.7),
            created_at,
        });
    }
    out
}

/// Purchase times over the history: busier weekends, a growing business, opening hours.
fn purchase_times(rng: &mut Rng, operations: u32, start: i64, days: u32) -> Vec<i64> {
    // Hour weights of a working day, 09:00 to 21:00 local time.
    const HOURS: [u32; 12] = [3, 6, 8, 10, 11, 9, 8, 9, 11, 12, 9, 4];
    let weights: Vec<f64> = (0..days)
        .map(|d| {
            let day = (start / DAY_MS) + i64::from(d);
            // 1970-01-01 was a Thursday: 0 = Monday.
            let weekday = (day + 3).rem_euclid(7);
            let week = match weekday {
                4 => 1.25,
                5 => 1.5,
                6 => 1.3,
                _ => 1.0,
            };
            week * (0.7 + 0.6 * f64::from(d) / f64::from(days))
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut times = Vec::with_capacity(operations as usize);
    let mut carried = 0.0;
    let mut made = 0u64;
    for (d, w) in weights.iter().enumerate() {
        carried += f64::from(operations) * w / sum;
        let upto = if d + 1 == weights.len() {
            u64::from(operations)
        } else {
            carried.round() as u64
        };
        let day_start = start + d as i64 * DAY_MS;
        let first = times.len();
        while made < upto {
            let hour = rng.weighted(&HOURS) as i64;
            let local = (9 + hour) * HOUR_MS + rng.range(0, HOUR_MS - 1);
            times.push(day_start + local - LOCAL_OFFSET_MS);
            made += 1;
        }
        times[first..].sort_unstable();
    }
    times
}

/// A check in minor units: most between a few hundred and a few thousand roubles.
fn check_total(rng: &mut Rng) -> i64 {
    let roubles = (350.0 * (14.0f64).powf(rng.unit())) as i64;
    let roubles = if rng.chance(0.05) {
        roubles * 3
    } else {
        roubles
    };
    (roubles / 10).max(1) * 10 * 100
}

/// Feedback ratings of services and page views of the Mini App.
fn engagement(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    business: &Business,
    setup: &Setup,
    end: i64,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let mut w = Writer::default();
    let feedback = w.table(
        "feedback",
        "client_id, kind, product_id, rating, text, source, created_by, created_at, updated_at",
    );
    let views = w.table("page_views", "page, client_id, visitor_id, at");
    const COMMENTS: &[&str] = &[
        "Всё понравилось, спасибо мастеру!",
        "Отличный сервис, приду ещё",
        "Немного подождала, но результат отличный",
        "Быстро и аккуратно",
        "Хорошо, но дороговато",
    ];
    for (i, c) in business.clients.iter().enumerate() {
        let id = business.client_id(i);
        if let Some(last) = c.last_purchase_at {
            if rng.chance(0.12) {
                let at = (last + rng.range(HOUR_MS, 2 * DAY_MS)).min(end - 1);
                let rating = [5, 5, 5, 4, 4, 3, 2][rng.below(7) as usize];
                let text = rng.chance(0.4).then(|| *rng.pick(COMMENTS));
                w.row(
                    feedback,
                    &[
                        V::I(id),
                        V::T("rating"),
                        V::I(*rng.pick(&setup.services)),
                        V::I(rating),
                        text.map_or(V::Null, V::T),
                        V::T("app"),
                        V::T(&format!("client:{id}")),
                        V::I(at),
                        V::I(at),
                    ],
                );
                report.feedback += 1;
            }
        }
        let visits = if c.purchase_count > 0 {
            rng.range(1, 4)
        } else {
            rng.range(0, 1)
        };
        for _ in 0..visits {
            let at = rng.range(c.created_at, end - 1);
            let page: &str = PAGES[rng.below(PAGES.len() as u64) as usize];
            w.row(views, &[V::T(page), V::I(id), V::Null, V::I(at)]);
            report.page_views += 1;
        }
        if rng.chance(0.3) {
            let visitor = format!("v{:016x}", rng.next_u64());
            let at = rng.range(c.created_at, end - 1);
            w.row(views, &[V::T("/"), V::Null, V::T(&visitor), V::I(at)]);
            report.page_views += 1;
        }
        w.maybe_flush(conn)?;
    }
    w.flush(conn)?;
    Ok(())
}
