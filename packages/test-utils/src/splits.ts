/**
 * Ways of cutting one byte stream into chunks, for chunk-split invariance tests (the llparse
 * "scan" idea): a decoder must produce the same events however its input is cut.
 */

/** The stream cut into two chunks at index i, for every i from 1 to length-1. */
export function* everySplit(buf: Buffer): Generator<Buffer[]> {
  for (let i = 1; i < buf.length; i++) yield [buf.subarray(0, i), buf.subarray(i)];
}

/** The stream cut into chunks of `size` bytes (the last may be shorter). */
export function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** The stream one byte per chunk. */
export function bytewise(buf: Buffer): Buffer[] {
  return chunksOf(buf, 1);
}

/** The stream cut at the given sorted indices. */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c <= prev || c >= buf.length) continue;
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

/**
 * Copies every chunk into its own fresh ArrayBuffer so that a decoder which wrongly keeps a view
 * past its chunk, or reads outside its chunk, cannot be rescued by a shared backing store.
 */
export function isolate(chunks: readonly Buffer[]): Buffer[] {
  return chunks.map((c) => {
    const own = Buffer.alloc(c.length);
    c.copy(own);
    return own;
  });
}
