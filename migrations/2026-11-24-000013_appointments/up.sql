-- Appointments (online booking and the admin's diary): a client booked for a service (a product
-- of kind `service`, whose duration sets the end) with an employee (the master) at a location.
-- Times are BIGINT unix milliseconds; `price` is the service's price in minor units when booked.
-- Status changes are appended to `appointment_status_changes` with who and when, so analytics can
-- compute no-show and cancellation rates and the masters' utilisation.
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    service_id BIGINT NOT NULL REFERENCES products (id),
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    location_id BIGINT REFERENCES locations (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'cancelled', 'completed', 'no_show')),
    source TEXT NOT NULL CHECK (source IN ('admin', 'app')),
    comment TEXT,
    price BIGINT NOT NULL DEFAULT 0 CHECK (price >= 0),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX appointments_by_start ON appointments (starts_at, id);
CREATE INDEX appointments_by_employee ON appointments (employee_id, starts_at);
CREATE INDEX appointments_by_client ON appointments (client_id, starts_at);
CREATE INDEX appointments_by_status ON appointments (status, starts_at);
CREATE INDEX appointments_by_service ON appointments (service_id, starts_at);
CREATE INDEX appointments_by_source ON appointments (source, starts_at);
-- The booking guard: an employee's scheduled appointments overlapping a slot.
CREATE INDEX appointments_by_employee_status ON appointments (employee_id, status, starts_at);

-- Append-only: every status change of an appointment (the creation included, from NULL).
CREATE TABLE appointment_status_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id BIGINT NOT NULL REFERENCES appointments (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX appointment_status_changes_by_appointment
    ON appointment_status_changes (appointment_id, id);
CREATE INDEX appointment_status_changes_by_time ON appointment_status_changes (to_status, at);

-- Online booking rules, as columns of the system settings: the least notice before a booked
-- start, how far ahead a client may book, and the step between offered free slots.
ALTER TABLE system_settings ADD COLUMN booking_min_notice_minutes BIGINT NOT NULL DEFAULT 60
    CHECK (booking_min_notice_minutes BETWEEN 0 AND 10080);
ALTER TABLE system_settings ADD COLUMN booking_horizon_days BIGINT NOT NULL DEFAULT 60
    CHECK (booking_horizon_days BETWEEN 1 AND 365);
ALTER TABLE system_settings ADD COLUMN booking_slot_step_minutes BIGINT NOT NULL DEFAULT 15
    CHECK (booking_slot_step_minutes BETWEEN 5 AND 240);
