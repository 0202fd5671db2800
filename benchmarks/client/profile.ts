/**
 * CPU profile of one node front end (`gw` proxy by default, or `npm`) in front of php-fpm under
 * `wrk -t1 -cN -dS`: the app runs with `--cpu-prof`, is stopped cleanly, and the profile is mapped
 * through the bundle's source map (e2e/lib/cpu-profile.ts) and printed as self time by function,
 * by line and inclusive time.
 *
 * node --import tsx client/profile.ts [gw|npm] [connections=16] [seconds=5]
 */
import { chmodSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfile, topRows } from '../e2e/lib/cpu-profile.js';
import { appEnvironment, freePort } from '../e2e/lib/nginx.js';
import { cpuSeconds, start, stop, stopChildrenOnExit, waitForLine } from '../e2e/lib/processes.js';
import { runWrk } from '../e2e/lib/wrk.js';
import { appsDir, bundleApp, repoRoot } from './lib/build.js';
import { startPhpFpm, stopPhpFpm } from './lib/php-fpm.js';

stopChildrenOnExit();
// `pnpm run profile:client -- gw 16 5` passes the `--` through.
const args = process.argv.slice(2).filter((a) => a !== '--');
const which = args[0] ?? 'gw';
const connections = Number(args[1] ?? 16);
const seconds = Number(args[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'gw-client-profile-'));
chmodSync(dir, 0o755);
const fpm = await startPhpFpm(dir, 4);
const port = await freePort();
const bundle = which === 'gw' ? await bundleApp('gw-proxy.ts', dir) : undefined;
const script = bundle ?? join(appsDir, 'npm-proxy.mjs');
const app = start(which, process.execPath, ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${dir}`, script, String(port), fpm.socket, fpm.docroot, '4', '1000'], { env: appEnvironment() });
await waitForLine(app, (l) => l === 'listening');
const url = `http://127.0.0.1:${port}/hello.php`;
await runWrk(url, { connections, seconds: 1 });
const c0 = cpuSeconds(app.pid);
const r = await runWrk(url, { connections, seconds });
const cpuUs = ((cpuSeconds(app.pid) - c0) / r.requests) * 1e6;
await stop(app);
await stopPhpFpm(fpm);
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const s = summariseProfile(join(dir, file), bundle, repoRoot);
const busy = s.samples - s.idle;
const us = s.intervalUs;
console.log(`${which}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, app CPU ${cpuUs.toFixed(0)} µs/req; ${busy} busy of ${s.samples} samples; profile ${join(dir, file)}`);
console.log('\nself by function:\n' + topRows(s.selfByFunction, busy, us, 25).join('\n'));
console.log('\nself by line:\n' + topRows(s.selfByLine, busy, us, 25).join('\n'));
console.log('\ninclusive by function:\n' + topRows(s.inclusiveByFunction, busy, us, 25).join('\n'));
