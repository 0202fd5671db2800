// gw demo: one Express app (app.mjs) served by `gw serve` over FastCGI, SCGI and uwsgi on unix
// sockets, fronted by gw's own HTTP proxy — and, when nginx is installed, by nginx as well.
//
//   node demo.mjs            start everything, print URLs and curl lines; Ctrl-C stops it all
//   node demo.mjs --check    start, request every URL once, print the answers, stop (exit 1 on failure)
//
// Everything listens on loopback or in a temporary directory, which is removed on exit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from '@gw/proxy';

const here = dirname(fileURLToPath(import.meta.url));
const gwBin = join(here, '..', 'cli', 'dist', 'bin.js');
const check = process.argv.includes('--check');
const PROTOCOLS = ['fastcgi', 'scgi', 'uwsgi'];

const dir = mkdtempSync(join(tmpdir(), 'gw-demo-'));
chmodSync(dir, 0o755); // nginx workers (nobody) must reach the sockets
const children = [];
let proxy;
let stopping = false;

function log(line) {
  process.stderr.write(`[demo] ${line}\n`);
}

async function main() {
  if (!existsSync(gwBin)) throw new Error(`${gwBin} is missing: build first (bash scripts/setup.sh)`);
  // 1. The app, once per protocol, each on its own unix socket.
  for (const protocol of PROTOCOLS) {
    const socket = join(dir, `${protocol}.sock`);
    const child = spawn(process.execPath, [gwBin, 'serve', join(here, 'app.mjs'), '--protocol', protocol, '--listen', `unix:${socket}`, '--socket-mode', '666'], {
      env: { ...process.env, GW_DEMO_PROTOCOL: protocol },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    child.on('exit', (code, signal) => {
      if (!stopping) log(`gw serve (${protocol}) exited (${signal ?? code})`);
    });
    await waitFor(() => existsSync(socket), `gw serve ${protocol} listening on ${socket}`);
  }

  // 2. gw's own proxy on an HTTP port: /fastcgi, /scgi and /uwsgi each go to their app.
  proxy = await startProxy({
    listen: { host: '127.0.0.1', port: Number(process.env.GW_DEMO_PORT ?? 0) },
    upstreams: PROTOCOLS.map((p) => ({ prefix: `/${p}`, upstream: `${p}://unix:${join(dir, `${p}.sock`)}`, documentRoot: here, onError: () => {} })),
  });
  const proxyPort = proxy.address.port;
  const fronts = [{ name: 'gw proxy', port: proxyPort }];

  // 3. nginx, when installed: the same three routes through fastcgi_pass / scgi_pass / uwsgi_pass.
  const nginxPort = await startNginx();
  if (nginxPort !== undefined) fronts.push({ name: 'nginx', port: nginxPort });

  const urls = [];
  for (const front of fronts) for (const p of PROTOCOLS) urls.push({ front: front.name, protocol: p, url: `http://127.0.0.1:${front.port}/${p}/hello?name=gw` });

  if (check) {
    let failed = 0;
    for (const u of urls) {
      const { status, body } = await get(u.url);
      const ok = status === 200 && JSON.parse(body).protocol === u.protocol;
      if (!ok) failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${u.front.padEnd(8)} ${u.protocol.padEnd(7)} ${status} ${body.trim()}`);
    }
    await stop();
    process.exit(failed === 0 ? 0 : 1);
  }

  console.log('\ngw demo is running. One Express app, three gateway protocols:\n');
  for (const u of urls) console.log(`  ${u.front.padEnd(8)} ${u.protocol.padEnd(7)} ${u.url}`);
  console.log('\nTry:');
  for (const p of PROTOCOLS) console.log(`  curl -s http://127.0.0.1:${proxyPort}/${p}/hello?name=you`);
  console.log(`  curl -s -X POST -H 'content-type: application/json' -d '{"x":1}' http://127.0.0.1:${proxyPort}/uwsgi/echo`);
  console.log('\nCtrl-C stops everything and removes the sockets.');
}

/** Starts nginx from a temp prefix if it is installed; returns its port, or undefined. */
async function startNginx() {
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const bin = which.stdout.trim();
  if (which.status !== 0 || bin === '') {
    log('nginx not installed: only gw proxy fronts the app');
    return undefined;
  }
  const port = await freePort();
  const prefix = join(dir, 'nginx');
  spawnSync('mkdir', ['-p', join(prefix, 'logs'), join(prefix, 'tmp')]);
  const sock = (p) => join(dir, `${p}.sock`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'scgi', 'uwsgi'].map((t) => `${t}_temp_path ${join(prefix, 'tmp', t)};`).join('\n    ');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
events { worker_connections 256; }
http {
    access_log off;
    ${temp}
    upstream gw_fastcgi { server unix:${sock('fastcgi')}; keepalive 8; }
    server {
        listen 127.0.0.1:${port};
        location /fastcgi/ { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass gw_fastcgi; }
        location /scgi/ { include /etc/nginx/scgi_params; scgi_pass unix:${sock('scgi')}; }
        location /uwsgi/ { include /etc/nginx/uwsgi_params; uwsgi_pass unix:${sock('uwsgi')}; }
    }
}
`,
  );
  const child = spawn(bin, ['-p', `${prefix}/`, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
  children.push(child);
  try {
    await waitFor(() => existsSync(join(prefix, 'nginx.pid')), 'nginx');
  } catch {
    log('nginx did not start; continuing with gw proxy only');
    return undefined;
  }
  return port;
}

function freePort() {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ createServer }) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  });
}

async function waitFor(predicate, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function get(url) {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function stop() {
  if (stopping) return;
  stopping = true;
  await proxy?.close().catch(() => {});
  for (const child of children) if (child.exitCode === null) child.kill(child.spawnfile.endsWith('nginx') ? 'SIGQUIT' : 'SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => { c.once('exit', r); setTimeout(() => { c.kill('SIGKILL'); r(); }, 5000).unref(); }))));
  rmSync(dir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log('stopping…');
    stop().then(() => process.exit(0));
  });
}

main().catch(async (err) => {
  console.error(`[demo] ${err.message}`);
  await stop();
  process.exit(1);
});
