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
  const flat: string[] = [];
  appendHeaderParams(flat, rawHeaders, undefined);
  const out = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) out.set(flat[i] as string, flat[i + 1] as string);
  return out;
}

/**
 * `headerParams` appended to a flat params array (name, value, …), skipping names that `extra`
 * sets. A repeated header is joined into its first entry (a few headers: a linear scan of the
 * ones appended here is cheaper than a Map).
 */
export function appendHeaderParams(out: string[], rawHeaders: readonly string[], extra: Readonly<Record<string, string>> | undefined): void {
  const first = out.length;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const param = paramName(rawHeaders[i] as string);
    if (param === undefined || (extra !== undefined && Object.hasOwn(extra, param))) continue;
    const value = rawHeaders[i + 1] as string;
    let earlier = -1;
    for (let j = first; j < out.length; j += 2) {
      if (out[j] === param) {
        earlier = j;
        break;
      }
    }
    if (earlier === -1) out.push(param, value);
    else out[earlier + 1] = `${out[earlier + 1] as string}${param === 'HTTP_COOKIE' ? '; ' : ', '}${value}`;
  }
}

/** `User-Agent` → `HTTP_USER_AGENT`; undefined for a header nginx would not pass. */
function paramName(name: string): string | undefined {
  if (!VALID_NAME.test(name)) return undefined;
  const param = `HTTP_${name.toUpperCase().replace(DASHES, '_')}`;
  return param === 'HTTP_PROXY' || param === 'HTTP_TRANSFER_ENCODING' ? undefined : param;
}

const VALID_NAME = /^[A-Za-z0-9-]+$/;
const DASHES = /-/g;
