DROP INDEX appointments_by_start_status;
CREATE INDEX appointments_by_start_status ON appointments (starts_at, status);
DROP INDEX shifts_by_start;
