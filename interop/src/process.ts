import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from './cleanup.js';

/** How a started process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  error?: Error;
}

/** What to start, and how to stop it. */
export interface ProcessSpec {
  /** Label used in error messages, e.g. "nginx". */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Environment. Default CLEAN_ENV: Apache and cgi-fcgi forward their environment as CGI vars. */
  env?: NodeJS.ProcessEnv;
  /** File that receives the process's stdout and stderr (appended). */
  logFile: string;
  /**
   * The server's graceful-stop signal. Default SIGTERM. nginx: SIGQUIT (SIGTERM is its fast
   * stop); uWSGI 2.0: SIGINT (SIGTERM reloads it).
   */
  stopSignal?: NodeJS.Signals;
  /** Time the graceful stop may take before SIGKILL, ms. Default 5000. */
  graceMs?: number;
  /** File descriptor to give the process as stdin. Default: /dev/null. */
  stdinFd?: number;
}

/** A minimal, fixed environment for servers, so a run does not depend on the caller's shell. */
export const CLEAN_ENV: Readonly<NodeJS.ProcessEnv> = Object.freeze({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C',
});

const running = new Set<ManagedProcess>();

// Last resort: if the test run ends or is interrupted while servers run, kill their process groups
// (each server is started as a group leader, so nginx workers or Apache children go too).
onCleanup(0, () => {
  for (const proc of running) proc.killGroupNow();
});

/**
 * A server process started in the foreground by a test. It is a direct child, so its PID is the
 * one we stop; it leads its own process group so that the final SIGKILL also reaches its workers.
 */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (or failed to start). */
  readonly exited: Promise<ExitInfo>;
  readonly #child: ChildProcess;
  readonly #stopSignal: NodeJS.Signals;
  readonly #graceMs: number;
  #exit: ExitInfo | null = null;

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    this.#stopSignal = spec.stopSignal ?? 'SIGTERM';
    this.#graceMs = spec.graceMs ?? 5000;
    const log = openSync(spec.logFile, 'a');
    try {
      this.#child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? CLEAN_ENV,
        stdio: [spec.stdinFd ?? 'ignore', log, log],
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    this.pid = this.#child.pid ?? -1;
    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.#exit !== null) return;
        this.#exit = info;
        running.delete(this);
        resolve(info);
      };
      this.#child.once('exit', (code, signal) => done({ code, signal }));
      this.#child.once('error', (error) => done({ code: null, signal: null, error }));
    });
    if (this.pid > 0) running.add(this);
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.#exit === null && this.pid > 0;
  }

  /** How it ended, or null while it runs. */
  get exitInfo(): ExitInfo | null {
    return this.#exit;
  }

  /** Everything the process (and whatever else writes to its log file) wrote so far. */
  logs(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'latin1') : '';
  }

  /**
   * Stops the process: its graceful signal, then SIGKILL to its whole process group if it has
   * not exited after the grace period. Resolves once it has exited; safe to call twice.
   */
  async stop(): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    signalPid(this.pid, this.#stopSignal);
    const timer = sleep(this.#graceMs, 'timeout' as const);
    if ((await Promise.race([this.exited, timer])) === 'timeout') this.killGroupNow();
    return this.exited;
  }

  /** SIGKILL to the process group this process leads (exit hook, overdue stop). */
  killGroupNow(): void {
    if (!this.running) return;
    // A negative pid addresses the group; our child is its leader (spawned with detached).
    if (!signalPid(-this.pid, 'SIGKILL')) signalPid(this.pid, 'SIGKILL');
  }
}

/** Sends a signal; false when there is no such process (it exited meanwhile). */
function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Starts `spec.command` in the foreground; see ManagedProcess. */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  return new ManagedProcess(spec);
}

/** Options of the wait helpers. */
export interface WaitOptions {
  /** Give up after this long, ms. Default 10000. */
  timeoutMs?: number;
  /** Fail early (with its log tail) if this process exits while we wait. */
  process?: ManagedProcess;
}

/** Resolves once something accepts connections on a 127.0.0.1 TCP port or a unix socket path. */
export async function waitForListener(target: number | string, options: WaitOptions = {}): Promise<void> {
  await poll(`a listener on ${target}`, options, async () => {
    if (typeof target === 'string' && !existsSync(target)) return false;
    return canConnect(target);
  });
}

/** Resolves once the process's log matches `pattern`. */
export async function waitForLog(proc: ManagedProcess, pattern: RegExp, options: WaitOptions = {}): Promise<void> {
  await poll(`${pattern} in ${proc.logFile}`, { process: proc, ...options }, async () => pattern.test(proc.logs()));
}

/** True if a connection to the TCP port (127.0.0.1) or unix socket path succeeds. */
export function canConnect(target: number | string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = typeof target === 'number' ? connect(target, '127.0.0.1') : connect(target);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function poll(what: string, options: WaitOptions, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const proc = options.process;
  for (;;) {
    if (proc !== undefined && !proc.running) {
      const info = proc.exitInfo;
      const how = info?.error ? info.error.message : `code ${info?.code} signal ${info?.signal}`;
      throw new Error(`${proc.name} exited (${how}) while waiting for ${what}\n${tail(proc.logs())}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${proc ? `\n${tail(proc.logs())}` : ''}`);
    await sleep(25);
  }
}

/** The last lines of a log, for error messages. */
export function tail(text: string, maxChars = 3000): string {
  return text.length <= maxChars ? text : `…${text.slice(-maxChars)}`;
}
