-- The delivery queue every outbound message goes through (campaigns, dialogues, reminders):
-- one row per recipient per channel per step, enqueued idempotently by `dedupe_key`, claimed by
-- the background worker, and closed as sent, delivered or failed with the reason.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL CHECK (source IN ('campaign', 'dialogue', 'reminder')),
    campaign_id BIGINT,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    channel TEXT NOT NULL CHECK (channel IN ('telegram', 'email', 'sms', 'vk', 'instagram',
        'facebook', 'max', 'app_push')),
    recipient TEXT NOT NULL,
    text TEXT NOT NULL,
    image_url TEXT,
    -- JSON array of {"text", "url"}.
    buttons TEXT NOT NULL DEFAULT '[]',
    step INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    not_before BIGINT NOT NULL,
    -- When a claimed row was taken (to release rows stuck by a crash).
    claimed_at BIGINT,
    sent_at BIGINT,
    provider_message_id TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The worker's claim: queued rows of a channel that are due, oldest first.
CREATE INDEX deliveries_due ON deliveries (channel, status, not_before, id);
CREATE INDEX deliveries_by_campaign ON deliveries (campaign_id, status) WHERE campaign_id IS NOT NULL;
CREATE INDEX deliveries_by_client ON deliveries (client_id, id);
CREATE INDEX deliveries_stale ON deliveries (status, claimed_at) WHERE status = 'sending';
