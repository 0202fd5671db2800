/**
 * Every error code the FastCGI codec reports. Stable: callers match on these, and docs/errors.md
 * lists each with its meaning and wire outcome.
 */
export const FastCgiErrorCode = {
  /** Record header version byte is not 1 (or, with `lenientVersion`, is 0). */
  UNSUPPORTED_VERSION: 'FCGI_ERR_UNSUPPORTED_VERSION',
  /** BEGIN_REQUEST, END_REQUEST or UNKNOWN_TYPE whose contentLength is not 8. */
  BAD_BODY_LENGTH: 'FCGI_ERR_BAD_BODY_LENGTH',
  /** A management type on a non-zero request id, or an application type on id 0. */
  BAD_REQUEST_ID: 'FCGI_ERR_BAD_REQUEST_ID',
  /** The PARAMS stream of one request would exceed `maxParamsBytes`. */
  PARAMS_TOO_LARGE: 'FCGI_ERR_PARAMS_TOO_LARGE',
  /** More name-value pairs than `maxParamsPairs` in one PARAMS stream or GET_VALUES body. */
  TOO_MANY_PARAMS: 'FCGI_ERR_TOO_MANY_PARAMS',
  /** A name longer than `maxNameLength`. */
  NAME_TOO_LONG: 'FCGI_ERR_NAME_TOO_LONG',
  /** A value longer than `maxValueLength`. */
  VALUE_TOO_LONG: 'FCGI_ERR_VALUE_TOO_LONG',
  /** A PARAMS stream or a GET_VALUES(_RESULT) body ends inside a name-value pair. */
  TRUNCATED_PAIR: 'FCGI_ERR_TRUNCATED_PAIR',
  /** More PARAMS streams in progress at once than `maxOpenParamsStreams`. */
  TOO_MANY_PARAMS_STREAMS: 'FCGI_ERR_TOO_MANY_PARAMS_STREAMS',
  /** The byte stream ended inside a record. */
  TRUNCATED_RECORD: 'FCGI_ERR_TRUNCATED_RECORD',
  /** Encoder: one name-value pair does not fit in a single record (php-fpm cannot take split pairs). */
  PAIR_TOO_LARGE: 'FCGI_ERR_PAIR_TOO_LARGE',
  /** Encoder: a request id outside 1..65535, a type outside 0..255, or a similar bad argument. */
  INVALID_ARGUMENT: 'FCGI_ERR_INVALID_ARGUMENT',
} as const;
export type FastCgiErrorCode = (typeof FastCgiErrorCode)[keyof typeof FastCgiErrorCode];

/** Errors of the application server's connections (the record decoder's codes apply too). */
export const FastCgiServerErrorCode = {
  /** BEGIN_REQUEST for a request id that is still active (spec leaves it undefined; Go closes too). */
  DUPLICATE_REQUEST_ID: 'FCGI_ERR_DUPLICATE_REQUEST_ID',
  /** A record the application side never receives (STDOUT, STDERR, END_REQUEST, …) or STDIN before PARAMS ended. */
  UNEXPECTED_RECORD: 'FCGI_ERR_UNEXPECTED_RECORD',
  /** PARAMS did not complete within `paramsTimeout`. */
  PARAMS_TIMEOUT: 'FCGI_ERR_PARAMS_TIMEOUT',
  /** The request body exceeded `maxBodyBytes`. */
  BODY_TOO_LARGE: 'FCGI_ERR_BODY_TOO_LARGE',
  /** The handler did not finish within `handlerTimeout`. */
  HANDLER_TIMEOUT: 'FCGI_ERR_HANDLER_TIMEOUT',
  /** The peer's address is not in the allowlist. */
  PEER_NOT_ALLOWED: 'FCGI_ERR_PEER_NOT_ALLOWED',
} as const;
