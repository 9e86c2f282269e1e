// The one node:fs function vitest.config.ts uses (it runs in Node, not in workerd): creating the
// assets directory wrangler.jsonc names, so a clone that has not built the web app can run tests.
declare module "node:fs" {
  export function mkdirSync(path: string, options: { recursive: true }): string | undefined;
}
