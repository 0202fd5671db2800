// The three gw application servers, behind one protocol-keyed factory, so tests can run the same
// application over FastCGI, SCGI and uwsgi (and a rename in a package touches one file).
import type { Server } from 'node:net';
import { createServer as createFastCgiServer, type FastCgiServerOptions } from '@gw/fastcgi';
import type { FetchHandler, NodeRequestListener } from '@gw/node-http';
import { createServer as createScgiServer, type ScgiServerOptions } from '@gw/scgi';
import { createServer as createUwsgiServer, type UwsgiServerOptions } from '@gw/uwsgi';

/** A gateway protocol a gw application server speaks. */
export type GatewayProtocol = 'fastcgi' | 'scgi' | 'uwsgi';

/** Every protocol, in the order tests report them. */
export const GATEWAY_PROTOCOLS: readonly GatewayProtocol[] = ['fastcgi', 'scgi', 'uwsgi'];

/** Server options per protocol (limits, decoder policy, low-level `handleRequest` hook, …). */
export interface GatewayServerOptionsMap {
  fastcgi: FastCgiServerOptions;
  scgi: ScgiServerOptions;
  uwsgi: UwsgiServerOptions;
}

/** The application: a node:http request listener, or a Fetch handler (`{ fetch }`). */
export type GatewayHandler = NodeRequestListener | FetchHandler;

/**
 * What the harness needs of any of the three servers: a `net.Server` with the gw events
 * ('clientError', 'requestError', 'handlerError', and SCGI's 'warning') and `closeAllConnections`.
 */
export type GatewayServer = Server & { closeAllConnections(): void };

/**
 * Creates the gw server for `protocol` serving `handler` — `createServer(listener)` or
 * `createServer({ fetch })` of @gw/fastcgi, @gw/scgi or @gw/uwsgi, as an application would —
 * with `options` merged in. Without a handler, `options.handleRequest` (the low-level hook) must
 * answer, or the server answers 500.
 */
export function createGatewayServer<P extends GatewayProtocol>(protocol: P, handler: GatewayHandler | undefined, options: GatewayServerOptionsMap[P] = {}): GatewayServer {
  const listener = typeof handler === 'function' ? handler : undefined;
  const merged = typeof handler === 'object' ? { ...options, fetch: handler.fetch.bind(handler) } : options;
  switch (protocol) {
    case 'fastcgi':
      return createFastCgiServer(merged as FastCgiServerOptions, listener);
    case 'scgi':
      return createScgiServer(merged as ScgiServerOptions, listener);
    case 'uwsgi':
      return createUwsgiServer(merged as UwsgiServerOptions, listener);
    default:
      throw new Error(`unknown gateway protocol ${String(protocol)}`);
  }
}
