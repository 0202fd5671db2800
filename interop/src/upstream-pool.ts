import { mkdirSync, writeFileSync } from 'node:fs';
import { type FrontEnd, launchFrontEnd } from './front-end.js';
import type { TempPrefix } from './temp-prefix.js';

/** Options of the load-balancing front ends: one HTTP port in front of several FastCGI apps. */
export interface PoolOptions {
  /** The FastCGI applications' ports on 127.0.0.1 (one `server` line each). */
  ports: readonly number[];
  /** Idle kept-alive FastCGI connections (nginx `keepalive N` per worker). Default 16. */
  keepalive?: number;
}

/**
 * nginx with `upstream gw_pool { server …; … keepalive N; }`, `fastcgi_keep_conn on` and
 * `fastcgi_next_upstream error timeout`: a request whose connection to one app fails (refused,
 * reset, closed before the response head) is passed to the next server, as long as nothing was
 * sent to the client yet. Same launch conventions as `startNginx` (temp prefix, SIGQUIT).
 */
export async function startNginxPool(options: PoolOptions): Promise<FrontEnd> {
  return launchFrontEnd({
    name: 'nginx-pool',
    prepare: (prefix, port) => {
      mkdirSync(prefix.file('htdocs'));
      writeFileSync(prefix.file('nginx.conf'), nginxPoolConfig(prefix, port, options));
      return {
        command: 'nginx',
        args: ['-p', `${prefix.path}/`, '-c', 'nginx.conf', '-e', prefix.file('error.log'), '-g', 'daemon off; master_process on; worker_processes 1;'],
        cwd: prefix.path,
        stopSignal: 'SIGQUIT',
      };
    },
  });
}

/** The nginx.conf of `startNginxPool` (docs/deploy/nginx.md shows the same directives). */
export function nginxPoolConfig(prefix: TempPrefix, port: number, options: PoolOptions): string {
  // max_fails=1 fail_timeout=10s: after one failure a server is left out for 10 s (nginx's
  // defaults, spelled out), so later requests do not pay a refused connect each.
  const servers = options.ports.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n');
  return `pid ${prefix.file('nginx.pid')};
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${prefix.file('client_body_temp')};
    fastcgi_temp_path ${prefix.file('fastcgi_temp')};
    proxy_temp_path ${prefix.file('proxy_temp')};
    uwsgi_temp_path ${prefix.file('uwsgi_temp')};
    scgi_temp_path ${prefix.file('scgi_temp')};
    upstream gw_pool {
${servers}
        keepalive ${options.keepalive ?? 16};
    }
    server {
        listen 127.0.0.1:${port};
        root ${prefix.file('htdocs')};
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass gw_pool;
            fastcgi_keep_conn on;
            fastcgi_next_upstream error timeout;
            fastcgi_next_upstream_tries 3;
            fastcgi_connect_timeout 2s;
        }
    }
}
`;
}

/**
 * HAProxy with one backend of several `proto fcgi` servers sharing an `fcgi-app` (keep-conn,
 * mpxs-conns), round-robin, a TCP health check every 200 ms, and L7 retries: `retry-on
 * conn-failure empty-response` with `option redispatch` resends a request whose server refused
 * the connection or closed it without a response to another server. Stopped by PID with SIGTERM.
 */
export async function startHaproxyPool(options: PoolOptions): Promise<FrontEnd> {
  return launchFrontEnd({
    name: 'haproxy-pool',
    prepare: (prefix, port) => {
      mkdirSync(prefix.file('htdocs'));
      writeFileSync(prefix.file('haproxy.cfg'), haproxyPoolConfig(prefix, port, options));
      return { command: 'haproxy', args: ['-f', prefix.file('haproxy.cfg'), '-db'], cwd: prefix.path, stopSignal: 'SIGTERM' };
    },
  });
}

/** The haproxy.cfg of `startHaproxyPool` (docs/deploy/haproxy.md shows the same sections). */
export function haproxyPoolConfig(prefix: TempPrefix, port: number, options: PoolOptions): string {
  const servers = options.ports.map((p, i) => `    server gw${i + 1} 127.0.0.1:${p} proto fcgi check inter 200ms fall 1 rise 2`).join('\n');
  return `global
    maxconn 2000
    log stderr format short local0 warning

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s

fcgi-app gw
    docroot ${prefix.file('htdocs')}
    log-stderr global
    option keep-conn
    option mpxs-conns
    option max-reqs 100

frontend web
    bind 127.0.0.1:${port}
    default_backend gw_pool

backend gw_pool
    balance roundrobin
    http-reuse always
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    use-fcgi-app gw
${servers}
`;
}
