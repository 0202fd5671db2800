import { createServer as createFastCgiServer, type FastCgiServer } from '@gw/fastcgi';
import type { GatewayHandler, ServerHandlerOptions } from '@gw/node-http';
import { createServer as createScgiServer, type ScgiServer } from '@gw/scgi';
import { createServer as createUwsgiServer, type UwsgiServer } from '@gw/uwsgi';

/** The protocols `gw serve` listens with. */
export const SERVER_PROTOCOLS = ['fastcgi', 'scgi', 'uwsgi'] as const;
export type ServerProtocol = (typeof SERVER_PROTOCOLS)[number];

/** One of the gw application servers; all are `net.Server`s with the same events and close(). */
export type GatewayServer = FastCgiServer | ScgiServer | UwsgiServer;

/** The server settings `gw serve` exposes as flags. Unset = the server's default. */
export interface ServerSettings {
  /** Largest request body, bytes. */
  maxBodyBytes?: number;
  /** Most connections at once. */
  maxConnections?: number;
  /** uwsgi only: largest vars block (the packet's datasize), bytes; the server allows up to 65535. */
  maxVarsBytes?: number;
  /** FastCGI only: idle time of a kept-alive connection, ms. */
  keepAliveTimeout?: number;
  /** Time to receive a request's head (FastCGI PARAMS, SCGI netstring, uwsgi vars), ms. */
  headersTimeout?: number;
  /** Time a handler may take to finish its response, ms (0 = none). */
  handlerTimeout?: number;
  /** Peer addresses or CIDR ranges allowed to connect. */
  allowedPeers?: readonly string[];
  /** File mode of a unix socket once listening. */
  socketMode?: number;
}

/**
 * Creates the server for `protocol` serving `handler` (a listener or `{ fetch }`); without a
 * handler, requests are answered 500 (used to validate settings before anything is loaded).
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a setting out of the server's range
 */
export function createGatewayServer(protocol: ServerProtocol, handler: GatewayHandler | undefined, settings: ServerSettings): GatewayServer {
  const common = {
    maxBodyBytes: settings.maxBodyBytes,
    maxConnections: settings.maxConnections,
    handlerTimeout: settings.handlerTimeout,
    allowedPeers: settings.allowedPeers,
    socketMode: settings.socketMode,
    fetch: undefined as ServerHandlerOptions['fetch'],
  };
  if (handler !== undefined && typeof handler !== 'function') common.fetch = (request, context) => handler.fetch(request, context);
  const listener = typeof handler === 'function' ? handler : undefined;
  switch (protocol) {
    case 'fastcgi':
      // The FastCGI server's head timeout is named after the PARAMS stream it guards.
      return createFastCgiServer({ ...common, paramsTimeout: settings.headersTimeout, keepAliveTimeout: settings.keepAliveTimeout }, listener);
    case 'scgi':
      return createScgiServer({ ...common, headersTimeout: settings.headersTimeout }, listener);
    case 'uwsgi':
      return createUwsgiServer({ ...common, headersTimeout: settings.headersTimeout, maxVarsBytes: settings.maxVarsBytes }, listener);
  }
}
