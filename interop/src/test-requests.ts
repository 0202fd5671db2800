import { randomBytes } from 'node:crypto';

/** Sizes the body tests use: empty, tiny, larger than one FastCGI record and nginx's 16 KiB memory buffer, large. */
export const BODY_SIZES = { empty: 0, tiny: 5, medium: 200 * 1024, large: 10 * 1024 * 1024 } as const;

/** Random bytes (an upload nobody could guess the digest of). */
export function randomBody(length: number): Buffer {
  return randomBytes(length);
}

/**
 * `count` request headers (default 60), one of them a `Cookie` of `cookieBytes` (default 6 KiB):
 * together about 12 KiB of CGI variables, past one 8 KiB record but within every peer's limits.
 */
export function manyHeaders(count = 60, cookieBytes = 6 * 1024): Record<string, string> {
  const headers: Record<string, string> = {};
  // Many small cookies, then one that pads the header value to exactly `cookieBytes`.
  let cookie = '';
  for (let i = 0; cookie.length < cookieBytes - 100; i++) cookie += `c${i}=${'v'.repeat(40)}; `;
  headers.Cookie = `${cookie}last=${'z'.repeat(Math.max(1, cookieBytes - cookie.length - 5))}`;
  for (let i = 1; i < count; i++) headers[`X-Gw-Header-${String(i).padStart(2, '0')}`] = `value-${i}-${'x'.repeat(i)}`;
  return headers;
}
