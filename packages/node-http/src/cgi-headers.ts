import type { IncomingHttpHeaders } from 'node:http';
import type { ParamList } from '@gw/core';
import { CONTENT_LENGTH_ID, CONTENT_TYPE_ID, type HeaderName, headerNameOf, isHttpPrefixed, TRANSFER_ENCODING_ID, WELL_KNOWN_COUNT, WELL_KNOWN_NAMES } from './header-name.js';

/** Request headers in the two shapes node:http exposes them. */
export interface CgiHeaders {
  /** Lower-case names → values, like `req.headers` (a plain object, as node's is). */
  headers: IncomingHttpHeaders;
  /** Alternating canonical-case names and values, like `req.rawHeaders`. */
  rawHeaders: string[];
}

/**
 * Request headers from CGI variables (protocols.md §4.2 "Adapter rule"), in one pass over the
 * variables, in their order:
 *
 * - every `HTTP_X_FOO` becomes `x-foo` / `X-Foo` (lossy, §6 #90); a repeated variable keeps its
 *   last value, as {@link ParamList.get} does;
 * - `HTTP_CONTENT_TYPE` / `HTTP_CONTENT_LENGTH` are skipped when CONTENT_TYPE / CONTENT_LENGTH
 *   exist (nginx sends both; RFC 3875 §4.1.3 makes the CGI variable authoritative, §6 #87), and
 *   non-empty CONTENT_TYPE / CONTENT_LENGTH become `content-type` / `content-length`;
 * - `transfer-encoding` is dropped when the body length is known: the gateway already removed the
 *   chunked framing (nginx still forwards HTTP_TRANSFER_ENCODING, §4.2). When the length is
 *   unknown (nginx unbuffered, Apache streaming > 16 KiB) it is kept as `chunked`, which is what
 *   node:http shows for such a request; without it, body parsers that look for a body with
 *   `content-length` or `transfer-encoding` (type-is `hasBody`, Fastify) would skip the body.
 *
 * `contentType` / `contentLength` are the indexes of the last CONTENT_TYPE / CONTENT_LENGTH
 * (-1 = absent) when the caller already knows them (`CgiRequest` carries them).
 */
export function readCgiHeaders(
  params: ParamList,
  contentType: number = params.lastIndexOf('CONTENT_TYPE'),
  contentLength: number = params.lastIndexOf('CONTENT_LENGTH'),
): CgiHeaders {
  const rawHeaders = readCgiRawHeaders(params, contentType, contentLength);
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    // node:http types set-cookie as string[] even in requests (IncomingMessage's matchKnownFields).
    if (lower === 'set-cookie') headers[lower] = [value];
    else headers[lower] = value;
  }
  return { headers, rawHeaders };
}

// Scratch state of readCgiRawHeaders (synchronous, never re-entered): for each well-known header,
// the pass that last saw it and where its name is in that pass's rawHeaders. Finding a repeat
// costs an array read instead of a lookup by name.
const seenInPass = new Float64Array(WELL_KNOWN_COUNT);
const rawIndex = new Int32Array(WELL_KNOWN_COUNT);
let pass = 0;

/**
 * Codes in the list of header variables ({@link findCgiHeaders}) besides well-known header ids
 * (≥ 0): an `HTTP_*` variable outside the well-known table, a CONTENT_TYPE, a CONTENT_LENGTH.
 */
export const OTHER_HEADER = -1;
export const CONTENT_TYPE_VARIABLE = -2;
export const CONTENT_LENGTH_VARIABLE = -3;

/**
 * `req.rawHeaders` for CGI variables: what {@link readCgiHeaders} returns as `rawHeaders`, without
 * building the `headers` object (node's IncomingMessage builds that from rawHeaders when read).
 * A repeated header appears once, at its first place, with its last value.
 *
 * @param found the header variables as {@link findCgiHeaders} lists them, when the caller
 *   already knows them (readCgiRequest finds them in its own pass over the names)
 */
export function readCgiRawHeaders(
  params: ParamList,
  contentType: number = params.lastIndexOf('CONTENT_TYPE'),
  contentLength: number = params.lastIndexOf('CONTENT_LENGTH'),
  found: readonly number[] = findCgiHeaders(params),
): string[] {
  // Collected in a module-level scratch list (nothing called here can re-enter), then copied out
  // at its exact size: an array grown by push reserves room for 17, and cutting an array's
  // length is a runtime call (nginx's empty CONTENT_TYPE and CONTENT_LENGTH are listed and
  // dropped on every GET).
  const rawHeaders = RAW_SCRATCH;
  let rawLength = 0;
  const lengthKnown = contentLength >= 0 && params.value(contentLength) !== '';
  const thisPass = ++pass;
  /** rawHeaders indexes of names outside the well-known table (rare), for repeats. */
  let others: number[] | null = null;
  for (let k = 0; k < found.length; k += 2) {
    const i = found[k] as number;
    const code = found[k + 1] as number;
    let id: number;
    let canonical: string;
    let value: string;
    if (code >= OTHER_HEADER) {
      const name = code === OTHER_HEADER ? headerNameOf(params.name(i)) : (WELL_KNOWN_NAMES[code] as HeaderName);
      id = name.id;
      canonical = name.canonical;
      // RFC 3875 §4.1.18 lets the server drop these when it sends CONTENT_*; nginx does not.
      if (id === CONTENT_TYPE_ID && contentType >= 0) continue;
      if (id === CONTENT_LENGTH_ID && contentLength >= 0) continue;
      if (id === TRANSFER_ENCODING_ID) {
        if (lengthKnown || params.value(i) === '') continue;
        value = 'chunked';
      } else {
        value = params.value(i);
      }
    } else {
      // Only the last CONTENT_TYPE / CONTENT_LENGTH counts (the one readCgiRequest parsed).
      if (i !== contentType && i !== contentLength) continue;
      value = params.value(i);
      if (value === '') continue;
      id = i === contentType ? CONTENT_TYPE_ID : CONTENT_LENGTH_ID;
      canonical = i === contentType ? 'Content-Type' : 'Content-Length';
    }
    if (id >= 0) {
      if (seenInPass[id] === thisPass) {
        rawHeaders[(rawIndex[id] as number) + 1] = value; // a repeated CGI variable: the last value wins
        continue;
      }
      seenInPass[id] = thisPass;
      rawIndex[id] = rawLength;
    } else {
      const at = indexOfName(rawHeaders, others, canonical);
      if (at >= 0) {
        rawHeaders[at + 1] = value;
        continue;
      }
      (others ??= []).push(rawLength);
    }
    rawHeaders[rawLength++] = canonical;
    rawHeaders[rawLength++] = value;
  }
  const out = rawHeaders.slice(0, rawLength);
  // The scratch must not keep the request's strings alive.
  for (let k = 0; k < rawLength; k++) rawHeaders[k] = '';
  return out;
}

/** readCgiRawHeaders' list while it is being built (strings only; emptied after each use). */
const RAW_SCRATCH: string[] = [];

/**
 * The variables that may become headers, in order, as pairs `[index, code]`: `HTTP_*` variables
 * (code: the well-known id, or OTHER_HEADER) and every CONTENT_TYPE / CONTENT_LENGTH.
 */
export function findCgiHeaders(params: ParamList): number[] {
  const found: number[] = [];
  for (let i = 0; i < params.length; i++) {
    const name = params.name(i);
    if (name.length > 5 && isHttpPrefixed(name)) {
      found.push(i, headerNameOf(name).id);
    } else if (name === 'CONTENT_TYPE') {
      found.push(i, CONTENT_TYPE_VARIABLE);
    } else if (name === 'CONTENT_LENGTH') {
      found.push(i, CONTENT_LENGTH_VARIABLE);
    }
  }
  return found;
}

/** Where `canonical` already is among the rawHeaders names at `positions`, or -1. */
function indexOfName(rawHeaders: string[], positions: number[] | null, canonical: string): number {
  if (positions === null) return -1;
  for (const at of positions) if (rawHeaders[at] === canonical) return at;
  return -1;
}
