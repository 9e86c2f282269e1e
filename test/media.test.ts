import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../src/db/client";
import type { AuthUser } from "../src/http/app-env";
import { resolveAttachment } from "../src/media/files";
import { PART_BYTES } from "../src/media/object-writer";
import { signedFileUrl, URL_WINDOW_SECONDS } from "../src/http/media-url";
import { api, BASE, createRoom, expectError, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

const MAX = 10 * 1024 * 1024;

async function upload(user: TestUser, data: Uint8Array | string, filename = "x.bin", extra: fx.Part[] = [], opts: { epilogue?: string; type?: string } = {}) {
  const form = fx.multipart([{ name: "file", filename, data, ...(opts.type && { type: opts.type }) }, ...extra], opts);
  return api("POST", "/files", { token: user.token, raw: form.body, headers: { "Content-Type": form.contentType } });
}

async function download(path: string, opts: { token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const res = await exports.default.fetch(`http://edge.test${path}`, { headers });
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

const keyOf = async (fileId: number) =>
  (await env.DB.prepare("SELECT key FROM files WHERE id = ?").bind(fileId).first<{ key: string }>())?.key ?? null;

async function allKeys() {
  const keys = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await env.MEDIA.list({ prefix: "files/", cursor });
    page.objects.forEach((o) => keys.add(o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

const authUser = (u: TestUser, isAdmin = false): AuthUser => ({
  id: u.id,
  username: u.username,
  displayName: null,
  email: null,
  isAdmin,
  tokenVersion: 0,
  sessionId: "test",
  sessionKind: "short",
  sessionExpiresAt: Date.now() + 60_000,
  expiresAt: Date.now() + 60_000,
});

describe("upload: type by content", () => {
  const cases: [string, () => Uint8Array, string, [number, number] | null][] = [
    ["png", () => fx.png(640, 480), "image/png", [640, 480]],
    ["jpeg", () => fx.jpeg(1024, 768), "image/jpeg", [1024, 768]],
    ["gif", () => fx.gif(32, 16), "image/gif", [32, 16]],
    ["webp (VP8X)", () => fx.webpVp8x(300, 200), "image/webp", [300, 200]],
    ["webp (VP8)", () => fx.webpVp8(120, 90), "image/webp", [120, 90]],
    ["webp (VP8L)", () => fx.webpVp8l(77, 5000), "image/webp", [77, 5000]],
    ["pdf", fx.pdf, "application/pdf", null],
    ["text", fx.text, "text/plain; charset=utf-8", null],
    ["doc", () => fx.ole("WordDocument"), "application/msword", null],
    ["xls", () => fx.ole("Workbook"), "application/vnd.ms-excel", null],
    ["docx", () => fx.zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"]), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", null],
    // openpyxl writes [Content_Types].xml last: the central directory still lists everything.
    ["xlsx", () => fx.zip(["docProps/app.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"]), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", null],
    ["webm/opus", () => fx.webm(), "audio/webm", null],
    ["ogg/opus", fx.ogg, "audio/ogg", null],
    ["mp3 (ID3)", fx.mp3Id3, "audio/mpeg", null],
    ["mp3 (frame sync)", fx.mp3Frames, "audio/mpeg", null],
    ["aac (ADTS)", fx.adts, "audio/aac", null],
    ["m4a", fx.m4a, "audio/mp4", null],
    ["wav", fx.wav, "audio/wav", null],
    ["webm/vp9 video", () => fx.webm("V_VP9"), "video/webm", null],
    ["mp4 (isom)", () => fx.isoMedia("isom"), "video/mp4", null],
    ["mp4 (mp42)", () => fx.isoMedia("mp42"), "video/mp4", null],
    ["mov", () => fx.isoMedia("qt  "), "video/quicktime", null],
    ["3gp", () => fx.isoMedia("3gp5"), "video/3gpp", null],
    ["mp4 with sound and picture", () => fx.isoMedia("mp42", ["soun", "vide"]), "video/mp4", null],
    // Android's voice recorder: an MP4 (or 3GP) of one sound track is a voice note, not a video.
    ["mp4 voice note (sound track only)", () => fx.isoMedia("mp42", ["soun"]), "audio/mp4", null],
    ["3gp voice note", () => fx.isoMedia("3gp4", ["soun"]), "audio/mp4", null],
  ];
  for (const [label, make, type, size] of cases) {
    it(`accepts ${label} as ${type}`, async () => {
      const u = await registerUser("up");
      // The client's claimed name and type are irrelevant.
      const data = make();
      const res = await upload(u, data, `claimed-${label}.exe`);
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      expect(res.json).toMatchObject({ content_type: type, size: data.length, uploader_id: u.id, room_id: null });
      expect([res.json.width, res.json.height]).toEqual(size ?? [null, null]);
      expect(res.json.kind).toBe(type.startsWith("image/") ? "image" : type.startsWith("audio/") ? "voice" : type.startsWith("video/") ? "video" : "file");
      const { res: got, body } = await download(`/api/v1/files/${res.json.id}`, { token: u.token });
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe(type);
      expect(body).toEqual(data);
    });
  }

  const refused: [string, () => Uint8Array][] = [
    ["a Windows executable named .png", fx.exe],
    ["an ELF binary named .png", fx.elf],
    ["a zip that is not an Office document", () => fx.zip(["a.txt", "b/c.txt"])],
    ["an OLE2 file that is neither Word nor Excel", () => fx.ole("PowerPoint Document")],
    ["a WebM with an unknown codec", () => fx.webm("V_THEORA")],
    ["ISO media of an unknown brand", () => fx.isoMedia("heic")],
    ["MP4 with no track", () => fx.isoMedia("isom", [])],
    ["text with a NUL byte", () => fx.bytes("hello\0world")],
    ["text with an escape sequence", () => fx.bytes("hello \x1b[31mred\x1b[0m")],
    ["text with a bell and a backspace", () => fx.bytes("ding\x07\x08")],
    ["text with a C1 control character", () => fx.bytes("next\xc2\x85line\xc2\x9b")],
    ["text with DEL", () => fx.bytes("rub\x7fout")],
    ["invalid UTF-8", () => fx.bytes("caf\xe9 au lait")],
  ];
  for (const [label, make] of refused) {
    it(`refuses ${label} (415)`, async () => {
      const u = await registerUser("up");
      const before = await allKeys();
      expectError(await upload(u, make(), "cat.png"), 415, "unsupported_media_type");
      expect(await allKeys()).toEqual(before);
    });
  }

  const programs: [string, () => Uint8Array][] = [
    ["a PE32+ executable", fx.pe],
    ["an MZ file of printable and control bytes", fx.mzText],
    ["an ELF binary", fx.elf],
    ["a Mach-O binary", fx.machO],
    ["a universal Mach-O binary", fx.machOFat],
    ["a WebAssembly module", fx.wasm],
    ["a shell script", fx.shellScript],
    ["a script behind a byte order mark and spaces", fx.bomShellScript],
    ["a batch file", fx.batchFile],
    ["a registry file", fx.regFile],
  ];
  for (const [label, make] of programs) {
    it(`refuses ${label} (415) whatever its name or declared type`, async () => {
      const u = await registerUser("up");
      const before = await allKeys();
      for (const [name, type] of [
        ["photo.jpg", "image/jpeg"],
        ["notes.txt", "text/plain"],
        ["setup.exe", "application/octet-stream"],
      ]) {
        const res = await upload(u, make(), name, [], { type });
        expectError(res, 415, "unsupported_media_type");
        expect(res.json.detail).toMatch(/^Executables and scripts are not accepted/);
      }
      expect(await allKeys()).toEqual(before);
    });
  }

  it("accepts text with tabs, CRLF and form feeds, and words that only look like commands later on", async () => {
    const u = await registerUser("up");
    const res = await upload(u, "col1\tcol2\r\nline\fpage\nplease run #!/bin/sh and @echo off\n", "notes.txt");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.content_type).toBe("text/plain; charset=utf-8");
  });

  it("refuses text that turns invalid far past the sniff window, and removes the partial object", async () => {
    const u = await registerUser("up");
    const before = await allKeys();
    const data = fx.bytes("a".repeat(200_000), [0xff], "tail");
    expectError(await upload(u, data, "notes.txt"), 415, "unsupported_media_type");
    expect(await allKeys()).toEqual(before);
  });

  it("refuses an empty file and a form without a file", async () => {
    const u = await registerUser("up");
    expectError(await upload(u, new Uint8Array(0)), 400, "empty_file");
    const form = fx.multipart([{ name: "room_id", data: "1" }]);
    const res = await api("POST", "/files", { token: u.token, raw: form.body, headers: { "Content-Type": form.contentType } });
    expectError(res, 400, "invalid_request");
    expect(res.json.errors[0].path).toBe("body.file");
  });

  it("refuses non-multipart bodies (415) and anonymous uploads (401)", async () => {
    const u = await registerUser("up");
    expectError(await api("POST", "/files", { token: u.token, body: { file: "x" } }), 415, "unsupported_media_type");
    const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.png(1, 1) }]);
    expectError(await api("POST", "/files", { raw: form.body, headers: { "Content-Type": form.contentType } }), 401);
  });

  it("accepts a browser FormData body, fields after the file included", async () => {
    const u = await registerUser("up");
    const room = await createRoom(u);
    const fd = new FormData();
    fd.append("file", new File([fx.png(3, 4)], "photo.png", { type: "image/png" }));
    fd.append("room_id", String(room.id));
    const res = await exports.default.fetch(`${BASE}/files`, { method: "POST", body: fd, headers: { Authorization: `Bearer ${u.token}` } });
    const json = (await res.json()) as any;
    expect(res.status, JSON.stringify(json)).toBe(201);
    expect(json).toMatchObject({ name: "photo.png", room_id: room.id, width: 3, height: 4, size: fx.png(3, 4).length });
  });

  it("handles any epilogue after the closing delimiter", async () => {
    const u = await registerUser("up");
    for (const epilogue of ["", "\r\n", "\r\nsome epilogue text\r\n"]) {
      const res = await upload(u, fx.png(2, 2), "a.png", [], { epilogue });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      const { body } = await download(`/api/v1/files/${res.json.id}`, { token: u.token });
      expect(body).toEqual(fx.png(2, 2));
    }
  });
});

describe("upload: names", () => {
  it("strips paths, control and bidi characters and quotes; caps the length keeping the extension", async () => {
    const u = await registerUser("nm");
    const res = await upload(u, fx.pdf(), 'C:\\\\Users\\\\me\\\\..\\\\re\\"port\t\u202egpj.pdf');
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.name).toBe("report" + "gpj.pdf");
    const long = await upload(u, fx.pdf(), `${"é".repeat(300)}.pdf`);
    expect(Array.from(long.json.name as string)).toHaveLength(200);
    expect(long.json.name.endsWith("é.pdf")).toBe(true);
    expect((await upload(u, fx.pdf(), "../..")).json.name).toBe("file");
  });

  it("serves images and audio inline, other types as attachments, with an RFC 5987 name", async () => {
    const u = await registerUser("nm");
    const img = await upload(u, fx.png(1, 1), "fête 1.png");
    const { res } = await download(`/api/v1/files/${img.json.id}`, { token: u.token });
    expect(res.headers.get("content-disposition")).toBe(`inline; filename="f_te 1.png"; filename*=UTF-8''f%C3%AAte%201.png`);
    const voice = await upload(u, fx.ogg(), "memo.ogg");
    expect((await download(`/api/v1/files/${voice.json.id}`, { token: u.token })).res.headers.get("content-disposition")).toMatch(/^inline;/);
    const doc = await upload(u, fx.pdf(), "report.pdf");
    const got = (await download(`/api/v1/files/${doc.json.id}`, { token: u.token })).res;
    expect(got.headers.get("content-disposition")).toMatch(/^attachment; filename="report.pdf"/);
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("upload: the stored object is the file", () => {
  const sha256 = async (b: Uint8Array) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].map((x) => x.toString(16).padStart(2, "0")).join("");
  /** A PNG header then bytes that differ everywhere (a lost, repeated or zero-filled range shows). */
  function file(size: number) {
    const data = new Uint8Array(size);
    let x = size >>> 0 || 1;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      data[i] = x & 0xff;
    }
    data.set(fx.png(640, 480).subarray(0, Math.min(size, 64)));
    return data;
  }

  // Around R2's part size (one put below it, a multipart upload from it on) and the upload limit.
  for (const size of [PART_BYTES - 1, PART_BYTES, PART_BYTES + 1, 2 * PART_BYTES - 1, MAX]) {
    it(`stores ${size} bytes as exactly ${size} bytes, whatever follows the file in the form`, async () => {
      const u = await registerUser("exact");
      const data = file(size);
      // A field after the file and an epilogue: framing the object must not absorb.
      const res = await upload(u, data, "exact.png", [{ name: "note", data: "after the file" }], { epilogue: "\r\n" });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      expect(res.json.size).toBe(size);
      const object = await env.MEDIA.get((await keyOf(res.json.id))!);
      expect(object).not.toBeNull();
      expect(object!.size).toBe(size);
      const stored = new Uint8Array(await object!.arrayBuffer());
      expect(stored.length).toBe(size);
      expect(await sha256(stored)).toBe(await sha256(data));
      expect(stored.every((b, i) => b === data[i])).toBe(true);
      // And the download serves the object as it is, whole and in ranges.
      const { body } = await download(`/api/v1/files/${res.json.id}`, { token: u.token });
      expect(await sha256(body)).toBe(await sha256(data));
      const tail = await download(`/api/v1/files/${res.json.id}`, { token: u.token, headers: { Range: "bytes=-3" } });
      expect(tail.res.status).toBe(206);
      expect([...tail.body]).toEqual([...data.subarray(size - 3)]);
    });
  }

  it("a multipart upload refused after the file (room_id after it) leaves no object", async () => {
    const [owner, outsider] = await Promise.all([registerUser("own"), registerUser("out")]);
    const room = await createRoom(owner);
    const before = await allKeys();
    expectError(await upload(outsider, file(PART_BYTES + 1), "a.png", [{ name: "room_id", data: String(room.id) }]), 403, "not_a_member");
    expect(await allKeys()).toEqual(before);
  });
});

describe("upload: size limit", () => {
  it("accepts exactly MAX_UPLOAD_BYTES and returns the same bytes", async () => {
    const u = await registerUser("big");
    const data = new Uint8Array(MAX);
    data.set(fx.png(4000, 3000));
    data[MAX - 1] = 0x42;
    const res = await upload(u, data, "big.png");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.size).toBe(MAX);
    const { res: got, body } = await download(`/api/v1/files/${res.json.id}`, { token: u.token });
    expect(got.headers.get("content-length")).toBe(String(MAX));
    expect(body.length).toBe(MAX);
    expect(body[MAX - 1]).toBe(0x42);
    expect((await env.MEDIA.head((await keyOf(res.json.id))!))).not.toBeNull();
  });

  it("cuts off MAX_UPLOAD_BYTES + 1 with 413 and leaves no object behind", async () => {
    const u = await registerUser("big");
    const before = await allKeys();
    const data = new Uint8Array(MAX + 1);
    data.set(fx.png(1, 1));
    expectError(await upload(u, data, "big.png"), 413, "payload_too_large");
    expect(await allKeys()).toEqual(before);
  });

  it("refuses a Content-Length over the limit before reading the body", async () => {
    const u = await registerUser("big");
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await exports.default.fetch(`${BASE}/files`, {
      method: "POST",
      body,
      headers: { Authorization: `Bearer ${u.token}`, "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(MAX * 2) },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).code).toBe("payload_too_large");
    expect(pulled).toBeLessThanOrEqual(2); // at most the stream's own read-ahead
  });

  it("refuses a body that does not match its Content-Length (longer: 413, shorter: 400) and stores nothing", async () => {
    const u = await registerUser("big");
    const before = await allKeys();
    const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.bytes(fx.png(1, 1), new Uint8Array(300_000)) }]);
    const send = (contentLength: number) =>
      exports.default.fetch(`${BASE}/files`, {
        method: "POST",
        // A stream, so the runtime does not fix the length itself.
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < form.body.length; i += 16 * 1024) controller.enqueue(form.body.slice(i, i + 16 * 1024));
            controller.close();
          },
        }),
        headers: { Authorization: `Bearer ${u.token}`, "Content-Type": form.contentType, "Content-Length": String(contentLength) },
      });
    const longer = await send(1000);
    expect([longer.status, ((await longer.json()) as any).code]).toEqual([413, "payload_too_large"]);
    const shorter = await send(form.body.length + 5000);
    expect([shorter.status, ((await shorter.json()) as any).code]).toEqual([400, "content_length_mismatch"]);
    expect(await allKeys()).toEqual(before);
  });

  it("requires a Content-Length (411) for streamed bodies", async () => {
    const u = await registerUser("big");
    const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.png(1, 1) }]);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(form.body);
        controller.close();
      },
    });
    const res = await exports.default.fetch(`${BASE}/files`, {
      method: "POST",
      body,
      headers: { Authorization: `Bearer ${u.token}`, "Content-Type": form.contentType },
    });
    expect(res.status).toBe(411);
  });

  it("keeps the 1 MiB JSON limit on other routes", async () => {
    const u = await registerUser("big");
    const res = await api("POST", "/chat-rooms/", { token: u.token, raw: "x".repeat(1024 * 1024 + 1), headers: { "Content-Type": "application/json" } });
    expectError(res, 413, "payload_too_large");
  });
});

describe("download", () => {
  async function stored() {
    const u = await registerUser("dl");
    const data = fx.bytes("0123456789abcdefghij"); // 20 bytes of valid text
    const res = await upload(u, data, "digits.txt");
    expect(res.status).toBe(201);
    return { u, id: res.json.id as number, url: res.json.url as string, data };
  }

  it("sends validators, caching and safety headers", async () => {
    const { u, id } = await stored();
    const { res } = await download(`/api/v1/files/${id}`, { token: u.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("20");
    expect(res.headers.get("etag")).toMatch(/^".+"$/);
    expect(new Date(res.headers.get("last-modified")!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("answers HEAD with the headers only", async () => {
    const { u, id } = await stored();
    const res = await exports.default.fetch(`${BASE}/files/${id}`, { method: "HEAD", headers: { Authorization: `Bearer ${u.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("20");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await api("GET", "/openapi.json")).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/files", "/api/v1/files/{file_id}", "/api/v1/files/{file_id}/info"]));
    expect(doc.paths["/api/v1/files"].post.requestBody.content["multipart/form-data"].schema.required).toEqual(["file"]);
  });

  it("answers 304 to If-None-Match and If-Modified-Since", async () => {
    const { u, id } = await stored();
    const first = (await download(`/api/v1/files/${id}`, { token: u.token })).res;
    const etag = first.headers.get("etag")!;
    const again = await download(`/api/v1/files/${id}`, { token: u.token, headers: { "If-None-Match": `"other", ${etag}` } });
    expect(again.res.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.res.headers.get("etag")).toBe(etag);
    expect((await download(`/api/v1/files/${id}`, { token: u.token, headers: { "If-None-Match": `W/${etag}` } })).res.status).toBe(304);
    expect((await download(`/api/v1/files/${id}`, { token: u.token, headers: { "If-None-Match": '"nope"' } })).res.status).toBe(200);
    const ims = new Date(Date.now() + 60_000).toUTCString();
    expect((await download(`/api/v1/files/${id}`, { token: u.token, headers: { "If-Modified-Since": ims } })).res.status).toBe(304);
    const old = new Date(Date.now() - 3_600_000).toUTCString();
    expect((await download(`/api/v1/files/${id}`, { token: u.token, headers: { "If-Modified-Since": old } })).res.status).toBe(200);
  });

  it("serves single byte ranges: first bytes, suffix, open end; 416 when unsatisfiable", async () => {
    const { u, id, data } = await stored();
    const get = (range: string, more: Record<string, string> = {}) => download(`/api/v1/files/${id}`, { token: u.token, headers: { Range: range, ...more } });
    const text = (b: Uint8Array) => new TextDecoder().decode(b);

    const first = await get("bytes=0-4");
    expect(first.res.status).toBe(206);
    expect(text(first.body)).toBe("01234");
    expect(first.res.headers.get("content-range")).toBe("bytes 0-4/20");
    expect(first.res.headers.get("content-length")).toBe("5");

    const suffix = await get("bytes=-3");
    expect([suffix.res.status, text(suffix.body), suffix.res.headers.get("content-range")]).toEqual([206, "hij", "bytes 17-19/20"]);
    const open = await get("bytes=15-");
    expect([open.res.status, text(open.body), open.res.headers.get("content-range")]).toEqual([206, "fghij", "bytes 15-19/20"]);
    const clamped = await get("bytes=18-1000");
    expect([clamped.res.status, text(clamped.body)]).toEqual([206, "ij"]);

    const beyond = await get("bytes=20-");
    expect(beyond.res.status).toBe(416);
    expect(beyond.res.headers.get("content-range")).toBe("bytes */20");
    expect((await get("bytes=-0")).res.status).toBe(416);

    // Multi-range and malformed ranges are ignored: the whole file.
    for (const r of ["bytes=0-1,5-6", "bytes=5-3", "items=0-1"]) {
      const whole = await get(r);
      expect([whole.res.status, whole.body]).toEqual([200, data]);
    }
    // If-Range with a stale validator: the whole file, not a range of a different version.
    expect((await get("bytes=0-4", { "If-Range": '"stale"' })).res.status).toBe(200);
    const etag = first.res.headers.get("etag")!;
    expect((await get("bytes=0-4", { "If-Range": etag })).res.status).toBe(206);
  });

  it("lets the uploader, room members and system admins in; everyone else gets 404", async () => {
    const [owner, member, outsider, admin, leaver] = await Promise.all(["own", "mem", "out", "adm", "lv"].map((p) => registerUser(p)));
    await makeAdmin(admin);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    await join(room, owner, leaver);
    const inRoom = await upload(member, fx.png(5, 5), "room.png", [{ name: "room_id", data: String(room.id) }]);
    expect(inRoom.status, JSON.stringify(inRoom.json)).toBe(201);
    expect(inRoom.json.room_id).toBe(room.id);
    const mine = await upload(member, fx.png(6, 6), "mine.png");
    const path = (id: number) => `/api/v1/files/${id}`;

    for (const who of [owner, member, admin, leaver]) expect((await download(path(inRoom.json.id), { token: who.token })).res.status).toBe(200);
    expect((await download(path(inRoom.json.id), { token: outsider.token })).res.status).toBe(404);
    // Leaving the room ends access to its files.
    expect((await api("DELETE", `/chat-rooms/${room.id}/members/${leaver.id}`, { token: leaver.token })).status).toBe(204);
    expect((await download(path(inRoom.json.id), { token: leaver.token })).res.status).toBe(404);
    // A file in no room: its uploader and admins only.
    expect((await download(path(mine.json.id), { token: member.token })).res.status).toBe(200);
    expect((await download(path(mine.json.id), { token: admin.token })).res.status).toBe(200);
    expect((await download(path(mine.json.id), { token: owner.token })).res.status).toBe(404);
    // Unknown file and no credentials.
    expect((await download(path(999_999_999), { token: owner.token })).res.status).toBe(404);
    expect((await download(path(mine.json.id))).res.status).toBe(401);
  });

  it("refuses room_id for a room the uploader is not an active member of", async () => {
    const [owner, outsider] = await Promise.all([registerUser("own"), registerUser("out")]);
    const room = await createRoom(owner);
    const before = await allKeys();
    // room_id after the file: checked once the body is read, and the stored object is removed.
    expectError(await upload(outsider, fx.png(1, 1), "a.png", [{ name: "room_id", data: String(room.id) }]), 403, "not_a_member");
    // room_id before the file: refused before anything is stored.
    const form = fx.multipart([{ name: "room_id", data: String(room.id) }, { name: "file", filename: "a.png", data: fx.png(1, 1) }]);
    expectError(await api("POST", "/files", { token: outsider.token, raw: form.body, headers: { "Content-Type": form.contentType } }), 403, "not_a_member");
    expectError(await upload(outsider, fx.png(1, 1), "a.png", [{ name: "room_id", data: "999999999" }]), 404);
    expectError(await upload(outsider, fx.png(1, 1), "a.png", [{ name: "room_id", data: "abc" }]), 400, "invalid_request");
    expect(await allKeys()).toEqual(before);
  });

  it("accepts a valid signed URL without a token; tampered, foreign and expired signatures are 403", async () => {
    const { id, url, data } = await stored();
    expect(url).toMatch(new RegExp(`^/api/v1/files/${id}\\?exp=\\d+&sig=[0-9a-f]{64}$`));
    const ok = await download(url);
    expect(ok.res.status).toBe(200);
    expect(ok.body).toEqual(data);
    expect(Number(ok.res.headers.get("cache-control")!.match(/max-age=(\d+)/)![1])).toBeLessThanOrEqual(3600 + URL_WINDOW_SECONDS);
    // Ranges work on signed URLs too (audio seeking).
    expect((await download(url, { headers: { Range: "bytes=0-1" } })).res.status).toBe(206);

    const sig = url.match(/sig=([0-9a-f]+)/)![1];
    const flipped = url.replace(sig, (sig[0] === "a" ? "b" : "a") + sig.slice(1));
    const tampered = await download(flipped);
    expect(tampered.res.status).toBe(403);
    expect(((await tampered.res.json().catch(() => null)) as any) ?? JSON.parse(new TextDecoder().decode(tampered.body))).toMatchObject({ code: "invalid_signature" });
    const later = url.replace(/exp=(\d+)/, (_, e) => `exp=${Number(e) + 100}`);
    expect((await download(later)).res.status).toBe(403);
    // Valid for one file only.
    expect((await download(url.replace(`/files/${id}?`, `/files/${id + 1}?`))).res.status).toBe(403);
    expect((await download(`/api/v1/files/${id}?sig=${sig}`)).res.status).toBe(403);

    const expired = await download(signedFileUrl(env, id, Date.now() - 2 * 3600 * 1000));
    expect(expired.res.status).toBe(403);
    expect(JSON.parse(new TextDecoder().decode(expired.body)).code).toBe("signature_expired");
  });

  it("re-issues URLs valid for at least the lifetime, identical within a 5-minute window so browsers can cache", async () => {
    const { u, id, url } = await stored();
    const info = await api("GET", `/files/${id}/info`, { token: u.token });
    expect(info.status).toBe(200);
    const exp = (s: string) => Number(s.match(/exp=(\d+)/)![1]);
    const now = Math.floor(Date.now() / 1000);
    expect(exp(info.json.url) % URL_WINDOW_SECONDS).toBe(0);
    expect(exp(info.json.url) - now).toBeGreaterThanOrEqual(3600 - 1);
    expect(exp(info.json.url) - now).toBeLessThanOrEqual(3600 + URL_WINDOW_SECONDS);
    expect(exp(info.json.url)).toBeGreaterThanOrEqual(exp(url));
    // Fetched again later (history reloaded an hour on), the URL is a new, later one.
    const later = signedFileUrl(env, id, Date.now() + 3600 * 1000);
    expect(exp(later)).toBeGreaterThan(exp(info.json.url));
    expect((await download(later)).res.status).toBe(200);
  });
});

describe("info, list, delete", () => {
  it("lists your uploads newest first, paged", async () => {
    const u = await registerUser("ls");
    const other = await registerUser("ls");
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(u, fx.png(1, i + 1), `p${i}.png`)).json.id);
    await upload(other, fx.pdf(), "not-mine.pdf");
    const all = await api("GET", "/files", { token: u.token });
    expect(all.json.map((f: any) => f.id)).toEqual([...ids].reverse());
    const page = await api("GET", "/files?limit=1&offset=1", { token: u.token });
    expect(page.json.map((f: any) => f.id)).toEqual([ids[1]]);
    expectError(await api("GET", "/files?limit=0", { token: u.token }), 400, "invalid_request");
  });

  it("shows info to those who may download, and 404 to others", async () => {
    const [u, outsider] = await Promise.all([registerUser("in"), registerUser("in")]);
    const f = await upload(u, fx.gif(9, 8), "g.gif");
    const info = await api("GET", `/files/${f.json.id}/info`, { token: u.token });
    expect(info.json).toMatchObject({ id: f.json.id, name: "g.gif", content_type: "image/gif", width: 9, height: 8, kind: "image" });
    expectError(await api("GET", `/files/${f.json.id}/info`, { token: outsider.token }), 404);
    expectError(await api("GET", `/files/abc/info`, { token: u.token }), 400, "invalid_request");
  });

  it("deletes (uploader or system admin) the row and the object", async () => {
    const [owner, member, admin] = await Promise.all([registerUser("de"), registerUser("de"), registerUser("de")]);
    await makeAdmin(admin);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    const f = await upload(owner, fx.pdf(), "doc.pdf", [{ name: "room_id", data: String(room.id) }]);
    const key = (await keyOf(f.json.id))!;
    expectError(await api("DELETE", `/files/${f.json.id}`, { token: member.token }), 403);
    expect((await api("DELETE", `/files/${f.json.id}`, { token: owner.token })).status).toBe(204);
    expect(await env.MEDIA.head(key)).toBeNull();
    expect(await keyOf(f.json.id)).toBeNull();
    expectError(await api("GET", `/files/${f.json.id}/info`, { token: owner.token }), 404);
    expect((await download(f.json.url)).res.status).toBe(404);

    const g = await upload(member, fx.pdf(), "doc.pdf");
    expectError(await api("DELETE", `/files/${g.json.id}`, { token: owner.token }), 404);
    expect((await api("DELETE", `/files/${g.json.id}`, { token: admin.token })).status).toBe(204);
  });
});

describe("attachments and cascades", () => {
  it("resolveAttachment: uploader attaches a fresh file; members may reuse it; other rooms and outsiders are refused", async () => {
    const [owner, member, outsider, admin] = await Promise.all(["ao", "am", "ax", "aa"].map((p) => registerUser(p)));
    const room = await createRoom(owner, { require_approval: false });
    const other = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    await join(other, owner, outsider);
    const db = getDb(env.DB);
    const f = await upload(member, fx.png(10, 20), "pic.png");

    // Outsider cannot use someone else's roomless file.
    await expect(resolveAttachment(env, db, authUser(outsider), room.id, { file_id: f.json.id })).rejects.toMatchObject({ status: 404 });
    const att = await resolveAttachment(env, db, authUser(member), room.id, { media_url: f.json.url });
    expect(att).toMatchObject({ file_id: f.json.id, file_name: "pic.png", content_type: "image/png", width: 10, height: 20, kind: "image" });
    expect(att.file_size).toBe(f.json.size);
    expect(att.media_url).toMatch(new RegExp(`^/api/v1/files/${f.json.id}\\?exp=`));
    expect((await api("GET", `/files/${f.json.id}/info`, { token: member.token })).json.room_id).toBe(room.id);
    // Now in the room: the owner (a member) can forward it there and download it.
    await expect(resolveAttachment(env, db, authUser(owner), room.id, { file_id: f.json.id })).resolves.toMatchObject({ file_id: f.json.id });
    expect((await download(`/api/v1/files/${f.json.id}`, { token: owner.token })).res.status).toBe(200);
    // Not into a second room, not even by an admin.
    await expect(resolveAttachment(env, db, authUser(admin, true), other.id, { file_id: f.json.id })).rejects.toMatchObject({
      status: 400,
      code: "file_in_other_room",
    });
    // URLs: absolute path, absolute URL on our origin; foreign hosts and other paths are refused.
    await expect(resolveAttachment(env, db, authUser(member), room.id, { media_url: `https://edge.test/api/v1/files/${f.json.id}?x=1`, origin: "https://edge.test" })).resolves.toBeTruthy();
    for (const media_url of [`https://evil.test/api/v1/files/${f.json.id}`, "/api/v1/users/1", "javascript:alert(1)", "not a url"])
      await expect(resolveAttachment(env, db, authUser(member), room.id, { media_url, origin: "https://edge.test" })).rejects.toMatchObject({
        status: 400,
        code: "invalid_media_url",
      });
    await expect(resolveAttachment(env, db, authUser(member), room.id, { file_id: f.json.id, media_url: `/api/v1/files/${f.json.id + 1}` })).rejects.toMatchObject({ code: "media_mismatch" });
    await expect(resolveAttachment(env, db, authUser(member), room.id, {})).rejects.toMatchObject({ code: "media_required" });
    // A system admin may attach anyone's roomless file.
    const g = await upload(outsider, fx.ogg(), "memo.ogg");
    await expect(resolveAttachment(env, db, authUser(admin, true), room.id, { file_id: g.json.id })).resolves.toMatchObject({ kind: "voice" });
  });

  it("deleting a room deletes its files' objects and rows", async () => {
    const owner = await registerUser("rd");
    const room = await createRoom(owner);
    const kept = await upload(owner, fx.pdf(), "kept.pdf");
    const ids: number[] = [];
    for (const data of [fx.png(1, 1), fx.pdf(), fx.ogg()])
      ids.push((await upload(owner, data, "f", [{ name: "room_id", data: String(room.id) }])).json.id);
    const keys = await Promise.all(ids.map(keyOf));
    for (const k of keys) expect(await env.MEDIA.head(k!)).not.toBeNull();
    expect((await api("DELETE", `/chat-rooms/${room.id}`, { token: owner.token })).status).toBe(204);
    for (const k of keys) expect(await env.MEDIA.head(k!)).toBeNull();
    for (const id of ids) expect(await keyOf(id)).toBeNull();
    expect(await env.MEDIA.head((await keyOf(kept.json.id))!)).not.toBeNull();
  });

  it("deleting an account deletes its roomless files and keeps the ones in rooms", async () => {
    const [owner, leaving] = await Promise.all([registerUser("ad"), registerUser("ad")]);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, leaving);
    const orphan = await upload(leaving, fx.pdf(), "mine.pdf");
    const shared = await upload(leaving, fx.png(2, 2), "shared.png", [{ name: "room_id", data: String(room.id) }]);
    const orphanKey = (await keyOf(orphan.json.id))!;
    const sharedKey = (await keyOf(shared.json.id))!;
    expect((await api("DELETE", "/users/me", { token: leaving.token, body: { password: "password123" } })).status).toBe(204);
    expect(await env.MEDIA.head(orphanKey)).toBeNull();
    expect(await keyOf(orphan.json.id)).toBeNull();
    expect(await env.MEDIA.head(sharedKey)).not.toBeNull();
    const info = await api("GET", `/files/${shared.json.id}/info`, { token: owner.token });
    expect(info.json).toMatchObject({ uploader_id: null, room_id: room.id });
  });

  it("a deletion refused with owns_rooms deletes no file", async () => {
    const owner = await registerUser("ad");
    await createRoom(owner);
    const orphan = await upload(owner, fx.pdf(), "keep.pdf");
    const key = (await keyOf(orphan.json.id))!;
    expectError(await api("DELETE", "/users/me", { token: owner.token, body: { password: "password123" } }), 409, "owns_rooms");
    expect(await keyOf(orphan.json.id)).toBe(key);
    expect(await env.MEDIA.head(key)).not.toBeNull();
  });
});
