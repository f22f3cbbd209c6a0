-- Cohort retention (customers tab), rolled up: the local calendar months each client bought
-- in, with the month of their first purchase. Derived from `operations` by the analytics
-- adapter, which catches up past a watermark before it reads (see `analytics/rollups.rs`), so
-- the tab reads at most a year of cohorts × months instead of probing every purchase.
CREATE TABLE client_purchase_months (
    client_id INTEGER NOT NULL,
    -- The local calendar month in the business's timezone: year * 12 + month - 1.
    month INTEGER NOT NULL,
    -- The local month of the client's first purchase (`clients.first_purchase_at`).
    cohort INTEGER NOT NULL,
    PRIMARY KEY (client_id, month)
) WITHOUT ROWID;
CREATE INDEX client_purchase_months_by_cohort ON client_purchase_months (cohort, month);
-- Its counts: the clients of each cohort month who bought in each month (the tab reads these).
CREATE TABLE cohort_month_clients (
    cohort INTEGER NOT NULL,
    month INTEGER NOT NULL,
    clients INTEGER NOT NULL,
    PRIMARY KEY (cohort, month)
) WITHOUT ROWID;

-- Campaign results (marketing tab), rolled up: each purchase a campaign is credited with (a
-- purchase by a recipient within the conversion window after one of its messages was sent),
-- once per campaign. Derived from `operations` and `deliveries` the same way.
CREATE TABLE campaign_attributions (
    campaign_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, operation_id)
) WITHOUT ROWID;
-- A buyer's campaign messages by the time they were sent (the attribution's look-up).
CREATE INDEX deliveries_client_sent ON deliveries (client_id, sent_at, campaign_id, status)
    WHERE campaign_id IS NOT NULL;

-- How far each rollup has read its source (the last operation id) and the setting its rows
-- were cut by (the timezone for the months, the conversion window for the attributions); a
-- change of that setting rebuilds it.
CREATE TABLE analytics_rollups (
    name TEXT PRIMARY KEY NOT NULL,
    watermark INTEGER NOT NULL DEFAULT 0,
    basis TEXT NOT NULL DEFAULT ''
);

-- Clients who bought in a period (dashboard, customers tab): the clients whose purchases span
-- it, from the index alone (see `CLIENT_ACTIVITY_SQL`).
CREATE INDEX clients_activity ON clients (last_purchase_at, first_purchase_at);
