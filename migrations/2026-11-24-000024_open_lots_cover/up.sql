-- The open lots of a client with everything a debit and the spendable balance read (the lot's
-- remaining points, when it becomes spendable, when it expires), in id order: spending reads the
-- oldest lots until they cover the amount, and the spendable balance sums them, both from the
-- index alone. Replaces the (client_id, id) index of the same name.
DROP INDEX points_ledger_open_lots;
CREATE INDEX points_ledger_open_lots
    ON points_ledger (client_id, id, remaining, available_at, expires_at) WHERE remaining > 0;
