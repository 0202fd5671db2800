/**
 * A FIFO of byte chunks that lets a decoder look at bytes across chunk boundaries and take fields
 * out of it as views. A field that lies inside one chunk comes back as a view of that chunk; only a
 * field that straddles chunks is copied (into a buffer of exactly its size). Same idea as ws's
 * Receiver#consume.
 *
 * The queue itself never limits how much is pushed: decoders check their limits before they let
 * bytes accumulate, and consume as soon as a field is complete.
 */
export class ChunkQueue {
  /** Slots before #head are consumed and cleared, so a consumed chunk's memory is not kept. */
  #chunks: (Buffer | undefined)[] = [];
  /** Index into #chunks of the first chunk still holding unconsumed bytes. */
  #head = 0;
  /** Offset of the first unconsumed byte within #chunks[#head]. */
  #headOffset = 0;
  #length = 0;

  /** Number of unconsumed bytes. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk (kept by reference, not copied). Empty chunks are ignored. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** The byte at position i (0 = first unconsumed byte). Caller ensures i < length. */
  byteAt(i: number): number {
    let idx = this.#head;
    let pos = this.#headOffset + i;
    for (;;) {
      const c = this.#chunks[idx] as Buffer;
      if (pos < c.length) return c[pos] as number;
      pos -= c.length;
      idx++;
    }
  }

  /**
   * Position (relative to the first unconsumed byte) of the first `byte` at or after `from` and
   * before `limit`, or -1. Searches chunk by chunk with Buffer#indexOf, so it costs no copies.
   */
  indexOf(byte: number, from = 0, limit = this.#length): number {
    const end = Math.min(limit, this.#length);
    let base = 0; // position of the current chunk's first unconsumed byte
    for (let idx = this.#head; idx < this.#chunks.length && base < end; idx++) {
      const c = this.#chunks[idx] as Buffer;
      const start = idx === this.#head ? this.#headOffset : 0;
      const avail = c.length - start;
      if (from < base + avail) {
        const localFrom = start + Math.max(0, from - base);
        const localEnd = start + Math.min(avail, end - base);
        const hit = c.indexOf(byte, localFrom);
        if (hit !== -1 && hit < localEnd) return base + hit - start;
      }
      base += avail;
    }
    return -1;
  }

  /** Removes and returns the next n bytes: a view when they lie in one chunk, else a copy. */
  consume(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`ChunkQueue.consume(${n}) with ${this.#length} bytes queued`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[this.#head] as Buffer;
    const avail = first.length - this.#headOffset;
    if (n <= avail) {
      const out = first.subarray(this.#headOffset, this.#headOffset + n);
      this.#advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const c = this.#chunks[this.#head] as Buffer;
      const take = Math.min(c.length - this.#headOffset, n - copied);
      c.copy(out, copied, this.#headOffset, this.#headOffset + take);
      copied += take;
      this.#advance(take);
    }
    return out;
  }

  /**
   * Removes up to n bytes and returns them as views, one per chunk touched (no copy). Used for
   * stream payloads, which are handed on in pieces anyway.
   */
  consumeViews(n: number, into: Buffer[] = []): Buffer[] {
    let left = Math.min(n, this.#length);
    while (left > 0) {
      const c = this.#chunks[this.#head] as Buffer;
      const take = Math.min(c.length - this.#headOffset, left);
      into.push(c.subarray(this.#headOffset, this.#headOffset + take));
      this.#advance(take);
      left -= take;
    }
    return into;
  }

  /** Discards the next n bytes (at most `length`). */
  skip(n: number): void {
    let left = Math.min(n, this.#length);
    while (left > 0) {
      const c = this.#chunks[this.#head] as Buffer;
      const take = Math.min(c.length - this.#headOffset, left);
      this.#advance(take);
      left -= take;
    }
  }

  /** Drops every queued byte. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#headOffset = 0;
    this.#length = 0;
  }

  #advance(n: number): void {
    this.#headOffset += n;
    this.#length -= n;
    const c = this.#chunks[this.#head] as Buffer;
    if (this.#headOffset === c.length) {
      this.#chunks[this.#head++] = undefined;
      this.#headOffset = 0;
      // Compact occasionally instead of Array#shift on every chunk (shift is O(n)).
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
      } else if (this.#head >= 64) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
    }
  }
}
