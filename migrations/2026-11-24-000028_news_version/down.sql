ALTER TABLE news_posts DROP COLUMN version;
