import type { StreamUpstream } from '@gw/core';
import { InvalidArgumentError, type LimitSpecs, type Limits, resolveLimits } from '@gw/core';
import { MAX_REQUEST_ID } from '../constants.js';

/** Where the application listens: TCP (`host` defaults to 127.0.0.1) or a unix socket path. */
export type FastCgiUpstream = StreamUpstream;

/** Timeouts of a FastCGI client, in milliseconds; 0 disables one. */
export interface FastCgiClientTimeouts {
  /** Time to establish a connection. @defaultValue 10000 */
  connect?: number;
  /**
   * Time from `request()` to the complete response head: queueing, connecting, sending the body and
   * the app's work until its first STDOUT bytes (nginx `fastcgi_read_timeout` is 60 s). @defaultValue 60000
   */
  firstByte?: number;
  /** Time a pooled connection may sit idle before the client closes it. @defaultValue 30000 */
  idle?: number;
  /**
   * Time to wait for the GET_VALUES answer before using the defaults (uWSGI's FastCGI socket never
   * answers; pass `probe: false` for it). @defaultValue 1000
   */
  probe?: number;
  /**
   * Multiplexed connections only: time to wait for END_REQUEST after ABORT_REQUEST before the
   * connection takes no new requests (it closes once its other requests are done). @defaultValue 10000
   */
  abort?: number;
}

/** Pool, protocol and buffering settings of a FastCGI client. Every one has a default. */
export interface FastCgiClientSettings {
  /**
   * Run several requests at once on one connection. Default: what the app answered for
   * FCGI_MPXS_CONNS in the GET_VALUES probe, else false (php-fpm, libfcgi and uWSGI answer 0 or
   * nothing).
   */
  multiplex?: boolean;
  /**
   * Ask the app for FCGI_MAX_CONNS / FCGI_MAX_REQS / FCGI_MPXS_CONNS on a throw-away connection
   * before the first request (php-fpm answers then closes that connection). Skipped when
   * `multiplex` is set. @defaultValue true
   */
  probe?: boolean;
  /**
   * Most connections open at once. Default: the app's FCGI_MAX_CONNS, at most 4. With php-fpm keep
   * this ≤ `pm.max_children`: each worker serves one kept-alive connection until it is closed, so
   * connections beyond the worker count wait in the listen backlog.
   */
  maxConnections?: number;
  /** Requests in progress at once on one multiplexed connection (1..65535). @defaultValue 128 */
  maxRequestsPerConnection?: number;
  /** Requests in progress at once over the whole pool. Default: the app's FCGI_MAX_REQS, else no limit. */
  maxConcurrentRequests?: number;
  /** Requests that may wait for a free connection; one more fails with FCGI_ERR_QUEUE_FULL. @defaultValue 1024 */
  maxQueue?: number;
  /** Requests a connection serves before the client retires it (closes it when idle). @defaultValue Infinity */
  maxConnectionUses?: number;
  /** Response body bytes buffered for a request whose body is not read before the socket is paused. @defaultValue 65536 */
  responseHighWaterMark?: number;
  /** STDERR bytes buffered for a request whose `stderr` stream is not read; beyond it STDERR is dropped. @defaultValue 1048576 */
  maxStderrBuffer?: number;
  /** Largest response head (status, headers, blank line). @defaultValue 65536 */
  maxHeadBytes?: number;
  /**
   * Bytes of a streamed request body kept until the app starts answering, so that the request can
   * be resent when the app closes the kept-alive connection under it (php-fpm recycling a worker).
   * A longer body cannot be resent. @defaultValue 262144
   */
  maxReplayBytes?: number;
  /** Timeouts in ms. */
  timeouts?: FastCgiClientTimeouts;
}

/** Options of `createClient`: where the app listens plus the settings. */
export type FastCgiClientOptions = FastCgiClientSettings & FastCgiUpstream;

type LimitName =
  | 'maxRequestsPerConnection'
  | 'maxQueue'
  | 'maxConnectionUses'
  | 'responseHighWaterMark'
  | 'maxStderrBuffer'
  | 'maxHeadBytes'
  | 'maxReplayBytes'
  | 'connectTimeout'
  | 'firstByteTimeout'
  | 'idleTimeout'
  | 'probeTimeout'
  | 'abortTimeout';

const INT32 = 0x7fffffff;

const CLIENT_LIMITS: LimitSpecs<LimitName> = {
  // Request ids are u16 (spec §3.3), so one connection carries at most 65535 requests at once.
  maxRequestsPerConnection: { default: 128, min: 1, max: MAX_REQUEST_ID },
  maxQueue: { default: 1024, min: 0, max: INT32 },
  maxConnectionUses: { default: Number.POSITIVE_INFINITY, min: 1, max: Number.POSITIVE_INFINITY },
  responseHighWaterMark: { default: 65536, min: 1, max: INT32 },
  maxStderrBuffer: { default: 1024 * 1024, min: 0, max: INT32 },
  maxHeadBytes: { default: 65536, min: 1, max: 16 * 1024 * 1024 },
  maxReplayBytes: { default: 256 * 1024, min: 0, max: INT32 },
  connectTimeout: { default: 10_000, min: 0, max: INT32 },
  firstByteTimeout: { default: 60_000, min: 0, max: INT32 },
  idleTimeout: { default: 30_000, min: 0, max: INT32 },
  probeTimeout: { default: 1_000, min: 1, max: INT32 },
  abortTimeout: { default: 10_000, min: 1, max: INT32 },
};

/** The client's resolved numeric settings. */
export type ClientLimits = Limits<LimitName>;

/** Settings that depend on what the app says in GET_VALUES: undefined = not set by the caller. */
export interface PoolOverrides {
  multiplex: boolean | undefined;
  maxConnections: number | undefined;
  maxConcurrentRequests: number | undefined;
}

/** Default pool size when neither the caller nor the app says otherwise. */
export const DEFAULT_MAX_CONNECTIONS = 4;

/** Validated options. */
export interface ResolvedClientOptions {
  upstream: FastCgiUpstream;
  limits: ClientLimits;
  overrides: PoolOverrides;
  probe: boolean;
}

/**
 * Validates `createClient` options and fills in defaults.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a missing upstream or a value out of range
 */
export function resolveClientOptions(options: FastCgiClientOptions): ResolvedClientOptions {
  const upstream = resolveUpstream(options);
  const t = options.timeouts ?? {};
  const limits = resolveLimits(
    CLIENT_LIMITS,
    {
      maxRequestsPerConnection: options.maxRequestsPerConnection,
      maxQueue: options.maxQueue,
      maxConnectionUses: options.maxConnectionUses,
      responseHighWaterMark: options.responseHighWaterMark,
      maxStderrBuffer: options.maxStderrBuffer,
      maxHeadBytes: options.maxHeadBytes,
      maxReplayBytes: options.maxReplayBytes,
      connectTimeout: t.connect,
      firstByteTimeout: t.firstByte,
      idleTimeout: t.idle,
      probeTimeout: t.probe,
      abortTimeout: t.abort,
    },
    'FastCGI client',
  );
  const pool = resolveLimits(
    { maxConnections: { default: 0, min: 1, max: INT32 }, maxConcurrentRequests: { default: 0, min: 1, max: Number.POSITIVE_INFINITY } },
    { maxConnections: options.maxConnections, maxConcurrentRequests: options.maxConcurrentRequests },
    'FastCGI client',
  );
  if (options.multiplex !== undefined && typeof options.multiplex !== 'boolean') throw invalid('multiplex must be a boolean');
  return {
    upstream,
    limits,
    overrides: {
      multiplex: options.multiplex,
      maxConnections: options.maxConnections === undefined ? undefined : pool.maxConnections,
      maxConcurrentRequests: options.maxConcurrentRequests === undefined ? undefined : pool.maxConcurrentRequests,
    },
    probe: options.probe !== false && options.multiplex === undefined,
  };
}

function resolveUpstream(options: FastCgiUpstream): FastCgiUpstream {
  if (typeof options.path === 'string') {
    if (options.path === '') throw invalid('path must not be empty');
    return { path: options.path };
  }
  const port = options.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid('needs { path } (unix socket) or { host?, port } with a port from 1 to 65535');
  }
  return { host: options.host ?? '127.0.0.1', port };
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError('GW_ERR_INVALID_OPTION', `FastCGI client: ${message}`);
}
