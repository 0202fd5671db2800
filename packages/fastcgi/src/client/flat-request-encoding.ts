import { InvalidArgumentError } from '@gw/core';
import { HEADER_LENGTH, MAX_ALIGNED_CONTENT, RecordType } from '../constants.js';
import { FastCgiErrorCode } from '../error-codes.js';
import { writeLatin1, writeLength } from '../name-value-encoder.js';
import { paddingFor, writeHeader } from '../record-header.js';

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
