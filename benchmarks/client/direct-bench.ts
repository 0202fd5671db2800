/**
 * Target 3: gw client → gw FastCGI server, multiplexed over 1 connection and pooled over 8, and
 * node:http Agent (keepAlive, maxSockets 8) → node:http server, same listener, one server process
 * and one client process for all three cases (apps/direct-server.ts, apps/direct-client.ts, both
 * bundled from source). Closed loop, fixed number of requests in flight, interleaved rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEnvironment } from '../e2e/lib/nginx.js';
import { start, stop, waitForLine } from '../e2e/lib/processes.js';
import { bundleApp } from './lib/build.js';
import { median, spread } from './lib/stats.js';

export interface DirectSample {
  rps: number;
  p50: number;
  p99: number;
  clientCpuUs: number;
  serverCpuUs: number;
}

export interface DirectBenchResult {
  rounds: number;
  seconds: number;
  inFlight: number;
  samples: Record<string, DirectSample[]>;
  stats: unknown;
}

/** Runs target 3 and returns the client's samples. */
export async function runDirectBench(rounds: number, seconds: number, inFlight: number, warmup: number): Promise<DirectBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-client-direct-'));
  try {
    const serverBundle = await bundleApp('direct-server.ts', dir);
    const clientBundle = await bundleApp('direct-client.ts', dir);
    const server = start('direct-server', process.execPath, [serverBundle], { env: appEnvironment() });
    try {
      const line = await waitForLine(server, (l) => l.startsWith('listening '));
      const [, fcgiPort, httpPort] = line.split(' ');
      const client = start('direct-client', process.execPath, [clientBundle, fcgiPort as string, httpPort as string, String(server.pid), String(rounds), String(seconds), String(inFlight), String(warmup)], {
        env: appEnvironment(),
      });
      client.proc.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
      const code = await client.exited;
      if (code !== 0) throw new Error(`direct-client exited with ${code}:\n${client.stderrLines.slice(-20).join('\n')}`);
      const parsed = JSON.parse(client.stdoutLines.at(-1) as string) as { samples: Record<string, DirectSample[]>; stats: unknown };
      return { rounds, seconds, inFlight, ...parsed };
    } finally {
      await stop(server);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown section for target 3. */
export function directReport(r: DirectBenchResult): string {
  const names = Object.keys(r.samples);
  const lines = [
    '## Target 3: gw client → gw FastCGI server vs node:http Agent → node:http server',
    '',
    `Closed loop, ${r.inFlight} requests in flight, ${r.seconds} s per case, ${r.rounds} interleaved rounds (order rotated), one client process and one server process (TCP 127.0.0.1) for all cases; 14-byte hello body. Medians, [min – max] over rounds.`,
    '',
    '| case | req/s | p50 ms | p99 ms | client CPU µs/req | server CPU µs/req |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const name of names) {
    const x = r.samples[name] as DirectSample[];
    lines.push(
      `| ${name} | ${spread(x.map((y) => y.rps), 0)} | ${spread(x.map((y) => y.p50), 2)} | ${spread(x.map((y) => y.p99), 2)} | ${spread(x.map((y) => y.clientCpuUs), 1)} | ${spread(x.map((y) => y.serverCpuUs), 1)} |`,
    );
  }
  const http = r.samples['node:http Agent×8'] as DirectSample[];
  lines.push('', 'The issue sets no bound for target 3; ratios against node:http (median of per-round ratios; req/s above 1 and p99 below 1 favour gw):', '', '| case ÷ node:http Agent×8 | req/s ratio | per round | p99 ratio | per round |', '| --- | --- | --- | --- | --- |');
  for (const name of names.filter((n) => !n.startsWith('node:http'))) {
    const x = r.samples[name] as DirectSample[];
    const rps = x.map((y, i) => y.rps / (http[i] as DirectSample).rps);
    const p99 = x.map((y, i) => y.p99 / (http[i] as DirectSample).p99);
    lines.push(`| ${name} | ${median(rps).toFixed(2)}× | ${rps.map((v) => v.toFixed(2)).join(', ')} | ${median(p99).toFixed(2)}× | ${p99.map((v) => v.toFixed(2)).join(', ')} |`);
  }
  lines.push('', `Pool state at the end: \`${JSON.stringify(r.stats)}\``);
  return lines.join('\n');
}
