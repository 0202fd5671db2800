/**
 * A deliberately naive FastCGI reader used only to *check* encoder output in the benchmarks
 * (never timed). It works on one complete buffer, trusts nothing and shares no code with gw.
 */
import type { Pair } from './fixtures.js';

/** One record: header fields and a view of its content. */
export interface ReadRecord {
  version: number;
  type: number;
  requestId: number;
  content: Buffer;
  padding: number;
}

/** Splits a complete FastCGI byte stream into records; throws on a truncated record. */
export function readRecords(bytes: Buffer): ReadRecord[] {
  const out: ReadRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) throw new Error(`truncated header at ${at}`);
    const contentLength = bytes.readUInt16BE(at + 4);
    const padding = bytes[at + 6] as number;
    const end = at + 8 + contentLength + padding;
    if (end > bytes.length) throw new Error(`truncated record at ${at}`);
    out.push({
      version: bytes[at] as number,
      type: bytes[at + 1] as number,
      requestId: bytes.readUInt16BE(at + 2),
      content: bytes.subarray(at + 8, at + 8 + contentLength),
      padding,
    });
    at = end;
  }
  return out;
}

/** Parses a complete name-value body (spec §3.4) into latin1 string pairs. */
export function readPairs(body: Buffer): Pair[] {
  const pairs: Pair[] = [];
  let at = 0;
  const length = (): number => {
    const b = body[at] as number;
    if (b < 0x80) {
      at += 1;
      return b;
    }
    const n = body.readUInt32BE(at) & 0x7fffffff;
    at += 4;
    return n;
  };
  while (at < body.length) {
    const nameLength = length();
    const valueLength = length();
    const name = body.toString('latin1', at, at + nameLength);
    at += nameLength;
    const value = body.toString('latin1', at, at + valueLength);
    at += valueLength;
    if (at > body.length) throw new Error('pair runs past the body');
    pairs.push([name, value]);
  }
  return pairs;
}

/** True when both pair lists hold the same names and values in the same order. */
export function samePairs(a: readonly (readonly [string, string])[], b: readonly Pair[]): boolean {
  return a.length === b.length && a.every(([n, v], i) => n === b[i]?.[0] && v === b[i]?.[1]);
}
