-- Campaign messages a launch or a recurring run did not queue, and why: today `too_long`, a
-- text over the channel's limit once the client's name and balance are filled in (and the
-- opt-out footer added). One row per message that would have been sent, under the dedupe key
-- its delivery would have carried, so a repeated launch or scheduler pass records it once.
-- The campaign's statistics count them.
CREATE TABLE campaign_skips (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    channel TEXT NOT NULL CHECK (channel IN ('telegram', 'email', 'sms', 'vk', 'instagram',
        'facebook', 'max', 'app_push')),
    step INTEGER NOT NULL CHECK (step >= 0),
    reason TEXT NOT NULL CHECK (reason IN ('too_long')),
    -- Characters (Unicode scalar values) of the text as it would have been sent.
    chars BIGINT NOT NULL CHECK (chars >= 0),
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX campaign_skips_by_campaign ON campaign_skips (campaign_id, reason);
