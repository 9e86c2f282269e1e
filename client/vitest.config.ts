// The client's own tests, in Node (the runtime it ships to besides browsers): the documents it is
// generated from are validated here with tools that need Node, and its logic is unit-tested.
// Tests against the real worker live in ../test (workerd).
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
  },
});
