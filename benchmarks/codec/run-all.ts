/**
 * Runs every codec benchmark, each in its own Node process (a fresh JIT, so one benchmark's type
 * feedback cannot slow another's), one after the other (never two at once on a 2-core box), and
 * writes the combined Markdown to `benchmarks/results/codec-<YYYY-MM-DD>.md`.
 *
 * Usage (from benchmarks/): `pnpm run bench` — or `node --expose-gc --import tsx codec/run-all.ts
 * [--no-write] [name-filter]`. Timing knobs: see harness.ts (BENCH_ROUNDS, BENCH_ROUND_MS, …).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timingFromEnv } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchmarksDir = dirname(here);

/** The benchmarks, in the order of the issue. */
const BENCHES = ['fcgi-upload.bench.ts', 'fcgi-requests.bench.ts', 'fcgi-encode.bench.ts', 'scgi-uwsgi.bench.ts'];

function runOne(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Same flags as this process (--import tsx, --expose-gc), so each bench runs the same way.
    const child = spawn(process.execPath, [...process.execArgv, join(here, file)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
      process.stdout.write(text);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited with ${code}`))));
  });
}

function shell(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function environment(started: Date, loadBefore: number[]): string {
  const t = timingFromEnv();
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');
  return [
    `- date: ${started.toISOString()}`,
    `- command (in \`benchmarks/\`): \`node ${process.execArgv.join(' ')} ${relative(benchmarksDir, fileURLToPath(import.meta.url))}${process.argv.slice(2).map((a) => ` ${a}`).join('')}\` (= \`pnpm run bench\`)`,
    `- node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.release()}`,
    `- \`nproc\`: ${shell('nproc', [])}; CPU: ${cpu}`,
    `- git: ${shell('git', ['-C', benchmarksDir, 'rev-parse', '--short', 'HEAD'])} (plus uncommitted work in the tree at run time)`,
    `- timing: ${t.warmupMs} ms warm-up per case, ${t.rounds} interleaved rounds of ≥ ${t.roundMs} ms wall time; rates are per ${t.clock === 'cpu' ? 'CPU second of the process (user + system, all threads)' : 'wall-clock second'}; median over rounds; ratios are medians of per-round ratios`,
    `- load average (1/5/15 min) before: ${load(loadBefore)}, after: ${load(os.loadavg())} — the machine is shared, so read the ratios, not the absolute rates`,
  ].join('\n');
}

const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const nameFilter = args.find((a) => !a.startsWith('--'));
const started = new Date();
const loadBefore = os.loadavg();
const sections: string[] = [];
for (const file of BENCHES) {
  if (nameFilter && !file.includes(nameFilter)) continue;
  process.stdout.write(`\n## ${file}\n\n`);
  sections.push(`## ${file}\n\n${await runOne(file)}`);
}
const markdown = `# Codec benchmarks, ${started.toISOString().slice(0, 10)}\n\n${environment(started, loadBefore)}\n\n${sections.join('\n')}`;
if (write) {
  const dir = join(benchmarksDir, 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `codec-${started.toISOString().slice(0, 10)}.md`);
  writeFileSync(path, markdown);
  process.stdout.write(`\nwrote ${relative(process.cwd(), path)}\n`);
}
