// Shared by the SCGI and uwsgi application servers (one request per connection).
import { chmodSync } from 'node:fs';
import { Server, type Socket } from 'node:net';
import { type GatewayError, ProtocolError } from '../errors.js';
import type { RequestExchange } from '../exchange.js';
import { PeerAllowlist } from '../peer-allowlist.js';
import type { SingleRequest } from './single-request.js';
import type { SingleRequestConnection, SingleRequestErrorCodes, SingleRequestHost } from './single-request-connection.js';
import { resolveServerLimits, type SingleRequestLimits, type SingleRequestServerLimits } from './single-request-limits.js';

/** Options every one-request-per-connection server takes besides its limits. */
export interface SingleRequestServerOptions extends SingleRequestServerLimits {
  /**
   * Peers allowed to connect: IPv4/IPv6 addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`,
   * `::1`). Others are closed on accept with 'clientError' `*_ERR_PEER_NOT_ALLOWED`. Unix-socket
   * peers are always allowed (file permissions guard them: see `socketMode`). Default: everyone.
   */
  allowedPeers?: readonly string[];
  /** File mode set on a unix socket path once listening, e.g. 0o660. Default: left as created. */
  socketMode?: number;
  /**
   * Read connections through one shared 64 KiB read buffer into small slabs instead of node's
   * fresh buffer per read (socket-reads.ts); false reads through 'data' events. Default true.
   */
  sharedReadBuffer?: boolean;
}

/** Server-level codes besides the connection's. */
export interface SingleRequestServerErrorCodes extends SingleRequestErrorCodes {
  readonly PEER_NOT_ALLOWED: string;
}

/**
 * A `net.Server` whose connections each carry one gateway request (SCGI, uwsgi): allowlist,
 * unix-socket mode, connection bookkeeping, graceful close, and the 'clientError' /
 * 'requestError' events. A subclass makes the protocol's connection and dispatches requests.
 */
export abstract class SingleRequestServer<R extends SingleRequest> extends Server implements SingleRequestHost<R> {
  readonly limits: SingleRequestLimits;
  readonly errorCodes: SingleRequestServerErrorCodes;
  readonly protocol: string;
  readonly sharedReadBuffer: boolean;
  /** The protocol's response head, for answers the server makes itself (413, 500, 503). */
  abstract readonly headFormat: 'cgi' | 'http';
  readonly #allowlist: PeerAllowlist | undefined;
  readonly #socketMode: number | undefined;
  readonly #connections = new Set<SingleRequestConnection<R>>();

  constructor(options: SingleRequestServerOptions, protocol: string, errorCodes: SingleRequestServerErrorCodes) {
    // allowHalfOpen: a web server may half-close after its request and still read the answer.
    // pauseOnConnect: reading starts once the connection is set up (startReading), so that it can
    // go through the shared read buffer; a refused peer is never read.
    super({ allowHalfOpen: true, pauseOnConnect: true });
    this.protocol = protocol;
    this.sharedReadBuffer = options.sharedReadBuffer !== false;
    this.errorCodes = errorCodes;
    this.limits = resolveServerLimits(options, `${protocol} server`);
    this.maxConnections = this.limits.maxConnections;
    this.#allowlist = options.allowedPeers === undefined ? undefined : new PeerAllowlist(options.allowedPeers);
    this.#socketMode = options.socketMode;
    this.on('connection', (socket: Socket) => this.#onConnection(socket));
    this.on('listening', () => this.#applySocketMode());
  }

  /** Makes the protocol's connection for an accepted socket. */
  protected abstract openConnection(socket: Socket): SingleRequestConnection<R>;

  /** Hands a request to the application; undefined when there is no handler (answered 500). */
  abstract dispatch(request: R): RequestExchange | undefined;

  connectionError(err: GatewayError, socket: Socket): void {
    if (this.listenerCount('clientError') > 0) this.emit('clientError', err, socket);
  }

  requestError(err: GatewayError, request: R): void {
    if (this.listenerCount('requestError') > 0) this.emit('requestError', err, request);
  }

  /** A connection reports its end (its socket is destroyed): it is no longer counted or closed. */
  connectionClosed(connection: SingleRequestConnection<R>): void {
    this.#connections.delete(connection);
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Stops accepting connections. Connections with a request finish it and close; one that has
   * sent nothing yet has `requestGraceTimeout` to send its request (served) before it is answered
   * 503 and closed. As with `net.Server#close`, the callback runs once all are closed.
   */
  override close(callback?: (err?: Error) => void): this {
    super.close(callback);
    for (const conn of this.#connections) conn.closeGracefully();
    return this;
  }

  /** Ends every connection at once, aborting requests in flight. */
  closeAllConnections(): void {
    for (const conn of [...this.#connections]) conn.destroy();
  }

  #onConnection(socket: Socket): void {
    if (this.#allowlist !== undefined && !this.#allowlist.allows(socket.remoteAddress)) {
      socket.on('error', () => {});
      socket.destroy();
      this.connectionError(new ProtocolError(this.errorCodes.PEER_NOT_ALLOWED, `${this.protocol}: peer ${socket.remoteAddress} is not allowed`), socket);
      return;
    }
    this.#connections.add(this.openConnection(socket));
  }

  #applySocketMode(): void {
    if (this.#socketMode === undefined) return;
    const address = this.address();
    // A string address is a unix socket path (TCP gives an object, an inherited fd may give either).
    if (typeof address === 'string') chmodSync(address, this.#socketMode);
  }
}
