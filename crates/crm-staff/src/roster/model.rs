//! The roster's entities and commands: cards with pay terms, categories, timesheet entries,
//! planned shifts, payroll runs and their results, history records and accrual rows.

use crm_core::{
    Actor, EmployeeCategoryId, EmployeeId, FieldError, Money, Percent, Phone, Role, Timestamp,
};
use time::{Date, Time};

/// Longest full name, position or category name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest note or location.
pub const MAX_NOTE_CHARS: usize = 1000;
/// Longest payroll period, in days (a leap year).
pub const MAX_PAYROLL_DAYS: i64 = 366;
/// Hours are kept in hundredths: at most 24 hours a day.
pub const MAX_HOURS_CENTI: i64 = 24 * 100;
/// Most pieces in one day's entry.
pub const MAX_PIECES: i64 = 1_000_000;

/// How an employee is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaySystem {
    /// Hours worked × hourly rate.
    Hourly {
        /// Per hour.
        hourly_rate: Money,
    },
    /// Pieces × rate per piece, plus a share of the revenue attributed to the employee.
    Piecework {
        /// Per piece, used when a timesheet entry names no rate of its own.
        piece_rate: Money,
        /// Share of attributed revenue.
        revenue_share: Percent,
    },
    /// A fixed monthly salary, prorated by calendar days.
    Salary {
        /// Per calendar month.
        monthly_salary: Money,
    },
}

impl PaySystem {
    /// `hourly`, `piecework` or `salary`.
    pub fn code(&self) -> &'static str {
        match self {
            PaySystem::Hourly { .. } => "hourly",
            PaySystem::Piecework { .. } => "piecework",
            PaySystem::Salary { .. } => "salary",
        }
    }

    /// Nothing is paid until terms are set: hourly at zero.
    pub const NONE: PaySystem = PaySystem::Hourly {
        hourly_rate: Money::ZERO,
    };
}

/// An employee's full card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeCard {
    /// Id.
    pub id: EmployeeId,
    /// Full name.
    pub full_name: String,
    /// Phone in E.164.
    pub phone: Option<Phone>,
    /// Telegram user id: links the person to this card (and its role) at sign-in.
    pub telegram_id: Option<i64>,
    /// Job title.
    pub position: Option<String>,
    /// Category.
    pub category_id: Option<EmployeeCategoryId>,
    /// Staff role; what auth uses.
    pub role: Role,
    /// Pay terms.
    pub pay: PaySystem,
    /// Hire date.
    pub hire_date: Option<Date>,
    /// Free notes.
    pub notes: Option<String>,
    /// When archived; archived employees lose access.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Optimistic-concurrency version, bumped by every change.
    pub version: i64,
}

/// The editable part of a card (what a create sets and an update changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFields {
    /// Full name, 1–200 characters.
    pub full_name: String,
    /// Phone.
    pub phone: Option<Phone>,
    /// Telegram user id, positive.
    pub telegram_id: Option<i64>,
    /// Job title.
    pub position: Option<String>,
    /// Category; must exist and not be deleted.
    pub category_id: Option<EmployeeCategoryId>,
    /// Staff role.
    pub role: Role,
    /// Pay terms.
    pub pay: PaySystem,
    /// Hire date.
    pub hire_date: Option<Date>,
    /// Notes.
    pub notes: Option<String>,
}

impl CardFields {
    /// Checks the fields: a name, a positive Telegram id, a staff role.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name_chars = self.full_name.trim().chars().count();
        if name_chars == 0 || name_chars > MAX_NAME_CHARS {
            errors.push(FieldError::new("full_name", "must be 1 to 200 characters"));
        }
        if self.telegram_id.is_some_and(|id| id <= 0) {
            errors.push(FieldError::new(
                "telegram_id",
                "must be a positive Telegram user id",
            ));
        }
        if !self.role.is_staff() {
            errors.push(FieldError::new("role", "must be a staff role"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl EmployeeCard {
    /// The editable fields of the card.
    pub fn fields(&self) -> CardFields {
        CardFields {
            full_name: self.full_name.clone(),
            phone: self.phone.clone(),
            telegram_id: self.telegram_id,
            position: self.position.clone(),
            category_id: self.category_id,
            role: self.role,
            pay: self.pay,
            hire_date: self.hire_date,
            notes: self.notes.clone(),
        }
    }
}

/// A change to a card: `None` keeps a field; `Some(None)` clears a clearable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardUpdate {
    /// New name.
    pub full_name: Option<String>,
    /// New phone or clear.
    pub phone: Option<Option<Phone>>,
    /// New Telegram id or clear.
    pub telegram_id: Option<Option<i64>>,
    /// New position or clear.
    pub position: Option<Option<String>>,
    /// New category or clear.
    pub category_id: Option<Option<EmployeeCategoryId>>,
    /// New role.
    pub role: Option<Role>,
    /// New pay terms.
    pub pay: Option<PaySystem>,
    /// New hire date or clear.
    pub hire_date: Option<Option<Date>>,
    /// New notes or clear.
    pub notes: Option<Option<String>>,
}

impl CardUpdate {
    /// The fields after the update.
    pub fn apply(&self, current: &CardFields) -> CardFields {
        let mut next = current.clone();
        if let Some(v) = &self.full_name {
            next.full_name = v.clone();
        }
        if let Some(v) = &self.phone {
            next.phone = v.clone();
        }
        if let Some(v) = self.telegram_id {
            next.telegram_id = v;
        }
        if let Some(v) = &self.position {
            next.position = v.clone();
        }
        if let Some(v) = self.category_id {
            next.category_id = v;
        }
        if let Some(v) = self.role {
            next.role = v;
        }
        if let Some(v) = self.pay {
            next.pay = v;
        }
        if let Some(v) = self.hire_date {
            next.hire_date = v;
        }
        if let Some(v) = &self.notes {
            next.notes = v.clone();
        }
        next
    }

    /// Whether the update touches pay terms (owner/admin only).
    pub fn touches_pay(&self) -> bool {
        self.pay.is_some()
    }
}

/// One changed field of a card, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Field name (`full_name`, `pay_system`, `hourly_rate`, `archived`, ...).
    pub field: String,
    /// Value before, as text; `None` when empty.
    pub old_value: Option<String>,
    /// Value after.
    pub new_value: Option<String>,
}

/// A history record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    /// Id.
    pub id: i64,
    /// The employee.
    pub employee_id: EmployeeId,
    /// What changed.
    pub change: FieldChange,
    /// Who changed it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// A category of employees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Id.
    pub id: EmployeeCategoryId,
    /// Name, unique among categories.
    pub name: String,
    /// Created.
    pub created_at: Timestamp,
}

/// Hours in hundredths (`7.5` h is 750).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hours(i64);

impl Hours {
    /// From hundredths of an hour; `None` when negative or over 24 hours.
    pub fn from_centi(centi: i64) -> Option<Self> {
        (0..=MAX_HOURS_CENTI)
            .contains(&centi)
            .then_some(Self(centi))
    }

    /// Hundredths of an hour.
    pub fn centi(self) -> i64 {
        self.0
    }

    /// Parses `"7.5"` (at most two decimals, 0–24).
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(FieldError::new(field, "must not be negative"));
        }
        let centi = Money::parse(trimmed)
            .map_err(|e| FieldError::new(field, e.to_string()))?
            .minor();
        Self::from_centi(centi).ok_or_else(|| FieldError::new(field, "must be at most 24 hours"))
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Money::from_minor(self.0))
    }
}

/// A new timesheet entry: one per employee and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimesheetEntry {
    /// Day worked (business timezone).
    pub work_date: Date,
    /// Hours worked.
    pub hours: Hours,
    /// Pieces done.
    pub pieces: i64,
    /// Per piece; `None` takes the card's piece rate.
    pub piece_rate: Option<Money>,
    /// Note.
    pub note: Option<String>,
}

impl NewTimesheetEntry {
    /// Checks the entry: pieces within bounds, and some work recorded.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(0..=MAX_PIECES).contains(&self.pieces) {
            errors.push(FieldError::new("pieces", "must be 0 to 1000000"));
        }
        if self.hours.centi() == 0 && self.pieces == 0 {
            errors.push(FieldError::new("hours", "hours or pieces must be given"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A stored timesheet entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimesheetEntry {
    /// Id.
    pub id: i64,
    /// The employee.
    pub employee_id: EmployeeId,
    /// Day.
    pub work_date: Date,
    /// Hours.
    pub hours: Hours,
    /// Pieces.
    pub pieces: i64,
    /// Per piece.
    pub piece_rate: Money,
    /// Note.
    pub note: Option<String>,
    /// Who recorded it.
    pub created_by: Actor,
    /// When.
    pub created_at: Timestamp,
}

/// A planned shift as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRequest {
    /// Day (business timezone).
    pub date: Date,
    /// Start, local time.
    pub start: Time,
    /// End, local time, after the start on the same day.
    pub end: Time,
    /// Where.
    pub location: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// A planned shift with its instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Id (0 before it is stored).
    pub id: i64,
    /// The employee.
    pub employee_id: EmployeeId,
    /// Day.
    pub date: Date,
    /// Local start.
    pub start: Time,
    /// Local end.
    pub end: Time,
    /// Start instant.
    pub starts_at: Timestamp,
    /// End instant.
    pub ends_at: Timestamp,
    /// Where.
    pub location: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Created.
    pub created_at: Timestamp,
}

/// A period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

impl Period {
    /// A period whose end does not precede its start.
    pub fn new(from: Date, to: Date) -> Result<Self, FieldError> {
        if to < from {
            return Err(FieldError::new("to", "must not precede from"));
        }
        Ok(Self { from, to })
    }

    /// Number of days, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }
}

/// Draft runs are replaced by a re-run; closed runs never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Replaceable.
    Draft,
    /// Final.
    Closed,
}

impl RunStatus {
    /// `draft` or `closed`.
    pub fn code(self) -> &'static str {
        match self {
            RunStatus::Draft => "draft",
            RunStatus::Closed => "closed",
        }
    }
}

/// What one employee did in a period, and their terms: the inputs of their accrual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayInputs {
    /// Pay terms used.
    pub pay: PaySystem,
    /// Hours over the whole period, in hundredths (may exceed 24 hours).
    pub total_hours_centi: i64,
    /// Pieces in the period.
    pub pieces: i64,
    /// Σ pieces × their rates.
    pub piece_amount: Money,
    /// Revenue attributed to the employee in the period.
    pub attributed_revenue: Money,
    /// Days of the period.
    pub period: Period,
}

/// The accrual of one employee for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayResult {
    /// The employee.
    pub employee_id: EmployeeId,
    /// Their name at the run.
    pub full_name: String,
    /// Pay system code.
    pub pay_system: &'static str,
    /// Hourly rate (hourly), else zero.
    pub hourly_rate: Money,
    /// Hours, in hundredths.
    pub hours_centi: i64,
    /// Pieces.
    pub pieces: i64,
    /// Pieces × rates.
    pub piece_amount: Money,
    /// Attributed revenue.
    pub attributed_revenue: Money,
    /// Share of revenue (piecework).
    pub revenue_share: Percent,
    /// Revenue × share, rounded down.
    pub revenue_amount: Money,
    /// Monthly salary (salary), else zero.
    pub monthly_salary: Money,
    /// Total accrued.
    pub amount: Money,
}

/// A payroll run with its results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollRun {
    /// Id.
    pub id: i64,
    /// Period.
    pub period: Period,
    /// Draft or closed.
    pub status: RunStatus,
    /// Results, by employee id.
    pub results: Vec<PayResult>,
    /// Who ran it last.
    pub run_by: Actor,
    /// When it was last computed.
    pub computed_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
}

/// A payroll run as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollRequest {
    /// Period, at most a year.
    pub period: Period,
    /// Only these employees (else every active one).
    pub employee_ids: Option<Vec<EmployeeId>>,
    /// Close the run after computing it.
    pub close: bool,
}

/// One exported accrual: a stored result with its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccrualRow {
    /// The run.
    pub run_id: i64,
    /// Run period.
    pub period: Period,
    /// Run status.
    pub status: RunStatus,
    /// The result.
    pub result: PayResult,
}

/// Filters of the accruals export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccrualFilter {
    /// Part of the full name, any case (lower-cased here, Cyrillic too).
    pub name: Option<String>,
    /// Runs whose period starts on or after this day.
    pub from: Option<Date>,
    /// Runs whose period ends on or before this day.
    pub to: Option<Date>,
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(field: &str, text: &str) -> Result<Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| FieldError::new(field, "must be a date such as 2026-11-24"))
}

/// Parses `HH:MM`.
pub fn parse_time(field: &str, text: &str) -> Result<Time, FieldError> {
    let format = time::macros::format_description!("[hour]:[minute]");
    Time::parse(text.trim(), &format)
        .map_err(|_| FieldError::new(field, "must be a time such as 09:30"))
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `HH:MM`.
pub fn format_time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}
