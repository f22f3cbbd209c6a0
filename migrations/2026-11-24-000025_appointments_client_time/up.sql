-- A client cannot be in two places at once: booking checks, in its writing transaction, that no
-- other scheduled appointment of the client (with any master) overlaps the slot. This index
-- serves that check as `appointments_by_employee_status` serves the master's: equality on the
-- client and the status, a range on the start. (`appointments_by_client (client_id, starts_at)`
-- stays for the client's own list in start order; without the status column the planner
-- prefers `appointments_by_status` for the check, which reads every scheduled appointment.)
CREATE INDEX appointments_by_client_status ON appointments (client_id, status, starts_at);
