DROP TABLE points_ledger;
DROP TABLE referral_rewards;
DROP TABLE operations;
DROP TABLE referral_config;
