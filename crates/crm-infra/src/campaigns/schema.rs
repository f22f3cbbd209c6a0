//! Diesel table definitions of the campaigns (see `migrations/2026-11-24-000010_campaigns`),
//! written by hand to match column for column.

diesel::table! {
    /// One campaign; its parts are JSON documents.
    campaigns (id) {
        /// Row id.
        id -> BigInt,
        /// Name.
        name -> Text,
        /// Status code.
        status -> Text,
        /// `advertising` or `transactional`.
        purpose -> Text,
        /// JSON array of channel codes.
        channels -> Text,
        /// JSON audience filters.
        audience -> Text,
        /// JSON content.
        content -> Text,
        /// JSON schedule.
        schedule -> Text,
        /// Wizard steps completed.
        wizard_step -> BigInt,
        /// When launched.
        launched_at -> Nullable<BigInt>,
        /// Creator.
        created_by -> Text,
        /// Created.
        created_at -> BigInt,
        /// Last changed.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// Opens, clicks and conversions.
    campaign_events (id) {
        /// Row id.
        id -> BigInt,
        /// Campaign.
        campaign_id -> BigInt,
        /// Delivery, when known.
        delivery_id -> Nullable<BigInt>,
        /// Client.
        client_id -> BigInt,
        /// `open`, `click` or `conversion`.
        kind -> Text,
        /// Followed link.
        url -> Nullable<Text>,
        /// Who reported it.
        source -> Text,
        /// When.
        at -> BigInt,
    }
}
