ALTER TABLE `rooms` ADD `thread_only_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `room_members` ADD `thread_only_read` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `room_members` ADD `thread_unread_count` integer DEFAULT 0 NOT NULL;