/**
 * Where a server keeps the bytes of its socket reads when it reads through one shared read buffer
 * (socket-reads.ts): each read is copied out of that buffer into a small slab, one after another,
 * and handed on as a view of the slab. Decoders keep views of what they read (params, body
 * chunks), so nothing in a slab is ever overwritten: a full slab is left to the views that still
 * point into it and a new one is started.
 *
 * Why: node's default read path allocates a 64 KiB buffer per read, copies the bytes read into a
 * new exact-size ArrayBuffer and frees the first one (two mallocs, a free and an ArrayBuffer to
 * track and sweep per read). A slab costs one copy per read and an allocation every few dozen
 * requests.
 *
 * Memory: a slab stays alive while any view of it does. Slabs are small (16 KiB) and a read larger
 * than 4 KiB gets an exact-size buffer of its own, so what a long-lived request can pin beyond its
 * own bytes is bounded by one slab.
 */
export class ReadSlab {
  /** Bytes per slab. */
  static readonly SLAB_BYTES = 16 * 1024;
  /** Reads longer than this are copied into a buffer of their own, not into the slab. */
  static readonly OWN_BUFFER_ABOVE = 4 * 1024;

  #slab: Buffer | null = null;
  #used = 0;

  /** Copies `source[0, length)` out and returns the copy (a view of the current slab, usually). */
  copy(source: Buffer, length: number): Buffer {
    if (length > ReadSlab.OWN_BUFFER_ABOVE) {
      const own = Buffer.allocUnsafeSlow(length);
      source.copy(own, 0, 0, length);
      return own;
    }
    let slab = this.#slab;
    let at = this.#used;
    if (slab === null || at + length > slab.length) {
      slab = Buffer.allocUnsafeSlow(ReadSlab.SLAB_BYTES);
      this.#slab = slab;
      at = 0;
    }
    source.copy(slab, at, 0, length);
    this.#used = at + length;
    return slab.subarray(at, at + length);
  }
}
