//! Diesel table definitions of the loyalty engine's movements (see
//! `migrations/2026-11-24-000003_operations`).

diesel::table! {
    operations (id) {
        id -> BigInt,
        kind -> Text,
        client_id -> BigInt,
        employee_id -> Nullable<BigInt>,
        location_id -> Nullable<BigInt>,
        purchase_id -> Nullable<BigInt>,
        certificate_id -> Nullable<BigInt>,
        total -> BigInt,
        certificate_amount -> BigInt,
        points -> BigInt,
        cash -> BigInt,
        cashback -> BigInt,
        cashback_rate_bp -> BigInt,
        clawback_shortfall -> BigInt,
        refunded_total -> BigInt,
        refunded_points -> BigInt,
        refunded_cash -> BigInt,
        refunded_certificate -> BigInt,
        reversed_cashback -> BigInt,
        reward_type -> Text,
        receipt_number -> Nullable<Text>,
        comment -> Nullable<Text>,
        actor -> Text,
        idempotency_key -> Nullable<Text>,
        request_fingerprint -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    referral_rewards (id) {
        id -> BigInt,
        operation_id -> BigInt,
        beneficiary_id -> BigInt,
        source_client_id -> BigInt,
        generation -> Integer,
        reward_type -> Text,
        amount -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> BigInt,
        client_id -> BigInt,
        operation_id -> Nullable<BigInt>,
        kind -> Text,
        amount -> BigInt,
        remaining -> BigInt,
        available_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        generation -> Nullable<Integer>,
        source_client_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        actor -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    referral_config (id) {
        id -> BigInt,
        enabled -> Bool,
        generations_bp -> Text,
        reward_type -> Text,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    payment_codes (client_id) {
        client_id -> BigInt,
        code -> Text,
        expires_at -> BigInt,
        created_at -> BigInt,
    }
}
