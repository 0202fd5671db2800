import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '@gw/core';
import { createProxyHandler, type ProxyHandler, type ProxyHandlerOptions } from './proxy-handler.js';

/** One upstream and the URL path prefix it serves. */
export interface ProxyRoute extends ProxyHandlerOptions {
  /** Requests whose path is this prefix or below it go here; the longest matching prefix wins. @defaultValue '/' */
  prefix?: string;
}

/** Options of `startProxy` (what `gw proxy` passes). */
export interface StartProxyOptions {
  /** Port on 127.0.0.1, `{ host, port }`, or a unix socket path (`{ path }` or a string). */
  listen: number | string | { host?: string; port: number } | { path: string };
  /** The upstreams, each on its path prefix. */
  upstreams: ProxyRoute | readonly ProxyRoute[];
}

/** A running proxy server. */
export interface RunningProxy {
  server: Server;
  /** Where it listens: `{ address, port }` or the socket path. */
  address: AddressInfo | string;
  /** Stops listening, closes client connections and the upstream pools. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server that passes requests to gateway upstreams by path prefix (404 when no
 * prefix matches): the function behind `gw proxy`.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION`, `PROXY_ERR_INVALID_UPSTREAM` (as a rejection)
 */
export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const routes = (Array.isArray(options.upstreams) ? options.upstreams : [options.upstreams]) as readonly ProxyRoute[];
  if (routes.length === 0) throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', 'proxy: at least one upstream is needed');
  const handlers = routes
    .map((route) => ({ prefix: normalizePrefix(route.prefix ?? '/'), handler: createProxyHandler(route) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const handler = route(handlers, req.url ?? '/');
    if (handler === undefined) {
      res.statusCode = 404;
      res.end('404 Not Found\n');
      return;
    }
    handler(req, res);
  });
  const listen = options.listen;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.removeListener('error', reject);
      resolve();
    };
    if (typeof listen === 'number') server.listen(listen, '127.0.0.1', done);
    else if (typeof listen === 'string') server.listen(listen, done);
    else if ('path' in listen) server.listen(listen.path, done);
    else server.listen(listen.port, listen.host ?? '127.0.0.1', done);
  });
  return {
    server,
    address: server.address() as AddressInfo | string,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(handlers.map((h) => h.handler.close()));
    },
  };
}

function route(handlers: readonly { prefix: string; handler: ProxyHandler }[], url: string): ProxyHandler | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  for (const { prefix, handler } of handlers) {
    if (prefix === '/' || path === prefix || path.startsWith(`${prefix}/`)) return handler;
  }
  return undefined;
}

/** `/app/` → `/app`; `/` stays. */
function normalizePrefix(prefix: string): string {
  if (!prefix.startsWith('/')) throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `proxy: prefix ${JSON.stringify(prefix)} must start with /`);
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
