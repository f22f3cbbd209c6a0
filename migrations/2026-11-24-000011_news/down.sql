DROP TABLE news_events;
DROP TABLE news_posts;
