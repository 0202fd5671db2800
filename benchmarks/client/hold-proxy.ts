/**
 * Starts php-fpm (4 workers) and the gw proxy (optionally with extra node flags) and keeps them
 * running until SIGINT/SIGTERM, printing the URL and the proxy's PID: for perf / strace sessions
 * by hand while working on the proxy (not part of any results run).
 *
 * node --import tsx client/hold-proxy.ts [node flags for the proxy...]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEnvironment, freePort } from '../e2e/lib/nginx.js';
import { start, stop, stopChildrenOnExit, waitForLine } from '../e2e/lib/processes.js';
import { bundleApp } from './lib/build.js';
import { startPhpFpm, stopPhpFpm } from './lib/php-fpm.js';

stopChildrenOnExit();
const flags = process.argv.slice(2).filter((a) => a !== '--');
const dir = mkdtempSync(join(tmpdir(), 'gw-hold-proxy-'));
chmodSync(dir, 0o755);
const fpm = await startPhpFpm(dir, 4);
const port = await freePort();
const bundle = await bundleApp('gw-proxy.ts', dir);
const gw = start('gw', process.execPath, [...flags, bundle, String(port), fpm.socket, fpm.docroot, '4', '1000'], { env: appEnvironment() });
await waitForLine(gw, (l) => l === 'listening');
console.log(`url http://127.0.0.1:${port}/hello.php pid ${gw.pid} dir ${dir}`);
const done = async () => {
  await stop(gw);
  await stopPhpFpm(fpm);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGINT', done);
process.once('SIGTERM', done);
