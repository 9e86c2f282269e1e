ALTER TABLE `users` ADD `last_seen_at` text;--> statement-breakpoint
CREATE INDEX `users_last_seen_idx` ON `users` (`last_seen_at`);