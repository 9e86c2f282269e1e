// Builds the web app (web/) into web/dist, which the worker serves as static assets
// (wrangler.toml `assets`). `npm run dev:web` serves it with hot reload and proxies the API to a
// running `npm run dev` (port 8787).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  resolve: {
    alias: { react: "preact/compat", "react-dom": "preact/compat" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
  },
  server: {
    port: 5173,
    proxy: { "/api": { target: "http://localhost:8787", ws: true } },
  },
});
