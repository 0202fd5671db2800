/**
 * php-fpm 8.2 from a temp prefix: `php-fpm8.2 -F -R -y php-fpm.conf -p DIR`, one static pool of
 * four workers on a unix socket, and a hello-world script. Nothing of the system's php-fpm is read
 * or written; the master is stopped by its PID (SIGQUIT: graceful, the workers exit with it).
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type Child, childPids, sleep, start, stop } from '../../e2e/lib/processes.js';

/** The body hello.php prints. */
export const PHP_HELLO = 'Hello, World!\n';

/** A running php-fpm pool. */
export interface PhpFpm {
  master: Child;
  /** The pool's unix socket. */
  socket: string;
  /** DOCUMENT_ROOT holding hello.php. */
  docroot: string;
  /** pm.max_children. */
  workers: number;
  /** Sockets an idle worker holds (measured at startup). */
  idleSockets: number;
}

/** Writes the config and script into `dir`, starts php-fpm and waits for its socket. */
export async function startPhpFpm(dir: string, workers = 4): Promise<PhpFpm> {
  const docroot = join(dir, 'www');
  mkdirSync(docroot, { recursive: true, mode: 0o755 });
  writeFileSync(join(docroot, 'hello.php'), `<?php\nheader('Content-Type: text/plain');\necho "Hello, World!\\n";\n`);
  const socket = join(dir, 'php-fpm.sock');
  writeFileSync(
    join(dir, 'php-fpm.conf'),
    `[global]
pid = ${join(dir, 'php-fpm.pid')}
error_log = ${join(dir, 'php-fpm.log')}
daemonize = no

[bench]
listen = ${socket}
listen.mode = 0666
; pm = static: the worker count never changes during a run; each worker serves one kept-alive
; connection at a time, so every client keeps at most ${workers} connections open.
pm = static
pm.max_children = ${workers}
; never recycle a worker mid-run
pm.max_requests = 0
catch_workers_output = no
`,
  );
  const master = start('php-fpm', 'php-fpm8.2', ['-F', '-R', '-y', join(dir, 'php-fpm.conf'), '-p', dir]);
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket) || childPids(master.pid).length < workers) {
    if (Date.now() > deadline) throw new Error(`php-fpm not ready:\n${master.stderrLines.join('\n')}`);
    await sleep(20);
  }
  const idleSockets = Math.max(...childPids(master.pid).map(socketCount));
  return { master, socket, docroot, workers, idleSockets };
}

/** PIDs of the pool's workers (for CPU accounting). */
export function phpWorkerPids(fpm: PhpFpm): number[] {
  return childPids(fpm.master.pid);
}

/** Graceful stop of the master by PID (it takes its workers along). */
export function stopPhpFpm(fpm: PhpFpm): Promise<void> {
  return stop(fpm.master, 'SIGQUIT');
}

/** Open sockets of one process (the listening socket plus any accepted connection). */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {} // closed while we looked
  }
  return n;
}

/**
 * Workers holding a connection now: more open sockets than a worker had right after startup
 * (the inherited listening socket and the master's).
 */
export function pinnedWorkers(fpm: PhpFpm): number {
  return phpWorkerPids(fpm).filter((pid) => socketCount(pid) > fpm.idleSockets).length;
}
