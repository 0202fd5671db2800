import { LimitError, ProtocolError } from '@gw/core';

/** Every error code the uwsgi codec reports (listed with their meaning in the package README). */
export const UwsgiErrorCode = {
  /** datasize (decoder) or the encoded vars (encoder) is larger than allowed. */
  VARS_TOO_LARGE: 'UWSGI_ERR_VARS_TOO_LARGE',
  /** More pairs than `maxVars`. */
  TOO_MANY_VARS: 'UWSGI_ERR_TOO_MANY_VARS',
  /** A pair with a zero-length key. */
  EMPTY_KEY: 'UWSGI_ERR_EMPTY_KEY',
  /** A key or value length runs past the end of the vars block. */
  VARS_OVERRUN: 'UWSGI_ERR_VARS_OVERRUN',
  /** 1–3 bytes left at the end of the vars block: too few for a pair. */
  TRAILING_BYTES: 'UWSGI_ERR_TRAILING_BYTES',
  /** CONTENT_LENGTH is not a decimal number of at most 2^53-1. */
  BAD_CONTENT_LENGTH: 'UWSGI_ERR_BAD_CONTENT_LENGTH',
  /** The stream ended inside the header or the vars block. */
  INCOMPLETE_VARS: 'UWSGI_ERR_INCOMPLETE_VARS',
  /** The stream ended before CONTENT_LENGTH body bytes arrived. */
  INCOMPLETE_BODY: 'UWSGI_ERR_INCOMPLETE_BODY',
} as const;
export type UwsgiErrorCode = (typeof UwsgiErrorCode)[keyof typeof UwsgiErrorCode];

/** Codes a vars-block scan can fail with (the structural ones plus the pair-count limit). */
export type VarsFaultCode =
  | typeof UwsgiErrorCode.TOO_MANY_VARS
  | typeof UwsgiErrorCode.EMPTY_KEY
  | typeof UwsgiErrorCode.VARS_OVERRUN
  | typeof UwsgiErrorCode.TRAILING_BYTES;

const messages: Record<UwsgiErrorCode, string> = {
  UWSGI_ERR_VARS_TOO_LARGE: 'uwsgi vars block is larger than maxVarsBytes',
  UWSGI_ERR_TOO_MANY_VARS: 'uwsgi vars block has more pairs than maxVars',
  UWSGI_ERR_EMPTY_KEY: 'uwsgi var with an empty key',
  UWSGI_ERR_VARS_OVERRUN: 'uwsgi key or value length runs past the end of the vars block',
  UWSGI_ERR_TRAILING_BYTES: 'uwsgi vars block ends with a fragment too short for a pair',
  UWSGI_ERR_BAD_CONTENT_LENGTH: 'uwsgi CONTENT_LENGTH is not a decimal byte count',
  UWSGI_ERR_INCOMPLETE_VARS: 'stream ended before the uwsgi vars block was complete',
  UWSGI_ERR_INCOMPLETE_BODY: 'stream ended before CONTENT_LENGTH body bytes arrived',
};

/** The decoder limits an error message can refer to. */
export interface DecoderLimitValues {
  readonly maxVarsBytes: number;
  readonly maxVars: number;
}

/**
 * Builds the error a decoder reports: a LimitError for the two limits, a ProtocolError otherwise.
 * `offset` is absolute (bytes pushed before the offending byte).
 */
export function createDecodeError(code: UwsgiErrorCode, offset: number, limits: DecoderLimitValues, detail = ''): ProtocolError | LimitError {
  const message = `${messages[code]}${detail === '' ? '' : ` (${detail})`} at byte ${offset}`;
  if (code === UwsgiErrorCode.VARS_TOO_LARGE) {
    return new LimitError(code, message, { offset, limit: 'maxVarsBytes', limitValue: limits.maxVarsBytes });
  }
  if (code === UwsgiErrorCode.TOO_MANY_VARS) {
    return new LimitError(code, message, { offset, limit: 'maxVars', limitValue: limits.maxVars });
  }
  return new ProtocolError(code, message, { offset });
}
