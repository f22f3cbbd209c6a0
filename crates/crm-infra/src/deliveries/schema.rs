//! Diesel table definition of the delivery queue (see `migrations/2026-11-24-000009_deliveries`),
//! written by hand to match column for column.

diesel::table! {
    /// One outbound message per recipient per channel per step.
    deliveries (id) {
        /// Row id.
        id -> BigInt,
        /// `campaign`, `dialogue` or `reminder`.
        source -> Text,
        /// The campaign of campaign deliveries.
        campaign_id -> Nullable<BigInt>,
        /// The recipient client.
        client_id -> BigInt,
        /// Channel code.
        channel -> Text,
        /// Address on the channel.
        recipient -> Text,
        /// Rendered text.
        text -> Text,
        /// Image link.
        image_url -> Nullable<Text>,
        /// JSON array of `{"text", "url"}`.
        buttons -> Text,
        /// Index in a chain of follow-ups.
        step -> BigInt,
        /// `queued`, `sending`, `sent`, `delivered` or `failed`.
        status -> Text,
        /// Send attempts made.
        attempts -> BigInt,
        /// Why it failed, or the last temporary error.
        reason -> Nullable<Text>,
        /// Not to be sent before, UTC millis (also the retry time).
        not_before -> BigInt,
        /// When the worker claimed it, UTC millis.
        claimed_at -> Nullable<BigInt>,
        /// When the provider accepted it, UTC millis.
        sent_at -> Nullable<BigInt>,
        /// The provider's message id.
        provider_message_id -> Nullable<Text>,
        /// Uniqueness key.
        dedupe_key -> Text,
        /// Enqueued, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
    }
}
