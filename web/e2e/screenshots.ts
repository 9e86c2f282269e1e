// Screenshots of the main screens into docs/screenshots/ (npm run screenshots), taken from a real
// session against a fresh `wrangler dev`: two people, a room with text, a reply, reactions, an
// image and a file, a join request, a direct chat, notifications, the profile, and the phone layout.
// It also walks the flows the browser tests do not (approval, direct chats, mentions, avatars).
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { deflateSync } from "node:zlib";
import { eventually, launchBrowser, person, register, startServer } from "./harness.ts";

const OUT = resolve(import.meta.dirname, "../../docs/screenshots");
mkdirSync(OUT, { recursive: true });

/** A w×h PNG filled by fn(x, y) -> [r, g, b]. */
function png(w: number, h: number, fn: (x: number, y: number) => [number, number, number]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) raw.set(fn(x, y), y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const alice = await person(browser, server.base, "alice");
  const bob = await person(browser, server.base, "bob");
  const shot = (p: typeof alice, name: string) => p.page.screenshot({ path: `${OUT}/${name}.png` });
  await shot(alice, "login");
  await register(alice, "alice");
  await register(bob, "bob");

  // Profile with a picture.
  await alice.page.getByRole("button", { name: "Your profile" }).click();
  await alice.page.getByLabel("Display name").fill("Alice Liddell");
  await alice.page.getByRole("button", { name: "Save" }).click();
  await alice.page.getByLabel("Change picture").setInputFiles({
    name: "alice.png",
    mimeType: "image/png",
    buffer: png(96, 96, (x, y) => [40 + x * 2, 90 + y, 200 - x]),
  });
  await alice.page.locator('.profile img.avatar').waitFor();
  await shot(alice, "profile");

  // A room that needs approval: bob asks, alice approves.
  await alice.page.getByRole("button", { name: "New room" }).click();
  await alice.page.getByLabel("Room name").fill("design-review");
  await alice.page.getByLabel("Description").fill("Mockups, feedback, decisions");
  await alice.page.getByLabel("New members need approval").check();
  await alice.page.getByRole("button", { name: "Create room" }).click();
  await alice.page.getByRole("heading", { name: "design-review" }).waitFor();
  for (const name of ["general", "random"]) {
    await alice.page.getByRole("button", { name: "New room" }).click();
    await alice.page.getByLabel("Room name").fill(name);
    await alice.page.getByRole("button", { name: "Create room" }).click();
    await alice.page.getByRole("heading", { name }).waitFor();
  }
  await bob.page.getByRole("button", { name: "Browse" }).click();
  await bob.page.getByRole("button", { name: "Ask to join design-review" }).waitFor();
  await shot(bob, "browse");
  await bob.page.getByRole("button", { name: "Ask to join design-review" }).click();
  await bob.page.getByText("Request sent: waiting for approval").waitFor();
  await bob.page.getByRole("button", { name: "Join general" }).click();
  await bob.page.getByRole("heading", { name: "general" }).waitFor();

  await alice.page.getByRole("link", { name: /design-review/ }).click();
  await alice.page.getByRole("button", { name: "Approve" }).click();
  await bob.page.getByRole("button", { name: "Browse" }).click();
  await bob.page.getByLabel("Search rooms").fill("design");
  await bob.page.getByRole("button", { name: "Open" }).click();
  await bob.page.getByRole("heading", { name: "design-review" }).waitFor();

  const say = async (p: typeof alice, text: string) => {
    await p.page.getByLabel("Message", { exact: true }).fill(text);
    await p.page.getByLabel("Message", { exact: true }).press("Enter");
    await p.page.locator("article.msg[data-id] .msg-text", { hasText: text.split("\n")[0] }).first().waitFor();
  };
  await say(alice, "Morning! The new onboarding mockups are up.");
  await say(bob, "Looking now. The colours are <b>much</b> better than v1.");
  await alice.page.getByLabel("Attach a file").setInputFiles({
    name: "mockup.png",
    mimeType: "image/png",
    buffer: png(480, 270, (x, y) => (y < 40 ? [37, 99, 235] : x > 40 && x < 200 && y > 70 && y < 230 ? [230, 236, 245] : [250, 250, 252])),
  });
  await bob.page.locator('img.msg-image[alt="mockup.png"]').waitFor();
  await bob.page.getByLabel("Attach a file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("1. spacing\n2. contrast\n") });
  await alice.page.locator("a.msg-file", { hasText: "notes.txt" }).waitFor();
  await say(alice, "@bob can you check the spacing on step 2?");
  const q = bob.page.locator("article.msg[data-id]", { hasText: "can you check the spacing" });
  await q.getByRole("button", { name: "Reply", exact: true }).click();
  await say(bob, "Yes, it is 4px off.\nFixing it in the next pass.");
  const reply = alice.page.locator("article.msg[data-id]", { hasText: "4px off" });
  await reply.getByRole("button", { name: "React", exact: true }).click();
  await reply.getByRole("button", { name: "React with 🎉" }).click();
  await bob.page.locator("button.reaction", { hasText: "🎉" }).waitFor();
  await bob.page.locator("button.reaction", { hasText: "🎉" }).click();
  await eventually(async () => (await alice.page.locator("button.reaction").innerText()).includes("2"), "two reactions");
  await bob.page.getByLabel("Message", { exact: true }).fill("One more thing");
  await alice.page.getByText("bob is typing…").waitFor();
  await shot(alice, "room");
  await bob.page.getByLabel("Message", { exact: true }).fill("");

  // Notifications: bob was mentioned.
  await eventually(async () => (await bob.page.getByTestId("notification-badge").count()) > 0, "bob's badge", 20_000);
  await bob.page.getByRole("button", { name: /^Notifications/ }).click();
  await bob.page.getByRole("dialog", { name: "Notifications" }).getByText(/mentioned you/).waitFor();
  await shot(bob, "notifications");
  await bob.page.keyboard.press("Escape");

  // A direct chat.
  await bob.page.getByRole("button", { name: "Direct" }).click();
  await bob.page.getByLabel("Find people").fill("ali");
  await bob.page.getByRole("button", { name: "Message alice" }).click();
  await say(bob, "Lunch at 1?");
  // The direct chat is named after the other person in each one's list.
  await alice.page.getByRole("link", { name: /^bob / }).waitFor();

  // Offline: the state is visible and the message waits.
  await bob.context.setOffline(true);
  await bob.page.getByLabel("Message", { exact: true }).fill("Sent from the train");
  await bob.page.getByLabel("Message", { exact: true }).press("Enter");
  await shot(bob, "offline");
  await bob.context.setOffline(false);
  await alice.page.getByRole("link", { name: /^bob / }).click();
  await alice.page.locator("article.msg[data-id] .msg-text", { hasText: "Sent from the train" }).waitFor();

  // The phone layout (360 px): the list, then a conversation.
  const phone = await browser.newContext({ baseURL: server.base, viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, locale: "en-GB" });
  await phone.addInitScript((t) => localStorage.setItem("edge-chat.token", t), await alice.page.evaluate(() => localStorage.getItem("edge-chat.token")!));
  const mobile = await phone.newPage();
  await mobile.goto("/");
  await mobile.getByRole("link", { name: /design-review/ }).waitFor();
  await mobile.screenshot({ path: `${OUT}/mobile-list.png` });
  await mobile.getByRole("link", { name: /design-review/ }).click();
  await mobile.locator("article.msg[data-id]").first().waitFor();
  await mobile.waitForTimeout(300);
  await mobile.screenshot({ path: `${OUT}/mobile-room.png` });
  const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 0) throw new Error(`the phone layout scrolls sideways by ${overflow}px`);
  for (const p of [alice, bob]) if (p.errors.length) throw new Error(`${p.name}: ${p.errors.join("\n")}`);
  console.log(`screenshots in ${OUT}`);
} catch (e) {
  // Leave what each page showed for whoever debugs the failure.
  for (const [i, p] of browser.contexts().flatMap((c) => c.pages()).entries()) await p.screenshot({ path: `${OUT}/failed-${i}.png` }).catch(() => {});
  throw e;
} finally {
  await browser.close();
  await server.stop();
}
