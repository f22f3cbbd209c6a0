//! Diesel table definitions of goods, services and stock (see
//! `migrations/2026-11-24-000007_inventory`), written by hand to match column for column.

diesel::table! {
    /// Product and service cards.
    products (id) {
        /// Row id.
        id -> BigInt,
        /// `product` or `service`.
        kind -> Text,
        /// Name shown to people.
        name -> Text,
        /// The name lower-cased, for search.
        name_lower -> Text,
        /// Category.
        category -> Nullable<Text>,
        /// Description.
        description -> Nullable<Text>,
        /// Sale price, kopecks.
        price -> BigInt,
        /// Cost price, kopecks.
        cost_price -> Nullable<BigInt>,
        /// Unit of measure.
        unit -> Text,
        /// Unique SKU.
        sku -> Nullable<Text>,
        /// Unique barcode.
        barcode -> Nullable<Text>,
        /// Duration of a service, minutes.
        duration_minutes -> Nullable<BigInt>,
        /// Photo link.
        photo_url -> Nullable<Text>,
        /// Low-stock threshold, thousandths.
        low_stock_threshold -> Nullable<BigInt>,
        /// When archived.
        archived_at -> Nullable<BigInt>,
        /// Created, UTC millis.
        created_at -> BigInt,
        /// Last changed, UTC millis.
        updated_at -> BigInt,
    }
}

diesel::table! {
    /// Warehouses and points of sale.
    locations (id) {
        /// Row id.
        id -> BigInt,
        /// `warehouse` or `point_of_sale`.
        kind -> Text,
        /// Name.
        name -> Text,
        /// Address.
        address -> Nullable<Text>,
        /// Whether stock may move there.
        active -> Bool,
        /// Created, UTC millis.
        created_at -> BigInt,
    }
}

diesel::table! {
    /// The maintained stock level per product and location.
    stock_balances (product_id, location_id) {
        /// The product.
        product_id -> BigInt,
        /// The location.
        location_id -> BigInt,
        /// On hand, thousandths.
        quantity -> BigInt,
        /// When it last moved, UTC millis.
        last_movement_at -> BigInt,
    }
}

diesel::table! {
    /// The append-only stock ledger.
    stock_movements (id) {
        /// Row id.
        id -> BigInt,
        /// The product.
        product_id -> BigInt,
        /// The location.
        location_id -> BigInt,
        /// Movement kind.
        kind -> Text,
        /// Signed change, thousandths.
        quantity -> BigInt,
        /// The level after it, thousandths.
        balance_after -> BigInt,
        /// Unit cost (receipts), kopecks.
        unit_cost -> Nullable<BigInt>,
        /// Reason (write-offs).
        reason -> Nullable<Text>,
        /// The other side of a transfer.
        counterpart_location_id -> Nullable<BigInt>,
        /// The purchase of a sale.
        operation_id -> Nullable<BigInt>,
        /// The employee responsible.
        employee_id -> Nullable<BigInt>,
        /// Who recorded it (`employee:3`, `system`).
        actor -> Text,
        /// Comment.
        comment -> Nullable<Text>,
        /// When, UTC millis.
        created_at -> BigInt,
    }
}

diesel::table! {
    /// The stock column of the one-row system settings.
    #[sql_name = "system_settings"]
    stock_settings (id) {
        /// Always 1.
        id -> BigInt,
        /// Whether stock may go below zero.
        allow_negative_stock -> Bool,
        /// Last changed, UTC millis.
        updated_at -> Nullable<BigInt>,
        /// Who changed it last.
        updated_by -> Nullable<Text>,
    }
}

diesel::joinable!(stock_balances -> locations (location_id));
diesel::joinable!(stock_balances -> products (product_id));
diesel::allow_tables_to_appear_in_same_query!(products, locations, stock_balances);
