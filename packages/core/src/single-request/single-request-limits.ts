// Shared by the SCGI and uwsgi application servers (one request per connection).
import { type LimitSpecs, type Limits, resolveLimits } from '../limits.js';

/**
 * Limits and timeouts of a server that carries one request per connection (SCGI, uwsgi). Every
 * one has a default that is safe for a server reachable by untrusted peers. Timeouts are in
 * milliseconds; 0 turns a timeout off.
 */
export interface SingleRequestServerLimits {
  /** Most connections open at once; more are closed on accept (`net.Server#maxConnections`). Default 1024. */
  maxConnections?: number;
  /**
   * Largest request body (CONTENT_LENGTH) served. A larger declared body is refused before the
   * handler runs: 'requestError' `*_ERR_BODY_TOO_LARGE` and a 413 answer. Default 64 MiB.
   */
  maxBodyBytes?: number;
  /**
   * Time from accepting the connection to a complete request head (SCGI netstring, uwsgi header
   * and vars block): the slowloris guard. Default 30000.
   */
  headersTimeout?: number;
  /**
   * Longest silence while body bytes are still expected (not counted while the handler holds the
   * body back): the guard against a peer that stalls mid-body. Default 60000.
   */
  bodyTimeout?: number;
  /** Time a handler may take from dispatch to the end of its response. Default 0 (no limit). */
  handlerTimeout?: number;
  /**
   * Time to wait for the peer to close after the response was sent and the connection
   * half-closed (input is read and dropped meanwhile). Default 5000.
   */
  closeTimeout?: number;
  /**
   * After `close()`: how long a connection that has not sent a byte yet still has to start its
   * request. A web server connects to send a request, so its bytes may be in flight or not read
   * yet: they are served if they come in time; otherwise the connection is answered 503 and
   * closed (a port probe). Default 1000; 0 answers 503 at once.
   */
  requestGraceTimeout?: number;
  /**
   * Body bytes an adapter may buffer for a handler that is not reading before it asks the server
   * to stop reading the socket. The server only carries this value for the adapter (the adapter's
   * `pushBody` decides); while paused, at most one more socket read (≤ 64 KiB) is held. Default 65536.
   */
  bodyHighWaterMark?: number;
  /** Response bytes queued in the socket before `write()` reports backpressure. Default 65536. */
  outputHighWaterMark?: number;
}

type LimitName = keyof SingleRequestServerLimits;

const MAX_TIMER = 0x7fffffff; // setTimeout's largest delay

/** Default, minimum and maximum of each server limit. */
export const SINGLE_REQUEST_SERVER_LIMITS: LimitSpecs<LimitName> = {
  maxConnections: { default: 1024, min: 1, max: 0x7fffffff },
  maxBodyBytes: { default: 64 * 1024 * 1024, min: 0, max: Number.POSITIVE_INFINITY },
  headersTimeout: { default: 30_000, min: 0, max: MAX_TIMER },
  bodyTimeout: { default: 60_000, min: 0, max: MAX_TIMER },
  handlerTimeout: { default: 0, min: 0, max: MAX_TIMER },
  closeTimeout: { default: 5_000, min: 0, max: MAX_TIMER },
  requestGraceTimeout: { default: 1_000, min: 0, max: MAX_TIMER },
  bodyHighWaterMark: { default: 65536, min: 1, max: 0x7fffffff },
  outputHighWaterMark: { default: 65536, min: 1, max: 0x7fffffff },
};

/** Server limits with defaults applied. */
export type SingleRequestLimits = Limits<LimitName>;

/**
 * Applies defaults and validates server limits.
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a value out of range.
 */
export function resolveServerLimits(options: SingleRequestServerLimits | undefined, owner: string): SingleRequestLimits {
  return resolveLimits(SINGLE_REQUEST_SERVER_LIMITS, options, owner);
}
