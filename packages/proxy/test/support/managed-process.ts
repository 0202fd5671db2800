import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server started by a test: stopped by its PID, never by name. */
export interface ManagedProcess {
  readonly pid: number;
  /** Everything the process wrote to its log file so far. */
  logs(): string;
  /** Graceful signal, then SIGKILL to its process group after `graceMs`. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

// If the test run dies while servers run, kill their process groups (each is a group leader).
process.once('exit', () => {
  for (const child of running) killGroup(child.pid);
});

/**
 * Starts `command` in the foreground as the leader of its own process group, with stdout and
 * stderr appended to `logFile` and a fixed environment (servers forward env vars as CGI params).
 */
export function startProcess(command: string, args: string[], logFile: string, stopSignal: NodeJS.Signals, env: NodeJS.ProcessEnv = {}): ManagedProcess {
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', log, log],
      detached: true,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', ...env },
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid ?? -1;
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  void exited.then(() => running.delete(child));
  return {
    pid,
    logs: () => (existsSync(logFile) ? readFileSync(logFile, 'latin1') : ''),
    async stop() {
      if (!running.has(child)) return;
      try {
        process.kill(pid, stopSignal);
      } catch {
        return;
      }
      const outcome = await Promise.race([exited.then(() => 'exited' as const), sleep(5000, 'timeout' as const)]);
      if (outcome === 'timeout') killGroup(pid);
      await exited;
    },
  };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Resolves once something accepts connections at `target`; throws after `ms` (with the log for context). */
export async function waitForListener(target: { path: string } | { port: number }, proc: ManagedProcess, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = 'path' in target ? connect(target.path) : connect(target.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening at ${JSON.stringify(target)} after ${ms} ms; log:\n${proc.logs()}`);
    await sleep(50);
  }
}
