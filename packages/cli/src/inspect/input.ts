/** Which peer wrote the bytes being inspected. */
export type Direction = 'to-app' | 'to-server';

/** The gateway protocols `gw inspect` decodes. */
export type Protocol = 'fastcgi' | 'scgi' | 'uwsgi';

/** Values accepted by `--protocol` and `--direction`, in the order help text lists them. */
export const PROTOCOLS: readonly Protocol[] = ['fastcgi', 'scgi', 'uwsgi'];
export const DIRECTIONS: readonly Direction[] = ['to-app', 'to-server'];

/**
 * The decoders take Buffers; a plain Uint8Array is wrapped (same memory, no copy) so callers such
 * as a test-vector runner can pass whatever byte arrays they have.
 */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
