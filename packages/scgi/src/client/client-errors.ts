import { GatewayError, type GatewayErrorDetails } from '@gw/core';

/**
 * Error codes of the SCGI client. Response-head errors (`CGI_ERR_*`) and encoder errors
 * (`SCGI_ERR_INVALID_HEADER`, `GW_ERR_NOT_LATIN1`) reach the caller unchanged.
 */
export const ScgiClientErrorCode = {
  /** The connection attempt failed (ECONNREFUSED, ENOENT…). Retryable: nothing was sent. */
  CONNECT_FAILED: 'SCGI_ERR_CONNECT_FAILED',
  /** The connection attempt did not complete within `timeouts.connect`. Retryable. */
  CONNECT_TIMEOUT: 'SCGI_ERR_CONNECT_TIMEOUT',
  /** No complete response head within `timeouts.firstByte` of the request. */
  FIRST_BYTE_TIMEOUT: 'SCGI_ERR_FIRST_BYTE_TIMEOUT',
  /** The app closed the connection before a complete response head (nginx: 502). */
  NO_RESPONSE_HEAD: 'SCGI_ERR_NO_RESPONSE_HEAD',
  /** The connection failed, or closed before the response's Content-Length bytes arrived. */
  CONNECTION_CLOSED: 'SCGI_ERR_CONNECTION_CLOSED',
  /** The caller's AbortSignal fired, or the response body was destroyed early. */
  ABORTED: 'SCGI_ERR_ABORTED',
  /** The request body source failed, or gave more or fewer bytes than CONTENT_LENGTH. */
  BODY_SOURCE_FAILED: 'SCGI_ERR_BODY_SOURCE_FAILED',
  /** A body stream of unknown length without CONTENT_LENGTH: SCGI needs the length first. */
  LENGTH_REQUIRED: 'SCGI_ERR_LENGTH_REQUIRED',
} as const;
export type ScgiClientErrorCode = (typeof ScgiClientErrorCode)[keyof typeof ScgiClientErrorCode];

/** Codes that mean "the upstream took too long" (a proxy answers 504 for these, 502 otherwise). */
export const SCGI_TIMEOUT_CODES: ReadonlySet<string> = new Set([ScgiClientErrorCode.CONNECT_TIMEOUT, ScgiClientErrorCode.FIRST_BYTE_TIMEOUT]);

/** A failure of one SCGI client request; `retryable` when the app certainly did not get it. */
export class ScgiClientError extends GatewayError {
  /** True when nothing reached the app: sending the request again is safe. */
  readonly retryable: boolean;

  constructor(code: string, message: string, details: GatewayErrorDetails & { retryable?: boolean } = {}) {
    super(code, message, details);
    this.retryable = details.retryable ?? (code === ScgiClientErrorCode.CONNECT_FAILED || code === ScgiClientErrorCode.CONNECT_TIMEOUT);
  }
}
