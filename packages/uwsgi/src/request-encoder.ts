import { firstNonLatin1, InvalidArgumentError, ParamList } from '@gw/core';
import { HEADER_LENGTH, MAX_VAR_LENGTH, MAX_VARS_BLOCK_SIZE } from './constants.js';
import { UwsgiErrorCode } from './error-codes.js';
import { checkModifier, writeHeaderInto } from './packet-header.js';

/** One var name or value: a string (encoded as latin1) or raw bytes. */
export type UwsgiVarPart = string | Uint8Array;

/** Vars to encode: a decoded ParamList (bytes reused as-is) or any iterable of [name, value]. */
export type UwsgiVarsInput = ParamList | Iterable<readonly [UwsgiVarPart, UwsgiVarPart]>;

/** Options of {@link encodeUwsgiRequest}. */
export interface UwsgiEncodeOptions {
  /** Packet type, 0..255. @default 0 (WSGI request, what nginx sends) */
  modifier1?: number;
  /** Sub-type, 0..255. @default 0 */
  modifier2?: number;
}

/** Byte length of one part; strings are latin1 (one byte per character). */
function partLength(part: UwsgiVarPart, what: string): number {
  if (typeof part !== 'string') return part.length;
  const bad = firstNonLatin1(part);
  if (bad >= 0) {
    throw new InvalidArgumentError(
      'GW_ERR_NOT_LATIN1',
      `uwsgi ${what} has a character above U+00FF at index ${bad}; pass bytes (Buffer) for non-latin1 data`,
    );
  }
  return part.length;
}

/** Size a pair adds to the block, after checking it against the protocol's u16 fields. */
function pairSize(keyLength: number, valueLength: number): number {
  // uWSGI core/protocol.c rejects a zero-length key, so never produce one.
  if (keyLength === 0) throw new InvalidArgumentError(UwsgiErrorCode.EMPTY_KEY, 'uwsgi var key must not be empty');
  // Both lengths are u16 LE on the wire (protocols.md §3.2).
  if (keyLength > MAX_VAR_LENGTH || valueLength > MAX_VAR_LENGTH) {
    throw new InvalidArgumentError(UwsgiErrorCode.VARS_TOO_LARGE, `uwsgi var key or value longer than ${MAX_VAR_LENGTH} bytes`);
  }
  return 4 + keyLength + valueLength;
}

/** Strings up to this length are copied by a JS loop rather than Buffer#write (see writePart). */
const SHORT_STRING = 48;

function writePart(out: Buffer, at: number, part: UwsgiVarPart, length: number): number {
  out[at] = length & 0xff;
  out[at + 1] = length >>> 8;
  if (typeof part !== 'string') out.set(part, at + 2);
  else if (length > SHORT_STRING) out.write(part, at + 2, length, 'latin1');
  else {
    // CGI names and most values are short: a plain loop beats the native call's fixed cost. Every
    // character is ≤ U+00FF (checked while measuring), so the char code is the byte.
    for (let i = 0; i < length; i++) out[at + 2 + i] = part.charCodeAt(i);
  }
  return at + 2 + length;
}

function checkBlockSize(size: number): void {
  // datasize is a u16 (protocols.md §3.1); nginx refuses such a request with 500.
  if (size > MAX_VARS_BLOCK_SIZE) {
    throw new InvalidArgumentError(UwsgiErrorCode.VARS_TOO_LARGE, `uwsgi vars block of ${size} bytes exceeds 65535`);
  }
}

/**
 * Encodes a uwsgi request packet: the 4-byte header and the vars block. The body is not part of
 * the packet: write it raw after this buffer, and pass its length as the CONTENT_LENGTH var.
 * Measures everything first and allocates the result once.
 *
 * @param vars a ParamList (its bytes are copied as they are) or an iterable of `[name, value]`,
 *   each a string (latin1) or a Uint8Array (bytes)
 * @param options `modifier1` (default 0), `modifier2` (default 0)
 * @returns a new Buffer of 4 + datasize bytes
 * @throws InvalidArgumentError `GW_ERR_NOT_LATIN1` (a string character above U+00FF),
 *   `UWSGI_ERR_EMPTY_KEY`, `UWSGI_ERR_VARS_TOO_LARGE` (a key or value over 65535 bytes, or a block
 *   over 65535 bytes), `GW_ERR_INVALID_OPTION` (a modifier outside 0..255).
 */
export function encodeUwsgiRequest(vars: UwsgiVarsInput, options: UwsgiEncodeOptions = {}): Buffer {
  const modifier1 = checkModifier(options.modifier1 ?? 0, 'modifier1');
  const modifier2 = checkModifier(options.modifier2 ?? 0, 'modifier2');
  return vars instanceof ParamList ? encodeParamList(vars, modifier1, modifier2) : encodePairs(vars, modifier1, modifier2);
}

function encodeParamList(vars: ParamList, modifier1: number, modifier2: number): Buffer {
  let size = 0;
  for (let i = 0; i < vars.length; i++) size += pairSize(vars.nameBytes(i).length, vars.valueBytes(i).length);
  checkBlockSize(size);
  const out = Buffer.allocUnsafe(HEADER_LENGTH + size);
  writeHeaderInto(out, 0, modifier1, size, modifier2);
  let at = HEADER_LENGTH;
  for (let i = 0; i < vars.length; i++) {
    const name = vars.nameBytes(i);
    const value = vars.valueBytes(i);
    at = writePart(out, at, name, name.length);
    at = writePart(out, at, value, value.length);
  }
  return out;
}

function encodePairs(vars: Iterable<readonly [UwsgiVarPart, UwsgiVarPart]>, modifier1: number, modifier2: number): Buffer {
  // An iterable may be single-use, so the measuring pass keeps the parts for the writing pass.
  const parts: UwsgiVarPart[] = [];
  let size = 0;
  for (const [name, value] of vars) {
    size += pairSize(partLength(name, 'var name'), partLength(value, 'var value'));
    parts.push(name, value);
  }
  checkBlockSize(size);
  const out = Buffer.allocUnsafe(HEADER_LENGTH + size);
  writeHeaderInto(out, 0, modifier1, size, modifier2);
  let at = HEADER_LENGTH;
  for (const part of parts) at = writePart(out, at, part, part.length);
  return out;
}
