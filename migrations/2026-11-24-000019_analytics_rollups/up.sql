-- Analytics performance (measured by the `analytics_budget` benchmark on 100k clients, 1M
-- operations and 1M deliveries): covering indexes for the queries that missed the budget.

-- Campaign results (marketing tab): a recipient's purchases inside the conversion window after
-- a message, read from the index alone (client, then the time range).
CREATE INDEX operations_client_time_cover
    ON operations (client_id, created_at, kind, total, refunded_total);
-- Campaign results (marketing tab): recipients, sent and failed per campaign, and the messages
-- the attribution starts from, read from the index alone.
CREATE INDEX deliveries_campaign_cover ON deliveries (campaign_id, status, client_id, sent_at)
    WHERE campaign_id IS NOT NULL;
