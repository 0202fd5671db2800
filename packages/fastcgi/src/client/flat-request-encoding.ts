import { InvalidArgumentError } from '@gw/core';
import { HEADER_LENGTH, MAX_ALIGNED_CONTENT, RecordType } from '../constants.js';
import { FastCgiErrorCode } from '../error-codes.js';
import { paddingFor, writeHeader } from '../record-header.js';

// One byte per character only works up to U+00FF.
const NON_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Strings up to this long are copied into the record by a charCodeAt loop; longer ones by one
 * native latin1 write. CGI names and values are short: a native call per string cost more than
 * the copy, and joining a record's strings into one first (one native write per record, as this
 * file once did) made ~120 cons strings and a flattened copy per request — a fifth of everything
 * a proxied request allocated (allocation profile of the proxy under wrk).
 */
const LOOP_COPY_MAX = 64;

/** Writes a pair length prefix (spec §3.4: 1 byte up to 127, else 4 bytes with the top bit set). */
function writeLength(buf: Buffer, at: number, length: number): number {
  if (length <= 127) {
    buf[at] = length;
    return at + 1;
  }
  buf[at] = 0x80 | (length >>> 24);
  buf[at + 1] = (length >>> 16) & 0xff;
  buf[at + 2] = (length >>> 8) & 0xff;
  buf[at + 3] = length & 0xff;
  return at + 4;
}

/** Writes `text` as latin1 at `at`; returns the offset after it. */
function writeLatin1(buf: Buffer, at: number, text: string): number {
  const length = text.length;
  if (length > LOOP_COPY_MAX) {
    if (NON_LATIN1.test(text)) throw notLatin1(text);
    return at + buf.write(text, at, length, 'latin1');
  }
  for (let k = 0; k < length; k++) {
    const c = text.charCodeAt(k);
    if (c > 0xff) throw notLatin1(text);
    buf[at + k] = c;
  }
  return at + length;
}

function notLatin1(text: string): InvalidArgumentError {
  return new InvalidArgumentError('GW_ERR_NOT_LATIN1', `"${text.slice(0, 40)}" has a character above U+00FF`);
}

/**
 * The whole preamble of a request whose params are one flat array of latin1 strings (name, value,
 * name, value…), in one buffer: BEGIN_REQUEST (KEEP_CONN), the PARAMS records, the empty PARAMS,
 * and when `stdin` is given, that body inline followed by the empty STDIN. The same bytes as
 * `encodeBeginRequest` + `encodeParams` + `encodeStream`, without a tuple per pair, the flattening
 * pass or a Buffer.concat: a proxied GET costs one allocation, and its strings are copied in place.
 *
 * PARAMS records hold whole pairs (php-fpm drops a pair cut between records, protocols.md §7.2)
 * and are padded to 8 bytes, at most 65528 content bytes each. Written for request id 1 (the
 * connection retargets it with setRequestId).
 *
 * @param stdin bytes to send inline, or null when the input streams follow the preamble
 * @throws InvalidArgumentError `FCGI_ERR_PAIR_TOO_LARGE` (a pair larger than one record),
 *   `GW_ERR_NOT_LATIN1` (a character above U+00FF)
 */
export function encodeFlatPreamble(flat: readonly string[], role: number, stdin: Uint8Array | null): Buffer {
  const pairs = flat.length >> 1;
  // Greedy packing, measured first: the record boundaries (pair indices) and content sizes.
  const ends: number[] = [];
  const contents: number[] = [];
  let content = 0;
  for (let i = 0; i < pairs; i++) {
    const n = (flat[2 * i] as string).length;
    const v = (flat[2 * i + 1] as string).length;
    const size = (n > 127 ? 4 : 1) + (v > 127 ? 4 : 1) + n + v;
    if (size > MAX_ALIGNED_CONTENT) {
      throw new InvalidArgumentError(FastCgiErrorCode.PAIR_TOO_LARGE, `name-value pair of ${size} bytes does not fit in one ${MAX_ALIGNED_CONTENT}-byte PARAMS record`);
    }
    if (content + size > MAX_ALIGNED_CONTENT) {
      ends.push(i);
      contents.push(content);
      content = 0;
    }
    content += size;
  }
  if (content > 0) {
    ends.push(pairs);
    contents.push(content);
  }
  let total = 16 + HEADER_LENGTH;
  for (const c of contents) total += HEADER_LENGTH + c + paddingFor(c);
  if (stdin !== null) total += stdin.length > 0 ? 2 * HEADER_LENGTH + stdin.length + paddingFor(stdin.length) : HEADER_LENGTH;

  const buf = Buffer.allocUnsafe(total);
  // BEGIN_REQUEST (spec §5.1), KEEP_CONN always: the pool owns the connection's lifetime.
  writeHeader(buf, 0, RecordType.BEGIN_REQUEST, 1, 8, 0);
  buf[8] = role >> 8;
  buf[9] = role & 0xff;
  buf[10] = 1;
  buf.fill(0, 11, 16);
  let at = 16;
  let from = 0;
  for (let r = 0; r < ends.length; r++) {
    const size = contents[r] as number;
    const pad = paddingFor(size);
    writeHeader(buf, at, RecordType.PARAMS, 1, size, pad);
    at += HEADER_LENGTH;
    const end = ends[r] as number;
    for (let i = from; i < end; i++) {
      const name = flat[2 * i] as string;
      const value = flat[2 * i + 1] as string;
      at = writeLength(buf, at, name.length);
      at = writeLength(buf, at, value.length);
      at = writeLatin1(buf, at, name);
      at = writeLatin1(buf, at, value);
    }
    buf.fill(0, at, at + pad);
    at += pad;
    from = end;
  }
  writeHeader(buf, at, RecordType.PARAMS, 1, 0, 0);
  at += HEADER_LENGTH;
  if (stdin !== null) {
    if (stdin.length > 0) {
      const pad = paddingFor(stdin.length);
      writeHeader(buf, at, RecordType.STDIN, 1, stdin.length, pad);
      buf.set(stdin, at + HEADER_LENGTH);
      at += HEADER_LENGTH + stdin.length;
      buf.fill(0, at, at + pad);
      at += pad;
    }
    writeHeader(buf, at, RecordType.STDIN, 1, 0, 0);
  }
  return buf;
}
