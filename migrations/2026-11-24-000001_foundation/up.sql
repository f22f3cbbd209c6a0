-- The foundation: clients with consents and their audit trail, the staff who sign in,
-- and the reference tables clients point at (loyalty levels, traffic channels).
-- Times are UTC milliseconds since the Unix epoch (BIGINT); money and points are BIGINT minor
-- units (kopecks, hundredths of a point).

CREATE TABLE loyalty_levels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    min_total_spent BIGINT NOT NULL DEFAULT 0 CHECK (min_total_spent >= 0),
    min_purchase_count BIGINT NOT NULL DEFAULT 0 CHECK (min_purchase_count >= 0),
    cashback_bp BIGINT NOT NULL DEFAULT 0 CHECK (cashback_bp BETWEEN 0 AND 10000),
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE traffic_channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    link TEXT,
    utm_source TEXT,
    utm_medium TEXT,
    utm_campaign TEXT,
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    full_name TEXT NOT NULL,
    -- lower-cased full_name: SQLite's LIKE folds ASCII only, Cyrillic names need this.
    search_name TEXT NOT NULL,
    phone TEXT,
    telegram_id BIGINT,
    telegram_username TEXT,
    email TEXT,
    birthday TEXT,
    gender TEXT CHECK (gender IN ('male', 'female')),
    vk TEXT,
    instagram TEXT,
    facebook TEXT,
    max_messenger TEXT,
    level_id BIGINT REFERENCES loyalty_levels (id),
    points_balance BIGINT NOT NULL DEFAULT 0 CHECK (points_balance >= 0),
    total_spent BIGINT NOT NULL DEFAULT 0 CHECK (total_spent >= 0),
    purchase_count BIGINT NOT NULL DEFAULT 0 CHECK (purchase_count >= 0),
    first_purchase_at BIGINT,
    last_purchase_at BIGINT,
    referrer_id BIGINT REFERENCES clients (id),
    traffic_channel_id BIGINT REFERENCES traffic_channels (id),
    notes TEXT,
    consent_personal_data BOOLEAN NOT NULL DEFAULT 0,
    consent_personal_data_at BIGINT,
    consent_marketing BOOLEAN NOT NULL DEFAULT 0,
    consent_marketing_at BIGINT,
    consent_sms BOOLEAN NOT NULL DEFAULT 0,
    consent_sms_at BIGINT,
    consent_app_push BOOLEAN NOT NULL DEFAULT 0,
    consent_app_push_at BIGINT,
    consent_email BOOLEAN NOT NULL DEFAULT 0,
    consent_email_at BIGINT,
    -- bumped by every profile or consent change: the guard against lost concurrent updates.
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX clients_phone_unique ON clients (phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX clients_telegram_id_unique ON clients (telegram_id) WHERE telegram_id IS NOT NULL;
CREATE INDEX clients_search_name ON clients (search_name);
CREATE INDEX clients_level ON clients (level_id, id);
CREATE INDEX clients_traffic_channel ON clients (traffic_channel_id, id);
CREATE INDEX clients_referrer ON clients (referrer_id);
CREATE INDEX clients_last_purchase ON clients (last_purchase_at, id);
CREATE INDEX clients_total_spent ON clients (total_spent, id);
CREATE INDEX clients_created ON clients (created_at, id);
CREATE INDEX clients_marketing_reach ON clients (consent_personal_data, consent_marketing, id);

CREATE TABLE client_tags (
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (client_id, tag)
);
CREATE INDEX client_tags_by_tag ON client_tags (tag, client_id);

-- Append-only: every time a consent is given or withdrawn, who did it and through what.
CREATE TABLE client_consent_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    consent TEXT NOT NULL CHECK (consent IN ('personal_data', 'marketing', 'sms', 'app_push', 'email')),
    given BOOLEAN NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX client_consent_events_by_client ON client_consent_events (client_id, id);

CREATE TABLE employees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    full_name TEXT NOT NULL,
    phone TEXT,
    telegram_id BIGINT,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'cashier', 'master')),
    position TEXT,
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX employees_active_telegram_id ON employees (telegram_id)
    WHERE telegram_id IS NOT NULL AND archived_at IS NULL;
