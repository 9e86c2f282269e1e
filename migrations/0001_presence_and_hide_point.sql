ALTER TABLE `room_members` ADD `hidden_at_message_id` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `rooms` ADD `online_user_ids` text;