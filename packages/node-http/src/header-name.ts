/**
 * CGI variable name → HTTP header name, the inverse of RFC 3875 §4.1.18 (upper-case, `-` → `_`,
 * `HTTP_` prefix). The inverse is lossy (protocols.md §4.2, §6 #90): `X-Foo` and `X_Foo` both
 * arrive as `HTTP_X_FOO` and come back as `x-foo`; nginx drops headers with underscores by
 * default, so the original spelling is almost always the dashed one.
 */

import { NameTable } from './name-table.js';

/** A header's two spellings, and its place in the well-known table. */
export interface HeaderName {
  /** Lower-case name, e.g. `x-forwarded-for` (the key of `req.headers`). */
  readonly lower: string;
  /** Canonical-case name, e.g. `X-Forwarded-For` (what `req.rawHeaders` shows). */
  readonly canonical: string;
  /** Index in the well-known table (0 ≤ id < {@link WELL_KNOWN_COUNT}), or -1 for any other name. */
  readonly id: number;
}

// Names that arrive on nearly every request get precomputed entries, so the common case costs
// one table lookup (NameTable: no hashing, no chain of string comparisons) and no string
// building. The canonical spelling is what browsers send, which is also what node's rawHeaders
// would show.
const WELL_KNOWN = [
  'Host', 'Connection', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Accept-Charset', 'User-Agent',
  'Cookie', 'Referer', 'Origin', 'Authorization', 'Cache-Control', 'Pragma', 'Content-Type',
  'Content-Length', 'Transfer-Encoding', 'TE', 'Upgrade', 'Upgrade-Insecure-Requests', 'If-None-Match',
  'If-Modified-Since', 'If-Match', 'If-Unmodified-Since', 'If-Range', 'Range', 'Expect', 'DNT',
  'Priority', 'Keep-Alive', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host',
  'X-Forwarded-Port', 'X-Real-IP', 'X-Requested-With', 'Forwarded', 'Via', 'Sec-Fetch-Site',
  'Sec-Fetch-Mode', 'Sec-Fetch-Dest', 'Sec-Fetch-User', 'Sec-CH-UA', 'Sec-CH-UA-Mobile',
  'Sec-CH-UA-Platform', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Access-Control-Request-Method',
  'Access-Control-Request-Headers', 'Content-Encoding', 'Set-Cookie',
] as const;

/** Number of well-known names: ids are below this. */
export const WELL_KNOWN_COUNT = WELL_KNOWN.length;

/** The well-known headers, by id. */
export const WELL_KNOWN_NAMES: readonly HeaderName[] = WELL_KNOWN.map((canonical, id) => Object.freeze({ lower: canonical.toLowerCase(), canonical, id }));
/** Each well-known header with its CGI variable name (`HTTP_USER_AGENT`), for lookup tables. */
export const WELL_KNOWN_CGI_NAMES: readonly (readonly [cgiName: string, name: HeaderName])[] = WELL_KNOWN_NAMES.map(
  (name) => [`HTTP_${name.lower.toUpperCase().replaceAll('-', '_')}`, name] as const,
);
/** Well-known entries by CGI name. */
const BY_CGI_NAME = new NameTable<HeaderName | undefined>(WELL_KNOWN_CGI_NAMES, undefined);
/** Well-known entries by lower-case name: only for CGI names outside the table (rare). */
const BY_LOWER = new Map(WELL_KNOWN_NAMES.map((name) => [name.lower, name] as const));

/** Ids of the names the CGI mapping treats specially. */
export const CONTENT_TYPE_ID = WELL_KNOWN.indexOf('Content-Type');
export const CONTENT_LENGTH_ID = WELL_KNOWN.indexOf('Content-Length');
export const TRANSFER_ENCODING_ID = WELL_KNOWN.indexOf('Transfer-Encoding');
export const HOST_ID = WELL_KNOWN.indexOf('Host');

/** `HTTP_` at the start, by character codes (a fresh string: see name-table.ts). */
export function isHttpPrefixed(name: string): boolean {
  return (
    name.charCodeAt(0) === 0x48 && name.charCodeAt(1) === 0x54 && name.charCodeAt(2) === 0x54 && name.charCodeAt(3) === 0x50 && name.charCodeAt(4) === 0x5f
  );
}

/**
 * The header name for a CGI variable that starts with `HTTP_` and has at least one more character.
 * The canonical form of a name outside the table capitalises each dash-separated word (`X-Foo-Bar`).
 */
export function headerNameOf(cgiName: string): HeaderName {
  const wellKnown = BY_CGI_NAME.get(cgiName);
  if (wellKnown !== undefined) return wellKnown;
  const lower = cgiName.slice(5).toLowerCase().replaceAll('_', '-');
  // A well-known header under another spelling of its variable (`HTTP_Host`): the same header.
  const known = BY_LOWER.get(lower);
  if (known !== undefined) return known;
  let canonical = '';
  let wordStart = true;
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i] as string;
    canonical += wordStart ? c.toUpperCase() : c;
    wordStart = c === '-';
  }
  return { lower, canonical, id: -1 };
}
