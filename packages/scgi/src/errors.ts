import { LimitError, ProtocolError } from '@gw/core';
import { ScgiErrorCode } from './constants.js';

/** A ProtocolError for bad SCGI input found at absolute stream offset `offset`. */
export function scgiProtocolError(code: ScgiErrorCode, offset: number, message: string): ProtocolError {
  return new ProtocolError(code, `SCGI: ${message} (at byte ${offset})`, { offset });
}

/** The LimitError for a netstring length above `maxHeaderBytes`. */
export function headersTooLarge(offset: number, maxHeaderBytes: number): LimitError {
  return new LimitError(
    ScgiErrorCode.HEADERS_TOO_LARGE,
    `SCGI: header netstring longer than maxHeaderBytes=${maxHeaderBytes} (at byte ${offset})`,
    { offset, limit: 'maxHeaderBytes', limitValue: maxHeaderBytes },
  );
}
