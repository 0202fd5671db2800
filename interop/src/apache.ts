import { mkdirSync, writeFileSync } from 'node:fs';
import { type FrontEnd, launchFrontEnd } from './front-end.js';
import type { TempPrefix } from './temp-prefix.js';
import { type Upstream, upstreamHost } from './upstream.js';

const MODULE_DIR = '/usr/lib/apache2/modules';

// Loaded in this order; mod_unixd, mod_log_config and mod_so are compiled into Debian's httpd.
const MODULES = [
  'mpm_event',
  'authn_core',
  'authn_file',
  'auth_basic',
  'authz_core',
  'authz_user',
  'proxy',
  'proxy_http',
  'proxy_fcgi',
  'proxy_scgi',
  'proxy_uwsgi',
  'authnz_fcgi',
] as const;

/** mod_proxy scheme per gateway protocol. */
export type ApacheProtocol = 'fcgi' | 'scgi' | 'uwsgi' | 'http';

/** One `ProxyPass` route. */
export interface ApacheRoute {
  /** URL prefix, e.g. "/app/". */
  path: string;
  protocol: ApacheProtocol;
  upstream: Upstream;
  /**
   * `enablereuse=on`: keep backend connections for later requests. mod_proxy_fcgi then sets
   * FCGI_KEEP_CONN. Default false — Apache's default for fcgi://, a connection per request.
   */
  reuse?: boolean;
  /** More `key=value` ProxyPass parameters, e.g. `timeout=5`. */
  parameters?: readonly string[];
}

/** Options of `startApache`. */
export interface ApacheOptions {
  routes?: readonly ApacheRoute[];
  /** Extra httpd.conf text (Location blocks, AuthnzFcgiDefineProvider, …), given the prefix. */
  config?: (prefix: TempPrefix) => string;
  /** Files to write into the prefix before start (name → contents), e.g. an htpasswd file. */
  files?: Record<string, string>;
  /** Worker threads of the single child process. Default 16. */
  threads?: number;
}

/**
 * Starts Apache httpd from a temp prefix (`apache2 -d PREFIX -f httpd.conf -DFOREGROUND`):
 * one event-MPM child, listening on 127.0.0.1, stopped by PID with SIGTERM.
 */
export async function startApache(options: ApacheOptions = {}): Promise<FrontEnd> {
  return launchFrontEnd({
    name: 'apache2',
    prepare: (prefix, port) => {
      mkdirSync(prefix.file('htdocs'));
      for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(prefix.file(name), text, { mode: 0o644 });
      writeFileSync(prefix.file('httpd.conf'), apacheConfig(prefix, port, options));
      return { command: 'apache2', args: ['-d', prefix.path, '-f', prefix.file('httpd.conf'), '-DFOREGROUND'], cwd: prefix.path, stopSignal: 'SIGTERM' };
    },
  });
}

/** The `ProxyPass` target URL for an upstream (unix sockets use mod_proxy's `unix:PATH|scheme://localhost/`). */
export function proxyTarget(protocol: ApacheProtocol, upstream: Upstream): string {
  return 'socket' in upstream ? `unix:${upstream.socket}|${protocol}://localhost/` : `${protocol}://${upstreamHost(upstream)}:${upstream.port}/`;
}

/** The httpd.conf text. */
export function apacheConfig(prefix: TempPrefix, port: number, options: ApacheOptions): string {
  const threads = options.threads ?? 16;
  const routes = (options.routes ?? []).map((r) => {
    const params = [...(r.reuse ? ['enablereuse=on'] : []), ...(r.parameters ?? [])];
    return `ProxyPass "${r.path}" "${proxyTarget(r.protocol, r.upstream)}"${params.map((p) => ` ${p}`).join('')}`;
  });
  // As root, children switch to www-data (which must reach the prefix: it is 0755).
  const identity = process.getuid?.() === 0 ? 'User www-data\nGroup www-data\n' : '';
  return `ServerRoot "${prefix.path}"
DefaultRuntimeDir "${prefix.path}"
PidFile "${prefix.file('apache2.pid')}"
ErrorLog "${prefix.file('error.log')}"
LogLevel warn
Listen 127.0.0.1:${port}
ServerName interop.test
${identity}Timeout 30
${MODULES.map((m) => `LoadModule ${m}_module ${MODULE_DIR}/mod_${m}.so`).join('\n')}

StartServers 1
ServerLimit 1
ThreadsPerChild ${threads}
ThreadLimit ${threads}
MaxRequestWorkers ${threads}
MinSpareThreads 1
MaxSpareThreads ${threads}

DocumentRoot "${prefix.file('htdocs')}"
${routes.join('\n')}
${options.config?.(prefix) ?? ''}
`;
}
