import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ParamList } from '@gw/core';
import type { CgiRequest } from './cgi-request.js';
import { GatewaySocket } from './gateway-socket.js';
import { GatewayIncomingMessage } from './incoming-message.js';
import { GatewayServerResponse } from './server-response.js';
import type { Exchange, ResponseSink } from './sink.js';

/**
 * A node:http request listener: `(req, res) => …`, as given to `http.createServer()`. Express and
 * Connect apps, `koa.callback()`, Fastify's `serverFactory` handler and
 * `@hono/node-server`'s `getRequestListener()` are all of this shape. A returned promise is
 * watched for rejection.
 */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** One request served by a node:http listener: the server's handle on it. */
export class NodeExchange implements Exchange {
  /** The request object the listener received. */
  readonly req: GatewayIncomingMessage;
  /** The response object the listener received. */
  readonly res: GatewayServerResponse;
  readonly #socket: GatewaySocket;
  #bodyEnded = false;

  constructor(params: ParamList, request: CgiRequest, sink: ResponseSink, bodyHighWaterMark: number) {
    this.#socket = new GatewaySocket(request, sink, bodyHighWaterMark);
    this.req = new GatewayIncomingMessage(this.#socket, request, params, sink);
    this.res = new GatewayServerResponse(this.req, this.#socket);
  }

  /**
   * Calls the listener, synchronously as node:http does. A listener that throws, or whose promise
   * rejects, is reported to `onError`; its response then becomes a 500 if nothing was sent yet,
   * or is destroyed (node:http itself would let the exception crash the process).
   */
  run(listener: NodeRequestListener, onError: (error: unknown) => void): void {
    const res = this.res;
    try {
      const result = listener(this.req, res);
      if (isThenable(result)) {
        result.then(undefined, (error: unknown) => failResponse(res, error, onError));
      }
    } catch (error) {
      failResponse(res, error, onError);
    }
  }

  pushBody(chunk: Buffer): boolean {
    const req = this.req;
    if (this.#bodyEnded || req.destroyed) return true;
    if (req.push(chunk)) return true;
    this.#socket.bodyPaused();
    return false;
  }

  endBody(): void {
    const req = this.req;
    if (this.#bodyEnded || req.destroyed) return;
    this.#bodyEnded = true;
    req.complete = true;
    req.push(null);
  }

  drain(): void {
    this.#socket.sinkDrained();
  }

  abort(): void {
    this.#socket.serverAborted();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const INTERNAL_ERROR_BODY = 'Internal Server Error';

function failResponse(res: GatewayServerResponse, error: unknown, onError: (error: unknown) => void): void {
  onError(error);
  if (res.writableEnded || res.destroyed) return;
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = 500;
  res.statusMessage = 'Internal Server Error';
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  // Set explicitly: removing a content-length header above stops node from adding one.
  res.setHeader('Content-Length', INTERNAL_ERROR_BODY.length);
  res.end(INTERNAL_ERROR_BODY);
}
