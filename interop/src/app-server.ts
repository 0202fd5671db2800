import type { Socket } from 'node:net';
import type { GatewayError } from '@gw/core';
import type { AppUnderTest } from './app-under-test.js';
import { createFastCgiEchoApp } from './fastcgi-echo.js';
import { createServer, type FastCgiServer, type FastCgiServerOptions } from './fastcgi-server.js';
import { makeTempPrefix, type TempPrefix } from './temp-prefix.js';
import type { Upstream } from './upstream.js';
import { WireTap } from './wire-tap.js';

/** Options of `startFastCgiApp`. */
export interface FastCgiAppOptions {
  /** The application. Default: a fresh echo app. */
  app?: AppUnderTest;
  /** Listen on a unix socket in a temp dir instead of a 127.0.0.1 TCP port. Default false. */
  unixSocket?: boolean;
  /** Server options (limits, multiplex, roles); `handleRequest` is set from `app`. */
  server?: Omit<FastCgiServerOptions, 'handleRequest'>;
}

/** A gw FastCGI server running in the test process. */
export interface RunningFastCgiApp {
  readonly server: FastCgiServer;
  readonly app: AppUnderTest;
  /** Where a front end should connect. */
  readonly upstream: Upstream;
  /** Connections accepted so far (the server's 'connection' events). */
  readonly connections: number;
  /** Connection-level failures the server reported ('clientError'); a real peer should cause none. */
  readonly clientErrors: GatewayError[];
  /** Request-level failures ('requestError'). */
  readonly requestErrors: GatewayError[];
  /** Record types the peers sent (ABORT_REQUEST, GET_VALUES, …), decoded from a copy of the bytes. */
  readonly wire: WireTap;
  /** Closes every connection and the listener; removes the socket's temp dir. */
  close(): Promise<void>;
}

/**
 * Starts the gw FastCGI application server with `app` on a free 127.0.0.1 port, or on a unix
 * socket (mode 0666, in a 0755 temp dir, so nginx workers running as nobody can connect).
 */
export async function startFastCgiApp(options: FastCgiAppOptions = {}): Promise<RunningFastCgiApp> {
  const app = options.app ?? createFastCgiEchoApp();
  const prefix: TempPrefix | null = options.unixSocket ? makeTempPrefix('fastcgi-app') : null;
  const server = createServer({
    ...(prefix ? { socketMode: 0o666 } : {}),
    ...options.server,
    handleRequest: (request, srv) => app.handleRequest(request, srv),
  });
  const clientErrors: GatewayError[] = [];
  const requestErrors: GatewayError[] = [];
  let connections = 0;
  const wire = new WireTap();
  server.on('connection', (socket: Socket) => {
    connections++;
    wire.attach(socket);
  });
  server.on('clientError', (err: GatewayError) => clientErrors.push(err));
  server.on('requestError', (err: GatewayError) => requestErrors.push(err));

  let upstream: Upstream;
  if (prefix) {
    const socket = prefix.file('app.sock');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, resolve);
    });
    upstream = { socket };
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('FastCGI app: no TCP address');
    upstream = { host: '127.0.0.1', port: address.port };
  }

  return {
    server,
    app,
    upstream,
    get connections() {
      return connections;
    },
    clientErrors,
    requestErrors,
    wire,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      prefix?.remove();
    },
  };
}

/**
 * What went wrong on an app's connections, as readable lines: connection-level errors the server
 * reported ('clientError') and problems in the bytes it sent (see WireTap). A real peer speaking
 * valid FastCGI should cause none; tests assert the list is empty.
 */
export function connectionProblems(app: RunningFastCgiApp): string[] {
  return [...app.clientErrors.map((e) => `clientError ${e.code}: ${e.message}`), ...app.wire.outputErrors];
}
