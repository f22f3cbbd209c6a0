DROP INDEX IF EXISTS deliveries_campaign_cover;
DROP INDEX IF EXISTS operations_client_time_cover;
