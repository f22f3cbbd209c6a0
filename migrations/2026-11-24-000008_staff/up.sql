-- Staff: the full employee card (pay terms, category, hire date, notes), categories, the
-- timesheet, planned shifts, payroll runs with their results, and the card's change history.
-- Money is BIGINT minor units, percentages basis points, hours hundredths of an hour, times
-- BIGINT UTC milliseconds, dates TEXT `YYYY-MM-DD`, local times TEXT `HH:MM`.

CREATE TABLE employee_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Deleted categories are kept for the history that names them.
    deleted_at BIGINT
);
CREATE UNIQUE INDEX employee_categories_live_name ON employee_categories (name)
    WHERE deleted_at IS NULL;

-- A live employee_categories id (checked by the application in the writing transaction).
ALTER TABLE employees ADD COLUMN category_id BIGINT;
ALTER TABLE employees ADD COLUMN pay_system TEXT NOT NULL DEFAULT 'hourly'
    CHECK (pay_system IN ('hourly', 'piecework', 'salary'));
ALTER TABLE employees ADD COLUMN hourly_rate BIGINT NOT NULL DEFAULT 0 CHECK (hourly_rate >= 0);
ALTER TABLE employees ADD COLUMN piece_rate BIGINT NOT NULL DEFAULT 0 CHECK (piece_rate >= 0);
ALTER TABLE employees ADD COLUMN revenue_share_bp BIGINT NOT NULL DEFAULT 0
    CHECK (revenue_share_bp BETWEEN 0 AND 10000);
ALTER TABLE employees ADD COLUMN monthly_salary BIGINT NOT NULL DEFAULT 0
    CHECK (monthly_salary >= 0);
ALTER TABLE employees ADD COLUMN hire_date TEXT;
ALTER TABLE employees ADD COLUMN notes TEXT;
-- The full name lower-cased by the application (Unicode-aware), for the name filter.
ALTER TABLE employees ADD COLUMN name_search TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
UPDATE employees SET name_search = lower(full_name);
CREATE INDEX employees_by_category ON employees (category_id) WHERE archived_at IS NULL;
CREATE INDEX employees_by_archived ON employees (archived_at, id);

CREATE TABLE employee_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX employee_history_by_employee ON employee_history (employee_id, id);

-- One entry per employee and day.
CREATE TABLE timesheet_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    work_date TEXT NOT NULL,
    hours_centi BIGINT NOT NULL CHECK (hours_centi BETWEEN 0 AND 2400),
    pieces BIGINT NOT NULL CHECK (pieces >= 0),
    piece_rate BIGINT NOT NULL CHECK (piece_rate >= 0),
    note TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX timesheet_entries_day ON timesheet_entries (employee_id, work_date);

CREATE TABLE shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    shift_date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    location TEXT,
    note TEXT,
    created_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX shifts_by_employee_date ON shifts (employee_id, shift_date, starts_at);
CREATE INDEX shifts_by_employee_time ON shifts (employee_id, starts_at, ends_at);
CREATE INDEX shifts_by_date ON shifts (shift_date, starts_at);

-- One run per period; a draft is replaced by a re-run, a closed run never changes.
CREATE TABLE payroll_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'closed')),
    run_by TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    closed_at BIGINT,
    CHECK (period_to >= period_from)
);
CREATE UNIQUE INDEX payroll_runs_period ON payroll_runs (period_from, period_to);
CREATE INDEX payroll_runs_by_end ON payroll_runs (period_to, period_from);

CREATE TABLE payroll_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES payroll_runs (id),
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    full_name TEXT NOT NULL,
    pay_system TEXT NOT NULL,
    hourly_rate BIGINT NOT NULL,
    hours_centi BIGINT NOT NULL,
    pieces BIGINT NOT NULL,
    piece_amount BIGINT NOT NULL,
    attributed_revenue BIGINT NOT NULL,
    revenue_share_bp BIGINT NOT NULL,
    revenue_amount BIGINT NOT NULL,
    monthly_salary BIGINT NOT NULL,
    amount BIGINT NOT NULL
);
CREATE UNIQUE INDEX payroll_results_per_employee ON payroll_results (run_id, employee_id);
CREATE INDEX payroll_results_by_employee ON payroll_results (employee_id, run_id);
