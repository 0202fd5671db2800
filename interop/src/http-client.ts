import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type IncomingHttpHeaders, request as httpRequestRaw } from 'node:http';

/** Options of `httpRequest`. */
export interface HttpRequestOptions {
  /** The front end's port on 127.0.0.1. */
  port: number;
  /** Request target, e.g. "/app/x?size=5". */
  path: string;
  /** Default GET, or POST when there is a body. */
  method?: string;
  headers?: Record<string, string>;
  /** Request body, sent with Content-Length unless `chunked`. */
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` (no Content-Length). Default false. */
  chunked?: boolean;
  /** Bytes per body write (and per chunk when chunked). Default 65536. */
  writeSize?: number;
  /**
   * Disconnect mid-upload: once `afterBytes` body bytes are written and `when()` (if given)
   * resolves, destroy the socket. Content-Length still announces the whole body.
   */
  abortUpload?: { afterBytes: number; when?: () => Promise<unknown> };
  /** Disconnect mid-download: once `afterBytes` response body bytes arrived and `when()` resolves. */
  abortDownload?: { afterBytes: number; when?: () => Promise<unknown> };
  /** Keep the response body bytes (the digest is always computed). Default true. */
  keepBody?: boolean;
  /** Give up after this long, ms. Default 20000. */
  timeoutMs?: number;
}

/** What came back. */
export interface HttpResponse {
  /** HTTP status, or 0 when this client disconnected before a response arrived. */
  status: number;
  headers: IncomingHttpHeaders;
  /** The header fields as received, `[name, value, name, value, …]` (node's `rawHeaders`). */
  rawHeaders: string[];
  /** The body (empty when keepBody is false). */
  body: Buffer;
  /** Body bytes received. */
  length: number;
  /** Hex SHA-256 of the body bytes received. */
  sha256: string;
  /** True when this client disconnected on purpose (abortUpload / abortDownload). */
  disconnected: boolean;
}

/**
 * One HTTP/1.1 request over node:http, on a fresh connection with keep-alive off (`agent:
 * false`), so every request is a new client connection and front ends see no reuse from our side.
 * Bodies are written in slices with backpressure; the response is hashed as it streams in.
 */
export function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const body = options.body;
  const method = options.method ?? (body ? 'POST' : 'GET');
  const headers: Record<string, string> = { ...options.headers };
  if (body && options.chunked) headers['Transfer-Encoding'] = 'chunked';
  else if (body) headers['Content-Length'] = String(body.length);
  const writeSize = options.writeSize ?? 65536;
  const keepBody = options.keepBody !== false;

  return new Promise<HttpResponse>((resolve, reject) => {
    const req = httpRequestRaw({ host: '127.0.0.1', port: options.port, method, path: options.path, headers, agent: false });
    const hash = createHash('sha256');
    const parts: Buffer[] = [];
    let length = 0;
    let status = 0;
    let responseHeaders: IncomingHttpHeaders = {};
    let rawHeaders: string[] = [];
    let disconnected = false;
    let settled = false;

    const result = (): HttpResponse => ({
      status,
      headers: responseHeaders,
      rawHeaders,
      body: Buffer.concat(parts),
      length,
      sha256: hash.digest('hex'),
      disconnected,
    });
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result());
    };
    const disconnect = () => {
      disconnected = true;
      req.destroy();
      settle(null);
    };
    const timer = setTimeout(() => {
      req.destroy();
      settle(new Error(`HTTP ${method} ${options.path}: no complete response after ${options.timeoutMs ?? 20_000} ms (status ${status}, ${length} body bytes)`));
    }, options.timeoutMs ?? 20_000);

    req.on('error', (err) => (disconnected ? settle(null) : settle(err)));
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      responseHeaders = res.headers;
      rawHeaders = res.rawHeaders;
      let abortArmed = options.abortDownload !== undefined;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        hash.update(chunk);
        length += chunk.length;
        if (keepBody) parts.push(chunk);
        const abort = options.abortDownload;
        if (abortArmed && abort !== undefined && length >= abort.afterBytes) {
          abortArmed = false;
          res.pause();
          Promise.resolve(abort.when?.()).then(disconnect, (err: Error) => settle(err));
        }
      });
      res.on('end', () => settle(null));
      res.on('error', (err) => (disconnected ? settle(null) : settle(err)));
    });

    const writeBody = async (): Promise<void> => {
      if (!body) return;
      const abort = options.abortUpload;
      for (let at = 0; at < body.length; at += writeSize) {
        if (abort !== undefined && at >= abort.afterBytes) {
          await abort.when?.();
          return disconnect();
        }
        if (settled) return;
        if (!req.write(body.subarray(at, at + writeSize))) await once(req, 'drain');
      }
      if (abort !== undefined) {
        await abort.when?.();
        return disconnect();
      }
    };
    writeBody().then(
      () => {
        if (!settled && !disconnected) req.end();
      },
      (err: Error) => settle(err),
    );
  });
}
