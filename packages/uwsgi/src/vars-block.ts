import { ParamList } from '@gw/core';
import { PAIR_LENGTH_FIELDS } from './constants.js';
import { isContentLengthName } from './content-length.js';
import { UwsgiErrorCode, type VarsFaultCode } from './error-codes.js';

/** A vars block that parsed: its pairs and where the (last) CONTENT_LENGTH value lies. */
export interface VarsScanOk {
  readonly ok: true;
  /** Pairs as views into the scanned buffer. */
  readonly vars: ParamList;
  /** Index in the scanned buffer of the last CONTENT_LENGTH value, or -1 when absent. */
  readonly contentLengthStart: number;
  /** End (exclusive) of that value, or -1 when absent. */
  readonly contentLengthEnd: number;
}

/** A vars block that did not parse. */
export interface VarsFault {
  readonly ok: false;
  readonly code: VarsFaultCode;
  /** Position of the offending length field (or stray byte), relative to the block start. */
  readonly at: number;
}

/** Result of {@link scanVarsBlock}. */
export type VarsScan = VarsScanOk | VarsFault;

function fault(code: VarsFaultCode, at: number): VarsFault {
  return { ok: false, code, at };
}

/**
 * Parses the vars block `buf[start, end)`: repeated `keyLen(u16 LE) key valLen(u16 LE) value`
 * that must fill the block exactly (protocols.md §3.2). The pairs become views of `buf`; nothing
 * is copied and no string is made.
 *
 * Rules, following uWSGI `core/protocol.c` `uwsgi_parse_vars`, which rejects the whole request in
 * each case:
 * - fewer than 4 bytes left (no room for both lengths) → `UWSGI_ERR_TRAILING_BYTES`;
 * - keyLen 0 → `UWSGI_ERR_EMPTY_KEY` ("uwsgi key cannot be null");
 * - key + valLen, or the value, past `end` → `UWSGI_ERR_VARS_OVERRUN`;
 * - an empty value is fine, even on the last pair;
 * - pair number `maxVars + 1` → `UWSGI_ERR_TOO_MANY_VARS` (uWSGI stops at its iovec size).
 *
 * Duplicate keys are kept in wire order; the last CONTENT_LENGTH wins, as it does in uWSGI (each
 * occurrence overwrites `post_cl`) and in `ParamList.get`.
 */
export function scanVarsBlock(buf: Buffer, start: number, end: number, maxVars: number): VarsScan {
  const vars = new ParamList((end - start) >> 4); // sized once: real pairs average well over 16 bytes
  let contentLengthStart = -1;
  let contentLengthEnd = -1;
  let count = 0;
  let p = start;
  // The hot loop of the whole codec: direct byte reads, no views, no strings, no allocation
  // besides ParamList's bookkeeping. `buf[i] | buf[i + 1] << 8` is the LE u16 (protocols.md §3.1).
  while (p < end) {
    if (count === maxVars) return fault(UwsgiErrorCode.TOO_MANY_VARS, p - start);
    if (end - p < PAIR_LENGTH_FIELDS) return fault(UwsgiErrorCode.TRAILING_BYTES, p - start);
    const keyLength = (buf[p] as number) | ((buf[p + 1] as number) << 8);
    if (keyLength === 0) return fault(UwsgiErrorCode.EMPTY_KEY, p - start);
    const keyStart = p + 2;
    const valueLengthAt = keyStart + keyLength;
    // The key must leave room for the value's length field (uWSGI: `ptrbuf + strsize < bufferend`).
    if (valueLengthAt + 2 > end) return fault(UwsgiErrorCode.VARS_OVERRUN, p - start);
    const valueLength = (buf[valueLengthAt] as number) | ((buf[valueLengthAt + 1] as number) << 8);
    const valueStart = valueLengthAt + 2;
    const next = valueStart + valueLength;
    // `<=` in uWSGI: a value may end exactly at the block end.
    if (next > end) return fault(UwsgiErrorCode.VARS_OVERRUN, valueLengthAt - start);
    vars.addView(buf, keyStart, keyLength, valueStart, valueLength);
    if (isContentLengthName(buf, keyStart, keyLength)) {
      contentLengthStart = valueStart;
      contentLengthEnd = next;
    }
    count++;
    p = next;
  }
  return { ok: true, vars, contentLengthStart, contentLengthEnd };
}
