-- Goods, services and stock (issue 4).
--
-- Quantities are BIGINT thousandths of the product's unit; money is BIGINT minor units; times are
-- BIGINT unix milliseconds. `stock_movements` is the append-only ledger; `stock_balances` is the
-- balance per product and location that every movement updates in the same transaction, so the
-- stock of a product is read from at most one row per location, never summed at read time.

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('product', 'service')),
    name TEXT NOT NULL,
    -- Lower-cased name (Unicode-aware, done by the service) for case-insensitive search.
    name_lower TEXT NOT NULL,
    category TEXT,
    description TEXT,
    price BIGINT NOT NULL CHECK (price >= 0),
    cost_price BIGINT CHECK (cost_price >= 0),
    unit TEXT NOT NULL,
    sku TEXT UNIQUE,
    barcode TEXT UNIQUE,
    duration_minutes BIGINT,
    photo_url TEXT,
    low_stock_threshold BIGINT,
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX products_by_name ON products (name_lower, id);
CREATE INDEX products_by_category ON products (category, name_lower, id);
CREATE INDEX products_by_kind ON products (kind, name_lower, id);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('warehouse', 'point_of_sale')),
    name TEXT NOT NULL,
    address TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE stock_balances (
    product_id BIGINT NOT NULL REFERENCES products (id),
    location_id BIGINT NOT NULL REFERENCES locations (id),
    -- Bounded far inside BIGINT so that no sum of movements can overflow into REAL.
    quantity BIGINT NOT NULL
        CHECK (quantity BETWEEN -1000000000000000 AND 1000000000000000),
    last_movement_at BIGINT NOT NULL,
    PRIMARY KEY (product_id, location_id)
) WITHOUT ROWID;
CREATE INDEX stock_balances_by_location ON stock_balances (location_id, product_id);

CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    location_id BIGINT NOT NULL REFERENCES locations (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('receipt', 'write_off', 'transfer', 'sale', 'return', 'adjustment')),
    -- The signed change of the stock level.
    quantity BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    unit_cost BIGINT,
    reason TEXT,
    counterpart_location_id BIGINT REFERENCES locations (id),
    operation_id BIGINT REFERENCES operations (id),
    employee_id BIGINT REFERENCES employees (id),
    actor TEXT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX stock_movements_by_time ON stock_movements (created_at, id);
CREATE INDEX stock_movements_by_product ON stock_movements (product_id, created_at, id);
CREATE INDEX stock_movements_by_location ON stock_movements (location_id, created_at, id);
CREATE INDEX stock_movements_by_kind ON stock_movements (kind, created_at, id);
CREATE INDEX stock_movements_by_operation ON stock_movements (operation_id)
    WHERE operation_id IS NOT NULL;

-- The ledger is append-only: history is never rewritten.
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock movements are append-only');
END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock movements are append-only');
END;

-- Whether a movement or sale may take stock below zero (off by default).
ALTER TABLE system_settings ADD COLUMN allow_negative_stock BOOLEAN NOT NULL DEFAULT 0;
