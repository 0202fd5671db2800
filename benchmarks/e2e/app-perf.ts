/**
 * A system-level look at one app under the raw driver (clients/raw-driver.mjs, 50 kept-alive
 * connections over a unix socket, no nginx), for what CPU profiles and instruction counts miss:
 * kernel time, lock waits, GC threads, syscalls per request.
 *
 * Usage (in benchmarks/): `node --import tsx e2e/app-perf.ts gw|http hello|64k [seconds=8]`
 * - default: `perf record -g` of the app (node runs with --perf-basic-prof-only-functions, so JS
 *   frames have names), written to /tmp/perf-<app>-<body>.data; read it with
 *   `perf report -i FILE --no-children --sort dso,sym`.
 * - STRACE=1: `strace -c -f` of the app instead, to /tmp/strace-<app>-<body>.txt (syscalls and
 *   futex wake-ups per request: divide by the requests printed).
 * - TRACE_GC=1 (with STRACE=1): the app runs with --trace-gc; prints its scavenge count.
 * It prints the warm-up's and the measured window's request counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fcgiPairsBody, httpRequest, nginxParams } from '../codec/fixtures.js';
import { appsDir, buildGwApp, clientsDir } from './lib/build.js';
import { appEnvironment, startApp } from './lib/nginx.js';
import { start, stop } from './lib/processes.js';
const [app = 'gw', body = 'hello', secs = '8'] = process.argv.slice(2);
const path = body === '64k' ? '/64k' : '/hello';
function fastcgiRequest(): Buffer {
  const pairs = nginxParams(0).map(([n, v]) => [n, n === 'REQUEST_URI' ? path : n === 'QUERY_STRING' ? '' : v] as const);
  const params = fcgiPairsBody(pairs);
  const padding = (8 - (params.length % 8)) % 8;
  const header = (type: number, length: number, pad: number) => Buffer.from([1, type, 0, 1, length >> 8, length & 0xff, pad, 0]);
  return Buffer.concat([header(1, 8, 0), Buffer.from([0, 1, 1, 0, 0, 0, 0, 0]), header(4, params.length, padding), params, Buffer.alloc(padding), header(4, 0, 0), header(5, 0, 0)]);
}
const dir = mkdtempSync(join(os.tmpdir(), 'gw-perf-'));
const script = app === 'gw' ? await buildGwApp(dir) : join(appsDir, 'node-http-app.mjs');
const socket = join(dir, 's.sock');
const child = await startApp(app, script, socket, process.env.TRACE_GC ? ['--trace-gc'] : ['--perf-basic-prof-only-functions', '--interpreted-frames-native-stack']);
const protocol = app === 'http' ? 'http' : 'fastcgi';
const request = protocol === 'http' ? Buffer.from(httpRequest(0).toString('latin1').replace(/^GET \S+/, `GET ${path}`), 'latin1') : fastcgiRequest();
const warm = start('driver', process.execPath, [join(clientsDir, 'raw-driver.mjs'), protocol, socket, '50', '3'], { env: appEnvironment({ RAW_REQUEST_HEX: request.toString('hex') }) });
await warm.exited; console.log("warm", warm.stdoutLines[0]);
const perf = process.env.STRACE ? spawn('timeout', ['-s', 'INT', secs, 'strace', '-c', '-f', '-o', `/tmp/strace-${app}-${body}.txt`, '-p', String(child.pid)]) : spawn('perf', ['record', '-F', '2999', '-g', '-o', `/tmp/perf-${app}-${body}.data`, '-p', String(child.pid), '--', 'sleep', secs], { stdio: 'inherit' });
const driver = start('driver', process.execPath, [join(clientsDir, 'raw-driver.mjs'), protocol, socket, '50', String(Number(secs) + 1)], { env: appEnvironment({ RAW_REQUEST_HEX: request.toString('hex') }) });
await new Promise((r) => perf.on('exit', r));
await driver.exited;
console.log(driver.stdoutLines[0]);
await stop(child);
if (process.env.TRACE_GC) {
  const lines = child.stdoutLines.filter((l) => l.includes('Scavenge'));
  const ms = lines.map((l) => Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 0)).reduce((a, b) => a + b, 0);
  console.log(`${app}: ${lines.length} scavenges, ${child.stdoutLines.filter((l) => l.includes('Mark-Compact')).length} mark-compacts, scavenge ms ${ms.toFixed(0)}; sample: ${lines[lines.length - 1]}`);
}
rmSync(dir, { recursive: true, force: true });
