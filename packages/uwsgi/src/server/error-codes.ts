/**
 * Error codes of the uwsgi application server. The decoder's `UwsgiErrorCode`s are reported too
 * (through 'clientError'); these are the server's own. Stable: callers match on them.
 */
export const UwsgiServerErrorCode = {
  /** The 4-byte header and vars block were not complete within `headersTimeout` (slowloris guard). 'clientError'. */
  HEADERS_TIMEOUT: 'UWSGI_ERR_HEADERS_TIMEOUT',
  /** No body byte arrived for `bodyTimeout` while CONTENT_LENGTH was not reached. 'clientError'; the exchange is aborted. */
  BODY_TIMEOUT: 'UWSGI_ERR_BODY_TIMEOUT',
  /** CONTENT_LENGTH exceeds `maxBodyBytes` (a LimitError). 'requestError'; answered 413, the handler never runs. */
  BODY_TOO_LARGE: 'UWSGI_ERR_BODY_TOO_LARGE',
  /** The handler did not end its response within `handlerTimeout`. 'requestError'; exchange aborted, connection reset. */
  HANDLER_TIMEOUT: 'UWSGI_ERR_HANDLER_TIMEOUT',
  /** The peer's address is not in `allowedPeers`. 'clientError'; closed on accept. */
  PEER_NOT_ALLOWED: 'UWSGI_ERR_PEER_NOT_ALLOWED',
  /**
   * The modifier policy refused the packet's modifier1 (default: anything but 0 and 30).
   * 'clientError'; the connection is closed without an answer, as uWSGI does.
   */
  UNSUPPORTED_MODIFIER: 'UWSGI_ERR_UNSUPPORTED_MODIFIER',
} as const;
export type UwsgiServerErrorCode = (typeof UwsgiServerErrorCode)[keyof typeof UwsgiServerErrorCode];
