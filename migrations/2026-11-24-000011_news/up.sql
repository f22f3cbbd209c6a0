-- News: the company's feed of posts and what clients and anonymous visitors do with them.

-- One post. `title_lower` is the title lower-cased by the application (Unicode, Cyrillic too)
-- for case-insensitive search; `buttons` a JSON array of {text, url}. A published post has a
-- publish time: it is in the feed from then on (a future time = scheduled).
CREATE TABLE news_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    title_lower TEXT NOT NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4096),
    image_url TEXT,
    buttons TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    pinned BOOLEAN NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    publish_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (status <> 'published' OR publish_at IS NOT NULL)
);
-- The feed: status = 'published', pinned first, newest publish time, in index order.
CREATE INDEX news_posts_feed ON news_posts (status, pinned DESC, publish_at DESC, id DESC);
-- The admin list, newest first, alone or by status, pin or creation period.
CREATE INDEX news_posts_by_created ON news_posts (created_at, id);
CREATE INDEX news_posts_by_status ON news_posts (status, created_at, id);
CREATE INDEX news_posts_by_pinned ON news_posts (pinned, created_at, id);

-- Append-only: views, transitions, clicks, add-to-cart, bookings and purchases of a post, by a
-- client or an anonymous visitor; a purchase event may name the purchase operation.
CREATE TABLE news_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    news_post_id BIGINT NOT NULL REFERENCES news_posts (id),
    event TEXT NOT NULL
        CHECK (event IN ('view', 'transition', 'click', 'add_to_cart', 'booking', 'purchase')),
    client_id BIGINT REFERENCES clients (id),
    visitor_id TEXT CHECK (visitor_id IS NULL OR length(visitor_id) BETWEEN 1 AND 64),
    operation_id BIGINT REFERENCES operations (id),
    at BIGINT NOT NULL,
    CHECK (client_id IS NOT NULL OR visitor_id IS NOT NULL),
    CHECK (operation_id IS NULL OR (event = 'purchase' AND client_id IS NOT NULL))
);
-- Counts and distinct actors per event of a post.
CREATE INDEX news_events_by_post ON news_events (news_post_id, event, client_id, visitor_id);
-- A client's first touch of a post (attribution).
CREATE INDEX news_events_by_post_client ON news_events (news_post_id, client_id, at)
    WHERE client_id IS NOT NULL;
