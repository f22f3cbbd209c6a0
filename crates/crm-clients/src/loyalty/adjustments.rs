//! Upkeep of the points balances outside purchases: manual accruals and withdrawals with a
//! reason, the welcome bonus a new client gets once, and the expiry of unspent points.
//!
//! Every change is a ledger entry (see [`super::ledger`]): an accrual or a welcome bonus is a
//! lot, a withdrawal consumes spendable lots oldest first, and an expiry writes one debit per
//! expired lot that empties it. The repository behind [`PointsMaintenance`] commits each change
//! and the client's balance together, so `points_balance` always equals the ledger's sum.

use super::ledger::{LedgerChange, LedgerEntry, LedgerKind};
use super::operations::MAX_IDEMPOTENCY_KEY_CHARS;
use super::ports::LoyaltyProgramme;
use super::rules::LoyaltyRules;
use crm_core::{Actor, ClientId, Clock, FieldError, Points, RepoError, Timestamp};

/// Shortest reason of an adjustment, in characters.
pub const MIN_REASON_CHARS: usize = 3;
/// Longest reason of an adjustment, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// How many clients one expiry transaction settles.
pub const EXPIRY_BATCH_CLIENTS: usize = 200;
const DAY_SECONDS: i64 = 86_400;

/// Command: accrue (positive) or withdraw (negative) points by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentRequest {
    /// Whose balance.
    pub client_id: ClientId,
    /// Signed amount, not zero.
    pub amount: Points,
    /// Why (3–500 characters).
    pub reason: String,
}

impl AdjustmentRequest {
    /// A canonical text of the request, to recognise a repeated `Idempotency-Key`.
    pub fn fingerprint(&self) -> String {
        format!(
            "adjustment|{}|{}|{}",
            self.client_id,
            self.amount.minor(),
            self.reason.trim()
        )
    }
}

/// What a repository commits for an adjustment, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentPlan {
    /// The ledger change (kind `adjustment`): a credit creates a lot, a debit consumes
    /// spendable lots oldest first and is refused if they do not cover it.
    pub change: LedgerChange,
    /// The idempotency key and the request's fingerprint, if a key was sent.
    pub idempotency: Option<(String, String)>,
    /// Who adjusts.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// A committed adjustment: its ledger entry and the client's balance right after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// The entry written.
    pub entry: LedgerEntry,
    /// The balance after it.
    pub points_balance: Points,
}

/// Why a repository did not commit an adjustment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdjustmentRefusal {
    /// No such client.
    ClientNotFound,
    /// A withdrawal exceeds what the client can spend now.
    InsufficientPoints {
        /// Points spendable at the plan's instant.
        spendable: Points,
    },
    /// The idempotency key is already stored (a concurrent or earlier request).
    DuplicateKey,
    /// Storage failed.
    Storage(RepoError),
}

impl From<RepoError> for AdjustmentRefusal {
    fn from(e: RepoError) -> Self {
        AdjustmentRefusal::Storage(e)
    }
}

/// What one expiry run settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryReport {
    /// Lots emptied.
    pub lots: u64,
    /// Points they held.
    pub points: Points,
    /// Clients whose balance went down.
    pub clients: u64,
}

impl ExpiryReport {
    /// Adds another batch's figures.
    pub fn merge(self, other: ExpiryReport) -> ExpiryReport {
        ExpiryReport {
            lots: self.lots + other.lots,
            points: self.points + other.points,
            clients: self.clients + other.clients,
        }
    }
}

/// The failures of the points upkeep use cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdjustmentError {
    /// No such client.
    #[error("no such client")]
    ClientNotFound,
    /// Invalid input.
    #[error("invalid adjustment: {0:?}")]
    Validation(Vec<FieldError>),
    /// A withdrawal larger than the spendable points.
    #[error("at most {allowed} points can be withdrawn")]
    TooManyPoints {
        /// The largest withdrawal possible now.
        allowed: Points,
    },
    /// The idempotency key was used for a different request.
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    /// A concurrent request with the same key could not be read back.
    #[error("a concurrent request interfered; retry")]
    ConcurrentChange,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl From<RepoError> for AdjustmentError {
    fn from(e: RepoError) -> Self {
        AdjustmentError::Storage(e)
    }
}

/// Storage of the upkeep changes.
#[cfg_attr(test, mockall::automock)]
pub trait PointsMaintenance {
    /// The adjustment stored under an idempotency key, with its request's fingerprint.
    fn find_adjustment(&self, key: &str) -> Result<Option<(String, Adjustment)>, RepoError>;

    /// Commits an adjustment and the client's new balance in one immediate transaction.
    fn commit_adjustment(&self, plan: &AdjustmentPlan) -> Result<Adjustment, AdjustmentRefusal>;

    /// Writes the welcome bonus lot and raises the balance, unless the client already has one
    /// (then nothing changes and `None` comes back).
    fn grant_welcome_bonus(
        &self,
        change: &LedgerChange,
        actor: Actor,
        at: Timestamp,
    ) -> Result<Option<LedgerEntry>, RepoError>;

    /// Empties every lot with `expires_at <= at` and `remaining > 0` by an `expiry` debit and
    /// lowers the balances, `clients_per_batch` clients per transaction.
    fn expire_points(
        &self,
        at: Timestamp,
        clients_per_batch: usize,
    ) -> Result<ExpiryReport, RepoError>;
}

impl<T: PointsMaintenance + ?Sized> PointsMaintenance for std::sync::Arc<T> {
    fn find_adjustment(&self, key: &str) -> Result<Option<(String, Adjustment)>, RepoError> {
        (**self).find_adjustment(key)
    }
    fn commit_adjustment(&self, plan: &AdjustmentPlan) -> Result<Adjustment, AdjustmentRefusal> {
        (**self).commit_adjustment(plan)
    }
    fn grant_welcome_bonus(
        &self,
        change: &LedgerChange,
        actor: Actor,
        at: Timestamp,
    ) -> Result<Option<LedgerEntry>, RepoError> {
        (**self).grant_welcome_bonus(change, actor, at)
    }
    fn expire_points(
        &self,
        at: Timestamp,
        clients_per_batch: usize,
    ) -> Result<ExpiryReport, RepoError> {
        (**self).expire_points(at, clients_per_batch)
    }
}

fn days(n: u32) -> i64 {
    i64::from(n) * DAY_SECONDS
}

/// Checks an adjustment; returns the trimmed reason.
fn validate(request: &AdjustmentRequest) -> Result<String, AdjustmentError> {
    let mut errors = Vec::new();
    if request.amount.is_zero() {
        errors.push(FieldError::new("amount", "must not be zero"));
    }
    let reason = request.reason.trim();
    let chars = reason.chars().count();
    if !(MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&chars)
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(FieldError::new(
            "reason",
            format!(
                "must be {MIN_REASON_CHARS} to {MAX_REASON_CHARS} characters, without control \
                 characters"
            ),
        ));
    }
    if errors.is_empty() {
        Ok(reason.to_owned())
    } else {
        Err(AdjustmentError::Validation(errors))
    }
}

fn check_key(key: &Option<String>) -> Result<(), AdjustmentError> {
    match key {
        Some(k)
            if k.is_empty() || k.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS || !k.is_ascii() =>
        {
            Err(AdjustmentError::Validation(vec![FieldError::new(
                "idempotency_key",
                "must be 1 to 128 ASCII characters",
            )]))
        }
        _ => Ok(()),
    }
}

/// The use cases of the points upkeep.
pub struct PointsUpkeep<P, L, K> {
    points: P,
    programme: L,
    clock: K,
}

impl<P, L, K> PointsUpkeep<P, L, K>
where
    P: PointsMaintenance,
    L: LoyaltyProgramme,
    K: Clock,
{
    /// The use cases over their ports.
    pub fn new(points: P, programme: L, clock: K) -> Self {
        Self {
            points,
            programme,
            clock,
        }
    }

    fn replay(&self, key: &str, fingerprint: &str) -> Result<Option<Adjustment>, AdjustmentError> {
        match self.points.find_adjustment(key)? {
            Some((stored, adjustment)) if stored == fingerprint => Ok(Some(adjustment)),
            Some(_) => Err(AdjustmentError::IdempotencyKeyReused),
            None => Ok(None),
        }
    }

    /// Accrues (positive amount) or withdraws (negative) points by hand, with a reason.
    ///
    /// An accrual is a lot spendable at once that expires per the rules; a withdrawal consumes
    /// spendable lots oldest first and may not exceed them. With an idempotency key, repeating
    /// the same request returns the stored result (`true`); another request under the key is
    /// refused.
    pub fn adjust(
        &self,
        request: &AdjustmentRequest,
        idempotency_key: Option<String>,
        actor: Actor,
    ) -> Result<(Adjustment, bool), AdjustmentError> {
        check_key(&idempotency_key)?;
        let reason = validate(request)?;
        let fingerprint = request.fingerprint();
        if let Some(key) = &idempotency_key {
            if let Some(stored) = self.replay(key, &fingerprint)? {
                return Ok((stored, true));
            }
        }
        let now = self.clock.now();
        let expires_at = if request.amount.is_negative() {
            None
        } else {
            self.programme
                .rules()?
                .points_expiry_days
                .map(|d| now.plus_seconds(days(d)))
        };
        let plan = AdjustmentPlan {
            change: LedgerChange {
                client_id: request.client_id,
                kind: LedgerKind::Adjustment,
                amount: request.amount,
                available_at: now,
                expires_at,
                generation: None,
                source_client_id: None,
                reason: Some(reason),
            },
            idempotency: idempotency_key.clone().map(|k| (k, fingerprint.clone())),
            actor,
            at: now,
        };
        match self.points.commit_adjustment(&plan) {
            Ok(adjustment) => Ok((adjustment, false)),
            Err(AdjustmentRefusal::ClientNotFound) => Err(AdjustmentError::ClientNotFound),
            Err(AdjustmentRefusal::InsufficientPoints { spendable }) => {
                Err(AdjustmentError::TooManyPoints { allowed: spendable })
            }
            Err(AdjustmentRefusal::DuplicateKey) => {
                let key = idempotency_key.as_deref().unwrap_or_default();
                match self.replay(key, &fingerprint)? {
                    Some(stored) => Ok((stored, true)),
                    None => Err(AdjustmentError::ConcurrentChange),
                }
            }
            Err(AdjustmentRefusal::Storage(e)) => Err(e.into()),
        }
    }

    /// Gives a newly created client the welcome bonus of the rules, once: `None` when the rules
    /// give none or the client already has it. The lot's availability and expiry follow the
    /// rules (deferral, lifetime).
    pub fn grant_welcome_bonus(
        &self,
        client_id: ClientId,
    ) -> Result<Option<LedgerEntry>, AdjustmentError> {
        let rules: LoyaltyRules = self.programme.rules()?;
        if rules.welcome_bonus.minor() <= 0 {
            return Ok(None);
        }
        let now = self.clock.now();
        let available_at = now.plus_seconds(days(rules.points_deferral_days));
        let change = LedgerChange {
            client_id,
            kind: LedgerKind::WelcomeBonus,
            amount: rules.welcome_bonus,
            available_at,
            expires_at: rules
                .points_expiry_days
                .map(|d| available_at.plus_seconds(days(d))),
            generation: None,
            source_client_id: None,
            reason: None,
        };
        Ok(self
            .points
            .grant_welcome_bonus(&change, Actor::System, now)?)
    }

    /// Settles the points that reached their expiry by now.
    pub fn expire(&self) -> Result<ExpiryReport, AdjustmentError> {
        Ok(self
            .points
            .expire_points(self.clock.now(), EXPIRY_BATCH_CLIENTS)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loyalty::ports::MockLoyaltyProgramme;
    use crm_core::{EmployeeId, FixedClock};
    use mockall::predicate::eq;

    const NOW: i64 = 1_795_521_600;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s).expect("valid")
    }

    fn programme(bonus: i64, expiry: Option<u32>, deferral: u32) -> MockLoyaltyProgramme {
        let mut p = MockLoyaltyProgramme::new();
        p.expect_rules().returning(move || {
            Ok(LoyaltyRules {
                welcome_bonus: Points::from_major(bonus),
                points_expiry_days: expiry,
                points_deferral_days: deferral,
                ..LoyaltyRules::default()
            })
        });
        p
    }

    fn upkeep(
        points: MockPointsMaintenance,
        programme: MockLoyaltyProgramme,
    ) -> PointsUpkeep<MockPointsMaintenance, MockLoyaltyProgramme, FixedClock> {
        PointsUpkeep::new(points, programme, FixedClock::new(at(NOW)))
    }

    fn request(amount: i64, reason: &str) -> AdjustmentRequest {
        AdjustmentRequest {
            client_id: ClientId(7),
            amount: Points::from_major(amount),
            reason: reason.into(),
        }
    }

    fn entry(change: &LedgerChange) -> LedgerEntry {
        LedgerEntry {
            id: 1,
            client_id: change.client_id,
            operation_id: None,
            kind: change.kind,
            amount: change.amount,
            remaining: change.amount.max_zero(),
            available_at: change.available_at,
            expires_at: change.expires_at,
            generation: None,
            source_client_id: None,
            reason: change.reason.clone(),
            actor: Actor::System,
            created_at: at(NOW),
        }
    }

    const ADMIN: Actor = Actor::Employee(EmployeeId(3));

    #[test]
    fn an_accrual_is_a_lot_that_expires_per_the_rules() {
        let mut points = MockPointsMaintenance::new();
        points
            .expect_commit_adjustment()
            .withf(|plan| {
                plan.change.kind == LedgerKind::Adjustment
                    && plan.change.amount == Points::from_major(150)
                    && plan.change.available_at == at(NOW)
                    && plan.change.expires_at == Some(at(NOW + 30 * DAY_SECONDS))
                    && plan.change.reason.as_deref() == Some("Compensation")
                    && plan.actor == ADMIN
                    && plan.idempotency.is_none()
            })
            .returning(|plan| {
                Ok(Adjustment {
                    entry: entry(&plan.change),
                    points_balance: Points::from_major(150),
                })
            });
        let (done, replayed) = upkeep(points, programme(0, Some(30), 5))
            .adjust(&request(150, "  Compensation "), None, ADMIN)
            .expect("accrued");
        assert!(!replayed);
        assert_eq!(done.points_balance, Points::from_major(150));
    }

    #[test]
    fn a_withdrawal_never_expires_and_is_capped_by_spendable_points() {
        let mut points = MockPointsMaintenance::new();
        points
            .expect_commit_adjustment()
            .withf(|plan| {
                plan.change.amount == Points::from_major(-500) && plan.change.expires_at.is_none()
            })
            .returning(|_| {
                Err(AdjustmentRefusal::InsufficientPoints {
                    spendable: Points::from_minor(12_345),
                })
            });
        let mut rules = MockLoyaltyProgramme::new();
        rules.expect_rules().never();
        let refused = upkeep(points, rules)
            .adjust(&request(-500, "Fraud"), None, ADMIN)
            .expect_err("too many");
        assert_eq!(
            refused,
            AdjustmentError::TooManyPoints {
                allowed: Points::from_minor(12_345)
            }
        );
    }

    #[test]
    fn invalid_requests_touch_nothing() {
        let mut points = MockPointsMaintenance::new();
        points.expect_commit_adjustment().never();
        points.expect_find_adjustment().never();
        let u = upkeep(points, programme(0, None, 0));
        let Err(AdjustmentError::Validation(errors)) = u.adjust(&request(0, " ab "), None, ADMIN)
        else {
            panic!("accepted");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "reason"]);
        assert!(matches!(
            u.adjust(&request(1, &"x".repeat(501)), None, ADMIN),
            Err(AdjustmentError::Validation(_))
        ));
        assert!(matches!(
            u.adjust(&request(1, "bad\u{7}reason"), None, ADMIN),
            Err(AdjustmentError::Validation(_))
        ));
        assert!(matches!(
            u.adjust(&request(1, "fine"), Some(String::new()), ADMIN),
            Err(AdjustmentError::Validation(e)) if e[0].field == "idempotency_key"
        ));
    }

    #[test]
    fn unknown_clients_are_reported() {
        let mut points = MockPointsMaintenance::new();
        points
            .expect_commit_adjustment()
            .returning(|_| Err(AdjustmentRefusal::ClientNotFound));
        assert_eq!(
            upkeep(points, programme(0, None, 0)).adjust(&request(5, "gift"), None, ADMIN),
            Err(AdjustmentError::ClientNotFound)
        );
    }

    #[test]
    fn a_repeated_key_replays_or_is_refused() {
        let stored = Adjustment {
            entry: entry(&LedgerChange {
                client_id: ClientId(7),
                kind: LedgerKind::Adjustment,
                amount: Points::from_major(5),
                available_at: at(NOW),
                expires_at: None,
                generation: None,
                source_client_id: None,
                reason: Some("gift".into()),
            }),
            points_balance: Points::from_major(5),
        };
        let same = request(5, "gift").fingerprint();
        let mut points = MockPointsMaintenance::new();
        let replay = stored.clone();
        points
            .expect_find_adjustment()
            .with(eq("k1"))
            .returning(move |_| Ok(Some((same.clone(), replay.clone()))));
        points.expect_commit_adjustment().never();
        let u = upkeep(points, programme(0, None, 0));
        assert_eq!(
            u.adjust(&request(5, "gift"), Some("k1".into()), ADMIN),
            Ok((stored, true))
        );
        assert_eq!(
            u.adjust(&request(6, "gift"), Some("k1".into()), ADMIN),
            Err(AdjustmentError::IdempotencyKeyReused)
        );
    }

    #[test]
    fn a_key_taken_concurrently_replays_the_winner() {
        let mut points = MockPointsMaintenance::new();
        let mut seq = mockall::Sequence::new();
        points
            .expect_find_adjustment()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(None));
        points
            .expect_commit_adjustment()
            .withf(|plan| plan.idempotency.as_ref().is_some_and(|(k, _)| k == "k2"))
            .returning(|_| Err(AdjustmentRefusal::DuplicateKey));
        points
            .expect_find_adjustment()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(None));
        assert_eq!(
            upkeep(points, programme(0, None, 0)).adjust(
                &request(5, "gift"),
                Some("k2".into()),
                ADMIN
            ),
            Err(AdjustmentError::ConcurrentChange)
        );
    }

    #[test]
    fn the_welcome_bonus_follows_the_rules_and_is_skipped_when_zero() {
        let mut points = MockPointsMaintenance::new();
        points
            .expect_grant_welcome_bonus()
            .withf(|change, actor, when| {
                change.kind == LedgerKind::WelcomeBonus
                    && change.amount == Points::from_major(100)
                    && change.available_at == at(NOW + 2 * DAY_SECONDS)
                    && change.expires_at == Some(at(NOW + 32 * DAY_SECONDS))
                    && *actor == Actor::System
                    && *when == at(NOW)
            })
            .returning(|change, _, _| Ok(Some(entry(change))));
        let granted = upkeep(points, programme(100, Some(30), 2))
            .grant_welcome_bonus(ClientId(7))
            .expect("granted");
        assert_eq!(granted.map(|e| e.amount), Some(Points::from_major(100)));

        let mut none = MockPointsMaintenance::new();
        none.expect_grant_welcome_bonus().never();
        assert_eq!(
            upkeep(none, programme(0, Some(30), 0)).grant_welcome_bonus(ClientId(7)),
            Ok(None)
        );
    }

    #[test]
    fn expiry_runs_at_the_clock_in_batches() {
        let mut points = MockPointsMaintenance::new();
        points
            .expect_expire_points()
            .with(eq(at(NOW)), eq(EXPIRY_BATCH_CLIENTS))
            .returning(|_, _| {
                Ok(ExpiryReport {
                    lots: 3,
                    points: Points::from_major(30),
                    clients: 2,
                })
            });
        let report = upkeep(points, programme(0, None, 0))
            .expire()
            .expect("expired");
        assert_eq!(report.lots, 3);
        let merged = report.merge(ExpiryReport {
            lots: 1,
            points: Points::from_major(1),
            clients: 1,
        });
        assert_eq!(
            merged,
            ExpiryReport {
                lots: 4,
                points: Points::from_major(31),
                clients: 3
            }
        );
    }
}
