CREATE TABLE `r2_cleanup` (
	`key` text PRIMARY KEY NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_created_idx` ON `events` (`created_at`);--> statement-breakpoint
CREATE INDEX `files_unattached_idx` ON `files` (`created_at`) WHERE room_id IS NULL AND purpose = 'media';--> statement-breakpoint
-- Every deleted file row (a direct delete, or a cascade from its room) leaves its R2 key to clean
-- up, in the same transaction as the delete: the key can no longer be forgotten.
CREATE TRIGGER `files_r2_cleanup` AFTER DELETE ON `files` BEGIN
	INSERT OR IGNORE INTO `r2_cleanup` (`key`) VALUES (OLD.`key`);
END;
