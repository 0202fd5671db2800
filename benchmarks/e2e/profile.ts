/**
 * Profiles one app under load: nginx in front of it alone, a warm-up and one wrk run, then the
 * app is stopped (SIGTERM → clean exit → the profile is written) and the profile is mapped to
 * `packages/**` file:line through the gw bundle's source map. Every mode also reads `--trace-gc`
 * for the garbage made per request.
 *
 * Modes: CPU (default: `node --cpu-prof`), `--alloc` (V8's sampling heap profiler: bytes allocated
 * per request by function) and `--alloc=promoted` (only what survived a scavenge).
 *
 * Usage (in benchmarks/): `pnpm run profile:e2e -- [hello|64k] [--app=gw|http|bare]
 * [--alloc[=promoted]] [--no-write] [--top=N]`. `--app=http` / `--app=bare` profile the node:http
 * (proxy_pass) and bare-responder references the same way. Writes
 * `results/e2e-<date>-profile[-64k][-<app>][-alloc|-promoted].md`. E2E_SECONDS (10) and
 * E2E_WARMUP_SECONDS (2) apply.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { appsDir, benchmarksDir, buildGwApp, repoRoot } from './lib/build.js';
import { summariseProfile } from './lib/cpu-profile.js';
import { readGcTrace } from './lib/gc-trace.js';
import { summariseHeapProfile } from './lib/heap-profile.js';
import { freePort, type Nginx, startApp, startNginx, stopNginx, UPSTREAM_KEEPALIVE } from './lib/nginx.js';
import { type Child, cpuSeconds, stop, stopAll, stopChildrenOnExit } from './lib/processes.js';
import { allocationSections, cpuSections, type RunFacts } from './profile-report.js';
import { verify } from './throughput.js';
import { runWrk, wrkArgs } from './lib/wrk.js';

const args = process.argv.slice(2);
const body = args.find((a) => !a.startsWith('--')) ?? 'hello';
const appName = args.find((a) => a.startsWith('--app='))?.slice(6) ?? 'gw';
const allocArg = args.find((a) => a === '--alloc' || a.startsWith('--alloc='));
const mode = allocArg === undefined ? 'cpu' : allocArg === '--alloc=promoted' ? 'promoted' : 'alloc';
if ((body !== 'hello' && body !== '64k') || !['gw', 'http', 'bare'].includes(appName) || (allocArg !== undefined && !['--alloc', '--alloc=promoted'].includes(allocArg))) {
  throw new Error('usage: profile.ts [hello|64k] [--app=gw|http|bare] [--alloc[=promoted]] [--no-write] [--top=N]');
}
const APP_LABELS: Record<string, string> = { gw: 'gw FastCGI app', http: 'node:http app (proxy_pass)', bare: 'bare FastCGI responder' };
const write = !args.includes('--no-write');
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const seconds = Number(process.env.E2E_SECONDS ?? 10);
const warmupSeconds = Number(process.env.E2E_WARMUP_SECONDS ?? 2);
// 200 µs: fine enough for ~50 µs requests, cheap enough not to swamp them (the default is 1000).
const INTERVAL_US = 200;

stopChildrenOnExit();
const started = new Date();
const loadBefore = os.loadavg();
const dir = mkdtempSync(join(os.tmpdir(), 'gw-e2e-profile-'));
chmodSync(dir, 0o755);
const profDir = join(dir, 'profile');
mkdirSync(profDir);
const heapFile = join(profDir, 'app.heapprofile');
let app: Child | undefined;
let nginx: Nginx | undefined;
let markdown = '';
try {
  const bundle = appName === 'gw' ? await buildGwApp(dir) : undefined;
  const script = bundle ?? join(appsDir, appName === 'http' ? 'node-http-app.mjs' : 'bare-responder.mjs');
  const socket = join(dir, 'app.sock');
  const nodeArgs =
    mode === 'cpu'
      ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${INTERVAL_US}`, '--trace-gc']
      : ['--import', join(appsDir, 'heap-sampling.mjs'), '--trace-gc'];
  const env = mode === 'cpu' ? {} : { GW_HEAP_PROFILE: heapFile, GW_HEAP_PROFILE_MINOR: mode === 'promoted' ? '0' : '1' };
  app = await startApp(`${APP_LABELS[appName]} (profiled)`, script, socket, nodeArgs, env);
  nginx = await startNginx(dir, [{ id: 'app', port: await freePort(), socket, kind: appName === 'http' ? 'http' : 'fastcgi', keepalive: true }]);
  await verify(nginx);
  const url = `http://127.0.0.1:${nginx.sites[0]?.port}/${body}`;
  process.stderr.write(`profiling (${mode}) the ${APP_LABELS[appName]}: ${warmupSeconds} s warm-up, then ${seconds} s of wrk on /${body}\n`);
  const warm = await runWrk(url, { seconds: warmupSeconds });
  const cpu0 = cpuSeconds(app.pid);
  const wrk = await runWrk(url, { seconds });
  const appCpuUs = ((cpuSeconds(app.pid) - cpu0) * 1e6) / wrk.requests;
  // Writing a sampling heap profile of a few hundred thousand requests takes longer than the
  // default 5 s grace before SIGKILL.
  await stop(app, 'SIGTERM', 120_000);

  const facts: RunFacts = {
    title: `${mode === 'cpu' ? 'CPU profile' : mode === 'alloc' ? 'Allocation profile' : 'Allocations that survived a scavenge'} of the ${APP_LABELS[appName]} behind nginx, /${body}, ${started.toISOString().slice(0, 10)}`,
    command: `node ${process.execArgv.join(' ')} ${relative(benchmarksDir, process.argv[1] ?? 'e2e/profile.ts')}${args.map((a) => ` ${a}`).join('')}`,
    load: `\`wrk ${wrkArgs(`…/${body}`, { seconds }).join(' ')}\` through nginx (one worker, ${appName === 'http' ? 'proxy_pass with HTTP/1.1 keepalive' : 'fastcgi_keep_conn on'}, keepalive ${UPSTREAM_KEEPALIVE}) after a ${warmupSeconds} s warm-up; the profile covers the app's whole life: start-up (a few ms), warm-up and measured run`,
    app: `${bundle ? "the gw bundle (esbuild from the packages' sources, source map)" : relative(benchmarksDir, script)} run with \`node ${nodeArgs.map((a) => (a.startsWith('/') ? relative(benchmarksDir, a) : a)).join(' ')}\`; node ${process.version}, nproc ${os.cpus().length}, load average before ${loadBefore.map((x) => x.toFixed(2)).join(' / ')}, after ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')}`,
    wrk,
    appCpuUs,
    // verify() sent 2 requests; the profile spans the warm-up and the measured run.
    requests: 2 + warm.requests + wrk.requests,
    gc: readGcTrace(app.stdoutLines),
    top,
  };
  let sections: string[];
  if (mode === 'cpu') {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${profDir}: ${app.stderrLines.join('\n')}`);
    sections = cpuSections(facts, summariseProfile(join(profDir, file), bundle, repoRoot), bundle !== undefined);
  } else {
    sections = allocationSections(facts, summariseHeapProfile(heapFile, bundle, repoRoot), mode === 'promoted');
  }
  markdown = sections.join('\n');
  process.stdout.write(markdown);
  if (!write) process.stderr.write(`profile kept in ${profDir} (--no-write keeps the temp dir)\n`);
} finally {
  if (nginx) await stopNginx(nginx);
  await stopAll();
  if (write) rmSync(dir, { recursive: true, force: true });
}
if (write) {
  const suffix = `${body === 'hello' ? '' : `-${body}`}${appName === 'gw' ? '' : `-${appName}`}${mode === 'cpu' ? '' : `-${mode}`}`;
  const path = join(benchmarksDir, 'results', `e2e-${started.toISOString().slice(0, 10)}-profile${suffix}.md`);
  writeFileSync(path, markdown);
  process.stdout.write(`\nwrote ${relative(process.cwd(), path)}\n`);
}
