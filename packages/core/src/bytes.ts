/** Small byte helpers shared by the codecs. */

/** A zero-length buffer, shared so that "no bytes" never allocates. */
export const EMPTY: Buffer = Buffer.alloc(0);

/**
 * 255 zero bytes. FastCGI padding is at most 255 bytes and its content is meaningless, so every
 * record's padding can be a view of this one buffer instead of a fresh allocation.
 */
export const ZERO_PADDING: Buffer = Buffer.alloc(255);

/**
 * A view of `buf[start, end)`. `subarray` is the documented zero-copy slice (Buffer#slice is
 * deprecated); it keeps the parent ArrayBuffer alive for as long as the view lives.
 */
export function view(buf: Buffer, start: number, end: number): Buffer {
  return buf.subarray(start, end);
}

/** Total length of a list of buffers. */
export function totalLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/**
 * Encodes a JS string as bytes the way gw treats CGI names and values: one byte per character
 * (latin1), which round-trips every byte the decoders produce and matches how node:http exposes
 * raw header bytes. Characters above U+00FF have no such byte; returns -1 as the index of the
 * first one so the caller can raise its own typed error.
 */
export function firstNonLatin1(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return i;
  return -1;
}
