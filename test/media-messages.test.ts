// Media messages: files posted by id or URL, the one-call upload, refusals that leave nothing
// behind, signed URLs in messages, and messages whose file was deleted.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, join, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";
import { connect } from "./ws";

async function uploadFile(user: TestUser, data: Uint8Array, filename: string, roomId?: number) {
  const form = fx.multipart([{ name: "file", filename, data }, ...(roomId ? [{ name: "room_id", data: String(roomId) }] : [])]);
  const res = await api("POST", "/files", { token: user.token, raw: form.body, headers: { "Content-Type": form.contentType } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as { id: number; url: string; room_id: number | null };
}

function uploadMessage(user: TestUser, roomId: number, data: Uint8Array, filename: string, fields: Record<string, string> = {}) {
  const form = fx.multipart([{ name: "file", filename, data }, ...Object.entries(fields).map(([name, v]) => ({ name, data: v }))]);
  return api("POST", `/chat-rooms/${roomId}/upload`, { token: user.token, raw: form.body, headers: { "Content-Type": form.contentType } });
}

const fileRow = (id: number) => env.DB.prepare("SELECT id, room_id FROM files WHERE id = ?").bind(id).first<{ id: number; room_id: number | null }>();
const fileCount = async (uploader: number) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(uploader).first<number>("n")) ?? 0;

async function setup() {
  const owner = await registerUser("mo");
  const member = await registerUser("mm");
  const outsider = await registerUser("mx");
  const room = await createRoom(owner, { require_approval: false });
  await join(room, owner, member);
  return { owner, member, outsider, room };
}

describe("media messages by file_id / media_url", () => {
  it("posts an image with a caption; the file joins the room and its signed URL works without a token", async () => {
    const { owner, member, room } = await setup();
    const f = await uploadFile(member, fx.png(40, 30), "cat.png");
    expect(f.room_id).toBeNull();
    const sock = await connect(room.id, owner.token);
    const res = await api("POST", `/chatrooms/${room.id}/messages/`, { token: member.token, body: { message_type: "image", file_id: f.id, content_text: "my cat" } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ message_type: "image", file_id: f.id, file_name: "cat.png", content_type: "image/png", width: 40, height: 30, content_text: "my cat", media_removed: false });
    expect(res.json.media_url).toMatch(new RegExp(`^/api/v1/files/${f.id}\\?exp=\\d+&sig=[0-9a-f]{64}$`));
    expect((await fileRow(f.id))?.room_id).toBe(room.id);
    expect((await sock.next("chat_message")).message.file_id).toBe(f.id);
    const img = await exports.default.fetch(`http://edge.test${res.json.media_url}`);
    expect(img.status).toBe(200);
    expect(img.headers.get("Content-Type")).toBe("image/png");
    await img.arrayBuffer();
    // The owner (not the uploader) can now reuse the room's file by its URL.
    const again = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { message_type: "file", media_url: f.url } });
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(again.json.file_id).toBe(f.id);
    sock.close();
  });

  it("refuses mismatches and foreign files with 4xx and leaves the file and the room unchanged", async () => {
    const { owner, member, outsider, room } = await setup();
    const other = await createRoom(owner);
    const pdf = await uploadFile(member, fx.pdf(), "doc.pdf");
    const elsewhere = await uploadFile(owner, fx.png(2, 2), "else.png", other.id);
    const theirs = await uploadFile(outsider, fx.png(2, 2), "theirs.png");
    const post = (body: Record<string, unknown>, u = member) => api("POST", `/chat-rooms/${room.id}/messages`, { token: u.token, body });
    expectError(await post({ message_type: "image", file_id: pdf.id }), 400, "media_type_mismatch");
    expectError(await post({ message_type: "voice", file_id: pdf.id }), 400, "media_type_mismatch");
    expectError(await post({ message_type: "video", file_id: pdf.id }), 400, "media_type_mismatch");
    expectError(await post({ content_text: "hi", file_id: pdf.id }), 400, "unexpected_media");
    expectError(await post({ message_type: "image" }), 400, "media_required");
    expectError(await post({ message_type: "file", media_url: "https://evil.example/x.png" }), 400, "invalid_media_url");
    expectError(await post({ message_type: "image", file_id: theirs.id }), 404, "file_not_found");
    expectError(await post({ message_type: "image", file_id: elsewhere.id }, owner), 400, "file_in_other_room");
    expectError(await post({ message_type: "file", file_id: 99999999 }), 404, "file_not_found");
    // A message refused by the room (bad reply_to_id) does not leave its file attached.
    expectError(await post({ message_type: "file", file_id: pdf.id, reply_to_id: 777 }), 400, "invalid_reply_to");
    expect((await fileRow(pdf.id))?.room_id).toBeNull();
    const h = await api("GET", `/chat-rooms/${room.id}/messages`, { token: owner.token });
    expect(h.json).toEqual([]);
  });
});

describe("POST /chat-rooms/{id}/upload", () => {
  it("uploads and posts in one call, typed from the sniffed bytes", async () => {
    const { owner, member, room } = await setup();
    const sock = await connect(room.id, owner.token);
    const image = await uploadMessage(member, room.id, fx.png(8, 6), "pic.bin", { content_text: "look" });
    expect(image.status, JSON.stringify(image.json)).toBe(200);
    expect(image.json).toMatchObject({ message_type: "image", content_text: "look", width: 8, height: 6, content_type: "image/png" });
    const voice = await uploadMessage(member, room.id, fx.wav(), "note.wav");
    expect(voice.json).toMatchObject({ message_type: "voice", content_type: "audio/wav" });
    const video = await uploadMessage(member, room.id, fx.isoMedia("isom"), "clip.mp4");
    expect(video.json).toMatchObject({ message_type: "video", content_type: "video/mp4", file_name: "clip.mp4" });
    const clip = await uploadFile(member, fx.webm("V_VP8"), "clip.webm");
    const sent = await api("POST", `/chat-rooms/${room.id}/messages`, { token: member.token, body: { message_type: "video", file_id: clip.id } });
    expect(sent.json).toMatchObject({ message_type: "video", content_type: "video/webm" });
    const file = await uploadMessage(member, room.id, fx.pdf(), "spec.pdf");
    expect(file.json).toMatchObject({ message_type: "file", content_type: "application/pdf", file_name: "spec.pdf" });
    await sock.next("chat_message", (f) => f.message.id === file.json.id);
    expect((await fileRow(image.json.file_id))?.room_id).toBe(room.id);
    sock.close();
  });

  it("leaves nothing behind when refused: disguised executables, outsiders, bad fields", async () => {
    const { owner, member, outsider, room } = await setup();
    const before = await fileCount(member.id);
    expectError(await uploadMessage(member, room.id, fx.exe(), "totally.png"), 415, "unsupported_media_type");
    expectError(await uploadMessage(outsider, room.id, fx.png(1, 1), "x.png"), 403);
    expectError(await uploadMessage(member, room.id, fx.png(1, 1), "x.png", { reply_to_id: "4242" }), 400, "invalid_reply_to");
    expectError(await uploadMessage(member, room.id, fx.png(1, 1), "x.png", { client_id: "bad id!" }), 400, "invalid_request");
    expect(await fileCount(member.id)).toBe(before);
    const h = await api("GET", `/chat-rooms/${room.id}/messages`, { token: owner.token });
    expect(h.json).toEqual([]);
  });

  it("a retried upload with the same client_id returns the original message and keeps one file", async () => {
    const { member, room } = await setup();
    const first = await uploadMessage(member, room.id, fx.png(3, 3), "r.png", { client_id: "up-1" });
    const again = await uploadMessage(member, room.id, fx.png(3, 3), "r.png", { client_id: "up-1" });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await fileCount(member.id)).toBe(1);
  });
});

describe("deleted files", () => {
  it("messages show the media as removed, live and in history", async () => {
    const { owner, member, room } = await setup();
    const sent = await uploadMessage(member, room.id, fx.png(5, 5), "gone.png");
    const sock = await connect(room.id, owner.token);
    expect((await api("DELETE", `/files/${sent.json.file_id}`, { token: member.token })).status).toBe(204);
    const update = await sock.next("message_updated");
    expect(update.message).toMatchObject({ id: sent.json.id, media_removed: true, media_url: null });
    const h = await api("GET", `/chat-rooms/${room.id}/messages`, { token: owner.token });
    expect(h.json[0]).toMatchObject({ id: sent.json.id, media_removed: true, media_url: null, file_name: "gone.png" });
    sock.close();
  });
});

describe("deleting a media message", () => {
  it("deletes its file too unless another message still shows it", async () => {
    const { owner, member, room } = await setup();
    const sent = await uploadMessage(member, room.id, fx.png(4, 4), "bye.png");
    const fileId = sent.json.file_id;
    const reuse = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { message_type: "image", file_id: fileId } });
    expect(reuse.status).toBe(200);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${sent.json.id}`, { token: member.token })).status).toBe(204);
    expect(await fileRow(fileId)).not.toBeNull();
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${reuse.json.id}`, { token: owner.token })).status).toBe(204);
    expect(await fileRow(fileId)).toBeNull();
    expect((await api("GET", `/files/${fileId}`, { token: member.token })).status).toBe(404);
  });
});
