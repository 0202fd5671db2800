import { Server, type Socket } from 'node:net';
import type { GatewayHandler } from '@gw/node-http';
import { createGatewayServer, type GatewayServer, type ServerProtocol, type ServerSettings } from './gateway-server.js';
import { listenOn } from './listen.js';
import { describeListening, type ListenTarget } from './listen-target.js';
import { type LoadedApp, loadApp } from './load-app.js';
import type { ServeLog } from './log.js';

/** How long a drain waits for connections that have not sent their request yet (see drain). */
const FRESH_CONNECTION_GRACE = 1000;

/** What {@link startAppServer} needs. */
export interface AppServerConfig {
  app: string;
  protocol: ServerProtocol;
  /** Where to listen; undefined in a cluster worker, which serves connections handed to {@link AppServer.accept}. */
  target: ListenTarget | undefined;
  server: ServerSettings;
  log: ServeLog;
  /** Called at the start of every request (worker recycling counts them). */
  onRequest?: () => void;
}

/** How a drain ended. */
export interface DrainResult {
  /** Connections still open at the deadline, closed abruptly. 0 for a clean drain. */
  aborted: number;
}

/** The application's server in this process. */
export interface AppServer {
  /** The application kind, for the log. */
  readonly kind: string;
  /** What the server listens on, for the log; undefined when it does not listen itself. */
  readonly address: string | undefined;
  /**
   * Serves a connection accepted elsewhere (the cluster primary). Refused — destroyed — when the
   * server already holds `--max-connections` connections or is draining.
   */
  accept(socket: Socket): void;
  /**
   * Stops accepting, lets requests in flight finish (kept-alive FastCGI connections close once
   * idle), and after `timeoutMs` closes what is left. Then runs the application's close hook.
   * Safe to call more than once (later calls share the first drain).
   */
  drain(timeoutMs: number): Promise<DrainResult>;
  /** Closes every connection now, aborting requests in flight (a second stop signal). */
  closeNow(): void;
}

/**
 * Loads the application, wraps it in the protocol's server and, given a target, listens — in
 * that order, so no connection is accepted before the application can answer it.
 *
 * @throws ServeError from {@link loadApp}, or from {@link listenOn}
 */
export async function startAppServer(config: AppServerConfig): Promise<AppServer> {
  const app = await loadApp(config.app);
  const server = createGatewayServer(config.protocol, counted(app.handler, config.onRequest), config.server);
  const { log } = config;
  server.on('handlerError', (error: unknown) => log.error(`request handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
  server.on('clientError', (error: { code?: string; message: string }) => log.info(`connection closed: ${error.code ?? ''} ${error.message}`));
  server.on('requestError', (error: { code?: string; message: string }) => log.info(`request failed: ${error.code ?? ''} ${error.message}`));
  const running = new RunningAppServer(server, app, log);
  if (config.target !== undefined) {
    await listenOn(server, config.target);
    running.address = describeListening(config.target, server.address());
  }
  return running;
}

/** The handler, calling `onRequest` first for every request; the handler itself when there is nothing to count. */
function counted(handler: GatewayHandler, onRequest: (() => void) | undefined): GatewayHandler {
  if (onRequest === undefined) return handler;
  if (typeof handler === 'function') {
    return (req, res) => {
      onRequest();
      return handler(req, res);
    };
  }
  return {
    fetch: (request, context) => {
      onRequest();
      return handler.fetch(request, context);
    },
  };
}

class RunningAppServer implements AppServer {
  readonly kind: string;
  address: string | undefined;
  readonly #server: GatewayServer;
  readonly #app: LoadedApp;
  readonly #log: ServeLog;
  /** Every open connection, accepted by the server or handed in: what a drain waits for. */
  readonly #sockets = new Set<Socket>();
  #allClosed: (() => void) | undefined;
  #drained: Promise<DrainResult> | undefined;

  constructor(server: GatewayServer, app: LoadedApp, log: ServeLog) {
    this.kind = app.kind;
    this.#server = server;
    this.#app = app;
    this.#log = log;
    // Only counts: the protocol server's own 'connection' handler serves (or refuses) the socket.
    server.on('connection', (socket: Socket) => this.#track(socket));
  }

  accept(socket: Socket): void {
    if (this.#drained !== undefined || this.#sockets.size >= this.#server.maxConnections) {
      socket.destroy();
      return;
    }
    // node:net's own accept path would do this; a socket handed over IPC arrives without it.
    socket.on('error', () => {});
    this.#server.emit('connection', socket);
  }

  drain(timeoutMs: number): Promise<DrainResult> {
    this.#drained ??= this.#drain(timeoutMs);
    return this.#drained;
  }

  closeNow(): void {
    this.#server.closeAllConnections();
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Resolves once every open connection has sent bytes (or closed), or after `graceMs`. */
  async #freshConnectionsHeard(graceMs: number): Promise<void> {
    const until = Date.now() + graceMs;
    const silent = () => [...this.#sockets].some((socket) => socket.bytesRead === 0 && !socket.destroyed);
    while (silent() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      if (this.#sockets.size === 0) this.#allClosed?.();
    });
  }

  async #drain(timeoutMs: number): Promise<DrainResult> {
    const server = this.#server;
    const started = Date.now();
    // Stop accepting first (net.Server's own close: the gw servers' close() would also close
    // connections that are idle), then give connections accepted a moment ago the time to
    // deliver their request: the FastCGI server closes a connection that has sent nothing yet
    // (SCGI and uwsgi give it requestGraceTimeout themselves), and the bytes of one accepted
    // just before the drain may not have been read.
    if (server.listening) Server.prototype.close.call(server);
    await this.#freshConnectionsHeard(Math.min(FRESH_CONNECTION_GRACE, timeoutMs));
    const idle = new Promise<void>((resolve) => {
      this.#allClosed = resolve;
      if (this.#sockets.size === 0) resolve();
    });
    // Every connection finishes its requests in flight and closes (FastCGI: once idle).
    server.close();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs - (Date.now() - started)));
    });
    const outcome = await Promise.race([idle, deadline]);
    clearTimeout(timer);
    let aborted = 0;
    if (outcome === 'timeout') {
      aborted = this.#sockets.size;
      this.closeNow();
      await idle;
    }
    if (this.#app.close !== undefined) {
      try {
        await this.#app.close();
      } catch (error) {
        this.#log.error(`the application's close hook failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { aborted };
  }
}
