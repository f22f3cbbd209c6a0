-- Campaigns (communications): one row per campaign, built at once or through the five-step
-- wizard, launched by enqueueing rows of `deliveries`; the tracking events of its messages; and
-- the communication settings shared with the control tower (touch-frequency cap, conversion
-- window) as columns of `system_settings`.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'scheduled', 'running', 'completed', 'cancelled', 'archived')),
    purpose TEXT NOT NULL DEFAULT 'advertising' CHECK (purpose IN ('advertising', 'transactional')),
    -- JSON array of channel codes.
    channels TEXT NOT NULL DEFAULT '[]',
    -- JSON object: the audience filters.
    audience TEXT NOT NULL DEFAULT '{}',
    -- JSON object: text, image_url, buttons, follow_ups.
    content TEXT NOT NULL DEFAULT '{}',
    -- JSON object: kind (now, at, daily, weekly) and start.
    schedule TEXT NOT NULL DEFAULT '{"kind":"now"}',
    -- Wizard steps completed (0..=3); 4 = confirmed.
    wizard_step INTEGER NOT NULL DEFAULT 0 CHECK (wizard_step BETWEEN 0 AND 4),
    launched_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_by_status ON campaigns (status, id);

-- Append-only: opens, clicks and conversions of a campaign's messages.
CREATE TABLE campaign_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    delivery_id BIGINT REFERENCES deliveries (id),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    kind TEXT NOT NULL CHECK (kind IN ('open', 'click', 'conversion')),
    url TEXT,
    source TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX campaign_events_by_campaign ON campaign_events (campaign_id, kind, client_id);

-- Most advertising messages one client may receive per period (0 = no cap), and the period.
ALTER TABLE system_settings ADD COLUMN marketing_touch_cap BIGINT NOT NULL DEFAULT 3
    CHECK (marketing_touch_cap >= 0);
ALTER TABLE system_settings ADD COLUMN marketing_touch_period_days BIGINT NOT NULL DEFAULT 7
    CHECK (marketing_touch_period_days BETWEEN 1 AND 365);
-- A purchase within this many hours after a delivery counts as the campaign's conversion.
ALTER TABLE system_settings ADD COLUMN conversion_window_hours BIGINT NOT NULL DEFAULT 72
    CHECK (conversion_window_hours BETWEEN 1 AND 2160);
