import type { Socket } from 'node:net';
import type { GatewayError } from '@gw/core';
import { createGatewayServer, type GatewayHandler, type GatewayProtocol, type GatewayServer, type GatewayServerOptionsMap } from './gateway-servers.js';
import { ResponseHeadTap } from './response-head-tap.js';
import { makeTempPrefix, type TempPrefix } from './temp-prefix.js';
import type { Upstream } from './upstream.js';

/** Options of `startGatewayApp`. */
export interface GatewayAppOptions<P extends GatewayProtocol> {
  protocol: P;
  /** The application (node:http listener or `{ fetch }`). Omit only with a `handleRequest` hook in `server`. */
  handler?: GatewayHandler;
  /** Listen on a unix socket (mode 0666, in a 0755 temp dir) instead of a 127.0.0.1 TCP port. Default false. */
  unixSocket?: boolean;
  /** Server options: limits, decoder policy (`mode`, `maxVarsBytes`), `handleRequest`. */
  server?: GatewayServerOptionsMap[P];
}

/** A gw application server running in the test process, with what it reported. */
export interface RunningGatewayApp {
  readonly protocol: GatewayProtocol;
  readonly server: GatewayServer;
  /** Where a front end should connect. */
  readonly upstream: Upstream;
  /** Connections accepted so far. */
  readonly connections: number;
  /** 'clientError' events: bad input, refused modifiers, limits, truncated requests. */
  readonly clientErrors: GatewayError[];
  /** 'requestError' events: body too large, handler timeout. */
  readonly requestErrors: GatewayError[];
  /** Errors the adapter answered itself (a handler that threw → 500, variables that describe no request → 400). */
  readonly handlerErrors: unknown[];
  /** 'warning' events (SCGI: a request without `SCGI: 1` served in lenient mode). */
  readonly warnings: GatewayError[];
  /** The first bytes of each response the server wrote (SCGI and uwsgi: one per connection). */
  readonly heads: ResponseHeadTap;
  /** Closes every connection and the listener; removes the socket's temp dir. */
  close(): Promise<void>;
}

/**
 * Starts a gw FastCGI, SCGI or uwsgi server serving `handler` — through the public
 * `createServer(listener)` / `createServer({ fetch })` — on a free 127.0.0.1 port or a unix socket.
 */
export async function startGatewayApp<P extends GatewayProtocol>(options: GatewayAppOptions<P>): Promise<RunningGatewayApp> {
  const prefix: TempPrefix | null = options.unixSocket ? makeTempPrefix(`${options.protocol}-app`) : null;
  const handlerErrors: unknown[] = [];
  const server = createGatewayServer(options.protocol, options.handler, {
    ...(prefix ? { socketMode: 0o666 } : {}),
    onHandlerError: (error: unknown) => handlerErrors.push(error),
    ...options.server,
  } as GatewayServerOptionsMap[P]);
  const clientErrors: GatewayError[] = [];
  const requestErrors: GatewayError[] = [];
  const warnings: GatewayError[] = [];
  const heads = new ResponseHeadTap();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    heads.attach(socket);
  });
  server.on('clientError', (err: GatewayError) => clientErrors.push(err));
  server.on('requestError', (err: GatewayError) => requestErrors.push(err));
  server.on('warning', (err: GatewayError) => warnings.push(err));

  let upstream: Upstream;
  try {
    upstream = await listen(server, prefix);
  } catch (err) {
    prefix?.remove();
    throw err;
  }
  return {
    protocol: options.protocol,
    server,
    upstream,
    get connections() {
      return connections;
    },
    clientErrors,
    requestErrors,
    handlerErrors,
    warnings,
    heads,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      prefix?.remove();
    },
  };
}

async function listen(server: GatewayServer, prefix: TempPrefix | null): Promise<Upstream> {
  const socket = prefix?.file('app.sock');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (socket !== undefined) server.listen(socket, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  if (socket !== undefined) return { socket };
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway app: no TCP address');
  return { host: '127.0.0.1', port: address.port };
}

/** Error codes of what the server reported about its connections, for `expect(...).toEqual([])`. */
export function reportedProblems(app: RunningGatewayApp): string[] {
  return [...app.clientErrors.map((e) => `clientError ${e.code}`), ...app.requestErrors.map((e) => `requestError ${e.code}`)];
}
