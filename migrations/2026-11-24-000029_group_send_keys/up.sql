-- Group sends: the clients skipped because their personalised text was over the channel's
-- limit, the request's Idempotency-Key with the fingerprint of its body (a retry with the same
-- key and body answers the first outcome and sends nothing again), and when the send finished
-- queueing (NULL while it is under way).
ALTER TABLE group_sends ADD COLUMN skipped_too_long BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_sends ADD COLUMN idempotency_key TEXT;
ALTER TABLE group_sends ADD COLUMN fingerprint TEXT;
ALTER TABLE group_sends ADD COLUMN finished_at BIGINT;
UPDATE group_sends SET finished_at = created_at;
CREATE UNIQUE INDEX group_sends_by_key ON group_sends (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
