// Shared by the SCGI and uwsgi application servers (one request per connection).
import { encodeCgiHead, encodeHttpHead } from '../response-head-encoder.js';
import { reasonPhrase } from '../status-codes.js';

/** Statuses the server answers by itself, without a handler. */
export type CannedStatus = 413 | 500 | 503;

function build(format: 'cgi' | 'http', status: CannedStatus): Buffer {
  const body = Buffer.from(`${reasonPhrase(status)}\n`, 'latin1');
  const fields: [string, string][] = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(body.length)],
  ];
  // protocols.md §4.4 / §3.4: SCGI answers with a CGI head (Status: first), uwsgi with an HTTP
  // status line (Apache mod_proxy_uwsgi answers 502 to anything else).
  const head = format === 'cgi' ? encodeCgiHead(status, undefined, fields) : encodeHttpHead('1.1', status, undefined, fields);
  return Buffer.concat([head, body]);
}

// Built once; written as they are (a socket write never modifies its buffer).
const CANNED = {
  cgi: { 413: build('cgi', 413), 500: build('cgi', 500), 503: build('cgi', 503) },
  http: { 413: build('http', 413), 500: build('http', 500), 503: build('http', 503) },
} as const;

/**
 * A complete response (head and a short text body) the server sends on its own: 413 for a body
 * over maxBodyBytes, 500 when the server has no request handler, 503 to a connection that sent
 * nothing before the server closed.
 */
export function cannedResponse(format: 'cgi' | 'http', status: CannedStatus): Buffer {
  return CANNED[format][status];
}
