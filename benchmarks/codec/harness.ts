/**
 * A small benchmark harness built for a noisy, shared 2-core machine.
 *
 * - Every case is checked first (`verify`), so a broken decoder cannot post a fast time.
 * - Warm-up runs each case for BENCH_WARMUP_MS (at least one op) so the JIT has settled.
 * - Rounds are interleaved: round r runs every case once, so a burst of load from a neighbour hits
 *   all cases alike instead of one case's whole measurement.
 * - The reported rate is the median over rounds; min–max shows the spread.
 * - Time is the process's CPU time (user + system, all threads) by default, not wall time: on a
 *   machine where other processes hold the cores, wall time counts the minutes spent waiting for a
 *   core, CPU time counts only the work (GC helper threads included, which is a real cost).
 *   `BENCH_CLOCK=wall` switches back to wall time.
 * - Results are ratios against anchor cases measured in the same process, because absolute numbers
 *   on this machine drift by tens of percent between runs while ratios stay put. A ratio is the
 *   median of the per-round ratios (case and anchor measured seconds apart), which cancels most of
 *   a neighbour's load instead of dividing two medians taken at different moments.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** One thing to measure. */
export interface BenchCase {
  /** Row label, e.g. `gw RecordDecoder`. */
  name: string;
  /** Work units one `run()` performs: requests, or bytes for throughput benchmarks. */
  units: number;
  /** One op. Return something derived from the work (a count, a length): it is summed into a sink so the JIT cannot drop the work. */
  run: () => number;
  /** Throws if the case does not do the work correctly. Runs once before warm-up. */
  verify?: () => void;
  /** Optional note shown under the table. */
  note?: string;
}

/** A ratio the issue asks for: `subject` must reach `min` × `anchor`. */
export interface Target {
  subject: string;
  anchor: string;
  min: number;
  /** `target` (must) or `aim` (stretch goal). Default `target`. */
  kind?: 'target' | 'aim';
}

/** How a suite is measured and printed. */
export interface SuiteOptions {
  title: string;
  /** `req` (requests/s) or `B` (bytes/s, printed as GB/s). */
  unit: 'req' | 'B';
  /** Case names whose column of ratios is printed (row ÷ anchor). */
  anchors: string[];
  targets?: Target[];
  /** Free text printed under the title (what is pushed, sizes). */
  description?: string;
}

/** Median rate and spread of one case. */
export interface CaseResult {
  name: string;
  /** Median units per second (CPU or wall, see Timing.clock) over rounds. */
  rate: number;
  minRate: number;
  maxRate: number;
  /** Ops timed in all rounds. */
  ops: number;
  /** Rate of each round, in round order (round r of every case ran back to back). */
  rounds: number[];
}

/** Timing knobs, read from the environment so a quick smoke run is `BENCH_ROUNDS=2 BENCH_ROUND_MS=50`. */
export interface Timing {
  warmupMs: number;
  rounds: number;
  roundMs: number;
  /** Only cases whose "suite title / case name" matches run (for profiling); anchors left out print `–`. */
  filter: RegExp | undefined;
  /** What a rate is per: CPU seconds of this process (default) or wall-clock seconds. */
  clock: 'cpu' | 'wall';
}

/**
 * Timing from `BENCH_WARMUP_MS` (default 500), `BENCH_ROUNDS` (default 9), `BENCH_ROUND_MS`
 * (default 250), `BENCH_FILTER` (a regular expression on "suite title / case name"; default: all)
 * and `BENCH_CLOCK` (`cpu`, the default, or `wall`).
 */
export function timingFromEnv(env: NodeJS.ProcessEnv = process.env): Timing {
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
    return value;
  };
  const filter = env.BENCH_FILTER ? new RegExp(env.BENCH_FILTER, 'i') : undefined;
  const clock = env.BENCH_CLOCK ?? 'cpu';
  if (clock !== 'cpu' && clock !== 'wall') throw new Error(`BENCH_CLOCK must be cpu or wall, got ${clock}`);
  return { warmupMs: num('BENCH_WARMUP_MS', 500), rounds: num('BENCH_ROUNDS', 9), roundMs: num('BENCH_ROUND_MS', 250), filter, clock };
}

/** Keeps results of `run()` alive; printed at the end so it is observable. */
let sink = 0;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** CPU time of the whole process so far, in ms. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `c` until at least `ms` of wall time have passed (and at least once); returns
 * [ops, elapsed ms on `clock`]. The loop is bounded by the cheap wall clock; the CPU clock (a
 * syscall) is read only at the ends.
 */
function timeFor(c: BenchCase, ms: number, clock: Timing['clock'] = 'wall'): [number, number] {
  let ops = 0;
  const cpuStart = cpuNow();
  const start = now();
  let elapsed = 0;
  do {
    sink += c.run();
    ops++;
    elapsed = now() - start;
  } while (elapsed < ms);
  return [ops, clock === 'cpu' ? cpuNow() - cpuStart : elapsed];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * With `BENCH_CPU_PROFILE=<file>`, V8's CPU profiler runs from the first warm-up to `finish()`
 * (so fixture building and verification are left out) and the profile is written there (codec/profile.ts reads it).
 */
let profiler: Session | undefined;

function startProfiler(): void {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file || profiler) return;
  profiler = new Session();
  profiler.connect();
  profiler.post('Profiler.enable');
  profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  profiler.post('Profiler.start');
}

function stopProfiler(): void {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file || !profiler) return;
  profiler.post('Profiler.stop', (err, result) => {
    if (err) throw err;
    writeFileSync(file, JSON.stringify(result.profile));
  });
}

/** Verifies, warms up and measures every case; returns the results in case order. */
export function measure(cases: readonly BenchCase[], timing: Timing = timingFromEnv()): CaseResult[] {
  for (const c of cases) {
    try {
      c.verify?.();
    } catch (err) {
      throw new Error(`benchmark case "${c.name}" failed verification: ${(err as Error).message}`, { cause: err });
    }
  }
  startProfiler();
  for (const c of cases) timeFor(c, timing.warmupMs);
  const rates: number[][] = cases.map(() => []);
  const ops: number[] = cases.map(() => 0);
  for (let r = 0; r < timing.rounds; r++) {
    cases.forEach((c, i) => {
      gc?.();
      const [n, ms] = timeFor(c, timing.roundMs, timing.clock);
      (rates[i] as number[]).push((n * c.units * 1000) / ms);
      ops[i] = (ops[i] as number) + n;
    });
  }
  return cases.map((c, i) => {
    const rs = rates[i] as number[];
    return { name: c.name, rate: median(rs), minRate: Math.min(...rs), maxRate: Math.max(...rs), ops: ops[i] as number, rounds: rs };
  });
}

function formatRate(rate: number, unit: 'req' | 'B'): string {
  if (unit === 'B') return `${(rate / 1e9).toFixed(rate >= 1e10 ? 1 : 3)} GB/s`;
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M req/s`;
  return `${(rate / 1e3).toFixed(1)} k req/s`;
}

function formatRatio(x: number): string {
  if (Number.isNaN(x)) return '–';
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  return `${x.toFixed(x >= 1 ? 2 : 3)}×`;
}

/** The results as a Markdown section: a rate table with one ratio column per anchor, then the targets. */
export function report(options: SuiteOptions, cases: readonly BenchCase[], results: readonly CaseResult[]): string {
  const byName = new Map(results.map((r) => [r.name, r]));
  /** Median over rounds of subject's rate ÷ anchor's rate in the same round; NaN if either is missing. */
  const ratio = (subject: CaseResult | undefined, anchorName: string): number => {
    const anchor = byName.get(anchorName);
    if (!subject || !anchor) return Number.NaN;
    return median(subject.rounds.map((rate, r) => rate / (anchor.rounds[r] as number)));
  };
  const lines: string[] = [`### ${options.title}`, ''];
  if (options.description) lines.push(options.description, '');
  const header = ['case', 'median rate', 'min – max', ...options.anchors.map((a) => `÷ ${a}`)];
  lines.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of results) {
    const ratios = options.anchors.map((a) => formatRatio(ratio(r, a)));
    const spread = `${formatRate(r.minRate, options.unit)} – ${formatRate(r.maxRate, options.unit)}`;
    lines.push(`| ${[r.name, formatRate(r.rate, options.unit), spread, ...ratios].join(' | ')} |`);
  }
  const notes = cases.filter((c) => c.note).map((c) => `- *${c.name}*: ${c.note}`);
  if (notes.length > 0) lines.push('', ...notes);
  if (options.targets && options.targets.length > 0) {
    lines.push('', '| goal | ratio | verdict |', '| --- | ---: | --- |');
    for (const t of options.targets) {
      const x = ratio(byName.get(t.subject), t.anchor);
      const kind = t.kind ?? 'target';
      if (Number.isNaN(x)) {
        lines.push(`| ${kind}: ${t.subject} ≥ ${t.min}× ${t.anchor} | – | not measured |`);
        continue;
      }
      const verdict = x >= t.min ? 'met' : kind === 'aim' ? 'missed (aim)' : '**MISSED**';
      lines.push(`| ${kind}: ${t.subject} ≥ ${t.min}× ${t.anchor} | ${formatRatio(x)} | ${verdict} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** measure + report, printed to stdout; returns the Markdown. */
export function runSuite(options: SuiteOptions, allCases: readonly BenchCase[], timing: Timing = timingFromEnv()): string {
  // The filter sees "suite title / case name", so it can pick one suite's case.
  const cases = timing.filter ? allCases.filter((c) => timing.filter?.test(`${options.title} / ${c.name}`)) : allCases;
  const results = measure(cases, timing);
  const markdown = report(options, cases, results);
  process.stdout.write(`${markdown}\n`);
  return markdown;
}

/** Prints the sink once so no `run()` result is dead code; call at the end of a bench file. */
export function finish(): void {
  stopProfiler();
  process.stderr.write(`(sink ${sink})\n`);
}

/** Throws with `message` unless `cond` holds (used by `verify`). */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}
