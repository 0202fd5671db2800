/** Markdown of profile.ts: the run's facts, then CPU or allocation tables. */
import type { ProfileSummary } from './lib/cpu-profile.js';
import { topRows } from './lib/cpu-profile.js';
import type { GcTotals } from './lib/gc-trace.js';
import type { WrkResult } from './lib/wrk.js';

/** What every profile report starts with. */
export interface RunFacts {
  title: string;
  command: string;
  /** The wrk command and the nginx setup, in words. */
  load: string;
  /** The app and its node flags, in words. */
  app: string;
  wrk: WrkResult;
  /** App CPU per request over the measured run (/proc, all threads). */
  appCpuUs: number;
  /** Requests served over the app's life (verification, warm-up, measured run). */
  requests: number;
  gc: GcTotals;
  top: number;
}

function preamble(f: RunFacts, extra: string[]): string[] {
  return [
    `# ${f.title}`,
    '',
    `- command (in \`benchmarks/\`): \`${f.command}\` (= \`pnpm run profile:e2e\`)`,
    `- load: ${f.load}`,
    `- app: ${f.app}`,
    `- measured run: ${(f.wrk.rps / 1000).toFixed(1)} k req/s, p50 ${f.wrk.p50.toFixed(2)} ms, p99 ${f.wrk.p99.toFixed(2)} ms, app CPU (all threads, /proc) ${f.appCpuUs.toFixed(1)} µs/request — with the profiler's overhead; compare unprofiled figures in e2e-<date>.md`,
    `- garbage collection (\`--trace-gc\`, whole life): ${f.gc.scavenges} scavenges and ${f.gc.markCompacts} mark-compacts freed ${f.gc.freedMiB.toFixed(0)} MiB over ${f.requests} requests — **≈ ${((f.gc.freedMiB * 1024) / f.requests).toFixed(2)} KiB of garbage per request** — with ${f.gc.pauseMs.toFixed(0)} ms of main-thread pauses (≈ ${((f.gc.pauseMs * 1000) / f.requests).toFixed(1)} µs per request, wall time)`,
    ...extra,
    '',
  ];
}

/** A CPU profile: by file, by function, gw code only (self and inclusive), by line. */
export function cpuSections(f: RunFacts, s: ProfileSummary, mapped: boolean): string[] {
  const busy = s.samples - s.idle;
  // A sample's µs: its share of the non-idle samples × the app's measured CPU per request. (The
  // sampling thread is starved on a busy machine, so samples × interval would count wall time.)
  const us = f.appCpuUs / busy;
  const header = ['| self | µs/req | function (source) |', '| ---: | ---: | --- |'];
  const inPackages = (k: string) => k.includes(' packages/');
  const gwSelf = [...s.selfByFile.entries()].filter(([file]) => file.startsWith('packages/')).reduce((a, [, n]) => a + n, 0);
  return [
    ...preamble(f, [
      `- ${s.samples} samples (≈ ${s.intervalUs.toFixed(0)} µs apart: the sampler gets less than it asks for on a busy machine), ${busy} not idle. "self" is the share of the non-idle samples; "µs/req" is that share × the measured app CPU per request — an attribution of the CPU, not a separate measurement. Time inside a syscall (\`writeBuffer\`, \`writev\`) is over-counted: a sample taken while the thread waits for a core in the kernel lands there too; the /proc kernel column of e2e-<date>.md is the better figure for it${mapped ? `. gw's own code (packages/**) is ${((100 * gwSelf) / busy).toFixed(1)}% of the non-idle samples by self time` : ''}.`,
    ]),
    '## Self time by source file',
    '',
    '| self | µs/req | file |',
    '| ---: | ---: | --- |',
    ...topRows(s.selfByFile, busy, us, f.top),
    '',
    '## Self time by function',
    '',
    ...header,
    ...topRows(s.selfByFunction, busy, us, f.top),
    '',
    ...(mapped
      ? [
          '## Self time by function, gw code only (packages/**)',
          '',
          ...header,
          ...topRows(s.selfByFunction, busy, us, f.top, inPackages),
          '',
          '## Inclusive time (self + callees) by function, gw code only',
          '',
          '| total | µs/req | function (source) |',
          '| ---: | ---: | --- |',
          ...topRows(s.inclusiveByFunction, busy, us, f.top, inPackages),
          '',
          '## Self time by line in packages/** (V8 position ticks)',
          '',
          '| self | µs/req | line |',
          '| ---: | ---: | --- |',
          ...topRows(s.selfByLine, busy, us, f.top),
          '',
        ]
      : [
          '## Inclusive time (self + callees) by function',
          '',
          '| total | µs/req | function (source) |',
          '| ---: | ---: | --- |',
          ...topRows(s.inclusiveByFunction, busy, us, f.top),
          '',
        ]),
  ];
}

/** A sampling heap profile: bytes per request by allocating function. */
export function allocationSections(f: RunFacts, h: { total: number; byFunction: Map<string, number> }, promotedOnly: boolean): string[] {
  const kibPerRequest = (bytes: number) => (bytes / 1024 / f.requests).toFixed(2);
  const rows = [...h.byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, f.top)
    .map(([k, bytes]) => `| ${((100 * bytes) / h.total).toFixed(1)}% | ${kibPerRequest(bytes)} | ${k} |`);
  return [
    ...preamble(f, [
      `- V8's sampling heap profiler (one sample per ~1 KiB allocated) ${promotedOnly ? 'keeping only objects that survived a scavenge (collected by a mark-compact, or still live at exit): what the young generation failed to free' : 'keeping every sampled object, whichever GC freed it: all allocation'}; ${(h.total / 1024 / 1024).toFixed(0)} MiB sampled, **≈ ${kibPerRequest(h.total)} KiB per request**. The function is the one that allocated (a constructor, a string or array operation's caller).`,
    ]),
    `## ${promotedOnly ? 'Surviving allocations' : 'Allocations'} by function`,
    '',
    '| share | KiB/req | function (source) |',
    '| ---: | ---: | --- |',
    ...rows,
    '',
  ];
}
