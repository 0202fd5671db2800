import type { ParamList } from '@gw/core';
import { readCgiRawHeaders } from './cgi-headers.js';
import type { CgiRequest } from './cgi-request.js';

/**
 * The absolute URL of a request: scheme from HTTPS/REQUEST_SCHEME, host from HTTP_HOST (else
 * SERVER_NAME[:SERVER_PORT], else `localhost`), then the request target. An absolute-form target
 * (`http://…`, a proxy request) is used as it is.
 */
export function requestHref(request: CgiRequest): string {
  const url = request.url;
  if (url.charCodeAt(0) !== 0x2f /* / */ && /^https?:\/\//i.test(url)) return url;
  const origin = `${request.encrypted ? 'https' : 'http'}://${request.host ?? 'localhost'}`;
  return url.charCodeAt(0) === 0x2f ? origin + url : `${origin}/${url}`;
}

/**
 * Fetch headers for a request: the same mapping as `req.headers` (readCgiHeaders), minus
 * `transfer-encoding`, which describes framing the Request body no longer has. A header the
 * Fetch standard rejects (a value with NUL, say — the web server let it through, node's own
 * parser would not have) is left out rather than failing the whole request.
 */
export function requestHeaders(params: ParamList): Headers {
  const raw = readCgiRawHeaders(params);
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') continue;
    try {
      headers.append(name, raw[i + 1] as string);
    } catch {
      // invalid per Fetch: skipped, see above
    }
  }
  return headers;
}

/**
 * Fetch forbids a body on GET and HEAD requests (Request constructor), after normalising the
 * method's case, so `get` counts too.
 */
export function mayHaveBody(method: string): boolean {
  if (method.length !== 3 && method.length !== 4) return true;
  const upper = method.toUpperCase();
  return upper !== 'GET' && upper !== 'HEAD';
}
