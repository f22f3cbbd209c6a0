DROP INDEX IF EXISTS campaigns_launched;
DROP INDEX IF EXISTS clients_rfm;
DROP INDEX IF EXISTS clients_created_channel;
DROP INDEX IF EXISTS clients_referrer_created;
DROP INDEX IF EXISTS operations_purchases_cover;
DROP TABLE IF EXISTS client_level_changes;
DROP TABLE IF EXISTS page_views;
