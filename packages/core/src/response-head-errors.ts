/**
 * Every error code of the CGI / HTTP response-head codec. Stable: callers and tests match on these;
 * docs/errors.md lists each with its meaning and what the connection does next.
 */
export const CgiErrorCode = {
  /** Decoder: the stream ended (`end()`) before the blank line that closes the head. nginx: 502. */
  INCOMPLETE_HEAD: 'CGI_ERR_INCOMPLETE_HEAD',
  /** Decoder: more than `maxHeadBytes` arrived without a blank line (LimitError). */
  HEAD_TOO_LARGE: 'CGI_ERR_HEAD_TOO_LARGE',
  /** Decoder: the head is empty (its first line is blank), so there is no header at all. */
  MALFORMED_HEAD: 'CGI_ERR_MALFORMED_HEAD',
  /** Decoder: a header line without a colon, with a name that is not a token, or with NUL / bare CR in its value. */
  MALFORMED_HEADER: 'CGI_ERR_MALFORMED_HEADER',
  /** Decoder: a `Status:` value that does not start with three digits from 100 to 999. */
  BAD_STATUS: 'CGI_ERR_BAD_STATUS',
  /** Decoder: a second `Status:` field in a CGI head. */
  DUPLICATE_STATUS: 'CGI_ERR_DUPLICATE_STATUS',
  /** Decoder: a first line that should be an HTTP status line (`HTTP/d.d NNN reason`) and is not. */
  BAD_STATUS_LINE: 'CGI_ERR_BAD_STATUS_LINE',
  /** Decoder: `push()` after the head was returned (InvalidArgumentError: caller bug). */
  HEAD_ALREADY_DECODED: 'CGI_ERR_HEAD_ALREADY_DECODED',
  /** Encoder: a header name that is not a token, or a name/value containing CR, LF or NUL (InvalidArgumentError). */
  INVALID_HEADER: 'CGI_ERR_INVALID_HEADER',
  /** Encoder: a status outside 100..999, or a status text containing CR, LF or NUL (InvalidArgumentError). */
  INVALID_STATUS: 'CGI_ERR_INVALID_STATUS',
  /** Encoder: an HTTP version other than `d` or `d.d` (InvalidArgumentError). */
  INVALID_HTTP_VERSION: 'CGI_ERR_INVALID_HTTP_VERSION',
} as const;
export type CgiErrorCode = (typeof CgiErrorCode)[keyof typeof CgiErrorCode];
