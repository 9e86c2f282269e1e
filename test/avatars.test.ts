// Avatars: uploads of user and group pictures (images only), their public URL, replacement and
// removal (the old picture's bytes go), and where the URL shows up.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, join, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

function put(path: string, user: TestUser | null, data: Uint8Array, filename = "me.png") {
  const form = fx.multipart([{ name: "file", filename, data }]);
  return api("PUT", path, { ...(user && { token: user.token }), raw: form.body, headers: { "Content-Type": form.contentType } });
}

async function fetchPublic(path: string) {
  const res = await exports.default.fetch(`http://edge.test${path}`);
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

const objectExists = async (fileId: number) => {
  const row = await env.DB.prepare("SELECT key FROM files WHERE id = ?").bind(fileId).first<{ key: string }>();
  return row ? (await env.MEDIA.head(row.key)) !== null : false;
};
const fileIdOf = (url: string) => Number(url.split("/").pop());

describe("user avatars", () => {
  it("an uploaded picture becomes a public, immutable URL everywhere the user is shown; replacing or removing it deletes the old one", async () => {
    const [me, friend] = await Promise.all([registerUser("av"), registerUser("av")]);
    const image = fx.png(64, 48);
    const res = await put("/users/me/avatar", me, image);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.avatar_url).toMatch(/^\/api\/v1\/avatars\/\d+$/);
    const first = fileIdOf(res.json.avatar_url);

    // Public: no token, cacheable by anyone for a year.
    const got = await fetchPublic(res.json.avatar_url);
    expect(got.res.status).toBe(200);
    expect(got.res.headers.get("Content-Type")).toBe("image/png");
    expect(got.res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(got.body).toEqual(image);

    // Shown wherever the user is: their profile, a direct chat's peer.
    expect((await api("GET", `/users/${me.id}`, { token: friend.token })).json.avatar_url).toBe(res.json.avatar_url);
    const dm = (await api("POST", "/conversations/direct", { token: friend.token, body: { user_id: me.id } })).json;
    expect(dm.peer.avatar_url).toBe(res.json.avatar_url);

    // Replaced: the new one is served, the old one is gone (bytes and URL).
    const second = await put("/users/me/avatar", me, fx.jpeg(32, 32), "me.jpg");
    expect(second.status).toBe(200);
    expect(second.json.avatar_url).not.toBe(res.json.avatar_url);
    expect((await fetchPublic(res.json.avatar_url)).res.status).toBe(404);
    expect(await objectExists(first)).toBe(false);
    expect((await fetchPublic(second.json.avatar_url)).res.headers.get("Content-Type")).toBe("image/jpeg");

    // A URL set with PATCH replaces the upload, which goes too.
    const patched = await api("PATCH", "/users/me", { token: me.token, body: { avatar_url: "https://img.test/elsewhere.png" } });
    expect(patched.json.avatar_url).toBe("https://img.test/elsewhere.png");
    expect(await objectExists(fileIdOf(second.json.avatar_url))).toBe(false);

    const third = await put("/users/me/avatar", me, fx.gif(8, 8), "me.gif");
    const removed = await api("DELETE", "/users/me/avatar", { token: me.token });
    expect(removed.status).toBe(200);
    expect(removed.json.avatar_url).toBeNull();
    expect((await fetchPublic(third.json.avatar_url)).res.status).toBe(404);
  });

  it("a picture is not media: not attachable to a message, not deletable through /files, and a room_id field does not move it", async () => {
    const [me, owner] = await Promise.all([registerUser("av"), registerUser("own")]);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, me);
    const form = fx.multipart([{ name: "room_id", data: String(room.id) }, { name: "file", filename: "me.png", data: fx.png(4, 4) }]);
    const set = await api("PUT", "/users/me/avatar", { token: me.token, raw: form.body, headers: { "Content-Type": form.contentType } });
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    const id = fileIdOf(set.json.avatar_url);
    const row = await env.DB.prepare("SELECT room_id, purpose FROM files WHERE id = ?").bind(id).first();
    expect(row).toEqual({ room_id: null, purpose: "avatar" });
    expectError(await api("POST", `/chat-rooms/${room.id}/messages`, { token: me.token, body: { message_type: "image", file_id: id } }), 404, "file_not_found");
    expectError(await api("DELETE", `/files/${id}`, { token: me.token }), 409, "avatar_file");
    expect((await fetchPublic(set.json.avatar_url)).res.status).toBe(200);

    // The profile sent back whole keeps the picture; another avatar path is refused.
    const profile = (await api("GET", "/users/me", { token: me.token })).json;
    const back = await api("PATCH", "/users/me", { token: me.token, body: { display_name: "Me", avatar_url: profile.avatar_url, bio: profile.bio } });
    expect(back.status, JSON.stringify(back.json)).toBe(200);
    expect(back.json.avatar_url).toBe(set.json.avatar_url);
    expect(await objectExists(id)).toBe(true);
    expectError(await api("PATCH", "/users/me", { token: me.token, body: { avatar_url: "/api/v1/avatars/1" } }), 400, "invalid_avatar_url");
    expect((await fetchPublic(set.json.avatar_url)).res.status).toBe(200);
  });

  it("only images (415), with a token (401); other files are never served as avatars (404)", async () => {
    const me = await registerUser("av");
    expectError(await put("/users/me/avatar", me, fx.pdf(), "cv.pdf"), 415, "unsupported_media_type");
    expectError(await put("/users/me/avatar", me, fx.text(), "x.txt"), 415, "unsupported_media_type");
    expect((await api("GET", "/users/me", { token: me.token })).json.avatar_url).toBeNull();
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(me.id).first<{ n: number }>();
    expect(stored!.n).toBe(0);
    expectError(await put("/users/me/avatar", null, fx.png(4, 4)), 401);
    // A file that is not anyone's picture (a plain upload) is not served here, whatever its type.
    const form = fx.multipart([{ name: "file", filename: "p.png", data: fx.png(4, 4) }]);
    const plain = await api("POST", "/files", { token: me.token, raw: form.body, headers: { "Content-Type": form.contentType } });
    expect(plain.status).toBe(201);
    expect((await fetchPublic(`/api/v1/avatars/${plain.json.id}`)).res.status).toBe(404);
    expect((await fetchPublic("/api/v1/avatars/abc")).res.status).toBe(400);
  });
});

describe("group avatars", () => {
  it("the owner sets the group's picture: in the room, room lists and the inbox; members cannot; removing it deletes it", async () => {
    const [owner, member] = await Promise.all([registerUser("gav"), registerUser("gav")]);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    expectError(await put(`/chat-rooms/${room.id}/avatar`, member, fx.png(4, 4)), 403);
    expectError(await put(`/chat-rooms/999999999/avatar`, owner, fx.png(4, 4)), 404);
    expectError(await put(`/chat-rooms/${room.id}/avatar`, owner, fx.pdf(), "x.pdf"), 415, "unsupported_media_type");

    const set = await put(`/chat-rooms/${room.id}/avatar`, owner, fx.webpVp8x(16, 16), "g.webp");
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    expect(set.json).toEqual({ room_id: room.id, avatar_url: expect.stringMatching(/^\/api\/v1\/avatars\/\d+$/) });
    expect((await fetchPublic(set.json.avatar_url)).res.headers.get("Content-Type")).toBe("image/webp");
    expect((await api("GET", `/chat-rooms/${room.id}`, { token: member.token })).json.avatar_url).toBe(set.json.avatar_url);
    const inbox = (await api("GET", "/conversations", { token: member.token })).json;
    expect(inbox.find((c: any) => c.id === room.id).avatar_url).toBe(set.json.avatar_url);

    expectError(await api("DELETE", `/chat-rooms/${room.id}/avatar`, { token: member.token }), 403);
    const removed = await api("DELETE", `/chat-rooms/${room.id}/avatar`, { token: owner.token });
    expect(removed.json).toEqual({ room_id: room.id, avatar_url: null });
    expect((await fetchPublic(set.json.avatar_url)).res.status).toBe(404);
    expect(await objectExists(fileIdOf(set.json.avatar_url))).toBe(false);
  });
});
