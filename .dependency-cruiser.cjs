// The layer rules of docs/architecture.md ("Layers and dependency rules"), checked by
// `npm run lint:deps`. Every rule is an error: an import that breaks one is a design change, to be
// argued in the docs first, not silenced here.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles: a cycle means two modules are one, or one of them reaches up a layer.",
      from: {},
      to: { circular: true },
    },
    {
      name: "room-imports-no-door",
      severity: "error",
      comment:
        "The room Durable Object (src/room/) is below the services: it imports no route, no service and no dialect. " +
        "Wire shapes of the reference documents reach it through a registry, not an import.",
      from: { path: "^src/room/" },
      to: { path: ["(^|/)(routes|service)\\.ts$", "^src/dialects/"] },
    },
    {
      name: "dialect-imports-no-other-dialect",
      severity: "error",
      comment:
        "A dialect (src/dialects/<doc>/) translates one document onto the services; it never imports another " +
        "dialect's folder. Helpers shared by dialects live at the top of src/dialects/.",
      from: { path: "^src/dialects/([^/]+)/" },
      to: { path: "^src/dialects/[^/]+/", pathNot: "^src/dialects/$1/" },
    },
    {
      name: "dialect-imports-no-database",
      severity: "error",
      comment:
        "A dialect reaches D1 only through a feature's service: it imports neither the D1 client (src/db/client.ts), " +
        "nor the table definitions (src/db/schema), nor drizzle-orm, so every query has one home and one rule.",
      from: { path: "^src/dialects/" },
      to: { path: ["^src/db/client\\.ts$", "^src/db/schema", "(^|/)node_modules/drizzle-orm/"] },
    },
    {
      name: "room-object-only-from-services",
      severity: "error",
      comment:
        "Only a feature's service.ts calls the room Durable Object (src/room/client.ts): routes, dialects and " +
        "helpers go through a service, so every door meets the same rule. The room's own modules and the " +
        "worker entry (which exports the class) are the exceptions.",
      from: { pathNot: ["(^|/)service\\.ts$", "^src/room/", "^src/index\\.ts$"] },
      to: { path: "^src/room/client\\.ts$" },
    },
    {
      name: "http-imports-no-feature",
      severity: "error",
      comment:
        "src/http/ is the shared plumbing every door uses (Hono env, the error type and renderer, shared schemas, " +
        "CORS, headers, throttles): it imports only itself, the log (src/ops/log.ts) and the D1 client (src/db/), " +
        "never a feature folder.",
      from: { path: "^src/http/" },
      to: { path: "^src/", pathNot: ["^src/http/", "^src/ops/log\\.ts$", "^src/db/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a cycle through types is still a cycle in the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".d.ts", ".js", ".json"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
