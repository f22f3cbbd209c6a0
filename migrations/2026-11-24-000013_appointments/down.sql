ALTER TABLE system_settings DROP COLUMN booking_slot_step_minutes;
ALTER TABLE system_settings DROP COLUMN booking_horizon_days;
ALTER TABLE system_settings DROP COLUMN booking_min_notice_minutes;
DROP TABLE appointment_status_changes;
DROP TABLE appointments;
