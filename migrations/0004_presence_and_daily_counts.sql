ALTER TABLE `room_members` ADD `online` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `room_members_online_idx` ON `room_members` (`user_id`) WHERE online = 1;--> statement-breakpoint
ALTER TABLE `rooms` ADD `messages_day` text;--> statement-breakpoint
ALTER TABLE `rooms` ADD `day_messages` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `rooms_messages_day_idx` ON `rooms` (`messages_day`);