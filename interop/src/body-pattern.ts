import { createHash } from 'node:crypto';

// A prime period: a chunk delivered twice, dropped or out of order shifts the pattern, so the
// checksum of a relayed body catches it even when the length is right.
const PERIOD = 251;

/** `length` bytes of the deterministic download pattern, starting at absolute `offset`. */
export function patternBytes(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let v = offset % PERIOD;
  for (let i = 0; i < length; i++) {
    out[i] = v;
    if (++v === PERIOD) v = 0;
  }
  return out;
}

/** SHA-256 of the first `length` bytes of the pattern, computed in slices (no big buffer). */
export function patternSha256(length: number): string {
  const hash = createHash('sha256');
  const slice = 1 << 20;
  for (let at = 0; at < length; at += slice) hash.update(patternBytes(at, Math.min(slice, length - at)));
  return hash.digest('hex');
}

/** Hex SHA-256 of a buffer. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
