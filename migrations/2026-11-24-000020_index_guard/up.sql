-- Indexes the index guard (crates/crm-http/tests/index_guard.rs) found missing.

-- The client list sorted by points balance or by number of purchases pages through these
-- instead of sorting every client.
CREATE INDEX clients_points_balance ON clients (points_balance, id);
CREATE INDEX clients_purchase_count ON clients (purchase_count, id);

-- The client list filtered by one consent: the matching clients in page (id) order, and their
-- count from the index alone.
CREATE INDEX clients_consent_marketing ON clients (consent_marketing, id);
CREATE INDEX clients_consent_sms ON clients (consent_sms, id);
CREATE INDEX clients_consent_app_push ON clients (consent_app_push, id);
CREATE INDEX clients_consent_email ON clients (consent_email, id);

-- Certificate totals: the redeemed filter (`balance = 0`) and the dashboard's sums over all
-- certificates read this narrow index instead of the table.
CREATE INDEX certificates_totals ON certificates (balance, expires_at, price, nominal);
