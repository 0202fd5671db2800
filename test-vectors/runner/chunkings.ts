import type { Direction, Protocol } from './types.js';

/**
 * Where to cut an input in two for the split scan. Small inputs are cut at every index; for
 * large ones (captures) that would cost seconds, so they are cut at 64 evenly spread indices
 * plus every index within 16 bytes of a record or field boundary, where reassembly bugs live.
 */

/** Inputs up to this size are split at every index. */
export const EVERY_INDEX_LIMIT = 4096;
const SPREAD = 64;
const NEAR = 16;

/** Cut points (1..length-1, sorted, unique) for an input of the given protocol. */
export function splitPoints(input: Buffer, protocol: Protocol, direction: Direction): number[] {
  const n = input.length;
  if (n < 2) return [];
  if (n <= EVERY_INDEX_LIMIT) return Array.from({ length: n - 1 }, (_, i) => i + 1);
  const points = new Set<number>();
  for (let i = 1; i <= SPREAD; i++) points.add(Math.round((i * n) / (SPREAD + 1)));
  for (const b of boundaries(input, protocol, direction)) {
    for (let d = -NEAR; d <= NEAR; d++) points.add(b + d);
  }
  return [...points].filter((p) => p >= 1 && p < n).sort((a, b) => a - b);
}

/**
 * Field and record boundaries found by a tolerant walk of the framing (a heuristic for choosing
 * cut points only: it never judges the input, and stops quietly on anything odd).
 */
export function boundaries(input: Buffer, protocol: Protocol, direction: Direction): number[] {
  if (protocol === 'fastcgi') return fastcgiBoundaries(input);
  if (direction === 'to-server') return headEnd(input);
  return protocol === 'scgi' ? scgiBoundaries(input) : uwsgiBoundaries(input);
}

/** Record starts and content/padding starts (spec §3.3 header: contentLength at 4, paddingLength at 6). */
function fastcgiBoundaries(input: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 8 <= input.length; ) {
    const content = input.readUInt16BE(at + 4);
    const padding = input[at + 6] as number;
    out.push(at, at + 8, at + 8 + content);
    at += 8 + content + padding;
  }
  return out;
}

/** The colon, the header block's NULs, the comma and the body start. */
function scgiBoundaries(input: Buffer): number[] {
  const colon = input.indexOf(0x3a);
  if (colon < 0 || colon > 12) return [];
  const length = Number(input.toString('latin1', 0, colon));
  const blockEnd = colon + 1 + length;
  const out = [colon, colon + 1, blockEnd, blockEnd + 1];
  for (let i = colon + 1; i < Math.min(blockEnd, input.length); i++) if (input[i] === 0) out.push(i + 1);
  return out;
}

/** The header end, each pair's length fields, and the body start (lengths are u16 little-endian). */
function uwsgiBoundaries(input: Buffer): number[] {
  if (input.length < 4) return [];
  const end = 4 + input.readUInt16LE(1);
  const out = [1, 3, 4, end];
  for (let at = 4; at + 2 <= Math.min(end, input.length); ) {
    const keyEnd = at + 2 + input.readUInt16LE(at);
    if (keyEnd + 2 > input.length) break;
    out.push(at, keyEnd);
    at = keyEnd + 2 + input.readUInt16LE(keyEnd);
  }
  return out;
}

/** Where a response head ends (the blank line). */
function headEnd(input: Buffer): number[] {
  const crlf = input.indexOf('\r\n\r\n');
  const lf = input.indexOf('\n\n');
  return [crlf, lf].filter((i) => i >= 0).flatMap((i) => [i, i + 2, i + 4]);
}
