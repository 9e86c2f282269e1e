// What an upload really is, from its bytes (never from the client's name or Content-Type), and
// image dimensions from format headers. Most types are settled by the first bytes; text, OLE2
// (DOC/XLS) and OOXML zips (DOCX/XLSX) are confirmed while the rest of the file streams past.

export type Kind = "image" | "voice" | "video" | "file";
export type Sniffed = { contentType: string; kind: Kind; width: number | null; height: number | null };

/** Looks at the bytes that follow the head, in order; settles the type once the file has ended. */
export interface Inspector {
  /** false as soon as the content can no longer be an allowed type (the upload stops there). */
  push(chunk: Uint8Array): boolean;
  /** The verdict once every byte was pushed; null when it is not an allowed type. */
  finish(): Sniffed | null;
}

/** How much of the file's start is held before deciding (JPEG SOF and WebM tracks sit in it). */
export const SNIFF_BYTES = 64 * 1024;

export const TEXT = "text/plain; charset=utf-8";
export const DOC = "application/msword";
export const XLS = "application/vnd.ms-excel";
export const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const kindOf = (contentType: string): Kind =>
  contentType.startsWith("image/") ? "image" : contentType.startsWith("audio/") ? "voice" : contentType.startsWith("video/") ? "video" : "file";

/** An inspector for the file starting with `head` (the first SNIFF_BYTES, or all of a smaller file); null = refuse now. */
export function sniff(head: Uint8Array): Inspector | null {
  const b = head;
  if (starts(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return settled("image/png", ascii(b, 12, "IHDR") ? [u32be(b, 16), u32be(b, 20)] : null);
  if (starts(b, 0, [0xff, 0xd8, 0xff])) return settled("image/jpeg", jpegSize(b));
  if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return settled("image/gif", b.length >= 10 ? [u16le(b, 6), u16le(b, 8)] : null);
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return settled("image/webp", webpSize(b));
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE")) return settled("audio/wav");
  if (ascii(b, 0, "%PDF-")) return settled("application/pdf");
  if (starts(b, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return fed(oleInspector(), b);
  if (starts(b, 0, [0x50, 0x4b, 0x03, 0x04])) return fed(ooxmlInspector(), b);
  if (starts(b, 0, [0x1a, 0x45, 0xdf, 0xa3])) {
    const w = webm(b);
    return w === "audio" ? settled("audio/webm") : w === "video" ? settled("video/webm") : null;
  }
  if (ascii(b, 0, "OggS")) return oggAudio(b) ? settled("audio/ogg") : null;
  if (ascii(b, 4, "ftyp")) {
    if (m4a(b)) return settled("audio/mp4");
    const video = isoVideo(b);
    return video ? fed(isoInspector(video), b) : null;
  }
  if (ascii(b, 0, "ID3")) return settled("audio/mpeg");
  if (b[0] === 0xff && b.length >= 4) {
    if (frames(b, adtsFrame)) return settled("audio/aac");
    if (frames(b, mp3Frame)) return settled("audio/mpeg");
  }
  return fed(textInspector(), b);
}

// ---------------------------------------------------------------- programs

const MACHO = [
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  // Universal ("fat") binaries, 32- and 64-bit; the first is also a Java class file.
  [0xca, 0xfe, 0xba, 0xbe],
  [0xca, 0xfe, 0xba, 0xbf],
];
/** What runs a script, on its first line: a shebang, or the lines batch and registry files start with. */
const SCRIPT_START: [RegExp, string][] = [
  [/^#!/, "a script (#! line)"],
  [/^(?:@\s*echo\b|echo\s+off\b|@\s*setlocal\b|@\s*rem\b)/i, "a batch file"],
  [/^(?:Windows Registry Editor Version|REGEDIT4)/, "a registry file"],
];

/**
 * Programs and scripts, whatever their name or declared type, and whatever else their bytes might
 * also pass for (an `MZ` file of printable bytes is still a DOS program to Windows): what it is,
 * or null. Checked on the file's first bytes before any other sniffing; these are never accepted.
 */
export function executable(head: Uint8Array): string | null {
  if (ascii(head, 0, "MZ")) return "a Windows or DOS executable";
  if (starts(head, 0, [0x7f, 0x45, 0x4c, 0x46])) return "an ELF executable";
  if (MACHO.some((m) => starts(head, 0, m))) return "a Mach-O executable";
  if (starts(head, 0, [0x00, 0x61, 0x73, 0x6d])) return "a WebAssembly module";
  if (ascii(head, 0, "dex\n")) return "an Android executable";
  if (starts(head, 0, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return "a Windows shortcut";
  // Scripts are text: look at the first line, after a byte order mark and leading blank space.
  const start = new TextDecoder().decode(head.subarray(0, 256)).replace(/^\s+/, "");
  for (const [pattern, what] of SCRIPT_START) if (pattern.test(start)) return what;
  return null;
}

// ---------------------------------------------------------------- helpers

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);

function starts(b: Uint8Array, at: number, bytes: ArrayLike<number>) {
  if (at + bytes.length > b.length) return false;
  for (let i = 0; i < bytes.length; i++) if (b[at + i] !== bytes[i]) return false;
  return true;
}
function ascii(b: Uint8Array, at: number, s: string) {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}
/** Index of `needle` in `hay` from `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(needle[0], from); i !== -1 && i <= last; i = hay.indexOf(needle[0], i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

function settled(contentType: string, size: [number, number] | null = null): Inspector {
  const verdict: Sniffed = { contentType, kind: kindOf(contentType), width: size?.[0] ?? null, height: size?.[1] ?? null };
  return { push: () => true, finish: () => verdict };
}
const fed = (inspector: Inspector, head: Uint8Array) => (inspector.push(head) ? inspector : null);

/**
 * Reads the handler of every track (`hdlr` boxes, wherever `moov` sits, often at the end) as the
 * file streams past: a `vide` track makes it `videoType`, sound only makes it audio/mp4 (a voice
 * note), and no track handler at all is not a media file.
 */
function isoInspector(videoType: string): Inspector {
  const HDLR = bytes("hdlr");
  // "hdlr", version and flags (4), pre_defined (4), then the handler type.
  const SPAN = 16;
  let carry = new Uint8Array(0);
  let video = false;
  let sound = false;
  return {
    push(chunk) {
      const b = carry.length ? concat(carry, chunk) : chunk;
      for (let i = indexOfBytes(b, HDLR); i !== -1 && i + SPAN <= b.length; i = indexOfBytes(b, HDLR, i + 1)) {
        if (ascii(b, i + 12, "vide")) video = true;
        else if (ascii(b, i + 12, "soun")) sound = true;
      }
      carry = b.slice(Math.max(0, b.length - (SPAN - 1)));
      return true;
    },
    finish: () => (video ? settled(videoType).finish() : sound ? settled("audio/mp4").finish() : null),
  };
}

// ---------------------------------------------------------------- image dimensions

/** Walks JPEG markers to the first start-of-frame; null when it is not within the head. */
function jpegSize(b: Uint8Array): [number, number] | null {
  let i = 2;
  while (i + 9 <= b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (m === 0xd9 || m === 0xda) return null; // end of image / scan data before any frame header
    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [u16be(b, i + 7), u16be(b, i + 5)];
    i += 2 + u16be(b, i + 2);
  }
  return null;
}

function webpSize(b: Uint8Array): [number, number] | null {
  if (ascii(b, 12, "VP8 ") && b.length >= 30 && starts(b, 23, [0x9d, 0x01, 0x2a]))
    return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff];
  if (ascii(b, 12, "VP8L") && b.length >= 25 && b[20] === 0x2f)
    return [1 + (((b[22] & 0x3f) << 8) | b[21]), 1 + (((b[24] & 0x0f) << 10) | (b[23] << 2) | ((b[22] & 0xc0) >> 6))];
  if (ascii(b, 12, "VP8X") && b.length >= 30) return [1 + u24le(b, 24), 1 + u24le(b, 27)];
  return null;
}

// ---------------------------------------------------------------- audio

/**
 * WebM by its tracks in the head: "audio" with an Opus or Vorbis track and no video track
 * (MediaRecorder voice notes), "video" with a VP8, VP9 or AV1 track; null otherwise.
 */
function webm(b: Uint8Array): "audio" | "video" | null {
  const codec = (prefix: string) => {
    // CodecID element (0x86), a one-byte size, then the id.
    for (let i = indexOfBytes(b, bytes(prefix)); i !== -1; i = indexOfBytes(b, bytes(prefix), i + 1))
      if (i >= 2 && b[i - 2] === 0x86 && b[i - 1] >= 0x81) return true;
    return false;
  };
  if (indexOfBytes(b, bytes("\x42\x82\x84webm")) === -1) return null;
  if (codec("V_VP8") || codec("V_VP9") || codec("V_AV1")) return "video";
  return (codec("A_OPUS") || codec("A_VORBIS")) && !codec("V_") ? "audio" : null;
}

/**
 * ISO media (MP4, QuickTime, 3GP) by its major brand: the containers phones and browsers record.
 * The brand does not say whether there is a picture (an Android voice note is `mp42` or `3gp4`),
 * so isoInspector settles it from the tracks' handlers.
 */
function isoVideo(b: Uint8Array): string | null {
  if (b.length < 12) return null;
  const brand = String.fromCharCode(b[8], b[9], b[10], b[11]);
  if (brand === "qt  ") return "video/quicktime";
  if (/^3g[p2]/.test(brand)) return "video/3gpp";
  if (/^(isom|iso[2-9]|mp41|mp42|avc1|M4V |M4VH|M4VP|dash|mmp4)$/.test(brand)) return "video/mp4";
  return null;
}

/** The first Ogg page carries the codec's identification header: audio codecs only. */
function oggAudio(b: Uint8Array) {
  if (b.length < 28) return false;
  const at = 27 + b[26];
  return ascii(b, at, "OpusHead") || ascii(b, at, "\x01vorbis") || ascii(b, at, "\x7fFLAC") || ascii(b, at, "Speex   ");
}

/** ISO media whose major or compatible brands say M4A/M4B (audio-only MPEG-4). */
function m4a(b: Uint8Array) {
  const end = Math.min(u32be(b, 0), b.length);
  for (let i = 8; i + 4 <= end; i += i === 8 ? 8 : 4) if (ascii(b, i, "M4A ") || ascii(b, i, "M4B ")) return true;
  return false;
}

type Frame = (b: Uint8Array, i: number) => number; // frame length at i, or 0 when there is no valid header

const adtsFrame: Frame = (b, i) => {
  if (i + 7 > b.length || b[i] !== 0xff || (b[i + 1] & 0xf6) !== 0xf0 || ((b[i + 2] >> 2) & 0x0f) > 12) return 0;
  const len = ((b[i + 3] & 0x03) << 11) | (b[i + 4] << 3) | (b[i + 5] >> 5);
  return len >= 7 ? len : 0;
};

const MP3_KBPS = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** An MPEG audio Layer III frame header (the MP3 frame sync). */
const mp3Frame: Frame = (b, i) => {
  if (i + 4 > b.length || b[i] !== 0xff || (b[i + 1] & 0xe0) !== 0xe0) return 0;
  const version = (b[i + 1] >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5, 1 reserved
  const layer = (b[i + 1] >> 1) & 3; // 1 = Layer III
  const rateIdx = b[i + 2] >> 4;
  const srIdx = (b[i + 2] >> 2) & 3;
  if (version === 1 || layer !== 1 || rateIdx === 0 || rateIdx === 15 || srIdx === 3) return 0;
  const kbps = (version === 3 ? MP3_KBPS.v1 : MP3_KBPS.v2)[rateIdx];
  const padding = (b[i + 2] >> 1) & 1;
  return Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / MP3_RATES[version][srIdx]) + padding;
};

/** A frame header at 0, and another where it says the next frame starts when the head reaches that far. */
function frames(b: Uint8Array, frame: Frame) {
  const len = frame(b, 0);
  if (!len) return false;
  return len + 4 > b.length || frame(b, len) > 0;
}

// ---------------------------------------------------------------- streamed inspections

/** Control characters text has no business carrying: all of C0 and C1 but whitespace (tab, LF, VT, FF, CR), and DEL. */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/;

/** Valid UTF-8 without control characters other than whitespace, over the whole file. */
function textInspector(): Inspector {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let ok = true;
  return {
    push(chunk) {
      if (!ok) return false;
      try {
        ok = !CONTROL.test(decoder.decode(chunk, { stream: true }));
      } catch {
        ok = false;
      }
      return ok;
    },
    finish() {
      try {
        decoder.decode();
      } catch {
        ok = false; // ends inside a multi-byte sequence
      }
      return ok ? { contentType: TEXT, kind: "file", width: null, height: null } : null;
    },
  };
}

/**
 * OLE2 compound files are Word 97 (.doc), Excel 97 (.xls), but also PowerPoint, Outlook messages and
 * MSI installers. Directory entries are 128-byte records at 128-aligned offsets; the file is a DOC
 * when an entry names the stream "WordDocument", an XLS for "Workbook" (or Excel 5 "Book"). Every
 * aligned record is checked as it streams by, wherever the directory sectors are.
 */
function oleInspector(): Inspector {
  const names: [Uint8Array, string][] = [
    [utf16z("WordDocument"), DOC],
    [utf16z("Workbook"), XLS],
    [utf16z("Book"), XLS],
  ];
  const record = new Uint8Array(128);
  let filled = 0; // bytes of the current 128-byte record seen so far
  let found: string | null = null;
  const check = (r: Uint8Array) => {
    if (found || r[66] !== 2) return; // 2 = stream entry
    for (const [name, type] of names)
      if (u16le(r, 64) === name.length && starts(r, 0, name)) return void (found = type);
  };
  return {
    push(chunk) {
      let i = 0;
      if (filled) {
        const n = Math.min(128 - filled, chunk.length);
        record.set(chunk.subarray(0, n), filled);
        filled += n;
        i = n;
        if (filled < 128) return true;
        check(record);
        filled = 0;
      }
      for (; i + 128 <= chunk.length; i += 128) if (!found && (chunk[i] === 0x57 || chunk[i] === 0x42)) check(chunk.subarray(i, i + 128));
      record.set(chunk.subarray(i));
      filled = chunk.length - i;
      return true;
    },
    finish: () => (found ? { contentType: found, kind: "file", width: null, height: null } : null),
  };
}
const utf16z = (s: string) => Uint8Array.from([...s].flatMap((ch) => [ch.charCodeAt(0), 0]).concat([0, 0]));

/**
 * DOCX/XLSX are OPC zips: "[Content_Types].xml" plus a word/ or xl/ part. Entry names are read from
 * every local file header and central directory record in the stream (the central directory, at
 * the end, lists all of them, so the entry order inside the zip does not matter). When both appear
 * (a document embedding a workbook), the first main part seen wins.
 */
function ooxmlInspector(): Inspector {
  const LOCAL = bytes("PK\x03\x04");
  const CENTRAL = bytes("PK\x01\x02");
  const NAME = 24; // enough of a name to tell "[Content_Types].xml" (19) from a longer one
  const NEED = 46 + NAME; // central header + that much of its name
  let carry = new Uint8Array(0);
  let contentTypes = false;
  let main: string | null = null;
  let prefix: string | null = null;
  const see = (name: string) => {
    if (name === "[Content_Types].xml") contentTypes = true;
    else if (name === "word/document.xml") main ??= DOCX;
    else if (name === "xl/workbook.xml") main ??= XLSX;
    if (name.startsWith("word/")) prefix ??= DOCX;
    else if (name.startsWith("xl/")) prefix ??= XLSX;
  };
  const entryName = (b: Uint8Array, lenAt: number, nameAt: number) =>
    String.fromCharCode(...b.subarray(nameAt, nameAt + Math.min(u16le(b, lenAt), NAME)));
  const scan = (b: Uint8Array, final: boolean) => {
    const stop = final ? b.length : b.length - NEED + 1; // records starting later are retried with the next chunk
    for (let i = b.indexOf(0x50); i !== -1 && i < stop; i = b.indexOf(0x50, i + 1)) {
      if (starts(b, i, LOCAL) && i + 30 <= b.length) see(entryName(b, i + 26, i + 30));
      else if (starts(b, i, CENTRAL) && i + 46 <= b.length) see(entryName(b, i + 28, i + 46));
    }
    return Math.max(0, stop);
  };
  return {
    push(chunk) {
      const b = carry.length ? concat(carry, chunk) : chunk;
      carry = b.slice(scan(b, false));
      return true;
    },
    finish() {
      scan(carry, true);
      carry = new Uint8Array(0);
      const type = contentTypes ? (main ?? prefix) : null;
      return type ? { contentType: type, kind: "file", width: null, height: null } : null;
    },
  };
}

export function concat(a: Uint8Array, b: Uint8Array) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
