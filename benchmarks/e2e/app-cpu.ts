/**
 * App CPU per request without a web server in the loop: each app (gw FastCGI, node:http, the bare
 * FastCGI responder) serves nginx-shaped requests from a raw closed-loop driver
 * (clients/raw-driver.mjs) over a unix socket, kept-alive connections, and we read the app
 * process's CPU time (/proc, all threads) per request. nginx costs the same on every FastCGI
 * upstream and a lot of noise on this shared machine, so this is the quick, steadier measure to
 * iterate on; the committed throughput figures still come from run.ts with nginx in front.
 *
 * Usage (in benchmarks/): `node --import tsx e2e/app-cpu.ts [hello|64k] [--apps=gw,http,bare,gw-data] [--icount]`
 * (`gw-data`: the gw app with `sharedReadBuffer: false`, reading through 'data' events.)
 * Knobs: E2E_ROUNDS (5), E2E_SECONDS (5), E2E_CONNECTIONS_LOAD (50), E2E_REQUESTS_PER_CONNECTION
 * (unset: connections live for the whole run; 5 ≈ what nginx's upstream keepalive pool does under
 * the throughput benchmark, which opens ~200 upstream connections per 1000 requests).
 *
 * `--icount` counts instead of timing: each app runs under valgrind's cachegrind (no cache
 * simulation) twice, serving ICOUNT_FEW (2000) and then ICOUNT_MANY (12000) requests, and
 * (Ir_many − Ir_few) ÷ (MANY − FEW) is the user-space instructions it executes per request,
 * start-up and JIT warm-up cancelled out. Slow (a minute or two per app) but independent of the
 * machine's load, which CPU time on this shared box is not. Instructions are not time (cache
 * misses, syscalls and GC pauses weigh differently) — read them as a steady second opinion.
 * ICOUNT_OUT_DIR=dir keeps cachegrind's per-function files there (`<app>-<requests>.cg`).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fcgiPairsBody, httpRequest, nginxParams } from '../codec/fixtures.js';
import { appsDir, buildGwApp, clientsDir } from './lib/build.js';
import { appEnvironment, startApp } from './lib/nginx.js';
import { cpuSeconds, start, stop, stopChildrenOnExit, waitForLine } from './lib/processes.js';

const args = process.argv.slice(2);
const body = args.find((a) => !a.startsWith('--')) ?? 'hello';
const apps = (args.find((a) => a.startsWith('--apps='))?.slice(7) ?? 'gw,http,bare').split(',');
const rounds = Number(process.env.E2E_ROUNDS ?? 5);
const seconds = Number(process.env.E2E_SECONDS ?? 5);
const connections = Number(process.env.E2E_CONNECTIONS_LOAD ?? 50);
const path = body === '64k' ? '/64k' : '/hello';
const icount = args.includes('--icount');
const ICOUNT_FEW = Number(process.env.ICOUNT_FEW ?? 2000);
const ICOUNT_MANY = Number(process.env.ICOUNT_MANY ?? 12000);

/** The nginx-shaped FastCGI request for `path` (BEGIN with KEEP_CONN, PARAMS, terminators). */
function fastcgiRequest(): Buffer {
  const pairs = nginxParams(0).map(([n, v]) => [n, n === 'REQUEST_URI' ? path : n === 'QUERY_STRING' ? '' : v] as const);
  const params = fcgiPairsBody(pairs);
  const padding = (8 - (params.length % 8)) % 8;
  const header = (type: number, length: number, pad: number) => Buffer.from([1, type, 0, 1, length >> 8, length & 0xff, pad, 0]);
  return Buffer.concat([
    header(1, 8, 0),
    Buffer.from([0, 1, 1, 0, 0, 0, 0, 0]),
    header(4, params.length, padding),
    params,
    Buffer.alloc(padding),
    header(4, 0, 0),
    header(5, 0, 0),
  ]);
}

/** The same request as nginx's proxy_pass sends it over HTTP/1.1 (keep-alive). */
function httpRequestBytes(): Buffer {
  return Buffer.from(httpRequest(0).toString('latin1').replace(/^GET \S+/, `GET ${path}`), 'latin1');
}

/** The environment that makes an app name's variant (gw-data: the gw app without the shared read buffer). */
function appEnv(app: string): NodeJS.ProcessEnv {
  return app === 'gw-data' ? { GW_SHARED_READ_BUFFER: '0' } : {};
}

stopChildrenOnExit();
const dir = mkdtempSync(join(os.tmpdir(), 'gw-app-cpu-'));
chmodSync(dir, 0o755);
try {
  const scripts: Record<string, string> = {
    gw: await buildGwApp(dir),
    http: join(appsDir, 'node-http-app.mjs'),
    bare: join(appsDir, 'bare-responder.mjs'),
  };
  scripts['gw-data'] = scripts.gw as string;
  if (icount) {
    console.log(`\n${body}: user-space instructions per request (cachegrind, ${ICOUNT_MANY} − ${ICOUNT_FEW} requests, 10 connections), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('| app | instructions/request | ÷ node:http |');
    console.log('| --- | ---: | ---: |');
    const perApp: Record<string, number> = {};
    for (const app of apps) {
      const socket = join(dir, `${app}.sock`);
      const few = await instructions(app, scripts[app] as string, socket, ICOUNT_FEW);
      const many = await instructions(app, scripts[app] as string, socket, ICOUNT_MANY);
      perApp[app] = (many - few) / (ICOUNT_MANY - ICOUNT_FEW);
    }
    for (const app of apps) {
      const ratio = perApp.http === undefined ? '–' : `${((perApp[app] as number) / perApp.http).toFixed(2)}×`;
      console.log(`| ${app} | ${Math.round(perApp[app] as number).toLocaleString('en')} | ${ratio} |`);
    }
  } else {
    await timed(scripts);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function timed(scripts: Record<string, string>): Promise<void> {
  const results: Record<string, number[]> = {};
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const app of apps) {
      const socket = join(dir, `${app}.sock`);
      const child = await startApp(app, scripts[app] as string, socket, [], appEnv(app));
      const protocol = app === 'http' ? 'http' : 'fastcgi';
      const request = protocol === 'http' ? httpRequestBytes() : fastcgiRequest();
      await drive(protocol, socket, 1, request); // warm-up
      const before = cpuSeconds(child.pid);
      const t0 = process.hrtime.bigint();
      const { requests, errors } = await drive(protocol, socket, seconds, request);
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = cpuSeconds(child.pid) - before;
      await stop(child);
      if (errors > 0) throw new Error(`${app}: ${errors} errors`);
      (results[app] ??= []).push((cpu / requests) * 1e6);
      (rates[app] ??= []).push(requests / elapsed);
      process.stderr.write(`round ${round + 1} ${app}: ${((cpu / requests) * 1e6).toFixed(1)} µs/req, ${(requests / elapsed / 1000).toFixed(1)} k req/s\n`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`\n${body}, ${connections} connections, ${rounds} × ${seconds} s, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| app | app CPU µs/req (median) | min – max | k req/s (median) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const app of apps) {
    const xs = results[app] as number[];
    console.log(`| ${app} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} – ${Math.max(...xs).toFixed(1)} | ${(median(rates[app] as number[]) / 1000).toFixed(1)} |`);
  }
}

/** Instructions the app executed in its whole life (cachegrind's I refs) when serving `count` requests. */
async function instructions(app: string, script: string, socket: string, count: number): Promise<number> {
  rmSync(socket, { force: true });
  // ICOUNT_OUT_DIR keeps the per-function counts (cg_diff few many | cg_annotate shows where
  // the instructions per request go: GC, runtime, libuv by name; JIT-compiled JS as unknown code).
  const outFile = process.env.ICOUNT_OUT_DIR ? join(process.env.ICOUNT_OUT_DIR, `${app}-${count}.cg`) : '/dev/null';
  const child = start(`${app} (cachegrind)`, 'valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${outFile}`, process.execPath, script, socket], { env: appEnvironment(appEnv(app)) });
  await waitForLine(child, (l) => l === 'listening', 120_000);
  const protocol = app === 'http' ? 'http' : 'fastcgi';
  const request = protocol === 'http' ? httpRequestBytes() : fastcgiRequest();
  const driver = start('driver', process.execPath, [join(clientsDir, 'raw-driver.mjs'), protocol, socket, '10', '600'], {
    env: appEnvironment({ RAW_REQUEST_HEX: request.toString('hex'), RAW_MAX_REQUESTS: String(count), RAW_REQUESTS_PER_CONNECTION: process.env.E2E_REQUESTS_PER_CONNECTION ?? '' }),
  });
  if ((await driver.exited) !== 0) throw new Error(`driver failed: ${driver.stderrLines.join('\n')}`);
  await stop(child, 'SIGTERM', 60_000);
  const line = child.stderrLines.find((l) => /I\s+refs:/.test(l));
  if (line === undefined) throw new Error(`no I refs from cachegrind for ${app}: ${child.stderrLines.slice(-5).join('\n')}`);
  return Number((line.split(':')[1] as string).replaceAll(',', '').trim());
}

async function drive(protocol: string, socket: string, secs: number, request: Buffer): Promise<{ requests: number; errors: number }> {
  const child = start('driver', process.execPath, [join(clientsDir, 'raw-driver.mjs'), protocol, socket, String(connections), String(secs)], {
    env: appEnvironment({ RAW_REQUEST_HEX: request.toString('hex'), RAW_REQUESTS_PER_CONNECTION: process.env.E2E_REQUESTS_PER_CONNECTION ?? '' }),
  });
  const code = await child.exited;
  if (code !== 0) throw new Error(`driver exited ${code}: ${child.stderrLines.join('\n')}`);
  return JSON.parse(child.stdoutLines[0] as string) as { requests: number; errors: number };
}
