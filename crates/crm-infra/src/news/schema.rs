//! Diesel table definitions of the news (see `migrations/2026-11-24-000011_news`), written by
//! hand to match column for column.

diesel::table! {
    /// One post of the feed.
    news_posts (id) {
        /// Row id.
        id -> BigInt,
        /// Title.
        title -> Text,
        /// The title lower-cased for search.
        title_lower -> Text,
        /// Text.
        body -> Text,
        /// Image link.
        image_url -> Nullable<Text>,
        /// JSON array of {text, url}.
        buttons -> Text,
        /// `draft`, `published` or `archived`.
        status -> Text,
        /// Shown first.
        pinned -> Bool,
        /// In the feed from then on (published).
        publish_at -> Nullable<BigInt>,
        /// Creator.
        created_by -> Text,
        /// Created.
        created_at -> BigInt,
        /// Last changed.
        updated_at -> BigInt,
        /// 1 when created, one more on every change (`000028_news_version`).
        version -> BigInt,
    }
}

diesel::table! {
    /// What clients and visitors did with a post.
    news_events (id) {
        /// Row id.
        id -> BigInt,
        /// Post.
        news_post_id -> BigInt,
        /// Event code.
        event -> Text,
        /// Client, when known.
        client_id -> Nullable<BigInt>,
        /// Anonymous visitor.
        visitor_id -> Nullable<Text>,
        /// The purchase a purchase event names.
        operation_id -> Nullable<BigInt>,
        /// When.
        at -> BigInt,
    }
}
