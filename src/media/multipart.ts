// A streaming multipart/form-data reader (RFC 7578 / RFC 2046): part headers, then the part's body
// in chunks as the network delivers them. It never holds more than one network chunk plus a
// delimiter's length, so an upload is not buffered whatever its size.
import { badRequest } from "../http/errors";
import { concat, indexOfBytes } from "./sniff";

export type PartHeaders = { name: string | null; filename: string | null; contentType: string | null };

const enc = new TextEncoder();
const dec = new TextDecoder();
const CRLF = enc.encode("\r\n");
const HEADER_END = enc.encode("\r\n\r\n");
const MAX_HEADER_BYTES = 8 * 1024;
/** Reads fill buffers of this size: request bodies otherwise arrive in ~4 KiB chunks, one await each. */
const READ_BYTES = 64 * 1024;

const malformed = (detail: string) => badRequest("malformed_multipart", detail);

/** The boundary of a multipart/form-data Content-Type, or null for any other type. */
export function formBoundary(contentType: string | null | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

export class MultipartReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader;
  /** "\r\n--boundary": every delimiter, the first one included since the reader starts after a virtual CRLF. */
  private readonly delim: Uint8Array;
  private buf: Uint8Array;
  private pos = 0;
  /** Body offset of buf[0] (-2 for the virtual CRLF). */
  private base = -2;
  private state: "start" | "body" | "delimited" | "done" = "start";

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.reader = byobReader(body) ?? body.getReader();
    this.delim = enc.encode(`\r\n--${boundary}`);
    this.buf = CRLF;
  }

  /** Body offset of the next unread byte. */
  get offset() {
    return this.base + this.pos;
  }

  /** Bytes of the closing delimiter ("\r\n--boundary--") that must follow the last part's body. */
  get closeLength() {
    return this.delim.length + 2;
  }

  /** Stops reading the request body (on errors, so the client is not read to the end). */
  cancel() {
    this.reader.cancel().catch(() => {});
  }

  /** The next part's headers (an unread previous body is skipped), or null after the closing delimiter. */
  async nextPart(): Promise<PartHeaders | null> {
    while (this.state === "body") await this.readChunk();
    if (this.state === "done") return null;
    if (this.state === "start") {
      // Anything before the first delimiter is preamble; it is short in every real client.
      for (;;) {
        const at = indexOfBytes(this.buf, this.delim, this.pos);
        if (at !== -1) {
          this.pos = at + this.delim.length;
          break;
        }
        if (this.offset > MAX_HEADER_BYTES) throw malformed("No multipart boundary found in the body");
        this.pos = Math.max(this.pos, this.buf.length - this.delim.length + 1);
        if (!(await this.fill())) throw malformed("No multipart boundary found in the body");
      }
    }
    // After a delimiter: "--" closes the body; otherwise optional whitespace, CRLF, headers, CRLF CRLF.
    if (!(await this.ensure(2))) throw malformed("The multipart body ended early");
    if (this.buf[this.pos] === 0x2d && this.buf[this.pos + 1] === 0x2d) {
      this.state = "done";
      return null;
    }
    for (;;) {
      const lineEnd = indexOfBytes(this.buf, CRLF, this.pos);
      if (lineEnd !== -1) {
        if (!/^[ \t]*$/.test(dec.decode(this.buf.subarray(this.pos, lineEnd)))) throw malformed("Bad multipart delimiter line");
        // Searching from the delimiter line's own CRLF also finds an empty header block.
        const end = indexOfBytes(this.buf, HEADER_END, lineEnd);
        if (end !== -1) {
          const block = end > lineEnd ? dec.decode(this.buf.subarray(lineEnd + 2, end)) : "";
          this.pos = end + HEADER_END.length;
          this.state = "body";
          return parseHeaders(block);
        }
      }
      if (this.buf.length - this.pos > MAX_HEADER_BYTES) throw malformed("Multipart part headers are too long");
      if (!(await this.fill())) throw malformed("The multipart body ended early");
    }
  }

  /** The next piece of the current part's body, or null at its end. */
  async readChunk(): Promise<Uint8Array | null> {
    while (this.state === "body") {
      const at = indexOfBytes(this.buf, this.delim, this.pos);
      if (at !== -1) {
        const chunk = this.buf.subarray(this.pos, at);
        this.pos = at + this.delim.length;
        this.state = "delimited";
        return chunk.length ? chunk : null;
      }
      // A delimiter starting before `safe` would lie wholly in the buffer and would have been found.
      const safe = this.buf.length - this.delim.length + 1;
      if (safe > this.pos) {
        const chunk = this.buf.subarray(this.pos, safe);
        this.pos = safe;
        return chunk;
      }
      if (!(await this.fill())) throw malformed("The multipart body ended before the closing boundary");
    }
    return null;
  }

  /** After the closing delimiter: reads the epilogue and returns the body's total length (stopping once past `limit`). */
  async end(limit: number): Promise<number> {
    if (this.state !== "done") throw malformed("The multipart body is not complete");
    do this.pos = this.buf.length;
    while (this.offset <= limit && (await this.fill()));
    return this.offset;
  }

  private async ensure(n: number) {
    while (this.buf.length - this.pos < n) if (!(await this.fill())) return false;
    return true;
  }

  private async fill(): Promise<boolean> {
    const { done, value } =
      this.reader instanceof ReadableStreamBYOBReader
        ? await this.reader.readAtLeast(READ_BYTES, new Uint8Array(READ_BYTES))
        : await this.reader.read();
    if (!value?.length) return done ? false : this.fill();
    const rest = this.buf.subarray(this.pos);
    this.base += this.pos;
    this.pos = 0;
    this.buf = rest.length ? concat(rest, value) : value;
    return true;
  }
}

function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | null {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return null; // not a byte stream
  }
}

/** Content-Disposition (name, filename, RFC 5987 filename*) and Content-Type of one part. */
function parseHeaders(block: string): PartHeaders {
  const out: PartHeaders = { name: null, filename: null, contentType: null };
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-type") out.contentType = value;
    if (key !== "content-disposition") continue;
    let extended: string | null = null;
    for (const m of value.matchAll(/;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
      const param = m[1].toLowerCase();
      const raw = m[2].trim();
      const v = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
      if (param === "name") out.name = v;
      else if (param === "filename") out.filename = v;
      else if (param === "filename*") extended = decodeExtended(v);
    }
    if (extended !== null) out.filename = extended;
  }
  return out;
}

function decodeExtended(v: string): string | null {
  const m = /^utf-8'[^']*'(.*)$/i.exec(v);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}
