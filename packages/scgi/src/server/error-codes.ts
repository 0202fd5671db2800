/**
 * Error codes of the SCGI application server. The decoder's `ScgiErrorCode`s are reported too
 * (through 'clientError'); these are the server's own. Stable: callers match on them.
 */
export const ScgiServerErrorCode = {
  /** The request netstring was not complete within `headersTimeout` (slowloris guard). 'clientError'. */
  HEADERS_TIMEOUT: 'SCGI_ERR_HEADERS_TIMEOUT',
  /** No body byte arrived for `bodyTimeout` while CONTENT_LENGTH was not reached. 'clientError'; the exchange is aborted. */
  BODY_TIMEOUT: 'SCGI_ERR_BODY_TIMEOUT',
  /** CONTENT_LENGTH exceeds `maxBodyBytes` (a LimitError). 'requestError'; answered 413, the handler never runs. */
  BODY_TOO_LARGE: 'SCGI_ERR_BODY_TOO_LARGE',
  /** The handler did not end its response within `handlerTimeout`. 'requestError'; exchange aborted, connection destroyed. */
  HANDLER_TIMEOUT: 'SCGI_ERR_HANDLER_TIMEOUT',
  /** The peer's address is not in `allowedPeers`. 'clientError'; closed on accept. */
  PEER_NOT_ALLOWED: 'SCGI_ERR_PEER_NOT_ALLOWED',
} as const;
export type ScgiServerErrorCode = (typeof ScgiServerErrorCode)[keyof typeof ScgiServerErrorCode];
