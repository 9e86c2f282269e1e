// Cold load of the web app under `wrangler dev`: bytes on the wire (and what they are gzipped, as
// Cloudflare serves them), and time to interactive, for the login screen (signed out) and the
// conversation list (signed in). Each run is a new browser context: empty cache, no service worker.
//   flock /tmp/test.lock node bench/web-cold-load.ts [runs=7]
import { gzipSync } from "node:zlib";
import { launchBrowser, startServer } from "../web/e2e/harness.ts";

const runs = Number(process.argv[2] ?? 7);
const server = await startServer();
const browser = await launchBrowser();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const token = await fetch(`${server.base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "bench_user", password: "correct horse battery" }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);

  for (const signedIn of [false, true]) {
    const tti: number[] = [];
    let wire = 0;
    let gzip = 0;
    let js = 0;
    let files: string[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ baseURL: server.base });
      if (signedIn) await context.addInitScript((t) => localStorage.setItem("edge-chat.token", t), token);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      const urls = new Map<string, string>();
      const sizes = new Map<string, number>();
      cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
      cdp.on("Network.loadingFinished", (e) => sizes.set(e.requestId, e.encodedDataLength));
      await page.goto("/");
      // Interactive: the first control a person uses can take input.
      if (signedIn) await page.getByRole("button", { name: "New room" }).waitFor();
      else await page.getByLabel("Username").waitFor();
      tti.push(await page.evaluate(() => performance.now()));
      // Only the app's own files (not the API calls a signed-in page makes after it is up).
      const own = [...urls].filter(([id, url]) => sizes.has(id) && !new URL(url).pathname.startsWith("/api/"));
      wire = own.reduce((a, [id]) => a + sizes.get(id)!, 0);
      files = own.map(([, url]) => new URL(url).pathname);
      const bodies = await Promise.all(files.map((p) => fetch(`${server.base}${p}`).then((r) => r.arrayBuffer())));
      gzip = bodies.reduce((a, b) => a + gzipSync(Buffer.from(b)).length, 0);
      js = bodies.reduce((a, b, k) => a + (files[k]!.endsWith(".js") ? gzipSync(Buffer.from(b)).length : 0), 0);
      await context.close();
    }
    console.log(
      `${signedIn ? "signed in (conversation list)" : "signed out (login)"}: ${files.length} files ${files.join(" ")}; ` +
        `on the wire ${(wire / 1024).toFixed(1)} KB, gzip ${(gzip / 1024).toFixed(1)} KB (JS ${(js / 1024).toFixed(1)} KB); ` +
        `time to interactive median ${median(tti).toFixed(0)} ms, min ${Math.min(...tti).toFixed(0)}, max ${Math.max(...tti).toFixed(0)} (${runs} cold runs)`,
    );
  }
} finally {
  await browser.close();
  await server.stop();
}
