-- Appointment reminders: one rule per offset before the start (1 hour, 4 hours, 1 day, 1 week),
-- each enabled or not, with a channel and a template; and one row per appointment and offset
-- once its reminder was queued or skipped, written in the same transaction as the delivery, so
-- a reminder goes exactly once however many runs race.
CREATE TABLE reminder_rules (
    offset_code TEXT PRIMARY KEY CHECK (offset_code IN ('1h', '4h', '1d', '1w')),
    enabled BOOLEAN NOT NULL DEFAULT 0,
    channel TEXT NOT NULL CHECK (channel IN ('telegram', 'email', 'sms', 'vk', 'instagram',
        'facebook', 'max', 'app_push')),
    template TEXT NOT NULL CHECK (length(template) > 0),
    -- NULL while the seeded rule was never changed.
    updated_by TEXT,
    updated_at BIGINT
);
INSERT INTO reminder_rules (offset_code, enabled, channel, template) VALUES
    ('1w', 0, 'telegram',
     '{client_name}, напоминаем: через неделю, {time}, вы записаны на «{service}» к мастеру {master}. Адрес: {address}.'),
    ('1d', 1, 'telegram',
     '{client_name}, ждём вас завтра, {time}, на «{service}». Мастер: {master}. Адрес: {address}.'),
    ('4h', 0, 'telegram',
     '{client_name}, напоминаем: {time} у вас «{service}» у мастера {master}. Адрес: {address}.'),
    ('1h', 1, 'telegram',
     '{client_name}, через час ({time}) ждём вас на «{service}». Мастер: {master}. Адрес: {address}.');

-- One reminder per appointment and offset: `queued` with its delivery, or the reason it was
-- skipped (`no_consent`, `no_contact`), recorded once.
CREATE TABLE reminder_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id BIGINT NOT NULL REFERENCES appointments (id),
    offset_code TEXT NOT NULL CHECK (offset_code IN ('1h', '4h', '1d', '1w')),
    outcome TEXT NOT NULL CHECK (outcome IN ('queued', 'no_consent', 'no_contact')),
    delivery_id BIGINT REFERENCES deliveries (id),
    at BIGINT NOT NULL,
    UNIQUE (appointment_id, offset_code)
);
CREATE INDEX reminder_sends_by_time ON reminder_sends (at, id);
