import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startPhpFpm, stopPhpFpm } from './lib/php-fpm.js';
import { appsDir, bundleApp } from './lib/build.js';
import { start, stop, waitForLine, sleep } from '../e2e/lib/processes.js';
const dir = mkdtempSync(join(tmpdir(), 'gwdbg-')); chmodSync(dir, 0o755);
const fpm = await startPhpFpm(dir, 4);
const b = await bundleApp('gw-proxy.ts', dir);
const gw = start('gw', process.execPath, [b, '18081', fpm.socket, fpm.docroot, '4', '1000']);
const npm = start('npm', process.execPath, [join(appsDir, 'npm-proxy.mjs'), '18083', fpm.socket, fpm.docroot]);
await waitForLine(gw, (l) => l === 'listening'); await waitForLine(npm, (l) => l === 'listening');
const w = (port: number) => execFileSync('wrk', ['-t1', '-c16', '-d3s', `http://127.0.0.1:${port}/hello.php`], { encoding: 'utf8' }).split('\n').filter(l => /Requests\/sec|Socket/.test(l)).join(' | ');
const ss = () => execFileSync('sh', ['-c', `ss -xp | grep -c php-fpm.sock || true`], { encoding: 'utf8' }).trim();
for (const [name, port] of [['gw', 18081], ['npm', 18083], ['gw', 18081], ['npm', 18083]] as const) {
  await sleep(2500);
  console.log('before', name, 'sockets:', ss());
  console.log(name, w(port));
  console.log('after', name, 'sockets:', ss());
}
console.log('gw stderr', gw.stderrLines.slice(0, 10)); console.log('npm stderr', npm.stderrLines.slice(0, 10));
await stop(gw); await stop(npm); await stopPhpFpm(fpm);
console.log(execFileSync('tail', ['-20', join(dir, 'php-fpm.log')], { encoding: 'utf8' }));
