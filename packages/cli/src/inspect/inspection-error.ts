import { isGatewayError } from '@gw/core';

/** The `error` member of an inspection: why decoding stopped and where. */
export interface InspectionError {
  /** The decoder's error code, e.g. `FCGI_ERR_UNSUPPORTED_VERSION`. */
  code: string;
  /** Absolute byte offset in the input at which the problem was found, or null if unknown. */
  offset: number | null;
  /** Human-readable explanation (for people; match on `code`). */
  message: string;
}

/**
 * Turns a decoder's error into its JSON form. Decoders report `GatewayError`s; anything else is a
 * bug somewhere, and it is shown with the code `GW_ERR_INTERNAL` instead of being swallowed.
 */
export function toInspectionError(err: unknown): InspectionError {
  if (isGatewayError(err)) return { code: err.code, offset: err.offset ?? null, message: err.message };
  return { code: 'GW_ERR_INTERNAL', offset: null, message: err instanceof Error ? err.message : String(err) };
}
