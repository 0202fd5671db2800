import { InvalidArgumentError } from '@gw/core';
import { Role } from '../constants.js';
import { type BodySource, isBodySource, isReplayable, knownLength } from './body-source.js';
import { ClientConnection, type ConnectionHost } from './client-connection.js';
import { FastCgiClientError, FastCgiClientErrorCode as Code } from './client-errors.js';
import { type ClientLimits, DEFAULT_MAX_CONNECTIONS, type FastCgiClientOptions, type FastCgiUpstream, type ResolvedClientOptions, resolveClientOptions } from './client-options.js';
import type { FastCgiResponse } from './client-response.js';
import { type ExchangeOwner, FastCgiExchange } from './exchange.js';
import { type AppCapabilities, probeApplication } from './probe.js';
import { encodeRequest } from './request-encoding.js';
import { addUnlessGiven, type FastCgiParams, type PairArray, paramValue, toPairs } from './request-params.js';
import { type ConnectFailure, connectUpstream, describeUpstream } from './upstream-socket.js';

/** A FastCGI role by name or number (spec §6). */
export type FastCgiRoleOption = 'responder' | 'authorizer' | 'filter' | Role;

/** One request to the application. */
export interface FastCgiRequestOptions {
  /** CGI params (REQUEST_METHOD, SCRIPT_FILENAME, …). CONTENT_LENGTH is added when the body is bytes and none is given. */
  params?: FastCgiParams;
  /**
   * STDIN: bytes, or a stream (Readable, web ReadableStream, async iterable) read with
   * backpressure. A stream of unknown length needs CONTENT_LENGTH in `params` for php-fpm, which
   * reads no body without it.
   */
  body?: BodySource;
  /** Role. @defaultValue 'responder' */
  role?: FastCgiRoleOption;
  /** Filter role: the DATA stream (the file to filter). FCGI_DATA_LENGTH is added when it is bytes. */
  data?: BodySource;
  /** Cancels the request: it leaves the queue, or gets ABORT_REQUEST (multiplexed) or its connection closed. */
  signal?: AbortSignal;
  /** Per-request timeouts overriding the client's. */
  timeouts?: { firstByte?: number };
  /**
   * Whether the request may run twice. Default: REQUEST_METHOD is GET, HEAD, OPTIONS, TRACE, PUT
   * or DELETE (RFC 9110 §9.2.2), or absent, or an Idempotency-Key header was passed. Only an
   * idempotent request with a replayable body (none, or bytes) is sent again automatically after
   * a kept-alive connection closed under it before any response byte.
   */
  idempotent?: boolean;
  /**
   * Receives every STDERR chunk as it arrives, before and after the head (the response's `stderr`
   * stream then stays empty). Without it STDERR goes to `response.stderr`.
   */
  onStderr?: (chunk: Buffer) => void;
}

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

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const ROLE_BY_NAME: Record<string, Role> = { responder: Role.RESPONDER, authorizer: Role.AUTHORIZER, filter: Role.FILTER };

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
export class FastCgiClient implements ConnectionHost, ExchangeOwner {
  /** Where the application listens. */
  readonly upstream: FastCgiUpstream;
  readonly limits: ClientLimits;
  readonly #options: ResolvedClientOptions;
  readonly #connections = new Set<ClientConnection>();
  #queue: FastCgiExchange[] = [];
  #queueHead = 0;
  #queued = 0;
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
      queued: this.#queued,
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
      exchange = this.#createExchange(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closed) {
      exchange.fail(new FastCgiClientError(Code.CLIENT_CLOSED, 'the client is closed'));
      return exchange.response;
    }
    this.#enqueue(exchange, false);
    this.#dispatch();
    if (!exchange.done && exchange.owner === this && this.#queued > this.limits.maxQueue) {
      exchange.fail(new FastCgiClientError(Code.QUEUE_FULL, `more than ${this.limits.maxQueue} requests waiting for a connection`));
      this.cancel(exchange);
    }
    return exchange.response;
  }

  /**
   * Closes the pool: queued requests fail with FCGI_ERR_CLIENT_CLOSED, idle connections close,
   * requests in progress are cut (their connections close). Resolves once every socket is closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    const closing = new FastCgiClientError(Code.CLIENT_CLOSED, 'the client was closed');
    for (const exchange of this.#drainQueue()) exchange.fail(closing);
    const waits: Promise<void>[] = [];
    for (const connection of this.#connections) {
      waits.push(new Promise((resolve) => (connection.socket.destroyed ? resolve() : connection.socket.once('close', () => resolve()))));
      connection.close();
    }
    await Promise.all(waits);
  }

  // ── ExchangeOwner (queued requests) ───────────────────────────────────────

  cancel(exchange: FastCgiExchange): void {
    // Cancelled while queued: it is skipped when dequeued; only the count changes now.
    if (exchange.owner === this) {
      exchange.owner = null;
      this.#queued--;
    }
  }

  pause(): void {}

  resume(): void {}

  // ── ConnectionHost ───────────────────────────────────────────────────────

  connectionAvailable(_connection: ClientConnection): void {
    this.#dispatch();
  }

  connectionClosed(connection: ClientConnection): void {
    this.#connections.delete(connection);
    if (!this.#closed) this.#dispatch();
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

  requestLost(exchange: FastCgiExchange, error: FastCgiClientError): void {
    // Go's net/http rule for a reused connection that closed before any response byte: send the
    // request again only when that cannot run it twice (idempotent, body replayable).
    const input = exchange.input;
    if (this.#closed || !input.idempotent || !input.replayable || exchange.retries >= MAX_STALE_RETRIES) return exchange.fail(error);
    exchange.retries++;
    this.#staleRetries++;
    exchange.unassign();
    this.#enqueue(exchange, true);
    queueMicrotask(() => this.#dispatch());
  }

  multiplexRefused(connection: ClientConnection): void {
    // The app said CANT_MPX_CONN: it does not multiplex after all. New connections run one
    // request each; this one finishes what it has and closes.
    if (this.#settings !== undefined && this.#settings.multiplex) {
      this.#settings = { ...this.#settings, multiplex: false, perConnection: 1 };
    }
    connection.retire();
  }

  // ── internals ────────────────────────────────────────────────────────────

  #createExchange(options: FastCgiRequestOptions): FastCgiExchange {
    const role = resolveRole(options.role);
    const body = checkBody(options.body, 'body');
    const data = checkBody(options.data, 'data');
    const pairs = toPairs(options.params);
    // CONTENT_LENGTH whenever the client knows it (protocols.md §4.3), never overriding the caller's.
    if (role !== Role.AUTHORIZER || body !== undefined) addUnlessGiven(pairs, 'CONTENT_LENGTH', body === undefined ? undefined : knownLength(body));
    if (role === Role.FILTER) addUnlessGiven(pairs, 'FCGI_DATA_LENGTH', knownLength(data));
    const firstByteTimeout = options.timeouts?.firstByte ?? this.limits.firstByteTimeout;
    if (!Number.isInteger(firstByteTimeout) || firstByteTimeout < 0) throw invalid('timeouts.firstByte must be a non-negative integer');
    return new FastCgiExchange(
      {
        encoded: encodeRequest(pairs, role, body, data),
        role,
        replayable: isReplayable(body) && isReplayable(data),
        idempotent: options.idempotent ?? isIdempotent(pairs),
        signal: options.signal,
        onStderr: options.onStderr,
      },
      {
        responseHighWaterMark: this.limits.responseHighWaterMark,
        maxStderrBuffer: this.limits.maxStderrBuffer,
        maxHeadBytes: this.limits.maxHeadBytes,
        firstByteTimeout,
      },
    );
  }

  #enqueue(exchange: FastCgiExchange, front: boolean): void {
    exchange.owner = this;
    this.#queued++;
    if (front && this.#queueHead > 0) this.#queue[--this.#queueHead] = exchange;
    else if (front) this.#queue.unshift(exchange);
    else this.#queue.push(exchange);
  }

  /** The next live queued request, taken off the queue. */
  #dequeue(): FastCgiExchange | undefined {
    while (this.#queueHead < this.#queue.length) {
      const exchange = this.#queue[this.#queueHead++] as FastCgiExchange;
      if (exchange.owner !== this) continue; // cancelled while queued
      this.#queued--;
      exchange.owner = null;
      this.#compactQueue();
      return exchange;
    }
    this.#compactQueue();
    return undefined;
  }

  #peekLive(): FastCgiExchange | undefined {
    while (this.#queueHead < this.#queue.length) {
      const exchange = this.#queue[this.#queueHead] as FastCgiExchange;
      if (exchange.owner === this) return exchange;
      this.#queueHead++;
    }
    this.#compactQueue();
    return undefined;
  }

  #compactQueue(): void {
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  #drainQueue(): FastCgiExchange[] {
    const out: FastCgiExchange[] = [];
    for (let exchange = this.#dequeue(); exchange !== undefined; exchange = this.#dequeue()) out.push(exchange);
    return out;
  }

  /** Gives queued requests to connections with room, opening connections as allowed. */
  #dispatch(): void {
    if (this.#closed || this.#peekLive() === undefined) return;
    const settings = this.#settings;
    if (settings === undefined) return this.#probe();
    let active = 0;
    for (const connection of this.#connections) active += connection.load;
    while (this.#peekLive() !== undefined && active < settings.maxConcurrent) {
      const connection = this.#pickConnection();
      if (connection === undefined) {
        if (!this.#openIfNeeded(settings)) return;
        continue;
      }
      const exchange = this.#dequeue() as FastCgiExchange;
      if (connection.start(exchange)) {
        active++;
      } else {
        // The pooled connection was found closing before anything was written: the request
        // goes back to the front of the queue and is given to another connection.
        exchange.unassign();
        this.#enqueue(exchange, true);
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
      if (connection.connecting) pendingRoom += connection.capacity;
    }
    if (open >= settings.maxConnections || pendingRoom >= this.#queued) return false;
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
    });
    connection = new ClientConnection(socket, this, settings.multiplex, settings.perConnection);
    this.#connections.add(connection);
  }

  /** A connect failed: with no other connection that could serve them, queued requests fail now. */
  #connectFailed(failure: ConnectFailure): void {
    for (const connection of this.#connections) if (!connection.finished) return void this.#dispatch();
    const err = connectError(failure, this.upstream);
    for (const exchange of this.#drainQueue()) exchange.fail(err);
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

/** RFC 9110 §9.2.2 methods, a missing method (CGI's default is a GET), or an Idempotency-Key header. */
function isIdempotent(pairs: PairArray): boolean {
  const method = paramValue(pairs, 'REQUEST_METHOD');
  if (method === undefined || IDEMPOTENT_METHODS.has(method)) return true;
  return paramValue(pairs, 'HTTP_IDEMPOTENCY_KEY') !== undefined || paramValue(pairs, 'HTTP_X_IDEMPOTENCY_KEY') !== undefined;
}

function resolveRole(role: FastCgiRoleOption | undefined): Role {
  if (role === undefined) return Role.RESPONDER;
  const value = typeof role === 'string' ? ROLE_BY_NAME[role] : role;
  if (value !== Role.RESPONDER && value !== Role.AUTHORIZER && value !== Role.FILTER) throw invalid(`unknown role ${String(role)}`);
  return value;
}

function checkBody(value: unknown, name: string): BodySource | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isBodySource(value)) throw invalid(`${name} must be a Uint8Array, a Readable or an (async) iterable of chunks`);
  return value;
}

function connectError(failure: ConnectFailure, upstream: FastCgiUpstream): FastCgiClientError {
  if (failure === 'timeout') return new FastCgiClientError(Code.CONNECT_TIMEOUT, `connecting to ${describeUpstream(upstream)} timed out`);
  return new FastCgiClientError(Code.CONNECT_FAILED, `cannot connect to ${describeUpstream(upstream)}: ${failure.message}`, { cause: failure });
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError('GW_ERR_INVALID_OPTION', `FastCGI client: ${message}`);
}
