//! Diesel table definition of feedback (see `migrations/2026-11-24-000015_feedback`), written
//! by hand to match column for column. Reads that join clients and products are raw SQL.

diesel::table! {
    /// Ratings, complaints, suggestions and questions, with the latest answer.
    feedback (id) {
        /// Row id.
        id -> BigInt,
        /// The client.
        client_id -> BigInt,
        /// `rating`, `complaint`, `suggestion` or `question`.
        kind -> Text,
        /// The product or service.
        product_id -> Nullable<BigInt>,
        /// The appointment.
        appointment_id -> Nullable<BigInt>,
        /// The operation.
        operation_id -> Nullable<BigInt>,
        /// The score 1–5 (ratings only).
        rating -> Nullable<BigInt>,
        /// The comment or text.
        text -> Nullable<Text>,
        /// `app` or `admin`.
        source -> Text,
        /// The recording actor.
        created_by -> Text,
        /// The latest answer's text.
        answer_text -> Nullable<Text>,
        /// When it was answered.
        answered_at -> Nullable<BigInt>,
        /// Who answered (an employee).
        answered_by -> Nullable<BigInt>,
        /// The dialogue message that carried the answer.
        answer_message_id -> Nullable<BigInt>,
        /// Recorded.
        created_at -> BigInt,
        /// Last changed.
        updated_at -> BigInt,
    }
}
