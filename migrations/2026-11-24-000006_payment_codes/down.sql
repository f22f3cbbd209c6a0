DROP TABLE payment_codes;
