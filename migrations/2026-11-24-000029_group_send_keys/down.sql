DROP INDEX IF EXISTS group_sends_by_key;
ALTER TABLE group_sends DROP COLUMN finished_at;
ALTER TABLE group_sends DROP COLUMN fingerprint;
ALTER TABLE group_sends DROP COLUMN idempotency_key;
ALTER TABLE group_sends DROP COLUMN skipped_too_long;
