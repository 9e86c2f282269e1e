ALTER TABLE `rooms` ADD `avatar_url` text;--> statement-breakpoint
ALTER TABLE `rooms` ADD `avatar_file_id` integer;--> statement-breakpoint
CREATE INDEX `rooms_avatar_file_idx` ON `rooms` (`avatar_file_id`) WHERE avatar_file_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `avatar_file_id` integer;--> statement-breakpoint
CREATE INDEX `users_avatar_file_idx` ON `users` (`avatar_file_id`) WHERE avatar_file_id IS NOT NULL;