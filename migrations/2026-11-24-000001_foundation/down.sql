DROP TABLE employees;
DROP TABLE client_consent_events;
DROP TABLE client_tags;
DROP TABLE clients;
DROP TABLE traffic_channels;
DROP TABLE loyalty_levels;
