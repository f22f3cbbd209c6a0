-- Gift certificates: the types the business sells, the certificates it issued, and every
-- redemption of a certificate in a purchase. Amounts are BIGINT minor units; times BIGINT UTC
-- milliseconds. Codes are stored normalised: upper case, no dashes. A certificate's status is
-- derived when reading (balance = 0 → redeemed, expires_at <= now → expired, else active).

CREATE TABLE certificate_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    nominal BIGINT NOT NULL CHECK (nominal > 0),
    price BIGINT NOT NULL CHECK (price >= 0),
    validity_days INTEGER NOT NULL CHECK (validity_days BETWEEN 1 AND 3650),
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX certificate_types_listing ON certificate_types (archived_at, id);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    type_id BIGINT NOT NULL REFERENCES certificate_types (id),
    owner_client_id BIGINT REFERENCES clients (id),
    nominal BIGINT NOT NULL CHECK (nominal > 0),
    balance BIGINT NOT NULL CHECK (balance >= 0 AND balance <= nominal),
    price BIGINT NOT NULL CHECK (price >= 0),
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    sold_by BIGINT REFERENCES employees (id),
    comment TEXT,
    created_at BIGINT NOT NULL
);
-- The list is ordered by issue time (newest first, ties by id); each filter has an index that
-- also serves that order.
CREATE INDEX certificates_by_issued ON certificates (issued_at, id);
CREATE INDEX certificates_by_owner ON certificates (owner_client_id, issued_at, id);
CREATE INDEX certificates_by_type ON certificates (type_id, issued_at, id);
CREATE INDEX certificates_by_expiry ON certificates (expires_at);

CREATE TABLE certificate_redemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    operation_id BIGINT REFERENCES operations (id),
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX certificate_redemptions_by_certificate ON certificate_redemptions (certificate_id, id);
CREATE INDEX certificate_redemptions_by_operation ON certificate_redemptions (operation_id)
    WHERE operation_id IS NOT NULL;
