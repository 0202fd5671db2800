/**
 * A test-only byte builder. It shares no code with the encoders under test, so a fixture built
 * with it checks the encoders instead of repeating their mistakes (pg-protocol's testing/buffer-list).
 */
export class ByteBuilder {
  #parts: Buffer[] = [];

  u8(...values: number[]): this {
    this.#parts.push(Buffer.from(values));
    return this;
  }

  u16be(value: number): this {
    this.#parts.push(Buffer.from([(value >> 8) & 0xff, value & 0xff]));
    return this;
  }

  u16le(value: number): this {
    this.#parts.push(Buffer.from([value & 0xff, (value >> 8) & 0xff]));
    return this;
  }

  u32be(value: number): this {
    this.#parts.push(Buffer.from([(value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]));
    return this;
  }

  /** Bytes given as hex; spaces are ignored ("01 01 00 01"). */
  hex(text: string): this {
    this.#parts.push(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
    return this;
  }

  /** A string's latin1 bytes. */
  str(text: string): this {
    this.#parts.push(Buffer.from(text, 'latin1'));
    return this;
  }

  bytes(buf: Uint8Array): this {
    this.#parts.push(Buffer.from(buf));
    return this;
  }

  /** n copies of byte b. */
  fill(n: number, b = 0): this {
    this.#parts.push(Buffer.alloc(n, b));
    return this;
  }

  get length(): number {
    let n = 0;
    for (const p of this.#parts) n += p.length;
    return n;
  }

  build(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** FastCGI record bytes built by hand: 8-byte header (big-endian fields), content, padding. */
export function fcgiRecord(type: number, requestId: number, content: Uint8Array | string = '', padding = 0, version = 1): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content, 'latin1') : Buffer.from(content);
  return new ByteBuilder()
    .u8(version, type)
    .u16be(requestId)
    .u16be(body.length)
    .u8(padding, 0)
    .bytes(body)
    .fill(padding)
    .build();
}

/** One FastCGI name-value pair with 1- or 4-byte lengths as the spec requires (or forced long). */
export function fcgiPair(name: string | Uint8Array, value: string | Uint8Array, forceLong = false): Buffer {
  const n = typeof name === 'string' ? Buffer.from(name, 'latin1') : Buffer.from(name);
  const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  const b = new ByteBuilder();
  for (const len of [n.length, v.length]) {
    if (len > 127 || forceLong) b.u32be(len | 0x80000000);
    else b.u8(len);
  }
  return b.bytes(n).bytes(v).build();
}
