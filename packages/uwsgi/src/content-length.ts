/** Parsing the CONTENT_LENGTH var, which is the only thing that says where a uwsgi body ends. */

const DIGIT_0 = 0x30;

/** The var name, as bytes, compared without making a string. */
const CONTENT_LENGTH_NAME = Buffer.from('CONTENT_LENGTH', 'latin1');

/** True when `buf[at, at + 14)` spells CONTENT_LENGTH (CGI names are case-sensitive). */
export function isContentLengthName(buf: Uint8Array, at: number, length: number): boolean {
  if (length !== CONTENT_LENGTH_NAME.length) return false;
  for (let i = 0; i < length; i++) if (buf[at + i] !== CONTENT_LENGTH_NAME[i]) return false;
  return true;
}

/**
 * Parses the CONTENT_LENGTH value in `buf[start, end)` as a decimal byte count.
 *
 * - `""` is 0: nginx's uwsgi_params sends `CONTENT_LENGTH $content_length`, which is empty for a
 *   request without a body.
 * - Only ASCII digits are accepted (RFC 3875 §4.1.2: `1*digit`); uWSGI's `uwsgi_str_num` would
 *   silently read "12abc" as 12, which would let body bytes be misread as the next request.
 *   Leading zeros are digits and are accepted.
 * - Values above Number.MAX_SAFE_INTEGER are rejected so the body counter stays exact.
 *
 * @returns the length, or -1 when the value is not acceptable.
 */
export function parseContentLength(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = (buf[i] as number) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
    // Checked per digit, so the loop stops long before n loses precision.
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}
