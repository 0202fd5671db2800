/**
 * A short A/B loop for working on the proxy's hot path (not a results benchmark): php-fpm (4
 * workers) behind nginx and behind the gw proxy, plus two floors: `pfloor` (apps/proxy-floor.mjs,
 * the least a node proxy to php-fpm does) and `floor` (a bare node:http hello server, no upstream:
 * the floor of any node front end); `wrk -t1 -cN` on each in interleaved rounds. Prints req/s and the front
 * end's user and system CPU per request, so a change can be judged on CPU rather than on the
 * noisy rates of a shared machine; then the front end's context switches per request (blocking
 * waits + preemptions), php-fpm's CPU per request and its workers' blocking waits per request
 * (below 1 when a worker finds its next request already written), and the 1-minute load.
 *
 * node --import tsx client/quick-proxy.ts [rounds=3] [seconds=4] [connections=16] [fronts=nginx,gw,pfloor,floor,old]
 * (GW_FRONT_FLAGS='--flag …': node flags for every node front end)
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEnvironment, freePort } from '../e2e/lib/nginx.js';
import { type Child, cpuTimes, sleep, start, stop, stopChildrenOnExit, waitForLine } from '../e2e/lib/processes.js';
import { runWrk } from '../e2e/lib/wrk.js';
import { appsDir, bundleApp } from './lib/build.js';
import { startNginxPhp, stopNginxPhp } from './lib/nginx-php.js';
import { type PhpFpm, phpWorkerPids, pinnedWorkers, startPhpFpm, stopPhpFpm } from './lib/php-fpm.js';
import { median } from './lib/stats.js';

/**
 * Context switches of a process's main thread so far (/proc/PID/status: node's event loop; php-fpm
 * workers have one thread). `voluntary` counts the times it blocked waiting for input: a php
 * worker that finds its next request already written does not block for it.
 */
function contextSwitches(pid: number): { voluntary: number; involuntary: number } {
  const out = { voluntary: 0, involuntary: 0 };
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    if (line.startsWith('voluntary_ctxt_switches:')) out.voluntary += Number(line.slice(24));
    else if (line.startsWith('nonvoluntary_ctxt_switches:')) out.involuntary += Number(line.slice(27));
  }
  return out;
}

/** The pool's CPU seconds and voluntary context switches so far (workers only). */
function phpTotals(fpm: PhpFpm): { cpu: number; voluntary: number } {
  let cpu = 0;
  let voluntary = 0;
  for (const pid of phpWorkerPids(fpm)) {
    const t = cpuTimes(pid);
    cpu += t.user + t.system;
    voluntary += contextSwitches(pid).voluntary;
  }
  return { cpu, voluntary };
}

stopChildrenOnExit();
const args = process.argv.slice(2).filter((a) => a !== '--');
const rounds = Number(args[0] ?? 3);
const seconds = Number(args[1] ?? 4);
const connections = Number(args[2] ?? 16);
const fronts = (args[3] ?? 'nginx,gw,floor').split(',');
// Node/V8 flags for every node front end alike (`--single-threaded-gc`, say: NODE_OPTIONS refuses V8 flags).
const nodeFlags = (process.env.GW_FRONT_FLAGS ?? '').split(' ').filter((f) => f !== '');

const dir = mkdtempSync(join(tmpdir(), 'gw-quick-proxy-'));
chmodSync(dir, 0o755);
const children: Child[] = [];
const fpm = await startPhpFpm(dir, 4);
const pids: Record<string, number> = {};
const urls: Record<string, string> = {};
let nginx: Awaited<ReturnType<typeof startNginxPhp>> | undefined;
try {
  if (fronts.includes('nginx')) {
    const port = await freePort();
    nginx = await startNginxPhp(dir, port, fpm.socket, fpm.docroot, 4, 1);
    pids.nginx = nginx.workerPid;
    urls.nginx = `http://127.0.0.1:${port}/hello.php`;
  }
  /** Starts a node front end (`script PORT …args`), waits for its ready line, records it as `key`. */
  const startFront = async (key: string, script: string, args: string[]) => {
    const port = await freePort();
    const child = start(key, process.execPath, [...nodeFlags, script, String(port), ...args], { env: appEnvironment() });
    children.push(child);
    await waitForLine(child, (l) => l === 'listening');
    pids[key] = child.pid;
    urls[key] = `http://127.0.0.1:${port}/hello.php`;
  };
  // gw's pool settings, shared by the node proxies: 4 connections, idle close after 1 s.
  const proxyArgs = [fpm.socket, fpm.docroot, '4', '1000'];
  if (fronts.includes('gw')) await startFront('gw', await bundleApp('gw-proxy.ts', dir), proxyArgs);
  // `old`: the same app bundled from another checkout (GW_BASELINE_ROOT, e.g. `git archive HEAD`
  // unpacked with node_modules linked), for an A/B against the working tree in one run.
  const baseline = process.env.GW_BASELINE_ROOT;
  if (fronts.includes('old') && baseline !== undefined) {
    const oldDir = join(dir, 'old');
    mkdirSync(oldDir);
    await startFront('old', await bundleApp('gw-proxy.ts', oldDir, baseline), proxyArgs);
  }
  // `pfloor`: the minimal node proxy to php-fpm (no gw code), same pool size and idle close as gw.
  if (fronts.includes('pfloor')) await startFront('pfloor', join(appsDir, 'proxy-floor.mjs'), proxyArgs);
  if (fronts.includes('floor')) await startFront('floor', join(appsDir, 'hello-floor.mjs'), []);
  const keys = fronts.filter((f) => urls[f] !== undefined);
  const measure = async (key: string, s: number) => {
    await sleep(1500);
    for (let i = 0; i < 100 && pinnedWorkers(fpm) > 0 && key !== 'floor'; i++) await sleep(100);
    const pid = pids[key] as number;
    const t0 = cpuTimes(pid);
    const c0 = contextSwitches(pid);
    const p0 = phpTotals(fpm);
    const r = await runWrk(urls[key] as string, { threads: 1, connections, seconds: s });
    const t1 = cpuTimes(pid);
    const c1 = contextSwitches(pid);
    const p1 = phpTotals(fpm);
    const per = (n: number) => n / r.requests;
    return {
      rps: r.rps,
      p99: r.p99,
      user: per(t1.user - t0.user) * 1e6,
      sys: per(t1.system - t0.system) * 1e6,
      // The front end's blocking waits and preemptions per request, then php-fpm's CPU and blocking waits.
      vcs: per(c1.voluntary - c0.voluntary),
      ics: per(c1.involuntary - c0.involuntary),
      php: key === 'floor' ? 0 : per(p1.cpu - p0.cpu) * 1e6,
      phpVcs: key === 'floor' ? 0 : per(p1.voluntary - p0.voluntary),
      errors: r.non2xx + r.socketErrors,
    };
  };
  for (const key of keys) await measure(key, 1);
  const rps: Record<string, number[]> = {};
  // the proxies compared with nginx each round (floor has no upstream: its rate is no ratio target)
  const compared = keys.filter((k) => k === 'gw' || k === 'old' || k === 'pfloor');
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round) % keys.length] as string;
      const m = await measure(key, seconds);
      (rps[key] ??= []).push(m.rps);
      console.log(
        `round ${round + 1} ${key.padEnd(6)} ${m.rps.toFixed(0).padStart(6)} req/s  p99 ${m.p99.toFixed(1).padStart(6)} ms  user ${m.user.toFixed(0).padStart(4)} sys ${m.sys.toFixed(0).padStart(4)} µs/req  cs ${m.vcs.toFixed(2)}+${m.ics.toFixed(2)}  php ${m.php.toFixed(0).padStart(3)} µs ${m.phpVcs.toFixed(2)} waits/req  load ${loadavg()[0]?.toFixed(1)}${m.errors ? `  ${m.errors} errors` : ''}`,
      );
    }
    const last = (k: string) => rps[k]?.at(-1) as number;
    if (rps.nginx && compared.length > 0) console.log(`  ${compared.map((k) => `${k}/nginx ${(last(k) / last('nginx')).toFixed(2)}`).join('  ')}`);
  }
  // Medians of the per-round ratios (both sides of a ratio ran seconds apart).
  if (rps.nginx && compared.length > 0) {
    const ratios = (k: string) => (rps[k] as number[]).map((v, i) => v / (rps.nginx?.[i] as number));
    console.log(`median ${compared.map((k) => `${k}/nginx ${median(ratios(k)).toFixed(2)} [${ratios(k).map((v) => v.toFixed(2)).join(', ')}]`).join('  ')}`);
  }
} finally {
  for (const c of children.reverse()) await stop(c);
  if (nginx) await stopNginxPhp(nginx);
  await stopPhpFpm(fpm);
  rmSync(dir, { recursive: true, force: true });
}
