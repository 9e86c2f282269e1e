ALTER TABLE `rooms` ADD `archived_at` text;--> statement-breakpoint
ALTER TABLE `rooms` ADD `archive_version` integer DEFAULT 0 NOT NULL;