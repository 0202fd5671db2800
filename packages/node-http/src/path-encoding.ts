/**
 * Re-encoding of the decoded CGI path variables.
 *
 * RFC 3875 §4.1.13/§4.1.5: SCRIPT_NAME and PATH_INFO hold the *decoded* path, so a request URL
 * rebuilt from them must be percent-encoded again. `encodeURI` is not enough: it leaves `?` and
 * `#` alone (a decoded `%3F` would turn into a query) and it encodes characters as UTF-8 code
 * points, whereas our strings are latin1 views of the raw bytes (one character per byte, see
 * ParamList), which would double-encode every non-ASCII byte. So this works byte by byte.
 */

// RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@", plus "/" between
// segments. Every other byte, "%" included (it was decoded once already), becomes %XX.
const KEEP = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/") {
  KEEP[c.charCodeAt(0)] = 1;
}
const HEX = '0123456789ABCDEF';

/**
 * Percent-encodes a decoded path given as a latin1 string (one character per byte).
 * Returns the input itself when nothing needs encoding, which is the usual case.
 */
export function encodePath(decoded: string): string {
  let i = 0;
  while (i < decoded.length && KEEP[decoded.charCodeAt(i)] === 1) i++;
  if (i === decoded.length) return decoded;
  let out = decoded.slice(0, i);
  for (; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i) & 0xff;
    out += KEEP[c] === 1 ? decoded[i] : `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}
