DROP TRIGGER IF EXISTS messages_follow_delivery;
DROP TABLE IF EXISTS dialogues;
DROP TABLE IF EXISTS messages;
DROP TABLE IF EXISTS group_sends;
