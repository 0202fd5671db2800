/**
 * What a socket read costs before any decoder sees the bytes, so request benchmarks can put it
 * into every case's timed loop alike.
 *
 * For each read, libuv asks node for a buffer and the kernel copies the received bytes into it
 * (`recv` → `copy_to_user`); node hands that freshly written Buffer to the 'data' listener. So a
 * decoder always gets bytes that were written a moment ago (warm in the CPU cache), in a buffer
 * allocated for that read. `socketRead` does the same two steps from a fixture buffer: allocate,
 * then copy (a sequential copy, like the kernel's, that the hardware prefetcher streams).
 *
 * It is a lower bound of node's own cost: Node 20 gives every read its own ArrayBuffer of exactly
 * the bytes read (checked on a loopback socket: `byteOffset` 0, `buffer.byteLength` = `length`),
 * while `allocUnsafe` below 4 KiB slices node's shared 8 KiB pool, which is cheaper.
 */

/** A fresh copy of `bytes`, allocated and filled the way a socket read delivers them. */
export function socketRead(bytes: Buffer): Buffer {
  // allocUnsafe: node does not zero a read buffer either (the kernel fills it at once).
  const read = Buffer.allocUnsafe(bytes.length);
  read.set(bytes);
  return read;
}
