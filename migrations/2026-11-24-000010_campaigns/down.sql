ALTER TABLE system_settings DROP COLUMN conversion_window_hours;
ALTER TABLE system_settings DROP COLUMN marketing_touch_period_days;
ALTER TABLE system_settings DROP COLUMN marketing_touch_cap;
DROP TABLE campaign_events;
DROP TABLE campaigns;
