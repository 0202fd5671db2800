/**
 * CGI variable name → HTTP header name, the inverse of RFC 3875 §4.1.18 (upper-case, `-` → `_`,
 * `HTTP_` prefix). The inverse is lossy (protocols.md §4.2, §6 #90): `X-Foo` and `X_Foo` both
 * arrive as `HTTP_X_FOO` and come back as `x-foo`; nginx drops headers with underscores by
 * default, so the original spelling is almost always the dashed one.
 */

/** `[lower-case name, canonical-case name]`, e.g. `['x-forwarded-for', 'X-Forwarded-For']`. */
export type HeaderNames = readonly [lower: string, canonical: string];

// Names that arrive on nearly every request get precomputed pairs, so the common case costs a few
// string comparisons and no string building. The canonical spelling is what browsers send, which
// is also what node's rawHeaders would show.
//
// Why buckets by length and not a Map: CGI names are fresh strings on every request (substrings
// of the decoded PARAMS), and a Map lookup must hash each one first — measured at ~150 ns per name,
// several times a length check plus one or two comparisons.
const WELL_KNOWN_BY_LENGTH: (readonly [cgiName: string, names: HeaderNames])[][] = [];
for (const canonical of [
  'Host', 'Connection', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Accept-Charset', 'User-Agent',
  'Cookie', 'Referer', 'Origin', 'Authorization', 'Cache-Control', 'Pragma', 'Content-Type',
  'Content-Length', 'Transfer-Encoding', 'TE', 'Upgrade', 'Upgrade-Insecure-Requests', 'If-None-Match',
  'If-Modified-Since', 'If-Match', 'If-Unmodified-Since', 'If-Range', 'Range', 'Expect', 'DNT',
  'Priority', 'Keep-Alive', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host',
  'X-Forwarded-Port', 'X-Real-IP', 'X-Requested-With', 'Forwarded', 'Via', 'Sec-Fetch-Site',
  'Sec-Fetch-Mode', 'Sec-Fetch-Dest', 'Sec-Fetch-User', 'Sec-CH-UA', 'Sec-CH-UA-Mobile',
  'Sec-CH-UA-Platform', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Access-Control-Request-Method',
  'Access-Control-Request-Headers', 'Content-Encoding', 'Set-Cookie',
]) {
  const cgiName = `HTTP_${canonical.toUpperCase().replaceAll('-', '_')}`;
  (WELL_KNOWN_BY_LENGTH[cgiName.length] ??= []).push([cgiName, [canonical.toLowerCase(), canonical]]);
}

/**
 * Header names for a CGI variable that starts with `HTTP_` and has at least one more character.
 * The canonical form capitalises each dash-separated word (`X-Foo-Bar`).
 */
export function headerNamesOf(cgiName: string): HeaderNames {
  const candidates = WELL_KNOWN_BY_LENGTH[cgiName.length];
  if (candidates !== undefined) {
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i] as readonly [string, HeaderNames];
      if (candidate[0] === cgiName) return candidate[1];
    }
  }
  const lower = cgiName.slice(5).toLowerCase().replaceAll('_', '-');
  let canonical = '';
  let wordStart = true;
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i] as string;
    canonical += wordStart ? c.toUpperCase() : c;
    wordStart = c === '-';
  }
  return [lower, canonical];
}
