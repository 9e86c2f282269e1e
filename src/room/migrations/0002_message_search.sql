-- Message search: an FTS5 index over the log's text and file names, with the trigram tokenizer so
-- any substring of three or more characters matches in every script (CJK has no spaces to split
-- words on). External content: the text lives once, in messages.
-- Sends do not touch it: the room indexes new messages in batches (meta `search_indexed` = every
-- id up to it is indexed) from its summary alarm and before each search, so a send's transaction
-- stays as small as before. Edits, deletions (content nulled) and pruning of messages already
-- indexed are applied here; the others are read as they are when their batch is indexed.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(content_text, file_name, content='messages', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages`
WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search_indexed') BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content_text, file_name) VALUES ('delete', old.id, old.content_text, old.file_name);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF content_text, file_name ON `messages`
WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search_indexed') BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content_text, file_name) VALUES ('delete', old.id, old.content_text, old.file_name);
  INSERT INTO messages_fts(rowid, content_text, file_name) VALUES (new.id, new.content_text, new.file_name);
END;
