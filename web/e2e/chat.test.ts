// The web app in a real browser (Chromium, headless, through playwright-core; see harness.ts) against a
// `wrangler dev` this run starts: every assertion is about what a person sees on the page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createRoom, eventually, joinRoom, launchBrowser, person, register, startServer, type Person, type Server } from "./harness.ts";

const run = Date.now().toString(36);
let server: Server;
let browser: Browser;
let alice: Person;
let bob: Person;
const roomName = `lounge-${run}`;

const composer = (p: Page) => p.getByLabel("Message", { exact: true });
const messageTexts = (p: Page) => p.locator("article.msg[data-id] .msg-text").allInnerTexts();
async function say(p: Page, text: string) {
  await composer(p).fill(text);
  await composer(p).press("Enter");
}
const sees = (p: Page, text: string) => p.locator("article.msg[data-id] .msg-text", { hasText: text }).first().waitFor({ timeout: 15_000 });

describe("web app", () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    alice = await person(browser, server.base, "alice");
    bob = await person(browser, server.base, "bob");
  });

  after(async () => {
    for (const p of [alice, bob]) assert.deepEqual(p?.errors ?? [], [], `${p?.name}: no uncaught errors on the page`);
    await browser?.close();
    await server?.stop();
  });

  test("1. alice and bob register, meet in a room and talk both ways", async () => {
    await register(alice, `alice_${run}`);
    await register(bob, `bob_${run}`);

    await createRoom(alice, roomName);

    await joinRoom(bob, roomName);

    await say(alice.page, "hello bob");
    await sees(bob.page, "hello bob");
    await say(bob.page, "hi alice, line one\nand line two");
    await sees(alice.page, "hi alice, line one");
    // Shift+Enter made a new line inside the one message.
    assert.ok((await messageTexts(alice.page)).includes("hi alice, line one\nand line two"));
    // Both see who is online, and the room in their conversation list.
    await eventually(async () => (await alice.page.getByLabel("Online now").innerText()) === `Online: bob_${run}`, "alice sees bob online");
    await alice.page.getByRole("link", { name: new RegExp(roomName) }).waitFor();
  });

  test("2. typing in one context shows the indicator in the other", async () => {
    await composer(bob.page).fill("I am typ");
    await eventually(async () => (await alice.page.getByTestId("typing").innerText()) === `bob_${run} is typing…`, "alice sees bob typing");
    await say(bob.page, "I am typing no more");
    await eventually(async () => (await alice.page.getByTestId("typing").innerText()) === "", "the indicator goes once bob sent");
  });

  test("3. bob offline while alice sends 5: all 5 once each, in order; bob's offline message is delivered once", async () => {
    await bob.context.setOffline(true);
    await bob.page.locator('header.room-head [data-state="offline"]').waitFor();
    const burst = [1, 2, 3, 4, 5].map((i) => `while you were away ${i}`);
    for (const text of burst) await say(alice.page, text);
    await sees(alice.page, burst[4]!);
    await say(bob.page, "sent from a tunnel");
    await bob.page.locator("article.msg.pending", { hasText: "sent from a tunnel" }).waitFor();

    await bob.context.setOffline(false);
    await sees(bob.page, burst[4]!);
    await sees(alice.page, "sent from a tunnel");
    await bob.page.locator("article.msg.pending").waitFor({ state: "detached" });
    await bob.page.locator('header.room-head [data-state="open"]').waitFor({ state: "attached" });

    const seenByBob = (await messageTexts(bob.page)).filter((t) => t.startsWith("while you were away"));
    assert.deepEqual(seenByBob, burst, "bob sees the 5 once each, in order");
    // Give a doubled delivery time to show up before counting.
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of [alice.page, bob.page]) {
      const texts = await messageTexts(p);
      assert.equal(texts.filter((t) => t === "sent from a tunnel").length, 1, "the offline message is there exactly once");
      assert.equal(new Set(texts).size, texts.length, "no message is shown twice");
    }
  });

  test("4. an image upload shows the image in both contexts", async () => {
    await alice.page.getByLabel("Attach a file").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: PNG });
    for (const p of [alice.page, bob.page]) {
      const img = p.locator('article.msg img.msg-image[alt="dot.png"]');
      await img.waitFor();
      await eventually(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 2), `${p === alice.page ? "alice" : "bob"} sees the image loaded`);
    }
  });

  test("5. a reply shows its quote and a reaction its count in the other context", async () => {
    await say(alice.page, "quote me if you can");
    await sees(bob.page, "quote me if you can");
    const original = bob.page.locator("article.msg[data-id]", { hasText: "quote me if you can" }).last();
    await original.getByRole("button", { name: "Reply", exact: true }).click();
    await say(bob.page, "quoted you");
    const reply = alice.page.locator("article.msg[data-id]", { has: alice.page.getByText("quoted you", { exact: true }) });
    await reply.waitFor();
    assert.match(await reply.locator("blockquote.quote").innerText(), /quote me if you can/);

    const target = alice.page.locator("article.msg[data-id]", { has: alice.page.getByText("quoted you", { exact: true }) });
    await target.getByRole("button", { name: "React", exact: true }).click();
    await target.getByRole("button", { name: "React with 👍" }).click();
    const chip = bob.page.locator("article.msg[data-id]", { has: bob.page.getByText("quoted you", { exact: true }) }).locator("button.reaction");
    await eventually(async () => (await chip.count()) === 1 && (await chip.innerText()).replace(/\s+/g, " ") === "👍 1", "bob sees 👍 1");
  });

  test("6. a bad login shows the server's error text and no crash", async () => {
    const carol = await person(browser, server.base, "carol");
    try {
      const expected = await fetch(`${server.base}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: `alice_${run}`, password: "not her password" }),
      }).then((r) => r.json() as Promise<{ detail: string }>);
      await carol.page.getByLabel("Username").fill(`alice_${run}`);
      await carol.page.getByLabel("Password").fill("not her password");
      await carol.page.getByRole("button", { name: "Sign in" }).click();
      const alert = carol.page.getByRole("alert");
      await alert.waitFor();
      assert.equal(await alert.innerText(), expected.detail);
      // Still usable: the form is there and can be sent again.
      assert.ok(await carol.page.getByRole("button", { name: "Sign in" }).isEnabled());
      assert.deepEqual(carol.errors, []);
    } finally {
      await carol.context.close();
    }
  });

  test("7. alice pins bob's message and both see the pin list; an edit's history opens from (edited)", async () => {
    const msg = (p: Page, text: string) => p.locator("article.msg[data-id]", { has: p.getByText(text, { exact: true }) });
    await say(bob.page, "pin this one");
    await sees(alice.page, "pin this one");
    // Bob is a plain member: no pin button for him. Alice owns the room.
    assert.equal(await msg(bob.page, "pin this one").getByRole("button", { name: "Pin", exact: true }).count(), 0);
    await msg(alice.page, "pin this one").getByRole("button", { name: "Pin", exact: true }).click();
    await bob.page.getByRole("button", { name: "Pinned messages (1)" }).click();
    const pins = bob.page.getByRole("complementary", { name: "Pinned messages" });
    await pins.getByText("pin this one").waitFor();
    assert.match(await pins.innerText(), new RegExp(`Pinned by alice_${run}`));

    await msg(bob.page, "pin this one").getByRole("button", { name: "Edit", exact: true }).click();
    await bob.page.getByLabel("Edit message").fill("pin this one, edited");
    await bob.page.getByRole("button", { name: "Save" }).click();
    await msg(alice.page, "pin this one, edited").getByRole("button", { name: "Edited: show the edit history" }).click();
    const history = alice.page.getByRole("dialog", { name: "Edit history" });
    await eventually(
      async () => (await history.locator(".version-text").allInnerTexts()).join("|") === "pin this one|pin this one, edited",
      "alice sees both versions, oldest first",
    );
    await alice.page.getByRole("button", { name: "Close edit history" }).click();
    // The pin list follows the edit, and the unpin.
    await pins.getByText("pin this one, edited").waitFor();
    await msg(alice.page, "pin this one, edited").getByRole("button", { name: "Unpin", exact: true }).click();
    await bob.page.getByRole("button", { name: "Pinned messages (0)" }).waitFor();
    await pins.getByText("Nothing is pinned yet.").waitFor();
  });

  test("8. a mention of bob shows a mention badge in his list, which clears once he reads the room", async () => {
    const other = `mentions-${run}`;
    await createRoom(alice, other);
    await joinRoom(bob, other);
    // Bob goes back to the first room; alice mentions him in the other one.
    await bob.page.getByRole("link", { name: new RegExp(roomName) }).click();
    await bob.page.getByRole("heading", { name: roomName }).waitFor();
    await say(alice.page, `@bob_${run} have a look`);
    const badge = bob.page.getByRole("link", { name: new RegExp(other) }).locator(".mention-badge");
    await eventually(async () => (await badge.count()) === 1 && (await badge.innerText()) === "@1", "bob sees @1 beside the other room");
    // Opening the room reads it: back in the first room, the badge is gone.
    await bob.page.getByRole("link", { name: new RegExp(other) }).click();
    await sees(bob.page, "have a look");
    await bob.page.getByRole("link", { name: new RegExp(roomName) }).click();
    await bob.page.getByRole("heading", { name: roomName }).waitFor();
    await eventually(async () => (await badge.count()) === 0, "the mention badge cleared on read", 20_000);
  });
});

// A 2×2 RGB PNG (the server sniffs the bytes, so it must be a real one).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR4nGP4z8DAwAAi/v//zwAAHfAE/EgTX4EAAAAASUVORK5CYII=",
  "base64",
);
