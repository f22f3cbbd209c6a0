DROP INDEX payroll_results_export;
