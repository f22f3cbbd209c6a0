//! Diesel table definitions of the reminders (see `migrations/2026-11-24-000014_reminders`),
//! written by hand to match column for column.

diesel::table! {
    /// One rule per offset before an appointment's start.
    reminder_rules (offset_code) {
        /// `1h`, `4h`, `1d` or `1w`.
        offset_code -> Text,
        /// Whether reminders at this offset go out.
        enabled -> Bool,
        /// Channel code.
        channel -> Text,
        /// Text with placeholders.
        template -> Text,
        /// Who changed the rule last.
        updated_by -> Nullable<Text>,
        /// When, UTC millis.
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// One recorded reminder per appointment and offset.
    reminder_sends (id) {
        /// Row id.
        id -> BigInt,
        /// The appointment.
        appointment_id -> BigInt,
        /// The offset code.
        offset_code -> Text,
        /// `queued`, `no_consent` or `no_contact`.
        outcome -> Text,
        /// The delivery of a queued reminder.
        delivery_id -> Nullable<BigInt>,
        /// Recorded at, UTC millis.
        at -> BigInt,
    }
}
