import { ProxyError, ProxyErrorCode } from './errors.js';

/** The request target split the way nginx's variables see it. */
export interface RequestPath {
  /** `$uri` / `$document_uri`: the path percent-decoded (bytes as latin1 characters), slashes merged, dot segments resolved. */
  uri: string;
  /** `$args` / QUERY_STRING: everything after the first `?`, still encoded. */
  query: string;
}

/**
 * Splits and normalises a request target like nginx's `ngx_http_parse_complex_uri`: percent-escapes
 * decoded into bytes, `//` merged (`merge_slashes on`), `.` and `..` segments resolved.
 *
 * @throws ProxyError `PROXY_ERR_BAD_REQUEST_PATH` (400) for a target not starting with `/`, a bad
 *   escape, a NUL, or `..` climbing above the root
 */
export function parseRequestPath(target: string): RequestPath {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  if (rawPath.charCodeAt(0) !== 0x2f) throw bad('request target does not start with /');
  // The usual path has nothing to decode, merge or resolve: it is its own normal form.
  if (rawPath.indexOf('%') === -1 && rawPath.indexOf('//') === -1 && rawPath.indexOf('/.') === -1 && rawPath.indexOf('\0') === -1) {
    return { uri: rawPath, query };
  }
  const decoded = percentDecode(rawPath);
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) throw bad('path climbs above the root');
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  // A trailing slash (or a trailing `.`/`..`, which name a directory) is kept: it selects the index.
  const last = decoded.slice(decoded.lastIndexOf('/') + 1);
  const directory = decoded.endsWith('/') || last === '.' || last === '..';
  const uri = `/${segments.join('/')}${directory && segments.length > 0 ? '/' : ''}`;
  return { uri, query };
}

/** `%XX` → the byte XX as one latin1 character (so the param carries the raw bytes). */
function percentDecode(path: string): string {
  if (path.indexOf('%') === -1) return checkNul(path);
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad('malformed percent-escape');
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += 2;
  }
  return checkNul(out);
}

function checkNul(path: string): string {
  if (path.indexOf('\0') !== -1) throw bad('NUL in the path');
  return path;
}

function bad(message: string): ProxyError {
  return new ProxyError(ProxyErrorCode.BAD_REQUEST_PATH, message, 400);
}
