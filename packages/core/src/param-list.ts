/**
 * An ordered list of CGI name/value pairs (FastCGI PARAMS, SCGI headers, uwsgi vars) that keeps the
 * bytes where the decoder found them and makes strings only when asked.
 *
 * Why lazy: a typical nginx request carries ~30 pairs, and a handler usually reads a handful.
 * Decoding records pair boundaries (four integers per pair); `name(i)`/`value(i)` turn bytes into
 * latin1 strings on first use and cache them. latin1 maps every byte to one UTF-16 unit, so any
 * byte sequence survives a string round trip (the same choice node:http makes for raw headers).
 *
 * Ownership: pairs are views into the decoder's input chunks, so a live ParamList pins those
 * chunks. Call `detach()` to copy everything into one right-sized buffer when keeping it long.
 */
export class ParamList {
  /** Backing buffer of pair i. Usually the same object for every pair of one record. */
  #bufs: Buffer[] = [];
  /** Four integers per pair: nameStart, nameLength, valueStart, valueLength (within #bufs[i]). */
  #offs: number[] = [];
  #names: (string | undefined)[] = [];
  #values: (string | undefined)[] = [];
  #byteLength = 0;

  /** Builds a list from string pairs (bytes are latin1 of each character) or Buffer pairs. */
  static from(pairs: Iterable<readonly [string | Uint8Array, string | Uint8Array]>): ParamList {
    const list = new ParamList();
    for (const [name, value] of pairs) {
      const n = typeof name === 'string' ? Buffer.from(name, 'latin1') : Buffer.from(name);
      const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
      const joined = Buffer.concat([n, v]);
      list.addView(joined, 0, n.length, n.length, v.length);
    }
    return list;
  }

  /**
   * Appends a pair whose bytes live in `buf` (decoder use). No bytes are copied.
   * Bounds are the caller's responsibility; decoders check them against the record or block first.
   */
  addView(buf: Buffer, nameStart: number, nameLength: number, valueStart: number, valueLength: number): void {
    this.#bufs.push(buf);
    this.#offs.push(nameStart, nameLength, valueStart, valueLength);
    this.#names.push(undefined);
    this.#values.push(undefined);
    this.#byteLength += nameLength + valueLength;
  }

  /** Number of pairs, duplicates included. */
  get length(): number {
    return this.#bufs.length;
  }

  /** Sum of name and value bytes (no length prefixes or separators). */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Name of pair i as a latin1 string. */
  name(i: number): string {
    let s = this.#names[i];
    if (s === undefined) {
      const o = this.#offset(i);
      const start = this.#offs[o] as number;
      s = (this.#bufs[i] as Buffer).toString('latin1', start, start + (this.#offs[o + 1] as number));
      this.#names[i] = s;
    }
    return s;
  }

  /** Value of pair i as a latin1 string. */
  value(i: number): string {
    let s = this.#values[i];
    if (s === undefined) {
      const o = this.#offset(i);
      const start = this.#offs[o + 2] as number;
      s = (this.#bufs[i] as Buffer).toString('latin1', start, start + (this.#offs[o + 3] as number));
      this.#values[i] = s;
    }
    return s;
  }

  /** Name bytes of pair i (a view, no copy). */
  nameBytes(i: number): Buffer {
    const o = this.#offset(i);
    const start = this.#offs[o] as number;
    return (this.#bufs[i] as Buffer).subarray(start, start + (this.#offs[o + 1] as number));
  }

  /** Value bytes of pair i (a view, no copy). */
  valueBytes(i: number): Buffer {
    const o = this.#offset(i);
    const start = this.#offs[o + 2] as number;
    return (this.#bufs[i] as Buffer).subarray(start, start + (this.#offs[o + 3] as number));
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
    for (let i = this.#bufs.length - 1; i >= 0; i--) {
      if (this.#offs[i * 4 + 1] === len && this.name(i) === name) return i;
    }
    return -1;
  }

  /** Every pair in wire order, duplicates included. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#bufs.length; i++) yield [this.name(i), this.value(i)];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** Every pair as `[name, value]` strings in wire order. */
  toArray(): [string, string][] {
    const out: [string, string][] = new Array(this.#bufs.length);
    for (let i = 0; i < this.#bufs.length; i++) out[i] = [this.name(i), this.value(i)];
    return out;
  }

  /** A null-prototype object of the pairs; a repeated name keeps its last value. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (let i = 0; i < this.#bufs.length; i++) out[this.name(i)] = this.value(i);
    return out;
  }

  /**
   * Copies every pair into one new buffer so the list no longer pins the decoder's input chunks.
   * Returns `this` for chaining.
   */
  detach(): this {
    const joined = Buffer.allocUnsafe(this.#byteLength);
    let at = 0;
    for (let i = 0; i < this.#bufs.length; i++) {
      const o = i * 4;
      const buf = this.#bufs[i] as Buffer;
      const ns = this.#offs[o] as number;
      const nl = this.#offs[o + 1] as number;
      const vs = this.#offs[o + 2] as number;
      const vl = this.#offs[o + 3] as number;
      buf.copy(joined, at, ns, ns + nl);
      buf.copy(joined, at + nl, vs, vs + vl);
      this.#offs[o] = at;
      this.#offs[o + 2] = at + nl;
      at += nl + vl;
    }
    this.#bufs.fill(joined);
    return this;
  }

  #offset(i: number): number {
    if (!(i >= 0 && i < this.#bufs.length)) throw new RangeError(`ParamList index ${i} out of range`);
    return i * 4;
  }
}
