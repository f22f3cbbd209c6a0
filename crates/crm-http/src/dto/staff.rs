//! Staff bodies: employee cards with pay terms, categories, timesheet entries, shifts, payroll
//! runs, history and accruals.

use crate::dto::common::{double_option, DecimalInput, FieldErrors};
use crm_core::{
    EmployeeCategoryId, EmployeeId, FieldError, Money, Page, Percent, Phone, Role, Timestamp,
};
use crm_staff::roster::model::{
    format_date, format_time, parse_date, parse_time, AccrualRow, CardFields, CardUpdate, Category,
    EmployeeCard, HistoryRecord, Hours, NewTimesheetEntry, PayResult, PaySystem, PayrollRequest,
    PayrollRun, Period, Shift, ShiftRequest, TimesheetEntry, MAX_NAME_CHARS, MAX_NOTE_CHARS,
};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// Pay terms as the API shows them (owners and admins only).
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PayResponse {
    /// `hourly`, `piecework` or `salary`.
    pub pay_system: String,
    /// Per hour (hourly).
    pub hourly_rate: Option<Money>,
    /// Per piece (piecework).
    pub piece_rate: Option<Money>,
    /// Share of attributed revenue, percent (piecework).
    pub revenue_share: Option<Percent>,
    /// Per month (salary).
    pub monthly_salary: Option<Money>,
}

impl From<PaySystem> for PayResponse {
    fn from(pay: PaySystem) -> Self {
        let mut r = PayResponse {
            pay_system: pay.code().to_owned(),
            hourly_rate: None,
            piece_rate: None,
            revenue_share: None,
            monthly_salary: None,
        };
        match pay {
            PaySystem::Hourly { hourly_rate } => r.hourly_rate = Some(hourly_rate),
            PaySystem::Piecework {
                piece_rate,
                revenue_share,
            } => {
                r.piece_rate = Some(piece_rate);
                r.revenue_share = Some(revenue_share);
            }
            PaySystem::Salary { monthly_salary } => r.monthly_salary = Some(monthly_salary),
        }
        r
    }
}

/// An employee card.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct EmployeeResponse {
    /// Id.
    pub id: EmployeeId,
    /// Full name.
    pub full_name: String,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// Telegram user id: signs this person in with this card's role.
    pub telegram_id: Option<i64>,
    /// Job title.
    pub position: Option<String>,
    /// Category id.
    pub category_id: Option<EmployeeCategoryId>,
    /// `owner`, `admin`, `manager`, `cashier` or `master`.
    pub role: String,
    /// Pay terms; `null` unless the reader is an owner or admin.
    pub pay: Option<PayResponse>,
    /// Hire date, `YYYY-MM-DD`.
    pub hire_date: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// When archived.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl EmployeeResponse {
    /// The card, with its pay terms when `show_pay`.
    pub fn new(card: EmployeeCard, show_pay: bool) -> Self {
        Self {
            id: card.id,
            full_name: card.full_name,
            phone: card.phone.map(|p| p.as_str().to_owned()),
            telegram_id: card.telegram_id,
            position: card.position,
            category_id: card.category_id,
            role: card.role.code().to_owned(),
            pay: show_pay.then(|| card.pay.into()),
            hire_date: card.hire_date.map(format_date),
            notes: card.notes,
            archived_at: card.archived_at,
            created_at: card.created_at,
            updated_at: card.updated_at,
        }
    }
}

/// A page of employees.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct EmployeePage {
    /// Cards by id.
    pub items: Vec<EmployeeResponse>,
    /// Matching cards.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
}

impl EmployeePage {
    /// The page, with pay terms when `show_pay`.
    pub fn new(page: Page<EmployeeCard>, show_pay: bool) -> Self {
        let page = page.map(|c| EmployeeResponse::new(c, show_pay));
        Self {
            items: page.items,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

fn role(field: &str, code: &str) -> Result<Role, FieldError> {
    Role::from_code(code.trim())
        .filter(|r| r.is_staff())
        .ok_or_else(|| FieldError::new(field, "must be owner, admin, manager, cashier or master"))
}

fn phone(field: &str, text: &str) -> Result<Phone, FieldError> {
    Phone::parse(text).map_err(|e| FieldError::new(field, e.to_string()))
}

/// Pay fields of a create or update.
#[derive(Debug, Default)]
struct PayInput {
    pay_system: Option<String>,
    hourly_rate: Option<DecimalInput>,
    piece_rate: Option<DecimalInput>,
    revenue_share: Option<DecimalInput>,
    monthly_salary: Option<DecimalInput>,
}

impl PayInput {
    fn any(&self) -> bool {
        self.pay_system.is_some()
            || self.hourly_rate.is_some()
            || self.piece_rate.is_some()
            || self.revenue_share.is_some()
            || self.monthly_salary.is_some()
    }

    fn into_pay(self, errors: &mut FieldErrors) -> Option<PaySystem> {
        let system = self.pay_system.as_deref().unwrap_or("hourly").trim();
        let money = |errors: &mut FieldErrors, field: &str, v: &Option<DecimalInput>| {
            v.as_ref()
                .and_then(|v| errors.take(field, v.money(field)))
                .unwrap_or(Money::ZERO)
        };
        let misplaced = |errors: &mut FieldErrors, field: &str, present: bool| {
            if present {
                errors.add(field, &format!("does not apply to the {system} pay system"));
            }
        };
        let pay = match system {
            "hourly" => {
                misplaced(errors, "piece_rate", self.piece_rate.is_some());
                misplaced(errors, "revenue_share", self.revenue_share.is_some());
                misplaced(errors, "monthly_salary", self.monthly_salary.is_some());
                PaySystem::Hourly {
                    hourly_rate: money(errors, "hourly_rate", &self.hourly_rate),
                }
            }
            "piecework" => {
                misplaced(errors, "hourly_rate", self.hourly_rate.is_some());
                misplaced(errors, "monthly_salary", self.monthly_salary.is_some());
                PaySystem::Piecework {
                    piece_rate: money(errors, "piece_rate", &self.piece_rate),
                    revenue_share: self
                        .revenue_share
                        .as_ref()
                        .and_then(|v| errors.take("revenue_share", v.percent("revenue_share")))
                        .unwrap_or(Percent::ZERO),
                }
            }
            "salary" => {
                misplaced(errors, "hourly_rate", self.hourly_rate.is_some());
                misplaced(errors, "piece_rate", self.piece_rate.is_some());
                misplaced(errors, "revenue_share", self.revenue_share.is_some());
                PaySystem::Salary {
                    monthly_salary: money(errors, "monthly_salary", &self.monthly_salary),
                }
            }
            _ => {
                errors.add("pay_system", "must be hourly, piecework or salary");
                return None;
            }
        };
        Some(pay)
    }
}

/// A new employee card.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployeeRequest {
    /// Full name, 1–200 characters.
    pub full_name: String,
    /// Phone, any common spelling.
    pub phone: Option<String>,
    /// Telegram user id: links the person to this card's role at sign-in.
    pub telegram_id: Option<i64>,
    /// Job title.
    pub position: Option<String>,
    /// Category id.
    pub category_id: Option<i64>,
    /// `owner` (owners only), `admin`, `manager`, `cashier` or `master`.
    pub role: String,
    /// `hourly` (default), `piecework` or `salary`.
    pub pay_system: Option<String>,
    /// Per hour (hourly).
    pub hourly_rate: Option<DecimalInput>,
    /// Per piece (piecework).
    pub piece_rate: Option<DecimalInput>,
    /// Share of attributed revenue, percent (piecework).
    pub revenue_share: Option<DecimalInput>,
    /// Per month (salary).
    pub monthly_salary: Option<DecimalInput>,
    /// Hire date, `YYYY-MM-DD`.
    pub hire_date: Option<String>,
    /// Notes, up to 1000 characters.
    pub notes: Option<String>,
}

impl CreateEmployeeRequest {
    /// Whether the request names pay terms.
    pub fn sets_pay(&self) -> bool {
        self.pay_system.is_some()
            || self.hourly_rate.is_some()
            || self.piece_rate.is_some()
            || self.revenue_share.is_some()
            || self.monthly_salary.is_some()
    }
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Option<String> {
    raw.and_then(|r| errors.patch_text(field, Some(Some(r)), max).into_option())
}

trait IntoOption<T> {
    fn into_option(self) -> Option<T>;
}

impl<T> IntoOption<T> for crm_clients::model::Patch<T> {
    fn into_option(self) -> Option<T> {
        match self {
            crm_clients::model::Patch::Set(v) => Some(v),
            _ => None,
        }
    }
}

impl TryFrom<CreateEmployeeRequest> for CardFields {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateEmployeeRequest) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let full_name = errors.required_text("full_name", &r.full_name, MAX_NAME_CHARS);
        let phone = r
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .and_then(|p| errors.take("phone", phone("phone", p)));
        let position = optional_text(&mut errors, "position", r.position, MAX_NAME_CHARS);
        let notes = optional_text(&mut errors, "notes", r.notes, MAX_NOTE_CHARS);
        let role = errors.take("role", role("role", &r.role));
        let hire_date = r
            .hire_date
            .as_deref()
            .and_then(|d| errors.take("hire_date", parse_date("hire_date", d)));
        let pay = PayInput {
            pay_system: r.pay_system,
            hourly_rate: r.hourly_rate,
            piece_rate: r.piece_rate,
            revenue_share: r.revenue_share,
            monthly_salary: r.monthly_salary,
        }
        .into_pay(&mut errors);
        let fields = CardFields {
            full_name: full_name.unwrap_or_default(),
            phone,
            telegram_id: r.telegram_id,
            position,
            category_id: r.category_id.map(EmployeeCategoryId),
            role: role.unwrap_or(Role::Master),
            pay: pay.unwrap_or(PaySystem::NONE),
            hire_date,
            notes,
        };
        errors.finish(fields)
    }
}

/// Changes to a card: absent fields stay, `null` clears. Changing pay terms names
/// `pay_system` together with its rates (absent rates are zero).
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmployeeRequest {
    /// Full name.
    pub full_name: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    /// Telegram user id.
    #[serde(default, deserialize_with = "double_option")]
    pub telegram_id: Option<Option<i64>>,
    /// Job title.
    #[serde(default, deserialize_with = "double_option")]
    pub position: Option<Option<String>>,
    /// Category id.
    #[serde(default, deserialize_with = "double_option")]
    pub category_id: Option<Option<i64>>,
    /// Role.
    pub role: Option<String>,
    /// `hourly`, `piecework` or `salary`; required with any rate.
    pub pay_system: Option<String>,
    /// Per hour.
    pub hourly_rate: Option<DecimalInput>,
    /// Per piece.
    pub piece_rate: Option<DecimalInput>,
    /// Share of attributed revenue, percent.
    pub revenue_share: Option<DecimalInput>,
    /// Per month.
    pub monthly_salary: Option<DecimalInput>,
    /// Hire date.
    #[serde(default, deserialize_with = "double_option")]
    pub hire_date: Option<Option<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "double_option")]
    pub notes: Option<Option<String>>,
}

impl TryFrom<UpdateEmployeeRequest> for CardUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateEmployeeRequest) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let full_name = r
            .full_name
            .as_deref()
            .and_then(|n| errors.required_text("full_name", n, MAX_NAME_CHARS));
        let phone = match r.phone {
            None => None,
            Some(None) => Some(None),
            Some(Some(p)) if p.trim().is_empty() => Some(None),
            Some(Some(p)) => errors.take("phone", phone("phone", &p)).map(Some),
        };
        let position = patch(errors.patch_text("position", r.position, MAX_NAME_CHARS));
        let notes = patch(errors.patch_text("notes", r.notes, MAX_NOTE_CHARS));
        let hire_date = patch(errors.patch("hire_date", r.hire_date, |d: String| {
            parse_date("hire_date", &d)
        }));
        let role = r
            .role
            .as_deref()
            .and_then(|c| errors.take("role", role("role", c)));
        let pay_input = PayInput {
            pay_system: r.pay_system,
            hourly_rate: r.hourly_rate,
            piece_rate: r.piece_rate,
            revenue_share: r.revenue_share,
            monthly_salary: r.monthly_salary,
        };
        let pay = if !pay_input.any() {
            None
        } else if pay_input.pay_system.is_none() {
            errors.add("pay_system", "is required when changing pay terms");
            None
        } else {
            pay_input.into_pay(&mut errors)
        };
        let update = CardUpdate {
            full_name,
            phone,
            telegram_id: r.telegram_id,
            position,
            category_id: r.category_id.map(|c| c.map(EmployeeCategoryId)),
            role,
            pay,
            hire_date,
            notes,
        };
        errors.finish(update)
    }
}

fn patch<T>(p: crm_clients::model::Patch<T>) -> Option<Option<T>> {
    match p {
        crm_clients::model::Patch::Keep => None,
        crm_clients::model::Patch::Clear => Some(None),
        crm_clients::model::Patch::Set(v) => Some(Some(v)),
    }
}

/// `{employee_id}` in a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct EmployeePath {
    /// Employee id.
    pub employee_id: i64,
}

/// `{category_id}` in a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct CategoryPath {
    /// Category id.
    pub category_id: i64,
}

/// A new category.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Name, unique, 1–200 characters.
    pub name: String,
}

/// A category.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CategoryResponse {
    /// Id.
    pub id: EmployeeCategoryId,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: Timestamp,
}

impl From<Category> for CategoryResponse {
    fn from(c: Category) -> Self {
        Self {
            id: c.id,
            name: c.name,
            created_at: c.created_at,
        }
    }
}

/// Every category, by name.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CategoryList {
    /// Categories.
    pub items: Vec<CategoryResponse>,
    /// How many.
    pub total: u64,
}

/// A period of days (`from`, `to`: `YYYY-MM-DD`, both included).
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct PeriodQuery {
    /// First day.
    pub from: Option<String>,
    /// Last day, not before `from`.
    pub to: Option<String>,
}

/// The period of a query: both days required, the end not before the start, at most 366 days.
pub fn required_period(from: Option<&str>, to: Option<&str>) -> Result<Period, Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    let mut day = |field: &str, v: Option<&str>| match v {
        Some(v) => errors.take(field, parse_date(field, v)),
        None => {
            errors.add(field, "is required (YYYY-MM-DD)");
            None
        }
    };
    let from = day("from", from);
    let to = day("to", to);
    if let (Some(from), Some(to)) = (from, to) {
        let period = Period::new(from, to).map_err(|e| vec![e])?;
        if period.days() > crm_staff::roster::model::MAX_PAYROLL_DAYS {
            return Err(vec![FieldError::new("to", "a period is at most 366 days")]);
        }
        return Ok(period);
    }
    errors.finish(()).and(Err(Vec::new()))
}

/// A day's work.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct TimesheetRequest {
    /// The day, `YYYY-MM-DD`; one entry per employee and day.
    pub work_date: String,
    /// Hours worked, 0–24, two decimals.
    pub hours: Option<DecimalInput>,
    /// Pieces done.
    pub pieces: Option<i64>,
    /// Per piece; default the card's piece rate.
    pub piece_rate: Option<DecimalInput>,
    /// Note.
    pub note: Option<String>,
}

impl TryFrom<TimesheetRequest> for NewTimesheetEntry {
    type Error = Vec<FieldError>;

    fn try_from(r: TimesheetRequest) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let work_date = errors.take("work_date", parse_date("work_date", &r.work_date));
        let hours = match &r.hours {
            Some(h) => errors.take("hours", Hours::parse("hours", &h.0)),
            None => Some(Hours::default()),
        };
        let piece_rate = r
            .piece_rate
            .as_ref()
            .and_then(|v| errors.take("piece_rate", v.money("piece_rate")));
        let note = optional_text(&mut errors, "note", r.note, MAX_NOTE_CHARS);
        let entry = match (work_date, hours) {
            (Some(work_date), Some(hours)) => Some(NewTimesheetEntry {
                work_date,
                hours,
                pieces: r.pieces.unwrap_or(0),
                piece_rate,
                note,
            }),
            _ => None,
        };
        match (errors.finish(()), entry) {
            (Ok(()), Some(entry)) => {
                entry.validate()?;
                Ok(entry)
            }
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(vec![FieldError::new("work_date", "is invalid")]),
        }
    }
}

/// A timesheet entry.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TimesheetEntryResponse {
    /// Id.
    pub id: i64,
    /// Employee.
    pub employee_id: EmployeeId,
    /// Day.
    pub work_date: String,
    /// Hours.
    pub hours: Money,
    /// Pieces.
    pub pieces: i64,
    /// Per piece.
    pub piece_rate: Money,
    /// Note.
    pub note: Option<String>,
    /// Who recorded it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

impl From<TimesheetEntry> for TimesheetEntryResponse {
    fn from(e: TimesheetEntry) -> Self {
        Self {
            id: e.id,
            employee_id: e.employee_id,
            work_date: format_date(e.work_date),
            hours: Money::from_minor(e.hours.centi()),
            pieces: e.pieces,
            piece_rate: e.piece_rate,
            note: e.note,
            created_by: e.created_by.to_string(),
            created_at: e.created_at,
        }
    }
}

/// The entries of a period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TimesheetList {
    /// Entries by day.
    pub items: Vec<TimesheetEntryResponse>,
    /// How many.
    pub total: u64,
    /// Hours in the period.
    pub total_hours: Money,
    /// Pieces in the period.
    pub total_pieces: i64,
}

impl From<Vec<TimesheetEntry>> for TimesheetList {
    fn from(entries: Vec<TimesheetEntry>) -> Self {
        let total_hours = Money::from_minor(entries.iter().map(|e| e.hours.centi()).sum());
        let total_pieces = entries.iter().map(|e| e.pieces).sum();
        Self {
            total: entries.len() as u64,
            items: entries.into_iter().map(Into::into).collect(),
            total_hours,
            total_pieces,
        }
    }
}

/// A planned shift.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ShiftRequestBody {
    /// Day, `YYYY-MM-DD`.
    pub date: String,
    /// Start, `HH:MM` in the business's timezone.
    pub start_time: String,
    /// End, `HH:MM`, after the start.
    pub end_time: String,
    /// Where.
    pub location: Option<String>,
    /// Note.
    pub note: Option<String>,
}

impl TryFrom<ShiftRequestBody> for ShiftRequest {
    type Error = Vec<FieldError>;

    fn try_from(r: ShiftRequestBody) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let date = errors.take("date", parse_date("date", &r.date));
        let start = errors.take("start_time", parse_time("start_time", &r.start_time));
        let end = errors.take("end_time", parse_time("end_time", &r.end_time));
        let location = optional_text(&mut errors, "location", r.location, MAX_NAME_CHARS);
        let note = optional_text(&mut errors, "note", r.note, MAX_NOTE_CHARS);
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                errors.add("end_time", "must be after start_time");
            }
        }
        match (date, start, end) {
            (Some(date), Some(start), Some(end)) => errors.finish(ShiftRequest {
                date,
                start,
                end,
                location,
                note,
            }),
            _ => errors.finish(()).and(Err(Vec::new())),
        }
    }
}

/// A shift.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ShiftResponse {
    /// Id.
    pub id: i64,
    /// Employee.
    pub employee_id: EmployeeId,
    /// Day.
    pub date: String,
    /// Local start, `HH:MM`.
    pub start_time: String,
    /// Local end.
    pub end_time: String,
    /// Start instant.
    pub starts_at: Timestamp,
    /// End instant.
    pub ends_at: Timestamp,
    /// Where.
    pub location: Option<String>,
    /// Note.
    pub note: Option<String>,
}

impl From<Shift> for ShiftResponse {
    fn from(s: Shift) -> Self {
        Self {
            id: s.id,
            employee_id: s.employee_id,
            date: format_date(s.date),
            start_time: format_time(s.start),
            end_time: format_time(s.end),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            location: s.location,
            note: s.note,
        }
    }
}

/// Shifts of a period.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ShiftList {
    /// Shifts by start.
    pub items: Vec<ShiftResponse>,
    /// How many.
    pub total: u64,
}

/// A payroll run.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct PayrollRunRequest {
    /// First day, `YYYY-MM-DD`.
    pub period_from: String,
    /// Last day, at most 366 days on.
    pub period_to: String,
    /// Only these employees (default every active one).
    pub employee_ids: Option<Vec<i64>>,
    /// Close the run after computing it (default false).
    pub close: Option<bool>,
}

impl TryFrom<PayrollRunRequest> for PayrollRequest {
    type Error = Vec<FieldError>;

    fn try_from(r: PayrollRunRequest) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let from = errors.take("period_from", parse_date("period_from", &r.period_from));
        let to = errors.take("period_to", parse_date("period_to", &r.period_to));
        if r.employee_ids
            .as_ref()
            .is_some_and(|ids| ids.is_empty() || ids.len() > 1000)
        {
            errors.add("employee_ids", "must name 1 to 1000 employees");
        }
        let (Some(from), Some(to)) = (from, to) else {
            return errors.finish(()).and(Err(Vec::new()));
        };
        if to < from {
            errors.add("period_to", "must not precede period_from");
        } else if (to - from).whole_days() + 1 > crm_staff::roster::model::MAX_PAYROLL_DAYS {
            errors.add("period_to", "a payroll period is at most 366 days");
        }
        errors.finish(PayrollRequest {
            period: Period { from, to },
            employee_ids: r
                .employee_ids
                .map(|ids| ids.into_iter().map(EmployeeId).collect()),
            close: r.close.unwrap_or(false),
        })
    }
}

/// One employee's accrual and its inputs.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AccrualResponse {
    /// Employee.
    pub employee_id: EmployeeId,
    /// Their name at the run.
    pub full_name: String,
    /// `hourly`, `piecework` or `salary`.
    pub pay_system: String,
    /// Hours worked.
    pub hours: Money,
    /// Per hour.
    pub hourly_rate: Money,
    /// Pieces done.
    pub pieces: i64,
    /// Pieces × rates.
    pub piece_amount: Money,
    /// Revenue attributed to them.
    pub attributed_revenue: Money,
    /// Share of it, percent.
    pub revenue_share: Percent,
    /// Revenue × share, rounded down.
    pub revenue_amount: Money,
    /// Monthly salary.
    pub monthly_salary: Money,
    /// Accrued.
    pub amount: Money,
}

impl From<PayResult> for AccrualResponse {
    fn from(r: PayResult) -> Self {
        Self {
            employee_id: r.employee_id,
            full_name: r.full_name,
            pay_system: r.pay_system.to_owned(),
            hours: Money::from_minor(r.hours_centi),
            hourly_rate: r.hourly_rate,
            pieces: r.pieces,
            piece_amount: r.piece_amount,
            attributed_revenue: r.attributed_revenue,
            revenue_share: r.revenue_share,
            revenue_amount: r.revenue_amount,
            monthly_salary: r.monthly_salary,
            amount: r.amount,
        }
    }
}

/// A payroll run with its results.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PayrollRunResponse {
    /// Id.
    pub id: i64,
    /// First day.
    pub period_from: String,
    /// Last day.
    pub period_to: String,
    /// `draft` (a re-run replaces it) or `closed`.
    pub status: String,
    /// Who ran it last.
    pub run_by: String,
    /// When it was computed.
    pub computed_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// Sum of the accruals.
    pub total_amount: Money,
    /// Accruals by employee id.
    pub results: Vec<AccrualResponse>,
}

impl From<PayrollRun> for PayrollRunResponse {
    fn from(run: PayrollRun) -> Self {
        Self {
            id: run.id,
            period_from: format_date(run.period.from),
            period_to: format_date(run.period.to),
            status: run.status.code().to_owned(),
            run_by: run.run_by.to_string(),
            computed_at: run.computed_at,
            closed_at: run.closed_at,
            total_amount: run.results.iter().map(|r| r.amount).sum(),
            results: run.results.into_iter().map(Into::into).collect(),
        }
    }
}

/// A history record.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct HistoryResponse {
    /// Id.
    pub id: i64,
    /// Field.
    pub field: String,
    /// Before.
    pub old_value: Option<String>,
    /// After.
    pub new_value: Option<String>,
    /// Who: `employee:<id>` or `system`.
    pub actor: String,
    /// When.
    pub at: Timestamp,
}

/// A page of history, newest first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct HistoryPage {
    /// Records.
    pub items: Vec<HistoryResponse>,
    /// All records.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
}

impl From<Page<HistoryRecord>> for HistoryPage {
    fn from(page: Page<HistoryRecord>) -> Self {
        let page = page.map(|h| HistoryResponse {
            id: h.id,
            field: h.change.field,
            old_value: h.change.old_value,
            new_value: h.change.new_value,
            actor: h.actor.to_string(),
            at: h.at,
        });
        Self {
            items: page.items,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// Filters of the accruals export.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct ExportQuery {
    /// Part of the full name, any case (Cyrillic too).
    pub name: Option<String>,
    /// Runs whose period starts on or after this day.
    pub from: Option<String>,
    /// Runs whose period ends on or before this day.
    pub to: Option<String>,
    /// Page size, 1–500 (JSON only).
    pub limit: Option<u32>,
    /// Rows to skip (JSON only).
    pub offset: Option<u64>,
}

impl ExportQuery {
    /// The filter, or the invalid fields.
    pub fn filter(&self) -> Result<crm_staff::roster::AccrualFilter, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let from = self
            .from
            .as_deref()
            .and_then(|d| errors.take("from", parse_date("from", d)));
        let to = self
            .to
            .as_deref()
            .and_then(|d| errors.take("to", parse_date("to", d)));
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errors.add("to", "must not precede from");
            }
        }
        if self
            .name
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NAME_CHARS)
        {
            errors.add("name", "must be at most 200 characters");
        }
        errors.finish(crm_staff::roster::AccrualFilter {
            name: self.name.clone(),
            from,
            to,
        })
    }
}

/// One exported accrual.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AccrualRowResponse {
    /// The run.
    pub run_id: i64,
    /// First day of the run.
    pub period_from: String,
    /// Last day.
    pub period_to: String,
    /// `draft` or `closed`.
    pub status: String,
    /// The accrual.
    pub accrual: AccrualResponse,
}

impl From<AccrualRow> for AccrualRowResponse {
    fn from(r: AccrualRow) -> Self {
        Self {
            run_id: r.run_id,
            period_from: format_date(r.period.from),
            period_to: format_date(r.period.to),
            status: r.status.code().to_owned(),
            accrual: r.result.into(),
        }
    }
}

/// A page of accruals.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AccrualPage {
    /// Rows by period, then name.
    pub items: Vec<AccrualRowResponse>,
    /// Matching rows.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
    /// Sum of the matching rows on this page.
    pub page_amount: Money,
}

impl From<Page<AccrualRow>> for AccrualPage {
    fn from(page: Page<AccrualRow>) -> Self {
        let page_amount = page.items.iter().map(|r| r.result.amount).sum();
        let page = page.map(AccrualRowResponse::from);
        Self {
            items: page.items,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            page_amount,
        }
    }
}
