CREATE TABLE `broadcasts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sender_id` integer,
	`sender_name` text NOT NULL,
	`content` text NOT NULL,
	`room_ids` text,
	`up_to_room_id` integer DEFAULT 0 NOT NULL,
	`client_id` text,
	`status` text DEFAULT 'sending' NOT NULL,
	`rooms_total` integer NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`rooms_delivered` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`sender_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `broadcasts_client_unique` ON `broadcasts` (`sender_id`,`client_id`);