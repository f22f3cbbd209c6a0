-- Loyalty settings: the one system settings record with its audit trail, and loyalty levels
-- reshaped to one threshold of a kind (total spent, purchase count or referrals) with their own
-- cashback and points share. Percentages are basis points (BIGINT), money kopecks, points
-- hundredths of a point, times UTC milliseconds.

-- Levels: one threshold of a kind instead of two fixed minimums (no level rows exist yet).
ALTER TABLE loyalty_levels ADD COLUMN threshold_kind TEXT NOT NULL DEFAULT 'total_spent'
    CHECK (threshold_kind IN ('total_spent', 'purchase_count', 'referrals'));
ALTER TABLE loyalty_levels ADD COLUMN threshold BIGINT NOT NULL DEFAULT 0 CHECK (threshold >= 0);
ALTER TABLE loyalty_levels ADD COLUMN max_points_share_bp BIGINT
    CHECK (max_points_share_bp IS NULL OR max_points_share_bp BETWEEN 0 AND 10000);
ALTER TABLE loyalty_levels DROP COLUMN min_total_spent;
ALTER TABLE loyalty_levels DROP COLUMN min_purchase_count;
-- The admin list: levels in use (archived_at IS NULL) by kind and threshold.
CREATE INDEX loyalty_levels_listing ON loyalty_levels (archived_at, threshold_kind, threshold, id);

-- One row (id = 1), inserted here so that it always exists; the defaults are those of
-- `CompanyProfile::default()` and `LoyaltyRules::default()`.
CREATE TABLE system_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    company_name TEXT NOT NULL DEFAULT '',
    legal_name TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    website TEXT,
    timezone TEXT NOT NULL DEFAULT 'Europe/Moscow',
    currency TEXT NOT NULL DEFAULT 'RUB' CHECK (length(currency) = 3),
    base_cashback_bp BIGINT NOT NULL DEFAULT 500 CHECK (base_cashback_bp BETWEEN 0 AND 10000),
    max_points_share_bp BIGINT NOT NULL DEFAULT 3000
        CHECK (max_points_share_bp BETWEEN 0 AND 10000),
    welcome_bonus BIGINT NOT NULL DEFAULT 0 CHECK (welcome_bonus >= 0),
    points_expiry_days BIGINT CHECK (points_expiry_days IS NULL OR points_expiry_days BETWEEN 1 AND 3650),
    points_deferral_days BIGINT NOT NULL DEFAULT 0 CHECK (points_deferral_days BETWEEN 0 AND 365),
    refund_claws_back_referrals BOOLEAN NOT NULL DEFAULT 1,
    -- bumped by every change: the guard against lost concurrent updates.
    version BIGINT NOT NULL DEFAULT 0,
    -- NULL while the defaults were never changed.
    updated_at BIGINT,
    updated_by TEXT
);
INSERT INTO system_settings (id) VALUES (1);

-- Append-only: one row per changed field of a settings change, newest = highest id.
CREATE TABLE system_settings_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
