import { ClientConnection, type ConnectionHost } from './client-connection.js';
import { FastCgiClientError, FastCgiClientErrorCode as Code } from './client-errors.js';
import { type ClientLimits, DEFAULT_MAX_CONNECTIONS, type FastCgiClientOptions, type FastCgiUpstream, type ResolvedClientOptions, resolveClientOptions } from './client-options.js';
import type { FastCgiRequestHandle, FastCgiResponse, FastCgiResponseHandler } from './client-response.js';
import type { FastCgiExchange } from './exchange.js';
import { type AppCapabilities, probeApplication } from './probe.js';
import { createExchange, type FastCgiRequestOptions } from './request-options.js';
import { RequestQueue } from './request-queue.js';
import { type ConnectFailure, connectUpstream, describeUpstream } from '@gw/core';

/** Pool figures, for monitoring and tests. */
export interface FastCgiClientStats {
  /** Connections open or being opened. */
  connections: number;
  /** Requests on connections (cancelled ones awaiting END_REQUEST included). */
  active: number;
  /** Requests waiting for a connection. */
  queued: number;
  /** Connections opened since the client was created. */
  connectionsOpened: number;
  /** Whether requests are multiplexed; undefined until the probe (if any) is done. */
  multiplex: boolean | undefined;
  /** Requests sent again after a kept-alive connection closed under them (see `idempotent`). */
  staleRetries: number;
  /** Requests per connection after which the app was seen closing connections; undefined if never seen. */
  appConnectionLimit: number | undefined;
}

/** Pool shape once the application's capabilities are known. */
interface PoolSettings {
  multiplex: boolean;
  maxConnections: number;
  perConnection: number;
  maxConcurrent: number;
}

/** Attempts after the first for a request lost with a stale kept-alive connection. */
const MAX_STALE_RETRIES = 2;

/**
 * A FastCGI client (the web-server side) for one application: a pool of long-lived
 * FCGI_KEEP_CONN connections, multiplexed when the application supports it, with a bounded wait
 * queue.
 *
 * ```ts
 * const php = createClient({ path: '/run/php/php8.2-fpm.sock', maxConnections: 4 });
 * const res = await php.request({ params: { SCRIPT_FILENAME: '/srv/index.php', REQUEST_METHOD: 'GET' } });
 * res.status; res.headers; res.body.pipe(out);
 * ```
 */
export class FastCgiClient implements ConnectionHost {
  /** Where the application listens. */
  readonly upstream: FastCgiUpstream;
  readonly limits: ClientLimits;
  readonly #options: ResolvedClientOptions;
  readonly #connections = new Set<ClientConnection>();
  readonly #queue = new RequestQueue();
  #settings: PoolSettings | undefined = undefined;
  #probing = false;
  #connectionsOpened = 0;
  /** Requests per connection after which the app was seen closing connections (0: never seen). */
  #appConnectionLimit = 0;
  #staleRetries = 0;
  /** After a failed connect, no new connection is tried before this time (ms since epoch). */
  #reconnectAt = 0;
  #reconnectDelay = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: FastCgiClientOptions) {
    this.#options = resolveClientOptions(options);
    this.upstream = this.#options.upstream;
    this.limits = this.#options.limits;
    if (!this.#options.probe) this.#settings = this.#poolSettings({});
  }

  /** Current pool figures. */
  get stats(): FastCgiClientStats {
    let active = 0;
    for (const connection of this.#connections) active += connection.load;
    return {
      connections: this.#connections.size,
      active,
      queued: this.#queue.size,
      connectionsOpened: this.#connectionsOpened,
      multiplex: this.#settings?.multiplex,
      staleRetries: this.#staleRetries,
      appConnectionLimit: this.#appConnectionLimit > 0 ? this.#appConnectionLimit : undefined,
    };
  }

  /**
   * Sends a request. Resolves with the response once its head has arrived; rejects with a
   * FastCgiClientError (or a codec / CGI_ERR_* error for a malformed response) before that.
   *
   * @throws InvalidArgumentError (as a rejection) for bad params (`FCGI_ERR_PAIR_TOO_LARGE`,
   *   `GW_ERR_NOT_LATIN1`) or options (`GW_ERR_INVALID_OPTION`)
   */
  request(options: FastCgiRequestOptions = {}): Promise<FastCgiResponse> {
    let exchange: FastCgiExchange;
    try {
      exchange = createExchange(options, this.limits);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#submit(exchange);
    return exchange.response as Promise<FastCgiResponse>;
  }

  /**
   * Sends a request whose response goes to `handler`'s callbacks instead of a promise and
   * Readables: no per-request stream, promise or AbortController (cancel with the returned
   * handle's `abort()`). STDERR goes to `options.onStderr`, else `handler.onStderr`. A failure
   * to queue (client closed, queue full) reaches `handler.onError` before this returns.
   *
   * @throws InvalidArgumentError for bad params (`FCGI_ERR_PAIR_TOO_LARGE`, `GW_ERR_NOT_LATIN1`)
   *   or options (`GW_ERR_INVALID_OPTION`), synchronously
   */
  dispatch(options: FastCgiRequestOptions, handler: FastCgiResponseHandler): FastCgiRequestHandle {
    const exchange = createExchange(options, this.limits, handler);
    this.#submit(exchange);
    return exchange;
  }

  /**
   * Closes the pool: queued requests fail with FCGI_ERR_CLIENT_CLOSED, idle connections close,
   * requests in progress are cut (their connections close). Resolves once every socket is closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    const closing = new FastCgiClientError(Code.CLIENT_CLOSED, 'the client was closed');
    for (const exchange of this.#queue.takeAll()) exchange.fail(closing);
    const waits: Promise<void>[] = [];
    for (const connection of this.#connections) {
      waits.push(new Promise((resolve) => (connection.socket.destroyed ? resolve() : connection.socket.once('close', () => resolve()))));
      connection.close();
    }
    await Promise.all(waits);
  }

  // ── ConnectionHost ───────────────────────────────────────────────────────

  connectionAvailable(_connection: ClientConnection): void {
    this.#dispatch();
  }

  connectionClosed(connection: ClientConnection): void {
    this.#connections.delete(connection);
    if (!this.#closed) this.#dispatch();
  }

  get waitingRequests(): number {
    return this.#queue.size;
  }

  get maxConnectionUses(): number {
    return this.#appConnectionLimit > 0 ? Math.min(this.#appConnectionLimit, this.limits.maxConnectionUses) : this.limits.maxConnectionUses;
  }

  /**
   * php-fpm serves a kept-alive connection with one worker for the worker's whole life and closes
   * it after `pm.max_requests`, right after an END_REQUEST, so a request written in that moment is
   * lost. Once seen, connections are retired after that many requests, before the app closes them.
   * The largest count seen wins: a connection handed to a worker in mid-life closes earlier.
   */
  appClosedAfter(requests: number): void {
    if (requests > this.#appConnectionLimit) this.#appConnectionLimit = requests;
  }

  /**
   * A reused connection closed before the app sent a byte for this request. It is sent again when
   * its input can be replayed and either the app provably did not run it (it half-closed right
   * after the previous END_REQUEST: php-fpm recycling a worker discards what arrives) or running it
   * twice is harmless (idempotent: Go's net/http rule for reused connections). Otherwise the caller
   * gets FCGI_ERR_CONNECTION_CLOSED with `retryable: true`.
   */
  requestLost(exchange: FastCgiExchange, error: FastCgiClientError, recycled: boolean): void {
    if (this.#closed || !exchange.replayable || exchange.retries >= MAX_STALE_RETRIES || !(recycled || exchange.input.idempotent)) {
      return exchange.fail(error);
    }
    exchange.retries++;
    this.#staleRetries++;
    exchange.unassign();
    this.#queue.push(exchange, true);
    queueMicrotask(() => this.#dispatch());
  }

  multiplexRefused(connection: ClientConnection): void {
    // The app said CANT_MPX_CONN: it does not multiplex after all. New connections run one
    // request each; this one finishes what it has and closes.
    if (this.#settings?.multiplex === true) {
      this.#settings = { ...this.#settings, multiplex: false, perConnection: 1 };
    }
    connection.retire();
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** Queues a new request and gives it a connection if one has room. */
  #submit(exchange: FastCgiExchange): void {
    if (this.#closed) return exchange.fail(new FastCgiClientError(Code.CLIENT_CLOSED, 'the client is closed'));
    this.#queue.push(exchange);
    this.#dispatch();
    if (this.#queue.holds(exchange) && this.#queue.size > this.limits.maxQueue) {
      this.#queue.cancel(exchange);
      exchange.fail(new FastCgiClientError(Code.QUEUE_FULL, `more than ${this.limits.maxQueue} requests waiting for a connection`));
    }
  }

  /** Gives queued requests to connections with room, opening connections as allowed. */
  #dispatch(): void {
    if (this.#closed || this.#queue.peek() === undefined) return;
    const settings = this.#settings;
    if (settings === undefined) return this.#probe();
    // Counting the requests in progress walks every connection: only needed under a FCGI_MAX_REQS bound.
    let active = 0;
    if (settings.maxConcurrent !== Number.POSITIVE_INFINITY) for (const connection of this.#connections) active += connection.load;
    while (this.#queue.peek() !== undefined && active < settings.maxConcurrent) {
      const connection = this.#pickConnection();
      if (connection === undefined) {
        if (!this.#openIfNeeded(settings)) return;
        continue;
      }
      const exchange = this.#queue.shift() as FastCgiExchange;
      if (connection.start(exchange)) {
        active++;
      } else {
        // The pooled connection was found closing before anything was written: the request
        // goes back to the front of the queue and is given to another connection.
        exchange.unassign();
        this.#queue.push(exchange, true);
      }
    }
  }

  /** The available connection with the fewest requests (prefer filling one multiplexed connection). */
  #pickConnection(): ClientConnection | undefined {
    let best: ClientConnection | undefined;
    for (const connection of this.#connections) {
      if (!connection.available) continue;
      if (best === undefined || connection.load < best.load) best = connection;
    }
    return best;
  }

  /**
   * Opens one more connection when the queue needs more room than the connections being opened
   * will bring, within `maxConnections`. Returns true when it opened one.
   */
  #openIfNeeded(settings: PoolSettings): boolean {
    let pendingRoom = 0;
    let open = 0;
    for (const connection of this.#connections) {
      if (connection.finished) continue;
      open++;
      // Connections still connecting, or back from a request in a moment, will take queued requests.
      if (connection.connecting) pendingRoom += connection.capacity;
      else if (connection.releasing) pendingRoom += connection.capacity - connection.load;
    }
    if (open >= settings.maxConnections || pendingRoom >= this.#queue.size) return false;
    if (Date.now() < this.#reconnectAt) {
      this.#scheduleReconnect();
      return false;
    }
    this.#openConnection(settings);
    return true;
  }

  #openConnection(settings: PoolSettings): void {
    this.#connectionsOpened++;
    let connection: ClientConnection | undefined;
    const socket = connectUpstream(this.upstream, this.limits.connectTimeout, (failure) => {
      const opened = connection as ClientConnection;
      if (failure === null) {
        this.#reconnectDelay = 0;
        return opened.connected();
      }
      this.#connections.delete(opened);
      // Back off (50 ms doubling to 2 s) so that a down app with a busy pool is not hammered.
      this.#reconnectDelay = Math.min(2000, Math.max(50, this.#reconnectDelay * 2));
      this.#reconnectAt = Date.now() + this.#reconnectDelay;
      this.#connectFailed(failure);
    }, (chunk) => (connection as ClientConnection).receive(chunk));
    connection = new ClientConnection(socket, this, settings.multiplex, settings.perConnection);
    this.#connections.add(connection);
  }

  /** A connect failed: with no other connection that could serve them, queued requests fail now. */
  #connectFailed(failure: ConnectFailure): void {
    for (const connection of this.#connections) if (!connection.finished) return void this.#dispatch();
    const err = connectError(failure, this.upstream);
    for (const exchange of this.#queue.takeAll()) exchange.fail(err);
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer !== null) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#dispatch();
    }, Math.max(0, this.#reconnectAt - Date.now()));
    this.#reconnectTimer.unref();
  }

  #probe(): void {
    if (this.#probing) return;
    this.#probing = true;
    void probeApplication(this.upstream, this.limits.connectTimeout, this.limits.probeTimeout).then((result) => {
      this.#probing = false;
      if (this.#closed) return;
      if (!result.ok) return this.#connectFailed(result.failure); // probe again with the next request
      this.#settings = this.#poolSettings(result.capabilities);
      this.#dispatch();
    });
  }

  /** Pool shape: the caller's options first, then what the app said, then the defaults. */
  #poolSettings(app: AppCapabilities): PoolSettings {
    const overrides = this.#options.overrides;
    const multiplex = overrides.multiplex ?? app.multiplex ?? false;
    return {
      multiplex,
      maxConnections: overrides.maxConnections ?? Math.min(app.maxConns ?? DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS),
      perConnection: multiplex ? this.limits.maxRequestsPerConnection : 1,
      maxConcurrent: overrides.maxConcurrentRequests ?? app.maxReqs ?? Number.POSITIVE_INFINITY,
    };
  }
}

/**
 * Creates a FastCGI client for one application.
 *
 * @param options `{ path }` (unix socket) or `{ host?, port }`, plus pool settings (see FastCgiClientSettings)
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION`
 */
export function createClient(options: FastCgiClientOptions): FastCgiClient {
  return new FastCgiClient(options);
}

function connectError(failure: ConnectFailure, upstream: FastCgiUpstream): FastCgiClientError {
  if (failure === 'timeout') return new FastCgiClientError(Code.CONNECT_TIMEOUT, `connecting to ${describeUpstream(upstream)} timed out`);
  return new FastCgiClientError(Code.CONNECT_FAILED, `cannot connect to ${describeUpstream(upstream)}: ${failure.message}`, { cause: failure });
}

