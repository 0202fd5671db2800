import { GatewayError } from '@gw/core';

/** Error codes of the proxy handler itself (upstream failures keep their client's codes). */
export const ProxyErrorCode = {
  /** The request path cannot be mapped: bad percent-encoding, a NUL, or `..` above the root (nginx: 400). */
  BAD_REQUEST_PATH: 'PROXY_ERR_BAD_REQUEST_PATH',
  /** A body without Content-Length (chunked) is larger than `maxBufferedBody` (413). */
  BODY_TOO_LARGE: 'PROXY_ERR_BODY_TOO_LARGE',
  /** The upstream answered with a 1xx status, which a CGI response cannot carry (502). */
  BAD_UPSTREAM_STATUS: 'PROXY_ERR_BAD_UPSTREAM_STATUS',
  /** The upstream body was shorter than its Content-Length (the client connection is cut). */
  UPSTREAM_BODY_TRUNCATED: 'PROXY_ERR_UPSTREAM_BODY_TRUNCATED',
  /** An upstream URL the proxy cannot parse (InvalidArgumentError). */
  INVALID_UPSTREAM: 'PROXY_ERR_INVALID_UPSTREAM',
} as const;
export type ProxyErrorCode = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode];

/** A failure the proxy detected itself, with the HTTP status it answers. */
export class ProxyError extends GatewayError {
  /** Status sent to the HTTP client. */
  readonly status: number;

  constructor(code: ProxyErrorCode, message: string, status: number, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.status = status;
  }
}
