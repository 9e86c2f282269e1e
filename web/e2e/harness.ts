// Browser-test harness: a `wrangler dev` of this repository on a free port with its own persisted
// state (a fresh temp dir, migrated first), and a Chromium driven headless by playwright-core: the
// one named by CHROMIUM_PATH, else a system chromium, else the one `npm install` brings
// (@sparticuz/chromium), so `npm test` needs nothing installed by hand.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import sparticuz from "@sparticuz/chromium";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules/.bin");

// @sparticuz/chromium is a Linux x64 build: on macOS and Windows the installed Chrome is found in
// its usual place (or named by CHROMIUM_PATH).
const KNOWN_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
  "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
];
const SYSTEM_CHROMIUM = process.env.CHROMIUM_PATH ?? KNOWN_BROWSERS.find(existsSync);

/** The browser binary: a configured or system one first (faster to start), else the packaged one. */
async function chromiumPath(): Promise<string> {
  if (SYSTEM_CHROMIUM) return SYSTEM_CHROMIUM;
  // Unpacked once into the temp dir by the package, then reused.
  return sparticuz.executablePath();
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export type Server = { base: string; stop: () => Promise<void> };

/** Starts the worker (API + the built app in web/dist) and resolves once /api/v1/health answers. */
export async function startServer(): Promise<Server> {
  if (!existsSync(join(ROOT, "web/dist/index.html"))) throw new Error("web/dist is missing: run `npm run build:web` first (npm test does)");
  const persist = mkdtempSync(join(tmpdir(), "edge-chat-e2e-"));
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, CI: "1", WRANGLER_SEND_METRICS: "false" };
  execFileSync(join(BIN, "wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: ROOT, env, stdio: "ignore" });
  const [port, inspector] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    join(BIN, "wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", persist, "--var", "JWT_SECRET:e2e-secret-not-for-production", "--show-interactive-dev-session=false"],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {}
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) return { base, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not come up on ${base}:\n${log}`);
}

export async function launchBrowser(): Promise<Browser> {
  // Our own flags, not the package's serverless set: that one turns off web security and runs
  // single-process, and the tests must see what a user's browser enforces (CORS, origins).
  return chromium.launch({ executablePath: await chromiumPath(), headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

export type Person = { name: string; context: BrowserContext; page: Page; errors: string[] };

/** A person in their own browser context, on the app, with uncaught page errors collected. */
export async function person(browser: Browser, base: string, name: string): Promise<Person> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1100, height: 760 }, locale: "en-GB" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("/");
  return { name, context, page, errors };
}

export async function register(p: Person, username: string, password = "correct horse battery") {
  await p.page.getByRole("button", { name: "New here? Create an account" }).click();
  await p.page.getByLabel("Username").fill(username);
  await p.page.getByLabel("Password").fill(password);
  await p.page.getByRole("button", { name: "Create account" }).click();
  await p.page.getByRole("button", { name: "Log out" }).waitFor();
}

/** Polls until fn returns true (what the person sees settles), or fails with the message. */
/** Creates a group room from the sidebar and waits until it is open. */
export async function createRoom(p: Person, name: string) {
  await p.page.getByRole("button", { name: "New room" }).click();
  await p.page.getByLabel("Room name").fill(name);
  await p.page.getByRole("button", { name: "Create room" }).click();
  await p.page.getByRole("heading", { name }).waitFor();
}

/** Finds a room under Browse, joins it and waits until it is open. */
export async function joinRoom(p: Person, name: string) {
  await p.page.getByRole("button", { name: "Browse" }).click();
  await p.page.getByLabel("Search rooms").fill(name);
  await p.page.getByRole("button", { name: `Join ${name}` }).click();
  await p.page.getByRole("heading", { name }).waitFor();
}

export async function eventually(fn: () => Promise<boolean>, message: string, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${message}`);
}
