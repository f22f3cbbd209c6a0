DROP TABLE system_settings_changes;
DROP TABLE system_settings;
DROP INDEX loyalty_levels_listing;
ALTER TABLE loyalty_levels ADD COLUMN min_total_spent BIGINT NOT NULL DEFAULT 0
    CHECK (min_total_spent >= 0);
ALTER TABLE loyalty_levels ADD COLUMN min_purchase_count BIGINT NOT NULL DEFAULT 0
    CHECK (min_purchase_count >= 0);
ALTER TABLE loyalty_levels DROP COLUMN max_points_share_bp;
ALTER TABLE loyalty_levels DROP COLUMN threshold;
ALTER TABLE loyalty_levels DROP COLUMN threshold_kind;
