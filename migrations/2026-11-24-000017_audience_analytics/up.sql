-- Audience analytics: Mini App page views (a signed-in client or an anonymous visitor id), the
-- history of client level changes written by the operations that move a client, and the
-- covering indexes the ratings, levels, page-go and marketing tabs read their periods through.

CREATE TABLE page_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page TEXT NOT NULL CHECK (length(page) BETWEEN 1 AND 200),
    client_id BIGINT REFERENCES clients (id),
    visitor_id TEXT CHECK (visitor_id IS NULL OR length(visitor_id) BETWEEN 8 AND 64),
    at BIGINT NOT NULL,
    CHECK ((client_id IS NULL) <> (visitor_id IS NULL))
);
-- Views, unique visitors and top pages of a period: a range on `at`, covered.
CREATE INDEX page_views_by_time ON page_views (at, client_id, visitor_id, page);

-- Append-only: one row per change of a client's level (NULL = no level).
CREATE TABLE client_level_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    from_level_id BIGINT REFERENCES loyalty_levels (id),
    to_level_id BIGINT REFERENCES loyalty_levels (id),
    at BIGINT NOT NULL
);
CREATE INDEX client_level_changes_by_time
    ON client_level_changes (at, from_level_id, to_level_id, client_id);
CREATE INDEX client_level_changes_by_client ON client_level_changes (client_id, id);

-- Purchases of a period with who paid and how much, without reading the table rows (the
-- equality on `kind` first, so the planner prefers it to `operations_by_kind`).
CREATE INDEX operations_purchases_cover
    ON operations (kind, created_at, client_id, total, refunded_total);
-- Clients invited per referrer, with when they registered (invited in the period).
CREATE INDEX clients_referrer_created ON clients (referrer_id, created_at);
-- Registrations of a period per channel, with whether they went on to buy.
CREATE INDEX clients_created_channel
    ON clients (created_at, traffic_channel_id, first_purchase_at);
-- First purchases of a period (funnel) and the RFM scores of buyers, covered.
CREATE INDEX clients_rfm
    ON clients (first_purchase_at, last_purchase_at, purchase_count, total_spent);
-- Campaigns launched in a period.
CREATE INDEX campaigns_launched ON campaigns (launched_at) WHERE launched_at IS NOT NULL;
