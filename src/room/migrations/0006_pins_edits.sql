CREATE TABLE `message_edits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer NOT NULL,
	`version` integer NOT NULL,
	`content_text` text,
	`written_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `message_edits_message_version_unique` ON `message_edits` (`message_id`,`version`);--> statement-breakpoint
CREATE TABLE `pins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer NOT NULL,
	`pinned_by_id` integer NOT NULL,
	`pinned_by_name` text NOT NULL,
	`pinned_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pins_message_id_unique` ON `pins` (`message_id`);--> statement-breakpoint
-- A deleted message's text must leave storage, not only the log: with secure-delete, FTS5 removes
-- it from the index pages at once instead of keeping it behind a delete marker until a merge.
INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
