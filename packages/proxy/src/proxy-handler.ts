import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, type LimitSpecs, resolveLimits } from '@gw/core';
import type { FastCgiClientSettings } from '@gw/fastcgi';
import { buildCgiParamArray, type ScriptTarget } from './cgi-params.js';
import { ProxyCall, type ProxyContext, sendError, statusFor } from './proxy-call.js';
import { type ForwardedBody, forwardedBody } from './request-body.js';
import { parseRequestPath, type RequestPath } from './request-path.js';
import { normalizeRoot, resolveScript, type ScriptResolver } from './script-target.js';
import { createUpstreamClient, type ProxyTimeouts, type UpstreamClient, type UpstreamHandle } from './upstream-client.js';
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
  const context: ProxyContext = { client, onStderr, onError };
  const serverSoftware = options.serverSoftware ?? 'gw-proxy';

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    let script: ScriptTarget | null;
    let path: RequestPath;
    const requestUri = originalUrl(req);
    try {
      path = parseRequestPath(requestUri);
      script = resolveScript(req, path.uri, mapping);
    } catch (err) {
      return failEarly(err, req, res);
    }
    if (script === null) {
      if (next !== undefined) return next();
      return sendError(res, 404);
    }
    const target = script;
    const body = forwardedBody(req, maxBufferedBody);
    // A chunked body is read first (CGI needs CONTENT_LENGTH); the usual request goes out now.
    if (body instanceof Promise) {
      body.then(
        (b) => proxy(req, res, path, target, requestUri, b),
        (err: unknown) => failEarly(err, req, res),
      );
    } else {
      proxy(req, res, path, target, requestUri, body);
    }
  };

  function proxy(req: IncomingMessage, res: ServerResponse, path: RequestPath, script: ScriptTarget, requestUri: string, forwarded: ForwardedBody): void {
    if (res.destroyed) return; // the client went away while its body was being read
    let params: string[];
    try {
      const extra = typeof options.params === 'function' ? options.params(req) : options.params;
      params = buildCgiParamArray({
        req,
        scheme: address.scheme,
        path,
        requestUri,
        documentRoot: mapping.documentRoot,
        script,
        contentLength: forwarded.contentLength,
        serverName: options.serverName,
        serverSoftware,
        extra,
      });
    } catch (err) {
      return failEarly(err, req, res);
    }
    const call = new ProxyCall(req, res, context);
    let handle: UpstreamHandle;
    try {
      handle = client.dispatch({ params: { flat: params }, body: forwarded.body }, call);
    } catch (err) {
      // Params the protocol cannot encode (a pair too large for a record, a non-latin1 character).
      return call.onError(err instanceof Error ? err : new Error(String(err)));
    }
    call.handle = handle;
    // The client may have gone away during dispatch (nothing cancelled it then).
    if (res.destroyed && !res.writableFinished) handle.abort();
  }

  /** A failure before the request reached the upstream: 4xx/5xx and the onError hook. */
  function failEarly(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (res.destroyed) return; // the client is gone: nobody to tell
    if (res.headersSent) res.destroy();
    else sendError(res, statusFor(error, client));
    onError(error, req);
  }

  return Object.assign(handler, {
    upstream: client,
    close: () => client.close(),
  });
}

/** Express rewrites `req.url` under a mount path; the original target is what the client sent. */
function originalUrl(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

function describe(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
