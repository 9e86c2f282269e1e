CREATE TABLE `thread_reads` (
	`root_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`read_id` integer DEFAULT 0 NOT NULL,
	`following` integer DEFAULT false NOT NULL,
	`notified` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `thread_reads_root_user_unique` ON `thread_reads` (`root_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `thread_reads_user_idx` ON `thread_reads` (`user_id`,`root_id`);--> statement-breakpoint
CREATE TABLE `threads` (
	`root_id` integer PRIMARY KEY NOT NULL,
	`reply_count` integer DEFAULT 0 NOT NULL,
	`last_reply_id` integer NOT NULL,
	`last_reply_at` text NOT NULL,
	`participant_ids` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `threads_activity_idx` ON `threads` (`last_reply_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_id` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `also_to_room` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_thread_idx` ON `messages` (`thread_id`,`id`) WHERE thread_id IS NOT NULL;