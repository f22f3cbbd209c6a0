//! The ports roster use cases need: storage of the roster, the revenue attributed to an
//! employee, and the business's timezone.

use crate::roster::model::{
    AccrualFilter, AccrualRow, CardFields, Category, EmployeeCard, FieldChange, HistoryRecord,
    PayResult, PayrollRun, Period, Shift, TimesheetEntry,
};
use crm_core::{
    Actor, EmployeeCategoryId, EmployeeId, Money, Page, PageRequest, RepoError, Timestamp,
};

/// What a card write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardWrite {
    /// Stored (with its history).
    Saved(Box<EmployeeCard>),
    /// The category named does not exist or was deleted; nothing written.
    UnknownCategory,
    /// The card's version moved on meanwhile (or it is gone); nothing written.
    Stale,
}

/// What archiving a card did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardArchive {
    /// Archived now, with its history line.
    Archived,
    /// It was already archived (or is gone); nothing written.
    AlreadyArchived,
    /// The employee is the master of this many scheduled appointments that have not started;
    /// nothing written.
    UpcomingAppointments(i64),
}

/// What deleting a category did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryDelete {
    /// Deleted.
    Deleted,
    /// No such category.
    NotFound,
    /// Still used by this many active employees; nothing written.
    InUse(i64),
}

/// What storing a shift did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShiftWrite {
    /// Stored.
    Saved(Shift),
    /// It overlaps this stored shift; nothing written.
    Overlaps(i64),
}

/// What storing a payroll run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunWrite {
    /// Stored (created, or its draft results replaced), with every result of the run.
    Saved(PayrollRun),
    /// The period's run is closed; nothing written.
    Closed(i64),
}

/// Hours and pieces of an employee over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkTotals {
    /// Hours, in hundredths.
    pub hours_centi: i64,
    /// Pieces.
    pub pieces: i64,
    /// Σ pieces × the entries' rates.
    pub piece_amount: Money,
}

/// Where a walk through the accruals stopped: the last row handed out, in the export's order
/// (period, then the name stored with the result, then the result's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccrualCursor {
    /// The run's period.
    pub period: Period,
    /// The employee's name as stored with the result.
    pub full_name: String,
    /// The result's id.
    pub result_id: i64,
}

/// A stretch of the accruals walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccrualStretch {
    /// The rows, in the export's order.
    pub items: Vec<AccrualRow>,
    /// Where to go on from: `None` once the walk is over (fewer rows than asked for).
    pub next: Option<AccrualCursor>,
}

/// Storage of the roster. Every write that touches more than one row is atomic.
#[cfg_attr(test, mockall::automock)]
pub trait RosterRepository {
    /// Stores a card and its creation history; the category is checked in the same transaction.
    fn create_card(
        &self,
        fields: &CardFields,
        history: &[FieldChange],
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardWrite, RepoError>;

    /// One card, archived or not.
    fn card(&self, id: EmployeeId) -> Result<Option<EmployeeCard>, RepoError>;

    /// Cards by id, archived ones with `include_archived`.
    fn cards(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<EmployeeCard>, RepoError>;

    /// Every active card (for payroll).
    fn active_cards(&self) -> Result<Vec<EmployeeCard>, RepoError>;

    /// Replaces an active card's fields if its version is still `expected_version`, appending
    /// `history`, in one transaction.
    fn update_card(
        &self,
        id: EmployeeId,
        expected_version: i64,
        fields: &CardFields,
        history: &[FieldChange],
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardWrite, RepoError>;

    /// Archives an active card with its history line, unless the employee still has scheduled
    /// appointments starting after `at` (checked in the same transaction).
    fn archive_card(
        &self,
        id: EmployeeId,
        change: &FieldChange,
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardArchive, RepoError>;

    /// How many active employees hold the owner role.
    fn active_owner_count(&self) -> Result<i64, RepoError>;

    /// An employee's history, newest first.
    fn history(&self, id: EmployeeId, page: PageRequest) -> Result<Page<HistoryRecord>, RepoError>;

    /// Categories by name.
    fn categories(&self) -> Result<Vec<Category>, RepoError>;

    /// Stores a category; a taken name is `Conflict` on `name`.
    fn create_category(&self, name: &str, at: Timestamp) -> Result<Category, RepoError>;

    /// Deletes a category unless active employees use it.
    fn delete_category(
        &self,
        id: EmployeeCategoryId,
        at: Timestamp,
    ) -> Result<CategoryDelete, RepoError>;

    /// Stores an entry unless the employee has one for that day (`None`).
    fn add_timesheet_entry(
        &self,
        entry: &TimesheetEntry,
    ) -> Result<Option<TimesheetEntry>, RepoError>;

    /// Entries of the period by day.
    fn timesheet(&self, id: EmployeeId, period: Period) -> Result<Vec<TimesheetEntry>, RepoError>;

    /// Stores a shift unless it overlaps another of the employee's.
    fn add_shift(&self, shift: &Shift) -> Result<ShiftWrite, RepoError>;

    /// Shifts of the period by start.
    fn shifts(&self, id: EmployeeId, period: Period) -> Result<Vec<Shift>, RepoError>;

    /// Hours and pieces of the period.
    fn work_totals(&self, id: EmployeeId, period: Period) -> Result<WorkTotals, RepoError>;

    /// Stores the run of `period`: creates it, or replaces the draft results of the employees
    /// in `results` (all results when `replace_all`); closes it if asked. A closed run is left
    /// alone.
    fn save_run(
        &self,
        period: Period,
        results: &[PayResult],
        replace_all: bool,
        close: bool,
        actor: Actor,
        at: Timestamp,
    ) -> Result<RunWrite, RepoError>;

    /// Stored accruals by period, then employee name, then id.
    fn accruals(
        &self,
        filter: &AccrualFilter,
        page: PageRequest,
    ) -> Result<Page<AccrualRow>, RepoError>;

    /// At most `limit` stored accruals after `after` (from the first without it), in the order
    /// of [`RosterRepository::accruals`] and with the same filters: each stretch goes on from
    /// where the last stopped instead of skipping the rows before it.
    fn accruals_after(
        &self,
        filter: &AccrualFilter,
        after: Option<AccrualCursor>,
        limit: u32,
    ) -> Result<AccrualStretch, RepoError>;
}

/// Revenue attributed to an employee: the net cash of the operations they recorded as cashier
/// plus the price of the completed appointments they served as master.
#[cfg_attr(test, mockall::automock)]
pub trait AttributedRevenue {
    /// Net revenue in `[from, to)`.
    fn revenue(&self, id: EmployeeId, from: Timestamp, to: Timestamp) -> Result<Money, RepoError>;
}

/// The business's timezone from the system settings.
#[cfg_attr(test, mockall::automock)]
pub trait BusinessTimezone {
    /// The IANA name (`Europe/Moscow` by default).
    fn timezone(&self) -> Result<String, RepoError>;
}

impl<T: RosterRepository + ?Sized> RosterRepository for std::sync::Arc<T> {
    fn create_card(
        &self,
        fields: &CardFields,
        history: &[FieldChange],
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardWrite, RepoError> {
        (**self).create_card(fields, history, actor, at)
    }
    fn card(&self, id: EmployeeId) -> Result<Option<EmployeeCard>, RepoError> {
        (**self).card(id)
    }
    fn cards(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<EmployeeCard>, RepoError> {
        (**self).cards(include_archived, page)
    }
    fn active_cards(&self) -> Result<Vec<EmployeeCard>, RepoError> {
        (**self).active_cards()
    }
    fn update_card(
        &self,
        id: EmployeeId,
        expected_version: i64,
        fields: &CardFields,
        history: &[FieldChange],
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardWrite, RepoError> {
        (**self).update_card(id, expected_version, fields, history, actor, at)
    }
    fn archive_card(
        &self,
        id: EmployeeId,
        change: &FieldChange,
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardArchive, RepoError> {
        (**self).archive_card(id, change, actor, at)
    }
    fn active_owner_count(&self) -> Result<i64, RepoError> {
        (**self).active_owner_count()
    }
    fn history(&self, id: EmployeeId, page: PageRequest) -> Result<Page<HistoryRecord>, RepoError> {
        (**self).history(id, page)
    }
    fn categories(&self) -> Result<Vec<Category>, RepoError> {
        (**self).categories()
    }
    fn create_category(&self, name: &str, at: Timestamp) -> Result<Category, RepoError> {
        (**self).create_category(name, at)
    }
    fn delete_category(
        &self,
        id: EmployeeCategoryId,
        at: Timestamp,
    ) -> Result<CategoryDelete, RepoError> {
        (**self).delete_category(id, at)
    }
    fn add_timesheet_entry(
        &self,
        entry: &TimesheetEntry,
    ) -> Result<Option<TimesheetEntry>, RepoError> {
        (**self).add_timesheet_entry(entry)
    }
    fn timesheet(&self, id: EmployeeId, period: Period) -> Result<Vec<TimesheetEntry>, RepoError> {
        (**self).timesheet(id, period)
    }
    fn add_shift(&self, shift: &Shift) -> Result<ShiftWrite, RepoError> {
        (**self).add_shift(shift)
    }
    fn shifts(&self, id: EmployeeId, period: Period) -> Result<Vec<Shift>, RepoError> {
        (**self).shifts(id, period)
    }
    fn work_totals(&self, id: EmployeeId, period: Period) -> Result<WorkTotals, RepoError> {
        (**self).work_totals(id, period)
    }
    fn save_run(
        &self,
        period: Period,
        results: &[PayResult],
        replace_all: bool,
        close: bool,
        actor: Actor,
        at: Timestamp,
    ) -> Result<RunWrite, RepoError> {
        (**self).save_run(period, results, replace_all, close, actor, at)
    }
    fn accruals(
        &self,
        filter: &AccrualFilter,
        page: PageRequest,
    ) -> Result<Page<AccrualRow>, RepoError> {
        (**self).accruals(filter, page)
    }
    fn accruals_after(
        &self,
        filter: &AccrualFilter,
        after: Option<AccrualCursor>,
        limit: u32,
    ) -> Result<AccrualStretch, RepoError> {
        (**self).accruals_after(filter, after, limit)
    }
}

impl<T: AttributedRevenue + ?Sized> AttributedRevenue for std::sync::Arc<T> {
    fn revenue(&self, id: EmployeeId, from: Timestamp, to: Timestamp) -> Result<Money, RepoError> {
        (**self).revenue(id, from, to)
    }
}

impl<T: BusinessTimezone + ?Sized> BusinessTimezone for std::sync::Arc<T> {
    fn timezone(&self) -> Result<String, RepoError> {
        (**self).timezone()
    }
}
