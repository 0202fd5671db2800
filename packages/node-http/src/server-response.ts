import { type OutgoingHttpHeader, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type GatewaySocket, kEnding } from './gateway-socket.js';
import type { GatewayIncomingMessage } from './incoming-message.js';
import { attachSocket, suppressFraming } from './internals.js';

/**
 * A real `http.ServerResponse` whose connection is a {@link GatewaySocket}: node's own code builds
 * and validates the head, applies HEAD/204/304 body rules, fires 'finish' and 'close', and the
 * socket hands the bytes to the gateway server's sink (light-my-request's approach, style.md §5).
 *
 * Differences from a response on a TCP connection, all required by the gateway protocols:
 * - the head starts with `Status: 200 OK` for FastCGI/SCGI (`HTTP/1.1 200 OK` for uwsgi);
 * - the body is never chunked and node adds no `Connection`, `Keep-Alive`, `Transfer-Encoding`
 *   or `Date` (`sendDate` defaults to false; set it to true to send one);
 * - `Connection`, `Keep-Alive`, `Transfer-Encoding` and `Trailer` fields set by the application
 *   are dropped (RFC 3875 §6.3.4: a script must not send fields about the client connection;
 *   nginx drops Transfer-Encoding without de-chunking, protocols.md §5.1), and trailers are not sent;
 * - interim responses (`writeContinue`, `writeProcessing`, `writeEarlyHints`) have no CGI form:
 *   they write nothing and call their callback.
 *
 * These behaviours are installed as properties of each instance, not as methods of this class,
 * because Express replaces the prototype of every response with its own (which inherits from
 * ServerResponse, not from us). The functions are shared, so this costs no closures.
 */
export class GatewayServerResponse extends ServerResponse<GatewayIncomingMessage> {
  constructor(req: GatewayIncomingMessage, socket: GatewaySocket) {
    super(req);
    suppressFraming(this);
    const own = this as unknown as Record<string | symbol, unknown>;
    own[kEnding] = false;
    own[kSocket] = socket;
    own.setHeader = setHeader;
    own.appendHeader = appendHeader;
    own.writeHead = writeHead;
    own.end = end;
    own.writeContinue = skipInterim;
    own.writeProcessing = skipInterim;
    own.writeEarlyHints = skipEarlyHints;
    socket.bind(req, this);
    attachSocket(this, socket);
  }
}

const kSocket = Symbol('gw.socket');
type Self = ServerResponse & { [kEnding]: boolean; [kSocket]: GatewaySocket };
const base = ServerResponse.prototype;
// node's overloads, called with the arguments as given.
const baseEnd = base.end as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
const baseWriteHead = base.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;

function setHeader(this: ServerResponse, name: string, value: number | string | readonly string[]): ServerResponse {
  if (isConnectionField(name)) return this;
  return base.setHeader.call(this, name, value);
}

function appendHeader(this: ServerResponse, name: string, value: string | readonly string[]): ServerResponse {
  if (isConnectionField(name)) return this;
  return base.appendHeader.call(this, name, value);
}

function writeHead(
  this: ServerResponse,
  statusCode: number,
  reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
  headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
): ServerResponse {
  if (typeof reasonOrHeaders === 'string') return baseWriteHead.call(this, statusCode, reasonOrHeaders, withoutConnectionFields(headers));
  return baseWriteHead.call(this, statusCode, withoutConnectionFields(reasonOrHeaders));
}

// biome-ignore lint/suspicious/noExplicitAny: node's end(chunk?, encoding?, callback?) overloads
function end(this: Self, chunk?: any, encoding?: any, callback?: any): ServerResponse {
  this[kEnding] = true;
  try {
    baseEnd.call(this, chunk, encoding, callback);
  } finally {
    this[kEnding] = false;
  }
  // When everything was already written, node's end() writes nothing more to the socket (it
  // just schedules 'finish'), so the sink still needs to hear that the response is complete.
  if (this.writableEnded) this[kSocket].responseEnded();
  return this;
}

function skipInterim(callback?: () => void): void {
  if (callback !== undefined) process.nextTick(callback);
}

function skipEarlyHints(_hints: Record<string, string | string[]>, callback?: () => void): void {
  if (callback !== undefined) process.nextTick(callback);
}

/** connection, keep-alive, transfer-encoding, trailer (any case). */
function isConnectionField(name: unknown): boolean {
  if (typeof name !== 'string') return false;
  switch (name.length) {
    case 7:
      return name.toLowerCase() === 'trailer';
    case 10: {
      const lower = name.toLowerCase();
      return lower === 'connection' || lower === 'keep-alive';
    }
    case 17:
      return name.toLowerCase() === 'transfer-encoding';
    default:
      return false;
  }
}

/**
 * The headers argument of writeHead without connection fields. Returns the argument itself when
 * it has none (the usual case), else a filtered copy in the same shape (object, flat array
 * `[name, value, …]` or array of pairs).
 */
function withoutConnectionFields<T extends OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined>(headers: T): T {
  if (headers === undefined || headers === null || typeof headers !== 'object') return headers;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      const pairs = headers as unknown as [string, unknown][];
      return (pairs.some((pair) => isConnectionField(pair[0])) ? pairs.filter((pair) => !isConnectionField(pair[0])) : headers) as T;
    }
    let found = false;
    for (let i = 0; i < headers.length && !found; i += 2) found = isConnectionField(headers[i]);
    if (!found) return headers;
    const kept: OutgoingHttpHeader[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (!isConnectionField(headers[i])) kept.push(headers[i] as OutgoingHttpHeader, headers[i + 1] as OutgoingHttpHeader);
    }
    return kept as T;
  }
  const names = Object.keys(headers);
  if (!names.some(isConnectionField)) return headers;
  const kept: OutgoingHttpHeaders = {};
  for (const name of names) if (!isConnectionField(name)) kept[name] = (headers as OutgoingHttpHeaders)[name];
  return kept as T;
}
