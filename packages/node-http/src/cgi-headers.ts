import type { IncomingHttpHeaders } from 'node:http';
import type { ParamList } from '@gw/core';
import { headerNamesOf } from './header-name.js';

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
  const headers: IncomingHttpHeaders = {};
  const rawHeaders: string[] = [];
  const lengthKnown = contentLength >= 0 && params.value(contentLength) !== '';
  const n = params.length;
  for (let i = 0; i < n; i++) {
    const name = params.name(i);
    if (name.length > 5 && name.startsWith('HTTP_')) {
      // RFC 3875 §4.1.18 lets the server drop these when it sends CONTENT_*; nginx does not.
      if (name === 'HTTP_CONTENT_TYPE' && contentType >= 0) continue;
      if (name === 'HTTP_CONTENT_LENGTH' && contentLength >= 0) continue;
      const [lower, canonical] = headerNamesOf(name);
      if (lower === 'transfer-encoding') {
        if (lengthKnown || params.value(i) === '') continue;
        add(headers, rawHeaders, lower, canonical, 'chunked');
      } else {
        add(headers, rawHeaders, lower, canonical, params.value(i));
      }
    } else if (i === contentType || i === contentLength) {
      const value = params.value(i);
      if (value === '') continue;
      if (i === contentType) add(headers, rawHeaders, 'content-type', 'Content-Type', value);
      else add(headers, rawHeaders, 'content-length', 'Content-Length', value);
    }
  }
  return { headers, rawHeaders };
}

function add(headers: IncomingHttpHeaders, rawHeaders: string[], lower: string, canonical: string, value: string): void {
  if (headers[lower] !== undefined) {
    replaceRaw(rawHeaders, lower, value);
  } else {
    rawHeaders.push(canonical, value);
  }
  // node:http types set-cookie as string[] even in requests (IncomingMessage's matchKnownFields).
  if (lower === 'set-cookie') headers[lower] = [value];
  else headers[lower] = value;
}

/** A repeated CGI variable (nascheme mod_scgi can send one): the last value replaces the first. */
function replaceRaw(rawHeaders: string[], lower: string, value: string): void {
  for (let j = 0; j < rawHeaders.length; j += 2) {
    if ((rawHeaders[j] as string).toLowerCase() === lower) {
      rawHeaders[j + 1] = value;
      return;
    }
  }
}
