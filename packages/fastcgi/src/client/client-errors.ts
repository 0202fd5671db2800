import { GatewayError, type GatewayErrorDetails } from '@gw/core';

/**
 * Error codes of the FastCGI client (web-server side). Stable: callers and tests match on these.
 * Codec errors (`FCGI_ERR_UNSUPPORTED_VERSION`, …) and response-head errors (`CGI_ERR_*`) reach
 * the caller unchanged.
 */
export const FastCgiClientErrorCode = {
  /** END_REQUEST{OVERLOADED}: the app refused the request before running it. Retryable. */
  OVERLOADED: 'FCGI_ERR_OVERLOADED',
  /** END_REQUEST{CANT_MPX_CONN}: the app refused a second request on the connection. Retryable. */
  CANT_MPX_CONN: 'FCGI_ERR_CANT_MPX_CONN',
  /** END_REQUEST{UNKNOWN_ROLE}: the app does not serve the requested role. */
  UNKNOWN_ROLE: 'FCGI_ERR_UNKNOWN_ROLE',
  /** END_REQUEST, or the empty STDOUT, before the response head was complete (nginx: 502). */
  NO_RESPONSE_HEAD: 'FCGI_ERR_NO_RESPONSE_HEAD',
  /** The upstream refused or failed the connection attempt (ECONNREFUSED, ENOENT…). Retryable. */
  CONNECT_FAILED: 'FCGI_ERR_CONNECT_FAILED',
  /** The connection attempt did not complete within `timeouts.connect`. Retryable. */
  CONNECT_TIMEOUT: 'FCGI_ERR_CONNECT_TIMEOUT',
  /** No complete response head within `timeouts.firstByte` of the request being submitted. */
  FIRST_BYTE_TIMEOUT: 'FCGI_ERR_FIRST_BYTE_TIMEOUT',
  /**
   * The connection closed or failed while the request was in progress. `retryable` is true only
   * when the connection had served earlier requests and not one byte of this request's response
   * arrived (a kept-alive connection the app closed as the request went out: php-fpm after
   * `pm.max_requests`).
   */
  CONNECTION_CLOSED: 'FCGI_ERR_CONNECTION_CLOSED',
  /** The wait queue already holds `maxQueue` requests. Retryable. */
  QUEUE_FULL: 'FCGI_ERR_QUEUE_FULL',
  /** The caller's AbortSignal fired (the signal's reason is the `cause`). */
  ABORTED: 'FCGI_ERR_ABORTED',
  /** `client.close()` was called: queued and new requests fail with this. */
  CLIENT_CLOSED: 'FCGI_ERR_CLIENT_CLOSED',
  /** The app sent a record a web server never receives (BEGIN_REQUEST, PARAMS, STDIN…), or one for a request id not in progress. */
  UNEXPECTED_RECORD: 'FCGI_ERR_UNEXPECTED_RECORD',
  /** The request body source failed (its error is the `cause`). */
  BODY_SOURCE_FAILED: 'FCGI_ERR_BODY_SOURCE_FAILED',
} as const;
export type FastCgiClientErrorCode = (typeof FastCgiClientErrorCode)[keyof typeof FastCgiClientErrorCode];

const RETRYABLE: ReadonlySet<string> = new Set([
  FastCgiClientErrorCode.OVERLOADED,
  FastCgiClientErrorCode.CANT_MPX_CONN,
  FastCgiClientErrorCode.CONNECT_FAILED,
  FastCgiClientErrorCode.CONNECT_TIMEOUT,
  FastCgiClientErrorCode.QUEUE_FULL,
]);

/** Codes that mean "the upstream took too long" (a proxy answers 504 for these, 502 otherwise). */
export const FASTCGI_TIMEOUT_CODES: ReadonlySet<string> = new Set([FastCgiClientErrorCode.CONNECT_TIMEOUT, FastCgiClientErrorCode.FIRST_BYTE_TIMEOUT]);

/**
 * A failure of one FastCGI client request. `retryable` says whether the request was certainly not
 * run by the application, so that sending it again (on another connection, later) is safe.
 */
export class FastCgiClientError extends GatewayError {
  /** True when the app did not run the request: it may be sent again. */
  readonly retryable: boolean;

  constructor(code: FastCgiClientErrorCode, message: string, details: GatewayErrorDetails & { retryable?: boolean } = {}) {
    super(code, message, details);
    this.retryable = details.retryable ?? RETRYABLE.has(code);
  }
  // `instanceof` needs no override: GatewayError's brand check matches on the class name.
}
