// Start and stop the real servers used for captures.
//
// Every server runs in the foreground as our child, so its PID is the one we stop: first the
// server's own graceful signal, then SIGKILL after a grace period. An exit hook kills whatever is
// still running if the capture script dies or is interrupted, so no server outlives a run.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set();
const prefixes = new Set();

function killEverything() {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of prefixes) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killEverything();
    process.exit(130);
  });
}

/**
 * A fresh temp prefix. Mode 0755 because nginx/apache workers run as an unprivileged user when the
 * master is root, and they must be able to reach the prefix (nginx buffers bodies > 16 KiB there).
 * Removed by `removePrefix` or, at the latest, when the process exits.
 */
export function makePrefix(label) {
  const dir = mkdtempSync(join(tmpdir(), `gw-capture-${label}-`));
  chmodSync(dir, 0o755);
  prefixes.add(dir);
  return dir;
}

/** Removes a prefix made by `makePrefix`. */
export function removePrefix(dir) {
  rmSync(dir, { recursive: true, force: true });
  prefixes.delete(dir);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The environment servers start with: fixed and minimal, because Apache and cgi-fcgi forward their
 * environment to the back end and a capture should not record the capturing user's settings.
 */
export const CLEAN_ENV = Object.freeze({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' });

/**
 * Starts `command args` in the foreground with stdout/stderr appended to `logFile`.
 * `stopSignal` is the server's graceful-stop signal (nginx and php-fpm: SIGQUIT; apache and
 * lighttpd: SIGTERM; uwsgi: SIGINT, because SIGTERM only reloads uWSGI 2.0).
 */
export function startServer({ command, args, cwd, env = CLEAN_ENV, logFile, stopSignal = 'SIGTERM' }) {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const handle = { child, pid: child.pid, command, args, stopSignal, exited, logFile };
  running.add(child);
  exited.then(() => running.delete(child));
  return handle;
}

/** Stops a server started by `startServer`: graceful signal, then SIGKILL after `graceMs`. */
export async function stopServer(handle, graceMs = 5000) {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  try {
    process.kill(handle.pid, handle.stopSignal);
  } catch {
    return;
  }
  const done = await Promise.race([handle.exited, sleep(graceMs).then(() => null)]);
  if (done === null) {
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
    await handle.exited;
  }
}

/** Resolves once something accepts connections on the TCP port or unix socket path. */
export async function waitForListener(target, { timeoutMs = 10000, server } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server && (server.child.exitCode !== null || server.child.signalCode !== null)) {
      throw new Error(`${server.command} exited before listening (see ${server.logFile})`);
    }
    if (typeof target === 'string' && !existsSync(target)) {
      await sleep(50);
      continue;
    }
    const ok = await new Promise((resolve) => {
      const socket = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listening on ${target} after ${timeoutMs} ms`);
}

/** First line of a command's output; version banners go to stdout or stderr (nginx -v uses stderr). */
export function versionLine(command, args) {
  const result = spawnSync(command, args, { encoding: 'latin1' });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return text.split('\n')[0].trim();
}

/** Debian package version (`dpkg-query`), or null when the package is not installed. */
export function debianVersion(pkg) {
  try {
    // dpkg-query's own format syntax, not a JS template.
    const format = '$' + '{Version}';
    return execFileSync('dpkg-query', ['-W', '-f', format, pkg], { encoding: 'latin1' }).trim();
  } catch {
    return null;
  }
}
