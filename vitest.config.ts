// Tests run inside workerd with the real bindings of wrangler.toml (local D1, R2, Durable
// Objects). D1 migrations are read here and applied by test/setup.ts.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { mkdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// wrangler.toml serves web/dist as assets; a clone that has not built the app yet still runs the
// API tests (GET / then answers 404 from an empty directory; `npm test` builds the app first).
mkdirSync("web/dist", { recursive: true });

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  const bindings = {
    TEST_MIGRATIONS: migrations,
    JWT_SECRET: "test-secret-not-for-production",
    // Room tests send 100+ messages per sender in bursts; the rate-limit test exceeds this.
    RATE_LIMIT_PER_SECOND: "100",
    RATE_LIMIT_BURST: "150",
    // Only the 100 000-message history test reaches it.
    HISTORY_RETENTION_MESSAGES: "100000",
    // A century: the time-based retention test back-dates messages past it.
    HISTORY_RETENTION_DAYS: "36500",
    // Broadcast tests cross several delivery pages with a handful of rooms.
    BROADCAST_PAGE_ROOMS: "2",
    // A list, so tests see allowed and refused origins (test/cors.test.ts covers "*" too).
    ALLOWED_ORIGINS: "https://app.example.com, http://localhost:5173/",
  };
  // One project per set of bindings: the giant-room tests run where a room relays past 3 sockets
  // and users' own sockets share 2 gateways.
  const project = (name: string, include: string[], exclude: string[], extra: Record<string, string> = {}) => ({
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { ...bindings, ...extra } } })],
    test: {
      name,
      include,
      exclude,
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  });
  const giant = ["test/relays.test.ts", "test/gateways.test.ts"];
  return {
    test: {
      projects: [project("workers", ["test/**/*.test.ts"], giant), project("relays", giant, [], { RELAY_SOCKETS: "3", USER_GATEWAYS: "2" })],
      // The per-request JSON log lines (src/ops/request.ts) would drown the output.
      onConsoleLog: (line: string) => !line.startsWith('{"level":"info","msg":"request"'),
    },
  };
});
