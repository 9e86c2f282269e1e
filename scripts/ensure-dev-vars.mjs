// Gives a fresh clone a local JWT_SECRET without anyone editing a file: writes .dev.vars with a
// random secret when it does not exist yet. Never touches an existing file.
import { existsSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

const path = new URL("../.dev.vars", import.meta.url);
if (!existsSync(path)) {
  writeFileSync(path, `JWT_SECRET=${randomBytes(32).toString("hex")}\n`);
  console.log("created .dev.vars with a random local JWT_SECRET");
}
