import { InvalidArgumentError, type ParamList } from '@gw/core';
import { type CgiRequest, readCgiRequest } from './cgi-request.js';
import { cannedResponse } from './canned-responses.js';
import { FetchExchange, type FetchHandler } from './fetch-adapter.js';
import { NodeExchange, type NodeRequestListener } from './node-adapter.js';
import type { Exchange, ResponseSink } from './sink.js';

/** A node:http request listener or a `{ fetch }` handler. */
export type GatewayHandler = NodeRequestListener | FetchHandler;

/** Options of {@link createDispatcher} and {@link dispatch}. */
export interface DispatchOptions {
  /**
   * Receives errors the adapter answered itself: a handler that threw or rejected (→ 500, or an
   * aborted response if it had started), CGI variables that describe no valid request (→ 400,
   * code `GW_ERR_BAD_REQUEST`). Default: `console.error`.
   */
  onError?: (error: unknown) => void;
  /**
   * Request body bytes buffered for a handler that is not reading before
   * {@link Exchange.pushBody} returns false. Default 65536 (one full FastCGI STDIN record).
   */
  bodyHighWaterMark?: number;
}

/** Serves one gateway request: what a server calls once the request's CGI variables are known. */
export type Dispatcher = (params: ParamList, sink: ResponseSink) => Exchange;

const DEFAULT_BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * Prepares `handler` once (per server) and returns the per-request function.
 *
 * The handler runs synchronously inside the call for node:http listeners (as node:http calls its
 * 'request' listeners), so `sink` may receive its first writes — even the whole response — before
 * the call returns. Fetch handlers start synchronously too and continue asynchronously.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` when `handler` is neither a function nor an
 *   object with a `fetch` method, or `bodyHighWaterMark` is not a positive integer
 */
export function createDispatcher(handler: GatewayHandler, options: DispatchOptions = {}): Dispatcher {
  const onError = options.onError ?? defaultOnError;
  const highWaterMark = options.bodyHighWaterMark ?? DEFAULT_BODY_HIGH_WATER_MARK;
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `bodyHighWaterMark must be a positive integer, got ${String(highWaterMark)}`);
  }
  if (typeof handler === 'function') {
    return (params, sink) => {
      const request = readOrReject(params, sink, onError);
      if (request === null) return REJECTED;
      const exchange = new NodeExchange(params, request, sink, highWaterMark);
      exchange.run(handler, onError);
      return exchange;
    };
  }
  if (typeof handler === 'object' && handler !== null && typeof handler.fetch === 'function') {
    return (params, sink) => {
      const request = readOrReject(params, sink, onError);
      if (request === null) return REJECTED;
      const exchange = new FetchExchange(sink, request, highWaterMark);
      void exchange.run(handler, params, request, onError);
      return exchange;
    };
  }
  throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', 'handler must be a request listener function or an object with a fetch method');
}

/**
 * Serves one gateway request with `handler` (see {@link createDispatcher}, which a server should
 * call once instead of this, to validate the handler and options only once).
 */
export function dispatch(handler: GatewayHandler, params: ParamList, sink: ResponseSink, options?: DispatchOptions): Exchange {
  return createDispatcher(handler, options)(params, sink);
}

/** The request facts, or null after answering 400 for variables that describe no request. */
function readOrReject(params: ParamList, sink: ResponseSink, onError: (error: unknown) => void): CgiRequest | null {
  try {
    return readCgiRequest(params);
  } catch (error) {
    onError(error);
    sink.write([cannedResponse(sink.headFormat, 400)], true);
    return null;
  }
}

/** The exchange of a request answered with 400 before any handler ran: everything is ignored. */
const REJECTED: Exchange = Object.freeze({
  pushBody: (_chunk: Buffer) => true,
  endBody: () => {},
  drain: () => {},
  abort: () => {},
});

function defaultOnError(error: unknown): void {
  console.error(error);
}
