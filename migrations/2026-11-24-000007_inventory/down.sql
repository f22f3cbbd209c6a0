ALTER TABLE system_settings DROP COLUMN allow_negative_stock;
DROP TRIGGER IF EXISTS stock_movements_no_delete;
DROP TRIGGER IF EXISTS stock_movements_no_update;
DROP TABLE IF EXISTS stock_movements;
DROP TABLE IF EXISTS stock_balances;
DROP TABLE IF EXISTS locations;
DROP TABLE IF EXISTS products;
