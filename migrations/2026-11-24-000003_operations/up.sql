-- The loyalty engine's movements: operations (purchases and refunds), the append-only points
-- ledger with its lots, referral rewards, and the referral programme configuration.
-- Amounts are BIGINT minor units; times BIGINT UTC milliseconds.

CREATE TABLE referral_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    enabled BOOLEAN NOT NULL,
    -- Basis points per generation, nearest first, comma-separated ("500,300,100").
    generations_bp TEXT NOT NULL,
    reward_type TEXT NOT NULL CHECK (reward_type IN ('points', 'money')),
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
INSERT INTO referral_config (id, enabled, generations_bp, reward_type, updated_at)
VALUES (1, 1, '500', 'points', 0);

CREATE TABLE operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'refund')),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    employee_id BIGINT REFERENCES employees (id),
    location_id BIGINT,
    purchase_id BIGINT REFERENCES operations (id),
    -- The certificate that paid part of a purchase (see certificate_redemptions).
    certificate_id BIGINT,
    total BIGINT NOT NULL CHECK (total > 0),
    certificate_amount BIGINT NOT NULL DEFAULT 0 CHECK (certificate_amount >= 0),
    points BIGINT NOT NULL DEFAULT 0 CHECK (points >= 0),
    cash BIGINT NOT NULL DEFAULT 0 CHECK (cash >= 0),
    cashback BIGINT NOT NULL DEFAULT 0 CHECK (cashback >= 0),
    cashback_rate_bp BIGINT NOT NULL DEFAULT 0,
    clawback_shortfall BIGINT NOT NULL DEFAULT 0 CHECK (clawback_shortfall >= 0),
    refunded_total BIGINT NOT NULL DEFAULT 0,
    refunded_points BIGINT NOT NULL DEFAULT 0,
    refunded_cash BIGINT NOT NULL DEFAULT 0,
    refunded_certificate BIGINT NOT NULL DEFAULT 0,
    reversed_cashback BIGINT NOT NULL DEFAULT 0,
    reward_type TEXT NOT NULL CHECK (reward_type IN ('points', 'money')),
    receipt_number TEXT,
    comment TEXT,
    actor TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    request_fingerprint TEXT,
    created_at BIGINT NOT NULL,
    CHECK (refunded_total BETWEEN 0 AND total)
);
CREATE INDEX operations_by_client ON operations (client_id, id);
CREATE INDEX operations_by_employee ON operations (employee_id, id);
CREATE INDEX operations_by_time ON operations (created_at, id);
CREATE INDEX operations_by_kind ON operations (kind, id);
CREATE INDEX operations_refunds ON operations (purchase_id) WHERE purchase_id IS NOT NULL;

-- Referral rewards paid by purchases (positive) and taken back by refunds (negative), in the
-- programme's reward type; money rewards are payable amounts, not points.
CREATE TABLE referral_rewards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation_id BIGINT NOT NULL REFERENCES operations (id),
    beneficiary_id BIGINT NOT NULL REFERENCES clients (id),
    source_client_id BIGINT NOT NULL REFERENCES clients (id),
    generation INTEGER NOT NULL CHECK (generation BETWEEN 1 AND 6),
    reward_type TEXT NOT NULL CHECK (reward_type IN ('points', 'money')),
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX referral_rewards_by_operation ON referral_rewards (operation_id);
CREATE INDEX referral_rewards_by_beneficiary ON referral_rewards (beneficiary_id, generation);

-- Every change of a points balance. Credits are lots: `remaining` is their unspent part, they
-- are spendable from `available_at` and expire at `expires_at`. Debits have remaining = 0.
CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    operation_id BIGINT REFERENCES operations (id),
    kind TEXT NOT NULL CHECK (kind IN ('welcome_bonus', 'cashback', 'spend', 'referral_reward',
        'adjustment', 'expiry', 'refund_return', 'refund_clawback', 'referral_clawback')),
    amount BIGINT NOT NULL,
    remaining BIGINT NOT NULL DEFAULT 0 CHECK (remaining >= 0 AND remaining <= MAX(amount, 0)),
    available_at BIGINT NOT NULL,
    expires_at BIGINT,
    generation INTEGER,
    source_client_id BIGINT REFERENCES clients (id),
    reason TEXT,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX points_ledger_by_client ON points_ledger (client_id, id);
CREATE INDEX points_ledger_open_lots ON points_ledger (client_id, id) WHERE remaining > 0;
CREATE INDEX points_ledger_expiring ON points_ledger (expires_at) WHERE remaining > 0;
