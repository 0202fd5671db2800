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
  /** Index of the first pair of each segment: pairs of a segment are consecutive. */
  firstPairs: number[];
}

/** Classifies a name from its bytes (see {@link ParamList.matchName}). */
export interface NameMatcher<T> {
  /** What the name `bytes[start, start + length)` (latin1) is; must not keep `bytes`. */
  matchBytes(bytes: Uint8Array, start: number, length: number): T;
}

/**
 * Numbers per pair in the pair table: the name's start, then its shape — the name's length, the
 * value's length and the gap between name and value (0 in FastCGI, 1 in SCGI for the NUL, 2 in
 * uwsgi for the length prefix) packed into one small integer. Two slots instead of four halve the
 * table, the largest allocation a request's params cost (an nginx request has ~20 pairs: 320 B
 * instead of 640). A pair that does not fit the packing keeps its shape in a side table.
 */
const PAIR_SLOTS = 2;
// The packed shape: gap (2 bits) | name length (12 bits) | value length (16 bits). 30 bits in
// all, so that it stays a small integer (Smi) on every V8 build, pointer compression included.
const NAME_SHIFT = 16;
const GAP_SHIFT = 28;
const MAX_PACKED_NAME = 0xfff;
const MAX_PACKED_VALUE = 0xffff;
const MAX_PACKED_GAP = 3;
/** The pair table is never preallocated beyond this many pairs (a hint is only a hint). */
const MAX_PREALLOCATED_PAIRS = 4096;

export class ParamList {
  /**
   * Per pair: nameStart, nameLength, valueStart, valueLength. The segment of a pair is not stored
   * per pair: segments hold consecutive pairs, so it follows from each segment's first pair.
   */
  #pairs: number[];
  /**
   * Shapes that do not pack (a name over 4095 bytes, a value over 65535, a value more than 3
   * bytes after its name or before it): per entry the name's length, the value's offset from the
   * name's start and the value's length; the pair's shape slot holds `-1 - entry`. Null until
   * needed: real params never need it.
   */
  #wide: number[] | null = null;
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
  /**
   * The buffer of the last segment while that segment can still grow (its string not made yet),
   * else null; with #openStart, the one test `addView` makes for a pair next to the previous one.
   */
  #openBuf: Buffer | null = null;
  #openStart = 0;
  #count = 0;
  #byteLength = 0;

  /**
   * @param capacity expected number of pairs (a decoder's estimate from the block size): the
   *   pair table is allocated once at that size (at most 4096 pairs) instead of growing step by
   *   step. Default 0: grows as pairs are added.
   */
  constructor(capacity = 0) {
    this.#pairs = capacity > 0 ? new Array(Math.min(capacity, MAX_PREALLOCATED_PAIRS) * PAIR_SLOTS) : [];
  }

  /**
   * Sizes the pair table for `pairs` pairs at once, if no pair was added yet (a decoder that can
   * count a stream's pairs before adding them); otherwise does nothing. The table still grows if
   * more pairs come.
   */
  reserve(pairs: number): void {
    if (this.#count === 0 && pairs > 0) this.#pairs = new Array(Math.min(pairs, MAX_PREALLOCATED_PAIRS) * PAIR_SLOTS);
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
    // The bytes the pair spans: name then value in every protocol, but any layout is kept right.
    const start = valueStart < nameStart ? valueStart : nameStart;
    const nameEnd = nameStart + nameLength;
    const valueEnd = valueStart + valueLength;
    const end = valueEnd > nameEnd ? valueEnd : nameEnd;
    if (buf === this.#openBuf && start >= this.#openStart) {
      // Same buffer as the previous pair, further on (decoders add pairs in wire order): widen
      // the open segment. The common case, so it is the first test.
      if (this.#more === null) {
        if (end > this.#end0) this.#end0 = end;
      } else {
        const ends = this.#more.ends;
        const last = ends.length - 1;
        if (end > (ends[last] as number)) ends[last] = end;
      }
    } else {
      this.#addSegment(buf, start, end);
    }
    const o = this.#count * PAIR_SLOTS;
    const pairs = this.#pairs;
    pairs[o] = nameStart;
    pairs[o + 1] = this.#shape(nameLength, valueStart - nameStart - nameLength, valueLength);
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

  /**
   * Name of pair i as a latin1 string. Not cached per pair: cutting it again from the segment's
   * string costs less than a cache array per list (a request reads a handful of its ~20 pairs).
   */
  name(i: number): string {
    const o = this.#offset(i);
    return this.#slice(this.#segOf(i), this.#pairs[o] as number, this.#nameLengthAt(o));
  }

  /** Value of pair i as a latin1 string (not cached either, see {@link name}). */
  value(i: number): string {
    const o = this.#offset(i);
    return this.#slice(this.#segOf(i), this.#valueStartAt(o), this.#valueLengthAt(o));
  }

  /** Name bytes of pair i (a view, no copy). */
  nameBytes(i: number): Buffer {
    const o = this.#offset(i);
    const start = this.#pairs[o] as number;
    return this.#segBuf(this.#segOf(i)).subarray(start, start + this.#nameLengthAt(o));
  }

  /** Value bytes of pair i (a view, no copy). */
  valueBytes(i: number): Buffer {
    const o = this.#offset(i);
    const start = this.#valueStartAt(o);
    return this.#segBuf(this.#segOf(i)).subarray(start, start + this.#valueLengthAt(o));
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

  /**
   * Index of the last pair named `name`, or -1. Compares lengths first, then the name's bytes
   * where they lie: no string is made for any pair.
   */
  lastIndexOf(name: string): number {
    const len = name.length;
    const pairs = this.#pairs;
    const wide = this.#wide;
    for (let i = this.#count - 1; i >= 0; i--) {
      if (shapeNameLength(pairs[i * PAIR_SLOTS + 1] as number, wide) === len && this.#nameBeginsWith(i, name)) return i;
    }
    return -1;
  }

  /** Byte length of the name of pair i. */
  nameLength(i: number): number {
    return this.#nameLengthAt(this.#offset(i));
  }

  /** True when the name of pair i is `name` (compared byte by byte as latin1; makes no string). */
  nameIs(i: number, name: string): boolean {
    return this.#nameLengthAt(this.#offset(i)) === name.length && this.#nameBeginsWith(i, name);
  }

  /** True when the name of pair i starts with `prefix` (bytes compared as latin1; makes no string). */
  nameStartsWith(i: number, prefix: string): boolean {
    return this.#nameLengthAt(this.#offset(i)) >= prefix.length && this.#nameBeginsWith(i, prefix);
  }

  /**
   * What `matcher` says of the name of pair i, handed the name's bytes where they lie (no string
   * made): for classifying names against a fixed table (node-http's NameTable) on the hot path.
   */
  matchName<T>(i: number, matcher: NameMatcher<T>): T {
    const o = this.#offset(i);
    return matcher.matchBytes(this.#segBuf(this.#segOf(i)), this.#pairs[o] as number, this.#nameLengthAt(o));
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
    const count = this.#count;
    const out: [string, string][] = new Array(count);
    if (this.#more === null && count > 0) {
      // The usual list (one segment): cut every string straight from the segment's string,
      // without name(i)/value(i)'s per-call index check and segment lookup.
      const str = this.#segmentString(0);
      const base = this.#start0;
      const pairs = this.#pairs;
      for (let i = 0, o = 0; i < count; i++, o += PAIR_SLOTS) {
        const ns = (pairs[o] as number) - base;
        const vs = this.#valueStartAt(o) - base;
        out[i] = [str.substring(ns, ns + this.#nameLengthAt(o)), str.substring(vs, vs + this.#valueLengthAt(o))];
      }
      return out;
    }
    for (let i = 0; i < count; i++) out[i] = [this.name(i), this.value(i)];
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
    const wide = this.#wide;
    this.#wide = null;
    let at = 0;
    for (let i = 0; i < this.#count; i++) {
      const o = i * PAIR_SLOTS;
      const buf = this.#segBuf(this.#segOf(i));
      const ns = pairs[o] as number;
      const nl = shapeNameLength(pairs[o + 1] as number, wide);
      const vs = shapeValueStart(pairs[o + 1] as number, wide, ns, nl);
      const vl = shapeValueLength(pairs[o + 1] as number, wide);
      buf.copy(joined, at, ns, ns + nl);
      buf.copy(joined, at + nl, vs, vs + vl);
      // Value right after name now: gap 0 (a shape that was wide for its gap alone packs now).
      pairs[o] = at;
      pairs[o + 1] = this.#shape(nl, 0, vl);
      at += nl + vl;
    }
    this.#buf0 = joined;
    this.#start0 = 0;
    this.#end0 = at;
    this.#str0 = undefined;
    this.#more = null;
    this.#segments = 1;
    this.#openBuf = null;
    return this;
  }

  /** The first `text.length` bytes of pair i's name (which has at least that many) are `text`. */
  #nameBeginsWith(i: number, text: string): boolean {
    const buf = this.#segBuf(this.#segOf(i));
    const start = this.#pairs[i * PAIR_SLOTS] as number;
    for (let k = 0; k < text.length; k++) if (buf[start + k] !== text.charCodeAt(k)) return false;
    return true;
  }

  /** A latin1 string of `length` bytes at `start` of segment `seg`, cut from the segment's string. */
  #slice(seg: number, start: number, length: number): string {
    if (length === 0) return '';
    const from = start - this.#segStart(seg);
    return this.#segmentString(seg).substring(from, from + length);
  }

  /** The byte range of segment `seg` as one latin1 string, decoded on first use. */
  #segmentString(seg: number): string {
    let str = seg === 0 ? this.#str0 : this.#more?.strings[seg - 1];
    if (str === undefined) {
      str = this.#segBuf(seg).toString('latin1', this.#segStart(seg), this.#segEnd(seg));
      if (seg === 0) this.#str0 = str;
      else (this.#more as MoreSegments).strings[seg - 1] = str;
      // A decoded segment must not grow: later pairs in the same buffer start a new one.
      if (seg === this.#segments - 1) this.#openBuf = null;
    }
    return str;
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

  /** The segment holding pair i: the last segment whose first pair is at or before i. */
  #segOf(i: number): number {
    const more = this.#more;
    if (more === null) return 0;
    const firstPairs = more.firstPairs;
    for (let k = firstPairs.length - 1; k >= 0; k--) if ((firstPairs[k] as number) <= i) return k + 1;
    return 0;
  }

  /** Starts a segment at the pair about to be added (index #count); it stays open for more pairs. */
  #addSegment(buf: Buffer, start: number, end: number): void {
    const seg = this.#segments++;
    this.#openBuf = buf;
    this.#openStart = start;
    if (seg === 0) {
      this.#buf0 = buf;
      this.#start0 = start;
      this.#end0 = end;
      return;
    }
    const more = (this.#more ??= { bufs: [], starts: [], ends: [], strings: [], firstPairs: [] });
    more.bufs.push(buf);
    more.starts.push(start);
    more.ends.push(end);
    more.strings.push(undefined);
    more.firstPairs.push(this.#count);
  }

  /** The shape slot of a pair (see {@link PAIR_SLOTS}): packed, or a new side-table entry. */
  #shape(nameLength: number, gap: number, valueLength: number): number {
    if (nameLength <= MAX_PACKED_NAME && valueLength <= MAX_PACKED_VALUE && gap >= 0 && gap <= MAX_PACKED_GAP) {
      return (gap << GAP_SHIFT) | (nameLength << NAME_SHIFT) | valueLength;
    }
    const wide = (this.#wide ??= []);
    const entry = wide.length / 3;
    wide.push(nameLength, nameLength + gap, valueLength);
    return -1 - entry;
  }

  // The three facts a shape holds, for the pair whose slots start at `o`.
  #nameLengthAt(o: number): number {
    return shapeNameLength(this.#pairs[o + 1] as number, this.#wide);
  }

  #valueStartAt(o: number): number {
    const start = this.#pairs[o] as number;
    return shapeValueStart(this.#pairs[o + 1] as number, this.#wide, start, this.#nameLengthAt(o));
  }

  #valueLengthAt(o: number): number {
    return shapeValueLength(this.#pairs[o + 1] as number, this.#wide);
  }

  #offset(i: number): number {
    if (!(i >= 0 && i < this.#count)) throw new RangeError(`ParamList index ${i} out of range`);
    return i * PAIR_SLOTS;
  }
}

function shapeNameLength(shape: number, wide: number[] | null): number {
  return shape >= 0 ? (shape >>> NAME_SHIFT) & MAX_PACKED_NAME : ((wide as number[])[(-1 - shape) * 3] as number);
}

/** A wide entry stores the value's offset from the name's start (start-relative, so detach keeps it). */
function shapeValueStart(shape: number, wide: number[] | null, nameStart: number, nameLength: number): number {
  return shape >= 0 ? nameStart + nameLength + (shape >>> GAP_SHIFT) : nameStart + ((wide as number[])[(-1 - shape) * 3 + 1] as number);
}

function shapeValueLength(shape: number, wide: number[] | null): number {
  return shape >= 0 ? shape & MAX_PACKED_VALUE : ((wide as number[])[(-1 - shape) * 3 + 2] as number);
}
