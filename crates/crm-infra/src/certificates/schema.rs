//! Diesel table definitions of the certificates (see
//! `migrations/2026-11-24-000004_certificates`), written by hand to match column for column.

diesel::table! {
    /// Kinds of certificate the business sells.
    certificate_types (id) {
        /// Row id.
        id -> BigInt,
        /// Name shown to people.
        name -> Text,
        /// Worth of a certificate of this type, kopecks.
        nominal -> BigInt,
        /// What the buyer pays, kopecks.
        price -> BigInt,
        /// Days a certificate stays valid after issue.
        validity_days -> BigInt,
        /// When archived (no longer on sale); `NULL` while on sale.
        archived_at -> Nullable<BigInt>,
        /// Created, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// Issued certificates.
    certificates (id) {
        /// Row id.
        id -> BigInt,
        /// Unique code, normalised: upper case, no dashes.
        code -> Text,
        /// The type it was sold as.
        type_id -> BigInt,
        /// The client it belongs to; `NULL` for a bearer certificate.
        owner_client_id -> Nullable<BigInt>,
        /// Worth when issued, kopecks.
        nominal -> BigInt,
        /// Left to spend, kopecks (`0 ..= nominal`).
        balance -> BigInt,
        /// Paid by the buyer, kopecks.
        price -> BigInt,
        /// Issued, UTC millis.
        issued_at -> BigInt,
        /// Expires (exclusive), UTC millis.
        expires_at -> BigInt,
        /// The employee who sold it.
        sold_by -> Nullable<BigInt>,
        /// Note from the sale.
        comment -> Nullable<Text>,
        /// Row created, UTC millis.
        created_at -> BigInt,
    }
}

diesel::table! {
    /// Every spending of a certificate's balance (by a purchase operation, when known).
    certificate_redemptions (id) {
        /// Row id (insertion order).
        id -> BigInt,
        /// The certificate spent.
        certificate_id -> BigInt,
        /// The purchase that spent it.
        operation_id -> Nullable<BigInt>,
        /// Kopecks.
        amount -> BigInt,
        /// When, UTC millis.
        created_at -> BigInt,
    }
}

diesel::joinable!(certificates -> certificate_types (type_id));
diesel::joinable!(certificate_redemptions -> certificates (certificate_id));
diesel::allow_tables_to_appear_in_same_query!(
    certificate_types,
    certificates,
    certificate_redemptions
);
