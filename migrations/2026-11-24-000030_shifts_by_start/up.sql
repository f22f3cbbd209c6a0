-- The dashboard's utilisation: shift minutes of a period read shifts by their start, and the
-- booked minutes read appointments by start and status with their end (covering).
CREATE INDEX shifts_by_start ON shifts (starts_at, ends_at);
DROP INDEX appointments_by_start_status;
CREATE INDEX appointments_by_start_status ON appointments (starts_at, status, ends_at);
