import { InvalidArgumentError, ParamList } from '@gw/core';
import { HEADER_LENGTH, MAX_ALIGNED_CONTENT, MAX_CONTENT_LENGTH, RecordType } from './constants.js';
import { FastCgiErrorCode as Code } from './error-codes.js';
import { checkRequestId, checkUint, paddingFor, writeHeader } from './record-header.js';

/** A name or value: a string (one latin1 byte per character) or raw bytes. */
export type PairPart = string | Uint8Array;
/** Name-value pairs to encode: a ParamList or any iterable of `[name, value]`. */
export type PairSource = ParamList | Iterable<readonly [PairPart, PairPart]>;

// One byte per character only works up to U+00FF; anything above has no latin1 byte.
const NON_LATIN1 = /[^\u0000-\u00ff]/;

/** Pairs flattened into parallel arrays so they can be measured once and written once. */
interface FlatPairs {
  parts: PairPart[]; // name0, value0, name1, value1, …
  lengths: number[]; // byte length of each part
  sizes: number[]; // encoded size of each pair, prefixes included
}

// Characters are checked when written (see writePairs): one regex run per record, not per string.
function partLength(part: PairPart): number {
  return part.length;
}

function notLatin1(parts: readonly PairPart[]): InvalidArgumentError {
  const bad = parts.find((p): p is string => typeof p === 'string' && NON_LATIN1.test(p)) ?? '';
  return new InvalidArgumentError('GW_ERR_NOT_LATIN1', `"${bad.slice(0, 40)}" has a character above U+00FF`);
}

/** One-character strings for 1-byte lengths, so a short prefix costs no String.fromCharCode call. */
const SHORT_LENGTHS: string[] = Array.from({ length: 128 }, (_, n) => String.fromCharCode(n));

/** A length prefix (spec §3.4) as latin1 characters. */
function lengthChars(length: number): string {
  if (length <= 127) return SHORT_LENGTHS[length] as string;
  return String.fromCharCode(0x80 | (length >>> 24), (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/** Spec §3.4: lengths ≤ 127 take one byte, larger ones four. */
function prefixSize(length: number): number {
  return length > 127 ? 4 : 1;
}

function flatten(pairs: PairSource): FlatPairs {
  const flat: FlatPairs = { parts: [], lengths: [], sizes: [] };
  if (pairs instanceof ParamList) {
    for (let i = 0; i < pairs.length; i++) add(flat, pairs.nameBytes(i), pairs.valueBytes(i));
  } else {
    for (const [name, value] of pairs) add(flat, name, value);
  }
  return flat;
}

function add(flat: FlatPairs, name: PairPart, value: PairPart): void {
  const n = partLength(name);
  const v = partLength(value);
  if (n > 0x7fffffff || v > 0x7fffffff) throw new InvalidArgumentError(Code.PAIR_TOO_LARGE, 'a name or value exceeds 2^31-1 bytes');
  flat.parts.push(name, value);
  flat.lengths.push(n, v);
  flat.sizes.push(prefixSize(n) + prefixSize(v) + n + v);
}

function writeLength(target: Buffer, at: number, length: number): number {
  if (length > 127) {
    target.writeUInt32BE((length | 0x80000000) >>> 0, at);
    return at + 4;
  }
  target[at] = length;
  return at + 1;
}

function writePart(target: Buffer, at: number, part: PairPart, length: number): number {
  if (typeof part === 'string') target.write(part, at, length, 'latin1');
  else target.set(part, at);
  return at + length;
}

/**
 * Writes pairs [from, to) of `flat` at `at`; returns the offset after them.
 *
 * Why a string: pairs of strings (the common case: params built from an HTTP request) are joined
 * with their length prefixes into one latin1 string and written with one Buffer#write — one
 * native call per record instead of two per name and value, and one character check for all.
 * Byte parts break the run and are copied as they are.
 */
function writePairs(target: Buffer, at: number, flat: FlatPairs, from: number, to: number): number {
  const parts = flat.parts;
  let run = '';
  for (let i = from; i < to; i++) {
    const name = parts[2 * i] as PairPart;
    const value = parts[2 * i + 1] as PairPart;
    const n = flat.lengths[2 * i] as number;
    const v = flat.lengths[2 * i + 1] as number;
    if (typeof name === 'string' && typeof value === 'string') {
      run += lengthChars(n) + lengthChars(v) + name + value;
      continue;
    }
    at = flushRun(target, at, run, parts);
    run = '';
    at = writeLength(target, at, n);
    at = writeLength(target, at, v);
    at = writePart(target, at, name, n);
    at = writePart(target, at, value, v);
  }
  return flushRun(target, at, run, parts);
}

function flushRun(target: Buffer, at: number, run: string, parts: readonly PairPart[]): number {
  if (run.length === 0) return at;
  if (NON_LATIN1.test(run)) throw notLatin1(parts);
  return at + target.write(run, at, run.length, 'latin1');
}

/** Raw name-value bytes (spec §3.4) with no record framing. */
export function encodePairs(pairs: PairSource): Buffer {
  const flat = flatten(pairs);
  let total = 0;
  for (const s of flat.sizes) total += s;
  const buf = Buffer.allocUnsafe(total);
  writePairs(buf, 0, flat, 0, flat.sizes.length);
  return buf;
}

/** Options of encodeParams. */
export interface EncodeParamsOptions {
  /** Most content bytes per PARAMS record; 8..65528, a multiple of 8 is best. Default 65528. */
  maxRecordContent?: number;
  /** Append the empty PARAMS record that ends the stream. Default true. */
  terminate?: boolean;
}

/**
 * PARAMS records for one request. Each record holds whole pairs only — php-fpm parses each
 * PARAMS record on its own and drops the connection when a pair is cut — and is padded to 8
 * bytes with content + padding ≤ 65535. Measures everything first, then allocates once.
 *
 * @throws InvalidArgumentError FCGI_ERR_PAIR_TOO_LARGE when one pair alone exceeds a record.
 */
export function encodeParams(requestId: number, pairs: PairSource, options: EncodeParamsOptions = {}): Buffer {
  checkRequestId(requestId);
  const maxContent = options.maxRecordContent ?? MAX_ALIGNED_CONTENT;
  if (!Number.isInteger(maxContent) || maxContent < 8 || maxContent > MAX_ALIGNED_CONTENT) {
    throw new InvalidArgumentError(Code.INVALID_ARGUMENT, `maxRecordContent must be an integer from 8 to ${MAX_ALIGNED_CONTENT}`);
  }
  const terminate = options.terminate !== false;
  const flat = flatten(pairs);
  // Greedy packing: record boundaries (as pair indices) and each record's content size.
  const ends: number[] = [];
  const contents: number[] = [];
  let content = 0;
  let total = terminate ? HEADER_LENGTH : 0;
  for (let i = 0; i < flat.sizes.length; i++) {
    const size = flat.sizes[i] as number;
    if (size > maxContent) {
      throw new InvalidArgumentError(Code.PAIR_TOO_LARGE, `name-value pair of ${size} bytes does not fit in one ${maxContent}-byte PARAMS record`);
    }
    if (content + size > maxContent) {
      ends.push(i);
      contents.push(content);
      total += HEADER_LENGTH + content + paddingFor(content);
      content = 0;
    }
    content += size;
  }
  if (content > 0) {
    ends.push(flat.sizes.length);
    contents.push(content);
    total += HEADER_LENGTH + content + paddingFor(content);
  }
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  let from = 0;
  for (let r = 0; r < ends.length; r++) {
    const size = contents[r] as number;
    const pad = paddingFor(size);
    writeHeader(buf, at, RecordType.PARAMS, requestId, size, pad);
    at = writePairs(buf, at + HEADER_LENGTH, flat, from, ends[r] as number);
    buf.fill(0, at, at + pad);
    at += pad;
    from = ends[r] as number;
  }
  if (terminate) writeHeader(buf, at, RecordType.PARAMS, requestId, 0, 0);
  return buf;
}

/** One management record (id 0) holding name-value pairs; it must fit in one record. */
function encodeManagementPairs(type: number, flat: FlatPairs): Buffer {
  let content = 0;
  for (const s of flat.sizes) content += s;
  if (content > MAX_CONTENT_LENGTH) {
    throw new InvalidArgumentError(Code.PAIR_TOO_LARGE, `${content} bytes of variables do not fit in one record`);
  }
  // Content + padding must stay ≤ 65535 (php-fpm); content above 65528 goes unpadded.
  const pad = content > MAX_ALIGNED_CONTENT ? 0 : paddingFor(content);
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + content + pad);
  writeHeader(buf, 0, type, 0, content, pad);
  const at = writePairs(buf, HEADER_LENGTH, flat, 0, flat.sizes.length);
  buf.fill(0, at);
  return buf;
}

/** GET_VALUES (spec §4.1): the names asked for, each with an empty value. */
export function encodeGetValues(names: Iterable<string>): Buffer {
  const pairs: [string, string][] = [];
  for (const name of names) pairs.push([name, '']);
  return encodeManagementPairs(RecordType.GET_VALUES, flatten(pairs));
}

/** GET_VALUES_RESULT (spec §4.1): the names the application knows, with their values. */
export function encodeGetValuesResult(pairs: PairSource): Buffer {
  return encodeManagementPairs(RecordType.GET_VALUES_RESULT, flatten(pairs));
}

