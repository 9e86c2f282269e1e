DROP INDEX `users_last_seen_idx`;--> statement-breakpoint
ALTER TABLE `users` ADD `heartbeat_at` text;--> statement-breakpoint
CREATE INDEX `users_heartbeat_idx` ON `users` (`heartbeat_at`);--> statement-breakpoint
ALTER TABLE `files` ADD `purpose` text DEFAULT 'media' NOT NULL;