-- News posts carry a version: 1 when created, one more on every change. An edit that names the
-- version it was made from is written only while the post is still at that version
-- (`UPDATE ... WHERE id = ? AND version = ?`), so two editors never overwrite each other
-- unnoticed.
ALTER TABLE news_posts ADD COLUMN version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1);
