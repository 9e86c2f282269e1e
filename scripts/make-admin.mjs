// Makes an existing user a system admin (users.is_admin = 1) in the local dev D1 database, or the
// deployed one with --remote. Usage: npm run make-admin -- <username> [--remote]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const usage = "usage: npm run make-admin -- <username> [--remote]";

const args = process.argv.slice(2);
const remote = args.includes("--remote");
const names = args.filter((a) => a !== "--remote" && a !== "--local");
const unknown = names.filter((a) => a.startsWith("-"));
if (unknown.length || names.length !== 1) fail(unknown.length ? `unknown option ${unknown[0]}\n${usage}` : usage);
const [username] = names;
// The name goes into SQL text (wrangler d1 execute takes no parameters), so only the registration
// alphabet is accepted: no quote, no space, nothing that could end the string literal.
if (!USERNAME.test(username)) fail(`not a valid username: ${JSON.stringify(username)} (3-32 of A-Z a-z 0-9 _ . -)`);

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = fileURLToPath(new URL(`../node_modules/.bin/wrangler${process.platform === "win32" ? ".cmd" : ""}`, import.meta.url));
if (!existsSync(wrangler)) fail("wrangler is not installed: run npm install first");

// RETURNING, because local D1 does not report meta.changes.
const sql = `UPDATE users SET is_admin = 1 WHERE lower(username) = lower('${username}') RETURNING username`;
const where = remote ? "--remote" : "--local";
const run = spawnSync(wrangler, ["d1", "execute", "DB", where, "--json", "--command", sql], {
  cwd: root,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "pipe"],
});
if (run.error) fail(`could not run wrangler: ${run.error.message}`);
if (run.status !== 0) fail(`wrangler d1 execute failed (exit ${run.status}):\n${(run.stderr || run.stdout).trim()}`);

let updated;
try {
  // --json prints [{results, success, meta}] for the one statement.
  updated = JSON.parse(run.stdout.slice(run.stdout.indexOf("[")))[0].results;
} catch {
  fail(`unexpected output from wrangler:\n${run.stdout.trim()}`);
}
const db = remote ? "remote" : "local";
if (updated.length) console.log(`${updated[0].username} is now a system admin (${db} database); 1 row changed.`);
else fail(`no user named ${username} in the ${db} database (register first); nothing changed.`);

function fail(message) {
  console.error(message);
  process.exit(1);
}
