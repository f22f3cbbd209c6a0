DROP INDEX IF EXISTS certificates_totals;
DROP INDEX IF EXISTS clients_consent_email;
DROP INDEX IF EXISTS clients_consent_app_push;
DROP INDEX IF EXISTS clients_consent_sms;
DROP INDEX IF EXISTS clients_consent_marketing;
DROP INDEX IF EXISTS clients_purchase_count;
DROP INDEX IF EXISTS clients_points_balance;
