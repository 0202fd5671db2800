import { chmodSync } from 'node:fs';
import { type ListenOptions, Server, type Socket } from 'node:net';
import { type GatewayError, type ParamList, PeerAllowlist, ProtocolError, type RequestExchange } from '@gw/core';
import { createServerDispatcher, type Dispatcher, type NodeRequestListener, type ServerHandlerOptions } from '@gw/node-http';
import { Role } from '../constants.js';
import { FastCgiServerErrorCode as Code } from '../error-codes.js';
import { RecordDecoder, type ResolvedRecordDecoderOptions } from '../record-decoder.js';
import { type ConnectionHost, FastCgiConnection } from './server-connection.js';
import { type FastCgiServerLimits, resolveServerLimits, type ServerLimits } from './server-options.js';
import type { FastCgiRequest } from './server-request.js';

/** Which FastCGI roles (spec §6) the application serves; others get END_REQUEST{UNKNOWN_ROLE}. */
export type RoleName = 'responder' | 'authorizer' | 'filter';

/** Options of `createServer`. */
export interface FastCgiServerOptions extends FastCgiServerLimits, ServerHandlerOptions {
  /** Serve several requests at once on one connection, and advertise FCGI_MPXS_CONNS=1. Default true. */
  multiplex?: boolean;
  /** Roles served. Default all three. */
  roles?: readonly RoleName[];
  /** Peers allowed to connect (addresses or CIDR ranges). Default: `FCGI_WEB_SERVER_ADDRS`, else everyone. */
  allowedPeers?: readonly string[];
  /** File mode for a unix socket path passed to listen(), e.g. 0o660. Default: left as created. */
  socketMode?: number;
  /** Accept record version bytes above 1, like php-fpm. Default false. */
  lenientVersion?: boolean;
  /**
   * Read connections through one shared 64 KiB read buffer, copying each read into small slabs,
   * instead of node's fresh buffer per read (less allocation and GC per request; see
   * `@gw/core` socket-reads.ts). False reads through 'data' events. Default true.
   */
  sharedReadBuffer?: boolean;
  /**
   * Low-level hook: receives each started request and returns the handler side of it. The
   * node:http and Fetch adapters are built on this; most applications use a listener instead.
   */
  handleRequest?: (request: FastCgiRequest, server: FastCgiServer) => RequestExchange;
}

const ROLE_NUMBERS: Record<RoleName, number> = { responder: Role.RESPONDER, authorizer: Role.AUTHORIZER, filter: Role.FILTER };

/**
 * A FastCGI application server: a `net.Server` whose connections speak FastCGI. Listen on TCP,
 * on a unix socket, or on an inherited listening socket (`listen({ fd: 0 })`, how spawn-fcgi
 * and mod_fcgid start applications).
 *
 * Events: 'request' (req, res) — node:http's IncomingMessage / ServerResponse, one per
 * FastCGI request (`req.gateway` is the FastCgiRequest: role, requestId, keepConn, stderr);
 * 'clientError' (err, socket) when a connection fails on bad input or a limit — the connection
 * is closed and nothing is thrown; 'requestError' (err, request) when one request fails (body
 * too large, handler timeout); 'handlerError' (error) when a handler throws.
 */
export class FastCgiServer extends Server implements ConnectionHost {
  readonly limits: ServerLimits;
  readonly decoderOptions: ResolvedRecordDecoderOptions;
  readonly multiplex: boolean;
  readonly roles: ReadonlySet<number>;
  readonly sharedReadBuffer: boolean;
  readonly #allowlist: PeerAllowlist | undefined;
  readonly #socketMode: number | undefined;
  readonly #handleRequest: ((request: FastCgiRequest, server: FastCgiServer) => RequestExchange) | undefined;
  readonly #dispatch: Dispatcher;
  readonly #connections = new Set<FastCgiConnection>();

  /**
   * @param options limits, timeouts, roles, multiplexing, allowlist; see FastCgiServerOptions
   * @param listener a node:http request listener added to the 'request' event
   */
  constructor(options: FastCgiServerOptions = {}, listener?: NodeRequestListener) {
    // allowHalfOpen: a web server may half-close after its last record and still read the answer.
    // pauseOnConnect: the connection starts reading once it is set up (startReading), so that it
    // can read through the shared buffer; a refused peer is never read at all.
    super({ allowHalfOpen: true, pauseOnConnect: true });
    this.limits = resolveServerLimits(options);
    // Resolved once: every connection's decoder shares them.
    this.decoderOptions = RecordDecoder.resolveOptions({
      maxParamsBytes: options.maxParamsBytes,
      maxParamsPairs: options.maxParamsPairs,
      maxNameLength: options.maxNameLength,
      maxValueLength: options.maxValueLength,
      maxOpenParamsStreams: options.maxOpenParamsStreams ?? this.limits.maxRequestsPerConnection,
      lenientVersion: options.lenientVersion,
    });
    this.multiplex = options.multiplex !== false;
    this.sharedReadBuffer = options.sharedReadBuffer !== false;
    this.roles = new Set((options.roles ?? ['responder', 'authorizer', 'filter']).map((r) => ROLE_NUMBERS[r]));
    this.maxConnections = this.limits.maxConnections;
    this.#allowlist = options.allowedPeers ? new PeerAllowlist(options.allowedPeers) : PeerAllowlist.fromEnvironment();
    this.#socketMode = options.socketMode;
    this.#handleRequest = options.handleRequest;
    this.#dispatch = createServerDispatcher(this, options, this.limits.bodyHighWaterMark);
    if (listener !== undefined) this.on('request', listener);
    this.on('connection', (socket: Socket) => this.#onConnection(socket));
    this.on('listening', () => this.#applySocketMode());
  }

  get maxConns(): number {
    return this.maxConnections;
  }

  get maxReqs(): number {
    return this.multiplex ? this.maxConnections * this.limits.maxRequestsPerConnection : this.maxConnections;
  }

  /** Hands a started request to the application. */
  dispatch(request: FastCgiRequest): RequestExchange {
    if (this.#handleRequest !== undefined) return this.#handleRequest(request, this);
    return this.#dispatch(request.params as ParamList, request);
  }


  connectionError(err: GatewayError, socket: Socket): void {
    if (this.listenerCount('clientError') > 0) this.emit('clientError', err, socket);
  }

  requestError(err: GatewayError, request: FastCgiRequest): void {
    if (this.listenerCount('requestError') > 0) this.emit('requestError', err, request);
  }

  connectionClosed(connection: FastCgiConnection): void {
    this.#connections.delete(connection);
  }

  /**
   * Stops accepting connections; open connections finish their requests and close. Like
   * `net.Server#close`, the callback runs once every connection has closed.
   */
  override close(callback?: (err?: Error) => void): this {
    super.close(callback);
    for (const conn of this.#connections) conn.closeGracefully();
    return this;
  }

  /** Ends every connection at once, aborting requests in flight. */
  closeAllConnections(): void {
    for (const conn of this.#connections) conn.destroy();
  }

  #onConnection(socket: Socket): void {
    if (this.#allowlist !== undefined && socket.remoteAddress !== undefined && !this.#allowlist.allows(socket.remoteAddress)) {
      this.connectionError(new ProtocolError(Code.PEER_NOT_ALLOWED, `peer ${socket.remoteAddress} is not allowed`), socket);
      socket.destroy();
      return;
    }
    this.#connections.add(new FastCgiConnection(socket, this));
  }

  #applySocketMode(): void {
    if (this.#socketMode === undefined) return;
    const address = this.address();
    if (typeof address === 'string') chmodSync(address, this.#socketMode);
  }
}

export type { ListenOptions };
