-- Upkeep of the points balances: the welcome bonus is given at most once per client (a second
-- grant clashes with this index and is skipped), and manual adjustments remember their
-- Idempotency-Key so a retried request returns the stored result.

CREATE UNIQUE INDEX points_ledger_one_welcome_bonus
    ON points_ledger (client_id) WHERE kind = 'welcome_bonus';

CREATE TABLE points_adjustment_keys (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    -- The canonical text of the request that used the key.
    request_fingerprint TEXT NOT NULL,
    ledger_id BIGINT NOT NULL REFERENCES points_ledger (id),
    -- The client's balance right after the adjustment, returned again on a replay.
    points_balance BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
