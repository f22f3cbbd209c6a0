//! Diesel definitions of the roster's tables (migration `2026-11-24-000008_staff`); the
//! `employees` table itself is in `crate::schema`.
#![allow(missing_docs)]

diesel::table! {
    /// Employee categories; deleted ones keep `deleted_at`.
    employee_categories (id) {
        id -> BigInt,
        name -> Text,
        created_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Per-field change history of employee cards.
    employee_history (id) {
        id -> BigInt,
        employee_id -> BigInt,
        field -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        actor -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    /// One entry per employee and day.
    timesheet_entries (id) {
        id -> BigInt,
        employee_id -> BigInt,
        work_date -> Text,
        hours_centi -> BigInt,
        pieces -> BigInt,
        piece_rate -> BigInt,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    /// Planned shifts.
    shifts (id) {
        id -> BigInt,
        employee_id -> BigInt,
        shift_date -> Text,
        start_time -> Text,
        end_time -> Text,
        starts_at -> BigInt,
        ends_at -> BigInt,
        location -> Nullable<Text>,
        note -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    /// Payroll runs, one per period.
    payroll_runs (id) {
        id -> BigInt,
        period_from -> Text,
        period_to -> Text,
        status -> Text,
        run_by -> Text,
        computed_at -> BigInt,
        closed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Accruals of a run, one per employee.
    payroll_results (id) {
        id -> BigInt,
        run_id -> BigInt,
        employee_id -> BigInt,
        full_name -> Text,
        pay_system -> Text,
        hourly_rate -> BigInt,
        hours_centi -> BigInt,
        pieces -> BigInt,
        piece_amount -> BigInt,
        attributed_revenue -> BigInt,
        revenue_share_bp -> BigInt,
        revenue_amount -> BigInt,
        monthly_salary -> BigInt,
        amount -> BigInt,
    }
}

use crate::schema::employees;

diesel::joinable!(payroll_results -> payroll_runs (run_id));

diesel::allow_tables_to_appear_in_same_query!(
    employee_categories,
    employee_history,
    timesheet_entries,
    shifts,
    payroll_runs,
    payroll_results,
);

diesel::allow_tables_to_appear_in_same_query!(employees, payroll_results);
diesel::allow_tables_to_appear_in_same_query!(employees, payroll_runs);
