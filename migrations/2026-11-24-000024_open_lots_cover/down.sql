DROP INDEX points_ledger_open_lots;
CREATE INDEX points_ledger_open_lots ON points_ledger (client_id, id) WHERE remaining > 0;
