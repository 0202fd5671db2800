/**
 * The "pair-walk" floor for request decoding: the header-walk (anchors/header-walk.ts) plus a walk
 * over the name-value length prefixes (spec §3.4) of every PARAMS record, counting pairs. That is
 * every byte a FastCGI request decoder must read: one per record header field and the length
 * prefixes of each pair (which lie every ~40 bytes, so every cache line of the PARAMS). It builds
 * nothing, validates nothing and calls nothing.
 *
 * Why it is useful: when the fixture's bytes are not in the CPU cache, this walk pays the same
 * memory stalls as any decoder, so "gw ÷ pair-walk" separates gw's own work from the cost of
 * reading the bytes at all.
 *
 * Simplification (it only makes the floor faster): a PARAMS record cut by a chunk boundary is
 * skipped without walking its pairs; with 64 KiB chunks that is one record in ~55.
 */
export class PairWalker {
  /** Content bytes still to skip for the current record. */
  #content = 0;
  /** Padding bytes still to skip. */
  #padding = 0;
  /** A header that straddles chunks is gathered here. */
  readonly #header = Buffer.alloc(8);
  #headerHave = 0;
  /** Pairs seen (the sink). */
  pairs = 0;
  records = 0;

  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      if (this.#content > 0) {
        const n = Math.min(this.#content, len - pos);
        this.#content -= n;
        pos += n;
      } else if (this.#padding > 0) {
        const n = Math.min(this.#padding, len - pos);
        this.#padding -= n;
        pos += n;
      } else if (this.#headerHave === 0 && len - pos >= 8) {
        const type = chunk[pos + 1] as number;
        const content = ((chunk[pos + 4] as number) << 8) | (chunk[pos + 5] as number);
        this.#padding = chunk[pos + 6] as number;
        this.records++;
        pos += 8;
        if (type === 4 && content > 0 && pos + content <= len) {
          this.pairs += countPairs(chunk, pos, pos + content);
          pos += content;
        } else {
          this.#content = content;
        }
      } else {
        const n = Math.min(8 - this.#headerHave, len - pos);
        chunk.copy(this.#header, this.#headerHave, pos, pos + n);
        this.#headerHave += n;
        pos += n;
        if (this.#headerHave === 8) {
          this.#content = ((this.#header[4] as number) << 8) | (this.#header[5] as number);
          this.#padding = this.#header[6] as number;
          this.#headerHave = 0;
          this.records++;
        }
      }
    }
  }
}

/** Pairs in `buf[p, end)`: reads each length prefix (1 or 4 bytes) and jumps over the pair. */
function countPairs(buf: Buffer, p: number, end: number): number {
  let pairs = 0;
  while (p < end) {
    const b0 = buf[p] as number;
    const nameLength = b0 < 0x80 ? b0 : length4(buf, p);
    p += b0 < 0x80 ? 1 : 4;
    const b1 = buf[p] as number;
    const valueLength = b1 < 0x80 ? b1 : length4(buf, p);
    p += (b1 < 0x80 ? 1 : 4) + nameLength + valueLength;
    pairs++;
  }
  return pairs;
}

function length4(buf: Buffer, p: number): number {
  return ((buf[p] as number) & 0x7f) * 0x1000000 + ((buf[p + 1] as number) << 16) + ((buf[p + 2] as number) << 8) + (buf[p + 3] as number);
}
