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

function partLength(part: PairPart): number {
  return part.length;
}

/**
 * Strings up to this long are copied by a charCodeAt loop, longer ones by one native latin1
 * write. CGI names and values are short: a native call per string cost more than the copy, and
 * joining a record's strings into one first (one native write per record, as these encoders once
 * did) made ~120 cons strings and a flattened copy per proxied request — a fifth of everything the
 * proxy allocated per request (allocation profile under wrk).
 */
const LOOP_COPY_MAX = 64;

/**
 * Writes `text` as latin1 (one byte per character) at `at`; returns the offset after it.
 * @throws InvalidArgumentError `GW_ERR_NOT_LATIN1` for a character above U+00FF
 */
export function writeLatin1(target: Buffer, at: number, text: string): number {
  const length = text.length;
  if (length > LOOP_COPY_MAX) {
    if (NON_LATIN1.test(text)) throw notLatin1(text);
    return at + target.write(text, at, length, 'latin1');
  }
  for (let k = 0; k < length; k++) {
    const c = text.charCodeAt(k);
    if (c > 0xff) throw notLatin1(text);
    target[at + k] = c;
  }
  return at + length;
}

function notLatin1(text: string): InvalidArgumentError {
  return new InvalidArgumentError('GW_ERR_NOT_LATIN1', `"${text.slice(0, 40)}" has a character above U+00FF`);
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

/** Writes a pair length prefix (spec §3.4: one byte up to 127, else four with the top bit set). */
export function writeLength(target: Buffer, at: number, length: number): number {
  if (length > 127) {
    target.writeUInt32BE((length | 0x80000000) >>> 0, at);
    return at + 4;
  }
  target[at] = length;
  return at + 1;
}

function writePart(target: Buffer, at: number, part: PairPart, length: number): number {
  if (typeof part === 'string') return writeLatin1(target, at, part);
  target.set(part, at);
  return at + length;
}

/** Writes pairs [from, to) of `flat` at `at`, strings checked as they are copied; returns the offset after them. */
function writePairs(target: Buffer, at: number, flat: FlatPairs, from: number, to: number): number {
  const parts = flat.parts;
  const lengths = flat.lengths;
  for (let i = 2 * from; i < 2 * to; i += 2) {
    at = writeLength(target, at, lengths[i] as number);
    at = writeLength(target, at, lengths[i + 1] as number);
    at = writePart(target, at, parts[i] as PairPart, lengths[i] as number);
    at = writePart(target, at, parts[i + 1] as PairPart, lengths[i + 1] as number);
  }
  return at;
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

