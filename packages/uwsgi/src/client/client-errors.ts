import { GatewayError, type GatewayErrorDetails } from '@gw/core';

/**
 * Error codes of the uwsgi client. Response-head errors (`CGI_ERR_*`) and encoder errors
 * (`UWSGI_ERR_VARS_TOO_LARGE`, `UWSGI_ERR_EMPTY_KEY`, `GW_ERR_NOT_LATIN1`) reach the caller unchanged.
 */
export const UwsgiClientErrorCode = {
  /** The connection attempt failed (ECONNREFUSED, ENOENT…). Retryable: nothing was sent. */
  CONNECT_FAILED: 'UWSGI_ERR_CONNECT_FAILED',
  /** The connection attempt did not complete within `timeouts.connect`. Retryable. */
  CONNECT_TIMEOUT: 'UWSGI_ERR_CONNECT_TIMEOUT',
  /** No complete response head within `timeouts.firstByte` of the request. */
  FIRST_BYTE_TIMEOUT: 'UWSGI_ERR_FIRST_BYTE_TIMEOUT',
  /**
   * The app closed the connection before a complete response head (nginx: 502). uWSGI does this
   * for a vars block over its `buffer-size` (4096 by default) and for an unknown modifier1.
   */
  NO_RESPONSE_HEAD: 'UWSGI_ERR_NO_RESPONSE_HEAD',
  /** The connection failed, or closed before the response's Content-Length bytes arrived. */
  CONNECTION_CLOSED: 'UWSGI_ERR_CONNECTION_CLOSED',
  /** The caller's AbortSignal fired, or the response body was destroyed early. */
  ABORTED: 'UWSGI_ERR_ABORTED',
  /** The request body source failed, or gave more or fewer bytes than CONTENT_LENGTH. */
  BODY_SOURCE_FAILED: 'UWSGI_ERR_BODY_SOURCE_FAILED',
  /** A body stream of unknown length without CONTENT_LENGTH: uWSGI reads exactly CONTENT_LENGTH bytes. */
  LENGTH_REQUIRED: 'UWSGI_ERR_LENGTH_REQUIRED',
} as const;
export type UwsgiClientErrorCode = (typeof UwsgiClientErrorCode)[keyof typeof UwsgiClientErrorCode];

/** Codes that mean "the upstream took too long" (a proxy answers 504 for these, 502 otherwise). */
export const UWSGI_TIMEOUT_CODES: ReadonlySet<string> = new Set([UwsgiClientErrorCode.CONNECT_TIMEOUT, UwsgiClientErrorCode.FIRST_BYTE_TIMEOUT]);

/** A failure of one uwsgi client request; `retryable` when the app certainly did not get it. */
export class UwsgiClientError extends GatewayError {
  /** True when nothing reached the app: sending the request again is safe. */
  readonly retryable: boolean;

  constructor(code: string, message: string, details: GatewayErrorDetails & { retryable?: boolean } = {}) {
    super(code, message, details);
    this.retryable = details.retryable ?? (code === UwsgiClientErrorCode.CONNECT_FAILED || code === UwsgiClientErrorCode.CONNECT_TIMEOUT);
  }
}
