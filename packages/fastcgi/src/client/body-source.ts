/**
 * Request bodies (STDIN, and DATA for a Filter): bytes given at once or a stream read with
 * backpressure.
 */

/** A body: bytes, or a stream of chunks (a node Readable, a web ReadableStream, an async generator…). */
export type BodySource = Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>;

/**
 * Largest slice of an in-memory body written at once. Bounded so that a 50 MiB body on a
 * multiplexed connection is interleaved with the other requests' records instead of queueing all
 * of it in front of them, and so that waiting for 'drain' between slices keeps the socket buffer
 * small.
 */
const SLICE = 256 * 1024;

/** Byte length when the source is bytes; undefined for a stream (length unknown until its end). */
export function knownLength(source: BodySource | undefined): number | undefined {
  if (source === undefined) return 0;
  return source instanceof Uint8Array ? source.length : undefined;
}

/** The source's bytes as Buffers (views, no copies), in slices of at most 256 KiB. */
export async function* bodyChunks(source: BodySource): AsyncGenerator<Buffer> {
  if (source instanceof Uint8Array) {
    const buf = asBuffer(source);
    for (let at = 0; at < buf.length; at += SLICE) yield buf.subarray(at, Math.min(buf.length, at + SLICE));
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    if (typeof chunk === 'string') {
      if (chunk.length > 0) yield Buffer.from(chunk, 'utf8');
    } else if (chunk.length > 0) {
      yield asBuffer(chunk);
    }
  }
}

/** True for anything `bodyChunks` accepts. */
export function isBodySource(value: unknown): value is BodySource {
  if (value instanceof Uint8Array) return true;
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** A Buffer over the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
