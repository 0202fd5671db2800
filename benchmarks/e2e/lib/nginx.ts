/**
 * nginx for a benchmark run: a generated config in a temp prefix (nothing of the system's nginx
 * is read or written), one worker, one `server` per upstream on its own 127.0.0.1 port.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { adoptPid, type Child, releasePid, childPids, sleep, start, stop, waitForLine } from './processes.js';

/** One upstream behind nginx: its `upstream {}` block and the directives of its `location /`. */
export interface NginxSite {
  /** Used for the upstream name (letters, digits, `_`). */
  id: string;
  /** 127.0.0.1 port nginx listens on for this upstream. */
  port: number;
  /** The app's unix socket. */
  socket: string;
  /** `fastcgi`, `http` (proxy_pass), `scgi` (scgi_pass) or `uwsgi` (uwsgi_pass). */
  kind: 'fastcgi' | 'http' | 'scgi' | 'uwsgi';
  /** Keep upstream connections open (`keepalive N` + fastcgi_keep_conn / HTTP/1.1 without Connection). */
  keepalive: boolean;
  /** Extra directives for the location (e.g. fastcgi_request_buffering off). */
  extra?: string[];
}

/** A running nginx: the master (the process we started, `daemon off`) and its one worker. */
export interface Nginx {
  master: Child;
  workerPid: number;
  sites: NginxSite[];
}

// nginx's fastcgi_params (Debian's file sends HTTP_HOST as $host): inlined so the run does not
// depend on /etc/nginx, and every FastCGI upstream gets the same ~20 params a real site sends.
export const FASTCGI_PARAMS: readonly (readonly [string, string])[] = [
  ['QUERY_STRING', '$query_string'],
  ['REQUEST_METHOD', '$request_method'],
  ['CONTENT_TYPE', '$content_type'],
  ['CONTENT_LENGTH', '$content_length'],
  ['SCRIPT_NAME', '$fastcgi_script_name'],
  ['REQUEST_URI', '$request_uri'],
  ['DOCUMENT_URI', '$document_uri'],
  ['DOCUMENT_ROOT', '$document_root'],
  ['SERVER_PROTOCOL', '$server_protocol'],
  ['REQUEST_SCHEME', '$scheme'],
  ['GATEWAY_INTERFACE', 'CGI/1.1'],
  ['SERVER_SOFTWARE', 'nginx/$nginx_version'],
  ['REMOTE_ADDR', '$remote_addr'],
  ['REMOTE_PORT', '$remote_port'],
  ['SERVER_ADDR', '$server_addr'],
  ['SERVER_PORT', '$server_port'],
  ['SERVER_NAME', '$server_name'],
  ['REDIRECT_STATUS', '200'],
];

// nginx's scgi_params and uwsgi_params as Debian ships them (minus the HTTP_HOST line: nginx passes
// the request's Host header as HTTP_HOST anyway). nginx's SCGI module sends CONTENT_LENGTH first on
// its own, as the SCGI spec requires; the uwsgi module does not, so uwsgi_params carries it.
const SCGI_PARAMS = [
  ['REQUEST_METHOD', '$request_method'],
  ['REQUEST_URI', '$request_uri'],
  ['QUERY_STRING', '$query_string'],
  ['CONTENT_TYPE', '$content_type'],
  ['DOCUMENT_URI', '$document_uri'],
  ['DOCUMENT_ROOT', '$document_root'],
  ['SCGI', '1'],
  ['SERVER_PROTOCOL', '$server_protocol'],
  ['REQUEST_SCHEME', '$scheme'],
  ['HTTPS', '$https if_not_empty'],
  ['REMOTE_ADDR', '$remote_addr'],
  ['REMOTE_PORT', '$remote_port'],
  ['SERVER_PORT', '$server_port'],
  ['SERVER_NAME', '$server_name'],
];
const UWSGI_PARAMS = [
  ['QUERY_STRING', '$query_string'],
  ['REQUEST_METHOD', '$request_method'],
  ['CONTENT_TYPE', '$content_type'],
  ['CONTENT_LENGTH', '$content_length'],
  ['REQUEST_URI', '$request_uri'],
  ['PATH_INFO', '$document_uri'],
  ['DOCUMENT_ROOT', '$document_root'],
  ['SERVER_PROTOCOL', '$server_protocol'],
  ['REQUEST_SCHEME', '$scheme'],
  ['HTTPS', '$https if_not_empty'],
  ['REMOTE_ADDR', '$remote_addr'],
  ['REMOTE_PORT', '$remote_port'],
  ['SERVER_PORT', '$server_port'],
  ['SERVER_NAME', '$server_name'],
];

/**
 * scgi_pass / uwsgi_pass: one request per connection (neither protocol can keep a connection, so
 * nginx has no `*_keep_conn` for them and `keepalive` in the upstream would be unused), the
 * inlined params, and buffers that hold a 64 KiB response in memory like the other kinds.
 */
function gatewayLocation(kind: 'scgi' | 'uwsgi', id: string): string[] {
  const params = kind === 'scgi' ? SCGI_PARAMS : UWSGI_PARAMS;
  return [
    `      ${kind}_pass ${id};`,
    ...params.map(([name, value]) => `      ${kind}_param ${name} ${value};`),
    `      ${kind}_buffer_size 16k;`,
    `      ${kind}_buffers 8 16k;`,
  ];
}

/**
 * Idle upstream connections nginx keeps per worker (`keepalive N`): E2E_UPSTREAM_KEEPALIVE, default
 * 32. Below wrk's 50 connections nginx closes and reopens upstream connections all the time (about
 * one per 5 requests), so each upstream pays a connection set-up now and then; 64 or more keeps
 * every upstream connection for the whole run.
 */
export const UPSTREAM_KEEPALIVE = Number(process.env.E2E_UPSTREAM_KEEPALIVE ?? 32);

function siteConfig(site: NginxSite): string {
  const upstream = [`  upstream ${site.id} {`, `    server unix:${site.socket};`];
  // keepalive_timeout above any pause between rounds, so a round never starts on dead connections.
  if (site.keepalive) upstream.push(`    keepalive ${UPSTREAM_KEEPALIVE};`, '    keepalive_timeout 600s;');
  upstream.push('  }');
  const location: string[] = [];
  if (site.kind === 'fastcgi') {
    location.push(`      fastcgi_pass ${site.id};`, `      fastcgi_keep_conn ${site.keepalive ? 'on' : 'off'};`);
    for (const [name, value] of FASTCGI_PARAMS) location.push(`      fastcgi_param ${name} ${value};`);
    // Buffers that hold a 64 KiB response in memory, as proxy_buffers below: no temp file for either.
    location.push('      fastcgi_buffer_size 16k;', '      fastcgi_buffers 8 16k;');
  } else if (site.kind === 'scgi' || site.kind === 'uwsgi') {
    location.push(...gatewayLocation(site.kind, site.id));
  } else {
    location.push(`      proxy_pass http://${site.id};`);
    if (site.keepalive) location.push('      proxy_http_version 1.1;', '      proxy_set_header Connection "";');
    location.push('      proxy_buffer_size 16k;', '      proxy_buffers 8 16k;');
  }
  for (const line of site.extra ?? []) location.push(`      ${line}`);
  return [
    ...upstream,
    '  server {',
    `    listen 127.0.0.1:${site.port};`,
    '    location / {',
    ...location,
    '    }',
    '  }',
  ].join('\n');
}

/** The whole nginx.conf for `sites`, every path inside `dir`. */
export function nginxConfig(dir: string, sites: readonly NginxSite[]): string {
  const temp = (what: string) => join(dir, 'temp', what);
  return `# generated by benchmarks/e2e: one worker, every path in ${dir}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
${sites.map(siteConfig).join('\n')}
}
`;
}

/** A free TCP port on 127.0.0.1 (bound and released; nginx takes it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Writes the config into `dir` and starts `nginx -p dir/ -c nginx.conf -e error.log -g 'daemon off;'`
 * in the foreground; resolves once every port accepts and the worker is up.
 */
export async function startNginx(dir: string, sites: NginxSite[]): Promise<Nginx> {
  mkdirSync(join(dir, 'temp'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, sites));
  const master = start('nginx', 'nginx', ['-p', `${dir}/`, '-c', 'nginx.conf', '-e', 'error.log', '-g', 'daemon off;']);
  const deadline = Date.now() + 10_000;
  for (const site of sites) {
    while (!(await accepts(site.port))) {
      if (Date.now() > deadline) throw new Error(`nginx does not accept on ${site.port}: ${master.stderrLines.join('\n')}`);
      await sleep(20);
    }
  }
  let workers = childPids(master.pid);
  while (workers.length !== 1 && Date.now() < deadline) {
    await sleep(20);
    workers = childPids(master.pid);
  }
  if (workers.length !== 1) throw new Error(`expected one nginx worker, found ${workers.length}`);
  const workerPid = workers[0] as number;
  adoptPid(workerPid);
  return { master, workerPid, sites };
}

/**
 * Stops nginx: SIGTERM to the master (fast shutdown: workers exit at once rather than waiting for
 * kept-alive connections), then, should the worker outlive its master, SIGKILL to the worker's PID.
 */
export async function stopNginx(nginx: Nginx): Promise<void> {
  await stop(nginx.master, 'SIGTERM');
  try {
    process.kill(nginx.workerPid, 'SIGKILL');
  } catch {} // gone, as it should be
  releasePid(nginx.workerPid);
}

/** Starts a benchmark app (`node [nodeArgs] script socket`) and waits for its `listening` line. */
export async function startApp(name: string, script: string, socket: string, nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = start(name, process.execPath, [...nodeArgs, script, socket], { env: appEnvironment(env) });
  await waitForLine(child, (l) => l === 'listening');
  return child;
}

/**
 * The environment of an app or client: the harness's, minus NODE_OPTIONS (a loader such as tsx
 * there would slow every app alike but measure the loader), plus `extra`.
 */
export function appEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...base } = process.env;
  return { ...base, ...extra };
}
