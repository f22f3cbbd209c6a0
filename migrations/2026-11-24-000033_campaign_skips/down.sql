DROP TABLE campaign_skips;
