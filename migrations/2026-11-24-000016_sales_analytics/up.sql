-- Sales analytics (the dashboard summary and the customers, operations and finance tabs):
-- covering indexes so that every period aggregate is a range scan of an index alone.

-- Purchases and refunds of a period: count, totals, cash and distinct clients.
CREATE INDEX operations_sales ON operations (created_at, kind, total, cash, client_id);
-- Cohort retention: a client's purchases by time.
CREATE INDEX operations_client_purchases ON operations (client_id, kind, created_at);
-- Points accrued and spent in a period.
CREATE INDEX points_ledger_by_time ON points_ledger (created_at, kind, amount);
-- Clients by the month of their first purchase (cohorts).
CREATE INDEX clients_first_purchase ON clients (first_purchase_at);
-- Gender and age of the client base as of a day.
CREATE INDEX clients_demography ON clients (created_at, gender, birthday);
-- Certificates sold in a period with their prices.
CREATE INDEX certificates_sales ON certificates (issued_at, price);
-- Appointments of a period by status.
CREATE INDEX appointments_by_start_status ON appointments (starts_at, status);
-- Cost of goods received in a period.
CREATE INDEX stock_movements_receipt_cost ON stock_movements (kind, created_at, quantity, unit_cost);
