DROP TRIGGER clients_search_name_to_counts;
DROP INDEX dialogues_unanswered_by_time;
DROP TRIGGER messages_tally_delete;
DROP TRIGGER messages_tally_update;
DROP TRIGGER messages_tally_insert;
DROP TABLE client_message_counts;
DROP TABLE message_tallies;
