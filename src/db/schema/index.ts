// D1 schema: users and the social graph, rooms and everything the worker authorizes from
// (members, roles, join requests). Messages live in each room's Durable Object, not here; the
// room summary columns (rooms.ts) are written behind by the room object.
// One file per concern; this index re-exports them all, so `db/schema` imports stay one path and
// drizzle-kit (drizzle.config.ts) reads every table from here.
export * from "./users";
export * from "./rooms";
export * from "./members";
export * from "./social";
export * from "./media";
export * from "./notifications";
export * from "./mentions";
export * from "./activity";
export * from "./sessions";
