/**
 * The ONE file that relies on node:http behaviour which is not in node's documentation
 * (style.md §5/§8.3). Everything here is covered by test/internals.test.ts; run it on every
 * supported Node major (20, 22, 24) before claiming support.
 *
 * What we rely on, and why it has been stable:
 *
 * 1. `ServerResponse#assignSocket(socket)` (typed in @types/node, used by light-my-request) makes
 *    `socket` the response's connection: `socket._httpMessage = res`, node's own 'close' listener
 *    on the socket, and from then on OutgoingMessage writes the head and the body with
 *    `socket.write()` / `cork()` / `uncork()` (and `socket._writableState.corked` in end(), which
 *    is why our socket is a real stream.Writable). When that socket emits 'close', node's listener
 *    marks the response destroyed and emits its 'close' — the same path as a real connection.
 * 2. The first bytes node writes to the socket are the head, and it starts with `HTTP/1.1 `
 *    (ServerResponse#writeHead builds `HTTP/1.1 ${code} ${message}\r\n`, unchanged since 0.x).
 *    We turn that prefix into `Status: ` for CGI heads (RFC 3875 §6.3.3).
 * 3. `removeHeader('connection')` and `removeHeader('transfer-encoding')` before the head is built
 *    stop node from adding `Connection:` and `Transfer-Encoding: chunked` itself (OutgoingMessage
 *    remembers the removal in `_removedConnection` / `_removedTE`, which we set directly, as
 *    removeHeader does on a response with no headers yet); a body of unknown length is then
 *    written raw, which is what a CGI response needs (protocols.md §4.4: never chunk). With
 *    `useChunkedEncodingByDefault` (typed in @types/node) left true, node still adds
 *    `Content-Length` when `end(body)` makes the length known — which it would otherwise skip for
 *    requests that are not HTTP/1.1, such as nginx's `HTTP/2.0` (ServerResponse's constructor
 *    treats any minor version 0 like HTTP/1.0).
 * 4. `IncomingMessage#_addHeaderLines(rawHeaders, count)` is how node's parser hands a request its
 *    headers (_http_server.js parserOnIncoming): it sets `rawHeaders` and the count that node's
 *    lazy `headers` / `headersDistinct` getters read: with no `headers` object made yet, it only
 *    stores them, and the getters (on IncomingMessage.prototype, so a prototype swapped by Express
 *    still reaches them) build the objects from rawHeaders on first read, through
 *    `_addHeaderLine`: lower-case names, set-cookie as an array. We call it with rawHeaders that
 *    hold each header once, so node's rules for joining repeated headers never apply.
 * 5. A response whose `write()` returned false remembers it under the `kNeedDrain` symbol (read by
 *    the documented `writableNeedDrain`); node's server clears it and emits 'drain' when the
 *    connection drains (_http_server.js socketOnDrain). We do the same, finding the symbol by its
 *    description on a probe response.
 * 6. Writable's `_writableState.corked` is the cork count. GatewaySocket has its own write path
 *    but keeps its count in this field, because OutgoingMessage#end sets it to 1 before its last
 *    uncork() ("fully uncork"). It is a plain field of WritableState on node 20–24.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/** See 1. above: makes `socket` the response's connection. */
export function attachSocket(res: ServerResponse, socket: Writable): void {
  res.assignSocket(socket as Socket);
}

/**
 * See 3. above: node adds no `Connection`, `Keep-Alive` or `Transfer-Encoding` line, and no `Date`
 * (`sendDate` is documented; the web server in front dates the response it sends).
 */
export function suppressFraming(res: ServerResponse): void {
  // What removeHeader('connection') and removeHeader('transfer-encoding') do on a response with
  // no headers yet (it also lower-cases and validates the name: measurable per request).
  const fields = res as unknown as { _removedConnection: boolean; _removedTE: boolean };
  fields._removedConnection = true;
  fields._removedTE = true;
  res.useChunkedEncodingByDefault = true;
  res.sendDate = false;
}

// "HTTP/1.1 " as node writes it, and "Status:" to put over bytes 1..7 of it.
const NODE_STATUS_PREFIX = Buffer.from('HTTP/1.1 ', 'latin1');
const CGI_STATUS_NAME = Buffer.from('Status:', 'latin1');

/**
 * See 2. above: turns the head node wrote (`HTTP/1.1 200 OK\r\n…`) into a CGI head
 * (`Status: 200 OK\r\n…`) without copying: `Status:` is written over bytes 1..7 and the result
 * is the view from byte 1, so `HTTP/1.1 ` (9 bytes) becomes `Status: ` (8 bytes).
 * The buffer is one node just made from its head string (never the caller's body), so writing
 * into it is safe. Byte by byte: Buffer#compare and Buffer#copy cost more in argument checks and
 * native calls than these 16 bytes.
 *
 * @returns the rewritten view, or null when `head` does not start as node's heads do
 */
export function toCgiHead(head: Buffer): Buffer | null {
  const prefix = NODE_STATUS_PREFIX.length;
  if (head.length < prefix) return null;
  for (let i = 0; i < prefix; i++) if (head[i] !== NODE_STATUS_PREFIX[i]) return null;
  for (let i = 0; i < CGI_STATUS_NAME.length; i++) head[i + 1] = CGI_STATUS_NAME[i] as number;
  return head.subarray(1);
}

/** See 4. above: `req.rawHeaders`, with `headers` and `headersDistinct` left to node's getters. */
export function setRawRequestHeaders(req: IncomingMessage, rawHeaders: string[]): void {
  (req as unknown as { _addHeaderLines(lines: string[], count: number): void })._addHeaderLines(rawHeaders, rawHeaders.length);
}

/** See 6. above: the Writable state object whose `corked` field counts cork() calls. */
export function writableState(stream: Writable): { corked: number } {
  return (stream as unknown as { _writableState: { corked: number } })._writableState;
}

/** See 5. above; undefined if a future node renames it (then 'drain' still fires, see below). */
const kNeedDrain: symbol | undefined = Object.getOwnPropertySymbols(new ServerResponse(new IncomingMessage(null as never))).find(
  (symbol) => symbol.description === 'kNeedDrain',
);

/**
 * See 5. above. What node's server does for a response when its connection drains: if a `write()` had returned
 * false and the response is still open, clear that and emit 'drain' (so `writableNeedDrain` reads
 * false again, as `Readable#pipe` expects).
 */
export function emitResponseDrain(res: ServerResponse): void {
  if (res.writableEnded || !res.writableNeedDrain) return;
  if (kNeedDrain !== undefined) (res as unknown as Record<symbol, boolean>)[kNeedDrain] = false;
  res.emit('drain');
}
