-- Dialogues: every message with every client in both directions, one summary row per
-- conversation (last message, unanswered), and group sends with their outcome.

CREATE TABLE group_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('telegram', 'email', 'sms', 'vk', 'instagram',
        'facebook', 'max', 'app_push')),
    purpose TEXT NOT NULL CHECK (purpose IN ('advertising', 'transactional')),
    text TEXT NOT NULL,
    requested BIGINT NOT NULL DEFAULT 0,
    queued BIGINT NOT NULL DEFAULT 0,
    skipped_no_consent BIGINT NOT NULL DEFAULT 0,
    skipped_no_contact BIGINT NOT NULL DEFAULT 0,
    skipped_capped BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    channel TEXT NOT NULL CHECK (channel IN ('telegram', 'email', 'sms', 'vk', 'instagram',
        'facebook', 'max', 'app_push')),
    text TEXT NOT NULL,
    author_employee_id BIGINT REFERENCES employees (id),
    source TEXT NOT NULL CHECK (source IN ('app', 'admin_reply', 'group_send', 'feedback_answer')),
    -- 'received' for inbound; the delivery's status for outbound (kept in step by the trigger
    -- below).
    status TEXT NOT NULL CHECK (status IN ('received', 'queued', 'sending', 'sent', 'delivered',
        'failed')),
    reason TEXT,
    delivery_id BIGINT UNIQUE REFERENCES deliveries (id),
    group_send_id BIGINT REFERENCES group_sends (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((direction = 'inbound') = (status = 'received'))
);
-- Registry orders: newest first, alone or under one filter; one client's conversation.
CREATE INDEX messages_by_time ON messages (created_at, id);
CREATE INDEX messages_by_client ON messages (client_id, created_at, id);
CREATE INDEX messages_by_status ON messages (status, created_at, id);
CREATE INDEX messages_by_channel ON messages (channel, created_at, id);
CREATE INDEX messages_by_direction ON messages (direction, created_at, id);
CREATE INDEX messages_by_group_send ON messages (group_send_id) WHERE group_send_id IS NOT NULL;

-- One row per client with a conversation, written in the same transaction as each message.
CREATE TABLE dialogues (
    client_id BIGINT PRIMARY KEY REFERENCES clients (id),
    last_message_id BIGINT NOT NULL REFERENCES messages (id),
    last_direction TEXT NOT NULL CHECK (last_direction IN ('inbound', 'outbound')),
    last_message_at BIGINT NOT NULL,
    last_inbound_message_id BIGINT REFERENCES messages (id),
    last_inbound_at BIGINT,
    -- The client's last message has no reply after it.
    unanswered BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX dialogues_unanswered ON dialogues (last_inbound_message_id)
    WHERE unanswered = 1;

-- An outbound message follows its delivery: every status change of the delivery (sending,
-- sent, failed with its reason, back to queued for a retry) is copied in the same statement's
-- transaction, whichever path changed it.
CREATE TRIGGER messages_follow_delivery
AFTER UPDATE OF status, reason ON deliveries
FOR EACH ROW WHEN NEW.status IS NOT OLD.status OR NEW.reason IS NOT OLD.reason
BEGIN
    UPDATE messages SET status = NEW.status, reason = NEW.reason, updated_at = NEW.updated_at
    WHERE delivery_id = NEW.id;
END;
