import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { GatewayError, InvalidArgumentError, type LimitSpecs, resolveLimits } from '@gw/core';
import type { FastCgiClientSettings } from '@gw/fastcgi';
import { buildCgiParams, type ScriptTarget } from './cgi-params.js';
import { ProxyError, ProxyErrorCode } from './errors.js';
import { forwardedBody } from './request-body.js';
import { parseRequestPath, type RequestPath } from './request-path.js';
import { writeResponseHead } from './response-head.js';
import { normalizeRoot, resolveScript, type ScriptResolver } from './script-target.js';
import { StderrLines } from './stderr-lines.js';
import { createUpstreamClient, type ProxyTimeouts, type UpstreamClient, type UpstreamResponse } from './upstream-client.js';
import { parseUpstream } from './upstream-url.js';

/** Options of `createProxyHandler`. */
export interface ProxyHandlerOptions {
  /** `fastcgi://unix:/run/php/php-fpm.sock`, `fastcgi://127.0.0.1:9000`, `scgi://…`, `uwsgi://…[?modifier1=N]`. */
  upstream: string;
  /** DOCUMENT_ROOT, and the prefix of SCRIPT_FILENAME. */
  documentRoot: string;
  /** Appended to a URI ending in `/` (nginx `fastcgi_index`). @defaultValue 'index.php' */
  index?: string;
  /**
   * Picks the script (a front controller, say): return a file path, a `{ filename, name, pathInfo }`
   * target, `null` to pass the request on (`next()`, or 404 without one), or undefined for the
   * default `documentRoot + uri`.
   */
  scriptFilename?: ScriptResolver;
  /** nginx `fastcgi_split_path_info`, e.g. `/^(.+\.php)(\/.*)$/`: sets SCRIPT_NAME and PATH_INFO. */
  splitPathInfo?: RegExp;
  /** Extra params (or a function of the request returning them); they replace same-named ones. */
  params?: Record<string, string> | ((req: IncomingMessage) => Record<string, string> | undefined);
  /** SERVER_NAME. Default: the Host header's name, else the local address. */
  serverName?: string;
  /** SERVER_SOFTWARE. @defaultValue 'gw-proxy' */
  serverSoftware?: string;
  /** Each line the app writes to FastCGI STDERR. Default: `console.error('[gw proxy] FastCGI stderr: …')`. */
  onStderr?: (line: string, req: IncomingMessage) => void;
  /** Each failed request (after its 4xx/5xx is sent). Default: one `console.error` line; client aborts are not reported. */
  onError?: (err: Error, req: IncomingMessage) => void;
  /** Timeouts in ms: `connect` (10000), `firstByte` (60000), `idle` (30000, FastCGI pool). */
  timeouts?: ProxyTimeouts;
  /** Largest chunked request body buffered to learn its length (413 beyond). @defaultValue 16777216 */
  maxBufferedBody?: number;
  /** FastCGI pool settings (maxConnections, multiplex, probe, maxQueue…); see `@gw/fastcgi` createClient. */
  fastcgi?: FastCgiClientSettings;
}

/** A node:http / Express request handler bound to one upstream. */
export interface ProxyHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** The protocol client (FastCGI: a connection pool). */
  readonly upstream: UpstreamClient;
  /** Closes the upstream client (its pooled connections). */
  close(): Promise<void>;
}

const LIMITS: LimitSpecs<'maxBufferedBody'> = { maxBufferedBody: { default: 16 * 1024 * 1024, min: 0, max: 0x7fffffff } };

/**
 * Creates an HTTP → FastCGI / SCGI / uwsgi gateway handler: nginx's `fastcgi_pass` (with
 * `include fastcgi.conf`), `scgi_pass` or `uwsgi_pass` as a `(req, res, next?)` function usable
 * with `http.createServer` and as Express middleware.
 *
 * - Params as nginx builds them (see buildCgiParams), bodies streamed both ways with backpressure.
 * - Status / Location (→ 302 without Status) / headers mapped; hop-by-hop headers dropped;
 *   Set-Cookie lines kept apart; an upstream Content-Length is honoured (extra bytes cut).
 * - 502 when the upstream fails (refused, bad head, closed early), 504 when it times out; after
 *   the head was sent a failure cuts the client connection instead.
 * - The client going away (the response closing before it finished) cancels the upstream request.
 *
 * @throws InvalidArgumentError `PROXY_ERR_INVALID_UPSTREAM`, `GW_ERR_INVALID_OPTION`
 */
export function createProxyHandler(options: ProxyHandlerOptions): ProxyHandler {
  const address = parseUpstream(options.upstream);
  if (typeof options.documentRoot !== 'string' || options.documentRoot === '') {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', 'proxy: documentRoot must be a non-empty path');
  }
  const { maxBufferedBody } = resolveLimits(LIMITS, options, 'proxy');
  const client = createUpstreamClient(address, options.timeouts ?? {}, options.fastcgi);
  const mapping = {
    documentRoot: normalizeRoot(options.documentRoot),
    index: options.index ?? 'index.php',
    splitPathInfo: options.splitPathInfo,
    resolve: options.scriptFilename,
  };
  const onStderr = options.onStderr ?? ((line: string) => console.error(`[gw proxy] FastCGI stderr: ${line}`));
  const onError = options.onError ?? ((err: Error, req: IncomingMessage) => console.error(`[gw proxy] ${req.method} ${req.url}: ${describe(err)}`));

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    let script: ScriptTarget | null;
    let path: RequestPath;
    try {
      path = parseRequestPath(originalUrl(req));
      script = resolveScript(req, path.uri, mapping);
    } catch (err) {
      return fail(err, req, res);
    }
    if (script === null) {
      if (next !== undefined) return next();
      return sendError(res, 404);
    }
    void proxy(req, res, path, script);
  };

  async function proxy(req: IncomingMessage, res: ServerResponse, path: RequestPath, script: ScriptTarget): Promise<void> {
    // The client went away before the response finished: stop the upstream request too.
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const stderr = new StderrLines((line) => onStderr(line, req));
    let upstream: UpstreamResponse;
    try {
      const { body, contentLength } = await forwardedBody(req, maxBufferedBody);
      const extra = typeof options.params === 'function' ? options.params(req) : options.params;
      const params = buildCgiParams({
        req,
        scheme: address.scheme,
        path,
        requestUri: originalUrl(req),
        documentRoot: mapping.documentRoot,
        script,
        contentLength,
        serverName: options.serverName,
        serverSoftware: options.serverSoftware ?? 'gw-proxy',
        extra,
      });
      upstream = await client.request({ params: params.entries(), body, signal: abort.signal, onStderr: (chunk) => stderr.push(chunk) });
    } catch (err) {
      stderr.flush();
      // Cancelled because the client went away: there is nobody to answer, and nothing to report.
      if (abort.signal.aborted) return;
      return fail(err, req, res);
    }
    upstream.ended.then(
      () => stderr.flush(),
      () => stderr.flush(),
    );
    if (upstream.status < 200) {
      upstream.body.destroy();
      return fail(new ProxyError(ProxyErrorCode.BAD_UPSTREAM_STATUS, `upstream answered with status ${upstream.status}`, 502), req, res);
    }
    const declared = writeResponseHead(res, upstream.status, upstream.statusText, upstream.headers);
    try {
      await pipeBody(upstream.body, res, declared);
    } catch (err) {
      if (!abort.signal.aborted) fail(err, req, res);
    }
  }

  function fail(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (res.destroyed) return; // the client is gone (that is what cancelled the request): nobody to tell
    // After the head went out only cutting the connection tells the client the body is incomplete.
    if (res.headersSent) res.destroy();
    else sendError(res, statusFor(error, client));
    onError(error, req);
  }

  return Object.assign(handler, {
    upstream: client,
    close: () => client.close(),
  });
}

/**
 * Streams the upstream body to the client with backpressure. With a Content-Length, bytes past it
 * are read and dropped (nginx cuts them too) and a body short of it cuts the client connection,
 * whose framing could not be kept otherwise.
 */
function pipeBody(body: Readable, res: ServerResponse, declared: number | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      res.removeListener('drain', onDrain);
      res.removeListener('close', onResClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = () => body.resume();
    const onResClose = () => {
      if (!res.writableFinished) body.destroy();
      done();
    };
    body.on('data', (chunk: Buffer) => {
      if (res.writableEnded) return;
      if (declared !== undefined && sent + chunk.length >= declared) {
        const last = chunk.subarray(0, declared - sent);
        sent = declared;
        res.end(last);
        return;
      }
      sent += chunk.length;
      if (!res.write(chunk)) body.pause();
    });
    body.once('end', () => {
      if (!res.writableEnded) {
        if (declared !== undefined && sent < declared) {
          return done(new ProxyError(ProxyErrorCode.UPSTREAM_BODY_TRUNCATED, `upstream body ended after ${sent} of ${declared} bytes`, 502));
        }
        res.end();
      }
      done();
    });
    body.once('error', (err) => done(err));
    body.once('close', () => {
      if (!body.readableEnded) done(new ProxyError(ProxyErrorCode.UPSTREAM_BODY_TRUNCATED, 'upstream body closed before its end', 502));
    });
    res.on('drain', onDrain);
    res.once('close', onResClose);
  });
}

/** 504 for a timeout, the proxy's own status for its errors, 431 for params too large to encode, else 502. */
function statusFor(err: Error, client: UpstreamClient): number {
  if (err instanceof ProxyError) return err.status;
  if (err instanceof GatewayError) {
    if (client.timeoutCodes.has(err.code)) return 504;
    // A header too large for one FastCGI record / a uwsgi vars block over 64 KiB.
    if (err.code === 'FCGI_ERR_PAIR_TOO_LARGE' || err.code === 'UWSGI_ERR_VARS_TOO_LARGE') return 431;
  }
  return 502;
}

function sendError(res: ServerResponse, status: number): void {
  const text = `${status} ${STATUS_CODES[status] ?? ''}\n`;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Express rewrites `req.url` under a mount path; the original target is what the client sent. */
function originalUrl(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

function describe(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
