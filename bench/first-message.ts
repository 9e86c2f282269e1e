// Two tabs on a running edge chat (default http://localhost:8787): both register, one creates a
// room, the other joins it, and a message goes each way. Prints how long that took. Used by
// bench/fresh-clone.sh; the steps are those a person takes in the app.
import { launchBrowser, person, register } from "../web/e2e/harness.ts";

const base = process.argv[2] ?? "http://localhost:8787";
const t0 = performance.now();
const browser = await launchBrowser();
try {
  const [a, b] = [await person(browser, base, "alice"), await person(browser, base, "bob")];
  const id = Date.now().toString(36);
  await register(a, `alice_${id}`);
  await register(b, `bob_${id}`);
  await a.page.getByRole("button", { name: "New room" }).click();
  await a.page.getByLabel("Room name").fill(`hello-${id}`);
  await a.page.getByRole("button", { name: "Create room" }).click();
  await b.page.getByRole("button", { name: "Browse" }).click();
  await b.page.getByRole("button", { name: `Join hello-${id}` }).click();
  for (const [from, to, text] of [[a, b, "hi bob"], [b, a, "hi alice"]] as const) {
    await from.page.getByLabel("Message", { exact: true }).fill(text);
    await from.page.getByLabel("Message", { exact: true }).press("Enter");
    await to.page.locator("article.msg[data-id] .msg-text", { hasText: text }).waitFor();
  }
  console.log(`first message both ways in two tabs: ${((performance.now() - t0) / 1000).toFixed(1)} s (browser start included)`);
} finally {
  await browser.close();
}
