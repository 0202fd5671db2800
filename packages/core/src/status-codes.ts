import { STATUS_CODES } from 'node:http';

/**
 * Reason phrases for HTTP status codes.
 *
 * The table is node's documented `http.STATUS_CODES` (the IANA registry names node:http itself
 * sends), so a status without a reason gets the same text here as from a node:http server.
 */

/** Smallest status a CGI `Status:` field or an HTTP status line may carry (three digits, RFC 9110 §15). */
export const MIN_STATUS = 100;
/** Largest three-digit status. */
export const MAX_STATUS = 999;

/**
 * The reason phrase for `status`, e.g. `404` → `'Not Found'`; `''` for a code the table does not
 * list (RFC 9112 §4 allows an empty reason phrase).
 */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? '';
}

/** True when `status` is an integer from 100 to 999. */
export function isValidStatus(status: number): boolean {
  return Number.isInteger(status) && status >= MIN_STATUS && status <= MAX_STATUS;
}
