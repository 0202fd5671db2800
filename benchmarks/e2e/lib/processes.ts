/**
 * Child processes of a benchmark run (nginx, apps, load clients): started, watched line by line,
 * measured through /proc, and stopped by PID — each one this run started, never by name — at
 * the end, on an error, and on SIGINT/SIGTERM of the harness.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A started child: its PID and everything it printed so far. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly stdoutLines: string[];
  readonly stderrLines: string[];
  /** Resolves when the process has exited (code, or signal name). */
  readonly exited: Promise<number | string>;
}

/** How to start a child. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Open a node IPC channel (process.send in the child). Default false. */
  ipc?: boolean;
  /** Raise the open-files limit to this in a `sh` wrapper that then execs the command (same PID). */
  nofile?: number;
}

const running = new Set<Child>();
/** PIDs we did not spawn but answer for (nginx's worker): SIGKILLed last by stopAll / killAllNow. */
const adopted = new Set<number>();

/** Makes stopAll() and killAllNow() also end `pid` (a grandchild, e.g. nginx's worker). */
export function adoptPid(pid: number): void {
  adopted.add(pid);
}

/** `pid` is gone (or stopped by its owner): stopAll() must not signal it later. */
export function releasePid(pid: number): void {
  adopted.delete(pid);
}

function killAdopted(): void {
  for (const pid of adopted) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {} // already gone
  }
  adopted.clear();
}

/** Starts `command args`; the child is stopped by stopAll() if the run ends early. */
export function start(name: string, command: string, args: string[], options: StartOptions = {}): Child {
  let cmd = command;
  let argv = args;
  if (options.nofile !== undefined) {
    // `ulimit -n` can only be raised by the process itself (node has no setrlimit); sh raises it
    // and execs, so the PID we hold is the real app's. Root may raise the hard limit too.
    argv = ['-c', 'ulimit -HSn "$0" 2>/dev/null || ulimit -Sn "$0" 2>/dev/null; exec "$@"', String(options.nofile), command, ...args];
    cmd = 'sh';
  }
  const stdio: ('ignore' | 'pipe' | 'ipc')[] = ['ignore', 'pipe', 'pipe'];
  if (options.ipc) stdio.push('ipc');
  const proc = spawn(cmd, argv, { env: options.env ?? process.env, cwd: options.cwd, stdio });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (l) => stdoutLines.push(l));
  createInterface({ input: proc.stderr as NodeJS.ReadableStream }).on('line', (l) => stderrLines.push(l));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const child: Child = { name, proc, pid: proc.pid, stdoutLines, stderrLines, exited };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

/** Waits until the child printed a stdout line matching `test`; fails if it exits or times out first. */
export async function waitForLine(child: Child, test: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    const line = child.stdoutLines.find(test);
    if (line !== undefined) return line;
    if (exited) throw new Error(`${child.name} exited before it was ready:\n${child.stderrLines.slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`${child.name} not ready after ${timeoutMs} ms:\n${child.stderrLines.slice(-20).join('\n')}`);
    await sleep(20);
  }
}

/** Sends `signal` to the child's PID and waits for it to exit; SIGKILL after `graceMs`. */
export async function stop(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!running.has(child)) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Stops every child still running, in reverse start order (clients, then apps, then nginx). */
export async function stopAll(): Promise<void> {
  for (const child of [...running].reverse()) await stop(child);
  killAdopted();
}

/** Synchronous last resort (process 'exit'): SIGKILL to every child still running, by PID. */
export function killAllNow(): void {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
  killAdopted();
}

/** Stops the children when the harness is interrupted or exits, so no app or nginx outlives it. */
export function stopChildrenOnExit(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping child processes\n`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAllNow);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Fields of /proc/<pid>/stat after the `(comm)` field: [0] = state (field 3), [1] = ppid, … */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time the process (all threads) has used so far, in seconds: user, and system (kernel). */
export function cpuTimes(pid: number): { user: number; system: number } {
  const f = statFields(pid);
  // Fields 14 (utime) and 15 (stime) of proc(5) are at 11 and 12 after the comm field.
  return { user: Number(f[11]) / CLOCK_TICKS, system: Number(f[12]) / CLOCK_TICKS };
}

/** CPU time (user + system, all threads) the process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** Resident set size of the process now, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** PIDs whose parent is `pid` (e.g. nginx's worker under its master). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === pid) out.push(Number(entry));
    } catch {} // the process ended while we looked
  }
  return out;
}

/** The open-files soft limit of this process's shell environment. */
export function openFilesLimit(): number {
  const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}
