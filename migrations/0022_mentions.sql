CREATE TABLE `mentions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`user_id` integer,
	`kind` text NOT NULL,
	`here_ids` text,
	`sender_id` integer NOT NULL,
	`sender_name` text NOT NULL,
	`preview` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mentions_room_message_user_unique` ON `mentions` (`room_id`,`message_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `mentions_user_idx` ON `mentions` (`user_id`,`created_at`) WHERE user_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `mentions_everyone_idx` ON `mentions` (`room_id`,`created_at`) WHERE user_id IS NULL;--> statement-breakpoint
ALTER TABLE `rooms` ADD `allow_mass_mentions` integer;