CREATE TABLE `relay_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`frame` text NOT NULL,
	`except_user` integer
);
