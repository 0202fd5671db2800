import { ParamList, type ProtocolError } from '@gw/core';
import { CONTENT_LENGTH_BYTES, DIGIT_0, DIGIT_9, NUL, SCGI_BYTES, ScgiErrorCode } from './constants.js';
import { scgiProtocolError } from './errors.js';

/** A header block that passed every check. */
export interface ParsedHeaderBlock {
  readonly ok: true;
  /** The pairs in wire order; views into the block buffer. */
  readonly headers: ParamList;
  /** The value of the first header, CONTENT_LENGTH. */
  readonly contentLength: number;
  /** True when no `SCGI` header was present (accepted only in lenient mode). */
  readonly scgiMarkerMissing: boolean;
}

/** A header block that failed a check. */
export interface RejectedHeaderBlock {
  readonly ok: false;
  readonly error: ProtocolError;
}

/**
 * Splits and validates an SCGI header block (the netstring's content, without digits, colon and
 * comma). `base` is the absolute stream offset of `block[0]`, used for error offsets.
 *
 * Pairs are found with `Buffer#indexOf(0)` (a native memchr) rather than a byte loop, and are
 * recorded in a ParamList as views of `block`: no strings are made except, in strict mode, the
 * names needed for duplicate detection.
 */
export function parseHeaderBlock(block: Buffer, base: number, strict: boolean): ParsedHeaderBlock | RejectedHeaderBlock {
  const end = block.length;
  // `0:,` is a valid netstring but not a valid SCGI request: protocol.txt requires CONTENT_LENGTH
  // (uWSGI's SCGI reader also rejects length 0).
  if (end === 0) return reject(ScgiErrorCode.MISSING_CONTENT_LENGTH, base, 'empty header block (no CONTENT_LENGTH)');

  const headers = new ParamList(end >> 4); // sized once: real pairs average well over 16 bytes
  const seen = strict ? new Set<string>() : null;
  let contentLength = 0;
  let contentLengthStart = 0;
  let contentLengthEnd = 0;
  let scgiCount = 0;

  let pos = 0;
  while (pos < end) {
    // protocol.txt: headers are `name NUL value NUL`; the block ends right after a value's NUL.
    const nameEnd = block.indexOf(NUL, pos);
    if (nameEnd === -1) return reject(ScgiErrorCode.MALFORMED_HEADERS, base + pos, 'header name is not NUL-terminated');
    if (nameEnd === pos) return reject(ScgiErrorCode.MALFORMED_HEADERS, base + pos, 'empty header name');
    const valueStart = nameEnd + 1;
    const valueEnd = valueStart < end ? block.indexOf(NUL, valueStart) : -1;
    if (valueEnd === -1) {
      // Either the block ends right after a name (an odd number of strings) or the last value
      // runs to the end of the block without its NUL.
      return reject(ScgiErrorCode.MALFORMED_HEADERS, base + valueStart, 'header value missing or not NUL-terminated');
    }

    if (seen !== null) {
      // protocol.txt: "Duplicate names are not allowed in the headers."
      const name = block.toString('latin1', pos, nameEnd);
      if (seen.has(name)) return reject(ScgiErrorCode.DUPLICATE_HEADER, base + pos, `header ${name} repeats`);
      seen.add(name);
    }

    const isContentLength = nameIs(block, pos, nameEnd, CONTENT_LENGTH_BYTES);
    if (headers.length === 0) {
      // protocol.txt: "The first header must be CONTENT_LENGTH". Required in lenient mode too:
      // every real client (nginx, Apache, lighttpd) sends it first (protocols.md §2, §5.3).
      if (!isContentLength) return reject(ScgiErrorCode.MISSING_CONTENT_LENGTH, base + pos, 'first header is not CONTENT_LENGTH');
      const parsed = parseContentLength(block, valueStart, valueEnd, base, strict);
      if (typeof parsed !== 'number') return { ok: false, error: parsed };
      contentLength = parsed;
      contentLengthStart = valueStart;
      contentLengthEnd = valueEnd;
    } else if (isContentLength) {
      // Lenient: nascheme's mod_scgi can repeat CONTENT_LENGTH (explicit var + Apache's env). A
      // repeat with the same bytes is harmless; a different one makes the body length ambiguous
      // (and ParamList#get, last-wins, would disagree with the length we framed by): reject.
      if (block.compare(block, contentLengthStart, contentLengthEnd, valueStart, valueEnd) !== 0) {
        return reject(ScgiErrorCode.DUPLICATE_HEADER, base + pos, 'CONTENT_LENGTH repeats with a different value');
      }
    } else if (nameIs(block, pos, nameEnd, SCGI_BYTES)) {
      // protocol.txt: `SCGI` must be `1`; there is no other version, so anything else is refused
      // in both modes rather than guessed at.
      if (valueEnd - valueStart !== 1 || block[valueStart] !== DIGIT_0 + 1) {
        return reject(ScgiErrorCode.BAD_SCGI_VERSION, base + valueStart, 'SCGI header value is not "1"');
      }
      scgiCount++;
    }

    headers.addView(block, pos, nameEnd - pos, valueStart, valueEnd - valueStart);
    pos = valueEnd + 1;
  }

  // protocol.txt requires the marker; nginx only sends it when the config includes scgi_params,
  // so lenient mode accepts its absence and reports it for a warning.
  if (strict && scgiCount === 0) return reject(ScgiErrorCode.MISSING_SCGI, base + end, 'no SCGI header');
  return { ok: true, headers, contentLength, scgiMarkerMissing: scgiCount === 0 };
}

/**
 * Parses the CONTENT_LENGTH value `block[start, end)`: one or more ASCII digits (protocol.txt),
 * no sign, exponent or spaces; leading zeros only in lenient mode; at most 2^53-1 so the count
 * is exact. Returns the number or the error to report.
 */
function parseContentLength(block: Buffer, start: number, end: number, base: number, strict: boolean): number | ProtocolError {
  if (start === end) return scgiProtocolError(ScgiErrorCode.BAD_CONTENT_LENGTH, base + start, 'CONTENT_LENGTH is empty');
  if (strict && end - start > 1 && block[start] === DIGIT_0) {
    return scgiProtocolError(ScgiErrorCode.BAD_CONTENT_LENGTH, base + start, 'CONTENT_LENGTH has a leading zero');
  }
  let value = 0;
  let significant = 0;
  for (let i = start; i < end; i++) {
    const b = block[i] as number;
    if (b < DIGIT_0 || b > DIGIT_9) {
      return scgiProtocolError(ScgiErrorCode.BAD_CONTENT_LENGTH, base + i, 'CONTENT_LENGTH is not decimal digits');
    }
    value = value * 10 + (b - DIGIT_0);
    if (value > 0) significant++;
  }
  // Past 16 significant digits the double may round, but never below 2^53, so the safe-integer
  // test still rejects every value above Number.MAX_SAFE_INTEGER.
  if (significant > 16 || !Number.isSafeInteger(value)) {
    return scgiProtocolError(ScgiErrorCode.BAD_CONTENT_LENGTH, base + start, 'CONTENT_LENGTH exceeds 2^53-1');
  }
  return value;
}

/** True when `block[start, end)` holds exactly the bytes of `name`. */
/**
 * True when block[start, end) holds `name`. Compared in JS: the names are short (4 and 14
 * bytes) and Buffer#compare's native call cost more than the loop (profiled: ~10% of decode).
 */
function nameIs(block: Buffer, start: number, end: number, name: Buffer): boolean {
  const len = name.length;
  if (end - start !== len) return false;
  for (let i = 0; i < len; i++) if (block[start + i] !== name[i]) return false;
  return true;
}

function reject(code: ScgiErrorCode, offset: number, message: string): RejectedHeaderBlock {
  return { ok: false, error: scgiProtocolError(code, offset, message) };
}
