CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sender_id` integer NOT NULL,
	`sender_name` text NOT NULL,
	`content_text` text,
	`message_type` text NOT NULL,
	`media_url` text,
	`file_id` integer,
	`file_name` text,
	`file_size` integer,
	`content_type` text,
	`width` integer,
	`height` integer,
	`media_removed` integer DEFAULT false NOT NULL,
	`reply_to_id` integer,
	`client_id` text,
	`sent_at` text NOT NULL,
	`edited_at` text,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_sender_client_unique` ON `messages` (`sender_id`,`client_id`) WHERE client_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_file_idx` ON `messages` (`file_id`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `typing` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`expires_at` integer NOT NULL
);
