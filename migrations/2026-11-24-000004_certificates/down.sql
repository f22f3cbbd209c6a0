DROP TABLE certificate_redemptions;
DROP TABLE certificates;
DROP TABLE certificate_types;
