// Ad-hoc probe (deleted after use): node:http with a connection per request vs gw uwsgi vs uWSGI.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { appsDir, repoRoot } from './lib/build.js';
import { freePort, startApp, startNginx, stopNginx } from './lib/nginx.js';
import { cpuTimes, stop, stopChildrenOnExit, stopAll } from './lib/processes.js';
import { runWrk } from './lib/wrk.js';
stopChildrenOnExit();
const dir = mkdtempSync(join(os.tmpdir(), 'gw-probe-'));
chmodSync(dir, 0o755);
try {
  const out = join(dir, 'u.mjs');
  await build({ entryPoints: [join(appsDir, 'gw-uwsgi-app.mjs')], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', tsconfig: join(repoRoot, 'tsconfig.json'), logLevel: 'warning' });
  const http = await startApp('http', join(appsDir, 'node-http-app.mjs'), join(dir, 'h.sock'));
  const gw = await startApp('gw', out, join(dir, 'u.sock'));
  const sites = [
    { id: 'httpclose', port: await freePort(), socket: join(dir, 'h.sock'), kind: 'http' as const, keepalive: false },
    { id: 'gwuwsgi', port: await freePort(), socket: join(dir, 'u.sock'), kind: 'uwsgi' as const, keepalive: false },
  ];
  const nginx = await startNginx(dir, sites);
  const pids = [http.pid, gw.pid];
  for (const [i, s] of sites.entries()) await runWrk(`http://127.0.0.1:${s.port}/hello`, { seconds: 2 });
  for (let r = 0; r < 3; r++) for (const [i, s] of sites.entries()) {
    const a = cpuTimes(pids[i]!); const w = await runWrk(`http://127.0.0.1:${s.port}/hello`, { seconds: 6 }); const b = cpuTimes(pids[i]!);
    console.log(`${s.id} ${(w.rps / 1000).toFixed(1)} k req/s app ${(((b.user + b.system - a.user - a.system) * 1e6) / w.requests).toFixed(1)} µs/req`);
  }
  await stopNginx(nginx); await stop(http); await stop(gw);
} finally { await stopAll(); rmSync(dir, { recursive: true, force: true }); }
