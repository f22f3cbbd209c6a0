DROP INDEX IF EXISTS stock_movements_receipt_cost;
DROP INDEX IF EXISTS appointments_by_start_status;
DROP INDEX IF EXISTS certificates_sales;
DROP INDEX IF EXISTS clients_demography;
DROP INDEX IF EXISTS clients_first_purchase;
DROP INDEX IF EXISTS points_ledger_by_time;
DROP INDEX IF EXISTS operations_client_purchases;
DROP INDEX IF EXISTS operations_sales;
