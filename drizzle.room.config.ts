// The room Durable Object's own SQLite schema -> src/room/migrations/ (bundled, applied in the
// object's constructor).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/room/schema.ts",
  out: "./src/room/migrations",
});
