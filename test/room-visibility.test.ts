// Who sees what of a room: outsiders see no last message or unread count; a private room is entered
// only through an invitation or an invite code. And user-set URLs are https: only.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, registerUser } from "./helpers";

async function send(token: string, roomId: number, text: string) {
  const res = await api("POST", `/chatrooms/${roomId}/messages/`, { token, body: { content_text: text } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}
const summaryOf = async (roomId: number) =>
  env.DB.prepare("UPDATE rooms SET last_message_id = 1, last_message_sender = 'x', last_message_content = 'secret plans' WHERE id = ?").bind(roomId).run();

describe("room visibility", () => {
  it("an outsider sees no last message and no unread count of a public room; a member does", async () => {
    const [owner, outsider] = await Promise.all([registerUser("own"), registerUser("out")]);
    const room = await createRoom(owner, { require_approval: false });
    await send(owner.token, room.id, "secret plans");
    await summaryOf(room.id);
    const asOutsider = await api("GET", `/chat-rooms/?q=${encodeURIComponent(room.name)}`, { token: outsider.token });
    const seen = asOutsider.json.find((r: any) => r.id === room.id);
    expect(seen).toMatchObject({ last_message: null, unread_messages_count: 0, my_role: null });
    expect(JSON.stringify(asOutsider.json)).not.toContain("secret plans");
    const asOwner = await api("GET", `/chat-rooms/?q=${encodeURIComponent(room.name)}`, { token: owner.token });
    expect(asOwner.json.find((r: any) => r.id === room.id).last_message).toEqual({ sender: "x", content: "secret plans" });
    // Once they join, the same list shows it.
    expect((await api("POST", `/chat-rooms/${room.id}/join-request`, { token: outsider.token, body: {} })).status).toBe(200);
    const joined = await api("GET", `/chat-rooms/?q=${encodeURIComponent(room.name)}`, { token: outsider.token });
    expect(joined.json.find((r: any) => r.id === room.id).last_message).toEqual({ sender: "x", content: "secret plans" });
  });

  it("a private room cannot be joined by its id, with or without approval: 403 invitation_required, nothing created", async () => {
    const [owner, guesser] = await Promise.all([registerUser("own"), registerUser("gss")]);
    for (const require_approval of [false, true]) {
      const room = await createRoom(owner, { visibility: "private", require_approval });
      expectError(await api("POST", `/chat-rooms/${room.id}/join-request`, { token: guesser.token, body: { message: "let me in" } }), 403, "invitation_required");
      const rows = await env.DB.batch([
        env.DB.prepare("SELECT count(*) AS n FROM join_requests WHERE room_id = ?").bind(room.id),
        env.DB.prepare("SELECT count(*) AS n FROM room_members WHERE room_id = ? AND user_id = ?").bind(room.id, guesser.id),
      ]);
      expect(rows.map((r) => (r.results[0] as { n: number }).n)).toEqual([0, 0]);
      expectError(await api("GET", `/chatrooms/${room.id}/messages/`, { token: guesser.token }), 403);
    }
  });

  it("invitations and invite codes still bring people into a private room", async () => {
    const [owner, invited, coded] = await Promise.all([registerUser("own"), registerUser("inv"), registerUser("cod")]);
    const room = await createRoom(owner, { visibility: "private" });
    expect((await api("POST", `/chat-rooms/${room.id}/invitations`, { token: owner.token, body: { user_id: invited.id } })).status).toBe(200);
    expect((await api("GET", `/chatrooms/${room.id}/messages/`, { token: invited.token })).status).toBe(200);
    const code = await api("POST", `/chat-rooms/${room.id}/invite-codes`, { token: owner.token, body: {} });
    expect(code.status, JSON.stringify(code.json)).toBe(200);
    const joined = await api("POST", "/chat-rooms/join-by-code", { token: coded.token, body: { code: code.json.code } });
    expect(joined.status, JSON.stringify(joined.json)).toBe(200);
    expect((await api("GET", `/chatrooms/${room.id}/messages/`, { token: coded.token })).status).toBe(200);
  });
});

describe("user-set URLs", () => {
  it("avatar_url takes https: only; javascript:, data:, http: and others are 400 and change nothing", async () => {
    const me = await registerUser("url");
    for (const bad of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(document.cookie)",
      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
      "http://example.com/a.png",
      "ftp://example.com/a.png",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
      "//evil.example/a.png",
      "/api/v1/files/1",
    ]) {
      const res = await api("PATCH", "/users/me", { token: me.token, body: { avatar_url: bad } });
      expectError(res, 400, "invalid_request");
    }
    expect((await api("GET", "/users/me", { token: me.token })).json.avatar_url).toBeNull();
    const ok = await api("PATCH", "/users/me", { token: me.token, body: { avatar_url: "https://cdn.example.com/me.png" } });
    expect(ok.status).toBe(200);
    expect(ok.json.avatar_url).toBe("https://cdn.example.com/me.png");
  });
});
