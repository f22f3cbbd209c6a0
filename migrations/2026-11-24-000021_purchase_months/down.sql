DROP INDEX clients_activity;
DROP TABLE analytics_rollups;
DROP INDEX deliveries_client_sent;
DROP TABLE campaign_attributions;
DROP TABLE cohort_month_clients;
DROP INDEX client_purchase_months_by_cohort;
DROP TABLE client_purchase_months;
