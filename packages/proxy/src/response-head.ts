import type { ServerResponse } from 'node:http';

/**
 * Header fields that describe one connection, not the message (RFC 9110 §7.6.1): a gateway must
 * not forward them. node:http frames the client response itself (Content-Length or chunked).
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * Copies an upstream response head onto `res`: status and reason, then every header except
 * hop-by-hop ones (and those a `Connection` header names). Repeated fields stay separate lines
 * (each Set-Cookie on its own). Upstream headers replace ones set on `res` before (Express's
 * X-Powered-By, say). Returns the upstream Content-Length when it is a plain decimal (an invalid
 * one is dropped).
 */
export function writeResponseHead(res: ServerResponse, status: number, statusText: string, headers: readonly [string, string][]): number | undefined {
  const dropped = new Set(HOP_BY_HOP);
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) dropped.add(token.trim().toLowerCase());
  }
  const seen = new Set<string>();
  let contentLength: number | undefined;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (dropped.has(lower)) continue;
    if (lower === 'content-length') {
      // nginx trusts the app's Content-Length (and cuts the body to it); a non-number cannot frame anything.
      if (!/^[0-9]{1,15}$/.test(value) || contentLength !== undefined) continue;
      contentLength = Number(value);
    }
    if (seen.has(lower)) {
      res.appendHeader(name, value);
    } else {
      seen.add(lower);
      res.setHeader(name, value);
    }
  }
  res.statusCode = status;
  res.statusMessage = statusText;
  return contentLength;
}
