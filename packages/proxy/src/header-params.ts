/**
 * HTTP request headers as CGI `HTTP_*` params, by nginx's rules (protocols.md §4.2):
 * - a name with a character other than a letter, digit or `-` is dropped (`underscores_in_headers
 *   off` + `ignore_invalid_headers on`), which also closes the `X-Foo` / `X_Foo` collision;
 * - the name is upper-cased with `-` → `_` and prefixed `HTTP_`;
 * - repeated headers are joined with `, `, Cookie with `; ` (nginx ≥ 1.23), in first-seen order;
 * - `Proxy` is never passed: HTTP_PROXY would become the app's proxy setting (httpoxy, CVE-2016-5385);
 * - `Transfer-Encoding` is not passed: the body the app gets is never chunked (RFC 3875 §4.2: the
 *   server removes transfer-codings), and uWSGI would try to de-chunk it.
 *
 * @param rawHeaders node's `req.rawHeaders` (names and values alternating, as sent)
 */
export function headerParams(rawHeaders: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!VALID_NAME.test(name)) continue;
    const param = `HTTP_${name.toUpperCase().replace(DASHES, '_')}`;
    if (param === 'HTTP_PROXY' || param === 'HTTP_TRANSFER_ENCODING') continue;
    const value = rawHeaders[i + 1] as string;
    const earlier = out.get(param);
    out.set(param, earlier === undefined ? value : `${earlier}${param === 'HTTP_COOKIE' ? '; ' : ', '}${value}`);
  }
  return out;
}

const VALID_NAME = /^[A-Za-z0-9-]+$/;
const DASHES = /-/g;
