//! Diesel table definitions of the appointments (see `migrations/2026-11-24-000013_appointments`),
//! written by hand to match column for column, and of the columns booking reads from the
//! client, product, employee, location, shift and settings tables.

diesel::table! {
    /// One appointment of a client with a master for a service.
    appointments (id) {
        /// Row id.
        id -> BigInt,
        /// Client.
        client_id -> BigInt,
        /// Service (a product of kind `service`).
        service_id -> BigInt,
        /// Master.
        employee_id -> BigInt,
        /// Location.
        location_id -> Nullable<BigInt>,
        /// Start, UTC millis.
        starts_at -> BigInt,
        /// End, UTC millis.
        ends_at -> BigInt,
        /// Status code.
        status -> Text,
        /// `admin` or `app`.
        source -> Text,
        /// Comment.
        comment -> Nullable<Text>,
        /// Price when booked, minor units.
        price -> BigInt,
        /// Who booked it (actor code).
        created_by -> Text,
        /// Created.
        created_at -> BigInt,
        /// Last changed.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// Append-only status history of the appointments.
    appointment_status_changes (id) {
        /// Row id.
        id -> BigInt,
        /// Appointment.
        appointment_id -> BigInt,
        /// Status before (none for the creation).
        from_status -> Nullable<Text>,
        /// Status after.
        to_status -> Text,
        /// Who (actor code).
        actor -> Text,
        /// Why.
        reason -> Nullable<Text>,
        /// When.
        at -> BigInt,
    }
}

diesel::table! {
    /// Clients (the columns booking reads).
    clients (id) {
        /// Row id.
        id -> BigInt,
        /// Full name.
        full_name -> Text,
    }
}

diesel::table! {
    /// Products and services (the columns booking reads).
    products (id) {
        /// Row id.
        id -> BigInt,
        /// `product` or `service`.
        kind -> Text,
        /// Name.
        name -> Text,
        /// Price, minor units.
        price -> BigInt,
        /// Duration of a service, minutes.
        duration_minutes -> Nullable<BigInt>,
        /// When archived.
        archived_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Employees (the columns booking reads).
    employees (id) {
        /// Row id.
        id -> BigInt,
        /// Full name.
        full_name -> Text,
        /// When archived.
        archived_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Locations (the columns booking reads).
    locations (id) {
        /// Row id.
        id -> BigInt,
    }
}

diesel::table! {
    /// Planned shifts (the columns booking reads).
    shifts (id) {
        /// Row id.
        id -> BigInt,
        /// Employee.
        employee_id -> BigInt,
        /// Start, UTC millis.
        starts_at -> BigInt,
        /// End, UTC millis.
        ends_at -> BigInt,
    }
}

diesel::table! {
    /// The system settings row (the columns booking reads).
    system_settings (id) {
        /// Always 1.
        id -> BigInt,
        /// IANA timezone.
        timezone -> Text,
        /// Least notice before a booked start, minutes.
        booking_min_notice_minutes -> BigInt,
        /// How many days ahead a client may book.
        booking_horizon_days -> BigInt,
        /// Step between offered free starts, minutes.
        booking_slot_step_minutes -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    appointments,
    appointment_status_changes,
    clients,
    products,
    employees,
    locations,
    shifts,
);
