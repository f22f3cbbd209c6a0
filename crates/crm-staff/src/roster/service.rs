//! [`Roster`]: the use cases of employee cards, categories, timesheets, shifts, payroll,
//! history and the accruals export.

use crate::roster::error::RosterError;
use crate::roster::history;
use crate::roster::model::{
    AccrualFilter, AccrualRow, CardFields, CardUpdate, Category, EmployeeCard, HistoryRecord,
    NewTimesheetEntry, PayInputs, PaySystem, PayrollRequest, PayrollRun, Period, Shift,
    ShiftRequest, TimesheetEntry, MAX_NAME_CHARS, MAX_PAYROLL_DAYS,
};
use crate::roster::payroll;
use crate::roster::ports::{
    AccrualCursor, AccrualStretch, AttributedRevenue, BusinessTimezone, CardArchive, CardWrite,
    CategoryDelete, RosterRepository, RunWrite, ShiftWrite,
};
use crm_core::{
    Actor, Clock, EmployeeCategoryId, EmployeeId, FieldError, Page, PageRequest, Role, Timestamp,
};
use time::{Date, Duration, PrimitiveDateTime, Time};
use time_tz::PrimitiveDateTimeExt;

/// How often a card update retries when someone else changed the card meanwhile.
const UPDATE_ATTEMPTS: usize = 3;
/// The timezone when the settings name none that is known.
const DEFAULT_TIMEZONE: &str = "Europe/Moscow";

/// The roster's use cases over storage `R`, attributed revenue `V`, the timezone `Z`, clock `C`.
pub struct Roster<R, V, Z, C> {
    repo: R,
    revenue: V,
    timezone: Z,
    clock: C,
}

impl<R, V, Z, C> Roster<R, V, Z, C>
where
    R: RosterRepository,
    V: AttributedRevenue,
    Z: BusinessTimezone,
    C: Clock,
{
    /// The use cases over their ports.
    pub fn new(repo: R, revenue: V, timezone: Z, clock: C) -> Self {
        Self {
            repo,
            revenue,
            timezone,
            clock,
        }
    }

    /// Adds an employee card. Only an owner grants the owner role.
    pub fn create(
        &self,
        fields: CardFields,
        actor_role: Role,
        actor: Actor,
    ) -> Result<EmployeeCard, RosterError> {
        fields.validate()?;
        if fields.role == Role::Owner && actor_role != Role::Owner {
            return Err(RosterError::Forbidden(
                "only an owner may grant the owner role".into(),
            ));
        }
        let changes = history::created(&fields);
        match self
            .repo
            .create_card(&fields, &changes, actor, self.clock.now())?
        {
            CardWrite::Saved(card) => Ok(*card),
            CardWrite::UnknownCategory => Err(RosterError::UnknownCategory),
            CardWrite::Stale => Err(RosterError::ConcurrentChange),
        }
    }

    /// One card.
    pub fn card(&self, id: EmployeeId) -> Result<EmployeeCard, RosterError> {
        self.repo.card(id)?.ok_or(RosterError::EmployeeNotFound)
    }

    /// Cards in id order; archived ones too with `include_archived`.
    pub fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<EmployeeCard>, RosterError> {
        Ok(self.repo.cards(include_archived, page)?)
    }

    /// Changes an active card, recording each changed field. Only an owner grants or takes
    /// away the owner role. A change that changes nothing writes nothing.
    pub fn update(
        &self,
        id: EmployeeId,
        update: &CardUpdate,
        actor_role: Role,
        actor: Actor,
    ) -> Result<EmployeeCard, RosterError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.card(id)?;
            if current.archived_at.is_some() {
                return Err(RosterError::Archived);
            }
            let old = current.fields();
            let next = update.apply(&old);
            next.validate()?;
            if (old.role == Role::Owner || next.role == Role::Owner)
                && old.role != next.role
                && actor_role != Role::Owner
            {
                return Err(RosterError::Forbidden(
                    "only an owner may grant or revoke the owner role".into(),
                ));
            }
            let changes = history::diff(&old, &next);
            if changes.is_empty() {
                return Ok(current);
            }
            match self.repo.update_card(
                id,
                current.version,
                &next,
                &changes,
                actor,
                self.clock.now(),
            )? {
                CardWrite::Saved(card) => return Ok(*card),
                CardWrite::UnknownCategory => return Err(RosterError::UnknownCategory),
                CardWrite::Stale => continue,
            }
        }
        Err(RosterError::ConcurrentChange)
    }

    /// Archives an active card: it stays, with its history, and the person loses access. An
    /// owner card is archived only by an owner; a master with scheduled appointments still to
    /// come is not archived until they are cancelled or done.
    pub fn archive(
        &self,
        id: EmployeeId,
        actor_role: Role,
        actor: Actor,
    ) -> Result<EmployeeCard, RosterError> {
        let current = self.card(id)?;
        if current.archived_at.is_some() {
            return Ok(current);
        }
        if current.role == Role::Owner && actor_role != Role::Owner {
            return Err(RosterError::Forbidden(
                "only an owner may archive an owner".into(),
            ));
        }
        // Archiving the last owner would leave nobody able to manage the business.
        if current.role == Role::Owner && self.repo.active_owner_count()? <= 1 {
            return Err(RosterError::LastOwner);
        }
        match self
            .repo
            .archive_card(id, &history::archived(), actor, self.clock.now())?
        {
            CardArchive::Archived | CardArchive::AlreadyArchived => self.card(id),
            CardArchive::UpcomingAppointments(count) => {
                Err(RosterError::UpcomingAppointments { count })
            }
        }
    }

    /// The card's history, newest first.
    pub fn history(
        &self,
        id: EmployeeId,
        page: PageRequest,
    ) -> Result<Page<HistoryRecord>, RosterError> {
        self.card(id)?;
        Ok(self.repo.history(id, page)?)
    }

    /// Categories by name.
    pub fn categories(&self) -> Result<Vec<Category>, RosterError> {
        Ok(self.repo.categories()?)
    }

    /// Adds a category (a unique name of 1–200 characters).
    pub fn create_category(&self, name: &str) -> Result<Category, RosterError> {
        let name = name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(RosterError::Validation(vec![FieldError::new(
                "name",
                "must be 1 to 200 characters without control characters",
            )]));
        }
        Ok(self.repo.create_category(name, self.clock.now())?)
    }

    /// Deletes a category; refused while active employees use it.
    pub fn delete_category(&self, id: EmployeeCategoryId) -> Result<(), RosterError> {
        match self.repo.delete_category(id, self.clock.now())? {
            CategoryDelete::Deleted => Ok(()),
            CategoryDelete::NotFound => Err(RosterError::CategoryNotFound),
            CategoryDelete::InUse(count) => Err(RosterError::CategoryInUse { count }),
        }
    }

    /// Records a day's work of an active employee: one entry per day. Without a rate of its
    /// own, pieces take the card's piece rate.
    pub fn record_work(
        &self,
        id: EmployeeId,
        entry: NewTimesheetEntry,
        actor: Actor,
    ) -> Result<TimesheetEntry, RosterError> {
        entry.validate()?;
        let card = self.card(id)?;
        if card.archived_at.is_some() {
            return Err(RosterError::Archived);
        }
        let card_rate = match card.pay {
            PaySystem::Piecework { piece_rate, .. } => piece_rate,
            _ => crm_core::Money::ZERO,
        };
        let stored = TimesheetEntry {
            id: 0,
            employee_id: id,
            work_date: entry.work_date,
            hours: entry.hours,
            pieces: entry.pieces,
            piece_rate: entry.piece_rate.unwrap_or(card_rate),
            note: entry.note,
            created_by: actor,
            created_at: self.clock.now(),
        };
        self.repo
            .add_timesheet_entry(&stored)?
            .ok_or(RosterError::DayTaken)
    }

    /// Entries of a period.
    pub fn timesheet(
        &self,
        id: EmployeeId,
        period: Period,
    ) -> Result<Vec<TimesheetEntry>, RosterError> {
        self.card(id)?;
        Ok(self.repo.timesheet(id, period)?)
    }

    /// Plans a shift of an active employee in the business's timezone; overlaps are refused.
    pub fn plan_shift(&self, id: EmployeeId, shift: ShiftRequest) -> Result<Shift, RosterError> {
        if shift.end <= shift.start {
            return Err(RosterError::Validation(vec![FieldError::new(
                "end_time",
                "must be after start_time",
            )]));
        }
        let card = self.card(id)?;
        if card.archived_at.is_some() {
            return Err(RosterError::Archived);
        }
        let tz = self.tz()?;
        let planned = Shift {
            id: 0,
            employee_id: id,
            date: shift.date,
            start: shift.start,
            end: shift.end,
            starts_at: local_instant(tz, shift.date, shift.start),
            ends_at: local_instant(tz, shift.date, shift.end),
            location: shift.location,
            note: shift.note,
            created_at: self.clock.now(),
        };
        match self.repo.add_shift(&planned)? {
            ShiftWrite::Saved(s) => Ok(s),
            ShiftWrite::Overlaps(other_id) => Err(RosterError::ShiftOverlaps { other_id }),
        }
    }

    /// Shifts of a period.
    pub fn shifts(&self, id: EmployeeId, period: Period) -> Result<Vec<Shift>, RosterError> {
        self.card(id)?;
        Ok(self.repo.shifts(id, period)?)
    }

    /// Computes and stores the payroll of a period (at most a year) for every active employee
    /// or those named; re-running a draft period replaces its results; a closed one is refused.
    pub fn run_payroll(
        &self,
        request: &PayrollRequest,
        actor: Actor,
    ) -> Result<PayrollRun, RosterError> {
        let period = request.period;
        if period.days() > MAX_PAYROLL_DAYS {
            return Err(RosterError::Validation(vec![FieldError::new(
                "to",
                "a payroll period is at most 366 days",
            )]));
        }
        let cards = match &request.employee_ids {
            None => self.repo.active_cards()?,
            Some(ids) => {
                let mut cards = Vec::new();
                let mut unknown = Vec::new();
                for id in ids {
                    match self.repo.card(*id)? {
                        Some(card) => cards.push(card),
                        None => unknown.push(id.get()),
                    }
                }
                if !unknown.is_empty() {
                    return Err(RosterError::UnknownEmployees(unknown));
                }
                cards.sort_by_key(|c| c.id.get());
                cards.dedup_by_key(|c| c.id.get());
                cards
            }
        };
        let tz = self.tz()?;
        let from = local_instant(tz, period.from, Time::MIDNIGHT);
        let to = local_instant(
            tz,
            period
                .to
                .checked_add(Duration::days(1))
                .unwrap_or(period.to),
            Time::MIDNIGHT,
        );
        let mut results = Vec::with_capacity(cards.len());
        for card in &cards {
            let work = self.repo.work_totals(card.id, period)?;
            let attributed_revenue = match card.pay {
                PaySystem::Piecework { .. } => self.revenue.revenue(card.id, from, to)?,
                _ => crm_core::Money::ZERO,
            };
            let inputs = PayInputs {
                pay: card.pay,
                total_hours_centi: work.hours_centi,
                pieces: work.pieces,
                piece_amount: work.piece_amount,
                attributed_revenue,
                period,
            };
            results.push(payroll::compute(card.id, &card.full_name, &inputs));
        }
        let replace_all = request.employee_ids.is_none();
        match self.repo.save_run(
            period,
            &results,
            replace_all,
            request.close,
            actor,
            self.clock.now(),
        )? {
            RunWrite::Saved(run) => Ok(run),
            RunWrite::Closed(run_id) => Err(RosterError::RunClosed { run_id }),
        }
    }

    /// Stored accruals, filtered.
    pub fn accruals(
        &self,
        filter: &AccrualFilter,
        page: PageRequest,
    ) -> Result<Page<AccrualRow>, RosterError> {
        let filter = accrual_filter(filter)?;
        Ok(self.repo.accruals(&filter, page)?)
    }

    /// Stored accruals after `after` (from the first without it), filtered as
    /// [`Roster::accruals`], at most `limit` of them (1 to the page maximum): the walk of the
    /// whole export, each stretch going on from where the last one stopped.
    pub fn accruals_after(
        &self,
        filter: &AccrualFilter,
        after: Option<AccrualCursor>,
        limit: u32,
    ) -> Result<AccrualStretch, RosterError> {
        let filter = accrual_filter(filter)?;
        let limit = limit.clamp(1, crm_core::paging::MAX_LIMIT);
        Ok(self.repo.accruals_after(&filter, after, limit)?)
    }

    fn tz(&self) -> Result<&'static time_tz::Tz, RosterError> {
        let name = self.timezone.timezone()?;
        Ok(time_tz::timezones::get_by_name(&name)
            .or_else(|| time_tz::timezones::get_by_name(DEFAULT_TIMEZONE))
            .unwrap_or(time_tz::timezones::db::UTC))
    }
}

/// The export's filters as storage takes them: a checked period and the name in its search form
/// (trimmed, lower-cased; none when blank).
fn accrual_filter(filter: &AccrualFilter) -> Result<AccrualFilter, RosterError> {
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        Period::new(from, to).map_err(|e| RosterError::Validation(vec![e]))?;
    }
    Ok(AccrualFilter {
        name: filter
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(crm_core::search_key),
        ..filter.clone()
    })
}

/// The instant of a local date and time in `tz` (the earlier one when the clock goes back; in
/// a gap when it goes forward, the offset in force before the gap).
pub fn local_instant(tz: &time_tz::Tz, date: Date, at: Time) -> Timestamp {
    let local = PrimitiveDateTime::new(date, at);
    let instant = local
        .assume_timezone(tz)
        .take_first()
        .unwrap_or_else(|| local.assume_timezone_utc(tz));
    Timestamp::new(instant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::model::RunStatus;
    use crate::roster::ports::{
        MockAttributedRevenue, MockBusinessTimezone, MockRosterRepository, WorkTotals,
    };
    use crm_core::{FixedClock, Money, Percent};
    use time::macros::{date, time};

    type TestRoster =
        Roster<MockRosterRepository, MockAttributedRevenue, MockBusinessTimezone, FixedClock>;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_795_521_600).unwrap_or_else(|| unreachable!())
    }

    fn roster(repo: MockRosterRepository, revenue: MockAttributedRevenue) -> TestRoster {
        let mut tz = MockBusinessTimezone::new();
        tz.expect_timezone()
            .returning(|| Ok("Europe/Moscow".to_owned()));
        Roster::new(repo, revenue, tz, FixedClock::new(now()))
    }

    fn card(id: i64, pay: PaySystem) -> EmployeeCard {
        EmployeeCard {
            id: EmployeeId(id),
            full_name: format!("Сотрудник {id}"),
            phone: None,
            telegram_id: None,
            position: None,
            category_id: None,
            role: Role::Master,
            pay,
            hire_date: None,
            notes: None,
            archived_at: None,
            created_at: now(),
            updated_at: now(),
            version: 1,
        }
    }

    fn november() -> Period {
        Period::new(date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap_or_else(|_| unreachable!())
    }

    fn saved_run(results: &[crate::roster::model::PayResult]) -> RunWrite {
        RunWrite::Saved(PayrollRun {
            id: 1,
            period: november(),
            status: RunStatus::Draft,
            results: results.to_vec(),
            run_by: Actor::System,
            computed_at: now(),
            closed_at: None,
        })
    }

    #[test]
    fn the_last_active_owner_is_not_archived() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card().returning(|id| {
            let mut owner = card(
                id.get(),
                PaySystem::Salary {
                    monthly_salary: Money::ZERO,
                },
            );
            owner.role = Role::Owner;
            Ok(Some(owner))
        });
        repo.expect_active_owner_count()
            .times(1)
            .returning(|| Ok(1));
        repo.expect_archive_card().never();
        let result = roster(repo, MockAttributedRevenue::new()).archive(
            EmployeeId(1),
            Role::Owner,
            Actor::System,
        );
        assert!(matches!(result, Err(RosterError::LastOwner)));
    }

    #[test]
    fn a_master_with_upcoming_appointments_is_not_archived() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card().returning(|id| {
            Ok(Some(card(
                id.get(),
                PaySystem::Salary {
                    monthly_salary: Money::ZERO,
                },
            )))
        });
        repo.expect_archive_card()
            .times(1)
            .returning(|_, _, _, _| Ok(CardArchive::UpcomingAppointments(2)));
        let result = roster(repo, MockAttributedRevenue::new()).archive(
            EmployeeId(1),
            Role::Owner,
            Actor::System,
        );
        assert_eq!(result, Err(RosterError::UpcomingAppointments { count: 2 }));
    }

    #[test]
    fn payroll_pays_hours_times_rate_and_pieces_plus_a_share_of_revenue() {
        let mut repo = MockRosterRepository::new();
        repo.expect_active_cards().returning(|| {
            Ok(vec![
                card(
                    1,
                    PaySystem::Hourly {
                        hourly_rate: Money::from_minor(250_50),
                    },
                ),
                card(
                    2,
                    PaySystem::Piecework {
                        piece_rate: Money::from_minor(100_00),
                        revenue_share: Percent::from_basis_points(1_000).unwrap_or_default(),
                    },
                ),
            ])
        });
        repo.expect_work_totals().returning(|id, _| {
            Ok(if id.get() == 1 {
                WorkTotals {
                    hours_centi: 10_050, // 100.5 h
                    ..WorkTotals::default()
                }
            } else {
                WorkTotals {
                    hours_centi: 0,
                    pieces: 4,
                    piece_amount: Money::from_minor(400_00),
                }
            })
        });
        repo.expect_save_run()
            .withf(|_, results, replace_all, close, _, _| {
                *replace_all
                    && !*close
                    // 100.5 × 250.50 = 25175.25
                    && results[0].amount == Money::from_minor(25_175_25)
                    // 400 + 10 % of 1234.56 = 400 + 123.45 (rounded down)
                    && results[1].amount == Money::from_minor(523_45)
                    && results[1].revenue_amount == Money::from_minor(123_45)
            })
            .times(1)
            .returning(|_, results, _, _, _, _| Ok(saved_run(results)));
        let mut revenue = MockAttributedRevenue::new();
        // Only the pieceworker's revenue is asked for, over local Moscow days (UTC+3).
        revenue
            .expect_revenue()
            .withf(|id, from, to| {
                id.get() == 2
                    && from.to_string() == "2026-10-31T21:00:00Z"
                    && to.to_string() == "2026-11-30T21:00:00Z"
            })
            .times(1)
            .returning(|_, _, _| Ok(Money::from_minor(1_234_56)));
        let run = roster(repo, revenue)
            .run_payroll(
                &PayrollRequest {
                    period: november(),
                    employee_ids: None,
                    close: false,
                },
                Actor::System,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.results.len(), 2);
    }

    #[test]
    fn a_closed_run_is_refused_and_a_long_period_never_reaches_storage() {
        let mut repo = MockRosterRepository::new();
        repo.expect_active_cards().returning(|| Ok(vec![]));
        repo.expect_save_run()
            .returning(|_, _, _, _, _, _| Ok(RunWrite::Closed(7)));
        let r = roster(repo, MockAttributedRevenue::new());
        let request = PayrollRequest {
            period: november(),
            employee_ids: None,
            close: false,
        };
        assert_eq!(
            r.run_payroll(&request, Actor::System),
            Err(RosterError::RunClosed { run_id: 7 })
        );

        let mut repo = MockRosterRepository::new();
        repo.expect_active_cards().never();
        repo.expect_save_run().never();
        let long = PayrollRequest {
            period: Period::new(date!(2026 - 01 - 01), date!(2027 - 01 - 02))
                .unwrap_or_else(|_| unreachable!()),
            employee_ids: None,
            close: false,
        };
        assert!(matches!(
            roster(repo, MockAttributedRevenue::new()).run_payroll(&long, Actor::System),
            Err(RosterError::Validation(f)) if f[0].field == "to"
        ));
    }

    #[test]
    fn unknown_employees_in_a_run_are_named() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .returning(|id| Ok((id.get() == 1).then(|| card(1, PaySystem::NONE))));
        repo.expect_save_run().never();
        let request = PayrollRequest {
            period: november(),
            employee_ids: Some(vec![EmployeeId(1), EmployeeId(9)]),
            close: false,
        };
        assert_eq!(
            roster(repo, MockAttributedRevenue::new()).run_payroll(&request, Actor::System),
            Err(RosterError::UnknownEmployees(vec![9]))
        );
    }

    #[test]
    fn an_update_records_each_changed_field_with_old_and_new_values() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .returning(|_| Ok(Some(card(3, PaySystem::NONE))));
        repo.expect_update_card()
            .withf(|id, version, fields, changes, actor, _| {
                let pairs: Vec<_> = changes
                    .iter()
                    .map(|c| {
                        (
                            c.field.as_str(),
                            c.old_value.as_deref(),
                            c.new_value.as_deref(),
                        )
                    })
                    .collect();
                id.get() == 3
                    && *version == 1
                    && fields.position.as_deref() == Some("Барбер")
                    && *actor == Actor::Employee(EmployeeId(1))
                    && pairs
                        == vec![
                            ("position", None, Some("Барбер")),
                            ("hourly_rate", Some("0"), Some("300.5")),
                        ]
            })
            .times(1)
            .returning(|_, _, _, _, _, _| Ok(CardWrite::Saved(Box::new(card(3, PaySystem::NONE)))));
        let update = CardUpdate {
            position: Some(Some("Барбер".into())),
            pay: Some(PaySystem::Hourly {
                hourly_rate: Money::from_minor(300_50),
            }),
            ..CardUpdate::default()
        };
        roster(repo, MockAttributedRevenue::new())
            .update(
                EmployeeId(3),
                &update,
                Role::Admin,
                Actor::Employee(EmployeeId(1)),
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn an_update_that_changes_nothing_writes_no_history() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .returning(|_| Ok(Some(card(3, PaySystem::NONE))));
        repo.expect_update_card().never();
        let update = CardUpdate {
            full_name: Some("Сотрудник 3".into()),
            ..CardUpdate::default()
        };
        let same = roster(repo, MockAttributedRevenue::new())
            .update(EmployeeId(3), &update, Role::Owner, Actor::System)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(same.version, 1);
    }

    #[test]
    fn a_stale_update_retries_then_gives_up() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .times(3)
            .returning(|_| Ok(Some(card(3, PaySystem::NONE))));
        repo.expect_update_card()
            .times(3)
            .returning(|_, _, _, _, _, _| Ok(CardWrite::Stale));
        let update = CardUpdate {
            notes: Some(Some("x".into())),
            ..CardUpdate::default()
        };
        assert_eq!(
            roster(repo, MockAttributedRevenue::new()).update(
                EmployeeId(3),
                &update,
                Role::Owner,
                Actor::System
            ),
            Err(RosterError::ConcurrentChange)
        );
    }

    #[test]
    fn only_an_owner_grants_the_owner_role() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .returning(|_| Ok(Some(card(3, PaySystem::NONE))));
        repo.expect_update_card().never();
        repo.expect_create_card().never();
        let r = roster(repo, MockAttributedRevenue::new());
        let update = CardUpdate {
            role: Some(Role::Owner),
            ..CardUpdate::default()
        };
        assert!(matches!(
            r.update(EmployeeId(3), &update, Role::Admin, Actor::System),
            Err(RosterError::Forbidden(_))
        ));
        let mut fields = card(4, PaySystem::NONE).fields();
        fields.role = Role::Owner;
        assert!(matches!(
            r.create(fields, Role::Admin, Actor::System),
            Err(RosterError::Forbidden(_))
        ));
    }

    #[test]
    fn a_new_card_records_its_non_empty_fields() {
        let mut repo = MockRosterRepository::new();
        repo.expect_create_card()
            .withf(|_, changes, _, _| {
                let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
                fields == vec!["full_name", "role", "pay_system", "monthly_salary"]
                    && changes.iter().all(|c| c.old_value.is_none())
            })
            .times(1)
            .returning(|_, _, _, _| Ok(CardWrite::Saved(Box::new(card(5, PaySystem::NONE)))));
        let mut fields = card(5, PaySystem::NONE).fields();
        fields.pay = PaySystem::Salary {
            monthly_salary: Money::from_minor(50_000_00),
        };
        roster(repo, MockAttributedRevenue::new())
            .create(fields, Role::Admin, Actor::System)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn shifts_ending_before_they_start_are_refused_and_others_are_placed_in_local_time() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .returning(|_| Ok(Some(card(3, PaySystem::NONE))));
        repo.expect_add_shift()
            .withf(|s| s.ends_at.to_string() == "2026-11-24T15:00:00Z")
            .times(1)
            .returning(|s| Ok(ShiftWrite::Saved(s.clone())));
        let r = roster(repo, MockAttributedRevenue::new());
        let bad = ShiftRequest {
            date: date!(2026 - 11 - 24),
            start: time!(18:00),
            end: time!(09:00),
            location: None,
            note: None,
        };
        assert!(matches!(
            r.plan_shift(EmployeeId(3), bad),
            Err(RosterError::Validation(f)) if f[0].field == "end_time"
        ));
        // 2026-11-24 09:00 in Moscow is 06:00 UTC.
        let good = ShiftRequest {
            date: date!(2026 - 11 - 24),
            start: time!(09:00),
            end: time!(18:00),
            location: Some("Центр".into()),
            note: None,
        };
        let shift = r
            .plan_shift(EmployeeId(3), good)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shift.starts_at.to_string(), "2026-11-24T06:00:00Z");
    }

    #[test]
    fn a_second_entry_for_the_same_day_is_refused() {
        let mut repo = MockRosterRepository::new();
        repo.expect_card()
            .returning(|_| Ok(Some(card(3, PaySystem::NONE))));
        repo.expect_add_timesheet_entry().returning(|_| Ok(None));
        let entry = NewTimesheetEntry {
            work_date: date!(2026 - 11 - 24),
            hours: crate::roster::model::Hours::from_centi(800).unwrap_or_default(),
            pieces: 0,
            piece_rate: None,
            note: None,
        };
        assert_eq!(
            roster(repo, MockAttributedRevenue::new()).record_work(
                EmployeeId(3),
                entry,
                Actor::System
            ),
            Err(RosterError::DayTaken)
        );
    }

    #[test]
    fn the_export_walk_takes_the_search_form_of_the_name_and_a_bounded_stretch() {
        let mut repo = MockRosterRepository::new();
        let cursor = AccrualCursor {
            period: november(),
            full_name: "Ёлкина Ирина".into(),
            result_id: 7,
        };
        let expected = cursor.clone();
        repo.expect_accruals_after()
            .withf(move |filter, after, limit| {
                filter.name.as_deref() == Some("елкина")
                    && after.as_ref() == Some(&expected)
                    && *limit == crm_core::paging::MAX_LIMIT
            })
            .times(1)
            .returning(|_, _, _| Ok(AccrualStretch::default()));
        repo.expect_accruals_after()
            .withf(|filter, after, limit| filter.name.is_none() && after.is_none() && *limit == 1)
            .times(1)
            .returning(|_, _, _| Ok(AccrualStretch::default()));
        let r = roster(repo, MockAttributedRevenue::new());
        let named = AccrualFilter {
            name: Some("  ЁЛКИНА ".into()),
            ..AccrualFilter::default()
        };
        assert_eq!(
            r.accruals_after(&named, Some(cursor), 10_000),
            Ok(AccrualStretch::default())
        );
        let blank = AccrualFilter {
            name: Some("   ".into()),
            ..AccrualFilter::default()
        };
        assert_eq!(
            r.accruals_after(&blank, None, 0),
            Ok(AccrualStretch::default())
        );
        let backwards = AccrualFilter {
            from: Some(date!(2026 - 11 - 30)),
            to: Some(date!(2026 - 11 - 01)),
            ..AccrualFilter::default()
        };
        assert!(matches!(
            r.accruals_after(&backwards, None, 500),
            Err(RosterError::Validation(_))
        ));
    }
}
