ALTER TABLE `users` ADD `last_login_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD `last_ip` text;--> statement-breakpoint
ALTER TABLE `users` ADD `last_user_agent` text;