/**
 * App CPU per request without a web server in the loop: each app (gw FastCGI, node:http, the bare
 * FastCGI responder) serves nginx-shaped requests from a raw closed-loop driver
 * (clients/raw-driver.mjs) over a unix socket, kept-alive connections, and we read the app
 * process's CPU time (/proc, all threads) per request. nginx costs the same on every FastCGI
 * upstream and a lot of noise on this shared machine, so this is the quick, steadier measure to
 * iterate on; the committed throughput figures still come from run.ts with nginx in front.
 *
 * Usage (in benchmarks/): `node --import tsx e2e/app-cpu.ts [hello|64k] [--apps=gw,http,bare]`
 * Knobs: E2E_ROUNDS (5), E2E_SECONDS (5), E2E_CONNECTIONS_LOAD (50).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fcgiPairsBody, httpRequest, nginxParams } from '../codec/fixtures.js';
import { appsDir, buildGwApp, clientsDir } from './lib/build.js';
import { appEnvironment, startApp } from './lib/nginx.js';
import { cpuSeconds, start, stop, stopChildrenOnExit } from './lib/processes.js';

const args = process.argv.slice(2);
const body = args.find((a) => !a.startsWith('--')) ?? 'hello';
const apps = (args.find((a) => a.startsWith('--apps='))?.slice(7) ?? 'gw,http,bare').split(',');
const rounds = Number(process.env.E2E_ROUNDS ?? 5);
const seconds = Number(process.env.E2E_SECONDS ?? 5);
const connections = Number(process.env.E2E_CONNECTIONS_LOAD ?? 50);
const path = body === '64k' ? '/64k' : '/hello';

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

stopChildrenOnExit();
const dir = mkdtempSync(join(os.tmpdir(), 'gw-app-cpu-'));
chmodSync(dir, 0o755);
try {
  const scripts: Record<string, string> = {
    gw: await buildGwApp(dir),
    http: join(appsDir, 'node-http-app.mjs'),
    bare: join(appsDir, 'bare-responder.mjs'),
  };
  const results: Record<string, number[]> = {};
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const app of apps) {
      const socket = join(dir, `${app}.sock`);
      const child = await startApp(app, scripts[app] as string, socket);
      const protocol = app === 'http' ? 'http' : 'fastcgi';
      const request = protocol === 'http' ? httpRequestBytes() : fastcgiRequest();
      // warm-up
      await drive(protocol, socket, 1, request);
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
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function drive(protocol: string, socket: string, secs: number, request: Buffer): Promise<{ requests: number; errors: number }> {
  const child = start('driver', process.execPath, [join(clientsDir, 'raw-driver.mjs'), protocol, socket, String(connections), String(secs)], { env: appEnvironment({ RAW_REQUEST_HEX: request.toString('hex') }) });
  const code = await child.exited;
  if (code !== 0) throw new Error(`driver exited ${code}: ${child.stderrLines.join('\n')}`);
  return JSON.parse(child.stdoutLines[0] as string) as { requests: number; errors: number };
}
