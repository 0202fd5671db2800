/**
 * Scenarios 1–4: nginx in front of four upstreams serving the same listener, measured with wrk
 * in interleaved rounds (every upstream once per round, so a burst of load from a neighbour hits
 * them alike), for a 14-byte and a 64 KiB body. Per run: requests/s and latency from wrk, and
 * CPU seconds per request of the app process and of nginx's worker from /proc/<pid>/stat.
 */
import { join } from 'node:path';
import { appsDir } from './lib/build.js';
import { freePort, type Nginx, type NginxSite, startApp, startNginx, stopNginx, UPSTREAM_KEEPALIVE } from './lib/nginx.js';
import { type Child, cpuSeconds, cpuTimes, stop } from './lib/processes.js';
import { type Bound, formatRange, formatRatio, median, verdict } from './lib/stats.js';
import { runWrk, type WrkOptions, type WrkResult, wrkArgs } from './lib/wrk.js';

export type UpstreamKey = 'gw' | 'http' | 'nodeFastcgi' | 'bare';

/** One upstream: the app that serves the listener and how nginx talks to it. */
interface Upstream {
  key: UpstreamKey;
  label: string;
  /** The app script; `gw` is the bundle built for this run. */
  script: (gwBundle: string) => string;
  kind: NginxSite['kind'];
  keepalive: boolean;
}

/** In round order: A B C D. */
export const UPSTREAMS: readonly Upstream[] = [
  { key: 'gw', label: 'gw FastCGI', script: (b) => b, kind: 'fastcgi', keepalive: true },
  { key: 'http', label: 'node:http proxy_pass', script: () => join(appsDir, 'node-http-app.mjs'), kind: 'http', keepalive: true },
  { key: 'nodeFastcgi', label: 'node-fastcgi 2.0.0', script: () => join(appsDir, 'node-fastcgi-app.mjs'), kind: 'fastcgi', keepalive: false },
  { key: 'bare', label: 'bare responder', script: () => join(appsDir, 'bare-responder.mjs'), kind: 'fastcgi', keepalive: true },
];

/** The two response bodies of the issue. */
export const BODIES = [
  { path: '/hello', label: 'hello world (14-byte body)', expected: Buffer.from('Hello, World!\n') },
  { path: '/64k', label: '64 KiB body', expected: Buffer.alloc(64 * 1024, 'x') },
] as const;

/** One wrk run plus the CPU the app and nginx spent on it. */
export interface Sample extends WrkResult {
  /** App process CPU (user + system, all threads) per request, µs. */
  appCpuUs: number;
  /** The system (kernel) part of appCpuUs: socket syscalls, mostly. */
  appSysUs: number;
  /** nginx worker CPU per request, µs. */
  nginxCpuUs: number;
}

export interface ThroughputSettings {
  rounds: number;
  wrk: WrkOptions;
  warmupSeconds: number;
  /**
   * Seconds of load right before each measured run (0: none). Each upstream sits idle while the
   * others are measured, and V8 shrinks an idle process's young generation; it grows it back only
   * as objects survive scavenges, so an app whose requests leave little behind (gw) scavenges more
   * often for a while after each pause. A warm-up before each run measures the steady state.
   */
  runWarmupSeconds: number;
}

export interface ThroughputResult {
  settings: ThroughputSettings;
  /** samples[bodyIndex][upstreamKey] = one Sample per round. */
  samples: Record<UpstreamKey, Sample[]>[];
  /** Connections each app accepted over the whole run, and the requests it served (warm-up included). */
  churn: Record<UpstreamKey, { connections: number; requests: number }>;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Fails unless every upstream answers both paths with 200, text/plain and the exact body. */
export async function verify(nginx: Nginx): Promise<void> {
  for (const site of nginx.sites) {
    for (const body of BODIES) {
      const res = await fetch(`http://127.0.0.1:${site.port}${body.path}`);
      const got = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200 || res.headers.get('content-type') !== 'text/plain' || !got.equals(body.expected)) {
        throw new Error(`${site.id}${body.path}: status ${res.status}, content-type ${res.headers.get('content-type')}, ${got.length} body bytes — not the expected response`);
      }
    }
  }
}

async function measureOne(url: string, appPid: number, nginxPid: number, wrk: WrkOptions): Promise<Sample> {
  const app0 = cpuTimes(appPid);
  const nginx0 = cpuSeconds(nginxPid);
  const r = await runWrk(url, wrk);
  const app1 = cpuTimes(appPid);
  const perRequest = (s: number) => (s * 1e6) / Math.max(1, r.requests);
  return {
    ...r,
    appCpuUs: perRequest(app1.user + app1.system - app0.user - app0.system),
    appSysUs: perRequest(app1.system - app0.system),
    nginxCpuUs: perRequest(cpuSeconds(nginxPid) - nginx0),
  };
}

/** Starts the four apps and nginx in `dir`, warms up, runs the rounds, stops everything. */
export async function runThroughput(dir: string, gwBundle: string, settings: ThroughputSettings): Promise<ThroughputResult> {
  const apps = new Map<UpstreamKey, Child>();
  const sites: NginxSite[] = [];
  let nginx: Nginx | undefined;
  // verify() sends one request per body to each upstream.
  const served: Record<UpstreamKey, number> = { gw: BODIES.length, http: BODIES.length, nodeFastcgi: BODIES.length, bare: BODIES.length };
  let samples: Record<UpstreamKey, Sample[]>[] = [];
  try {
    for (const u of UPSTREAMS) {
      const socket = join(dir, `${u.key}.sock`);
      apps.set(u.key, await startApp(u.label, u.script(gwBundle), socket));
      sites.push({ id: u.key, port: await freePort(), socket, kind: u.kind, keepalive: u.keepalive });
    }
    nginx = await startNginx(dir, sites);
    await verify(nginx);
    const url = (key: UpstreamKey, path: string) => `http://127.0.0.1:${sites.find((s) => s.id === key)?.port}${path}`;
    const pid = (key: UpstreamKey) => (apps.get(key) as Child).pid;

    log(`warm-up: ${settings.warmupSeconds} s per upstream and body`);
    for (const body of BODIES) {
      for (const u of UPSTREAMS) served[u.key] += (await runWrk(url(u.key, body.path), { ...settings.wrk, seconds: settings.warmupSeconds })).requests;
    }
    samples = BODIES.map(() => ({ gw: [], http: [], nodeFastcgi: [], bare: [] }));
    for (let r = 0; r < settings.rounds; r++) {
      for (const [b, body] of BODIES.entries()) {
        for (const u of UPSTREAMS) {
          if (settings.runWarmupSeconds > 0) served[u.key] += (await runWrk(url(u.key, body.path), { ...settings.wrk, seconds: settings.runWarmupSeconds })).requests;
          const s = await measureOne(url(u.key, body.path), pid(u.key), nginx.workerPid, settings.wrk);
          (samples[b] as Record<UpstreamKey, Sample[]>)[u.key].push(s);
          served[u.key] += s.requests;
          const errors = s.non2xx + s.socketErrors > 0 ? `, ${s.non2xx} non-2xx, ${s.socketErrors} socket errors` : '';
          log(`round ${r + 1}/${settings.rounds} ${body.path.padEnd(6)} ${u.label.padEnd(22)} ${(s.rps / 1000).toFixed(1).padStart(5)} k req/s  app ${s.appCpuUs.toFixed(1).padStart(6)} µs/req (kernel ${s.appSysUs.toFixed(1).padStart(5)})  nginx ${s.nginxCpuUs.toFixed(1).padStart(5)} µs/req${errors}`);
        }
      }
    }
  } finally {
    if (nginx) await stopNginx(nginx);
    for (const app of apps.values()) await stop(app);
  }
  const churn = {} as ThroughputResult['churn'];
  for (const u of UPSTREAMS) {
    // Each app prints `connections N` as it exits (apps/lifecycle.mjs).
    const line = apps.get(u.key)?.stdoutLines.find((l) => l.startsWith('connections '));
    churn[u.key] = { connections: line ? Number(line.slice(12)) : Number.NaN, requests: served[u.key] };
  }
  return { settings, samples, churn };
}

// ── report ──────────────────────────────────────────────────────────────────

const rate = (x: number) => `${(x / 1000).toFixed(1)} k`;
const us = (x: number) => `${x.toFixed(1)} µs`;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Per-round ratios subject ÷ anchor of one measure. */
function roundRatios(subject: Sample[], anchor: Sample[], of: (s: Sample) => number): number[] {
  return subject.map((s, i) => of(s) / of(anchor[i] as Sample));
}

interface TargetSpec {
  goal: string;
  subject: UpstreamKey;
  anchor: UpstreamKey;
  of: (s: Sample) => number;
  bound: Bound;
  /** Informational rows carry no verdict. */
  info?: boolean;
}

const TARGETS: TargetSpec[] = [
  { goal: 'gw req/s ≥ 5× node-fastcgi', subject: 'gw', anchor: 'nodeFastcgi', of: (s) => s.rps, bound: { direction: 'atLeast', bound: 5 } },
  { goal: 'gw req/s ≥ 1.0× node:http proxy_pass', subject: 'gw', anchor: 'http', of: (s) => s.rps, bound: { direction: 'atLeast', bound: 1 } },
  { goal: 'gw req/s within 5 % of the bare responder (≥ 0.95×)', subject: 'gw', anchor: 'bare', of: (s) => s.rps, bound: { direction: 'atLeast', bound: 0.95 } },
  { goal: "gw app CPU/request ≤ node:http's (≤ 1.0×)", subject: 'gw', anchor: 'http', of: (s) => s.appCpuUs, bound: { direction: 'atMost', bound: 1 } },
  { goal: "(info) gw app CPU/request ÷ bare responder's", subject: 'gw', anchor: 'bare', of: (s) => s.appCpuUs, bound: { direction: 'atMost', bound: 1 }, info: true },
  { goal: "(info) gw nginx CPU/request ÷ node:http's", subject: 'gw', anchor: 'http', of: (s) => s.nginxCpuUs, bound: { direction: 'atMost', bound: 1 }, info: true },
];

/** The results as Markdown: one table per body, then the targets with verdicts. */
export function throughputReport(result: ThroughputResult): string {
  const { settings } = result;
  const lines: string[] = [
    `## Throughput and CPU per request: nginx → upstream, \`wrk ${wrkArgs('URL', settings.wrk).join(' ')}\``,
    '',
    `${settings.rounds} interleaved rounds (round r runs every upstream once, in the order ${UPSTREAMS.map((u) => u.label).join(', ')}; hello world then 64 KiB), after a ${settings.warmupSeconds} s warm-up of each${settings.runWarmupSeconds > 0 ? `, and each measured run right after ${settings.runWarmupSeconds} s of the same load (E2E_RUN_WARMUP_SECONDS)` : ''}. ` +
      'Figures are medians over rounds with the min – max spread; `÷ node:http` is the median of the per-round ratios (same round, seconds apart). ' +
      'App CPU is the app process\'s utime + stime (all threads: GC and libuv included) over the wrk run ÷ requests; nginx CPU is its one worker\'s.',
    '',
  ];
  for (const [b, body] of BODIES.entries()) {
    const byKey = result.samples[b] as Record<UpstreamKey, Sample[]>;
    lines.push(`### ${body.label}`, '');
    lines.push('| upstream | req/s | min – max | ÷ node:http | p50 | p99 | app CPU/req | min – max | of which kernel | nginx CPU/req | errors |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const u of UPSTREAMS) {
      const ss = byKey[u.key];
      const rps = ss.map((s) => s.rps);
      const cpu = ss.map((s) => s.appCpuUs);
      const errors = ss.reduce((a, s) => a + s.non2xx + s.socketErrors, 0);
      lines.push(
        `| ${u.label} | ${rate(median(rps))} | ${formatRange(rps, rate)} | ${formatRatio(median(roundRatios(ss, byKey.http, (s) => s.rps)))} | ${ms(median(ss.map((s) => s.p50)))} | ${ms(median(ss.map((s) => s.p99)))} | ${us(median(cpu))} | ${formatRange(cpu, us)} | ${us(median(ss.map((s) => s.appSysUs)))} | ${us(median(ss.map((s) => s.nginxCpuUs)))} | ${errors} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '### Upstream connections',
    '',
    'Connections each app accepted over the whole run (warm-up included) per 1000 requests it served. ' +
      (UPSTREAM_KEEPALIVE < 50
        ? `With 50 wrk connections and \`keepalive ${UPSTREAM_KEEPALIVE}\`, nginx closes an upstream connection whenever more than ${UPSTREAM_KEEPALIVE} are idle and opens a new one when it needs more than are idle: the kept-alive upstreams pay a connection setup now and then, node-fastcgi (keep_conn off) one per request.`
        : `With \`keepalive ${UPSTREAM_KEEPALIVE}\` (at least wrk's 50 connections) nginx keeps every upstream connection it opens: the kept-alive upstreams pay no connection set-up after the first few, node-fastcgi (keep_conn off) one per request.`),
    '',
    '| upstream | connections | requests | per 1k requests |',
    '| --- | ---: | ---: | ---: |',
    ...UPSTREAMS.map((u) => {
      const c = result.churn[u.key];
      return `| ${u.label} | ${c.connections} | ${c.requests} | ${((1000 * c.connections) / c.requests).toFixed(1)} |`;
    }),
    '',
  );
  lines.push('### Targets', '', '| goal | body | median ratio | per-round min – max | verdict |', '| --- | --- | ---: | ---: | --- |');
  for (const t of TARGETS) {
    for (const [b, body] of BODIES.entries()) {
      const byKey = result.samples[b] as Record<UpstreamKey, Sample[]>;
      const ratios = roundRatios(byKey[t.subject], byKey[t.anchor], t.of);
      lines.push(`| ${t.goal} | ${body.path} | ${formatRatio(median(ratios))} | ${formatRange(ratios, formatRatio)} | ${t.info ? '–' : verdict(ratios, t.bound)} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
