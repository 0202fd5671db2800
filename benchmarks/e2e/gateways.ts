/**
 * The gateways scenario: nginx → gw FastCGI, gw SCGI, gw uwsgi, node:http proxy_pass and, as the
 * reference of the issue, uWSGI (Debian 2.0.21, python3 plugin, 2 processes) serving a WSGI hello —
 * one run, interleaved rounds, the same two bodies, all upstreams on unix sockets behind one nginx
 * worker. Per run: requests/s and latency from wrk, CPU per request of the app (for uWSGI the sum
 * over its master and workers) and of nginx's worker from /proc/<pid>/stat.
 *
 * The gw servers are one Node process each; uWSGI gets two worker processes as the issue asks, so
 * on this 2-core machine it can use both cores for the app while a gw server uses one. Requests/s
 * compares what a user gets from each setup; CPU per request compares per-core efficiency.
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { appsDir, repoRoot } from './lib/build.js';
import { freePort, type Nginx, type NginxSite, startApp, startNginx, stopNginx, UPSTREAM_KEEPALIVE } from './lib/nginx.js';
import { adoptPid, type Child, childPids, cpuTimes, releasePid, sleep, start, stop } from './lib/processes.js';
import { type Bound, formatRange, formatRatio, median, verdict } from './lib/stats.js';
import { runWrk, type WrkOptions, wrkArgs } from './lib/wrk.js';
import { BODIES, type Sample, verify } from './throughput.js';

export type GatewayKey = 'gwFastcgi' | 'gwScgi' | 'gwUwsgi' | 'gwUwsgi2' | 'bareUwsgi' | 'http' | 'uwsgi';

/** One upstream of the scenario: how nginx talks to it and which app entry point serves it. */
interface GatewayUpstream {
  key: GatewayKey;
  label: string;
  kind: NginxSite['kind'];
  keepalive: boolean;
  /**
   * A gw app entry in apps/ (bundled; `workers` > 1 runs it as a node:cluster of that many
   * processes sharing the listening socket), a plain node app, or uWSGI.
   */
  app: { bundle: string; workers?: number } | { script: string } | 'uwsgi';
}

/** In round order. */
export const GATEWAYS: readonly GatewayUpstream[] = [
  {
    key: 'gwFastcgi',
    label: 'gw FastCGI',
    kind: 'fastcgi',
    keepalive: true,
    app: { bundle: 'gw-app.mjs' },
  },
  {
    key: 'gwScgi',
    label: 'gw SCGI',
    kind: 'scgi',
    keepalive: false,
    app: { bundle: 'gw-scgi-app.mjs' },
  },
  {
    key: 'gwUwsgi',
    label: 'gw uwsgi',
    kind: 'uwsgi',
    keepalive: false,
    app: { bundle: 'gw-uwsgi-app.mjs' },
  },
  {
    key: 'gwUwsgi2',
    label: 'gw uwsgi (2 processes)',
    kind: 'uwsgi',
    keepalive: false,
    app: { bundle: 'gw-uwsgi-app.mjs', workers: 2 },
  },
  {
    key: 'bareUwsgi',
    label: 'bare uwsgi responder (Node floor)',
    kind: 'uwsgi',
    keepalive: false,
    app: { script: 'bare-uwsgi-responder.mjs' },
  },
  {
    key: 'http',
    label: 'node:http proxy_pass',
    kind: 'http',
    keepalive: true,
    app: { script: 'node-http-app.mjs' },
  },
  {
    key: 'uwsgi',
    label: 'uWSGI (2 processes)',
    kind: 'uwsgi',
    keepalive: false,
    app: 'uwsgi',
  },
];

/** Worker processes of the uWSGI reference, as the issue specifies. */
export const UWSGI_PROCESSES = 2;

export interface GatewaySettings {
  rounds: number;
  wrk: WrkOptions;
  warmupSeconds: number;
}

export interface GatewayResult {
  settings: GatewaySettings;
  /** samples[bodyIndex][key] = one Sample per round. */
  samples: Record<GatewayKey, Sample[]>[];
  /** `uwsgi --version`. */
  uwsgiVersion: string;
}

/** A running upstream: the process we started and every PID whose CPU counts as the app's. */
interface RunningApp {
  child: Child;
  pids: () => number[];
}

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Bundles a gw app entry of apps/ like lib/build.ts does for gw-app.mjs (sources, not dist/). */
async function bundleApp(entry: string, outDir: string): Promise<string> {
  const outfile = join(outDir, entry);
  await build({
    entryPoints: [join(appsDir, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'external',
    tsconfig: join(repoRoot, 'tsconfig.json'),
    logLevel: 'warning',
  });
  return outfile;
}

function connectable(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts uWSGI with the command line plus `--chmod-socket=666` (nginx's worker runs as
 * nobody) and waits until the socket accepts and both workers are forked. Its workers are
 * adopted, so they are killed by PID should the run end early.
 */
async function startUwsgi(socket: string): Promise<RunningApp> {
  const args = ['--plugin', 'python3', '--uwsgi-socket', socket, '--chmod-socket=666', '--wsgi-file', join(appsDir, 'wsgi_hello.py'), '--processes', String(UWSGI_PROCESSES), '--master', '--disable-logging'];
  const child = start('uWSGI', 'uwsgi', args);
  const deadline = Date.now() + 15_000;
  let workers: number[] = [];
  for (;;) {
    // The master forks its workers after binding the socket: ready when both hold.
    if (await connectable(socket)) workers = childPids(child.pid);
    if (workers.length >= UWSGI_PROCESSES) break;
    if (Date.now() > deadline) throw new Error(`uWSGI not ready (${workers.length} workers):\n${child.stderrLines.slice(-20).join('\n')}`);
    await sleep(50);
  }
  for (const pid of workers) adoptPid(pid);
  // The master's CPU counts too (it is part of what uWSGI costs), though it does little.
  return { child, pids: () => [child.pid, ...childPids(child.pid)] };
}

/**
 * Stops uWSGI by PID: SIGINT to the master (uWSGI reads SIGTERM as "reload" unless --die-on-term;
 * SIGINT is its shutdown), then SIGKILL to any worker that outlived it.
 */
async function stopUwsgi(app: RunningApp, workers: number[]): Promise<void> {
  await stop(app.child, 'SIGINT');
  for (const pid of workers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {} // gone, as it should be
    releasePid(pid);
  }
}

function cpuOf(pids: number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const t = cpuTimes(pid);
    user += t.user;
    system += t.system;
  }
  return { user, system };
}

async function measureOne(url: string, appPids: number[], nginxPid: number, wrk: WrkOptions): Promise<Sample> {
  const app0 = cpuOf(appPids);
  const nginx0 = cpuOf([nginxPid]);
  const r = await runWrk(url, wrk);
  const app1 = cpuOf(appPids);
  const nginx1 = cpuOf([nginxPid]);
  const perRequest = (s: number) => (s * 1e6) / Math.max(1, r.requests);
  return {
    ...r,
    appCpuUs: perRequest(app1.user + app1.system - app0.user - app0.system),
    appSysUs: perRequest(app1.system - app0.system),
    nginxCpuUs: perRequest(nginx1.user + nginx1.system - nginx0.user - nginx0.system),
  };
}

/** Starts the five upstreams and nginx in `dir`, warms up, runs the rounds, stops everything by PID. */
export async function runGateways(dir: string, gwBundle: string, settings: GatewaySettings): Promise<GatewayResult> {
  const uwsgiVersion = spawnSync('uwsgi', ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const apps = new Map<GatewayKey, RunningApp>();
  const sites: NginxSite[] = [];
  let nginx: Nginx | undefined;
  let uwsgiWorkers: number[] = [];
  const samples: Record<GatewayKey, Sample[]>[] = BODIES.map(() => ({
    gwFastcgi: [],
    gwScgi: [],
    gwUwsgi: [],
    gwUwsgi2: [],
    bareUwsgi: [],
    http: [],
    uwsgi: [],
  }));
  try {
    for (const u of GATEWAYS) {
      const socket = join(dir, `gateways-${u.key}.sock`);
      if (u.app === 'uwsgi') {
        const app = await startUwsgi(socket);
        uwsgiWorkers = app.pids().slice(1);
        apps.set(u.key, app);
      } else {
        const script = 'script' in u.app ? join(appsDir, u.app.script) : u.app.bundle === 'gw-app.mjs' ? gwBundle : await bundleApp(u.app.bundle, dir);
        const workers = 'bundle' in u.app ? (u.app.workers ?? 1) : 1;
        const child = await startApp(u.label, script, socket, [], workers > 1 ? { GW_WORKERS: String(workers) } : {});
        // A cluster: the primary (which only forks and waits) and its workers all count.
        apps.set(u.key, { child, pids: workers > 1 ? () => [child.pid, ...childPids(child.pid)] : () => [child.pid] });
      }
      sites.push({
        id: u.key,
        port: await freePort(),
        socket,
        kind: u.kind,
        keepalive: u.keepalive,
      });
    }
    nginx = await startNginx(dir, sites);
    await verify(nginx);
    const url = (key: GatewayKey, path: string) => `http://127.0.0.1:${sites.find((s) => s.id === key)?.port}${path}`;
    // The PIDs are read once, after the start: a uWSGI worker respawned mid-run would be missed, and
    // that would show as a CPU drop — checked at the end.
    const pids = new Map([...apps].map(([k, a]) => [k, a.pids()]));

    log(`gateways warm-up: ${settings.warmupSeconds} s per upstream and body`);
    for (const body of BODIES)
      for (const u of GATEWAYS)
        await runWrk(url(u.key, body.path), {
          ...settings.wrk,
          seconds: settings.warmupSeconds,
        });
    for (let r = 0; r < settings.rounds; r++) {
      for (const [b, body] of BODIES.entries()) {
        for (const u of GATEWAYS) {
          const s = await measureOne(url(u.key, body.path), pids.get(u.key) ?? [], nginx.workerPid, settings.wrk);
          (samples[b] as Record<GatewayKey, Sample[]>)[u.key].push(s);
          const errors = s.non2xx + s.socketErrors > 0 ? `, ${s.non2xx} non-2xx, ${s.socketErrors} socket errors` : '';
          log(
            `round ${r + 1}/${settings.rounds} ${body.path.padEnd(6)} ${u.label.padEnd(22)} ${(s.rps / 1000).toFixed(1).padStart(5)} k req/s  app ${s.appCpuUs.toFixed(1).padStart(6)} µs/req (kernel ${s.appSysUs.toFixed(1).padStart(5)})  nginx ${s.nginxCpuUs.toFixed(1).padStart(5)} µs/req${errors}`,
          );
        }
      }
    }
    const uwsgiNow = apps.get('uwsgi')?.pids().slice(1).sort() ?? [];
    if (uwsgiNow.join() !== [...uwsgiWorkers].sort().join()) throw new Error(`uWSGI workers changed during the run (${uwsgiWorkers} → ${uwsgiNow}): CPU figures would be incomplete`);
  } finally {
    if (nginx) await stopNginx(nginx);
    for (const [key, app] of apps) {
      if (key === 'uwsgi') await stopUwsgi(app, uwsgiWorkers);
      else await stop(app.child);
    }
  }
  return { settings, samples, uwsgiVersion };
}

// ── report ──────────────────────────────────────────────────────────────────

const rate = (x: number) => `${(x / 1000).toFixed(1)} k`;
const us = (x: number) => `${x.toFixed(1)} µs`;
const ms = (x: number) => `${x.toFixed(2)} ms`;

function roundRatios(subject: Sample[], anchor: Sample[], of: (s: Sample) => number): number[] {
  return subject.map((s, i) => of(s) / of(anchor[i] as Sample));
}

interface GatewayTarget {
  goal: string;
  subject: GatewayKey;
  anchor: GatewayKey;
  of: (s: Sample) => number;
  bound: Bound;
  info?: boolean;
}

const rps = (s: Sample) => s.rps;
const appCpu = (s: Sample) => s.appCpuUs;
const atLeastOne: Bound = { direction: 'atLeast', bound: 1 };
const atMostOne: Bound = { direction: 'atMost', bound: 1 };

const TARGETS: GatewayTarget[] = [
  {
    goal: "gw uwsgi req/s ≥ 1.0× uWSGI (the issue's target)",
    subject: 'gwUwsgi',
    anchor: 'uwsgi',
    of: rps,
    bound: atLeastOne,
  },
  {
    goal: 'gw uwsgi with 2 processes req/s ≥ 1.0× uWSGI with 2 processes (like for like)',
    subject: 'gwUwsgi2',
    anchor: 'uwsgi',
    of: rps,
    bound: atLeastOne,
  },
  {
    goal: "(info) gw uwsgi (2 processes) app CPU/request ÷ uWSGI's (both summed over their processes)",
    subject: 'gwUwsgi2',
    anchor: 'uwsgi',
    of: appCpu,
    bound: atMostOne,
    info: true,
  },
  {
    goal: "(info) gw uwsgi app CPU/request ÷ uWSGI's (sum over its processes)",
    subject: 'gwUwsgi',
    anchor: 'uwsgi',
    of: appCpu,
    bound: atMostOne,
    info: true,
  },
  {
    goal: '(info) bare uwsgi responder (no gw code: accept, read, one write, close) req/s ÷ uWSGI',
    subject: 'bareUwsgi',
    anchor: 'uwsgi',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
  {
    goal: "(info) bare uwsgi responder app CPU/request ÷ uWSGI's",
    subject: 'bareUwsgi',
    anchor: 'uwsgi',
    of: appCpu,
    bound: atMostOne,
    info: true,
  },
  {
    goal: '(info) gw SCGI req/s ÷ uWSGI',
    subject: 'gwScgi',
    anchor: 'uwsgi',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
  {
    goal: '(info) gw SCGI req/s ÷ node:http proxy_pass',
    subject: 'gwScgi',
    anchor: 'http',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
  {
    goal: '(info) gw uwsgi req/s ÷ node:http proxy_pass',
    subject: 'gwUwsgi',
    anchor: 'http',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
  {
    goal: '(info) gw SCGI req/s ÷ gw FastCGI',
    subject: 'gwScgi',
    anchor: 'gwFastcgi',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
  {
    goal: '(info) gw uwsgi req/s ÷ gw FastCGI',
    subject: 'gwUwsgi',
    anchor: 'gwFastcgi',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
  {
    goal: '(info) gw FastCGI req/s ÷ node:http proxy_pass',
    subject: 'gwFastcgi',
    anchor: 'http',
    of: rps,
    bound: atLeastOne,
    info: true,
  },
];

/** The results as Markdown: one table per body, then the targets with verdicts. */
export function gatewaysReport(result: GatewayResult): string {
  const { settings } = result;
  const lines: string[] = [
    `## Gateways: nginx → gw FastCGI / SCGI / uwsgi, node:http and uWSGI, \`wrk ${wrkArgs('URL', settings.wrk).join(' ')}\``,
    '',
    `${settings.rounds} interleaved rounds (round r runs every upstream once, in the order ${GATEWAYS.map((u) => u.label).join(', ')}; hello world then 64 KiB), after a ${settings.warmupSeconds} s warm-up of each. ` +
      'Figures are medians over rounds with the min – max spread; ratios are medians of per-round ratios (same round, seconds apart). ' +
      "App CPU is utime + stime over the wrk run ÷ requests, of the one Node process for the gw and node:http upstreams, summed over the cluster primary and both workers for gw uwsgi (2 processes), and over the master and both workers for uWSGI; nginx CPU is its one worker's.",
    '',
    `uWSGI: \`uwsgi --plugin python3 --uwsgi-socket SOCK --chmod-socket=666 --wsgi-file e2e/apps/wsgi_hello.py --processes ${UWSGI_PROCESSES} --master --disable-logging\`, version ${result.uwsgiVersion}. ` +
      `gw FastCGI and node:http keep upstream connections (\`keepalive ${UPSTREAM_KEEPALIVE}\`, as in the throughput scenario); SCGI and uwsgi have no keep-alive, so nginx opens one unix-socket connection per request to gw SCGI, gw uwsgi and uWSGI alike. ` +
      `**The gw servers are one Node process (one core at most), except gw uwsgi (2 processes): the same app under node:cluster with \`SCHED_NONE\` (GW_WORKERS=2 in e2e/apps/gw-uwsgi-app.mjs), both workers accepting on the shared socket as uWSGI's do; uWSGI has ${UWSGI_PROCESSES} worker processes.** The machine's cores are shared with nginx and wrk: req/s compares the setups as the issue asks, app CPU/req compares per-core efficiency.`,
    '',
  ];
  for (const [b, body] of BODIES.entries()) {
    const byKey = result.samples[b] as Record<GatewayKey, Sample[]>;
    lines.push(`### ${body.label}`, '');
    lines.push('| upstream | req/s | min – max | ÷ uWSGI | ÷ node:http | p50 | p99 | app CPU/req | min – max | of which kernel | nginx CPU/req | errors |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const u of GATEWAYS) {
      const ss = byKey[u.key];
      const r = ss.map(rps);
      const cpu = ss.map(appCpu);
      const errors = ss.reduce((a, s) => a + s.non2xx + s.socketErrors, 0);
      lines.push(
        `| ${u.label} | ${rate(median(r))} | ${formatRange(r, rate)} | ${formatRatio(median(roundRatios(ss, byKey.uwsgi, rps)))} | ${formatRatio(median(roundRatios(ss, byKey.http, rps)))} | ${ms(median(ss.map((s) => s.p50)))} | ${ms(median(ss.map((s) => s.p99)))} | ${us(median(cpu))} | ${formatRange(cpu, us)} | ${us(median(ss.map((s) => s.appSysUs)))} | ${us(median(ss.map((s) => s.nginxCpuUs)))} | ${errors} |`,
      );
    }
    lines.push('');
  }
  lines.push('### Targets', '', '| goal | body | median ratio | per-round min – max | verdict |', '| --- | --- | ---: | ---: | --- |');
  for (const t of TARGETS) {
    for (const [b, body] of BODIES.entries()) {
      const byKey = result.samples[b] as Record<GatewayKey, Sample[]>;
      const ratios = roundRatios(byKey[t.subject], byKey[t.anchor], t.of);
      lines.push(`| ${t.goal} | ${body.path} | ${formatRatio(median(ratios))} | ${formatRange(ratios, formatRatio)} | ${t.info ? '–' : verdict(ratios, t.bound)} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
