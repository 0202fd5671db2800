/**
 * What the young generation does in each app behind nginx: every app runs with
 * `--trace-gc-nvp`, nginx in front (one worker, the throughput scenario's config), and for each
 * wrk run we sum V8's scavenge lines: how many, bytes allocated between them, bytes that
 * survived, main-thread pause and background work per request.
 *
 * Why it exists: app CPU per request includes the scavenger, and the number of scavenges depends
 * not only on what an app allocates but on how large V8 keeps the young generation. V8 shrinks
 * it when a process idles (as each upstream does while the others are measured) and grows it
 * back only as objects survive scavenges: an app whose requests leave almost nothing behind (gw:
 * ~2 KiB surviving a scavenge, node:http ~11 KiB) scavenges after fewer bytes for a while —
 * more scavenges per request at a fixed cost each. `alloc/scavenge` shows it directly.
 *
 * Usage (in benchmarks/): `node --import tsx e2e/gc-behind-nginx.ts [gw,http,bare,gw-base] [/hello|/64k]`
 * Knobs: ROUNDS (2), SECONDS (5; wrk per run, after a 2 s warm-up of each app),
 * E2E_UPSTREAM_KEEPALIVE (lib/nginx.ts), GC_FLAGS (extra node flags for every app, e.g.
 * `--no-minor-gc-task` to see the scavenges V8's idle-time task adds), GW_BASE_ROOT (for the app
 * `gw-base`: another checkout, e.g. `git worktree add /tmp/gw-base <commit>`, whose gw is bundled
 * and measured in the same rounds as this one's: an A/B of two versions on a noisy machine),
 * GC_NVP_OUT (a directory: each app's scavenge lines of the measured runs go to `<app>.nvp` there,
 * and the mean of every numeric field per scavenge is printed: V8's per-phase times).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { appsDir, buildGwApp } from './lib/build.js';
import { freePort, type NginxSite, startApp, startNginx, stopNginx } from './lib/nginx.js';
import { type Child, cpuSeconds, stop, stopChildrenOnExit } from './lib/processes.js';
import { runWrk } from './lib/wrk.js';

const args = process.argv.slice(2);
const apps = (args.find((a) => !a.startsWith('/')) ?? 'gw,http').split(',');
const path = args.find((a) => a.startsWith('/')) ?? '/hello';
const rounds = Number(process.env.ROUNDS ?? 2);
const seconds = Number(process.env.SECONDS ?? 5);
const extraFlags = process.env.GC_FLAGS ? process.env.GC_FLAGS.split(' ') : [];
const nvpOut = process.env.GC_NVP_OUT;

/** The mean of every numeric `name=value` field over `lines` (one scavenge each). */
function fieldMeans(lines: readonly string[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of lines) {
    for (const match of line.matchAll(/([\w.]+)=([\d.]+)/g)) sums.set(match[1] as string, (sums.get(match[1] as string) ?? 0) + Number(match[2]));
  }
  for (const [name, sum] of sums) sums.set(name, sum / Math.max(1, lines.length));
  return sums;
}

/** Sums of the `gc=s` lines of `--trace-gc-nvp`. */
function scavengeTotals(lines: readonly string[]) {
  const t = { scavenges: 0, pauseMs: 0, backgroundMs: 0, allocated: 0, survived: 0, promoted: 0 };
  const field = (line: string, name: string) => Number(new RegExp(`\\b${name.replace('.', '\\.')}=([\\d.]+)`).exec(line)?.[1] ?? 0);
  for (const line of lines) {
    if (!line.includes(' gc=s ')) continue;
    t.scavenges++;
    t.pauseMs += field(line, 'pause');
    t.backgroundMs += field(line, 'background.scavenge.parallel');
    t.allocated += field(line, 'allocated');
    t.survived += field(line, 'new_space_survived');
    t.promoted += field(line, 'promoted');
  }
  return t;
}

stopChildrenOnExit();
const dir = mkdtempSync(join(os.tmpdir(), 'gw-gc-nginx-'));
chmodSync(dir, 0o755);
const children = new Map<string, Child>();
const sites: NginxSite[] = [];
try {
  const gw = await buildGwApp(dir);
  const scripts: Record<string, string> = { gw, http: join(appsDir, 'node-http-app.mjs'), bare: join(appsDir, 'bare-responder.mjs') };
  const baseRoot = process.env.GW_BASE_ROOT;
  if (apps.includes('gw-base')) {
    if (baseRoot === undefined) throw new Error('the app gw-base needs GW_BASE_ROOT: a checkout of the version to compare with');
    scripts['gw-base'] = await buildGwApp(dir, baseRoot, 'gw-base-app.mjs');
  }
  for (const app of apps) {
    const script = scripts[app];
    if (script === undefined) throw new Error(`unknown app ${app}; use gw, http, bare, gw-base`);
    const socket = join(dir, `${app}.sock`);
    children.set(app, await startApp(app, script, socket, ['--trace-gc-nvp', ...extraFlags]));
    sites.push({ id: app, port: await freePort(), socket, kind: app === 'http' ? 'http' : 'fastcgi', keepalive: true });
  }
  const nginx = await startNginx(dir, sites);
  try {
    const url = (site: NginxSite) => `http://127.0.0.1:${site.port}${path}`;
    for (const site of sites) await runWrk(url(site), { seconds: 2 });
    console.log(`| round | app | k req/s | app CPU µs/req | scavenges | alloc KiB/req | alloc KiB/scavenge | survived KiB/scavenge | promoted B/req | pause µs/req | background µs/req |`);
    console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    /** Each app's scavenge lines of the measured runs (for GC_NVP_OUT). */
    const measured = new Map<string, string[]>(sites.map((site) => [site.id, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const site of sites) {
        const child = children.get(site.id) as Child;
        const skip = child.stdoutLines.length;
        const cpu0 = cpuSeconds(child.pid);
        const w = await runWrk(url(site), { seconds });
        const cpuUs = ((cpuSeconds(child.pid) - cpu0) * 1e6) / w.requests;
        const lines = child.stdoutLines.slice(skip);
        const t = scavengeTotals(lines);
        for (const line of lines) if (line.includes(' gc=s ')) measured.get(site.id)?.push(line);
        const n = Math.max(1, t.scavenges);
        const perReq = (x: number) => x / w.requests;
        console.log(
          `| ${round} | ${site.id} | ${(w.rps / 1000).toFixed(1)} | ${cpuUs.toFixed(1)} | ${t.scavenges} | ${(perReq(t.allocated) / 1024).toFixed(2)} | ${(t.allocated / n / 1024).toFixed(0)} | ${(t.survived / n / 1024).toFixed(1)} | ${perReq(t.promoted).toFixed(0)} | ${(perReq(t.pauseMs) * 1000).toFixed(2)} | ${(perReq(t.backgroundMs) * 1000).toFixed(2)} |`,
        );
      }
    }
    if (nvpOut !== undefined) {
      const means = [...measured].map(([app, lines]) => {
        writeFileSync(join(nvpOut, `${app}.nvp`), `${lines.join('\n')}\n`);
        return [app, fieldMeans(lines)] as const;
      });
      const fields = [...(means[0]?.[1].keys() ?? [])];
      console.log(`\nMean per scavenge (ms for times, bytes for sizes), all measured runs; lines in ${nvpOut}/<app>.nvp\n`);
      console.log(`| field | ${means.map(([app]) => app).join(' | ')} |`);
      console.log(`| --- |${means.map(() => ' ---: |').join('')}`);
      for (const field of fields) console.log(`| ${field} | ${means.map(([, m]) => (m.get(field) ?? 0).toFixed(3)).join(' | ')} |`);
    }
  } finally {
    await stopNginx(nginx);
  }
} finally {
  for (const child of children.values()) await stop(child);
  rmSync(dir, { recursive: true, force: true });
}
