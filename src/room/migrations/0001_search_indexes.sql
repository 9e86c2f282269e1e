CREATE INDEX `messages_sender_idx` ON `messages` (`sender_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_sent_at_idx` ON `messages` (`sent_at`);