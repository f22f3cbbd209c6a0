-- One-time payment codes: the Mini App shows the client a six-digit code; the cashier enters it
-- to identify the client and to be allowed to spend their points. One code per client (a new
-- one replaces the old), unique among the codes held, consumed by the purchase that uses it.
CREATE TABLE payment_codes (
    client_id BIGINT PRIMARY KEY REFERENCES clients (id),
    code TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX payment_codes_expiry ON payment_codes (expires_at);
