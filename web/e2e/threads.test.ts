// Threads in the browser (issue 23), with their own server and people: a thread conversation
// between two people, the thread kept out of the main timeline, its "N replies" and unread badges.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createRoom, eventually, joinRoom, launchBrowser, person, register, startServer, type Person, type Server } from "./harness.ts";

const run = Date.now().toString(36);
let server: Server;
let browser: Browser;
let alice: Person;
let bob: Person;
const roomName = `threads-${run}`;

const timeline = (p: Page) => p.getByRole("log", { name: "Messages", exact: true });
const pane = (p: Page) => p.getByRole("complementary", { name: "Thread", exact: true });
const texts = (scope: ReturnType<typeof timeline>) => scope.locator("article.msg[data-id] .msg-text").allInnerTexts();
const inTimeline = (p: Page, text: string) => timeline(p).locator("article.msg[data-id]", { has: p.getByText(text, { exact: true }) });
const inPane = (p: Page, text: string) => pane(p).locator("article.msg[data-id]", { has: p.getByText(text, { exact: true }) });
const roomLink = (p: Page) => p.getByRole("link", { name: new RegExp(roomName) });
async function say(p: Page, label: string, text: string) {
  await p.getByLabel(label, { exact: true }).fill(text);
  await p.getByLabel(label, { exact: true }).press("Enter");
}
const badgeText = async (l: ReturnType<Page["locator"]>) => ((await l.count()) ? (await l.innerText()).trim() : "");

describe("threads", () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    alice = await person(browser, server.base, "alice");
    bob = await person(browser, server.base, "bob");
    await register(alice, `alice_${run}`);
    await register(bob, `bob_${run}`);
    await createRoom(alice, roomName);
    await joinRoom(bob, roomName);
  });

  after(async () => {
    for (const p of [alice, bob]) assert.deepEqual(p?.errors ?? [], [], `${p?.name}: no uncaught errors on the page`);
    await browser?.close();
    await server?.stop();
  });

  test("a thread conversation between two people, out of the main timeline, with its unread badge", async () => {
    const root = "shall we talk in a thread?";
    await say(alice.page, "Message", root);
    await inTimeline(bob.page, root).waitFor();

    // Bob answers in the thread.
    await inTimeline(bob.page, root).getByRole("button", { name: "Reply in thread" }).click();
    await inPane(bob.page, root).waitFor();
    await say(bob.page, "Thread reply", "a reply in the thread");
    await inPane(bob.page, "a reply in the thread").waitFor();
    await bob.page.locator("article.msg.pending").waitFor({ state: "detached" });

    // Alice, who has not opened it, sees "1 reply" and its unread badge on the root, and in her
    // conversation list, but not the reply in her timeline.
    const aliceRoot = inTimeline(alice.page, root);
    await aliceRoot.getByRole("button", { name: "1 reply" }).waitFor();
    await eventually(async () => (await badgeText(aliceRoot.locator(".thread-badge"))) === "1", "alice sees 1 unread on the root");
    await alice.page.getByRole("button", { name: "Threads (1 unread)" }).waitFor();
    await eventually(async () => (await badgeText(roomLink(alice.page).locator(".thread-badge"))) === "1", "alice's list shows 1 unread in threads", 25_000);
    for (const p of [alice.page, bob.page]) assert.deepEqual(await texts(timeline(p)), [root], "the thread reply stays out of the main timeline");

    // Opening the thread shows bob's reply and reads it: every badge clears.
    await aliceRoot.getByRole("button", { name: "1 reply" }).click();
    await inPane(alice.page, "a reply in the thread").waitFor();
    assert.deepEqual(await texts(pane(alice.page)), [root, "a reply in the thread"], "the pane: the root, then the reply");
    await alice.page.getByRole("button", { name: "Threads (0 unread)" }).waitFor();
    await eventually(async () => (await roomLink(alice.page).locator(".thread-badge").count()) === 0, "alice's list badge cleared once she read the thread", 25_000);

    // Alice answers back; bob sees it live in his open pane, and "2 replies" on the root.
    await say(alice.page, "Thread reply", "back to you, bob");
    await inPane(bob.page, "back to you, bob").waitFor();
    assert.deepEqual(await texts(pane(bob.page)), [root, "a reply in the thread", "back to you, bob"], "bob's pane: both replies in order");
    await inTimeline(bob.page, root).getByRole("button", { name: "2 replies" }).waitFor();
    assert.deepEqual(await texts(timeline(bob.page)), [root], "alice's thread reply stays out of bob's timeline");

    // "Also send to room": into the thread and the timeline, both sides.
    await pane(bob.page).getByLabel("Also send to room").check();
    await say(bob.page, "Thread reply", "this one for the whole room");
    await inTimeline(alice.page, "this one for the whole room").waitFor();
    await inPane(alice.page, "this one for the whole room").waitFor();
    await inTimeline(bob.page, "this one for the whole room").waitFor();
    assert.equal(await inTimeline(alice.page, "this one for the whole room").getByRole("button", { name: "Replied in a thread" }).count(), 1);

    // Alice had the thread open while bob's reply came: it was read then, so closing it leaves no badge.
    await aliceRoot.getByRole("button", { name: "3 replies" }).waitFor();
    await alice.page.getByRole("button", { name: "Close thread" }).click();
    await pane(alice.page).waitFor({ state: "detached" });
    await alice.page.getByRole("button", { name: "Threads (0 unread)" }).click();
    const list = alice.page.getByRole("complementary", { name: "Threads", exact: true });
    await list.getByRole("button", { name: new RegExp(`Thread: alice_${run}: ${root.replace("?", "\\?")}`) }).waitFor();
    assert.match(await list.innerText(), /3 replies/);
    assert.equal(await list.locator(".thread-badge").count(), 0, "nothing unread in the list");
    assert.equal(await aliceRoot.locator(".thread-badge").count(), 0, "nothing unread on the root");

    // Bob closed nothing and read his pane live: a new reply from alice while his pane is closed
    // shows unread for him, and opening the thread from the list clears it.
    await bob.page.getByRole("button", { name: "Close thread" }).click();
    await list.getByRole("button", { name: /^Thread: / }).click();
    await say(alice.page, "Thread reply", "are you still there?");
    await inPane(alice.page, "are you still there?").waitFor();
    const bobRoot = inTimeline(bob.page, root);
    await eventually(async () => (await badgeText(bobRoot.locator(".thread-badge"))) === "1", "bob sees 1 unread on the root");
    await bobRoot.getByRole("button", { name: "4 replies" }).click();
    await inPane(bob.page, "are you still there?").waitFor();
    await bob.page.getByRole("button", { name: "Close thread" }).click();
    await eventually(async () => (await bobRoot.locator(".thread-badge").count()) === 0, "bob's badge cleared once he opened the thread");
  });
});
