/**
 * Targets 1 and 2: one php-fpm pool (4 static workers, unix socket, hello.php) behind four HTTP
 * front ends on 127.0.0.1, each measured with `wrk -t1 -c16 -d8s --latency` in interleaved
 * rounds (the order rotates every round, so no front end always runs right after another):
 *
 * - nginx 1 worker, `fastcgi_pass` + `fastcgi_keep_conn on` + `keepalive 4` (the reference);
 * - gw proxy (`startProxy`, pool maxConnections 4, KEEP_CONN);
 * - node:http + fastcgi-client 0.2.0 (npm anchor; one connection per request, its only mode with php-fpm);
 * - the node proxy floor (apps/proxy-floor.mjs: node:http + a minimal FastCGI pool of 4, KEEP_CONN,
 *   prebuilt request bytes): no target, an extra row showing what any node front end can reach.
 *
 * Per run: requests/s and p50/p99 from wrk, and CPU per request of the front end (nginx worker or
 * node process) and of the php-fpm workers, from /proc. Ratios are medians of per-round ratios.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEnvironment, freePort } from '../e2e/lib/nginx.js';
import { type Child, cpuSeconds, sleep, start, stop, waitForLine } from '../e2e/lib/processes.js';
import { runWrk, type WrkResult, wrkArgs } from '../e2e/lib/wrk.js';
import { appsDir, bundleApp } from './lib/build.js';
import { startNginxPhp, stopNginxPhp } from './lib/nginx-php.js';
import { PHP_HELLO, type PhpFpm, phpWorkerPids, pinnedWorkers, startPhpFpm, stopPhpFpm } from './lib/php-fpm.js';
import { median, spread } from './lib/stats.js';

export type FrontKey = 'nginx' | 'gw' | 'npm' | 'pfloor';
export const FRONT_LABELS: Record<FrontKey, string> = {
  nginx: 'nginx 1.22 (fastcgi_keep_conn on, keepalive 4)',
  gw: 'gw proxy (pool of 4, KEEP_CONN)',
  npm: 'node:http + fastcgi-client 0.2.0',
  pfloor: 'node proxy floor (proxy-floor.mjs, pool of 4, KEEP_CONN; no target)',
};
const KEYS: readonly FrontKey[] = ['nginx', 'gw', 'npm', 'pfloor'];

/**
 * php-fpm serves one connection per worker until the client closes it, so a front end's idle
 * kept-alive connections would starve the next one of all 4 workers. Both keep-alive front ends
 * close idle connections after 1 s (nginx keepalive_timeout, gw's pool idle timeout), and each run
 * starts IDLE_CLOSE_MS after the previous one ended. (During a run the connections are never idle.)
 */
const IDLE_SECONDS = 1;
const IDLE_CLOSE_MS = 2500;

export interface ProxySample extends WrkResult {
  /** Front-end CPU (nginx worker or node process) per request, µs. */
  frontCpuUs: number;
  /** php-fpm workers' CPU per request, µs. */
  phpCpuUs: number;
}

export interface ProxyBenchResult {
  rounds: number;
  wrk: string;
  samples: Record<FrontKey, ProxySample[]>;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

async function verify(port: number, key: FrontKey): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/hello.php`);
  const body = await res.text();
  if (res.status !== 200 || body !== PHP_HELLO || !String(res.headers.get('content-type')).startsWith('text/plain')) {
    throw new Error(`${key}: status ${res.status}, content-type ${res.headers.get('content-type')}, body ${JSON.stringify(body)}`);
  }
}

/** Waits (up to 30 s) until no php-fpm worker holds a connection, so a run never starts starved. */
async function waitForFreeWorkers(fpm: PhpFpm, next: FrontKey): Promise<void> {
  const t0 = Date.now();
  let pinned = pinnedWorkers(fpm);
  while (pinned > 0 && Date.now() - t0 < 30_000) {
    await sleep(100);
    pinned = pinnedWorkers(fpm);
  }
  if (Date.now() - t0 > 150) log(`  waited ${Date.now() - t0} ms for php-fpm workers to be released before ${next} (${pinned} still pinned)`);
}

/** Runs targets 1–2; `rounds` interleaved rounds of `seconds` each, after a `warmup`-second wrk per front end. */
export async function runProxyBench(rounds: number, seconds: number, warmup: number, keepTmp = false): Promise<ProxyBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-client-bench-'));
  chmodSync(dir, 0o755); // nginx's worker runs as nobody when nginx starts as root: it must reach the socket
  const children: Child[] = [];
  let nginx: Awaited<ReturnType<typeof startNginxPhp>> | undefined;
  let fpm: Awaited<ReturnType<typeof startPhpFpm>> | undefined;
  try {
    fpm = await startPhpFpm(dir, 4);
    const ports: Record<FrontKey, number> = { nginx: await freePort(), gw: await freePort(), npm: await freePort(), pfloor: await freePort() };
    nginx = await startNginxPhp(dir, ports.nginx, fpm.socket, fpm.docroot, fpm.workers, IDLE_SECONDS);
    const gwBundle = await bundleApp('gw-proxy.ts', dir);
    const gw = start('gw-proxy', process.execPath, [gwBundle, String(ports.gw), fpm.socket, fpm.docroot, String(fpm.workers), String(IDLE_SECONDS * 1000)], { env: appEnvironment() });
    children.push(gw);
    const npm = start('npm-proxy', process.execPath, [join(appsDir, 'npm-proxy.mjs'), String(ports.npm), fpm.socket, fpm.docroot], { env: appEnvironment() });
    children.push(npm);
    const pfloorArgs = [join(appsDir, 'proxy-floor.mjs'), String(ports.pfloor), fpm.socket, fpm.docroot, String(fpm.workers), String(IDLE_SECONDS * 1000)];
    const pfloor = start('proxy-floor', process.execPath, pfloorArgs, { env: appEnvironment() });
    children.push(pfloor);
    await waitForLine(gw, (l) => l === 'listening');
    await waitForLine(npm, (l) => l === 'listening');
    await waitForLine(pfloor, (l) => l === 'listening');
    const frontPid: Record<FrontKey, number> = { nginx: nginx.workerPid, gw: gw.pid, npm: npm.pid, pfloor: pfloor.pid };
    for (const key of KEYS) {
      await verify(ports[key], key);
      await sleep(IDLE_CLOSE_MS);
    }
    const url = (key: FrontKey) => `http://127.0.0.1:${ports[key]}/hello.php`;
    const wrk = { threads: 1, connections: 16, seconds };
    const phpCpu = () => phpWorkerPids(fpm!).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const measure = async (key: FrontKey, s: number): Promise<ProxySample> => {
      await sleep(IDLE_CLOSE_MS);
      await waitForFreeWorkers(fpm!, key);
      const f0 = cpuSeconds(frontPid[key]);
      const p0 = phpCpu();
      const r = await runWrk(url(key), { ...wrk, seconds: s });
      const frontCpuUs = ((cpuSeconds(frontPid[key]) - f0) / r.requests) * 1e6;
      const phpCpuUs = ((phpCpu() - p0) / r.requests) * 1e6;
      if (r.non2xx > 0 || r.socketErrors > 0) log(`  ${key}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
      return { ...r, frontCpuUs, phpCpuUs };
    };
    for (const key of KEYS) {
      log(`warm-up ${key} ${warmup}s`);
      await measure(key, warmup);
    }
    const samples: Record<FrontKey, ProxySample[]> = { nginx: [], gw: [], npm: [], pfloor: [] };
    for (let round = 0; round < rounds; round++) {
      const order = KEYS.map((_, i) => KEYS[(i + round) % KEYS.length] as FrontKey);
      for (const key of order) {
        const s = await measure(key, seconds);
        samples[key].push(s);
        log(`round ${round + 1}/${rounds} ${key.padEnd(6)} ${s.rps.toFixed(0).padStart(6)} req/s  p99 ${s.p99.toFixed(2)} ms  front ${s.frontCpuUs.toFixed(0)} µs/req  php ${s.phpCpuUs.toFixed(0)} µs/req`);
      }
    }
    return { rounds, wrk: `wrk ${wrkArgs('http://127.0.0.1:PORT/hello.php', wrk).join(' ')}`, samples };
  } finally {
    for (const c of children.reverse()) await stop(c);
    if (nginx) await stopNginxPhp(nginx);
    if (fpm) await stopPhpFpm(fpm);
    if (keepTmp) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown section for targets 1–2. */
export function proxyReport(r: ProxyBenchResult): string {
  const s = r.samples;
  const ratio = (a: FrontKey, b: FrontKey) => s[a].map((x, i) => x.rps / (s[b][i] as ProxySample).rps);
  const lines = [
    '## Targets 1–2: HTTP front end → php-fpm 8.2 (hello.php, 4 static workers, unix socket)',
    '',
    `\`${r.wrk}\`, ${r.rounds} interleaved rounds (order rotated each round). Medians, [min – max] over rounds.`,
    '',
    '| front end | req/s | p50 ms | p99 ms | front-end CPU µs/req | php-fpm CPU µs/req | errors |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const key of KEYS) {
    const x = s[key];
    const errors = x.reduce((n, y) => n + y.non2xx + y.socketErrors, 0);
    lines.push(
      `| ${FRONT_LABELS[key]} | ${spread(x.map((y) => y.rps), 0)} | ${spread(x.map((y) => y.p50), 2)} | ${spread(x.map((y) => y.p99), 2)} | ${spread(x.map((y) => y.frontCpuUs), 0)} | ${spread(x.map((y) => y.phpCpuUs), 0)} | ${errors} |`,
    );
  }
  const t1 = ratio('gw', 'nginx');
  const t2 = ratio('gw', 'npm');
  lines.push(
    '',
    '| target | ratio (median of per-round ratios) | per round | verdict |',
    '| --- | --- | --- | --- |',
    `| 1: gw proxy ≥ 0.8× nginx | ${median(t1).toFixed(2)}× | ${t1.map((v) => v.toFixed(2)).join(', ')} | ${verdictOf(t1, 0.8)} |`,
    `| 2: gw proxy ≥ 2× fastcgi-client | ${median(t2).toFixed(2)}× | ${t2.map((v) => v.toFixed(2)).join(', ')} | ${verdictOf(t2, 2)} |`,
  );
  // Not a target: how close any node front end gets to nginx, and how close gw gets to that floor.
  const floor = ratio('pfloor', 'nginx');
  const gwFloor = ratio('gw', 'pfloor');
  lines.push(
    '',
    `Node floor (no target): proxy-floor / nginx ${median(floor).toFixed(2)}× (${floor.map((v) => v.toFixed(2)).join(', ')}); ` +
      `gw proxy / proxy-floor ${median(gwFloor).toFixed(2)}× (${gwFloor.map((v) => v.toFixed(2)).join(', ')}).`,
  );
  return lines.join('\n');
}

export function verdictOf(ratios: readonly number[], bound: number): string {
  const above = ratios.filter((v) => v >= bound).length;
  if (above === ratios.length) return 'met (every round)';
  if (above === 0) return 'missed (every round)';
  return `within noise (${above}/${ratios.length} rounds ≥ ${bound}; median ${median(ratios) >= bound ? 'meets' : 'misses'})`;
}
