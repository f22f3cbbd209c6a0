-- The registry of messages at a million rows: exact counts without reading the rows, and the
-- unanswered conversations in the registry's order.

-- Messages per UTC day, status, channel and direction, kept exact by the triggers below in
-- the transaction of every write to `messages` (whichever path writes). The registry's
-- `total` without a name, client or unanswered filter sums these rows over the whole days of
-- the period and counts only the partial days at its ends through `messages_by_time`.
CREATE TABLE message_tallies (
    day BIGINT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, status, channel, direction)
) WITHOUT ROWID;

-- Messages per client, with the client's `search_name` (kept equal to `clients.search_name`
-- by the `clients_search_name_to_counts` trigger): a name filter reads the clients with a
-- conversation and their message counts here in one pass (about half the rows of `clients`,
-- no look-up per client), for its total and, when the name is rare, for its clients.
CREATE TABLE client_message_counts (
    client_id BIGINT PRIMARY KEY NOT NULL,
    search_name TEXT NOT NULL,
    n BIGINT NOT NULL
) WITHOUT ROWID;

INSERT INTO message_tallies (day, status, channel, direction, n)
SELECT created_at / 86400000, status, channel, direction, COUNT(*)
FROM messages GROUP BY 1, 2, 3, 4;

INSERT INTO client_message_counts (client_id, search_name, n)
SELECT m.client_id, c.search_name, COUNT(*) FROM messages m JOIN clients c ON c.id = m.client_id
GROUP BY m.client_id;

CREATE TRIGGER messages_tally_insert
AFTER INSERT ON messages
FOR EACH ROW
BEGIN
    INSERT INTO message_tallies (day, status, channel, direction, n)
    VALUES (NEW.created_at / 86400000, NEW.status, NEW.channel, NEW.direction, 1)
    ON CONFLICT (day, status, channel, direction) DO UPDATE SET n = n + 1;
    INSERT INTO client_message_counts (client_id, search_name, n)
    VALUES (NEW.client_id,
        COALESCE((SELECT c.search_name FROM clients c WHERE c.id = NEW.client_id), ''), 1)
    ON CONFLICT (client_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_tally_update
AFTER UPDATE OF status, channel, direction, created_at, client_id ON messages
FOR EACH ROW WHEN NEW.status IS NOT OLD.status OR NEW.channel IS NOT OLD.channel
    OR NEW.direction IS NOT OLD.direction OR NEW.created_at / 86400000 IS NOT OLD.created_at / 86400000
    OR NEW.client_id IS NOT OLD.client_id
BEGIN
    UPDATE message_tallies SET n = n - 1
    WHERE day = OLD.created_at / 86400000 AND status = OLD.status AND channel = OLD.channel
        AND direction = OLD.direction;
    INSERT INTO message_tallies (day, status, channel, direction, n)
    VALUES (NEW.created_at / 86400000, NEW.status, NEW.channel, NEW.direction, 1)
    ON CONFLICT (day, status, channel, direction) DO UPDATE SET n = n + 1;
    UPDATE client_message_counts SET n = n - 1 WHERE client_id = OLD.client_id;
    INSERT INTO client_message_counts (client_id, search_name, n)
    VALUES (NEW.client_id,
        COALESCE((SELECT c.search_name FROM clients c WHERE c.id = NEW.client_id), ''), 1)
    ON CONFLICT (client_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_tally_delete
AFTER DELETE ON messages
FOR EACH ROW
BEGIN
    UPDATE message_tallies SET n = n - 1
    WHERE day = OLD.created_at / 86400000 AND status = OLD.status AND channel = OLD.channel
        AND direction = OLD.direction;
    UPDATE client_message_counts SET n = n - 1 WHERE client_id = OLD.client_id;
END;

CREATE TRIGGER clients_search_name_to_counts
AFTER UPDATE OF search_name ON clients
FOR EACH ROW WHEN NEW.search_name IS NOT OLD.search_name
BEGIN
    UPDATE client_message_counts SET search_name = NEW.search_name WHERE client_id = NEW.id;
END;

-- Unanswered conversations in the registry's order (their latest inbound message, newest
-- first): the page walks this index and stops at LIMIT, the count reads it.
CREATE INDEX dialogues_unanswered_by_time
    ON dialogues (last_inbound_at DESC, last_inbound_message_id DESC) WHERE unanswered = 1;
