import { mkdirSync, writeFileSync } from 'node:fs';
import { type FrontEnd, launchFrontEnd } from './front-end.js';
import type { TempPrefix } from './temp-prefix.js';
import { type Upstream, upstreamHost } from './upstream.js';

/** Options of `startHaproxy`: one frontend, one backend running a FastCGI application. */
export interface HaproxyOptions {
  /** The FastCGI application. */
  app: Upstream;
  /** fcgi-app `option keep-conn` (FCGI_KEEP_CONN on every request). Default true. */
  keepConn?: boolean;
  /** fcgi-app `option mpxs-conns`: several requests at once on one connection. Default true. */
  mpxsConns?: boolean;
  /**
   * fcgi-app `option max-reqs`: most requests in flight per connection. Default 100; only written
   * with mpxsConns (HAProxy 2.6 refuses to start on max-reqs without multiplexing).
   */
  maxReqs?: number;
  /** fcgi-app `option get-values`: ask the app for FCGI_MPXS_CONNS/FCGI_MAX_REQS first. Default false. */
  getValues?: boolean;
  /** Backend `http-reuse`. Default "always" (needed to share connections among client sessions). */
  httpReuse?: 'never' | 'safe' | 'aggressive' | 'always';
  /** Most connections to the app (`server … maxconn`). Default 0: no limit. */
  maxConn?: number;
}

/**
 * Starts HAProxy (`haproxy -f haproxy.cfg -db`, foreground) from a temp prefix, with an
 * `fcgi-app` section and `use-fcgi-app` in the backend. Stopped by PID with SIGTERM.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<FrontEnd> {
  return launchFrontEnd({
    name: 'haproxy',
    prepare: (prefix, port) => {
      mkdirSync(prefix.file('htdocs'));
      writeFileSync(prefix.file('haproxy.cfg'), haproxyConfig(prefix, port, options));
      return { command: 'haproxy', args: ['-f', prefix.file('haproxy.cfg'), '-db'], cwd: prefix.path, stopSignal: 'SIGTERM' };
    },
  });
}

/** The haproxy.cfg text. */
export function haproxyConfig(prefix: TempPrefix, port: number, options: HaproxyOptions): string {
  const flag = (on: boolean, name: string) => `    ${on ? '' : 'no '}option ${name}`;
  const app = options.app;
  const address = 'socket' in app ? `unix@${app.socket}` : `${upstreamHost(app)}:${app.port}`;
  const maxConn = options.maxConn ? ` maxconn ${options.maxConn}` : '';
  // Logs go to stderr, i.e. the prefix's stdout.log, with HAProxy's termination state per request.
  return `global
    maxconn 2000
    log stderr format short local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 30s
    timeout server 30s

fcgi-app gw
    docroot ${prefix.file('htdocs')}
    # What the app writes to FastCGI STDERR goes to the global log.
    log-stderr global
${flag(options.keepConn !== false, 'keep-conn')}
${flag(options.mpxsConns !== false, 'mpxs-conns')}
${flag(options.getValues === true, 'get-values')}
${options.mpxsConns !== false ? `    option max-reqs ${options.maxReqs ?? 100}\n` : ''}
frontend web
    bind 127.0.0.1:${port}
    default_backend app

backend app
    http-reuse ${options.httpReuse ?? 'always'}
    use-fcgi-app gw
    server gw ${address} proto fcgi${maxConn}
`;
}
