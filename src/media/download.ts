// Serving a file's bytes from R2 as HTTP: validators and 304s, single byte ranges (206/416),
// and headers that keep browsers from reinterpreting user content.
import type { FileRow } from "../db/schema";
import { ApiError, notFound } from "../http/errors";

export type ByteRange = { offset: number; length: number };

/** One range of `Range: bytes=...` against `size`: null = serve everything (absent, malformed or multi-range). */
export function parseRange(header: string | null | undefined, size: number): ByteRange | "unsatisfiable" | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(m[1]);
  if (start >= size) return "unsatisfiable";
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (end < start) return null; // "bytes=5-3" is invalid, and an invalid Range is ignored
  return { offset: start, length: end - start + 1 };
}

const httpDate = (iso: string) => new Date(iso).toUTCString();

/** If-None-Match (weak comparison) wins over If-Modified-Since, as RFC 9110 orders them. */
function notModified(req: Request, etag: string, lastModified: string) {
  const inm = req.headers.get("if-none-match");
  if (inm !== null) {
    const tags = inm.split(",").map((t) => t.trim().replace(/^W\//, ""));
    return tags.includes("*") || tags.includes(etag);
  }
  const ims = Date.parse(req.headers.get("if-modified-since") ?? "");
  return !Number.isNaN(ims) && Date.parse(lastModified) <= ims;
}

/** If-Range: a range applies only while the client's copy is still this one (strong ETag or the date). */
const rangeStillValid = (ifRange: string | null, etag: string, lastModified: string) =>
  ifRange === null || ifRange.trim() === etag || ifRange.trim() === lastModified;

/** Images and audio play in the page; everything else downloads. filename* carries the UTF-8 name (RFC 6266/5987). */
export function contentDisposition(f: Pick<FileRow, "name" | "contentType">) {
  const type = /^(image|audio|video)\//.test(f.contentType) ? "inline" : "attachment";
  const fallback = f.name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(f.name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** `cache`: private unless the file is public by nature (avatars), which shared caches may keep too. */
export async function serveFile(env: Env, req: Request, f: FileRow, maxAge: number, cache: "private" | "public" = "private"): Promise<Response> {
  const etag = `"${f.etag}"`;
  const lastModified = httpDate(f.createdAt);
  const headers = new Headers({
    ETag: etag,
    "Last-Modified": lastModified,
    // The bytes behind an id never change; private because access is per user (or per signed URL).
    "Cache-Control": cache === "public" ? `public, max-age=${Math.max(0, Math.floor(maxAge))}, immutable` : `private, max-age=${Math.max(0, Math.floor(maxAge))}`,
    "X-Content-Type-Options": "nosniff",
  });
  if (notModified(req, etag, lastModified)) return new Response(null, { status: 304, headers });

  headers.set("Content-Type", f.contentType);
  headers.set("Content-Disposition", contentDisposition(f));
  headers.set("Accept-Ranges", "bytes");
  // Opened directly in a tab, user content gets no script, plugins or same-origin powers.
  headers.set("Content-Security-Policy", "sandbox");
  const range = rangeStillValid(req.headers.get("if-range"), etag, lastModified) ? parseRange(req.headers.get("range"), f.size) : null;
  if (range === "unsatisfiable")
    throw new ApiError(416, "range_not_satisfiable", `The file has ${f.size} bytes`, { headers: { "Content-Range": `bytes */${f.size}` } });
  headers.set("Content-Length", String(range ? range.length : f.size));
  if (range) headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${f.size}`);
  const status = range ? 206 : 200;
  if (req.method === "HEAD") return new Response(null, { status, headers });
  const object = await env.MEDIA.get(f.key, range ? { range } : undefined);
  if (!object) throw notFound("File");
  return new Response(object.body, { status, headers });
}
