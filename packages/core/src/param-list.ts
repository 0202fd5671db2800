/**
 * An ordered list of CGI name/value pairs (FastCGI PARAMS, SCGI headers, uwsgi vars) that keeps the
 * bytes where the decoder found them and makes strings only when asked.
 *
 * Why lazy: a typical nginx request carries ~30 pairs and a handler often reads a handful.
 * Decoding records pair boundaries only (integers). Strings are latin1 — every byte maps to one
 * UTF-16 unit, so any byte sequence survives a round trip (node:http makes the same choice for
 * raw header bytes).
 *
 * Why segments: decoding 60 small strings one by one costs a native call each. Instead, the
 * first string asked for decodes the whole byte range its pairs occupy in that buffer (one
 * native call, usually one PARAMS record), and every name or value is then a `substring` of it,
 * which V8 makes without copying bytes again.
 *
 * Ownership: pairs are views into the decoder's input chunks, so a live ParamList pins those
 * chunks. Call `detach()` to copy everything into one right-sized buffer when keeping it long.
 */
/** Segments after the first (rare: pairs spread over several buffers). */
interface MoreSegments {
  bufs: Buffer[];
  starts: number[];
  ends: number[];
  strings: (string | undefined)[];
}

export class ParamList {
  /** Per pair: nameStart, nameLength, valueStart, valueLength, segment index. */
  #pairs: number[];
  /**
   * Segments: runs of pairs in one buffer, with the byte range the pairs span and that range
   * decoded as latin1 on first use. Nearly every list has one segment (one PARAMS record, one
   * SCGI block), so segment 0 lives in plain fields and only further ones get arrays: a list
   * costs two allocations, not six.
   */
  #buf0: Buffer | null = null;
  #start0 = 0;
  #end0 = 0;
  #str0: string | undefined = undefined;
  #more: MoreSegments | null = null;
  #segments = 0;
  #names: (string | undefined)[] | null = null;
  #values: (string | undefined)[] | null = null;
  #count = 0;
  #byteLength = 0;
  /** True while the last segment can still grow (its string not made yet). */
  #lastOpen = false;

  /**
   * @param capacity expected number of pairs (a decoder's estimate from the block size): the
   *   pair table is allocated once at that size instead of growing step by step.
   */
  constructor(capacity = 0) {
    this.#pairs = capacity > 0 ? new Array(Math.min(capacity, 4096) * 5) : [];
  }

  /** Builds a list from string pairs (bytes are latin1 of each character) or byte pairs. */
  static from(pairs: Iterable<readonly [string | Uint8Array, string | Uint8Array]>): ParamList {
    const list = new ParamList();
    for (const [name, value] of pairs) {
      const n = typeof name === 'string' ? Buffer.from(name, 'latin1') : Buffer.from(name);
      const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
      list.addView(Buffer.concat([n, v]), 0, n.length, n.length, v.length);
    }
    return list;
  }

  /**
   * Appends a pair whose bytes live in `buf` (decoder use). No bytes are copied. Bounds are the
   * caller's responsibility: decoders check them against the record or block first.
   */
  addView(buf: Buffer, nameStart: number, nameLength: number, valueStart: number, valueLength: number): void {
    const end = valueStart + valueLength;
    let seg = this.#segments - 1;
    if (this.#lastOpen && buf === this.#segBuf(seg) && nameStart >= this.#segStart(seg)) {
      // Same buffer as the previous pair: widen the segment (pairs arrive in increasing order).
      if (end > this.#segEnd(seg)) this.#setSegEnd(seg, end);
    } else {
      seg = this.#addSegment(buf, nameStart, end);
    }
    const o = this.#count * 5;
    const pairs = this.#pairs;
    pairs[o] = nameStart;
    pairs[o + 1] = nameLength;
    pairs[o + 2] = valueStart;
    pairs[o + 3] = valueLength;
    pairs[o + 4] = seg;
    this.#count++;
    this.#byteLength += nameLength + valueLength;
  }

  /** Number of pairs, duplicates included. */
  get length(): number {
    return this.#count;
  }

  /** Sum of name and value bytes (no length prefixes or separators). */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Name of pair i as a latin1 string. */
  name(i: number): string {
    const cached = this.#names?.[i];
    if (cached !== undefined) return cached;
    const o = this.#offset(i);
    const s = this.#slice(this.#pairs[o + 4] as number, this.#pairs[o] as number, this.#pairs[o + 1] as number);
    (this.#names ??= new Array(this.#count))[i] = s;
    return s;
  }

  /** Value of pair i as a latin1 string. */
  value(i: number): string {
    const cached = this.#values?.[i];
    if (cached !== undefined) return cached;
    const o = this.#offset(i);
    const s = this.#slice(this.#pairs[o + 4] as number, this.#pairs[o + 2] as number, this.#pairs[o + 3] as number);
    (this.#values ??= new Array(this.#count))[i] = s;
    return s;
  }

  /** Name bytes of pair i (a view, no copy). */
  nameBytes(i: number): Buffer {
    const o = this.#offset(i);
    const start = this.#pairs[o] as number;
    return this.#segBuf(this.#pairs[o + 4] as number).subarray(start, start + (this.#pairs[o + 1] as number));
  }

  /** Value bytes of pair i (a view, no copy). */
  valueBytes(i: number): Buffer {
    const o = this.#offset(i);
    const start = this.#pairs[o + 2] as number;
    return this.#segBuf(this.#pairs[o + 4] as number).subarray(start, start + (this.#pairs[o + 3] as number));
  }

  /** Value of the last pair named `name` (last wins, like PHP and Go), or undefined. */
  get(name: string): string | undefined {
    const i = this.lastIndexOf(name);
    return i < 0 ? undefined : this.value(i);
  }

  /** True when some pair is named `name`. */
  has(name: string): boolean {
    return this.lastIndexOf(name) >= 0;
  }

  /** Index of the last pair named `name`, or -1. Compares lengths first so most pairs cost no string. */
  lastIndexOf(name: string): number {
    const len = name.length;
    const pairs = this.#pairs;
    for (let i = this.#count - 1; i >= 0; i--) {
      if (pairs[i * 5 + 1] === len && this.name(i) === name) return i;
    }
    return -1;
  }

  /** Every pair in wire order, duplicates included. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#count; i++) yield [this.name(i), this.value(i)];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** Every pair as `[name, value]` strings in wire order. */
  toArray(): [string, string][] {
    const out: [string, string][] = new Array(this.#count);
    for (let i = 0; i < this.#count; i++) out[i] = [this.name(i), this.value(i)];
    return out;
  }

  /** A null-prototype object of the pairs; a repeated name keeps its last value. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (let i = 0; i < this.#count; i++) out[this.name(i)] = this.value(i);
    return out;
  }

  /**
   * Copies every pair into one new buffer so the list no longer pins the decoder's input chunks.
   * Returns `this` for chaining.
   */
  detach(): this {
    const joined = Buffer.allocUnsafeSlow(this.#byteLength);
    const pairs = this.#pairs;
    let at = 0;
    for (let i = 0; i < this.#count; i++) {
      const o = i * 5;
      const buf = this.#segBuf(pairs[o + 4] as number);
      const ns = pairs[o] as number;
      const nl = pairs[o + 1] as number;
      const vs = pairs[o + 2] as number;
      const vl = pairs[o + 3] as number;
      buf.copy(joined, at, ns, ns + nl);
      buf.copy(joined, at + nl, vs, vs + vl);
      pairs[o] = at;
      pairs[o + 2] = at + nl;
      pairs[o + 4] = 0;
      at += nl + vl;
    }
    this.#buf0 = joined;
    this.#start0 = 0;
    this.#end0 = at;
    this.#str0 = undefined;
    this.#more = null;
    this.#segments = 1;
    this.#lastOpen = false;
    return this;
  }

  /** A latin1 string of `length` bytes at `start` of segment `seg`, cut from the segment's string. */
  #slice(seg: number, start: number, length: number): string {
    if (length === 0) return '';
    const segStart = this.#segStart(seg);
    let str = seg === 0 ? this.#str0 : this.#more?.strings[seg - 1];
    if (str === undefined) {
      str = this.#segBuf(seg).toString('latin1', segStart, this.#segEnd(seg));
      if (seg === 0) this.#str0 = str;
      else (this.#more as MoreSegments).strings[seg - 1] = str;
      // A decoded segment must not grow: later pairs in the same buffer start a new one.
      if (seg === this.#segments - 1) this.#lastOpen = false;
    }
    return str.substring(start - segStart, start - segStart + length);
  }

  #segBuf(seg: number): Buffer {
    return seg === 0 ? (this.#buf0 as Buffer) : ((this.#more as MoreSegments).bufs[seg - 1] as Buffer);
  }

  #segStart(seg: number): number {
    return seg === 0 ? this.#start0 : ((this.#more as MoreSegments).starts[seg - 1] as number);
  }

  #segEnd(seg: number): number {
    return seg === 0 ? this.#end0 : ((this.#more as MoreSegments).ends[seg - 1] as number);
  }

  #setSegEnd(seg: number, end: number): void {
    if (seg === 0) this.#end0 = end;
    else (this.#more as MoreSegments).ends[seg - 1] = end;
  }

  #addSegment(buf: Buffer, start: number, end: number): number {
    const seg = this.#segments++;
    this.#lastOpen = true;
    if (seg === 0) {
      this.#buf0 = buf;
      this.#start0 = start;
      this.#end0 = end;
      return 0;
    }
    const more = (this.#more ??= { bufs: [], starts: [], ends: [], strings: [] });
    more.bufs.push(buf);
    more.starts.push(start);
    more.ends.push(end);
    more.strings.push(undefined);
    return seg;
  }

  #offset(i: number): number {
    if (!(i >= 0 && i < this.#count)) throw new RangeError(`ParamList index ${i} out of range`);
    return i * 5;
  }
}
