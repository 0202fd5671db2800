import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDispatcher, type Dispatcher } from './dispatch.js';
import type { FetchHandler, FetchContext } from './fetch-adapter.js';
import type { NodeRequestListener } from './node-adapter.js';

/** How a gateway server's application is given: the options every gw server shares. */
export interface ServerHandlerOptions {
  /**
   * A Fetch-style handler (`fetch(request, context) => Response`, e.g. a Hono app's `fetch`)
   * served instead of the server's 'request' event.
   */
  fetch?: (request: Request, context: FetchContext) => Response | Promise<Response>;
  /**
   * Errors the adapter answered itself: a handler that threw or rejected (→ 500, or an aborted
   * response once the head went out), CGI variables that describe no request (→ 400).
   * Default: the server's 'handlerError' event if it has listeners, else console.error.
   */
  onHandlerError?: (error: unknown) => void;
}

/**
 * The dispatcher a gateway server (FastCGI, SCGI, uwsgi) uses when no low-level hook is given:
 * `options.fetch` if set, else node:http semantics — every request is emitted as
 * `server.emit('request', req, res)`, so `server.on('request', listener)` works as with
 * `http.createServer`. A request nobody listens for is answered 500 instead of hanging.
 */
export function createServerDispatcher(server: EventEmitter, options: ServerHandlerOptions, bodyHighWaterMark: number): Dispatcher {
  const onError =
    options.onHandlerError ??
    ((error: unknown) => {
      if (server.listenerCount('handlerError') > 0) server.emit('handlerError', error);
      else console.error(error);
    });
  const handler: NodeRequestListener | FetchHandler =
    options.fetch !== undefined ? { fetch: options.fetch } : (req, res) => emitRequest(server, req, res);
  return createDispatcher(handler, { onError, bodyHighWaterMark });
}

function emitRequest(server: EventEmitter, req: IncomingMessage, res: ServerResponse): void {
  if (server.emit('request', req, res)) return;
  res.statusCode = 500;
  res.end();
}
