// Writes one upload into R2 as exactly its bytes, while the file's length is still unknown.
//
// R2 wants an object's length before its first byte (a FixedLengthStream) or the whole object at
// once; a multipart upload is neither: parts of PART_BYTES go up as the file streams in, and the
// object appears, byte-exact, only when complete() is called. So memory holds at most one part
// whatever the file size, and nothing is visible in the bucket before the upload is committed.
// A file smaller than one part is a single put of what was buffered.

/** R2's smallest part but the last; every part but the last must have the same size. */
export const PART_BYTES = 5 * 1024 * 1024;

export class ObjectWriter {
  private pieces: Uint8Array[] = [];
  private buffered = 0;
  private upload: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[] = [];
  private done = false;

  constructor(
    private readonly bucket: R2Bucket,
    readonly key: string,
  ) {}

  /** Takes the next bytes of the file; uploads a part each time one is full. */
  async write(chunk: Uint8Array) {
    this.pieces.push(chunk);
    this.buffered += chunk.length;
    // One part at a time: the next one is read only once this one is stored (bounded memory).
    while (this.buffered >= PART_BYTES) await this.uploadPart(this.take(PART_BYTES));
  }

  /** Stores what is left and makes the object appear; returns it. */
  async commit(): Promise<R2Object> {
    this.done = true;
    const rest = this.take(this.buffered);
    if (!this.upload) {
      const object = await this.bucket.put(this.key, rest);
      if (!object) throw new Error("R2 put returned no object"); // only conditional puts return null
      return object;
    }
    if (rest.length) await this.uploadPart(rest);
    return this.upload.complete(this.parts);
  }

  /** Drops everything written so far (R2 then keeps no part), and the object if it was committed. */
  async abort() {
    this.pieces = [];
    this.buffered = 0;
    await this.upload?.abort().catch(() => {});
    if (this.done) await this.bucket.delete(this.key).catch(() => {});
  }

  private async uploadPart(bytes: Uint8Array) {
    this.upload ??= await this.bucket.createMultipartUpload(this.key);
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, bytes));
  }

  /** The next `n` buffered bytes as one array (n <= buffered). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.pieces[0];
      const use = Math.min(head.length, n - at);
      out.set(head.subarray(0, use), at);
      at += use;
      if (use === head.length) this.pieces.shift();
      else this.pieces[0] = head.subarray(use);
    }
    this.buffered -= n;
    return out;
  }
}
