/**
 * End-to-end benchmarks of gw's FastCGI application server behind nginx: builds the gw app,
 * runs the scenarios (throughput and CPU against three references, idle connections, a slow
 * reader under a large upload) and writes `benchmarks/results/e2e-<YYYY-MM-DD>.md`.
 *
 * Usage (in benchmarks/): `pnpm run bench:e2e` — or `node --import tsx e2e/run.ts [--no-write]
 * [--only=throughput,idle,upload,gateways]`; `gateways` (nginx → gw SCGI / uwsgi / FastCGI, node:http
 * and uWSGI, which must be installed) runs only when named and, alone, writes
 * `results/e2e-gateways-<date>.md`. Knobs (environment): E2E_ROUNDS (3), E2E_SECONDS (10),
 * E2E_WARMUP_SECONDS (2), E2E_CONNECTIONS (10000), E2E_UPLOAD_MIB (1024), E2E_UPSTREAM_KEEPALIVE
 * (32: nginx's `keepalive` per upstream, see lib/nginx.ts), E2E_RUN_WARMUP_SECONDS (0: seconds of load
 * right before each measured throughput run, see throughput.ts), E2E_KEEP_TMP (unset: the temp prefix is
 * removed at the end).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { benchmarksDir, buildGwApp } from './lib/build.js';
import { UPSTREAM_KEEPALIVE } from './lib/nginx.js';
import { stopAll, stopChildrenOnExit } from './lib/processes.js';
import { idleReport, runIdleConnections } from './idle-connections.js';
import { runSlowUpload, uploadReport } from './slow-upload.js';
import { runThroughput, throughputReport } from './throughput.js';
import { gatewaysReport, runGateways } from './gateways.js';

const SCENARIOS = ['throughput', 'idle', 'upload', 'gateways'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** What runs without --only: `gateways` needs uWSGI and is asked for by name. */
const DEFAULT_SCENARIOS: readonly Scenario[] = ['throughput', 'idle', 'upload'];

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/** A command's output (stdout, else stderr: `nginx -v` and `wrk -v` print there), or 'unknown'. */
function shell(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return 'unknown';
  const text = (r.stdout.trim() || r.stderr.trim()).trim();
  return text === '' ? 'unknown' : text;
}

const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? [...DEFAULT_SCENARIOS];
for (const s of only) if (!SCENARIOS.includes(s as Scenario)) throw new Error(`unknown scenario ${s}; use ${SCENARIOS.join(',')}`);
const runs = (s: Scenario) => only.includes(s);

const settings = {
  rounds: positive('E2E_ROUNDS', 3),
  seconds: positive('E2E_SECONDS', 10),
  warmupSeconds: positive('E2E_WARMUP_SECONDS', 2),
  runWarmupSeconds: Number(process.env.E2E_RUN_WARMUP_SECONDS ?? 0),
  connections: positive('E2E_CONNECTIONS', 10_000),
  uploadMib: positive('E2E_UPLOAD_MIB', 1024),
};

for (const tool of ['nginx', 'wrk', ...(runs('gateways') ? ['uwsgi'] : [])]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed (Debian: apt-get install ${tool})`);
}

stopChildrenOnExit();
const started = new Date();
const loadBefore = os.loadavg();
// The prefix is world-readable (0755): nginx's worker runs as nobody and must reach the sockets.
const dir = mkdtempSync(join(os.tmpdir(), 'gw-e2e-'));
chmodSync(dir, 0o755);
const sections: string[] = [];
try {
  const gwBundle = await buildGwApp(dir);
  if (runs('throughput')) {
    const result = await runThroughput(dir, gwBundle, {
      rounds: settings.rounds,
      wrk: { threads: 1, connections: 50, seconds: settings.seconds },
      warmupSeconds: settings.warmupSeconds,
      runWarmupSeconds: settings.runWarmupSeconds,
    });
    sections.push(throughputReport(result));
  }
  if (runs('gateways')) {
    const result = await runGateways(dir, gwBundle, {
      rounds: settings.rounds,
      wrk: { threads: 1, connections: 50, seconds: settings.seconds },
      warmupSeconds: settings.warmupSeconds,
    });
    sections.push(gatewaysReport(result));
  }
  if (runs('idle')) sections.push(idleReport(await runIdleConnections(dir, gwBundle, { connections: settings.connections })));
  if (runs('upload')) sections.push(uploadReport(await runSlowUpload(dir, gwBundle, { mib: settings.uploadMib, maxGrowth: 64 * 1024 * 1024 })));
} finally {
  await stopAll();
  if (!process.env.E2E_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`kept ${dir}\n`);
}

const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
// Not shell(): it reports an empty output as 'unknown', and empty is what a clean tree prints.
const gitStatus = spawnSync('git', ['-C', benchmarksDir, 'status', '--porcelain', '--', '../packages/core', '../packages/fastcgi', '../packages/node-http', '../packages/scgi', '../packages/uwsgi'], { encoding: 'utf8' });
const gitDirty = gitStatus.status === 0 ? gitStatus.stdout.trim() : 'unknown';
const command = `node ${process.execArgv.join(' ')} ${relative(benchmarksDir, process.argv[1] ?? 'e2e/run.ts')}${args.map((a) => ` ${a}`).join('')}`;
const knobs = Object.entries({ E2E_ROUNDS: settings.rounds, E2E_SECONDS: settings.seconds, E2E_WARMUP_SECONDS: settings.warmupSeconds, E2E_RUN_WARMUP_SECONDS: settings.runWarmupSeconds, E2E_CONNECTIONS: settings.connections, E2E_UPLOAD_MIB: settings.uploadMib, E2E_UPSTREAM_KEEPALIVE: UPSTREAM_KEEPALIVE })
  .map(([k, v]) => `${k}=${v}`)
  .join(' ');
const environment = [
  `- date: ${started.toISOString()}; duration ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`,
  `- command (in \`benchmarks/\`): \`${command}\` (= \`pnpm run bench:e2e\`), settings ${knobs}`,
  `- node ${process.version} (V8 ${process.versions.v8}), ${shell('nginx', ['-v'])}, ${shell('wrk', ['-v']).split('\n')[0]}, ${os.platform()} ${os.release()}`,
  `- \`nproc\`: ${shell('nproc', [])}; CPU: ${os.cpus()[0]?.model ?? 'unknown'}`,
  `- git: ${shell('git', ['-C', benchmarksDir, 'rev-parse', '--short', 'HEAD'])}${gitDirty === '' ? '' : ' plus uncommitted changes in packages/{core,fastcgi,node-http,scgi,uwsgi} at run time'}`,
  `- \`uptime\`: ${shell('uptime', [])}`,
  '- gw apps: `e2e/apps/gw-app.mjs` (and gw-scgi-app.mjs, gw-uwsgi-app.mjs for `gateways`) bundled by esbuild from the packages\' TypeScript sources (the working tree, not dist/), target node20, not minified',
  `- load average (1/5/15 min) before: ${load(loadBefore)}, after: ${load(os.loadavg())} — the machine is shared: read the ratios and their per-round spread, not the absolute rates`,
].join('\n');
const markdown = `# End-to-end benchmarks behind nginx, ${started.toISOString().slice(0, 10)}\n\n${environment}\n\n${sections.join('\n')}`;
process.stdout.write(`\n${markdown}`);
if (write) {
  const resultsDir = join(benchmarksDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const prefix = only.length === 1 && only[0] === 'gateways' ? 'e2e-gateways' : 'e2e';
  const path = join(resultsDir, `${prefix}-${started.toISOString().slice(0, 10)}.md`);
  writeFileSync(path, markdown);
  process.stdout.write(`\nwrote ${relative(process.cwd(), path)}\n`);
}
