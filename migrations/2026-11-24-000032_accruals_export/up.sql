-- The CSV export walks the accruals run by run (runs in period order through
-- `payroll_runs_period`) and, within a run, by the name stored with the result, then id: this
-- index lets each stretch start right after the last row handed out instead of sorting and
-- skipping everything before it. `id` (the rowid) is the implicit last column of the index.
CREATE INDEX payroll_results_export ON payroll_results (run_id, full_name);
