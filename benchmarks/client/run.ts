/**
 * Runs targets 1–3 (proxy-bench.ts, then direct-bench.ts) and writes results/client-<date>.md with
 * the command, node version, nproc and load average before and after.
 *
 * pnpm run bench:client [-- --no-write] [--only=proxy|direct] [--out=FILE.md]
 * Knobs: CLIENT_ROUNDS (5), CLIENT_WRK_SECONDS (8), CLIENT_LOOP_SECONDS (5), CLIENT_IN_FLIGHT (64),
 * CLIENT_WARMUP_SECONDS (2), CLIENT_KEEP_TMP (keep the proxy run's temp prefix).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { stopChildrenOnExit } from '../e2e/lib/processes.js';
import { directReport, runDirectBench } from './direct-bench.js';
import { benchmarksDir } from './lib/build.js';
import { proxyReport, runProxyBench } from './proxy-bench.js';

stopChildrenOnExit();
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const rounds = num('CLIENT_ROUNDS', 5);
const wrkSeconds = num('CLIENT_WRK_SECONDS', 8);
const loopSeconds = num('CLIENT_LOOP_SECONDS', 5);
const inFlight = num('CLIENT_IN_FLIGHT', 64);
const warmup = num('CLIENT_WARMUP_SECONDS', 2);
const args = process.argv.slice(2).filter((a) => a !== '--'); // pnpm passes the `--` through
const write = !args.includes('--no-write');
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
// --out=NAME.md: a second run on the same day must not overwrite the first one's results.
const out = args.find((a) => a.startsWith('--out='))?.slice(6);

const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
const loadBefore = load();
const started = new Date();
const sections: string[] = [];
if (only === undefined || only === 'proxy') sections.push(proxyReport(await runProxyBench(rounds, wrkSeconds, warmup, env.CLIENT_KEEP_TMP !== undefined)));
if (only === undefined || only === 'direct') sections.push(directReport(await runDirectBench(rounds, loopSeconds, inFlight, warmup)));
const header = [
  `# Client-side benchmarks, ${started.toISOString().slice(0, 10)}`,
  '',
  `Command: \`cd benchmarks && ${env.CLIENT_ROUNDS ? `CLIENT_ROUNDS=${rounds} ` : ''}pnpm run bench:client${args.length ? ` -- ${args.join(' ')}` : ''}\` (gw code bundled from the packages' TypeScript sources with esbuild, not dist/).`,
  `Node ${process.version}, nproc ${availableParallelism()}, load average ${loadBefore} before, ${load()} after; started ${started.toISOString()}.`,
  '',
].join('\n');
const text = `${header}\n${sections.join('\n\n')}\n`;
process.stdout.write(text);
if (write) {
  const file = join(benchmarksDir, 'results', out ?? `client-${started.toISOString().slice(0, 10)}.md`);
  writeFileSync(file, text);
  process.stderr.write(`wrote ${file}\n`);
}
