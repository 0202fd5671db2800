/**
 * SCGI wire constants (protocol.txt, N. Schemenauer, 2008-06-23) and the package's error codes.
 *
 * A request is a netstring `<decimal length> ":" <header block> ","` followed by exactly
 * CONTENT_LENGTH body bytes. The header block is `name NUL value NUL` repeated.
 */

/** `:` ends the netstring length. */
export const COLON = 0x3a;
/** `,` ends the netstring (protocol.txt: the comma is part of the netstring, not optional). */
export const COMMA = 0x2c;
/** NUL terminates every name and every value in the header block. */
export const NUL = 0x00;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;

/**
 * Most digits a netstring length may have. The largest `maxHeaderBytes` (16 MiB) has 8 digits, so a
 * real length never needs more; the cap only bites on a run of leading zeros, which lenient mode
 * otherwise accepts, and keeps a peer from streaming digits forever.
 */
export const MAX_LENGTH_DIGITS = 9;

/** Name of the mandatory first header (protocol.txt: "The first header must be CONTENT_LENGTH"). */
export const CONTENT_LENGTH = 'CONTENT_LENGTH';
/** Name of the protocol marker header (protocol.txt: a header "SCGI" with value "1" must be present). */
export const SCGI = 'SCGI';
/** The only SCGI protocol version there is. */
export const SCGI_VERSION = '1';

/** The same names as bytes, so the decoder can compare names without making strings. */
export const CONTENT_LENGTH_BYTES: Buffer = Buffer.from(CONTENT_LENGTH, 'latin1');
export const SCGI_BYTES: Buffer = Buffer.from(SCGI, 'latin1');

/** Every error code the SCGI codec reports or throws (see README.md and docs/errors.md). */
export const ScgiErrorCode = {
  /** The netstring length is empty, has a non-digit first, a leading zero (strict) or more than 9 digits. */
  BAD_LENGTH: 'SCGI_ERR_BAD_LENGTH',
  /** The netstring length exceeds `maxHeaderBytes` (a LimitError). */
  HEADERS_TOO_LARGE: 'SCGI_ERR_HEADERS_TOO_LARGE',
  /** A byte other than a digit or `:` follows the length digits. */
  EXPECTED_COLON: 'SCGI_ERR_EXPECTED_COLON',
  /** The byte after the header block is not `,`. */
  EXPECTED_COMMA: 'SCGI_ERR_EXPECTED_COMMA',
  /** A name or value is not NUL-terminated, a name has no value, or a name is empty. */
  MALFORMED_HEADERS: 'SCGI_ERR_MALFORMED_HEADERS',
  /** The header block is empty or its first header is not CONTENT_LENGTH. */
  MISSING_CONTENT_LENGTH: 'SCGI_ERR_MISSING_CONTENT_LENGTH',
  /** CONTENT_LENGTH is empty, not decimal digits, has a leading zero (strict) or exceeds 2^53-1. */
  BAD_CONTENT_LENGTH: 'SCGI_ERR_BAD_CONTENT_LENGTH',
  /** Strict mode: no `SCGI` header. */
  MISSING_SCGI: 'SCGI_ERR_MISSING_SCGI',
  /** An `SCGI` header whose value is not exactly `1`. */
  BAD_SCGI_VERSION: 'SCGI_ERR_BAD_SCGI_VERSION',
  /** Strict: a name repeats. Both modes: CONTENT_LENGTH repeats with a different value. */
  DUPLICATE_HEADER: 'SCGI_ERR_DUPLICATE_HEADER',
  /** `end()` inside the netstring (length, header block or comma). */
  INCOMPLETE_HEADERS: 'SCGI_ERR_INCOMPLETE_HEADERS',
  /** `end()` before CONTENT_LENGTH body bytes arrived. */
  INCOMPLETE_BODY: 'SCGI_ERR_INCOMPLETE_BODY',
  /** Encoder: an empty name, or a NUL in a name or value (InvalidArgumentError). */
  INVALID_HEADER: 'SCGI_ERR_INVALID_HEADER',
  /** Encoder: a content length that is not a safe non-negative integer or decimal digit string (InvalidArgumentError). */
  INVALID_CONTENT_LENGTH: 'SCGI_ERR_INVALID_CONTENT_LENGTH',
} as const;
export type ScgiErrorCode = (typeof ScgiErrorCode)[keyof typeof ScgiErrorCode];
