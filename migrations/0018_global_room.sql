ALTER TABLE `rooms` ADD `is_global` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `rooms_global_unique` ON `rooms` (`is_global`) WHERE is_global = 1;