import { mkdirSync, writeFileSync } from 'node:fs';
import { type FrontEnd, launchFrontEnd } from './front-end.js';
import type { TempPrefix } from './temp-prefix.js';
import { type Upstream, upstreamHost } from './upstream.js';

/** The gateway protocol nginx speaks to the upstream of a location. */
export type NginxProtocol = 'fastcgi' | 'scgi' | 'uwsgi' | 'http';

/** One `location` forwarding a URL prefix to an upstream. */
export interface NginxLocation {
  /** URL prefix, e.g. "/app/". */
  path: string;
  protocol: NginxProtocol;
  upstream: Upstream;
  /**
   * Idle connections nginx keeps per worker (`upstream { keepalive N; }`). With N > 0, FastCGI
   * locations also get `fastcgi_keep_conn on` and http locations HTTP/1.1 with an empty
   * Connection header — both are needed for nginx to reuse a connection. SCGI and uwsgi cannot
   * reuse connections (the protocols end the response by closing). Default 0: a connection per request.
   */
  keepalive?: number;
  /** `<protocol>_request_buffering`: false streams the request body as it arrives. Default true. */
  requestBuffering?: boolean;
  /** `<protocol>_buffering` of the response: false relays it at the client's pace. Default true. */
  responseBuffering?: boolean;
  /**
   * `include` Debian's params file for the protocol (fastcgi.conf, scgi_params, uwsgi_params).
   * false sends only what nginx adds by itself (SCGI: CONTENT_LENGTH and the HTTP_* headers)
   * plus `directives`, as a hand-written config does. Default true.
   */
  includeParams?: boolean;
  /** Extra directives inside the location block, e.g. `fastcgi_param GW_X 1`. */
  directives?: readonly string[];
}

/** Options of `startNginx`. */
export interface NginxOptions {
  locations: readonly NginxLocation[];
  /** Extra directives inside the server block. */
  serverDirectives?: readonly string[];
}

// The CGI variables each module sends: Debian's params files, as people configure nginx.
const PARAMS_FILE: Record<Exclude<NginxProtocol, 'http'>, string> = {
  fastcgi: '/etc/nginx/fastcgi.conf',
  scgi: '/etc/nginx/scgi_params',
  uwsgi: '/etc/nginx/uwsgi_params',
};

// nginx names the directive family after the module ("proxy_*" for HTTP).
const DIRECTIVE_PREFIX: Record<NginxProtocol, string> = { fastcgi: 'fastcgi', scgi: 'scgi', uwsgi: 'uwsgi', http: 'proxy' };

/**
 * Starts nginx from a temp prefix:
 * `nginx -p PREFIX/ -c nginx.conf -e error.log -g 'daemon off; master_process on; worker_processes 1;'`,
 * listening on 127.0.0.1, stopped by PID with SIGQUIT (graceful).
 */
export async function startNginx(options: NginxOptions): Promise<FrontEnd> {
  return launchFrontEnd({
    name: 'nginx',
    prepare: (prefix, port) => {
      const config = nginxConfig(prefix, port, options);
      writeFileSync(prefix.file('nginx.conf'), config);
      mkdirSync(prefix.file('htdocs'));
      return {
        command: 'nginx',
        args: ['-p', `${prefix.path}/`, '-c', 'nginx.conf', '-e', prefix.file('error.log'), '-g', 'daemon off; master_process on; worker_processes 1;'],
        cwd: prefix.path,
        stopSignal: 'SIGQUIT',
      };
    },
  });
}

/** The nginx.conf text (exported for tests and for debugging a failing config). */
export function nginxConfig(prefix: TempPrefix, port: number, options: NginxOptions): string {
  const upstreams: string[] = [];
  const locations = options.locations.map((loc, i) => {
    const d = DIRECTIVE_PREFIX[loc.protocol];
    const keepalive = loc.keepalive ?? 0;
    const lines: string[] = [];
    let target: string;
    if (keepalive > 0) {
      // Connection reuse needs a named upstream with a keepalive cache.
      const name = `gw_upstream_${i}`;
      upstreams.push(`    upstream ${name} {\n        server ${serverAddress(loc.upstream)};\n        keepalive ${keepalive};\n    }`);
      target = name;
    } else {
      target = serverAddress(loc.upstream);
    }
    if (loc.protocol === 'http') {
      lines.push(`proxy_pass http://${target};`);
      if (keepalive > 0) lines.push('proxy_http_version 1.1;', 'proxy_set_header Connection "";');
    } else {
      if (loc.includeParams !== false) lines.push(`include ${PARAMS_FILE[loc.protocol]};`);
      lines.push(`${d}_pass ${target};`);
      if (loc.protocol === 'fastcgi' && keepalive > 0) lines.push('fastcgi_keep_conn on;');
    }
    if (loc.requestBuffering === false) lines.push(`${d}_request_buffering off;`);
    if (loc.responseBuffering === false) lines.push(`${d}_buffering off;`);
    lines.push(...(loc.directives ?? []));
    return `        location ${loc.path} {\n${lines.map((l) => `            ${l}`).join('\n')}\n        }`;
  });
  // Every *_temp_path is overridden: Debian's compiled-in ones are in a root-owned directory.
  return `pid ${prefix.file('nginx.pid')};
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${prefix.file('client_body_temp')};
    proxy_temp_path ${prefix.file('proxy_temp')};
    fastcgi_temp_path ${prefix.file('fastcgi_temp')};
    uwsgi_temp_path ${prefix.file('uwsgi_temp')};
    scgi_temp_path ${prefix.file('scgi_temp')};
    # Tests send 10 MiB bodies and a 6 KiB cookie among 60 headers.
    client_max_body_size 0;
    large_client_header_buffers 8 16k;
${upstreams.join('\n')}
    server {
        listen 127.0.0.1:${port};
        server_name interop.test;
        root ${prefix.file('htdocs')};
${(options.serverDirectives ?? []).map((l) => `        ${l}`).join('\n')}
${locations.join('\n')}
    }
}
`;
}

function serverAddress(upstream: Upstream): string {
  return 'socket' in upstream ? `unix:${upstream.socket}` : `${upstreamHost(upstream)}:${upstream.port}`;
}
