import type { NameMatcher } from '@gw/core';

/**
 * Finds which of a fixed set of names a string is, for names that arrive as fresh strings on
 * every request (CGI variable names: substrings of the decoded PARAMS).
 *
 * Why not a Map or a chain of `===`: a Map must hash the fresh string first, and `===` between a
 * fresh string and a constant of the same length is a full comparison — from 13 characters on the
 * substring is a "sliced" string and V8 compares it in its runtime, outside optimized code
 * (cachegrind: ~200–400 instructions per comparison, a tenth of the adapter's instructions when a
 * request's 30 variables went through chains of them). Here a name costs its length, one
 * charCodeAt at the position that best tells that length's candidates apart, and a single `===`
 * with the candidate it points to. (A charCodeAt loop is no cheaper: on a sliced string each call
 * unwraps it again.) {@link matchBytes} does the same on a name's bytes, before any string exists
 * (readCgiRequest classifies every variable that way and makes strings only for the values it uses).
 */
export class NameTable<T> implements NameMatcher<T> {
  readonly #byLength: (Bucket<T> | undefined)[] = [];
  readonly #missing: T;

  /**
   * @param entries the names and what {@link get} returns for each; names are distinct
   * @param missing what {@link get} returns for any other name (of the values' type: a `switch`
   *   over numbers and `undefined` makes V8 compare generically, case by case)
   */
  constructor(entries: Iterable<readonly [name: string, value: T]>, missing: T) {
    this.#missing = missing;
    const groups: (readonly [string, T])[][] = [];
    for (const entry of entries) (groups[entry[0].length] ??= []).push(entry);
    for (let length = 1; length < groups.length; length++) {
      const group = groups[length];
      if (group === undefined) continue;
      const at = bestPosition(group.map(([name]) => name), length);
      this.#byLength[length] = {
        at,
        codes: group.map(([name]) => name.charCodeAt(at)),
        names: group.map(([name]) => name),
        bytes: group.map(([name]) => Buffer.from(name, 'latin1')),
        words: group.map(([name]) => wordsOf(Buffer.from(name, 'latin1'))),
        values: group.map(([, value]) => value),
      };
    }
  }

  /** The value of `name`, or `missing` when it is none of the table's names. */
  get(name: string): T {
    const bucket = this.#byLength[name.length];
    if (bucket === undefined) return this.#missing;
    const c = name.charCodeAt(bucket.at);
    const codes = bucket.codes;
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] === c && name === bucket.names[i]) return bucket.values[i] as T;
    }
    return this.#missing;
  }

  /**
   * The value of the name `bytes[start, start + length)` (latin1), or `missing`: the same lookup
   * as {@link get} on bytes where they lie (ParamList.matchName), so that no string is made for
   * the many CGI variable names a request carries and nobody reads.
   */
  matchBytes(bytes: Uint8Array, start: number, length: number): T {
    const bucket = this.#byLength[length];
    if (bucket === undefined) return this.#missing;
    const c = bytes[start + bucket.at];
    const codes = bucket.codes;
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] === c && sameBytes(bytes, start, bucket.bytes[i] as Uint8Array, bucket.words[i] as number[])) return bucket.values[i] as T;
    }
    return this.#missing;
  }
}

/** A name's bytes as little-endian 32-bit words: its first `length & ~3` bytes, 4 at a time. */
function wordsOf(name: Buffer): number[] {
  const words: number[] = [];
  for (let at = 0; at + 4 <= name.length; at += 4) words.push(name.readInt32LE(at));
  return words;
}

/**
 * True when `bytes[start, start + name.length)` equals `name` (whose `words` are {@link wordsOf}).
 * Four bytes per comparison: a name is checked in full once its length and one byte matched, so
 * every variable a request uses is compared, and byte by byte that was most of readCgiRequest's
 * time. (A DataView was slower: reading `bytes.buffer` and the view's checks cost more than they save.)
 */
function sameBytes(bytes: Uint8Array, start: number, name: Uint8Array, words: number[]): boolean {
  let at = start;
  for (let w = 0; w < words.length; w++, at += 4) {
    if (((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) !== words[w]) return false;
  }
  for (let k = words.length * 4; k < name.length; k++) if (bytes[start + k] !== name[k]) return false;
  return true;
}

/** The names of one length: where to look, and each name's code there. */
interface Bucket<T> {
  at: number;
  codes: number[];
  names: string[];
  /** The names as latin1 bytes, for matchBytes. */
  bytes: Uint8Array[];
  /** The names as 32-bit words (wordsOf), for matchBytes. */
  words: number[][];
  values: T[];
}

/** The position where `names` (all `length` long) show the most different characters. */
function bestPosition(names: string[], length: number): number {
  let best = 0;
  let bestDistinct = 0;
  for (let at = 0; at < length; at++) {
    const distinct = new Set(names.map((name) => name.charCodeAt(at))).size;
    if (distinct > bestDistinct) {
      best = at;
      bestDistinct = distinct;
    }
  }
  return best;
}
