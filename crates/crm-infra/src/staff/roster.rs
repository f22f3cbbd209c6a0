//! [`SqliteRoster`]: employee cards, categories, timesheets, shifts, payroll and history in
//! SQLite, implementing the roster ports of [`crm_staff::roster::ports`].

use super::schema::{
    employee_categories, employee_history, payroll_results, payroll_runs, shifts, timesheet_entries,
};
use crate::db::Database;
use crate::error::{corrupt, map_diesel_error, stored_time, Failure};
use crate::schema::{employees, system_settings};
use crm_core::{
    Actor, EmployeeCategoryId, EmployeeId, Money, Page, PageRequest, Percent, Phone, RepoError,
    Role, Timestamp,
};
use crm_staff::roster::model::{
    format_date, format_time, parse_date, parse_time, AccrualFilter, AccrualRow, CardFields,
    Category, EmployeeCard, FieldChange, HistoryRecord, Hours, PayResult, PaySystem, PayrollRun,
    Period, RunStatus, Shift, TimesheetEntry,
};
use crm_staff::roster::ports::{
    AccrualCursor, AccrualStretch, AttributedRevenue, BusinessTimezone, CardArchive, CardWrite,
    CategoryDelete, RosterRepository, RunWrite, ShiftWrite, WorkTotals,
};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};

/// The roster in SQLite. Each call checks a connection out of the pool; multi-row writes run in
/// one immediate transaction with their guards.
#[derive(Debug, Clone)]
pub struct SqliteRoster {
    db: Database,
}

impl SqliteRoster {
    /// A roster over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = employees, check_for_backend(diesel::sqlite::Sqlite))]
struct CardRow {
    id: i64,
    full_name: String,
    phone: Option<String>,
    telegram_id: Option<i64>,
    role: String,
    position: Option<String>,
    archived_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    category_id: Option<i64>,
    pay_system: String,
    hourly_rate: i64,
    piece_rate: i64,
    revenue_share_bp: i64,
    monthly_salary: i64,
    hire_date: Option<String>,
    notes: Option<String>,
    version: i64,
}

fn money(minor: i64, what: &str, id: i64) -> Result<Money, RepoError> {
    if minor < 0 {
        return Err(corrupt(what, id));
    }
    Ok(Money::from_minor(minor))
}

fn percent(bp: i64, what: &str, id: i64) -> Result<Percent, RepoError> {
    Percent::from_basis_points(bp).ok_or_else(|| corrupt(what, id))
}

fn date(text: &str, what: &str, id: i64) -> Result<time::Date, RepoError> {
    parse_date(what, text).map_err(|_| corrupt(what, id))
}

impl CardRow {
    fn into_card(self) -> Result<EmployeeCard, RepoError> {
        let id = self.id;
        let pay = match self.pay_system.as_str() {
            "hourly" => PaySystem::Hourly {
                hourly_rate: money(self.hourly_rate, "employee hourly_rate", id)?,
            },
            "piecework" => PaySystem::Piecework {
                piece_rate: money(self.piece_rate, "employee piece_rate", id)?,
                revenue_share: percent(self.revenue_share_bp, "employee revenue_share", id)?,
            },
            "salary" => PaySystem::Salary {
                monthly_salary: money(self.monthly_salary, "employee monthly_salary", id)?,
            },
            _ => return Err(corrupt("employee pay_system", id)),
        };
        Ok(EmployeeCard {
            id: EmployeeId(id),
            full_name: self.full_name,
            phone: self.phone.map(Phone::from_trusted),
            telegram_id: self.telegram_id,
            position: self.position,
            category_id: self.category_id.map(EmployeeCategoryId),
            role: Role::from_code(&self.role)
                .filter(|r| r.is_staff())
                .ok_or_else(|| corrupt("employee role", id))?,
            pay,
            hire_date: self
                .hire_date
                .as_deref()
                .map(|d| date(d, "employee hire_date", id))
                .transpose()?,
            notes: self.notes,
            archived_at: self
                .archived_at
                .map(|ms| stored_time(ms, "employee archived_at", id))
                .transpose()?,
            created_at: stored_time(self.created_at, "employee created_at", id)?,
            updated_at: stored_time(self.updated_at, "employee updated_at", id)?,
            version: self.version,
        })
    }
}

/// The columns a card write sets.
#[derive(Debug, AsChangeset, Insertable)]
#[diesel(table_name = employees, treat_none_as_null = true)]
struct CardWriteRow {
    full_name: String,
    name_search: String,
    phone: Option<String>,
    telegram_id: Option<i64>,
    role: &'static str,
    position: Option<String>,
    category_id: Option<i64>,
    pay_system: &'static str,
    hourly_rate: i64,
    piece_rate: i64,
    revenue_share_bp: i64,
    monthly_salary: i64,
    hire_date: Option<String>,
    notes: Option<String>,
    updated_at: i64,
}

impl CardWriteRow {
    fn new(fields: &CardFields, at: Timestamp) -> Self {
        let (hourly_rate, piece_rate, revenue_share_bp, monthly_salary) = match fields.pay {
            PaySystem::Hourly { hourly_rate } => (hourly_rate.minor(), 0, 0, 0),
            PaySystem::Piecework {
                piece_rate,
                revenue_share,
            } => (0, piece_rate.minor(), revenue_share.basis_points(), 0),
            PaySystem::Salary { monthly_salary } => (0, 0, 0, monthly_salary.minor()),
        };
        Self {
            full_name: fields.full_name.clone(),
            name_search: crm_core::search_key(&fields.full_name),
            phone: fields.phone.as_ref().map(|p| p.as_str().to_owned()),
            telegram_id: fields.telegram_id,
            role: fields.role.code(),
            position: fields.position.clone(),
            category_id: fields.category_id.map(EmployeeCategoryId::get),
            pay_system: fields.pay.code(),
            hourly_rate,
            piece_rate,
            revenue_share_bp,
            monthly_salary,
            hire_date: fields.hire_date.map(format_date),
            notes: fields.notes.clone(),
            updated_at: at.unix_millis(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = employee_history)]
struct NewHistoryRow<'a> {
    employee_id: i64,
    field: &'a str,
    old_value: Option<&'a str>,
    new_value: Option<&'a str>,
    actor: &'a str,
    at: i64,
}

fn write_history(
    conn: &mut SqliteConnection,
    id: i64,
    changes: &[FieldChange],
    actor: Actor,
    at: Timestamp,
) -> Result<(), Failure> {
    let actor = actor.to_string();
    let rows: Vec<NewHistoryRow<'_>> = changes
        .iter()
        .map(|c| NewHistoryRow {
            employee_id: id,
            field: &c.field,
            old_value: c.old_value.as_deref(),
            new_value: c.new_value.as_deref(),
            actor: &actor,
            at: at.unix_millis(),
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(employee_history::table)
            .values(&rows)
            .execute(conn)?;
    }
    Ok(())
}

fn category_is_live(conn: &mut SqliteConnection, id: Option<i64>) -> Result<bool, Failure> {
    let Some(id) = id else { return Ok(true) };
    let found: i64 = employee_categories::table
        .filter(employee_categories::id.eq(id))
        .filter(employee_categories::deleted_at.is_null())
        .select(count_star())
        .first(conn)?;
    Ok(found > 0)
}

fn read_card(conn: &mut SqliteConnection, id: i64) -> Result<Option<EmployeeCard>, Failure> {
    Ok(employees::table
        .find(id)
        .select(CardRow::as_select())
        .first(conn)
        .optional()?
        .map(CardRow::into_card)
        .transpose()?)
}

/// Re-computes the lower-cased search copy of employee names where SQLite's ASCII-only
/// `lower()` (the migration's backfill) left it wrong, e.g. Cyrillic names stored before the
/// staff migration. Runs after migrations; the staff table is small.
pub(crate) fn refresh_name_search(conn: &mut SqliteConnection) -> Result<(), RepoError> {
    let rows: Vec<(i64, String, String)> = employees::table
        .select((employees::id, employees::full_name, employees::name_search))
        .load(conn)
        .map_err(|e| Failure::from(e).0)?;
    for (id, name, search) in rows {
        let lowered = crm_core::search_key(&name);
        if lowered != search {
            diesel::update(employees::table.find(id))
                .set(employees::name_search.eq(lowered))
                .execute(conn)
                .map_err(|e| Failure::from(e).0)?;
        }
    }
    Ok(())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = employee_history, check_for_backend(diesel::sqlite::Sqlite))]
struct HistoryRow {
    id: i64,
    employee_id: i64,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    actor: String,
    at: i64,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = employee_categories, check_for_backend(diesel::sqlite::Sqlite))]
struct CategoryRow {
    id: i64,
    name: String,
    created_at: i64,
}

impl CategoryRow {
    fn into_category(self) -> Result<Category, RepoError> {
        Ok(Category {
            id: EmployeeCategoryId(self.id),
            created_at: stored_time(self.created_at, "category created_at", self.id)?,
            name: self.name,
        })
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = timesheet_entries, check_for_backend(diesel::sqlite::Sqlite))]
struct EntryRow {
    id: i64,
    employee_id: i64,
    work_date: String,
    hours_centi: i64,
    pieces: i64,
    piece_rate: i64,
    note: Option<String>,
    created_by: String,
    created_at: i64,
}

impl EntryRow {
    fn into_entry(self) -> Result<TimesheetEntry, RepoError> {
        let id = self.id;
        Ok(TimesheetEntry {
            id,
            employee_id: EmployeeId(self.employee_id),
            work_date: date(&self.work_date, "timesheet work_date", id)?,
            hours: Hours::from_centi(self.hours_centi)
                .ok_or_else(|| corrupt("timesheet hours", id))?,
            pieces: self.pieces,
            piece_rate: money(self.piece_rate, "timesheet piece_rate", id)?,
            note: self.note,
            created_by: Actor::from_code(&self.created_by)
                .ok_or_else(|| corrupt("timesheet created_by", id))?,
            created_at: stored_time(self.created_at, "timesheet created_at", id)?,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = timesheet_entries)]
struct NewEntryRow<'a> {
    employee_id: i64,
    work_date: String,
    hours_centi: i64,
    pieces: i64,
    piece_rate: i64,
    note: Option<&'a str>,
    created_by: String,
    created_at: i64,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = shifts, check_for_backend(diesel::sqlite::Sqlite))]
struct ShiftRow {
    id: i64,
    employee_id: i64,
    shift_date: String,
    start_time: String,
    end_time: String,
    starts_at: i64,
    ends_at: i64,
    location: Option<String>,
    note: Option<String>,
    created_at: i64,
}

impl ShiftRow {
    fn into_shift(self) -> Result<Shift, RepoError> {
        let id = self.id;
        Ok(Shift {
            id,
            employee_id: EmployeeId(self.employee_id),
            date: date(&self.shift_date, "shift date", id)?,
            start: parse_time("start", &self.start_time).map_err(|_| corrupt("shift start", id))?,
            end: parse_time("end", &self.end_time).map_err(|_| corrupt("shift end", id))?,
            starts_at: stored_time(self.starts_at, "shift starts_at", id)?,
            ends_at: stored_time(self.ends_at, "shift ends_at", id)?,
            location: self.location,
            note: self.note,
            created_at: stored_time(self.created_at, "shift created_at", id)?,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = shifts)]
struct NewShiftRow<'a> {
    employee_id: i64,
    shift_date: String,
    start_time: String,
    end_time: String,
    starts_at: i64,
    ends_at: i64,
    location: Option<&'a str>,
    note: Option<&'a str>,
    created_at: i64,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = payroll_runs, check_for_backend(diesel::sqlite::Sqlite))]
struct RunRow {
    id: i64,
    period_from: String,
    period_to: String,
    status: String,
    run_by: String,
    computed_at: i64,
    closed_at: Option<i64>,
}

fn status(code: &str, id: i64) -> Result<RunStatus, RepoError> {
    match code {
        "draft" => Ok(RunStatus::Draft),
        "closed" => Ok(RunStatus::Closed),
        _ => Err(corrupt("payroll run status", id)),
    }
}

impl RunRow {
    fn period(&self) -> Result<Period, RepoError> {
        Ok(Period {
            from: date(&self.period_from, "payroll run period_from", self.id)?,
            to: date(&self.period_to, "payroll run period_to", self.id)?,
        })
    }
}

#[derive(Debug, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = payroll_results, check_for_backend(diesel::sqlite::Sqlite))]
struct ResultRow {
    run_id: i64,
    employee_id: i64,
    full_name: String,
    pay_system: String,
    hourly_rate: i64,
    hours_centi: i64,
    pieces: i64,
    piece_amount: i64,
    attributed_revenue: i64,
    revenue_share_bp: i64,
    revenue_amount: i64,
    monthly_salary: i64,
    amount: i64,
}

impl ResultRow {
    fn new(run_id: i64, r: &PayResult) -> Self {
        Self {
            run_id,
            employee_id: r.employee_id.get(),
            full_name: r.full_name.clone(),
            pay_system: r.pay_system.to_owned(),
            hourly_rate: r.hourly_rate.minor(),
            hours_centi: r.hours_centi,
            pieces: r.pieces,
            piece_amount: r.piece_amount.minor(),
            attributed_revenue: r.attributed_revenue.minor(),
            revenue_share_bp: r.revenue_share.basis_points(),
            revenue_amount: r.revenue_amount.minor(),
            monthly_salary: r.monthly_salary.minor(),
            amount: r.amount.minor(),
        }
    }

    fn into_result(self) -> Result<PayResult, RepoError> {
        let id = self.run_id;
        let pay_system = match self.pay_system.as_str() {
            "hourly" => "hourly",
            "piecework" => "piecework",
            "salary" => "salary",
            _ => return Err(corrupt("payroll result pay_system", id)),
        };
        Ok(PayResult {
            employee_id: EmployeeId(self.employee_id),
            full_name: self.full_name,
            pay_system,
            hourly_rate: Money::from_minor(self.hourly_rate),
            hours_centi: self.hours_centi,
            pieces: self.pieces,
            piece_amount: Money::from_minor(self.piece_amount),
            attributed_revenue: Money::from_minor(self.attributed_revenue),
            revenue_share: percent(self.revenue_share_bp, "payroll result revenue_share", id)?,
            revenue_amount: Money::from_minor(self.revenue_amount),
            monthly_salary: Money::from_minor(self.monthly_salary),
            amount: Money::from_minor(self.amount),
        })
    }
}

fn read_run(conn: &mut SqliteConnection, run: RunRow) -> Result<PayrollRun, Failure> {
    let results = payroll_results::table
        .filter(payroll_results::run_id.eq(run.id))
        .order(payroll_results::employee_id.asc())
        .select(ResultRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ResultRow::into_result)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PayrollRun {
        id: run.id,
        period: run.period()?,
        status: status(&run.status, run.id)?,
        results,
        run_by: Actor::from_code(&run.run_by).ok_or_else(|| corrupt("payroll run_by", run.id))?,
        computed_at: stored_time(run.computed_at, "payroll computed_at", run.id)?,
        closed_at: run
            .closed_at
            .map(|ms| stored_time(ms, "payroll closed_at", run.id))
            .transpose()?,
    })
}

/// `%text%` for LIKE with `\` escaping the wildcards.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One accrual as the export walk reads it: the result with its id and its run.
#[derive(Debug, QueryableByName)]
struct WalkRow {
    #[diesel(sql_type = BigInt)]
    result_id: i64,
    #[diesel(sql_type = Text)]
    period_from: String,
    #[diesel(sql_type = Text)]
    period_to: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(embed)]
    result: ResultRow,
}

impl WalkRow {
    fn into_row(self) -> Result<(AccrualRow, AccrualCursor), RepoError> {
        let run_id = self.result.run_id;
        let period = Period {
            from: date(&self.period_from, "payroll run period_from", run_id)?,
            to: date(&self.period_to, "payroll run period_to", run_id)?,
        };
        let cursor = AccrualCursor {
            period,
            full_name: self.result.full_name.clone(),
            result_id: self.result_id,
        };
        let row = AccrualRow {
            run_id,
            period,
            status: status(&self.status, run_id)?,
            result: self.result.into_result()?,
        };
        Ok((row, cursor))
    }
}

/// Which part of the export walk a query reads.
#[derive(Debug, Clone, Copy)]
enum Walk<'a> {
    /// The cursor's run: its namesakes after it by id.
    SameName(&'a AccrualCursor),
    /// The cursor's run: the names after its name.
    LaterNames(&'a AccrualCursor),
    /// The runs after this period (every run without one), from their first row.
    LaterRuns(Option<&'a Period>),
}

impl Walk<'_> {
    /// The parts of the walk after `after`, in order.
    fn after(after: Option<&AccrualCursor>) -> Vec<Walk<'_>> {
        match after {
            Some(cursor) => vec![
                Walk::SameName(cursor),
                Walk::LaterNames(cursor),
                Walk::LaterRuns(Some(&cursor.period)),
            ],
            None => vec![Walk::LaterRuns(None)],
        }
    }
}

/// The export walk's SQL, parameters bound in the order written: the cursor's, the name's
/// pattern, `from`, `to`, the limit. Runs are walked in period order (their unique index) and
/// each run's results by `payroll_results_export` (run, name, then the rowid id), so rows come
/// out in the export's order without sorting and each part seeks straight to its first row.
/// (The cursor is split into "same name, later id" and "later name" because SQLite does not
/// seek on the rowid inside a row value such as `(full_name, id) > (?, ?)`.)
fn walk_sql(filter: &AccrualFilter, walk: Walk<'_>) -> String {
    let mut sql = String::from(
        "SELECT p.id AS result_id, r.period_from, r.period_to, r.status, p.run_id, \
         p.employee_id, p.full_name, p.pay_system, p.hourly_rate, p.hours_centi, p.pieces, \
         p.piece_amount, p.attributed_revenue, p.revenue_share_bp, p.revenue_amount, \
         p.monthly_salary, p.amount \
         FROM payroll_runs r CROSS JOIN payroll_results p INDEXED BY payroll_results_export \
         WHERE p.run_id = r.id",
    );
    match walk {
        Walk::SameName(_) => sql.push_str(
            " AND r.period_from = ? AND r.period_to = ? AND p.full_name = ? AND p.id > ?",
        ),
        Walk::LaterNames(_) => {
            sql.push_str(" AND r.period_from = ? AND r.period_to = ? AND p.full_name > ?")
        }
        Walk::LaterRuns(Some(_)) => sql.push_str(" AND (r.period_from, r.period_to) > (?, ?)"),
        Walk::LaterRuns(None) => {}
    }
    if filter.name.is_some() {
        sql.push_str(
            " AND p.employee_id IN \
             (SELECT id FROM employees WHERE name_search LIKE ? ESCAPE '\\')",
        );
    }
    if filter.from.is_some() {
        sql.push_str(" AND r.period_from >= ?");
    }
    if filter.to.is_some() {
        sql.push_str(" AND r.period_to <= ?");
    }
    sql.push_str(" ORDER BY r.period_from, r.period_to, p.full_name, p.id LIMIT ?");
    sql
}

/// Reads one part of the export walk.
fn walk_rows(
    conn: &mut SqliteConnection,
    filter: &AccrualFilter,
    walk: Walk<'_>,
    limit: i64,
) -> Result<Vec<WalkRow>, Failure> {
    let mut query = diesel::sql_query(walk_sql(filter, walk)).into_boxed::<Sqlite>();
    let period = match walk {
        Walk::SameName(cursor) | Walk::LaterNames(cursor) => Some(&cursor.period),
        Walk::LaterRuns(period) => period,
    };
    if let Some(period) = period {
        query = query
            .bind::<Text, _>(format_date(period.from))
            .bind::<Text, _>(format_date(period.to));
    }
    match walk {
        Walk::SameName(cursor) => {
            query = query
                .bind::<Text, _>(cursor.full_name.clone())
                .bind::<BigInt, _>(cursor.result_id);
        }
        Walk::LaterNames(cursor) => query = query.bind::<Text, _>(cursor.full_name.clone()),
        Walk::LaterRuns(_) => {}
    }
    if let Some(name) = &filter.name {
        query = query.bind::<Text, _>(contains_pattern(name));
    }
    if let Some(from) = filter.from {
        query = query.bind::<Text, _>(format_date(from));
    }
    if let Some(to) = filter.to {
        query = query.bind::<Text, _>(format_date(to));
    }
    Ok(query.bind::<BigInt, _>(limit).load(conn)?)
}

fn page_limits(page: PageRequest) -> (i64, i64) {
    (
        i64::from(page.limit()),
        i64::try_from(page.offset()).unwrap_or(i64::MAX),
    )
}

impl RosterRepository for SqliteRoster {
    fn create_card(
        &self,
        fields: &CardFields,
        history: &[FieldChange],
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardWrite, RepoError> {
        let mut conn = self.db.conn()?;
        let written = conn.immediate_transaction(|conn| {
            if !category_is_live(conn, fields.category_id.map(EmployeeCategoryId::get))? {
                return Ok::<_, Failure>(CardWrite::UnknownCategory);
            }
            let id: i64 = diesel::insert_into(employees::table)
                .values((
                    CardWriteRow::new(fields, at),
                    employees::created_at.eq(at.unix_millis()),
                ))
                .returning(employees::id)
                .get_result(conn)?;
            write_history(conn, id, history, actor, at)?;
            match read_card(conn, id)? {
                Some(card) => Ok(CardWrite::Saved(Box::new(card))),
                None => Err(Failure(RepoError::NotFound)),
            }
        });
        Ok(written?)
    }

    fn card(&self, id: EmployeeId) -> Result<Option<EmployeeCard>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(read_card(&mut conn, id.get())?)
    }

    fn cards(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<EmployeeCard>, RepoError> {
        let mut conn = self.db.conn()?;
        let (limit, offset) = page_limits(page);
        let (rows, total) = conn.transaction(|conn| {
            let mut count = employees::table.select(count_star()).into_boxed();
            let mut query = employees::table
                .select(CardRow::as_select())
                .order(employees::id.asc())
                .limit(limit)
                .offset(offset)
                .into_boxed();
            if !include_archived {
                count = count.filter(employees::archived_at.is_null());
                query = query.filter(employees::archived_at.is_null());
            }
            let total: i64 = count.first(conn)?;
            let rows: Vec<CardRow> = query.load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(CardRow::into_card)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn active_cards(&self) -> Result<Vec<EmployeeCard>, RepoError> {
        let mut conn = self.db.conn()?;
        employees::table
            .filter(employees::archived_at.is_null())
            .order(employees::id.asc())
            .select(CardRow::as_select())
            .load(&mut conn)
            .map_err(|e| Failure::from(e).0)?
            .into_iter()
            .map(CardRow::into_card)
            .collect()
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
        let mut conn = self.db.conn()?;
        let written = conn.immediate_transaction(|conn| {
            if !category_is_live(conn, fields.category_id.map(EmployeeCategoryId::get))? {
                return Ok::<_, Failure>(CardWrite::UnknownCategory);
            }
            // The version guard: nothing when someone changed (or archived) the card meanwhile.
            let changed = diesel::update(
                employees::table
                    .find(id.get())
                    .filter(employees::version.eq(expected_version))
                    .filter(employees::archived_at.is_null()),
            )
            .set((
                CardWriteRow::new(fields, at),
                employees::version.eq(employees::version + 1),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Ok(CardWrite::Stale);
            }
            write_history(conn, id.get(), history, actor, at)?;
            match read_card(conn, id.get())? {
                Some(card) => Ok(CardWrite::Saved(Box::new(card))),
                None => Ok(CardWrite::Stale),
            }
        });
        Ok(written?)
    }

    fn archive_card(
        &self,
        id: EmployeeId,
        change: &FieldChange,
        actor: Actor,
        at: Timestamp,
    ) -> Result<CardArchive, RepoError> {
        let mut conn = self.db.conn()?;
        let archived = conn.immediate_transaction(|conn| {
            // Their scheduled appointments still to come (appointments_by_employee_status).
            let upcoming: Upcoming = diesel::sql_query(
                "SELECT COUNT(*) AS count FROM appointments \
                 WHERE employee_id = ? AND status = 'scheduled' AND starts_at > ?",
            )
            .bind::<BigInt, _>(id.get())
            .bind::<BigInt, _>(at.unix_millis())
            .get_result(conn)?;
            if upcoming.count > 0 {
                return Ok(CardArchive::UpcomingAppointments(upcoming.count));
            }
            let changed = diesel::update(
                employees::table
                    .find(id.get())
                    .filter(employees::archived_at.is_null()),
            )
            .set((
                employees::archived_at.eq(Some(at.unix_millis())),
                employees::updated_at.eq(at.unix_millis()),
                employees::version.eq(employees::version + 1),
            ))
            .execute(conn)?;
            if changed == 1 {
                write_history(conn, id.get(), std::slice::from_ref(change), actor, at)?;
                Ok::<_, Failure>(CardArchive::Archived)
            } else {
                Ok(CardArchive::AlreadyArchived)
            }
        });
        Ok(archived?)
    }

    fn active_owner_count(&self) -> Result<i64, RepoError> {
        let mut conn = self.db.conn()?;
        employees::table
            .filter(employees::role.eq(Role::Owner.code()))
            .filter(employees::archived_at.is_null())
            .select(diesel::dsl::count_star())
            .first(&mut conn)
            .map_err(map_diesel_error)
    }

    fn history(&self, id: EmployeeId, page: PageRequest) -> Result<Page<HistoryRecord>, RepoError> {
        let mut conn = self.db.conn()?;
        let (limit, offset) = page_limits(page);
        let (rows, total) = conn.transaction(|conn| {
            let total: i64 = employee_history::table
                .filter(employee_history::employee_id.eq(id.get()))
                .select(count_star())
                .first(conn)?;
            let rows: Vec<HistoryRow> = employee_history::table
                .filter(employee_history::employee_id.eq(id.get()))
                .order(employee_history::id.desc())
                .limit(limit)
                .offset(offset)
                .select(HistoryRow::as_select())
                .load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(HistoryRecord {
                    id: r.id,
                    employee_id: EmployeeId(r.employee_id),
                    actor: Actor::from_code(&r.actor)
                        .ok_or_else(|| corrupt("history actor", r.id))?,
                    at: stored_time(r.at, "history at", r.id)?,
                    change: FieldChange {
                        field: r.field,
                        old_value: r.old_value,
                        new_value: r.new_value,
                    },
                })
            })
            .collect::<Result<_, RepoError>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn categories(&self) -> Result<Vec<Category>, RepoError> {
        let mut conn = self.db.conn()?;
        employee_categories::table
            .filter(employee_categories::deleted_at.is_null())
            .order((
                employee_categories::name.asc(),
                employee_categories::id.asc(),
            ))
            .select(CategoryRow::as_select())
            .load(&mut conn)
            .map_err(|e| Failure::from(e).0)?
            .into_iter()
            .map(CategoryRow::into_category)
            .collect()
    }

    fn create_category(&self, name: &str, at: Timestamp) -> Result<Category, RepoError> {
        let mut conn = self.db.conn()?;
        diesel::insert_into(employee_categories::table)
            .values((
                employee_categories::name.eq(name),
                employee_categories::created_at.eq(at.unix_millis()),
            ))
            .returning(CategoryRow::as_returning())
            .get_result(&mut conn)
            .map_err(|e| Failure::from(e).0)?
            .into_category()
    }

    fn delete_category(
        &self,
        id: EmployeeCategoryId,
        at: Timestamp,
    ) -> Result<CategoryDelete, RepoError> {
        let mut conn = self.db.conn()?;
        let outcome = conn.immediate_transaction(|conn| {
            if !category_is_live(conn, Some(id.get()))? {
                return Ok::<_, Failure>(CategoryDelete::NotFound);
            }
            let users: i64 = employees::table
                .filter(employees::category_id.eq(id.get()))
                .filter(employees::archived_at.is_null())
                .select(count_star())
                .first(conn)?;
            if users > 0 {
                return Ok(CategoryDelete::InUse(users));
            }
            diesel::update(employee_categories::table.find(id.get()))
                .set(employee_categories::deleted_at.eq(Some(at.unix_millis())))
                .execute(conn)?;
            Ok(CategoryDelete::Deleted)
        });
        Ok(outcome?)
    }

    fn add_timesheet_entry(
        &self,
        entry: &TimesheetEntry,
    ) -> Result<Option<TimesheetEntry>, RepoError> {
        let mut conn = self.db.conn()?;
        let day = format_date(entry.work_date);
        let stored = conn.immediate_transaction(|conn| {
            let taken: i64 = timesheet_entries::table
                .filter(timesheet_entries::employee_id.eq(entry.employee_id.get()))
                .filter(timesheet_entries::work_date.eq(&day))
                .select(count_star())
                .first(conn)?;
            if taken > 0 {
                return Ok::<_, Failure>(None);
            }
            let row: EntryRow = diesel::insert_into(timesheet_entries::table)
                .values(NewEntryRow {
                    employee_id: entry.employee_id.get(),
                    work_date: day.clone(),
                    hours_centi: entry.hours.centi(),
                    pieces: entry.pieces,
                    piece_rate: entry.piece_rate.minor(),
                    note: entry.note.as_deref(),
                    created_by: entry.created_by.to_string(),
                    created_at: entry.created_at.unix_millis(),
                })
                .returning(EntryRow::as_returning())
                .get_result(conn)?;
            Ok(Some(row))
        })?;
        stored.map(EntryRow::into_entry).transpose()
    }

    fn timesheet(&self, id: EmployeeId, period: Period) -> Result<Vec<TimesheetEntry>, RepoError> {
        let mut conn = self.db.conn()?;
        timesheet_entries::table
            .filter(timesheet_entries::employee_id.eq(id.get()))
            .filter(timesheet_entries::work_date.ge(format_date(period.from)))
            .filter(timesheet_entries::work_date.le(format_date(period.to)))
            .order((
                timesheet_entries::work_date.asc(),
                timesheet_entries::id.asc(),
            ))
            .select(EntryRow::as_select())
            .load(&mut conn)
            .map_err(|e| Failure::from(e).0)?
            .into_iter()
            .map(EntryRow::into_entry)
            .collect()
    }

    fn add_shift(&self, shift: &Shift) -> Result<ShiftWrite, RepoError> {
        let mut conn = self.db.conn()?;
        let written = conn.immediate_transaction(|conn| {
            let clash: Option<i64> = shifts::table
                .filter(shifts::employee_id.eq(shift.employee_id.get()))
                .filter(shifts::starts_at.lt(shift.ends_at.unix_millis()))
                .filter(shifts::ends_at.gt(shift.starts_at.unix_millis()))
                .order(shifts::starts_at.asc())
                .select(shifts::id)
                .first(conn)
                .optional()?;
            if let Some(other) = clash {
                return Ok::<_, Failure>(Err(other));
            }
            let row: ShiftRow = diesel::insert_into(shifts::table)
                .values(NewShiftRow {
                    employee_id: shift.employee_id.get(),
                    shift_date: format_date(shift.date),
                    start_time: format_time(shift.start),
                    end_time: format_time(shift.end),
                    starts_at: shift.starts_at.unix_millis(),
                    ends_at: shift.ends_at.unix_millis(),
                    location: shift.location.as_deref(),
                    note: shift.note.as_deref(),
                    created_at: shift.created_at.unix_millis(),
                })
                .returning(ShiftRow::as_returning())
                .get_result(conn)?;
            Ok(Ok(row))
        })?;
        match written {
            Ok(row) => Ok(ShiftWrite::Saved(row.into_shift()?)),
            Err(other) => Ok(ShiftWrite::Overlaps(other)),
        }
    }

    fn shifts(&self, id: EmployeeId, period: Period) -> Result<Vec<Shift>, RepoError> {
        let mut conn = self.db.conn()?;
        shifts::table
            .filter(shifts::employee_id.eq(id.get()))
            .filter(shifts::shift_date.ge(format_date(period.from)))
            .filter(shifts::shift_date.le(format_date(period.to)))
            .order((shifts::starts_at.asc(), shifts::id.asc()))
            .select(ShiftRow::as_select())
            .load(&mut conn)
            .map_err(|e| Failure::from(e).0)?
            .into_iter()
            .map(ShiftRow::into_shift)
            .collect()
    }

    fn work_totals(&self, id: EmployeeId, period: Period) -> Result<WorkTotals, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<(i64, i64, i64)> = timesheet_entries::table
            .filter(timesheet_entries::employee_id.eq(id.get()))
            .filter(timesheet_entries::work_date.ge(format_date(period.from)))
            .filter(timesheet_entries::work_date.le(format_date(period.to)))
            .select((
                timesheet_entries::hours_centi,
                timesheet_entries::pieces,
                timesheet_entries::piece_rate,
            ))
            .load(&mut conn)
            .map_err(|e| Failure::from(e).0)?;
        // At most 366 rows: summed exactly here rather than in SQL.
        let mut totals = WorkTotals::default();
        let mut pieces_minor: i128 = 0;
        for (hours, pieces, rate) in rows {
            totals.hours_centi = totals.hours_centi.saturating_add(hours);
            totals.pieces = totals.pieces.saturating_add(pieces);
            pieces_minor += i128::from(pieces) * i128::from(rate);
        }
        totals.piece_amount = Money::from_minor(i64::try_from(pieces_minor).unwrap_or(i64::MAX));
        Ok(totals)
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
        let mut conn = self.db.conn()?;
        let from = format_date(period.from);
        let to = format_date(period.to);
        let actor = actor.to_string();
        let written = conn.immediate_transaction(|conn| {
            let existing: Option<RunRow> = payroll_runs::table
                .filter(payroll_runs::period_from.eq(&from))
                .filter(payroll_runs::period_to.eq(&to))
                .select(RunRow::as_select())
                .first(conn)
                .optional()?;
            let run_id = match existing {
                Some(run) if run.status == "closed" => return Ok(RunWrite::Closed(run.id)),
                Some(run) => {
                    diesel::update(payroll_runs::table.find(run.id))
                        .set((
                            payroll_runs::run_by.eq(&actor),
                            payroll_runs::computed_at.eq(at.unix_millis()),
                        ))
                        .execute(conn)?;
                    run.id
                }
                None => diesel::insert_into(payroll_runs::table)
                    .values((
                        payroll_runs::period_from.eq(&from),
                        payroll_runs::period_to.eq(&to),
                        payroll_runs::status.eq("draft"),
                        payroll_runs::run_by.eq(&actor),
                        payroll_runs::computed_at.eq(at.unix_millis()),
                    ))
                    .returning(payroll_runs::id)
                    .get_result(conn)?,
            };
            // Re-running replaces the draft results instead of adding to them.
            if replace_all {
                diesel::delete(payroll_results::table.filter(payroll_results::run_id.eq(run_id)))
                    .execute(conn)?;
            } else {
                let ids: Vec<i64> = results.iter().map(|r| r.employee_id.get()).collect();
                diesel::delete(
                    payroll_results::table
                        .filter(payroll_results::run_id.eq(run_id))
                        .filter(payroll_results::employee_id.eq_any(ids)),
                )
                .execute(conn)?;
            }
            let rows: Vec<ResultRow> = results.iter().map(|r| ResultRow::new(run_id, r)).collect();
            if !rows.is_empty() {
                diesel::insert_into(payroll_results::table)
                    .values(&rows)
                    .execute(conn)?;
            }
            if close {
                diesel::update(payroll_runs::table.find(run_id))
                    .set((
                        payroll_runs::status.eq("closed"),
                        payroll_runs::closed_at.eq(Some(at.unix_millis())),
                    ))
                    .execute(conn)?;
            }
            let run: RunRow = payroll_runs::table
                .find(run_id)
                .select(RunRow::as_select())
                .first(conn)?;
            Ok::<_, Failure>(RunWrite::Saved(read_run(conn, run)?))
        });
        Ok(written?)
    }

    fn accruals(
        &self,
        filter: &AccrualFilter,
        page: PageRequest,
    ) -> Result<Page<AccrualRow>, RepoError> {
        let mut conn = self.db.conn()?;
        let (limit, offset) = page_limits(page);
        let build = || {
            let mut query = payroll_results::table
                .inner_join(payroll_runs::table)
                .into_boxed();
            if let Some(name) = &filter.name {
                let matching = employees::table
                    .filter(
                        employees::name_search
                            .like(contains_pattern(name))
                            .escape('\\'),
                    )
                    .select(employees::id);
                query = query.filter(payroll_results::employee_id.eq_any(matching));
            }
            if let Some(from) = filter.from {
                query = query.filter(payroll_runs::period_from.ge(format_date(from)));
            }
            if let Some(to) = filter.to {
                query = query.filter(payroll_runs::period_to.le(format_date(to)));
            }
            query
        };
        let (rows, total) = conn.transaction(|conn| {
            let total: i64 = build().select(count_star()).first(conn)?;
            let rows: Vec<(ResultRow, RunRow)> = build()
                .order((
                    payroll_runs::period_from.asc(),
                    payroll_runs::period_to.asc(),
                    payroll_results::full_name.asc(),
                    payroll_results::id.asc(),
                ))
                .limit(limit)
                .offset(offset)
                .select((ResultRow::as_select(), RunRow::as_select()))
                .load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        let items = rows
            .into_iter()
            .map(|(result, run)| {
                Ok(AccrualRow {
                    run_id: run.id,
                    period: run.period()?,
                    status: status(&run.status, run.id)?,
                    result: result.into_result()?,
                })
            })
            .collect::<Result<_, RepoError>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn accruals_after(
        &self,
        filter: &AccrualFilter,
        after: Option<AccrualCursor>,
        limit: u32,
    ) -> Result<AccrualStretch, RepoError> {
        let mut conn = self.db.conn()?;
        let wanted = i64::from(limit);
        // The parts are read in one snapshot, so a run saved meanwhile cannot split the stretch.
        let rows = conn.transaction(|conn| {
            let mut rows = Vec::new();
            for walk in Walk::after(after.as_ref()) {
                let got = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                if got >= wanted {
                    break;
                }
                rows.extend(walk_rows(conn, filter, walk, wanted - got)?);
            }
            Ok::<_, Failure>(rows)
        })?;
        let full = rows.len() >= limit as usize;
        let mut items = Vec::with_capacity(rows.len());
        let mut next = None;
        for row in rows {
            let (row, cursor) = row.into_row()?;
            items.push(row);
            next = Some(cursor);
        }
        Ok(AccrualStretch {
            items,
            next: if full { next } else { None },
        })
    }
}

/// How many scheduled appointments an employee still has to serve.
#[derive(Debug, QueryableByName)]
struct Upcoming {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(Debug, QueryableByName)]
struct CashSum {
    #[diesel(sql_type = Nullable<BigInt>)]
    cash: Option<i64>,
}

impl AttributedRevenue for SqliteRoster {
    fn revenue(&self, id: EmployeeId, from: Timestamp, to: Timestamp) -> Result<Money, RepoError> {
        let mut conn = self.db.conn()?;
        // Purchases they recorded, less the cash of refunds they recorded, plus the price of
        // the appointments they served as master that are completed, all in [from, to) (an
        // appointment by its start).
        let row: CashSum = diesel::sql_query(
            "SELECT COALESCE((SELECT SUM(CASE WHEN kind = 'refund' THEN -cash ELSE cash END) \
                FROM operations WHERE employee_id = ? AND created_at >= ? AND created_at < ?), 0) \
              + COALESCE((SELECT SUM(price) FROM appointments \
                WHERE employee_id = ? AND status = 'completed' \
                  AND starts_at >= ? AND starts_at < ?), 0) AS cash",
        )
        .bind::<BigInt, _>(id.get())
        .bind::<BigInt, _>(from.unix_millis())
        .bind::<BigInt, _>(to.unix_millis())
        .bind::<BigInt, _>(id.get())
        .bind::<BigInt, _>(from.unix_millis())
        .bind::<BigInt, _>(to.unix_millis())
        .get_result(&mut conn)
        .map_err(|e| Failure::from(e).0)?;
        Ok(Money::from_minor(row.cash.unwrap_or(0)))
    }
}

impl BusinessTimezone for SqliteRoster {
    fn timezone(&self) -> Result<String, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(system_settings::table
            .select(system_settings::timezone)
            .first::<String>(&mut conn)
            .optional()
            .map_err(|e| Failure::from(e).0)?
            .unwrap_or_else(|| "Europe/Moscow".to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{at, fresh_db};
    use time::macros::date;

    const T0: i64 = 1_790_000_000_000;

    fn fields(name: &str) -> CardFields {
        CardFields {
            full_name: name.to_owned(),
            phone: None,
            telegram_id: None,
            position: None,
            category_id: None,
            role: Role::Master,
            pay: PaySystem::Hourly {
                hourly_rate: Money::from_minor(100_00),
            },
            hire_date: Some(date!(2026 - 01 - 15)),
            notes: None,
        }
    }

    fn saved(write: CardWrite) -> EmployeeCard {
        match write {
            CardWrite::Saved(card) => *card,
            other => panic!("not saved: {other:?}"),
        }
    }

    #[test]
    fn attributed_revenue_adds_completed_appointments_to_net_cash() {
        use crate::testing::exec;
        let (_dir, db) = fresh_db();
        let repo = SqliteRoster::new(db.clone());
        let card = saved(
            repo.create_card(&fields("Мастер Анна"), &[], Actor::System, at(T0))
                .unwrap(),
        );
        let other = saved(
            repo.create_card(&fields("Мастер Борис"), &[], Actor::System, at(T0))
                .unwrap(),
        );
        let hour = 3_600_000;
        exec(
            &db,
            "INSERT INTO clients (id, full_name, search_name, points_balance, total_spent, \
             consent_personal_data, consent_marketing, consent_sms, consent_email, \
             consent_app_push, created_at, updated_at) \
             VALUES (1, 'Client', 'client', 0, 0, 1, 0, 0, 0, 0, 0, 0)",
        );
        exec(
            &db,
            "INSERT INTO products (id, kind, name, name_lower, price, unit, created_at, \
             updated_at) VALUES (10, 'service', 'Haircut', 'haircut', 150000, 'pcs', 0, 0)",
        );
        // Completed, cancelled, no-show, scheduled, another master's, and one before the period.
        for (start, status, employee, price) in [
            (T0 + hour, "completed", card.id.get(), 1500_00),
            (T0 + 3 * hour, "completed", card.id.get(), 999_99),
            (T0 + 5 * hour, "cancelled", card.id.get(), 1500_00),
            (T0 + 7 * hour, "no_show", card.id.get(), 1500_00),
            (T0 + 9 * hour, "scheduled", card.id.get(), 1500_00),
            (T0 + hour, "completed", other.id.get(), 700_00),
            (T0 - hour, "completed", card.id.get(), 300_00),
        ] {
            exec(
                &db,
                &format!(
                    "INSERT INTO appointments (client_id, service_id, employee_id, starts_at, \
                     ends_at, status, source, price, created_by, created_at, updated_at) \
                     VALUES (1, 10, {employee}, {start}, {start} + {hour}, '{status}', 'admin', \
                     {price}, 'system', 0, 0)"
                ),
            );
        }
        // A purchase of 200.00 cash they recorded and a refund of 50.00.
        exec(
            &db,
            &format!(
                "INSERT INTO operations (kind, client_id, total, cash, reward_type, actor, \
                 employee_id, created_at) VALUES \
                 ('purchase', 1, 20000, 20000, 'points', 'system', {id}, {t}), \
                 ('refund', 1, 5000, 5000, 'points', 'system', {id}, {t})",
                id = card.id.get(),
                t = T0 + 2 * hour
            ),
        );
        let revenue = repo.revenue(card.id, at(T0), at(T0 + 24 * hour)).unwrap();
        assert_eq!(
            revenue,
            Money::from_minor(1500_00 + 999_99 + 200_00 - 50_00)
        );
        let nothing = repo
            .revenue(card.id, at(T0 + 10 * hour), at(T0 + 24 * hour))
            .unwrap();
        assert_eq!(nothing, Money::ZERO);
        assert_eq!(
            repo.revenue(other.id, at(T0), at(T0 + 24 * hour)).unwrap(),
            Money::from_minor(700_00)
        );
    }

    #[test]
    fn a_stale_version_or_an_unknown_category_writes_nothing() {
        let (_dir, db) = fresh_db();
        let repo = SqliteRoster::new(db);
        let card = saved(
            repo.create_card(&fields("Ирина"), &[], Actor::System, at(T0))
                .unwrap(),
        );
        assert_eq!(card.version, 1);
        assert_eq!(card.hire_date, Some(date!(2026 - 01 - 15)));
        let change = FieldChange {
            field: "notes".into(),
            old_value: None,
            new_value: Some("x".into()),
        };
        let mut next = card.fields();
        next.notes = Some("x".into());
        assert_eq!(
            repo.update_card(
                card.id,
                7,
                &next,
                std::slice::from_ref(&change),
                Actor::System,
                at(T0)
            )
            .unwrap(),
            CardWrite::Stale
        );
        next.category_id = Some(EmployeeCategoryId(42));
        assert_eq!(
            repo.update_card(
                card.id,
                1,
                &next,
                std::slice::from_ref(&change),
                Actor::System,
                at(T0)
            )
            .unwrap(),
            CardWrite::UnknownCategory
        );
        assert_eq!(
            repo.history(card.id, PageRequest::default()).unwrap().total,
            0
        );
        next.category_id = None;
        let updated = saved(
            repo.update_card(card.id, 1, &next, &[change], Actor::System, at(T0 + 1))
                .unwrap(),
        );
        assert_eq!(updated.version, 2);
        assert_eq!(updated.notes.as_deref(), Some("x"));
        assert_eq!(
            repo.history(card.id, PageRequest::default()).unwrap().total,
            1
        );
    }

    #[test]
    fn name_search_copies_are_refreshed_with_unicode_lower_case() {
        let (_dir, db) = fresh_db();
        let repo = SqliteRoster::new(db.clone());
        let card = saved(
            repo.create_card(&fields("ИРИНА"), &[], Actor::System, at(T0))
                .unwrap(),
        );
        let mut conn = db.conn().unwrap();
        // What the migration's ASCII-only lower() leaves for older rows.
        diesel::update(employees::table.find(card.id.get()))
            .set(employees::name_search.eq("ИРИНА"))
            .execute(&mut conn)
            .unwrap();
        refresh_name_search(&mut conn).unwrap();
        let search: String = employees::table
            .find(card.id.get())
            .select(employees::name_search)
            .first(&mut conn)
            .unwrap();
        assert_eq!(search, "ирина");
    }

    #[test]
    fn accruals_match_cyrillic_names_in_any_case_and_runs_replace_drafts() {
        let (_dir, db) = fresh_db();
        let repo = SqliteRoster::new(db);
        let card = saved(
            repo.create_card(&fields("Ёлкина Ирина"), &[], Actor::System, at(T0))
                .unwrap(),
        );
        let period = Period::new(date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap();
        let result = |amount: i64| PayResult {
            employee_id: card.id,
            full_name: card.full_name.clone(),
            pay_system: "hourly",
            hourly_rate: Money::from_minor(100_00),
            hours_centi: 100,
            pieces: 0,
            piece_amount: Money::ZERO,
            attributed_revenue: Money::ZERO,
            revenue_share: Percent::ZERO,
            revenue_amount: Money::ZERO,
            monthly_salary: Money::ZERO,
            amount: Money::from_minor(amount),
        };
        for amount in [1_00, 2_00] {
            repo.save_run(
                period,
                &[result(amount)],
                true,
                false,
                Actor::System,
                at(T0),
            )
            .unwrap();
        }
        let filter = AccrualFilter {
            // The service hands the repository the search form (`crm_core::search_key`).
            name: Some(crm_core::search_key("Ёлкина И")),
            ..AccrualFilter::default()
        };
        let page = repo.accruals(&filter, PageRequest::default()).unwrap();
        assert_eq!(page.total, 1, "the re-run replaced the draft");
        assert_eq!(page.items[0].result.amount, Money::from_minor(2_00));
        let none = AccrualFilter {
            name: Some("%".into()),
            ..AccrualFilter::default()
        };
        assert_eq!(
            repo.accruals(&none, PageRequest::default()).unwrap().total,
            0
        );
        let closed = repo
            .save_run(period, &[result(3_00)], true, true, Actor::System, at(T0))
            .unwrap();
        assert!(matches!(closed, RunWrite::Saved(run) if run.status == RunStatus::Closed));
        assert!(matches!(
            repo.save_run(period, &[result(4_00)], true, false, Actor::System, at(T0))
                .unwrap(),
            RunWrite::Closed(_)
        ));
    }

    fn pay(employee: EmployeeId, name: &str, amount: i64) -> PayResult {
        PayResult {
            employee_id: employee,
            full_name: name.to_owned(),
            pay_system: "hourly",
            hourly_rate: Money::from_minor(100_00),
            hours_centi: 100,
            pieces: 0,
            piece_amount: Money::ZERO,
            attributed_revenue: Money::ZERO,
            revenue_share: Percent::ZERO,
            revenue_amount: Money::ZERO,
            monthly_salary: Money::ZERO,
            amount: Money::from_minor(amount),
        }
    }

    /// Every row of the walk in stretches of `limit`.
    fn walk_all(repo: &SqliteRoster, filter: &AccrualFilter, limit: u32) -> Vec<AccrualRow> {
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let stretch = repo.accruals_after(filter, after, limit).unwrap();
            assert!(stretch.items.len() <= limit as usize);
            rows.extend(stretch.items);
            match stretch.next {
                Some(next) => after = Some(next),
                None => return rows,
            }
        }
    }

    /// Every row of the offset listing, 500 at a time.
    fn offset_all(repo: &SqliteRoster, filter: &AccrualFilter) -> Vec<AccrualRow> {
        let mut rows = Vec::new();
        loop {
            let page = PageRequest::new(Some(500), Some(rows.len() as u64)).unwrap();
            let items = repo.accruals(filter, page).unwrap().items;
            if items.is_empty() {
                return rows;
            }
            rows.extend(items);
        }
    }

    #[test]
    fn the_cursor_walk_gives_the_offset_listing_row_for_row() {
        let (_dir, db) = fresh_db();
        let repo = SqliteRoster::new(db);
        // Two Ирина Ёлкина (the same name, told apart by id), names out of id order, and a
        // card renamed between runs (the stored name of each run counts).
        let names = [
            "Ёлкина Ирина",
            "Анна Петрова",
            "Ёлкина Ирина",
            "Борис Ёлкин",
            "Яна Смирнова",
            "Вера Ёлкина",
            "Глеб Орлов",
        ];
        let cards: Vec<EmployeeCard> = names
            .iter()
            .map(|name| {
                saved(
                    repo.create_card(&fields(name), &[], Actor::System, at(T0))
                        .unwrap(),
                )
            })
            .collect();
        // Saved out of period order; two runs start on the same day and end on different ones.
        let periods = [
            (date!(2026 - 10 - 01), date!(2026 - 10 - 31)),
            (date!(2026 - 09 - 01), date!(2026 - 09 - 30)),
            (date!(2026 - 10 - 01), date!(2026 - 10 - 15)),
            (date!(2026 - 11 - 01), date!(2026 - 11 - 30)),
        ];
        for (n, (from, to)) in periods.into_iter().enumerate() {
            let results: Vec<PayResult> = cards
                .iter()
                .enumerate()
                // Not everyone in every run.
                .filter(|(i, _)| (i + n) % 4 != 0)
                .map(|(i, card)| {
                    let name = if n == 3 && i == 1 {
                        "Анна Ёлкина".to_owned()
                    } else {
                        card.full_name.clone()
                    };
                    pay(card.id, &name, (n * 100 + i) as i64)
                })
                .collect();
            repo.save_run(
                Period::new(from, to).unwrap(),
                &results,
                true,
                n == 1,
                Actor::System,
                at(T0),
            )
            .unwrap();
        }
        let filters = [
            AccrualFilter::default(),
            AccrualFilter {
                name: Some(crm_core::search_key("Ёлкин")),
                ..AccrualFilter::default()
            },
            AccrualFilter {
                name: Some(crm_core::search_key("ирина")),
                from: Some(date!(2026 - 10 - 01)),
                ..AccrualFilter::default()
            },
            AccrualFilter {
                from: Some(date!(2026 - 09 - 15)),
                to: Some(date!(2026 - 10 - 31)),
                ..AccrualFilter::default()
            },
            AccrualFilter {
                name: Some("nobody".into()),
                ..AccrualFilter::default()
            },
        ];
        for filter in &filters {
            let listed = offset_all(&repo, filter);
            for limit in [1, 3, 500] {
                assert_eq!(
                    walk_all(&repo, filter, limit),
                    listed,
                    "{filter:?} by {limit}"
                );
            }
        }
        let all = offset_all(&repo, &AccrualFilter::default());
        assert_eq!(all.len(), 21);
        let twins: Vec<(i64, EmployeeId)> = all
            .iter()
            .filter(|r| r.result.full_name == "Ёлкина Ирина")
            .map(|r| (r.run_id, r.result.employee_id))
            .collect();
        assert!(
            twins.windows(2).any(|w| w[0].0 == w[1].0),
            "both namesakes in one run: {twins:?}"
        );
        assert!(!offset_all(&repo, &filters[1]).is_empty());
        assert!(!offset_all(&repo, &filters[2]).is_empty());
        // A full last stretch hands a cursor on; the next one is empty and ends the walk.
        let first = repo
            .accruals_after(&AccrualFilter::default(), None, 21)
            .unwrap();
        assert_eq!(first.items, all);
        let rest = repo
            .accruals_after(&AccrualFilter::default(), first.next, 21)
            .unwrap();
        assert_eq!(rest, AccrualStretch::default());
    }

    #[test]
    fn each_stretch_of_the_walk_is_an_index_walk_without_sorting() {
        let (_dir, db) = fresh_db();
        let cursor = AccrualCursor {
            period: Period::new(date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap(),
            full_name: "Анна".into(),
            result_id: 1,
        };
        let named = AccrualFilter {
            name: Some("анна".into()),
            from: Some(date!(2026 - 01 - 01)),
            to: Some(date!(2026 - 12 - 31)),
        };
        for filter in [AccrualFilter::default(), named] {
            for walk in [
                Walk::LaterRuns(None),
                Walk::LaterRuns(Some(&cursor.period)),
                Walk::LaterNames(&cursor),
                Walk::SameName(&cursor),
            ] {
                let plan: Vec<String> = crate::query_log::explain(&db, &walk_sql(&filter, walk))
                    .unwrap()
                    .into_iter()
                    .map(|row| row.detail)
                    .collect();
                let plan = plan.join("; ");
                assert!(
                    plan.contains("SEARCH p USING INDEX payroll_results_export (run_id=?"),
                    "{walk:?}: {plan}"
                );
                assert!(!plan.contains("TEMP B-TREE"), "{walk:?}: {plan}");
                let seek = match walk {
                    Walk::SameName(_) => "(run_id=? AND full_name=? AND rowid>?)",
                    Walk::LaterNames(_) => "(run_id=? AND full_name>?)",
                    Walk::LaterRuns(Some(_)) => {
                        "payroll_runs_period ((period_from,period_to)>(?,?))"
                    }
                    Walk::LaterRuns(None) => "payroll_results_export (run_id=?)",
                };
                assert!(plan.contains(seek), "{walk:?}: {plan}");
            }
        }
    }

    /// 100 000 accruals: 100 000 / `runs` employees (named from the demo's surname and first-name
    /// lists, a few thousand distinct names, so namesakes in every run) in `runs` quarterly runs,
    /// written with bound multi-row inserts in one transaction.
    fn build_accruals(db: &Database, runs: i64) {
        let employees = 100_000 / runs;
        let surnames = crate::demo::names::LAST;
        let first = crate::demo::names::MALE_FIRST;
        let name = |i: i64| {
            let i = usize::try_from(i * 7_919 % employees).unwrap();
            format!(
                "{} {}",
                surnames[i % surnames.len()],
                first[i / surnames.len() % first.len()]
            )
        };
        let mut conn = db.conn().unwrap();
        conn.immediate_transaction(|conn| {
            let cards: Vec<_> = (1..=employees)
                .map(|i| {
                    (
                        employees::id.eq(i),
                        employees::full_name.eq(name(i)),
                        employees::name_search.eq(crm_core::search_key(&name(i))),
                        employees::role.eq("master"),
                        employees::created_at.eq(T0),
                        employees::updated_at.eq(T0),
                    )
                })
                .collect();
            for chunk in cards.chunks(2_000) {
                diesel::insert_into(employees::table)
                    .values(chunk)
                    .execute(conn)?;
            }
            for quarter in 0..runs {
                let (from, to) = [
                    ("2026-01-01", "2026-03-31"),
                    ("2026-04-01", "2026-06-30"),
                    ("2026-07-01", "2026-09-30"),
                    ("2026-10-01", "2026-12-31"),
                ][usize::try_from(quarter).unwrap()];
                let run_id: i64 = diesel::insert_into(payroll_runs::table)
                    .values((
                        payroll_runs::period_from.eq(from),
                        payroll_runs::period_to.eq(to),
                        payroll_runs::status.eq("closed"),
                        payroll_runs::run_by.eq("system"),
                        payroll_runs::computed_at.eq(T0),
                    ))
                    .returning(payroll_runs::id)
                    .get_result(conn)?;
                let results: Vec<ResultRow> = (1..=employees)
                    .map(|i| {
                        ResultRow::new(run_id, &pay(EmployeeId(i), &name(i), i * 100 + quarter))
                    })
                    .collect();
                for chunk in results.chunks(1_000) {
                    diesel::insert_into(payroll_results::table)
                        .values(chunk)
                        .execute(conn)?;
                }
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    }

    #[test]
    #[ignore = "builds 100k accruals twice; run in release with --ignored --nocapture"]
    fn accruals_export_budget() {
        use std::time::{Duration, Instant};
        // One run of 100 000 employees (the shape of the server benchmark), then four
        // quarterly runs of 25 000.
        for runs in [1, 4] {
            let (_dir, db) = fresh_db();
            let started = Instant::now();
            build_accruals(&db, runs);
            println!(
                "{runs} run(s), 100 000 accruals written in {:?}",
                started.elapsed()
            );
            let repo = SqliteRoster::new(db.clone());
            let all = AccrualFilter::default();
            let started = Instant::now();
            let walked = walk_all(&repo, &all, 500);
            let walk_time = started.elapsed();
            let started = Instant::now();
            let listed = offset_all(&repo, &all);
            let offset_time = started.elapsed();
            assert_eq!(walked.len(), 100_000);
            assert!(walked == listed, "the walk and the offset listing differ");
            drop(listed);
            // The offset listing as it was before `payroll_results_export` (a sort per page),
            // once: it takes half a minute.
            let mut unindexed_time = None;
            if runs == 1 {
                crate::testing::exec(&db, "DROP INDEX payroll_results_export");
                let started = Instant::now();
                assert_eq!(offset_all(&repo, &all).len(), 100_000);
                unindexed_time = Some(started.elapsed());
                crate::testing::exec(
                    &db,
                    "CREATE INDEX payroll_results_export ON payroll_results (run_id, full_name)",
                );
            }
            let named = AccrualFilter {
                name: Some(crm_core::search_key("Семёнов")),
                ..AccrualFilter::default()
            };
            let started = Instant::now();
            let some = walk_all(&repo, &named, 500);
            let named_time = started.elapsed();
            println!(
                "  keyset walk, 500 a stretch: {walk_time:?}; offset pages of 500: \
                 {offset_time:?} (without the new index: {unindexed_time:?}); \
                 keyset walk with name \"семенов\": {named_time:?} ({} rows)",
                some.len()
            );
            assert!(walk_time < Duration::from_secs(2), "{walk_time:?}");
        }
    }
}
