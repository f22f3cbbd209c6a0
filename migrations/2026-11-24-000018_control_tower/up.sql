-- The control tower: the owner's overrides of the reference processes (baseline, target,
-- enabled), the channel priority of the communication policy (the touch-frequency cap itself
-- stays in `system_settings.marketing_touch_cap` / `marketing_touch_period_days`, the one
-- setting campaigns enforce), the 90-day onboarding goal, and the latest promotion forecast.
-- KPI values are BIGINT in the KPI's unit (basis points for shares, counts, hours); money is
-- BIGINT minor units; times BIGINT UTC milliseconds.

CREATE TABLE control_tower_processes (
    process_code TEXT PRIMARY KEY NOT NULL,
    baseline BIGINT,
    target BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row (id = 1) once the policy was changed; until then the default priority applies.
CREATE TABLE control_tower_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- JSON array of channel codes, most preferred first.
    channel_priority TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The 90-day goal set by the wizard (one row, id = 1; absent until set).
CREATE TABLE control_tower_goal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    metric TEXT NOT NULL CHECK (metric IN ('revenue', 'new_clients', 'repeat_rate', 'average_check')),
    target BIGINT NOT NULL CHECK (target > 0),
    -- The first local day of the goal (YYYY-MM-DD, the business's timezone).
    start_date TEXT NOT NULL,
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 366),
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- Promotion forecasts as computed (JSON of the parameters and the result); the latest is shown
-- on the full dashboard.
CREATE TABLE promotion_forecasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parameters TEXT NOT NULL,
    result TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Birthdays in the next days: an index on the month-day of the birthday (YYYY-MM-DD).
CREATE INDEX clients_birthday_month_day ON clients (substr(birthday, 6, 5))
    WHERE birthday IS NOT NULL;
-- Drafts whose wizard was started and not confirmed.
CREATE INDEX campaigns_by_wizard ON campaigns (status, wizard_step, id);
-- Failed deliveries by time (the last-24-hours alert).
CREATE INDEX deliveries_failed_by_time ON deliveries (updated_at) WHERE status = 'failed';
-- Deliveries of campaigns by time (the conversion of past campaigns).
CREATE INDEX deliveries_campaign_by_time ON deliveries (created_at, status)
    WHERE source = 'campaign';
-- Conversions by time (the conversion of past campaigns).
CREATE INDEX campaign_events_by_kind_time ON campaign_events (kind, at, campaign_id, client_id);
-- Goods with a low-stock threshold (the replenishment KPI).
CREATE INDEX products_with_threshold ON products (id) WHERE low_stock_threshold IS NOT NULL;
