/**
 * Character classes of the response-head grammar, shared by the decoder and the encoder so that
 * both sides agree on what a header name is.
 */

export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const HTAB = 0x09;
export const NUL = 0x00;
export const COLON = 0x3a;

// RFC 9110 §5.6.2: token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" /
// "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. A 256-entry table answers "is this a tchar?"
// with one load, cheaper than a regex for the short names a head carries.
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) {
  TCHAR[c] = 1;
  TCHAR[c + 0x20] = 1;
}

/**
 * Index of the first character of `s[start, end)` that is not a tchar, or -1 when the whole range
 * is a token. An empty range is not a token (RFC 9110: `1*tchar`), reported as index `start`.
 */
export function firstNonTokenChar(s: string, start: number, end: number): number {
  if (start >= end) return start;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 256 || TCHAR[c] !== 1) return i;
  }
  return -1;
}

/** True for the optional whitespace of RFC 9110 §5.6.3 (OWS = *( SP / HTAB )). */
export function isOws(code: number): boolean {
  return code === SP || code === HTAB;
}

/** True for an ASCII digit. */
export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The HTTP/1.x status-line prefix; HTTP-name is case-sensitive (RFC 9112 §2.3). */
export const HTTP_PREFIX = 'HTTP/';
