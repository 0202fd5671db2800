import type { RequestExchange, RequestSink } from '@gw/core';

/**
 * The contract between a gateway server (FastCGI, SCGI, uwsgi) and the adapters, per request.
 *
 * The server implements {@link ResponseSink} (where response bytes go, and how to ask for more
 * request body); the adapter returns an {@link Exchange} (how the server feeds the request body
 * and reports its own events). Both are plain objects with methods, so a request costs no
 * closures on either side.
 */

/**
 * How a response head starts:
 * - `'cgi'`: `Status: 200 OK` (RFC 3875 §6.3.3), what FastCGI STDOUT and SCGI replies carry;
 * - `'http'`: `HTTP/1.1 200 OK`, what a uwsgi app answers (protocols.md §3.4; Apache
 *   mod_proxy_uwsgi accepts nothing else).
 */
export type HeadFormat = 'cgi' | 'http';

/**
 * The server's side of one request — `RequestSink` of `@gw/core`, the single definition shared
 * with the servers:
 * - `headFormat`: see {@link HeadFormat}.
 * - `write(chunks, end)`: takes the next response bytes; the first bytes of the first call are
 *   the head (status line first, CRLF line ends, never `Transfer-Encoding: chunked`), the body
 *   follows unframed; `end` is true on the last call. A small response arrives as one call.
 *   Returns false when the server's output buffer is full: hold back until `Exchange.drain()`.
 * - `abort(error)`: the application abandoned the response; the server ends the request
 *   abnormally so the web server can tell the response is incomplete.
 * - `resumeBody()`: the body consumer wants more after `Exchange.pushBody` returned false.
 */
export type ResponseSink = RequestSink;

/**
 * The adapter's side of one request — `RequestExchange` of `@gw/core`:
 * - `pushBody(chunk)`: the next request body bytes; false = stop until `resumeBody()`.
 * - `endBody()`: the body is complete.
 * - `drain()`: the server's output drained after `write` returned false.
 * - `abort()`: the client or connection went away; behave as node:http does on a disconnect.
 */
export type Exchange = RequestExchange;
