import type { ServerResponse } from 'node:http';

/**
 * Header fields that describe one connection, not the message (RFC 9110 §7.6.1): a gateway must
 * not forward them. node:http frames the client response itself (Content-Length or chunked).
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const DECIMAL_LENGTH = /^[0-9]{1,15}$/;

/**
 * Copies an upstream response head onto `res` and sends it: status and reason, then every header
 * except hop-by-hop ones (and those a `Connection` header names). Repeated fields stay separate
 * lines (each Set-Cookie on its own). Upstream headers replace ones set on `res` before (Express's
 * X-Powered-By, say). Returns the upstream Content-Length when it is a plain decimal (an invalid
 * one is dropped).
 *
 * When nothing was set on `res` before (a plain `gw proxy`), the head goes out with one
 * `writeHead(status, reason, [name, value, …])`: node then builds the head straight from the
 * array, with no per-header setHeader.
 */
export function writeResponseHead(res: ServerResponse, status: number, statusText: string, headers: readonly [string, string][]): number | undefined {
  let dropped: Set<string> | undefined;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i] as [string, string];
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    dropped ??= new Set(HOP_BY_HOP);
    for (const token of value.split(',')) dropped.add(token.trim().toLowerCase());
  }
  const skip = dropped ?? HOP_BY_HOP;
  const flat: string[] = [];
  let contentLength: number | undefined;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i] as [string, string];
    const lower = name.toLowerCase();
    if (skip.has(lower)) continue;
    if (lower === 'content-length') {
      // nginx trusts the app's Content-Length (and cuts the body to it); a non-number cannot frame anything.
      if (contentLength !== undefined || !DECIMAL_LENGTH.test(value)) continue;
      contentLength = Number(value);
    }
    flat.push(name, value);
  }
  if (res.getHeaderNames().length === 0) {
    res.writeHead(status, statusText, flat);
    return contentLength;
  }
  // Headers were set before (middleware): node would merge an array through setHeader, which
  // collapses repeated fields, so they are set one by one, the upstream's replacing the earlier.
  const seen = new Set<string>();
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      res.appendHeader(name, value);
    } else {
      seen.add(lower);
      res.setHeader(name, value);
    }
  }
  res.writeHead(status, statusText);
  return contentLength;
}
