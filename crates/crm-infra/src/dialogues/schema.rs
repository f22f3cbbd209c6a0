//! Diesel table definitions of the dialogues (see `migrations/2026-11-24-000012_dialogues`),
//! written by hand to match column for column, and the client columns the registry reads.

diesel::table! {
    /// Every message with every client, both directions.
    messages (id) {
        /// Row id.
        id -> BigInt,
        /// The client of the conversation.
        client_id -> BigInt,
        /// `inbound` or `outbound`.
        direction -> Text,
        /// Channel code.
        channel -> Text,
        /// Text.
        text -> Text,
        /// The employee who wrote it.
        author_employee_id -> Nullable<BigInt>,
        /// `app`, `admin_reply`, `group_send` or `feedback_answer`.
        source -> Text,
        /// `received`, or the delivery's status.
        status -> Text,
        /// Why it failed.
        reason -> Nullable<Text>,
        /// The delivery sending it.
        delivery_id -> Nullable<BigInt>,
        /// The group send it belongs to.
        group_send_id -> Nullable<BigInt>,
        /// Written, UTC millis.
        created_at -> BigInt,
        /// Last status change, UTC millis.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// One summary row per conversation.
    dialogues (client_id) {
        /// The client.
        client_id -> BigInt,
        /// The latest message.
        last_message_id -> BigInt,
        /// Its direction.
        last_direction -> Text,
        /// Its time, UTC millis.
        last_message_at -> BigInt,
        /// The client's latest message.
        last_inbound_message_id -> Nullable<BigInt>,
        /// Its time, UTC millis.
        last_inbound_at -> Nullable<BigInt>,
        /// The client's last message has no reply after it.
        unanswered -> Bool,
    }
}

diesel::table! {
    /// Group sends and their outcome.
    group_sends (id) {
        /// Row id.
        id -> BigInt,
        /// Channel code.
        channel -> Text,
        /// `advertising` or `transactional`.
        purpose -> Text,
        /// Text.
        text -> Text,
        /// Clients addressed.
        requested -> BigInt,
        /// Messages queued.
        queued -> BigInt,
        /// Skipped without consent.
        skipped_no_consent -> BigInt,
        /// Skipped without contact.
        skipped_no_contact -> BigInt,
        /// Skipped over the touch cap.
        skipped_capped -> BigInt,
        /// Skipped: the personalised text was over the channel's limit.
        skipped_too_long -> BigInt,
        /// The request's `Idempotency-Key`.
        idempotency_key -> Nullable<Text>,
        /// The request's fingerprint.
        fingerprint -> Nullable<Text>,
        /// Finished queueing, UTC millis (NULL while under way).
        finished_at -> Nullable<BigInt>,
        /// `staff:<id>`.
        created_by -> Text,
        /// Created, UTC millis.
        created_at -> BigInt,
    }
}

diesel::table! {
    /// The client columns the dialogues read.
    clients (id) {
        /// Row id.
        id -> BigInt,
        /// Full name.
        full_name -> Text,
        /// `full_name` lower-cased.
        search_name -> Text,
    }
}

diesel::joinable!(messages -> clients (client_id));
diesel::allow_tables_to_appear_in_same_query!(messages, clients, dialogues);
