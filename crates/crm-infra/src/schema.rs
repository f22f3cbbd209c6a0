//! Diesel's view of the tables, written by hand to match `migrations/*/up.sql` column for column.
//!
//! SQLite integers are 64-bit, so `INTEGER PRIMARY KEY` ids are `BigInt` like every other
//! integer column; times are `BigInt` UTC milliseconds, money and points `BigInt` minor units.

diesel::table! {
    /// Loyalty levels clients climb by spending.
    loyalty_levels (id) {
        /// Row id.
        id -> BigInt,
        /// Name shown to people.
        name -> Text,
        /// Cashback in basis points.
        cashback_bp -> BigInt,
        /// When archived; `NULL` while in use.
        archived_at -> Nullable<BigInt>,
        /// Created, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
        /// `total_spent`, `purchase_count` or `referrals`.
        threshold_kind -> Text,
        /// Kopecks for `total_spent`, a count otherwise.
        threshold -> BigInt,
        /// Largest share of a check payable with points, basis points; `NULL` = the business rule.
        max_points_share_bp -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// The one system settings record (id 1): company profile and loyalty rules.
    system_settings (id) {
        /// Always 1.
        id -> BigInt,
        /// Company name.
        company_name -> Text,
        /// Legal name.
        legal_name -> Nullable<Text>,
        /// E.164 phone.
        phone -> Nullable<Text>,
        /// E-mail.
        email -> Nullable<Text>,
        /// Address.
        address -> Nullable<Text>,
        /// Website.
        website -> Nullable<Text>,
        /// IANA timezone name.
        timezone -> Text,
        /// ISO 4217 code.
        currency -> Text,
        /// Base cashback, basis points.
        base_cashback_bp -> BigInt,
        /// Largest share of a check payable with points, basis points.
        max_points_share_bp -> BigInt,
        /// Welcome bonus, hundredths of a point.
        welcome_bonus -> BigInt,
        /// Points lifetime in days; `NULL` = never expire.
        points_expiry_days -> Nullable<BigInt>,
        /// Days before earned points can be spent.
        points_deferral_days -> BigInt,
        /// Whether a refund takes referral rewards back.
        refund_claws_back_referrals -> Bool,
        /// Optimistic concurrency guard, bumped by every change.
        version -> BigInt,
        /// Last changed, UTC millis; `NULL` while never changed.
        updated_at -> Nullable<BigInt>,
        /// Who changed it last (`employee:3`).
        updated_by -> Nullable<Text>,
        /// Most advertising messages per client per period; 0 = no cap.
        marketing_touch_cap -> BigInt,
        /// The cap's period, days.
        marketing_touch_period_days -> BigInt,
        /// Purchase attribution window, hours.
        conversion_window_hours -> BigInt,
    }
}

diesel::table! {
    /// Append-only audit trail of settings changes: one row per changed field.
    system_settings_changes (id) {
        /// Row id (insertion order).
        id -> BigInt,
        /// Field path, e.g. `loyalty.base_cashback`.
        field -> Text,
        /// Value before, JSON text.
        old_value -> Text,
        /// Value after, JSON text.
        new_value -> Text,
        /// Who: `employee:3`, `system`.
        actor -> Text,
        /// When, UTC millis.
        at -> BigInt,
    }
}

diesel::table! {
    /// Where clients come from (links with UTM tags, Mini App start codes).
    traffic_channels (id) {
        /// Row id.
        id -> BigInt,
        /// Name shown to people.
        name -> Text,
        /// Unique code used as the Mini App `start_param`.
        code -> Text,
        /// Link handed out.
        link -> Nullable<Text>,
        /// UTM source.
        utm_source -> Nullable<Text>,
        /// UTM medium.
        utm_medium -> Nullable<Text>,
        /// UTM campaign.
        utm_campaign -> Nullable<Text>,
        /// When archived; `NULL` while in use.
        archived_at -> Nullable<BigInt>,
        /// Created, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// Client cards with their consents and loyalty figures.
    clients (id) {
        /// Row id.
        id -> BigInt,
        /// Full name as written.
        full_name -> Text,
        /// `full_name` lower-cased (Unicode) for case-insensitive search.
        search_name -> Text,
        /// E.164 phone, unique when present.
        phone -> Nullable<Text>,
        /// Telegram user id, unique when present.
        telegram_id -> Nullable<BigInt>,
        /// Telegram username without the @.
        telegram_username -> Nullable<Text>,
        /// E-mail address.
        email -> Nullable<Text>,
        /// `YYYY-MM-DD`.
        birthday -> Nullable<Text>,
        /// `male` or `female`.
        gender -> Nullable<Text>,
        /// VK handle.
        vk -> Nullable<Text>,
        /// Instagram handle.
        instagram -> Nullable<Text>,
        /// Facebook handle.
        facebook -> Nullable<Text>,
        /// MAX messenger handle.
        max_messenger -> Nullable<Text>,
        /// Current loyalty level.
        level_id -> Nullable<BigInt>,
        /// Points in hundredths of a point.
        points_balance -> BigInt,
        /// Total spent in kopecks.
        total_spent -> BigInt,
        /// Number of purchases.
        purchase_count -> BigInt,
        /// First purchase, UTC millis.
        first_purchase_at -> Nullable<BigInt>,
        /// Latest purchase, UTC millis.
        last_purchase_at -> Nullable<BigInt>,
        /// The client who recommended this one.
        referrer_id -> Nullable<BigInt>,
        /// The traffic channel that brought the client.
        traffic_channel_id -> Nullable<BigInt>,
        /// Staff notes.
        notes -> Nullable<Text>,
        /// Consent to personal data processing.
        consent_personal_data -> Bool,
        /// When that consent last changed.
        consent_personal_data_at -> Nullable<BigInt>,
        /// Consent to marketing.
        consent_marketing -> Bool,
        /// When that consent last changed.
        consent_marketing_at -> Nullable<BigInt>,
        /// Consent to SMS.
        consent_sms -> Bool,
        /// When that consent last changed.
        consent_sms_at -> Nullable<BigInt>,
        /// Consent to app push.
        consent_app_push -> Bool,
        /// When that consent last changed.
        consent_app_push_at -> Nullable<BigInt>,
        /// Consent to e-mail.
        consent_email -> Bool,
        /// When that consent last changed.
        consent_email_at -> Nullable<BigInt>,
        /// Optimistic concurrency guard, bumped by every change.
        version -> BigInt,
        /// Created, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// Segment tags of clients.
    client_tags (client_id, tag) {
        /// The client.
        client_id -> BigInt,
        /// Lower-cased tag.
        tag -> Text,
    }
}

diesel::table! {
    /// Append-only audit trail of consent changes.
    client_consent_events (id) {
        /// Row id (insertion order).
        id -> BigInt,
        /// The client.
        client_id -> BigInt,
        /// `personal_data`, `marketing`, `sms`, `app_push` or `email`.
        consent -> Text,
        /// Given or withdrawn.
        given -> Bool,
        /// Who: `employee:3`, `client:7`, `system`.
        actor -> Text,
        /// Through what: `admin`, `mini_app`, ...
        source -> Text,
        /// When, UTC millis.
        at -> BigInt,
    }
}

diesel::table! {
    /// Staff members.
    employees (id) {
        /// Row id.
        id -> BigInt,
        /// Full name.
        full_name -> Text,
        /// Phone.
        phone -> Nullable<Text>,
        /// Telegram user id, unique among active employees.
        telegram_id -> Nullable<BigInt>,
        /// `owner`, `admin`, `manager`, `cashier` or `master`.
        role -> Text,
        /// Job title.
        position -> Nullable<Text>,
        /// When archived; `NULL` while employed.
        archived_at -> Nullable<BigInt>,
        /// Created, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
        /// Category (`employee_categories.id`).
        category_id -> Nullable<BigInt>,
        /// `hourly`, `piecework` or `salary`.
        pay_system -> Text,
        /// Per hour, minor units.
        hourly_rate -> BigInt,
        /// Per piece, minor units.
        piece_rate -> BigInt,
        /// Share of attributed revenue, basis points.
        revenue_share_bp -> BigInt,
        /// Per month, minor units.
        monthly_salary -> BigInt,
        /// Hire date, `YYYY-MM-DD`.
        hire_date -> Nullable<Text>,
        /// Notes.
        notes -> Nullable<Text>,
        /// The full name lower-cased (Unicode) for searching.
        name_search -> Text,
        /// Optimistic-concurrency version.
        version -> BigInt,
    }
}

diesel::joinable!(clients -> loyalty_levels (level_id));
diesel::joinable!(clients -> traffic_channels (traffic_channel_id));
diesel::joinable!(client_tags -> clients (client_id));
diesel::joinable!(client_consent_events -> clients (client_id));

diesel::allow_tables_to_appear_in_same_query!(
    loyalty_levels,
    traffic_channels,
    clients,
    client_tags,
    client_consent_events,
    employees,
    system_settings,
    system_settings_changes,
);
